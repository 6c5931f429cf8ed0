package design

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// noisyIdentity is y = x + N(0, sd²), its noise keyed by the call count so
// that a run is reproducible.
func noisyIdentity(sd float64) Model {
	rnd := rand.New(rand.NewPCG(7, 7))
	return func(x []float64) ([]float64, error) {
		return []float64{x[0] + sd*rnd.NormFloat64()}, nil
	}
}

// posteriorCDF is the exact ABC posterior's distribution function of
// y = x + N(0, sd²), a uniform prior on [0, 1] and acceptance |y − t| ≤ h:
// density ∝ Φ((t+h−x)/sd) − Φ((t−h−x)/sd), integrated numerically.
func posteriorCDF(t, h, sd float64) func(float64) float64 {
	n := distuv.UnitNormal
	const steps = 20000
	dens := func(x float64) float64 { return n.CDF((t+h-x)/sd) - n.CDF((t-h-x)/sd) }
	cum := make([]float64, steps+1)
	for i := 1; i <= steps; i++ {
		x0, x1 := float64(i-1)/steps, float64(i)/steps
		cum[i] = cum[i-1] + (dens(x0)+dens(x1))/2/steps
	}
	return func(x float64) float64 {
		i := int(math.Round(min(max(x, 0), 1) * steps))
		return cum[i] / cum[steps]
	}
}

func weightedCDF(ps []ABCParticle, x float64) float64 {
	var s float64
	for _, p := range ps {
		if p.X[0] <= x {
			s += p.Weight
		}
	}
	return s
}

// TestABCNoisyClosedForm: y = x + N(0, 0.05²), observed 0.5 with tolerance
// 0.1. The weighted particles' distribution function matches the exact
// posterior's at five points within 4 binomial standard errors (by the
// effective sample size) plus 0.01, whether the first proposal is the
// prior, an off-centre normal alone (pure importance sampling: the
// weights must undo the proposal) or an off-centre normal followed by two
// population Monte Carlo steps.
func TestABCNoisyClosedForm(t *testing.T) {
	box := Box{{Name: "x", Lo: 0, Hi: 1}}
	exact := posteriorCDF(0.5, 0.1, 0.05)
	dist := func(y []float64) float64 { return math.Abs(y[0]-0.5) / 0.1 }
	for _, c := range []struct {
		name string
		s    ABCSettings
	}{
		{"prior start", ABCSettings{Epsilon: 1, Particles: 800, Generations: 2, Seed: 1}},
		{"importance sampling only", ABCSettings{Epsilon: 1, Particles: 1500, Generations: 1, Start: []float64{0.42}, StartScale: 0.1, Seed: 2}},
		{"off-centre start, PMC", ABCSettings{Epsilon: 1, Particles: 800, Generations: 3, Start: []float64{0.42}, StartScale: 0.03, Seed: 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ABC(box, noisyIdentity(0.05), dist, &c.s)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged {
				t.Fatalf("not converged after %d evaluations", res.Evaluations)
			}
			fin := res.Final()
			ess := res.ESS()
			t.Logf("%d evaluations, %d generations (epsilons %v), %d particles, ESS %.0f", res.Evaluations, len(res.Epsilons), res.Epsilons, len(fin), ess)
			if ess < 100 {
				t.Fatalf("effective sample size %.0f is too small for the check", ess)
			}
			for _, p := range fin {
				if p.Distance > 1 {
					t.Fatalf("accepted a particle at distance %v", p.Distance)
				}
			}
			for _, x := range []float64{0.35, 0.42, 0.5, 0.58, 0.65} {
				f := exact(x)
				got := weightedCDF(fin, x)
				tol := 4*math.Sqrt(f*(1-f)/ess) + 0.01
				if math.Abs(got-f) > tol {
					t.Errorf("F(%.2f) = %.3f, exact %.3f (tolerance %.3f)", x, got, f, tol)
				}
			}
		})
	}
}

// TestABCRotatedSquare: two parameters, the second on a log scale, and a
// deterministic model of their unit coordinates, y = (u1+u2, u1−u2),
// observed (1, 0) with tolerances 0.2 and 0.05. The posterior is uniform
// on the rotated rectangle |u1+u2−1| ≤ 0.2, |u1−u2| ≤ 0.05 (the prior is
// uniform in unit coordinates): mean (0.5, 0.5), variance
// (0.4²+0.1²)/48 = 0.003542 each and covariance (0.4²−0.1²)/48 = 0.003125.
func TestABCRotatedSquare(t *testing.T) {
	box := Box{{Name: "a", Lo: 2, Hi: 4}, {Name: "b", Lo: 0.01, Hi: 1, Scale: Log}}
	model := func(x []float64) ([]float64, error) {
		u := box.ToUnit(nil, x)
		return []float64{u[0] + u[1], u[0] - u[1]}, nil
	}
	dist := func(y []float64) float64 { return max(math.Abs(y[0]-1)/0.2, math.Abs(y[1])/0.05) }
	res, err := ABC(box, model, dist, &ABCSettings{Epsilon: 1, Particles: 1000, Generations: 3, Start: box.FromUnit(nil, []float64{0.45, 0.5}), StartScale: 0.05, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	fin := res.Final()
	n := len(fin)
	u1, u2, w := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, p := range fin {
		u := box.ToUnit(nil, p.X)
		u1[i], u2[i], w[i] = u[0], u[1], p.Weight
	}
	ess := res.ESS()
	// Weighted moments under normalised weights (Σw = 1).
	mom := func(a, b []float64) float64 {
		ma, mb := stat.Mean(a, w), stat.Mean(b, w)
		var c float64
		for i := range a {
			c += w[i] * (a[i] - ma) * (b[i] - mb)
		}
		return c
	}
	m1, m2 := stat.Mean(u1, w), stat.Mean(u2, w)
	v1, v2, cv := mom(u1, u1), mom(u2, u2), mom(u1, u2)
	t.Logf("%d evaluations, ESS %.0f: mean (%.4f, %.4f), var (%.5f, %.5f), cov %.5f", res.Evaluations, ess, m1, m2, v1, v2, cv)
	se := math.Sqrt(0.003542 / ess)
	if math.Abs(m1-0.5) > 4*se || math.Abs(m2-0.5) > 4*se {
		t.Errorf("mean (%.4f, %.4f), want (0.5, 0.5) ± %.4f", m1, m2, 4*se)
	}
	// The variance of a sample variance of a uniform is about 0.8·σ⁴/n.
	vse := math.Sqrt(0.8/ess) * 0.003542
	for _, v := range []float64{v1, v2} {
		if math.Abs(v-0.003542) > 4*vse {
			t.Errorf("variance %.5f, want 0.003542 ± %.5f", v, 4*vse)
		}
	}
	if math.Abs(cv-0.003125) > 4*vse {
		t.Errorf("covariance %.5f, want 0.003125 ± %.5f", cv, 4*vse)
	}
}

// TestABCReproducible: the same seed gives the same particles; another
// seed others.
func TestABCReproducible(t *testing.T) {
	box := Box{{Name: "x", Lo: 0, Hi: 1}}
	dist := func(y []float64) float64 { return math.Abs(y[0]-0.5) / 0.1 }
	run := func(seed uint64) *ABCResult {
		res, err := ABC(box, noisyIdentity(0.05), dist, &ABCSettings{Epsilon: 1, Particles: 50, Seed: seed, Start: []float64{0.5}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(5), run(5), run(6)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different particles")
	}
	if reflect.DeepEqual(a.Particles, c.Particles) {
		t.Error("another seed gave the same particles")
	}
}

func TestABCErrors(t *testing.T) {
	box := Box{{Name: "x", Lo: 0, Hi: 1}}
	id := func(x []float64) ([]float64, error) { return []float64{x[0]}, nil }
	dist := func(y []float64) float64 { return math.Abs(y[0]-0.5) / 0.1 }
	for _, c := range []struct {
		name string
		box  Box
		s    *ABCSettings
	}{
		{"no settings", box, nil},
		{"epsilon 0", box, &ABCSettings{}},
		{"integer parameter", Box{{Name: "n", Lo: 0, Hi: 4, Integer: true}}, &ABCSettings{Epsilon: 1}},
		{"start outside", box, &ABCSettings{Epsilon: 1, Start: []float64{2}}},
		{"one particle", box, &ABCSettings{Epsilon: 1, Particles: 1}},
		{"budget below a generation", box, &ABCSettings{Epsilon: 1, Particles: 10, MaxEvaluations: 5}},
		{"quantile above 1", box, &ABCSettings{Epsilon: 1, Quantile: 2}},
	} {
		if _, err := ABC(c.box, id, dist, c.s); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	// Nothing within epsilon: an error saying the budget was spent.
	far := func(y []float64) float64 { return 10 }
	res, err := ABC(box, id, far, &ABCSettings{Epsilon: 1, Particles: 10, MaxEvaluations: 40, Start: []float64{0.5}})
	if err == nil || res == nil || res.Evaluations != 40 {
		t.Errorf("nothing accepted: err %v, result %+v", err, res)
	}
	// Out of budget within a later generation at epsilon: the particles
	// found, not converged, no error.
	res, err = ABC(box, id, dist, &ABCSettings{Epsilon: 1, Particles: 20, Generations: 3, MaxEvaluations: 50, Start: []float64{0.5}, StartScale: 0.05})
	if err != nil || res.Converged || len(res.Final()) != 20 || res.FinalGeneration != len(res.Epsilons)-1 {
		t.Errorf("partial generation: err %v, converged %v, %d final from generation %d of %d; want the last complete one's 20",
			err, res.Converged, len(res.Final()), res.FinalGeneration, len(res.Epsilons))
	}
}
