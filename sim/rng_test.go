package sim

import (
	"math"
	"testing"
)

// Poisson draws have the analytic mean and variance (mean = variance),
// within 5 standard errors, on both sides of the switch from inversion to
// transformed rejection.
func TestPoissonMoments(t *testing.T) {
	for _, mean := range []float64{0.2, 3, 12, 80} {
		s := NewStream(1, 99, int(mean*10), 0)
		const n = 200000
		var sum, sum2 float64
		for i := 0; i < n; i++ {
			k := float64(s.Poisson(mean))
			sum += k
			sum2 += k * k
		}
		m := sum / n
		v := sum2/n - m*m
		if se := math.Sqrt(mean / n); math.Abs(m-mean) > 5*se {
			t.Errorf("Poisson(%g): mean %.4f", mean, m)
		}
		if math.Abs(v-mean) > 0.03*mean+5*math.Sqrt(2*mean*mean/n) {
			t.Errorf("Poisson(%g): variance %.4f", mean, v)
		}
	}
}

// poissonPMF is P(X = k) for X ~ Poisson(m).
func poissonPMF(m float64, k int) float64 {
	lg, _ := math.Lgamma(float64(k) + 1)
	return math.Exp(-m + float64(k)*math.Log(m) - lg)
}

// checkPMF compares the frequencies of draws with a law, bin by bin, within
// 5 standard errors, and the total probability of the bins seen.
func checkPMF(t *testing.T, name string, draw func() int, pmf func(k int) float64) {
	t.Helper()
	const n = 200000
	count := map[int]int{}
	for i := 0; i < n; i++ {
		count[draw()]++
	}
	for k, c := range count {
		p := pmf(k)
		if math.Abs(float64(c)/n-p) > 5*math.Sqrt(p*(1-p)/n)+2/float64(n) {
			t.Errorf("%s: P(%d) = %.5f, want %.5f", name, k, float64(c)/n, p)
		}
	}
}

// Poisson draws follow the Poisson law, by inversion and by PTRS.
func TestPoissonLaw(t *testing.T) {
	for _, mean := range []float64{0.7, 12, 64, 65, 300} {
		s := NewStream(4, 97, int(mean*10), 0)
		checkPMF(t, "Poisson", func() int { return s.Poisson(mean) }, func(k int) float64 { return poissonPMF(mean, k) })
	}
}

// minPoisson draws the minimum of two independent Poisson counts, for
// means on both sides of 64 and one so large that exp(-mean) is 0.
func TestMinPoissonLaw(t *testing.T) {
	for _, m := range [][2]float64{{3, 15}, {12, 12}, {0.5, 40}, {40, 200}, {100, 90}, {12, 800}, {70, 30}} {
		m1, m2 := m[0], m[1]
		s := NewStream(5, 96, int(m1*1000+m2), 0)
		surv := func(m float64, k int) float64 { // P(X > k)
			c := 0.0
			for i := 0; i <= k; i++ {
				c += poissonPMF(m, i)
			}
			return math.Max(1-c, 0)
		}
		pmf := func(k int) float64 {
			prev := 1.0
			if k > 0 {
				prev = surv(m1, k-1) * surv(m2, k-1)
			}
			return prev - surv(m1, k)*surv(m2, k)
		}
		checkPMF(t, "minPoisson", func() int { return s.minPoisson(m1, math.Exp(-m1), m2, math.Exp(-m2)) }, pmf)
	}
	s := NewStream(5, 95, 0, 0)
	if s.minPoisson(0, 1, 5, math.Exp(-5)) != 0 || s.minPoisson(5, math.Exp(-5), 0, 1) != 0 {
		t.Error("a zero mean must give 0")
	}
}

// Geometric waiting times survive t days with probability (1-h)^t.
func TestGeometricSurvival(t *testing.T) {
	const h, n = 0.05, 200000
	s := NewStream(2, 98, 0, 0)
	alive := make([]int, 40)
	for i := 0; i < n; i++ {
		T := int(s.Geometric(h))
		for d := 0; d < len(alive) && d < T; d++ {
			alive[d]++
		}
	}
	for d, a := range alive {
		p := math.Pow(1-h, float64(d))
		if math.Abs(float64(a)/n-p) > 5*math.Sqrt(p*(1-p)/n)+1e-9 {
			t.Errorf("day %d: survival %.4f, want %.4f", d, float64(a)/n, p)
		}
	}
	if s.Geometric(0) != Never || Never+3650 < 0 {
		t.Error("zero hazard must never happen, with room to add days")
	}
}

// Streams keyed by different entities or days are uncorrelated: the mean
// of products of paired uniforms is 1/4.
func TestStreamsIndependent(t *testing.T) {
	const n = 100000
	sum := 0.0
	for i := 0; i < n; i++ {
		a := NewStream(7, 1, i, 3)
		b := NewStream(7, 1, i, 4)
		c := NewStream(7, 2, i, 3)
		x := a.Float64()
		sum += x*b.Float64() + x*c.Float64()
	}
	if m := sum / (2 * n); math.Abs(m-0.25) > 5*math.Sqrt(7.0/144/(2*n)) {
		t.Errorf("mean product %.5f, want 0.25", m)
	}
}

// The alias table draws each index with its weight's share.
func TestAlias(t *testing.T) {
	w := []float64{1, 0, 3, 6}
	a := newAlias(w)
	s := NewStream(3, 3, 0, 0)
	const n = 400000
	count := make([]int, len(w))
	for i := 0; i < n; i++ {
		count[a.pick(s.Float64())]++
	}
	for i, c := range count {
		p := w[i] / 10
		if math.Abs(float64(c)/n-p) > 5*math.Sqrt(p*(1-p)/n)+1e-9 {
			t.Errorf("index %d drawn %.4f, want %.2f", i, float64(c)/n, p)
		}
	}
}
