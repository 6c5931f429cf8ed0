package design

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Model computes a model's outputs at a point of the box, in the order of
// the target they are fitted to. A NaN or infinite output where the target
// has a value marks the point as unusable; a non-nil error stops the fit.
// Like an Objective, it should be deterministic (common random numbers) and
// is called sequentially, never twice for the same point.
type Model func(x []float64) ([]float64, error)

// FitSettings configures Fit. A nil *FitSettings or zero fields mean the
// defaults.
type FitSettings struct {
	// MaxEvaluations limits the number of distinct points evaluated.
	// Zero means 300·(k+1).
	MaxEvaluations int
	// SimplexSize is the edge of the starting simplex as a fraction of
	// each parameter's range. Zero means 0.2.
	SimplexSize float64
	// Tolerance is the relative and absolute change in the weighted sum
	// of squares below which a search has converged. Zero means 1e-12.
	Tolerance float64
	// Restarts is the number of extra searches from the best point with
	// a fresh simplex, while they improve it. Zero means 3; negative
	// means none.
	Restarts int
}

// FitResult is the result of Fit.
type FitResult struct {
	// X is the fitted parameter vector and Outputs the model's outputs
	// there.
	X       []float64
	Outputs []float64
	// Residuals are Outputs - target, NaN where the target is missing.
	Residuals []float64
	// Cost is the weighted sum of squared residuals, Σ w_i r_i².
	Cost float64
	// RMSE is the unweighted root mean square residual over the targets
	// present.
	RMSE float64
	// Evaluations is the number of distinct points evaluated.
	Evaluations int
	// Converged reports that the last search settled, a restart no longer
	// improved on it, and the budget was not spent.
	Converged bool
	// Status is gonum's status for the last Nelder–Mead search.
	Status optimize.Status
}

// Fit calibrates the box's parameters by minimising Σ w_i (y_i(x) - t_i)²,
// where y = model(x) and t = target, over the box, with gonum's Nelder–Mead
// in the box's unit-cube coordinates (clamped, as in Maximize). A NaN
// target is missing and ignored. weights may be nil for all ones; otherwise
// they must be finite and ≥ 0, one per target (1/variance weights give the
// usual weighted least squares). x0 is the starting point, nil for the
// middle of the box.
//
// Fit is derivative-free, so it suits simulated models with common random
// numbers; it finds a local minimum, so a rough start from a coarse design
// (Grid, LatinHypercube) helps when the cost has several basins.
//
// Fit returns an error if the box, target, weights or x0 are invalid, or
// the model returns one; in the latter case the best fit so far, if any,
// is returned with it.
func Fit(b Box, model Model, target, weights, x0 []float64, s *FitSettings) (*FitResult, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if model == nil {
		panic("design: nil model")
	}
	k := len(b)
	if len(target) == 0 {
		return nil, fmt.Errorf("design: fit: no targets")
	}
	if weights == nil {
		weights = slices.Repeat([]float64{1}, len(target))
	}
	if len(weights) != len(target) {
		return nil, fmt.Errorf("design: fit: %d weights for %d targets", len(weights), len(target))
	}
	present := 0
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return nil, fmt.Errorf("design: fit: weight %d must be finite and ≥ 0, got %v", i, w)
		}
		if math.IsInf(target[i], 0) {
			return nil, fmt.Errorf("design: fit: target %d is %v", i, target[i])
		}
		if !math.IsNaN(target[i]) {
			present++
		}
	}
	if present == 0 {
		return nil, fmt.Errorf("design: fit: every target is missing")
	}
	x0, err := startPoint(b, x0, "fit")
	if err != nil {
		return nil, err
	}
	var set FitSettings
	if s != nil {
		set = *s
	}
	set.MaxEvaluations = defaultInt(set.MaxEvaluations, 300*(k+1))
	set.SimplexSize = defaultFloat(set.SimplexSize, 0.2)
	set.Tolerance = defaultFloat(set.Tolerance, 1e-12)
	set.Restarts = defaultInt(set.Restarts, 3)

	type eval struct {
		x, y []float64
		cost float64
	}
	var evals []eval
	cache := map[string]int{}
	best := -1
	search := &unitSearch{
		box: b,
		value: func(x []float64) (float64, error) {
			key := pointKey(x)
			if i, ok := cache[key]; ok {
				return evals[i].cost, nil
			}
			y, err := model(slices.Clone(x))
			if err != nil {
				return 0, err
			}
			if len(y) != len(target) {
				return 0, fmt.Errorf("design: fit: model returned %d outputs for %d targets", len(y), len(target))
			}
			var cost float64
			for i, t := range target {
				if math.IsNaN(t) {
					continue
				}
				r := y[i] - t
				if math.IsNaN(r) || math.IsInf(r, 0) {
					cost = badValue
					break
				}
				cost += weights[i] * r * r
			}
			cache[key] = len(evals)
			evals = append(evals, eval{x: slices.Clone(x), y: slices.Clone(y), cost: cost})
			if cost < badValue && (best < 0 || cost < evals[best].cost) {
				best = len(evals) - 1
			}
			return cost, nil
		},
		simplex: set.SimplexSize,
		tol:     set.Tolerance,
		calls:   20 * set.MaxEvaluations,
	}
	search.exhausted = func() bool { return len(evals) >= set.MaxEvaluations }

	res := &FitResult{}
	finish := func(err error) (*FitResult, error) {
		res.Evaluations = len(evals)
		if best < 0 {
			if err == nil {
				err = fmt.Errorf("design: fit: the model gave no usable outputs in %d evaluations", len(evals))
			}
			return nil, err
		}
		e := evals[best]
		res.X, res.Outputs, res.Cost = e.x, e.y, e.cost
		res.Residuals = make([]float64, len(target))
		var ss float64
		for i, t := range target {
			res.Residuals[i] = e.y[i] - t // NaN where t is missing
			if !math.IsNaN(t) {
				ss += res.Residuals[i] * res.Residuals[i]
			}
		}
		res.RMSE = math.Sqrt(ss / float64(present))
		return res, err
	}

	z, fz, st, err := search.run(b.ToUnit(nil, x0))
	res.Status = st
	if err != nil {
		return finish(err)
	}
	settled := converged(st)
	for r := 0; r < set.Restarts && !search.exhausted(); r++ {
		z2, f2, st, err := search.run(z)
		res.Status = st
		if err != nil {
			return finish(err)
		}
		improved := fz-f2 > set.Tolerance*(1+math.Abs(fz))
		if f2 < fz {
			z, fz = z2, f2
		}
		settled = converged(st) && !improved
		if !improved {
			break
		}
	}
	res.Converged = settled && !search.exhausted()
	return finish(nil)
}
