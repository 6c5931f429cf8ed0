package design

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// ABCSettings configures ABC. A nil *ABCSettings is not allowed: Epsilon
// has no default.
type ABCSettings struct {
	// Epsilon is the acceptance threshold of the final generation: a
	// point is plausible when its distance is at most Epsilon. It must be
	// positive.
	Epsilon float64
	// Particles is the number of accepted points a generation collects.
	// Zero means 100.
	Particles int
	// Generations is the least number of generations; more follow while
	// the threshold is still above Epsilon. Zero means 2.
	Generations int
	// Quantile sets each later generation's threshold: this quantile of
	// the previous generation's accepted distances, never below Epsilon.
	// Zero means 0.5.
	Quantile float64
	// Start, when not nil, centres the first generation's proposal: a
	// normal distribution in the box's unit coordinates with standard
	// deviation StartScale in each, whose threshold is Epsilon from the
	// start. Without it the first generation samples the prior and
	// accepts every point.
	Start []float64
	// StartScale is the first proposal's standard deviation in unit
	// coordinates. Zero means 0.1.
	StartScale float64
	// MaxEvaluations limits the model evaluations. Zero means
	// 20·Particles·Generations.
	MaxEvaluations int
	// Seed keys the random numbers: the same settings, model and seed
	// give the same particles.
	Seed uint64
}

// ABCParticle is one evaluated point.
type ABCParticle struct {
	// X is the point in the box's values and Outputs the model's outputs.
	X, Outputs []float64
	// Distance is the distance of Outputs to the data; +Inf for outputs
	// that are not numbers.
	Distance float64
	// Generation counts from 1.
	Generation int
	// Accepted reports Distance ≤ the generation's threshold.
	Accepted bool
	// Weight is the particle's importance weight, normalised over its
	// generation's accepted particles; zero if not accepted.
	Weight float64
}

// ABCResult is the result of ABC.
type ABCResult struct {
	// Particles are every evaluation, in order.
	Particles []ABCParticle
	// Epsilons are the generations' thresholds.
	Epsilons []float64
	// Evaluations is len(Particles).
	Evaluations int
	// Converged reports that the last generation collected its
	// particles at Epsilon within the budget.
	Converged bool
	// FinalGeneration is the generation Final returns: the last one,
	// or, when the budget ran out during a generation at Epsilon, the
	// last complete generation at Epsilon if there is one.
	FinalGeneration int
}

// Final returns the accepted particles of generation FinalGeneration, the
// sample of the approximate posterior.
func (r *ABCResult) Final() []ABCParticle {
	g := r.FinalGeneration
	var out []ABCParticle
	for _, p := range r.Particles {
		if p.Generation == g && p.Accepted {
			out = append(out, p)
		}
	}
	return out
}

// ESS is Kish's effective sample size of the final particles' weights,
// (Σw)²/Σw².
func (r *ABCResult) ESS() float64 {
	var s, s2 float64
	for _, p := range r.Final() {
		s += p.Weight
		s2 += p.Weight * p.Weight
	}
	if s2 == 0 {
		return 0
	}
	return s * s / s2
}

// ABC draws plausible points of the box by approximate Bayesian
// computation with population Monte Carlo (Beaumont, Cornuet, Marin and
// Robert 2009, Biometrika 96: 983–990): the prior is uniform in the
// box's unit coordinates (log-uniform for a Log parameter); a point is
// accepted when distance(model(x)) is at most the generation's threshold.
//
// The first generation samples the prior, or, with Start, a normal
// proposal around it; each later one draws a particle of the previous
// generation by weight and moves it by a normal kernel with twice the
// previous generation's weighted covariance. A draw outside the box is
// drawn again without an evaluation. Each accepted particle's weight is
// the prior over the proposal's density there, so that every generation
// is a weighted sample of the approximate posterior whatever the
// proposal (importance sampling). Thresholds fall from generation to
// generation (Quantile) to Epsilon, and the generation at Epsilon after
// at least Generations is the result.
//
// With the uniform kernel and distance max_i |y_i − t_i| / tol_i, the
// result is the exact posterior under the assumption that each
// observation is the model's output plus an error uniform within its
// tolerance (Wilkinson 2013, Stat Appl Genet Mol Biol 12: 129–141).
//
// The model is called sequentially. ABC returns an error when the box
// has an integer parameter, the settings are invalid, or no particle of
// the last generation is within Epsilon; running out of budget otherwise
// ends with Converged false and the particles found.
func ABC(box Box, model Model, distance func(y []float64) float64, s *ABCSettings) (*ABCResult, error) {
	if err := box.Validate(); err != nil {
		return nil, err
	}
	for _, p := range box {
		if p.Integer {
			return nil, fmt.Errorf("design: ABC needs continuous parameters; %s is an integer", p.Name)
		}
	}
	if s == nil || !(s.Epsilon > 0) || math.IsInf(s.Epsilon, 0) {
		return nil, errors.New("design: ABC needs a finite epsilon above 0")
	}
	set := *s
	if set.Particles == 0 {
		set.Particles = 100
	}
	if set.Generations == 0 {
		set.Generations = 2
	}
	if set.Quantile == 0 {
		set.Quantile = 0.5
	}
	if set.StartScale == 0 {
		set.StartScale = 0.1
	}
	if set.MaxEvaluations == 0 {
		set.MaxEvaluations = 20 * set.Particles * set.Generations
	}
	switch {
	case set.Particles < 2:
		return nil, fmt.Errorf("design: ABC needs at least 2 particles a generation, got %d", set.Particles)
	case set.Generations < 1:
		return nil, fmt.Errorf("design: ABC needs at least 1 generation, got %d", set.Generations)
	case !(set.Quantile > 0 && set.Quantile <= 1):
		return nil, fmt.Errorf("design: ABC quantile %v is outside (0, 1]", set.Quantile)
	case !(set.StartScale > 0) || math.IsInf(set.StartScale, 0):
		return nil, fmt.Errorf("design: ABC start scale %v must be positive", set.StartScale)
	case set.MaxEvaluations < set.Particles:
		return nil, fmt.Errorf("design: ABC budget of %d evaluations is below the %d particles of one generation", set.MaxEvaluations, set.Particles)
	case set.Start != nil && !box.Contains(set.Start):
		return nil, fmt.Errorf("design: ABC start %v is outside the box", set.Start)
	}

	d := box.Dim()
	rnd := rand.New(newSource(set.Seed, streamABC))
	res := &ABCResult{}
	var prev []ABCParticle // the previous generation's accepted particles
	var prevU [][]float64  // their unit coordinates
	lastFull := 0          // the last generation at epsilon with all its particles
	eps := math.Inf(1)
	if set.Start != nil {
		eps = set.Epsilon
	}
	for g := 1; ; g++ {
		if g > 1 {
			ds := make([]float64, len(prev))
			ws := make([]float64, len(prev))
			for i, p := range prev {
				ds[i], ws[i] = p.Distance, p.Weight
			}
			q := WeightedQuantile(ds, ws, set.Quantile)
			eps = max(set.Epsilon, min(eps, q))
		}
		res.Epsilons = append(res.Epsilons, eps)

		// The proposal: draw returns a point of the unit cube and logq
		// the log of the proposal's density there (up to a constant).
		var draw func() []float64
		var logq func(u []float64) float64
		switch {
		case g == 1 && set.Start == nil:
			draw = func() []float64 {
				u := make([]float64, d)
				for i := range u {
					u[i] = rnd.Float64()
				}
				return u
			}
			logq = func([]float64) float64 { return 0 }
		case g == 1:
			u0 := box.ToUnit(nil, set.Start)
			sd := set.StartScale
			draw = func() []float64 {
				u := make([]float64, d)
				for i := range u {
					u[i] = u0[i] + sd*rnd.NormFloat64()
				}
				return u
			}
			logq = func(u []float64) float64 {
				var s float64
				for i := range u {
					z := (u[i] - u0[i]) / sd
					s -= z * z / 2
				}
				return s
			}
		default:
			k, err := pmcKernel(prevU, prev, rnd)
			if err != nil {
				return nil, err
			}
			draw, logq = k.draw, k.logDensity
		}

		var acc []ABCParticle
		var accU [][]float64
		var logW []float64
		misses := 0
		for len(acc) < set.Particles && res.Evaluations < set.MaxEvaluations {
			u := draw()
			if !inUnitCube(u) {
				// Prior zero: draw again, no evaluation.
				if misses++; misses > 1000*set.MaxEvaluations {
					return res, fmt.Errorf("design: ABC generation %d's proposal falls outside the box", g)
				}
				continue
			}
			x := box.FromUnit(nil, u)
			y, err := model(x)
			if err != nil {
				return nil, err
			}
			dist := distance(y)
			if math.IsNaN(dist) {
				dist = math.Inf(1)
			}
			p := ABCParticle{X: x, Outputs: slices.Clone(y), Distance: dist, Generation: g, Accepted: dist <= eps}
			res.Particles = append(res.Particles, p)
			res.Evaluations++
			if p.Accepted {
				acc = append(acc, p)
				accU = append(accU, u)
				logW = append(logW, -logq(u)) // uniform prior
			}
		}
		// Normalised weights of the generation, written back.
		if len(acc) > 0 {
			m := floats.Max(logW)
			var sum float64
			for i := range logW {
				logW[i] = math.Exp(logW[i] - m)
				sum += logW[i]
			}
			j := 0
			for i := range res.Particles {
				p := &res.Particles[i]
				if p.Generation == g && p.Accepted {
					p.Weight = logW[j] / sum
					acc[j].Weight = p.Weight
					j++
				}
			}
		}
		full := len(acc) == set.Particles
		atEps := eps <= set.Epsilon
		if full && atEps && g >= set.Generations {
			res.Converged, res.FinalGeneration = true, g
			return res, nil
		}
		if full && atEps {
			lastFull = g
		}
		if !full || res.Evaluations >= set.MaxEvaluations {
			// Out of budget: a complete generation at epsilon if there is
			// one, else this one if it holds two particles at epsilon.
			switch {
			case lastFull > 0:
				res.FinalGeneration = lastFull
				return res, nil
			case atEps && len(acc) >= 2:
				res.FinalGeneration = g
				return res, nil
			}
			return res, fmt.Errorf("design: ABC spent its %d evaluations; generation %d accepted %d of %d particles within %.4g, and epsilon %.4g was not reached: raise the budget, widen epsilon, or start nearer the data",
				set.MaxEvaluations, g, len(acc), set.Particles, eps, set.Epsilon)
		}
		prev, prevU = acc, accU
	}
}

// pmcMixture is the mixture Σ_j w_j N(u_j, 2Σ) of the population Monte
// Carlo step, Σ the weighted covariance of the particles, held as the
// lower Cholesky factor L of 2Σ.
type pmcMixture struct {
	centres [][]float64
	logW    []float64
	l       *mat.TriDense
	rnd     *rand.Rand
	cum     []float64
	z, y    []float64 // scratch
}

func pmcKernel(us [][]float64, ps []ABCParticle, rnd *rand.Rand) (*pmcMixture, error) {
	n, d := len(us), len(us[0])
	w := make([]float64, n)
	for i, p := range ps {
		w[i] = p.Weight
	}
	cov := weightedCov(us, w)
	// Twice the covariance (Beaumont et al. 2009), with a floor so that a
	// generation that collapsed on one point can still move.
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := 2 * cov.At(i, j)
			if i == j {
				v = max(v, 1e-8)
			}
			cov.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		// Not positive definite (particles on a line): keep the diagonal.
		diag := mat.NewSymDense(d, nil)
		for i := 0; i < d; i++ {
			diag.SetSym(i, i, cov.At(i, i))
		}
		if !ch.Factorize(diag) {
			return nil, errors.New("design: ABC kernel covariance is not positive definite")
		}
	}
	m := &pmcMixture{centres: us, l: mat.NewTriDense(d, mat.Lower, nil), rnd: rnd, z: make([]float64, d), y: make([]float64, d)}
	ch.LTo(m.l)
	var c float64
	for _, wi := range w {
		m.logW = append(m.logW, math.Log(wi))
		c += wi
		m.cum = append(m.cum, c)
	}
	return m, nil
}

func (m *pmcMixture) draw() []float64 {
	r := m.rnd.Float64() * m.cum[len(m.cum)-1]
	j, _ := slices.BinarySearch(m.cum, r)
	j = min(j, len(m.cum)-1)
	d := len(m.z)
	for i := range m.z {
		m.z[i] = m.rnd.NormFloat64()
	}
	u := slices.Clone(m.centres[j])
	for i := 0; i < d; i++ {
		for k := 0; k <= i; k++ {
			u[i] += m.l.At(i, k) * m.z[k]
		}
	}
	return u
}

// logDensity is the mixture's log density at u up to a constant: the
// kernels share their covariance, so only −½|L⁻¹(u − u_j)|² differs.
func (m *pmcMixture) logDensity(u []float64) float64 {
	d := len(u)
	lp := make([]float64, len(m.centres))
	for j, c := range m.centres {
		var q float64
		for i := 0; i < d; i++ {
			s := u[i] - c[i]
			for k := 0; k < i; k++ {
				s -= m.l.At(i, k) * m.y[k]
			}
			m.y[i] = s / m.l.At(i, i)
			q += m.y[i] * m.y[i]
		}
		lp[j] = m.logW[j] - q/2
	}
	return floats.LogSumExp(lp)
}

// weightedCov is the covariance of the points under normalised weights w
// (Σw = 1), with the reliability-weights correction 1/(1 − Σw²).
func weightedCov(us [][]float64, w []float64) *mat.SymDense {
	d := len(us[0])
	mean := make([]float64, d)
	var w2 float64
	for i, u := range us {
		floats.AddScaled(mean, w[i], u)
		w2 += w[i] * w[i]
	}
	cov := mat.NewSymDense(d, nil)
	if w2 >= 1 {
		return cov // one point: no spread
	}
	for a := 0; a < d; a++ {
		for b := a; b < d; b++ {
			var c float64
			for i, u := range us {
				c += w[i] * (u[a] - mean[a]) * (u[b] - mean[b])
			}
			cov.SetSym(a, b, c/(1-w2))
		}
	}
	return cov
}

func inUnitCube(u []float64) bool {
	for _, v := range u {
		if !(v >= 0 && v <= 1) {
			return false
		}
	}
	return true
}

// WeightedQuantile is the q-quantile of x under weights w: the smallest x
// whose share of the total weight, counted from the smallest, reaches q
// (gonum's stat.Quantile, Empirical).
func WeightedQuantile(x, w []float64, q float64) float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	xs, ws := make([]float64, len(x)), make([]float64, len(x))
	for k, i := range idx {
		xs[k], ws[k] = x[i], w[i]
	}
	return stat.Quantile(q, stat.Empirical, xs, ws)
}
