package design

import (
	"math"
	"slices"
	"testing"
)

func evalAll(pts [][]float64, f func([]float64) float64) []float64 {
	y := make([]float64, len(pts))
	for i, p := range pts {
		y[i] = f(p)
	}
	return y
}

func TestMorrisTrajectories(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: -5, Hi: 5}, {Lo: 1, Hi: 1000, Scale: Log}, {Lo: 2, Hi: 9}}
	const r, p = 30, 6
	m, err := NewMorris(b, r, p, 11)
	if err != nil {
		t.Fatal(err)
	}
	k := len(b)
	if len(m.Points) != r*(k+1) || len(m.Unit) != r*(k+1) {
		t.Fatalf("%d points, want %d", len(m.Points), r*(k+1))
	}
	if want := 6.0 / 10; m.Delta != want {
		t.Errorf("Delta = %v, want p/(2(p-1)) = %v", m.Delta, want)
	}
	for tr := 0; tr < r; tr++ {
		if got := slices.Sorted(slices.Values(m.Factor[tr])); !slices.Equal(got, []int{0, 1, 2, 3}) {
			t.Errorf("trajectory %d moves %v, want each parameter once", tr, m.Factor[tr])
		}
		for j := 0; j <= k; j++ {
			u := m.Unit[tr*(k+1)+j]
			for i, v := range u {
				if l := v * (p - 1); math.Abs(l-math.Round(l)) > 1e-12 || v < 0 || v > 1 {
					t.Fatalf("trajectory %d step %d: coordinate %d = %v is not on the %d-level grid", tr, j, i, v, p)
				}
			}
			if !slices.Equal(m.Points[tr*(k+1)+j], b.FromUnit(nil, u)) {
				t.Fatalf("point and unit point disagree")
			}
			if j == k {
				continue
			}
			next := m.Unit[tr*(k+1)+j+1]
			for i := range u {
				d := next[i] - u[i]
				switch {
				case i != m.Factor[tr][j] && d != 0:
					t.Errorf("trajectory %d step %d: parameter %d moved, want only %d", tr, j, i, m.Factor[tr][j])
				case i == m.Factor[tr][j]:
					want := m.Delta
					if !m.Up[tr][j] {
						want = -want
					}
					if math.Abs(d-want) > 1e-12 {
						t.Errorf("trajectory %d step %d: moved by %v, want %v", tr, j, d, want)
					}
				}
			}
		}
	}

	again, _ := NewMorris(b, r, p, 11)
	other, _ := NewMorris(b, r, p, 12)
	differ := false
	for i := range m.Points {
		if !slices.Equal(m.Points[i], again.Points[i]) {
			t.Fatalf("the same seed gave a different point %d", i)
		}
		differ = differ || !slices.Equal(m.Points[i], other.Points[i])
	}
	if !differ {
		t.Errorf("seeds 11 and 12 gave the same design")
	}

	for _, bad := range []struct{ r, p int }{{1, 4}, {10, 3}, {10, 0}} {
		if _, err := NewMorris(b, bad.r, bad.p, 1); err == nil {
			t.Errorf("NewMorris(r=%d, p=%d): no error", bad.r, bad.p)
		}
	}
}

// A linear model's elementary effects are all c_i·(Hi-Lo): mu and mu* are
// exact and sigma is zero.
func TestMorrisLinear(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: -5, Hi: 5}, {Lo: 10, Hi: 12}, {Lo: 0, Hi: 3}}
	c := []float64{3, -0.5, 7, 0}
	m, err := NewMorris(b, 20, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Analyse(evalAll(m.Points, func(x []float64) float64 {
		var s float64
		for i := range x {
			s += c[i] * x[i]
		}
		return s + 100
	}))
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-9 // rounding only
	for i, p := range b {
		want := c[i] * (p.Hi - p.Lo)
		if math.Abs(res.Mu[i]-want) > tol || math.Abs(res.MuStar[i]-math.Abs(want)) > tol || res.Sigma[i] > tol {
			t.Errorf("parameter %d: mu %v mu* %v sigma %v, want %v, %v, 0", i, res.Mu[i], res.MuStar[i], res.Sigma[i], want, math.Abs(want))
		}
	}
}

// f = 2·x0 + x1·x2 + 0·x3 on the unit cube: x0 acts alone (sigma 0), x1 and
// x2 interact (sigma > 0; x1's effect at each step is exactly the x2 it
// meets), and x3 has no effect.
func TestMorrisInteraction(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}}
	m, err := NewMorris(b, 40, 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Analyse(evalAll(m.Points, func(x []float64) float64 {
		return 2*x[0] + x[1]*x[2]
	}))
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-12
	if math.Abs(res.MuStar[0]-2) > tol || res.Sigma[0] > tol {
		t.Errorf("x0: mu* %v sigma %v, want 2, 0", res.MuStar[0], res.Sigma[0])
	}
	if res.MuStar[3] != 0 || res.Sigma[3] != 0 {
		t.Errorf("x3: mu* %v sigma %v, want 0, 0", res.MuStar[3], res.Sigma[3])
	}
	// On a 4-level grid x2 takes values 0, 1/3, 2/3, 1, so the spread of
	// x1's effects is that of x2's levels: well above zero.
	for _, i := range []int{1, 2} {
		if res.Sigma[i] < 0.2 {
			t.Errorf("x%d: sigma %v, want > 0.2 from the interaction", i, res.Sigma[i])
		}
	}
	// Independent check: x1's effect in each trajectory is x2 at that step.
	k := len(b)
	for tr := 0; tr < m.Trajectories; tr++ {
		j := slices.Index(m.Factor[tr], 1)
		x2 := m.Unit[tr*(k+1)+j][2]
		if got := res.Effects[1][tr]; math.Abs(got-x2) > tol {
			t.Errorf("trajectory %d: x1 effect %v, want x2 = %v", tr, got, x2)
		}
	}
}

func TestMorrisAnalyseErrors(t *testing.T) {
	m, _ := NewMorris(Box{{Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}}, 3, 4, 1)
	if _, err := m.Analyse(make([]float64, 8)); err == nil {
		t.Errorf("short outputs: no error")
	}
	y := make([]float64, 9)
	y[4] = math.NaN()
	if _, err := m.Analyse(y); err == nil {
		t.Errorf("NaN output: no error")
	}
}
