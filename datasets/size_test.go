package datasets

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// sizeFigures are the per-user figures of one run that a strategist
// carries from a simulated population to a market: platform revenue per
// user and year, proactive messages per user and week, negative reactions
// per 1,000 messages and churn caused by messages per 1,000 follows (as
// run_totals defines them: store's KPI registry).
var sizeFigures = []string{"platform $/user/yr", "messages/user/wk", "reactions/1000 msgs", "msg churn/1000 follows"}

func perUserFigures(res *sim.Result, users, days int) []float64 {
	var tot sim.Daily
	for i := range res.Daily {
		tot.Add(&res.Daily[i])
	}
	var followsStart int64
	for _, g := range res.Segments {
		followsStart += g.FollowsStart
	}
	msgs := float64(tot.SendsPush + tot.SendsFolder)
	ud := float64(users) * float64(days)
	react := math.NaN()
	if msgs > 0 {
		react = 1000 * float64(tot.Mutes+tot.UnfollowsAnnoyed+tot.Blocks) / msgs
	}
	return []float64{
		tot.PlatformTotal().Dollars() * 365 / ud,
		7 * msgs / ud,
		react,
		1000 * float64(tot.UnfollowsAnnoyed+tot.FollowsBlocked) / float64(followsStart+tot.FollowsGained),
	}
}

// TestPerUserFiguresDoNotDependOnSize: with --users alone the businesses
// scale with the users (50 users per business in the default scenario), so
// 5,000, 20,000 and 80,000 users are the same market at three sizes, and
// every arm's per-user figures agree across them within sampling error.
//
// The tolerance: each size runs the same user-days (16, 4 and 1
// replicates of 120 days), on populations drawn afresh per replicate. A
// per-user figure is a mean over users and businesses, so its sampling
// sd falls about as 1/√users. It falls more slowly in some figures (the
// runs' sd at 20,000 is up to twice sd₅ₖ/2: businesses' heterogeneity and
// the exit rule's feedback between them), so the sd of one run at N users
// is the larger of sd₅ₖ·√(5000/N) and sd₂₀ₖ·√(20000/N), from the 16 and 4
// replicates (the log shows both). Two sizes agree when their means differ by
// at most 4 standard errors of the difference: 48 comparisons (4 arms, 4
// figures, 3 pairs) at 4 se have a chance of about 0.3 % that any fails by
// chance alone. Revenue per user and year and messages per user and week
// hold that. Negative reactions per 1,000 messages and churn caused by
// messages per 1,000 follows do not: they fall with the size, by 5 to 16 %
// from 5,000 to 80,000 users (paid push's churn 73 → 65 → 61 per 1,000
// follows; the base's reactions 15.2 → 15.6 → 14.2 per 1,000 messages),
// in every arm, which sampling does not explain and this test does not
// hide: for those two it asserts at most 20 % (or 4 se) between any two
// sizes, and README.md says to read them at one size.
//
// The rules that could depend on size do not here, and why: messaging
// tiers count a business's unique users a day and the 2022 monthly free
// allowance counts a business's conversations, both per business, and a
// business of the same users per business has the same followers at any
// population size; budgets are per business in USD a month. They depend
// on users per business, which --businesses changes (models/ODD.md,
// 5 Initialization, "Population size").
func TestPerUserFiguresDoNotDependOnSize(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 29 M user-days")
	}
	const days = 120
	sizes := []struct{ users, reps int }{{5000, 16}, {20000, 4}, {80000, 1}}
	base, err := Embedded("default")
	if err != nil {
		t.Fatal(err)
	}
	arms := base.Arms()
	type key struct{ size, arm int }
	vals := map[key][][]float64{} // per replicate, per figure
	for si, sz := range sizes {
		sc, err := ParseWith("default", mustEmbeddedYAML(t), []Override{{Path: "users", Value: sz.users}, {Path: "days", Value: days}})
		if err != nil {
			t.Fatal(err)
		}
		if want := sz.users / 50; sc.Businesses != want {
			t.Fatalf("%d users: %d businesses, want %d (50 users each)", sz.users, sc.Businesses, want)
		}
		for r := 0; r < sz.reps; r++ {
			popSeed, runSeed := experiment.SeedOf(uint64(1000+si), r)
			pop, err := sim.NewPopulation(&sc.Config, popSeed)
			if err != nil {
				t.Fatal(err)
			}
			for ai, arm := range arms {
				ms, err := sc.NewModels(arm)
				if err != nil {
					t.Fatal(err)
				}
				plat, err := sim.NewPlatform(&sc.Config, ms...)
				if err != nil {
					t.Fatal(err)
				}
				res, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: runSeed})
				if err != nil {
					t.Fatal(err)
				}
				k := key{si, ai}
				vals[k] = append(vals[k], perUserFigures(res, sz.users, days))
			}
		}
	}
	meanSD := func(xs [][]float64, f int) (m, sd float64, n int) {
		var s, ss float64
		for _, x := range xs {
			if !math.IsNaN(x[f]) {
				s += x[f]
				n++
			}
		}
		if n == 0 {
			return math.NaN(), math.NaN(), 0
		}
		m = s / float64(n)
		for _, x := range xs {
			if !math.IsNaN(x[f]) {
				ss += (x[f] - m) * (x[f] - m)
			}
		}
		if n > 1 {
			sd = math.Sqrt(ss / float64(n-1))
		}
		return m, sd, n
	}
	for ai, arm := range arms {
		for f, name := range sizeFigures {
			_, sd5, _ := meanSD(vals[key{0, ai}], f)
			_, sd20, _ := meanSD(vals[key{1, ai}], f)
			line := fmt.Sprintf("%-22s %-22s", arm.Name, name)
			means := make([]float64, len(sizes))
			ses := make([]float64, len(sizes))
			for si, sz := range sizes {
				m, _, n := meanSD(vals[key{si, ai}], f)
				means[si] = m
				one := math.Max(sd5*math.Sqrt(5000/float64(sz.users)), sd20*math.Sqrt(20000/float64(sz.users)))
				ses[si] = one / math.Sqrt(float64(max(n, 1)))
				line += fmt.Sprintf("  %6dk %9.4f ± %.4f", sz.users/1000, m, ses[si])
			}
			t.Logf("%s   (one-run sd at 20k: %.4f measured, %.4f from 5k)", line, sd20, sd5/2)
			if math.IsNaN(means[0]) {
				continue // no messages in the arm: no reactions per message
			}
			for a := 0; a < len(sizes); a++ {
				for b := a + 1; b < len(sizes); b++ {
					se := math.Hypot(ses[a], ses[b])
					d := means[b] - means[a]
					if f < 2 && math.Abs(d) > 4*se+1e-12 {
						t.Errorf("%s, %s: %g at %d users, %g at %d: differ by %.1f se (se %.4g), want at most 4",
							arm.Name, name, means[a], sizes[a].users, means[b], sizes[b].users, math.Abs(d)/se, se)
					}
					// Reactions and churn per message fall with the
					// size (see above): bounded, not equal.
					if lim := math.Max(4*se, 0.2*math.Abs(means[a])); f >= 2 && math.Abs(d) > lim+1e-12 {
						t.Errorf("%s, %s: %g at %d users, %g at %d: differ by %.3g, more than the %.3g allowed (20 %% or 4 se)",
							arm.Name, name, means[a], sizes[a].users, means[b], sizes[b].users, math.Abs(d), lim)
					}
				}
			}
		}
	}
}

func mustEmbeddedYAML(t *testing.T) []byte {
	t.Helper()
	b, err := EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
