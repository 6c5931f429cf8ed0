package design

import (
	"math"
	"testing"
)

// FuzzParameterUnit checks the unit mapping at its edges: FromUnit always
// lands in [Lo, Hi] (on an integer for integer parameters), is monotone,
// and ToUnit inverts it.
func FuzzParameterUnit(f *testing.F) {
	f.Add(0.0, 1.0, 0.5, 0.7, false, false)
	f.Add(1e-9, 1e9, 0.0, 1.0, false, true)
	f.Add(-3.0, 3.0, 0.999999, 1.0, true, false)
	f.Add(1.0, 2.0, 0.5, 0.5000001, true, true)
	f.Fuzz(func(t *testing.T, lo, hi, u, v float64, integer, log bool) {
		p := Parameter{Lo: lo, Hi: hi, Integer: integer}
		if log {
			p.Scale = Log
		}
		if integer {
			p.Lo, p.Hi = math.Trunc(lo), math.Trunc(hi)
		}
		if math.IsNaN(u) || math.IsNaN(v) || (Box{p}).Validate() != nil || math.Abs(p.Lo) > 1e12 || math.Abs(p.Hi) > 1e12 {
			return
		}
		x, y := p.FromUnit(u), p.FromUnit(v)
		if !(x >= p.Lo && x <= p.Hi) || (integer && x != math.Trunc(x)) {
			t.Fatalf("%+v.FromUnit(%v) = %v", p, u, x)
		}
		if u <= v && x > y {
			t.Fatalf("%+v: FromUnit not monotone: %v→%v, %v→%v", p, u, x, v, y)
		}
		r := p.ToUnit(x)
		if !(r >= 0 && r <= 1) {
			t.Fatalf("%+v.ToUnit(%v) = %v", p, x, r)
		}
		if back := p.FromUnit(r); integer && back != x {
			t.Fatalf("%+v: FromUnit(ToUnit(%v)) = %v", p, x, back)
		} else if !integer && math.Abs(back-x) > 1e-9*math.Max(math.Abs(x), math.Abs(p.Hi-p.Lo)) {
			t.Fatalf("%+v: FromUnit(ToUnit(%v)) = %v", p, x, back)
		}
	})
}
