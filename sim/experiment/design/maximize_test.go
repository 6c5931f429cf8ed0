package design

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// quadratic is the test problem: maximise -(x-2)² - (y-1)² subject to
// x + y ≤ 2. The unconstrained peak (2, 1) breaks the constraint, so the
// optimum is its projection on x + y = 2: (1.5, 0.5), f = -0.5.
func quadratic(noise float64) Objective {
	return func(x []float64) (float64, []float64, error) {
		f := -(x[0]-2)*(x[0]-2) - (x[1]-1)*(x[1]-1)
		// Deterministic roughness, as a simulator with common random
		// numbers shows: a fixed function of x, not fresh noise.
		f += noise * math.Sin(997*x[0]+13) * math.Cos(991*x[1]+7)
		return f, []float64{x[0] + x[1] - 2}, nil
	}
}

var quadraticBox = Box{{Name: "x", Lo: 0, Hi: 3}, {Name: "y", Lo: 0, Hi: 3}}

func TestMaximizeConstrained(t *testing.T) {
	for _, c := range []struct {
		name   string
		noise  float64
		set    *MaximizeSettings
		tol    float64
		x0     []float64
		budget int
	}{
		// Smooth: the penalty is exact, so the optimum is found to
		// about the convergence tolerance.
		{"smooth", 0, nil, 1e-3, nil, 0},
		{"smooth from a corner", 0, nil, 1e-3, []float64{0, 3}, 0},
		{"smooth from infeasible", 0, nil, 1e-3, []float64{3, 3}, 0},
		// Noise of amplitude 1e-3 on a quadratic of curvature 2 moves
		// the apparent optimum by up to about sqrt(2·1e-3/2) ≈ 0.03;
		// allow 0.05.
		{"noisy", 1e-3, &MaximizeSettings{Tolerance: 1e-4}, 0.05, nil, 0},
	} {
		calls := 0
		seen := map[[2]float64]bool{}
		fn := quadratic(c.noise)
		opt, err := Maximize(quadraticBox, func(x []float64) (float64, []float64, error) {
			calls++
			k := [2]float64{x[0], x[1]}
			if seen[k] {
				t.Errorf("%s: point %v evaluated twice", c.name, x)
			}
			seen[k] = true
			if !quadraticBox.Contains(x) {
				t.Errorf("%s: point %v outside the box", c.name, x)
			}
			return fn(x)
		}, c.x0, c.set)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Hypot(opt.X[0]-1.5, opt.X[1]-0.5) > c.tol {
			t.Errorf("%s: optimum %v, want (1.5, 0.5) ± %v", c.name, opt.X, c.tol)
		}
		if !opt.Feasible || opt.G[0] > 0 {
			t.Errorf("%s: optimum infeasible: g = %v", c.name, opt.G)
		}
		if math.Abs(opt.F+0.5) > 2*c.tol+c.noise {
			t.Errorf("%s: f = %v, want -0.5", c.name, opt.F)
		}
		if opt.Evaluations != calls || len(opt.Trials) != calls {
			t.Errorf("%s: %d evaluations reported, %d made", c.name, opt.Evaluations, calls)
		}
		if !opt.Converged {
			t.Errorf("%s: not converged (%v)", c.name, opt.Status)
		}
		t.Logf("%s: x %.5f f %.6f g %.2g after %d evaluations (%v)", c.name, opt.X, opt.F, opt.G[0], opt.Evaluations, opt.Status)
	}
}

func TestMaximizeDeterministic(t *testing.T) {
	a, _ := Maximize(quadraticBox, quadratic(1e-3), nil, nil)
	b, _ := Maximize(quadraticBox, quadratic(1e-3), nil, nil)
	if len(a.Trials) != len(b.Trials) {
		t.Fatalf("%d and %d trials", len(a.Trials), len(b.Trials))
	}
	for i := range a.Trials {
		if !slices.Equal(a.Trials[i].X, b.Trials[i].X) {
			t.Fatalf("trial %d differs: %v, %v", i, a.Trials[i].X, b.Trials[i].X)
		}
	}
}

// With no constraint, the optimum of x + y on the unit square is the corner,
// which the clamped search reaches exactly.
func TestMaximizeBoundary(t *testing.T) {
	opt, err := Maximize(Box{{Lo: 0, Hi: 1}, {Lo: -1, Hi: 1}}, func(x []float64) (float64, []float64, error) {
		return x[0] + x[1], nil, nil
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opt.X, []float64{1, 1}) || !opt.Feasible {
		t.Errorf("optimum %v (feasible %v), want [1 1]", opt.X, opt.Feasible)
	}
}

// An integer parameter sees only whole numbers and lands on the best one.
func TestMaximizeInteger(t *testing.T) {
	b := Box{{Name: "pushes", Lo: 0, Hi: 10, Integer: true}, {Name: "price", Lo: 0, Hi: 1}}
	opt, err := Maximize(b, func(x []float64) (float64, []float64, error) {
		if x[0] != math.Trunc(x[0]) {
			t.Errorf("integer parameter given %v", x[0])
		}
		return -(x[0]-3.6)*(x[0]-3.6) - (x[1]-0.3)*(x[1]-0.3), nil, nil
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opt.X[0] != 4 || math.Abs(opt.X[1]-0.3) > 1e-3 {
		t.Errorf("optimum %v, want [4 0.3]", opt.X)
	}
}

// Where the model fails (NaN) the search treats the point as worst and
// still finds the optimum next to the failing region.
func TestMaximizeNaNRegion(t *testing.T) {
	opt, err := Maximize(quadraticBox, func(x []float64) (float64, []float64, error) {
		if x[0] > 1.6 {
			return math.NaN(), []float64{0}, nil
		}
		return quadratic(0)(x)
	}, []float64{0.5, 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Hypot(opt.X[0]-1.5, opt.X[1]-0.5) > 1e-3 {
		t.Errorf("optimum %v, want (1.5, 0.5)", opt.X)
	}
}

func TestMaximizeInfeasible(t *testing.T) {
	// x ≥ 2 is impossible in [0, 1]: report the least violating point.
	opt, err := Maximize(Box{{Lo: 0, Hi: 1}}, func(x []float64) (float64, []float64, error) {
		return -x[0], []float64{2 - x[0]}, nil
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Feasible || opt.X[0] != 1 {
		t.Errorf("got x %v feasible %v, want x = 1, infeasible", opt.X, opt.Feasible)
	}
}

func TestMaximizeBudgetAndErrors(t *testing.T) {
	opt, err := Maximize(quadraticBox, quadratic(0), nil, &MaximizeSettings{MaxEvaluations: 12})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Evaluations > 12 || opt.Converged {
		t.Errorf("budget 12: %d evaluations, converged %v", opt.Evaluations, opt.Converged)
	}

	boom := errors.New("simulation failed")
	n := 0
	opt, err = Maximize(quadraticBox, func(x []float64) (float64, []float64, error) {
		n++
		if n == 6 {
			return 0, nil, boom
		}
		return quadratic(0)(x)
	}, nil, nil)
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
	if opt == nil || len(opt.Trials) != 5 {
		t.Errorf("want the 5 trials before the error, got %+v", opt)
	}

	if _, err := Maximize(quadraticBox, quadratic(0), []float64{4, 0}, nil); err == nil {
		t.Errorf("start outside the box: no error")
	}
	if _, err := Maximize(quadraticBox, func(x []float64) (float64, []float64, error) {
		return 0, make([]float64, int(x[0]*10)%3), nil
	}, nil, nil); err == nil {
		t.Errorf("changing number of constraints: no error")
	}
}
