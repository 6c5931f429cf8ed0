package sim_test

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// The same scenario and seed give identical metrics, per day and per
// business, with 1, 2, 3 and 7 workers and any GOMAXPROCS.
func TestSameResultsOnAnyWorkerCount(t *testing.T) {
	cfg := smallConfig(15000, 100, 45) // eight blocks of users
	cfg.Behaviour.EntryConversationsPerDay = 0.1
	ms := allModels(t)
	pop, err := sim.NewPopulation(&cfg, 21)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, ms...)
	if err != nil {
		t.Fatal(err)
	}
	var ref *sim.Result
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, w := range []int{1, 2, 3, 7} {
			res, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 5, Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = res
				if tot := totals(res); tot.SendsPush == 0 || tot.AdImpressions == 0 || tot.EntryAdConversations == 0 {
					t.Fatal("the reference run sent nothing: the comparison would prove little")
				}
				continue
			}
			if !reflect.DeepEqual(ref.Daily, res.Daily) {
				t.Errorf("GOMAXPROCS %d, %d workers: daily metrics differ from 1 worker", procs, w)
			}
			if !reflect.DeepEqual(ref.Segments, res.Segments) {
				t.Errorf("GOMAXPROCS %d, %d workers: segment summaries differ from 1 worker", procs, w)
			}
			if !reflect.DeepEqual(ref.Businesses, res.Businesses) {
				t.Errorf("GOMAXPROCS %d, %d workers: business summaries differ from 1 worker", procs, w)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// Every model of a comparison sees the same population and random numbers:
// what a model cannot influence is identical across models, and the same
// rules under two names give identical runs.
func TestCommonRandomNumbers(t *testing.T) {
	cfg := smallConfig(3000, 40, 30)
	// A click on a message opens a conversation, which a model does
	// influence; without clicks conversations are the users' own needs.
	cfg.Behaviour.Click, cfg.Behaviour.UtilityClick = 0, 0
	pop, err := sim.NewPopulation(&cfg, 9)
	if err != nil {
		t.Fatal(err)
	}
	arm := func(ms ...sim.Model) *sim.Result {
		plat, err := sim.NewPlatform(&cfg, ms...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 77})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	sub := arm(newModel[models.SubscriptionParams](t, "subscription", nil))
	push := arm(newModel[models.PaidPushParams](t, "paid_push", nil))
	// Day 0 starts from the same follows and draws the same needs: the
	// conversations users start that day cannot depend on the model.
	if sub.Daily[0].ActiveFollows == 0 {
		t.Fatal("no follows")
	}
	if a, b := sub.Daily[0].Conversations, push.Daily[0].Conversations; a != b {
		t.Errorf("day 0 conversations: %d under subscription, %d under paid push", a, b)
	}
	if a, b := sub.Daily[0].StatusViews, push.Daily[0].StatusViews; a != b {
		t.Errorf("day 0 status views: %d vs %d without ads in either", a, b)
	}
	// Status views stay equal all run long when neither arm shows ads.
	for d := range sub.Daily {
		if sub.Daily[d].StatusViews != push.Daily[d].StatusViews {
			t.Errorf("day %d: status views %d vs %d", d, sub.Daily[d].StatusViews, push.Daily[d].StatusViews)
			break
		}
	}
	again := arm(newModel[models.SubscriptionParams](t, "subscription", nil))
	if !reflect.DeepEqual(sub, again) {
		t.Error("the same rules twice give different runs")
	}
	if reflect.DeepEqual(sub.Daily, push.Daily) {
		t.Error("subscription and paid push gave identical runs")
	}
}

// WhatsApp's 2022 pricing settles a monthly allowance of free
// conversations per business from the day's counts of all workers: the
// bill, per day and per business, is the same on 1, 2 or 8 workers.
func TestConversationAllowanceOnAnyWorkerCount(t *testing.T) {
	cfg, ms := eraArm(t, "whatsapp-2022")
	cfg.Users = 9000 // several blocks of users
	pop, err := sim.NewPopulation(&cfg, 22)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, ms...)
	if err != nil {
		t.Fatal(err)
	}
	var ref *sim.Result
	for _, w := range []int{1, 2, 8} {
		res, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 6, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = res
			if tot := totals(res); tot.PlatformRevenue[sim.SourceService] == 0 || tot.PlatformRevenue[sim.SourceMessages] == 0 {
				t.Fatal("no conversation was paid for: the comparison would prove little")
			}
			continue
		}
		if !reflect.DeepEqual(ref.Daily, res.Daily) || !reflect.DeepEqual(ref.Businesses, res.Businesses) {
			t.Errorf("%d workers: the bill differs from 1 worker's", w)
		}
	}
}

// A run with an audit log queues every campaign of the day and lets the
// rules turn each away at its hour; without one, the scan keeps back the
// campaigns the rules would refuse for the channel's audience or a closed
// service window and settles them when the slot changes. Both give the
// same results, field for field, on an arm of every model (channels with
// different audience rules beside a window-only one) and on the
// service-only arm, when no business thins its audience for its budget.
// With budgets, the kept-back refusals a business would have left out are
// drawn as one binomial a business and day instead of a coin each: every
// other figure is still the same, and the refusals of the two runs agree
// within sampling error (their difference has a standard deviation below
// the square root of twice the mean count; the test allows five).
func TestKeptBackCampaignsAsIfQueued(t *testing.T) {
	arms := map[string][]sim.Model{"all": allModels(t)}
	for _, m := range allModels(t) {
		if m.Name() == "service_only" {
			arms["service_only"] = []sim.Model{m}
		}
	}
	if len(arms) != 2 {
		t.Fatal("no service_only model among the registered ones")
	}
	for _, budgets := range []bool{false, true} {
		cfg := smallConfig(6000, 60, 40)
		cfg.Behaviour.EntryConversationsPerDay = 0.1
		if !budgets {
			cfg.Business.BudgetMonthlyMedian = 1e8 // no day's campaigns cost that much
		}
		for name, ms := range arms {
			name := fmt.Sprintf("%s (budgets %v)", name, budgets)
			pop, err := sim.NewPopulation(&cfg, 33)
			if err != nil {
				t.Fatal(err)
			}
			plat, err := sim.NewPlatform(&cfg, ms...)
			if err != nil {
				t.Fatal(err)
			}
			events := 0
			audited, err := runWithAudit(pop, plat, 9, func(ev []sim.AuditEvent) { events += len(ev) })
			if err != nil {
				t.Fatal(err)
			}
			plain, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			tot, totAudited := totals(plain), totals(audited)
			if events == 0 || tot.SendsBlocked == 0 || tot.SendsPush+tot.SendsFolder == 0 {
				t.Fatalf("%s: %d audit events, %d sends blocked: the comparison would prove little", name, events, tot.SendsBlocked)
			}
			if budgets {
				diff := math.Abs(float64(tot.SendsBlocked - totAudited.SendsBlocked))
				if tol := 5 * math.Sqrt(float64(tot.SendsBlocked+totAudited.SendsBlocked)); diff > tol {
					t.Errorf("%s: %d sends blocked without the log, %d with it: differ by %.0f, more than %.0f", name, tot.SendsBlocked, totAudited.SendsBlocked, diff, tol)
				}
				for i := range plain.Daily {
					plain.Daily[i].SendsBlocked, audited.Daily[i].SendsBlocked = 0, 0
				}
			}
			if !reflect.DeepEqual(audited.Daily, plain.Daily) {
				t.Errorf("%s: daily metrics differ with and without the audit log", name)
				for i := range audited.Daily {
					if !reflect.DeepEqual(audited.Daily[i], plain.Daily[i]) {
						t.Logf("first day that differs, %d:\nwith the log    %+v\nwithout the log %+v", i, audited.Daily[i], plain.Daily[i])
						break
					}
				}
			}
			if !reflect.DeepEqual(audited.Businesses, plain.Businesses) {
				t.Errorf("%s: business summaries differ with and without the audit log", name)
			}
			if !reflect.DeepEqual(audited.Segments, plain.Segments) {
				t.Errorf("%s: segment summaries differ with and without the audit log", name)
			}
			if !reflect.DeepEqual(audited.Channels, plain.Channels) {
				t.Errorf("%s: channel summaries differ with and without the audit log", name)
			}
		}
	}
}
