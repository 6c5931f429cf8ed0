package design

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Objective evaluates a point of the box, returning the value to maximise
// and the constraint values g, each satisfied when g[j] ≤ 0. It must return
// the same number of constraints every call and should be deterministic:
// a simulator should use common random numbers (the same seeds at every
// point), so that differences between points are not drowned by noise.
// A NaN or infinite f or g marks the point as unusable; a non-nil error
// stops the search.
//
// Maximize calls it sequentially, never twice for the same point.
type Objective func(x []float64) (f float64, g []float64, err error)

// Trial is one evaluation of an Objective.
type Trial struct {
	X []float64
	F float64
	G []float64
}

// violation returns the total amount by which t breaks its constraints,
// beyond tol; +Inf if f or a constraint is not a number.
func (t Trial) violation(tol float64) float64 {
	if math.IsNaN(t.F) || math.IsInf(t.F, 0) {
		return math.Inf(1)
	}
	var v float64
	for _, g := range t.G {
		switch {
		case math.IsNaN(g) || math.IsInf(g, 0):
			return math.Inf(1)
		case g > tol:
			v += g
		}
	}
	return v
}

// MaximizeSettings configures Maximize. A nil *MaximizeSettings or zero
// fields mean the defaults.
type MaximizeSettings struct {
	// MaxEvaluations limits the number of distinct points evaluated.
	// Zero means 200·(k+1).
	MaxEvaluations int
	// SimplexSize is the edge of Nelder–Mead's starting simplex as a
	// fraction of each parameter's range (in unit coordinates). Zero
	// means 0.2.
	SimplexSize float64
	// Tolerance is the relative and absolute change in the penalised
	// objective below which a search has converged. Set it near the
	// objective's noise. Zero means 1e-8.
	Tolerance float64
	// Penalty is the weight of the first search's constraint penalty,
	// relative to max(1, |f(x0)|). Zero means 1.
	Penalty float64
	// PenaltyStages is the number of searches, each starting where the
	// last stopped with a penalty PenaltyGrowth times heavier. Zero
	// means 4.
	PenaltyStages int
	// PenaltyGrowth is the factor between stages. Zero means 10.
	PenaltyGrowth float64
	// Restarts is the number of extra searches at the final penalty,
	// from the best point with a fresh simplex, while they improve it.
	// Zero means 2; negative means none.
	Restarts int
	// FeasibilityTolerance is the amount by which a constraint may exceed
	// zero and still count as satisfied. Zero means 0.
	FeasibilityTolerance float64
}

// Optimum is the result of Maximize.
type Optimum struct {
	// X, F and G are the best point evaluated, its objective and its
	// constraints: the feasible point with the largest F, or, if no point
	// was feasible, the one with the smallest total violation.
	X []float64
	F float64
	G []float64
	// Feasible reports whether X satisfies every constraint.
	Feasible bool
	// Evaluations is the number of distinct points evaluated.
	Evaluations int
	// Converged reports that the last search settled, a restart no longer
	// improved on it, and the budget was not spent.
	Converged bool
	// Status is gonum's status for the last Nelder–Mead search.
	Status optimize.Status
	// Trials lists every evaluation in the order made.
	Trials []Trial
}

// Maximize maximises f(x) subject to g_j(x) ≤ 0 for x in the box, where
// fn returns both. It starts at x0 (nil for the middle of the box) and runs
// gonum's Nelder–Mead on the unit-cube coordinates of the box, minimising
//
//	-f(x) + μ·s·(v + v²),  v = Σ_j max(0, g_j(x)),  s = max(1, |f(x0)|)
//
// with μ growing by stages, then restarting at the final μ. The L1 term
// makes the penalty exact once μ·s exceeds the constraints' Lagrange
// multipliers; the quadratic term steers from far outside. Constraints are
// compared in their own units, so scale them to matter as much per unit as
// the objective does.
//
// Integer parameters are floored (see Parameter.FromUnit) before fn sees
// them, and every distinct point is evaluated once: repeated points,
// including those rounding to the same integers or clamped to the same
// face of the box, come from a cache.
//
// Maximize returns an error if the box or x0 is invalid, or fn returns
// one; in the latter case the Optimum so far is returned with it.
func Maximize(b Box, fn Objective, x0 []float64, s *MaximizeSettings) (*Optimum, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if fn == nil {
		panic("design: nil objective")
	}
	k := len(b)
	x0, err := startPoint(b, x0, "maximize")
	if err != nil {
		return nil, err
	}
	var set MaximizeSettings
	if s != nil {
		set = *s
	}
	set.MaxEvaluations = defaultInt(set.MaxEvaluations, 200*(k+1))
	set.SimplexSize = defaultFloat(set.SimplexSize, 0.2)
	set.Tolerance = defaultFloat(set.Tolerance, 1e-8)
	set.Penalty = defaultFloat(set.Penalty, 1)
	set.PenaltyStages = defaultInt(set.PenaltyStages, 4)
	set.PenaltyGrowth = defaultFloat(set.PenaltyGrowth, 10)
	set.Restarts = defaultInt(set.Restarts, 2)

	opt := &Optimum{}
	cache := map[string]int{}
	nG := -1
	evaluate := func(x []float64) (Trial, error) {
		key := pointKey(x)
		if i, ok := cache[key]; ok {
			return opt.Trials[i], nil
		}
		f, g, err := fn(slices.Clone(x))
		if err != nil {
			return Trial{}, err
		}
		if nG < 0 {
			nG = len(g)
		} else if len(g) != nG {
			return Trial{}, fmt.Errorf("design: maximize: objective returned %d constraints, earlier %d", len(g), nG)
		}
		t := Trial{X: slices.Clone(x), F: f, G: slices.Clone(g)}
		cache[key] = len(opt.Trials)
		opt.Trials = append(opt.Trials, t)
		return t, nil
	}

	start, err := evaluate(b.FromUnit(nil, b.ToUnit(nil, x0)))
	if err != nil {
		return nil, err
	}
	scale := 1.0
	if !math.IsNaN(start.F) && !math.IsInf(start.F, 0) {
		scale = math.Max(1, math.Abs(start.F))
	}
	mu := set.Penalty
	search := &unitSearch{
		box: b,
		value: func(x []float64) (float64, error) {
			t, err := evaluate(x)
			if err != nil {
				return 0, err
			}
			v := t.violation(0)
			if math.IsInf(v, 1) {
				return badValue, nil
			}
			return -t.F + mu*scale*(v+v*v), nil
		},
		exhausted: func() bool { return len(opt.Trials) >= set.MaxEvaluations },
		simplex:   set.SimplexSize,
		tol:       set.Tolerance,
		calls:     20 * set.MaxEvaluations,
	}

	z := b.ToUnit(nil, x0)
	var fz float64
	finish := func(err error) (*Optimum, error) {
		opt.pick(set.FeasibilityTolerance)
		opt.Evaluations = len(opt.Trials)
		return opt, err
	}
	for stage := 0; stage < set.PenaltyStages; stage++ {
		if stage > 0 {
			mu *= set.PenaltyGrowth
		}
		z, fz, opt.Status, err = search.run(z)
		if err != nil {
			return finish(err)
		}
		if search.exhausted() {
			return finish(nil)
		}
	}
	settled := converged(opt.Status)
	for r := 0; r < set.Restarts && !search.exhausted(); r++ {
		z2, f2, st, err := search.run(z)
		if err != nil {
			return finish(err)
		}
		opt.Status = st
		improved := fz-f2 > set.Tolerance*(1+math.Abs(fz))
		if f2 < fz {
			z, fz = z2, f2
		}
		settled = converged(st) && !improved
		if !improved {
			break
		}
	}
	opt.Converged = settled && !search.exhausted()
	return finish(nil)
}

// pick sets X, F, G and Feasible from the trials: the first feasible trial
// with the largest F, else the first with the smallest violation.
func (o *Optimum) pick(tol float64) {
	best := -1
	bestV := math.Inf(1)
	for i, t := range o.Trials {
		v := t.violation(tol)
		switch {
		case best < 0 && !math.IsInf(v, 1):
			best, bestV = i, v
		case best < 0:
		case v == 0 && bestV == 0:
			if t.F > o.Trials[best].F {
				best = i
			}
		case v < bestV:
			best, bestV = i, v
		}
	}
	if best < 0 {
		best = 0 // nothing usable: report the start
		bestV = math.Inf(1)
	}
	t := o.Trials[best]
	o.X, o.F, o.G = t.X, t.F, t.G
	o.Feasible = bestV == 0
}

func defaultInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func defaultFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// startPoint is x0 checked against the box, or the box's middle when x0 is
// nil; who names the caller in errors.
func startPoint(b Box, x0 []float64, who string) ([]float64, error) {
	k := len(b)
	if x0 == nil {
		return b.FromUnit(nil, slices.Repeat([]float64{0.5}, k)), nil
	}
	if len(x0) != k {
		return nil, fmt.Errorf("design: %s: start point has %d coordinates, box has %d", who, len(x0), k)
	}
	for i, v := range x0 {
		if !(v >= b[i].Lo && v <= b[i].Hi) {
			return nil, fmt.Errorf("design: %s: start %s = %v is outside [%v, %v]", who, b[i].Name, v, b[i].Lo, b[i].Hi)
		}
	}
	return x0, nil
}
