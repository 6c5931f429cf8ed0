package sim

import (
	"math"
	"testing"
)

// fastExp agrees with math.Exp to within 2 ulp over its whole range and is
// math.Exp outside it.
func TestFastExp(t *testing.T) {
	worst := 0.0
	check := func(x float64) {
		got, want := fastExp(x), math.Exp(x)
		if want == 0 || math.IsInf(want, 0) {
			if got != want {
				t.Fatalf("fastExp(%g) = %g, want %g", x, got, want)
			}
			return
		}
		ulp := math.Nextafter(want, math.Inf(1)) - want
		if e := math.Abs(got-want) / ulp; e > worst {
			worst = e
			if e > 2 {
				t.Fatalf("fastExp(%g) = %v, want %v (%.2f ulp)", x, got, want, e)
			}
		}
	}
	s := NewStream(6, 94, 0, 0)
	for i := 0; i < 2000000; i++ {
		check((s.Float64()*2 - 1) * 750)
		check((s.Float64()*2 - 1) * 2)
		check(-s.Float64() * 1e-6)
	}
	for _, x := range []float64{0, -0.0, 1, -1, 699.9, -699.9, 700, -700, 709, -745, -746, math.Inf(1), math.Inf(-1), math.Ln2 / 256, -math.Ln2 / 256} {
		check(x)
	}
	if !math.IsNaN(fastExp(math.NaN())) {
		t.Error("fastExp(NaN) is not NaN")
	}
	t.Logf("worst error %.3f ulp", worst)
}
