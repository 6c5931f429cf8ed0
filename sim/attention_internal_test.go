package sim

import "testing"

// The attention curve f(n) = 1/(1 + a·n): 1 for the day's first message
// and for a = 0, never higher for a later message than for an earlier
// one, lower for a larger a, and the values of the closed form at a few
// points.
func TestAttentionFactorCurve(t *testing.T) {
	as := []float64{0, 0.001, 0.1, 0.5, 1, 3, 10}
	for i, a := range as {
		if f := attentionFactor(a, 0); f != 1 {
			t.Errorf("a=%g: f(0) = %v, want 1", a, f)
		}
		prev := 1.0
		for n := 1; n <= 2000; n++ {
			f := attentionFactor(a, n)
			if f > prev || f <= 0 {
				t.Fatalf("a=%g: f(%d) = %v after f(%d) = %v: one more message raised the chance, or it is not positive", a, n, f, n-1, prev)
			}
			if a == 0 && f != 1 {
				t.Fatalf("a=0: f(%d) = %v, want exactly 1 (no competition)", n, f)
			}
			if i > 0 {
				if lower := attentionFactor(as[i-1], n); f > lower {
					t.Fatalf("f(%d) = %v at a=%g above %v at a=%g: more attention cost made the message likelier read", n, f, a, lower, as[i-1])
				}
			}
			prev = f
		}
	}
	for _, c := range []struct {
		a    float64
		n    int
		want float64
	}{{1, 1, 0.5}, {0.5, 2, 0.5}, {10, 1, 1.0 / 11}, {0.25, 4, 0.5}, {1, 9, 0.1}} {
		if got := attentionFactor(c.a, c.n); got != c.want {
			t.Errorf("f(%d) at a=%g = %v, want %v", c.n, c.a, got, c.want)
		}
	}
}
