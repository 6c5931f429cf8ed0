package sim_test

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/sim"
)

// quiet returns a homogeneous population with no service needs, no
// discovery, no Status: only what a test turns on happens.
func quiet(users, businesses, days int) sim.Config {
	cfg := smallConfig(users, businesses, days)
	cfg.User.Homogeneous = true
	cfg.Behaviour.ConversationsPerDay = 0
	cfg.Behaviour.BassP, cfg.Behaviour.BassQ = 0, 0
	cfg.Behaviour.StatusDailyShare = 0
	cfg.Behaviour.NaturalUnfollow = 0
	return cfg
}

// With messaging switched off (no model: no proactive messages, no ads)
// nobody is annoyed into muting, unfollowing or blocking, however long the
// run and however much users talk to businesses.
func TestNoMessagingNoAnnoyanceChurn(t *testing.T) {
	cfg := smallConfig(4000, 80, 120)
	cfg.Behaviour.ReactRate = 5 // users who would react to anything
	_, _, res := run(t, cfg, 3, sim.RunSpec{})
	tot := totals(res)
	if tot.Conversations == 0 || tot.FollowsGained == 0 {
		t.Fatalf("the run did nothing: %d conversations, %d follows", tot.Conversations, tot.FollowsGained)
	}
	if tot.UnfollowsAnnoyed != 0 || tot.Mutes != 0 || tot.Blocks != 0 || tot.AdOptOuts != 0 {
		t.Errorf("churn without messaging: %d annoyed unfollows, %d mutes, %d blocks, %d ad opt-outs",
			tot.UnfollowsAnnoyed, tot.Mutes, tot.Blocks, tot.AdOptOuts)
	}
	if tot.SendsPush+tot.SendsFolder != 0 {
		t.Errorf("%d messages delivered with no model enabled", tot.SendsPush+tot.SendsFolder)
	}
}

// With homogeneous users and a constant daily unfollow hazard h the
// surviving follows after t days are a binomial sample with mean
// F0 (1-h)^t; every day must lie within 4.5 standard deviations.
func TestFollowSurvivalIsGeometric(t *testing.T) {
	const h = 0.01
	cfg := quiet(20000, 50, 200)
	cfg.Behaviour.NaturalUnfollow = h
	cfg.User.FollowsAtStart = 3
	_, _, res := run(t, cfg, 11, sim.RunSpec{})
	f0 := float64(res.Daily[0].ActiveFollows)
	if f0 < 40000 {
		t.Fatalf("only %v follows at start", f0)
	}
	for _, d := range res.Daily {
		p := math.Pow(1-h, float64(d.Day))
		want := f0 * p
		sd := math.Sqrt(f0 * p * (1 - p))
		if got := float64(d.ActiveFollows); math.Abs(got-want) > 4.5*sd+1 {
			t.Errorf("day %d: %v follows survive, want %.0f ± %.0f", d.Day, got, want, 4.5*sd)
		}
	}
}

// bass is the closed-form Bass curve: the adopted share at time t (years).
func bass(p, q, t float64) float64 {
	e := math.Exp(-(p + q) * t)
	return (1 - e) / (1 + q/p*e)
}

// bassDaily is the engine's day step of the Bass model: a user who does
// not follow yet adopts on day d with probability 1 - exp(-(p + q F)/365),
// F the share that followed at the end of day d-1. It returns the share
// at the end of each day.
func bassDaily(p, q float64, days int) []float64 {
	out := make([]float64, days)
	f := 0.0
	for d := range out {
		f += (1 - f) * -math.Expm1(-(p+q*f)/365)
		out[d] = f
	}
	return out
}

// bassSpread is the standard deviation of the follower share at the end
// of each day under the engine's day step on n users: each day each user
// who does not follow adopts with probability 1 - exp(-(p + q F)/365), F
// the share yesterday. The spread is larger than a binomial one, since an
// early surplus of followers speeds up the rest of the curve; it is
// estimated from reps simulated curves (the relative error of the
// estimate is about 1/sqrt(2 reps): 3.5 % for 400).
func bassSpread(p, q float64, n, days, reps int) []float64 {
	sum, sum2 := make([]float64, days), make([]float64, days)
	for r := range reps {
		src := sim.NewStream(77, 1, r, 0)
		a := 0.0
		for d := range days {
			pi := -math.Expm1(-(p + q*a/float64(n)) / 365)
			if rest := float64(n) - a; rest > 0 {
				a += distuv.Binomial{N: rest, P: pi, Src: &src}.Rand()
			}
			f := a / float64(n)
			sum[d] += f
			sum2[d] += f * f
		}
	}
	out := make([]float64, days)
	for d := range out {
		m := sum[d] / float64(reps)
		out[d] = math.Sqrt(math.Max(sum2[d]/float64(reps)-m*m, 0) * float64(reps) / float64(reps-1))
	}
	return out
}

// With word of mouth only, one business, and a fully mixed homogeneous
// population, the follower share follows the Bass curve for p and q. The
// engine steps days with yesterday's share; the tolerance is the largest
// gap between that day step and the curve (worked out by bassDaily, not
// assumed) plus 4.5 standard deviations of the share under the day step
// (bassSpread: up to about twice the binomial one mid-curve).
func TestFollowGrowthIsBass(t *testing.T) {
	const p, q = 0.3, 3.8 // per year: a year of growth in a short test
	cfg := quiet(20000, 1, 540)
	cfg.Graph.Kind = "fully_mixed"
	cfg.User.FollowsAtStart = 0
	cfg.Behaviour.BassP, cfg.Behaviour.BassQ = p, q
	cfg.Behaviour.PotentialFollows = 1
	_, _, res := run(t, cfg, 5, sim.RunSpec{})
	n := float64(cfg.Users)
	step := bassDaily(p, q, cfg.Days)
	gap := 0.0
	for d, f := range step {
		gap = math.Max(gap, math.Abs(f-bass(p, q, float64(d+1)/365)))
	}
	if gap > 0.01 {
		t.Fatalf("the day step is %.4f from the Bass curve: too coarse a test", gap)
	}
	spread := bassSpread(p, q, cfg.Users, cfg.Days, 400)
	var wom, disc int64
	worst := 0.0
	for _, d := range res.Daily {
		wom += d.FollowsWOM
		disc += d.FollowsDiscovery
		want := bass(p, q, float64(d.Day+1)/365)
		got := float64(d.ActiveFollows) / n
		sd := spread[d.Day]
		if math.Abs(got-want) > gap+4.5*sd {
			t.Errorf("day %d: follower share %.4f, Bass %.4f (tolerance %.4f)", d.Day, got, want, gap+4.5*sd)
		}
		if sd > 0 {
			worst = math.Max(worst, math.Abs(got-step[d.Day])/sd)
		}
	}
	t.Logf("day step within %.4f of the curve; the run within %.1f sd of the day step; sd at most %.4f",
		gap, worst, slices.Max(spread))
	// Attribution: over the whole curve the imitation share of adoptions is
	// 1 - (p/q) ln((p+q)/p) / ... ; check only the direction and size: with
	// q >> p most adoptions are word of mouth.
	if wom < 3*disc {
		t.Errorf("word of mouth %d vs discovery %d: q = %g >> p = %g should dominate", wom, disc, q, p)
	}
}
