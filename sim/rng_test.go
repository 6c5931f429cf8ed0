package sim

import (
	"math"
	"testing"
)

// Poisson draws have the analytic mean and variance (mean = variance),
// within 5 standard errors, on both sides of the normal switch.
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
