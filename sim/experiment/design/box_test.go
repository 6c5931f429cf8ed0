package design

import (
	"math"
	"strings"
	"testing"
)

func TestBoxValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		box  Box
		want string // substring of the error; "" for valid
	}{
		{"ok", Box{{Name: "a", Lo: 0, Hi: 1}, {Name: "b", Lo: 1, Hi: 100, Scale: Log, Integer: true}}, ""},
		{"empty", Box{}, "no parameters"},
		{"reversed", Box{{Name: "price", Lo: 2, Hi: 1}}, "price: hi must be > lo"},
		{"equal", Box{{Name: "price", Lo: 1, Hi: 1}}, "hi must be > lo"},
		{"nan", Box{{Name: "a", Lo: math.NaN(), Hi: 1}}, "finite"},
		{"inf", Box{{Name: "a", Lo: 0, Hi: math.Inf(1)}}, "finite"},
		{"fractional integer", Box{{Name: "n", Lo: 0.5, Hi: 3, Integer: true}}, "whole numbers"},
		{"log at zero", Box{{Name: "rate", Lo: 0, Hi: 1, Scale: Log}}, "lo > 0"},
		{"unknown scale", Box{{Name: "a", Lo: 0, Hi: 1, Scale: 7}}, "unknown scale"},
		{"duplicate", Box{{Name: "a", Lo: 0, Hi: 1}, {Name: "a", Lo: 0, Hi: 1}}, "twice"},
	} {
		err := tc.box.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		case err != nil && !strings.HasPrefix(err.Error(), "design: "):
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
}

func TestParameterUnitMapping(t *testing.T) {
	lin := Parameter{Lo: -2, Hi: 6}
	lg := Parameter{Lo: 0.01, Hi: 100, Scale: Log}
	for _, c := range []struct {
		p    Parameter
		u, x float64
	}{
		{lin, 0, -2}, {lin, 1, 6}, {lin, 0.25, 0}, {lin, -1, -2}, {lin, 2, 6},
		{lg, 0, 0.01}, {lg, 1, 100}, {lg, 0.5, 1}, {lg, 0.75, 10},
	} {
		if got := c.p.FromUnit(c.u); math.Abs(got-c.x) > 1e-12*math.Max(1, math.Abs(c.x)) {
			t.Errorf("%+v.FromUnit(%v) = %v, want %v", c.p, c.u, got, c.x)
		}
		if c.u >= 0 && c.u <= 1 {
			if got := c.p.ToUnit(c.x); math.Abs(got-c.u) > 1e-12 {
				t.Errorf("%+v.ToUnit(%v) = %v, want %v", c.p, c.x, got, c.u)
			}
		}
	}

	// An integer parameter gives each of its m values a slice 1/m wide.
	for _, p := range []Parameter{{Lo: 3, Hi: 7, Integer: true}, {Lo: 1, Hi: 64, Integer: true, Scale: Log}} {
		count := map[float64]int{}
		const n = 6400
		for j := 0; j < n; j++ {
			x := p.FromUnit((float64(j) + 0.5) / n)
			if x != math.Trunc(x) || x < p.Lo || x > p.Hi {
				t.Fatalf("%+v: FromUnit gave %v", p, x)
			}
			count[x]++
			if got := p.FromUnit(p.ToUnit(x)); got != x {
				t.Errorf("%+v: FromUnit(ToUnit(%v)) = %v", p, x, got)
			}
		}
		if got, want := len(count), int(p.Hi-p.Lo+1); got != want {
			t.Errorf("%+v: %d distinct values, want %d", p, got, want)
		}
		if p.Scale == Linear {
			for x, c := range count {
				if c != n/len(count) {
					t.Errorf("%+v: value %v has %d of %d slots, want %d", p, x, c, n, n/len(count))
				}
			}
		}
		if p.FromUnit(0) != p.Lo || p.FromUnit(1) != p.Hi {
			t.Errorf("%+v: ends map to %v, %v", p, p.FromUnit(0), p.FromUnit(1))
		}
	}
}

func TestBoxContains(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: 1, Hi: 5, Integer: true}}
	for _, c := range []struct {
		x    []float64
		want bool
	}{
		{[]float64{0, 1}, true},
		{[]float64{1, 5}, true},
		{[]float64{0.5, 2.5}, false},
		{[]float64{-0.1, 2}, false},
		{[]float64{0.5, 6}, false},
		{[]float64{math.NaN(), 2}, false},
		{[]float64{0.5}, false},
	} {
		if got := b.Contains(c.x); got != c.want {
			t.Errorf("Contains(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}
