package sim_test

import (
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// qualityPopulation is the population of every arm: a few thousand users
// following several businesses, which send most days, with budgets large
// enough that no business thins its audience.
func qualityPopulation(t *testing.T) *sim.Population {
	cfg := smallConfig(4000, 40, 60)
	cfg.User.FollowsAtStart = 4
	cfg.Business.SendsPerWeekMean = 6
	cfg.Business.BudgetMonthlyMedian = 1e6
	pop, err := sim.NewPopulation(&cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

// heavyAnnoyance: every push annoys a lot, annoyance fades slowly and
// users react readily; blockShare of the reactions are blocks, a tenth
// mutes, the rest unfollows.
func heavyAnnoyance(b *sim.Behaviour, blockShare float64) {
	b.AnnoyPush = 3
	b.AnnoyHalfLife = 14
	b.ReactRate = 0.5
	b.MuteShare = 0.1
	b.BlockShare = blockShare
}

// qualityArm is one run of TestBlocksLowerTheTier with the engine's
// summaries and the replay's.
type qualityArm struct {
	name  string
	res   *sim.Result
	check *ruleChecker
}

// TestBlocksLowerTheTier: blocks lower a business's quality rating and,
// after 7 red days in a row, its messaging tier (models/ODD.md 7.12;
// sim/engine.go's (*runner).rate). One population and one run seed, under
// paid push, in three arms that differ only in users' behaviour:
//   - "no blocks": heavy annoyance, but block_share 0 (reactions mute or
//     unfollow): no business may ever be yellow or red, nor lose a tier;
//   - "heavy": the same heavy annoyance with block_share 0.8: some
//     businesses must go red and fall below their start tier;
//   - "default": the default behaviour (a few blocks), which gives a mix of
//     green, yellow and red days, so that the replay below is checked on
//     every branch of the rule.
//
// In every arm each business's days green, yellow and red and its final,
// lowest and highest tier must equal the rule checker's replay of the
// audit trail (ruleChecker, rules_test.go) exactly: both are integer counts
// of the same events compared with the same float expression, so there is
// no tolerance. What counts: every delivery on a channel with Quality is a
// send (in the window or not, marketing or utility, free or paid, push or
// folder), every block that follows such a delivery (a reaction to it) a
// block; every business
// on such a channel is rated every day, green on days with no sends.
func TestBlocksLowerTheTier(t *testing.T) {
	const start = 2
	pp := newModel(t, "paid_push", func(p *models.PaidPushParams) {
		// Small tiers, so that the limits bind on this population and
		// businesses both rise and fall.
		p.Tiers = []int{20, 60, 150, 400}
		p.StartTier = start
		p.Quality = true
		p.YellowPer1000, p.RedPer1000 = 3, 8 // the defaults
		p.BlockedMarkets = nil
		p.UserCapPerDay = 0
	})
	base := qualityPopulation(t)
	runArm := func(name string, set func(*sim.Behaviour)) qualityArm {
		// The same population (read-only in a run) with other behaviour:
		// NewPopulation reads no behaviour the arms change.
		pop := *base
		set(&pop.Cfg.Behaviour)
		plat, err := sim.NewPlatform(&pop.Cfg, pp)
		if err != nil {
			t.Fatal(err)
		}
		// The rule checker replays the trail, rating every business by
		// its own bookkeeping, and compares its ratings with the engine's.
		c := newRuleChecker(t, &pop, plat)
		res, err := runWithAudit(&pop, plat, 9, c.events)
		if err != nil {
			t.Fatal(err)
		}
		c.checkRatings(res)
		for b, s := range res.Businesses {
			if s.Channel != "paid_push" {
				t.Errorf("%s: business %d uses channel %q, want paid_push (adoption 1)", name, b, s.Channel)
			}
			if got := s.DaysGreen + s.DaysYellow + s.DaysRed; got != len(res.Daily) {
				t.Errorf("%s: business %d rated on %d days of %d", name, b, got, len(res.Daily))
			}
		}
		return qualityArm{name, res, c}
	}
	none := runArm("no blocks", func(b *sim.Behaviour) { heavyAnnoyance(b, 0) })
	heavy := runArm("heavy", func(b *sim.Behaviour) { heavyAnnoyance(b, 0.8) })
	def := runArm("default", func(*sim.Behaviour) {})

	type stats struct {
		red, yellow, green, below, rose int // businesses with such a day / tier
		daysRed, drops, rises           int
		blocks, sends, unfollows, mutes int64
	}
	summarise := func(a qualityArm) stats {
		var s stats
		for b, x := range a.res.Businesses {
			s.red += countIf(x.DaysRed > 0)
			s.yellow += countIf(x.DaysYellow > 0)
			s.green += countIf(x.DaysGreen > 0)
			s.below += countIf(x.MinTier < start)
			s.rose += countIf(x.MaxTier > start)
			s.daysRed += x.DaysRed
			s.drops += a.check.rating[b].drops
			s.rises += a.check.rating[b].rises
			s.blocks += x.Blocks
			s.sends += x.Sends
			s.unfollows += x.Unfollows
			s.mutes += x.Mutes
		}
		t.Logf("%s: %d blocks, %d unfollows, %d mutes on %d sends; of %d businesses %d had red days (%d in all), %d yellow, %d green; %d fell below tier %d, %d rose above it (%d drops, %d rises)",
			a.name, s.blocks, s.unfollows, s.mutes, s.sends, len(a.res.Businesses), s.red, s.daysRed, s.yellow, s.green,
			s.below, start, s.rose, s.drops, s.rises)
		return s
	}
	sn, sh, sd := summarise(none), summarise(heavy), summarise(def)

	// Without blocks: never yellow or red, never below the start tier.
	// (This needs yellow_per_1000 > 0: the comparison is ≥, so with a
	// threshold of 0 a rate of 0, even without sends, is already yellow.)
	if sn.sends == 0 || sn.unfollows == 0 {
		t.Errorf("no blocks: %d sends and %d unfollows; the arm should send and annoy", sn.sends, sn.unfollows)
	}
	if sn.blocks != 0 || sn.red != 0 || sn.yellow != 0 || sn.below != 0 || sn.drops != 0 {
		t.Errorf("no blocks: %d blocks, %d businesses red, %d yellow, %d below tier %d, %d tier drops; want none",
			sn.blocks, sn.red, sn.yellow, sn.below, start, sn.drops)
	}
	// With many blocks: some businesses red, some below their start tier.
	if sh.red == 0 || sh.below == 0 {
		t.Errorf("heavy: %d businesses red and %d below tier %d; want some of each", sh.red, sh.below, start)
	}
	// The replay was compared on every branch: green, yellow and red days,
	// tier drops and tier rises occurred in some arm.
	if sn.green+sh.green+sd.green == 0 || sn.yellow+sh.yellow+sd.yellow == 0 || sh.red+sd.red == 0 ||
		sh.drops+sd.drops == 0 || sn.rises+sh.rises+sd.rises == 0 {
		t.Errorf("the arms did not exercise every branch of the rating (green %d/%d/%d, yellow %d/%d/%d, drops %d/%d, rises %d/%d/%d)",
			sn.green, sh.green, sd.green, sn.yellow, sh.yellow, sd.yellow, sh.drops, sd.drops, sn.rises, sh.rises, sd.rises)
	}
}

func countIf(b bool) int {
	if b {
		return 1
	}
	return 0
}
