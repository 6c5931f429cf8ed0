package sim_test

import (
	"fmt"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// reachTally recounts, from the audit trail alone, the daily reach and
// volume metrics, for comparison with the engine's own counts.
//
// How the engine defines them (sim/engine.go, checked there):
//   - ReachMessages: users with at least one delivered proactive message on
//     the day (campaign sets w.gotMsg on every delivery, whatever the channel,
//     push or folder, opened or not); every delivery emits one AuditDeliver.
//   - ReachAds: users shown at least one Status ad on the day (status sets
//     w.gotAd when a visit showed an ad); every ad shown emits one
//     AuditAdImpression, and a slot lost for want of an advertiser emits
//     nothing and counts nowhere.
//   - ReachMessagesCum / ReachAdsCum: users reached for the first time in
//     the run (a per-user flag), summed over days 0..d in the epilogue.
//   - SendsPush + SendsFolder: every delivery (AuditDeliver); SendsPush those
//     delivered as a push (AuditEvent.Push).
//   - AdImpressions: every ad shown (AuditAdImpression).
//   - ReachMessagesWeek / ReachAdsWeek: users reached for the first time in
//     the run's week (days 7w..7w+6) on the day; their sum over a week is
//     the distinct users reached in it.
type reachTally struct {
	day                   int
	everMsg, everAd       map[int32]bool
	weekMsg, weekAd       map[int32]bool // users reached in the current week
	weekNewMsg, weekNewAd []int64
	reachMsg, reachAd     []int64
	cumMsg, cumAd         []int64
	delivers, pushes      []int64
	impressions           []int64
	bizSends, bizImpress  map[int32]int64
	badDay                int // events whose Day is not the day being reported
}

func newReachTally() *reachTally {
	return &reachTally{everMsg: map[int32]bool{}, everAd: map[int32]bool{}, weekMsg: map[int32]bool{}, weekAd: map[int32]bool{},
		bizSends: map[int32]int64{}, bizImpress: map[int32]int64{}}
}

// events is the RunSpec.Audit callback: one call per day, in day order.
func (t *reachTally) events(evs []sim.AuditEvent) {
	msg, ad := map[int32]bool{}, map[int32]bool{}
	var del, push, imp int64
	if t.day%7 == 0 {
		t.weekMsg, t.weekAd = map[int32]bool{}, map[int32]bool{}
	}
	nMsg, nAd := len(t.weekMsg), len(t.weekAd)
	for _, e := range evs {
		if int(e.Day) != t.day {
			t.badDay++
		}
		switch e.Kind {
		case sim.AuditDeliver:
			msg[e.User] = true
			t.everMsg[e.User] = true
			t.weekMsg[e.User] = true
			del++
			if e.Push {
				push++
			}
			t.bizSends[e.Business]++
		case sim.AuditAdImpression:
			ad[e.User] = true
			t.everAd[e.User] = true
			t.weekAd[e.User] = true
			imp++
			t.bizImpress[e.Business]++
		}
	}
	t.reachMsg = append(t.reachMsg, int64(len(msg)))
	t.reachAd = append(t.reachAd, int64(len(ad)))
	t.cumMsg = append(t.cumMsg, int64(len(t.everMsg)))
	t.cumAd = append(t.cumAd, int64(len(t.everAd)))
	t.delivers = append(t.delivers, del)
	t.pushes = append(t.pushes, push)
	t.impressions = append(t.impressions, imp)
	t.weekNewMsg = append(t.weekNewMsg, int64(len(t.weekMsg)-nMsg))
	t.weekNewAd = append(t.weekNewAd, int64(len(t.weekAd)-nAd))
	t.day++
}

// reachScenarios are small populations under all four models together,
// with the models' rules varied so that every channel kind (window-only
// and contacts follow-ups, folder and push subscriptions, tiered paid push)
// and both graph kinds deliver something.
func reachScenarios(t *testing.T) []struct {
	name string
	cfg  sim.Config
	ms   []sim.Model
} {
	type sc = struct {
		name string
		cfg  sim.Config
		ms   []sim.Model
	}
	var out []sc

	// Every model with its defaults (as sim/bench_test.go's allModels).
	cfg := smallConfig(3000, 40, 40)
	cfg.Business.SendsPerWeekMean = 4
	out = append(out, sc{"defaults", cfg, allModels(t)})

	// Contacts follow-ups, push subscriptions with a user cap, tight tiers,
	// a low frequency cap, on a fully mixed population with reactions.
	cfg = smallConfig(2500, 30, 45)
	cfg.Graph.Kind = "fully_mixed"
	cfg.Business.SendsPerWeekMean = 6
	cfg.User.FollowsAtStart = 3
	cfg.Behaviour.ReactRate = 0.3
	cfg.Behaviour.AdOptOutRate = 0.05
	out = append(out, sc{"varied", cfg, []sim.Model{
		newModel(t, "service_only", func(p *models.ServiceOnlyParams) {
			p.Audience, p.Adoption, p.MaxMessagesPerWindow = "contacts", 0.5, 2
		}),
		newModel(t, "subscription", func(p *models.SubscriptionParams) {
			p.Delivery, p.MessagesPerPeriod, p.PeriodDays, p.UserCapPerPeriod, p.Adoption = "push", 2, 7, 3, 0.5
		}),
		newModel(t, "paid_push", func(p *models.PaidPushParams) {
			p.Tiers, p.StartTier, p.BlockedMarkets, p.Adoption = []int{5, 30, 100}, 0, nil, 0.5
		}),
		newModel(t, "status_ads", func(p *models.StatusAdsParams) {
			p.FreqCapPerDay, p.AdLoad, p.FirstAfter = 2, 2, 0
		}),
	}})

	// Few follows at the start, so that reach builds up over the run, and
	// rare Status visits: daily reach is well below cumulative reach.
	cfg = smallConfig(2000, 25, 30)
	cfg.User.FollowsAtStart = 0.5
	cfg.Behaviour.StatusDailyShare = 0.1
	cfg.Behaviour.ConversationsPerDay = 0.4
	out = append(out, sc{"sparse", cfg, []sim.Model{
		newModel[models.ServiceOnlyParams](t, "service_only", nil),
		newModel(t, "subscription", func(p *models.SubscriptionParams) { p.Adoption = 0.3 }),
		newModel(t, "paid_push", func(p *models.PaidPushParams) { p.Adoption = 0.3 }),
		newModel[models.StatusAdsParams](t, "status_ads", nil),
	}})
	return out
}

// TestReachMatchesAuditTrail recounts the reach metrics (daily and
// cumulative unique users reached by a proactive message or a Status ad),
// the deliveries and the ad impressions from the audit trail alone, day by
// day, and requires the engine's Daily rows (and its per-business totals)
// to agree exactly: both are integer counts of the same events, so no
// tolerance.
func TestReachMatchesAuditTrail(t *testing.T) {
	for i, s := range reachScenarios(t) {
		t.Run(s.name, func(t *testing.T) {
			if len(s.ms) != 4 {
				t.Fatalf("scenario has %d models, want all four", len(s.ms))
			}
			pop, err := sim.NewPopulation(&s.cfg, uint64(11+i))
			if err != nil {
				t.Fatal(err)
			}
			plat, err := sim.NewPlatform(&s.cfg, s.ms...)
			if err != nil {
				t.Fatal(err)
			}
			tl := newReachTally()
			res, err := runWithAudit(pop, plat, uint64(23+i), tl.events)
			if err != nil {
				t.Fatal(err)
			}
			if tl.day != len(res.Daily) || len(res.Daily) != s.cfg.Days {
				t.Fatalf("audit called for %d days, %d daily rows, %d days simulated", tl.day, len(res.Daily), s.cfg.Days)
			}
			if tl.badDay > 0 {
				t.Errorf("%d audit events reported on another day than their own", tl.badDay)
			}
			fails := 0
			check := func(d int, what string, engine, audit int64) {
				if engine != audit && fails < 20 {
					fails++
					t.Errorf("day %d: %s: engine %d, audit trail %d", d, what, engine, audit)
				}
			}
			var maxGap int64 // largest cumulative minus daily message reach
			for d, row := range res.Daily {
				check(d, "ReachMessages", row.ReachMessages, tl.reachMsg[d])
				check(d, "ReachAds", row.ReachAds, tl.reachAd[d])
				check(d, "ReachMessagesCum", row.ReachMessagesCum, tl.cumMsg[d])
				check(d, "ReachAdsCum", row.ReachAdsCum, tl.cumAd[d])
				check(d, "SendsPush+SendsFolder", row.SendsPush+row.SendsFolder, tl.delivers[d])
				check(d, "SendsPush", row.SendsPush, tl.pushes[d])
				check(d, "AdImpressions", row.AdImpressions, tl.impressions[d])
				check(d, "ReachMessagesWeek", row.ReachMessagesWeek, tl.weekNewMsg[d])
				check(d, "ReachAdsWeek", row.ReachAdsWeek, tl.weekNewAd[d])
				maxGap = max(maxGap, row.ReachMessagesCum-row.ReachMessages)
			}
			for _, b := range res.Businesses {
				id := int32(b.Business)
				if b.Sends != tl.bizSends[id] || b.AdImpressions != tl.bizImpress[id] {
					t.Errorf("business %d: engine %d sends and %d impressions, audit trail %d and %d",
						b.Business, b.Sends, b.AdImpressions, tl.bizSends[id], tl.bizImpress[id])
				}
			}
			// Not vacuous: messages and ads reached people, and the
			// cumulative count grew beyond any single day's (so a
			// cumulative metric equal to the daily one would fail).
			last := res.Daily[len(res.Daily)-1]
			tot := totals(res)
			if last.ReachMessagesCum == 0 || last.ReachAdsCum == 0 || tot.SendsPush+tot.SendsFolder == 0 || tot.AdImpressions == 0 {
				t.Fatalf("scenario reached nobody: %d users by messages, %d by ads, %d deliveries, %d impressions",
					last.ReachMessagesCum, last.ReachAdsCum, tot.SendsPush+tot.SendsFolder, tot.AdImpressions)
			}
			if maxGap == 0 {
				t.Errorf("cumulative message reach never exceeded the day's: the scenario cannot tell them apart")
			}
			channels := map[string]int64{}
			for _, b := range res.Businesses {
				channels[b.Channel] += b.Sends
			}
			t.Logf("%v on %d users, %d days: message reach %d/day on average, %d in all; ad reach %d/day, %d in all; %d deliveries (%d push), %d impressions; sends by channel %v",
				plat.Models, s.cfg.Users, s.cfg.Days, tot.ReachMessages/int64(s.cfg.Days), last.ReachMessagesCum,
				tot.ReachAds/int64(s.cfg.Days), last.ReachAdsCum, tot.SendsPush+tot.SendsFolder, tot.SendsPush,
				tot.AdImpressions, fmt.Sprint(channels))
		})
	}
}
