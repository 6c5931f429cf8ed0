package sim_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// attentionConfig is a quiet population (no service needs, discovery,
// Status or lapses) whose users follow about `follows` businesses each,
// which send sendsPerWeek campaigns a week each on a fixed schedule, all
// marketing; nobody reacts, so every push stays a push and the audience
// stays the same whatever the volume.
func attentionConfig(users, businesses, days, follows int, sendsPerWeek, attention float64) sim.Config {
	cfg := quiet(users, businesses, days)
	cfg.MaxFollows = max(follows, 1)
	cfg.User.FollowsAtStart = float64(follows)
	cfg.Business.SendPolicy = "fixed"
	cfg.Business.SendsPerWeekMean, cfg.Business.SendsPerWeekSigma = sendsPerWeek, 0
	for i := range cfg.Categories {
		cfg.Categories[i].UtilityShare = 0
	}
	cfg.Behaviour.ReactRate, cfg.Behaviour.ReactBase = 0, 0
	cfg.Behaviour.Attention = attention
	return cfg
}

// pushSubscription is a free subscription channel that pushes, with a cap
// per business and follower of perDay messages a day.
func pushSubscription(t *testing.T, perDay int) sim.Model {
	return newModel[models.SubscriptionParams](t, "subscription", func(p *models.SubscriptionParams) {
		p.Delivery, p.MessagesPerPeriod, p.PeriodDays = "push", perDay, 1
		p.FeePerFollower = 0
	})
}

// freePaidPush is paid push at price 0 with no tiers, quality rating or
// blocked market, and the per-user marketing cap given (0: none).
func freePaidPush(t *testing.T, capPerDay int) sim.Model {
	return newModel[models.PaidPushParams](t, "paid_push", func(p *models.PaidPushParams) {
		p.PriceMarketing, p.PriceUtility = models.Prices{"default": 0}, models.Prices{"default": 0}
		p.Tiers, p.Quality, p.BlockedMarkets = nil, false, nil
		p.UserCapPerDay, p.UserCapExempt = capPerDay, nil
	})
}

// readRate is opens_push / sends_push of a run's totals and its binomial
// standard error at probability p.
func readRate(t *testing.T, tot sim.Daily, p float64) (rate, se float64) {
	t.Helper()
	if tot.SendsPush < 1000 {
		t.Fatalf("only %d pushes delivered: too few to measure a read rate", tot.SendsPush)
	}
	n := float64(tot.SendsPush)
	return float64(tot.OpensPush) / n, math.Sqrt(p * (1 - p) / n)
}

// Every message's read (push) or open (folder) probability is its rate
// times 1/(1 + attention·n), n the proactive messages of any channel and
// business the user got before it that day. The expectation is rebuilt
// from the audit trail alone (each delivery's n counted per user and day
// from the deliveries before it), on an arm with a push and a folder
// channel side by side, so that n must count both; the run's opens must
// match it within 4 standard errors, for each delivery separately.
func TestAttentionMatchesItsCurve(t *testing.T) {
	const a = 0.4
	cfg := attentionConfig(2000, 30, 10, 5, 7, a)
	cfg.Behaviour.OpenFolder = 0.3 // enough folder opens to measure
	pop, err := sim.NewPopulation(&cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	sub := newModel[models.SubscriptionParams](t, "subscription", func(p *models.SubscriptionParams) {
		p.MessagesPerPeriod, p.FeePerFollower = 4, 0
	})
	plat, err := sim.NewPlatform(&cfg, sub, freePaidPush(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	type userDay struct{ u, d int32 }
	got := map[userDay]int{}
	var want [2]struct{ mean, variance float64 } // 0 folder, 1 push
	var counted [2]int64
	res, err := runWithAudit(pop, plat, 5, func(evs []sim.AuditEvent) {
		for _, e := range evs {
			if e.Kind != sim.AuditDeliver {
				continue
			}
			k := userDay{e.User, e.Day}
			p, i := cfg.Behaviour.OpenFolder, 0
			if e.Push {
				p, i = cfg.Behaviour.ReadPush, 1
			}
			p /= 1 + a*float64(got[k])
			got[k]++
			want[i].mean += p
			want[i].variance += p * (1 - p)
			counted[i]++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	tot := totals(res)
	if counted[1] != tot.SendsPush || counted[0] != tot.SendsFolder {
		t.Fatalf("audit counted %d pushes and %d folder messages, the totals %d and %d", counted[1], counted[0], tot.SendsPush, tot.SendsFolder)
	}
	many := 0
	for _, n := range got {
		if n >= 3 {
			many++
		}
	}
	if many < len(got)/2 {
		t.Fatalf("only %d of %d user-days with 3 messages or more: too little competition to test", many, len(got))
	}
	for i, c := range []struct {
		name  string
		opens int64
	}{{"folder", tot.OpensFolder}, {"push", tot.OpensPush}} {
		m, sd := want[i].mean, math.Sqrt(want[i].variance)
		if z := (float64(c.opens) - m) / sd; math.Abs(z) > 4 {
			t.Errorf("%s: %d opens, the curve expects %.0f ± %.0f (z = %.1f)", c.name, c.opens, m, sd, z)
		}
		t.Logf("%s: %d opens of %d, the curve expects %.0f ± %.0f", c.name, c.opens, []int64{tot.SendsFolder, tot.SendsPush}[i], m, sd)
	}
}

// With attention > 0 the more each business sends, the lower the share of
// pushes read (same population and seeds at every volume); with attention
// 0 the share is read_push at every volume, within 4 standard errors.
func TestAttentionReadRateFallsWithVolume(t *testing.T) {
	rates := []float64{1, 3, 7, 14, 28}
	for _, a := range []float64{0, 0.3} {
		prev := math.Inf(1)
		for _, x := range rates {
			cfg := attentionConfig(2000, 30, 14, 6, x, a)
			_, _, res := run(t, cfg, 9, sim.RunSpec{}, pushSubscription(t, 4))
			p := cfg.Behaviour.ReadPush
			rate, se := readRate(t, totals(res), p)
			t.Logf("attention %g, %g a week: read rate %.4f ± %.4f", a, x, rate, se)
			if a == 0 {
				if math.Abs(rate-p) > 4*se {
					t.Errorf("attention 0, %g a week: read rate %.4f, want read_push %g ± %.4f (4 s.e.)", x, rate, p, 4*se)
				}
				continue
			}
			if rate >= prev {
				t.Errorf("attention %g: read rate %.4f at %g a week, not below %.4f at the volume before", a, rate, x, prev)
			}
			if rate >= p-4*se {
				t.Errorf("attention %g, %g a week: read rate %.4f not below read_push %g: the competition did nothing", a, x, rate, p)
			}
			prev = rate
		}
	}
}

// A user who gets at most one message a day meets no competition: the
// read rate is read_push within 4 standard errors even at a high
// attention. One slot per user, one channel, one campaign a day.
func TestAttentionOneMessageADayReadAsConfigured(t *testing.T) {
	cfg := attentionConfig(20000, 50, 10, 1, 7, 1)
	pop, err := sim.NewPopulation(&cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, pushSubscription(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	type userDay struct{ u, d int32 }
	seen := map[userDay]bool{}
	twice := 0
	res, err := runWithAudit(pop, plat, 3, func(evs []sim.AuditEvent) {
		for _, e := range evs {
			if e.Kind == sim.AuditDeliver {
				k := userDay{e.User, e.Day}
				if seen[k] {
					twice++
				}
				seen[k] = true
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if twice > 0 {
		t.Fatalf("%d user-days with a second message: the set-up has competition", twice)
	}
	p := cfg.Behaviour.ReadPush
	rate, se := readRate(t, totals(res), p)
	if math.Abs(rate-p) > 4*se {
		t.Errorf("one message a day at attention 1: read rate %.4f, want read_push %g ± %.4f (4 s.e.)", rate, p, 4*se)
	}
	t.Logf("read rate %.4f ± %.4f over %d pushes", rate, se, totals(res).SendsPush)
}

// A per-user marketing cap delivers fewer messages, and with attention > 0
// each of them is read more often (DOMAIN: a cap lowers delivered volume
// and raises the read rate of what is delivered). At attention 0 the cap
// lowers volume but leaves the read rate at read_push: the rise comes from
// the competition for attention, not from which messages the cap keeps.
func TestUserCapRaisesReadRateUnderAttention(t *testing.T) {
	for _, a := range []float64{0, 0.3} {
		cfg := attentionConfig(2000, 30, 14, 6, 14, a)
		cfg.Markets = []sim.Market{{Code: "IN", Share: 1}}
		p := cfg.Behaviour.ReadPush
		_, _, free := run(t, cfg, 21, sim.RunSpec{}, freePaidPush(t, 0))
		_, _, capped := run(t, cfg, 21, sim.RunSpec{}, freePaidPush(t, 2))
		tf, tc := totals(free), totals(capped)
		if tc.SendsPush >= tf.SendsPush*2/3 {
			t.Errorf("attention %g: the cap of 2 a day delivered %d pushes against %d without it: volume hardly fell", a, tc.SendsPush, tf.SendsPush)
		}
		rf, sf := readRate(t, tf, p)
		rc, sc := readRate(t, tc, p)
		se := math.Hypot(sf, sc)
		t.Logf("attention %g: without a cap %d pushes read at %.4f; capped at 2 a day %d read at %.4f (s.e. of the difference %.4f)", a, tf.SendsPush, rf, tc.SendsPush, rc, se)
		if a == 0 {
			if math.Abs(rc-rf) > 4*se {
				t.Errorf("attention 0: the cap moved the read rate from %.4f to %.4f, more than 4 s.e. (%.4f)", rf, rc, 4*se)
			}
			continue
		}
		if rc-rf <= 4*se {
			t.Errorf("attention %g: the cap raised the read rate from %.4f to %.4f only, less than 4 s.e. (%.4f)", a, rf, rc, 4*se)
		}
	}
}

// The attention count is per user-day, kept by the worker that runs the
// user's day, so the results with attention on do not depend on the
// number of workers either.
func TestAttentionOnAnyWorkerCount(t *testing.T) {
	cfg := smallConfig(6000, 60, 20) // several blocks of users
	cfg.Behaviour.Attention = 0.5
	pop, err := sim.NewPopulation(&cfg, 8)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, allModels(t)...)
	if err != nil {
		t.Fatal(err)
	}
	var ref *sim.Result
	for _, w := range []int{1, 3} {
		res, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 2, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = res
			if totals(res).OpensPush == 0 {
				t.Fatal("no push read: the comparison would prove little")
			}
			continue
		}
		if !reflect.DeepEqual(ref.Daily, res.Daily) || !reflect.DeepEqual(ref.Businesses, res.Businesses) {
			t.Errorf("%d workers: results differ from 1 worker with attention on", w)
		}
	}
}
