package models_test

import (
	"context"
	"math"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// TestUserFeesUnbiased: the followers billed a channel subscription equal
// followers × paying_share in expectation at every population size. Over
// one 30-day month (billed on day 29, on the followers at the end of that
// day, which are the run's FollowersEnd), for 3,000, 6,000 and 15,000 users
// (50 users a business, as in the default scenario) and 4 seeds each, the
// payers billed (user spend / fee; nothing else is bought) must be within 4
// standard deviations of Σ_b followers_b × share, the standard deviation
// being that of the rounding draws, √Σ_b f_b(1−f_b) with f_b the fractional
// part. Rounding each business's payers down, the old rule, must fall
// outside that band at every size.
func TestUserFeesUnbiased(t *testing.T) {
	const share, fee = 0.05, 1.0
	for _, users := range []int{3000, 6000, 15000} {
		var billed int64
		var expected, oldRule, variance float64
		for seed := uint64(1); seed <= 4; seed++ {
			cfg := sim.DefaultConfig()
			cfg.Users, cfg.Businesses, cfg.Days = users, users/50, 30
			cfg.Behaviour.ServiceConversion, cfg.Behaviour.Conversion = 0, 0
			pop, err := sim.NewPopulation(&cfg, seed)
			if err != nil {
				t.Fatal(err)
			}
			plat, err := sim.NewPlatform(&cfg, model(t, "subscription", func(p *models.SubscriptionParams) {
				p.FeePerFollower, p.UserFeeMonthly, p.PayingShare = 0, fee, share
			}))
			if err != nil {
				t.Fatal(err)
			}
			res, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			var spend sim.Micros
			for _, d := range res.Daily {
				spend += d.UserSpend
			}
			if spend%sim.USD(fee) != 0 {
				t.Fatalf("user spend %d µUSD is not a whole number of %g USD fees", spend, fee)
			}
			billed += int64(spend / sim.USD(fee))
			for _, b := range res.Businesses {
				x := float64(b.FollowersEnd) * share
				fl := math.Floor(x)
				expected += x
				oldRule += fl
				variance += (x - fl) * (1 - x + fl)
			}
		}
		tol := 4 * math.Sqrt(variance)
		t.Logf("%d users: billed %d payers, followers × share %.1f ± %.1f (4 sd); rounding down bills %.0f (%.0f %% short)",
			users, billed, expected, tol, oldRule, 100*(1-oldRule/expected))
		if math.Abs(float64(billed)-expected) > tol {
			t.Errorf("%d users: billed %d payers, want %.1f within %.1f", users, billed, expected, tol)
		}
		if expected-oldRule <= tol {
			t.Errorf("%d users: rounding down (%.0f) is within %.1f of %.1f: the test cannot tell the rules apart", users, oldRule, tol, expected)
		}
	}
}
