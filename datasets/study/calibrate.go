package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

// Calibration is a fit (or a check) and what it found, target by target.
type Calibration struct {
	Sweep   *datasets.Sweep
	ID      string // the sweep's id
	File    string // the study file, for the overlay's and plausible set's comments
	Version string // msgmon's version, stored with the rows
	Fit     *design.FitResult
	Doses   []float64 // the dose each target's runs delivered at the fit (NaN: no dose:)
	Elapsed time.Duration
	Check   bool         // measured at the scenario's values, no search
	Curve   [][2]float64 // dose, response at the fit over the curve's doses
	// The plausible set, once DrawPlausible has drawn it.
	ABC         *design.ABCResult
	ABCSettings *design.ABCSettings
	ABCTime     time.Duration

	model design.Model // the targets at a parameter vector, for ABC
}

// Calibrate fits the sweep's parameters to its targets, measuring them
// with ev: weighted least squares with weights 1/tolerance² (each
// residual in units of its tolerance; 1 for a target without one), so
// that the cost is the sum of squared standardised residuals and a
// parameter vector whose residuals are all within ±1 fits every pattern.
// The search is a Latin hypercube over the box and then Nelder–Mead from
// its best point, within the study's budget. With a curve: in the study,
// it also measures the dose–response at the fit.
//
// With check, there is no search: the targets are measured once at the
// base scenario's own values of the parameters.
//
// The running count of evaluations goes to the evaluator's
// Options.Status. An output that is not a number at every point
// evaluated is an InputError.
func Calibrate(ctx context.Context, ev *Evaluator, sw *datasets.Sweep, check bool) (*Calibration, error) {
	status := ev.opts.Status
	var extras [][]datasets.Override
	var labels []string
	var exprs [][]string
	target := make([]float64, len(sw.Targets))
	weights := make([]float64, len(sw.Targets))
	ev.TargetArms = make([]string, len(sw.Targets))
	ev.Horizons = make([]int, len(sw.Targets))
	for i, t := range sw.Targets {
		extras = append(extras, sw.TargetOverrides(i))
		labels = append(labels, t.Name)
		ex := []string{t.Output}
		if t.Dose != "" {
			ex = append(ex, t.Dose)
		}
		exprs = append(exprs, ex)
		target[i] = t.Value
		weights[i] = 1
		if t.Tolerance > 0 {
			weights[i] = 1 / (t.Tolerance * t.Tolerance)
		}
		ev.TargetArms[i], ev.Horizons[i] = t.Arm, t.Horizon
	}
	// A ratio target (a scorecard's direction) divides its output by the
	// output of a second run on the same seeds, measured after the
	// targets: against[i] is its index among the runs (-1: none).
	against := make([]int, len(sw.Targets))
	for i, t := range sw.Targets {
		against[i] = -1
		if !sw.TargetRatio(i) {
			continue
		}
		against[i] = len(extras)
		extras = append(extras, sw.AgainstOverrides(i))
		labels = append(labels, t.Name+" (against)")
		exprs = append(exprs, []string{t.Output})
		ev.TargetArms, ev.Horizons = append(ev.TargetArms, t.Arm), append(ev.Horizons, t.Horizon)
	}
	t0 := time.Now()
	doses := map[string][]float64{}
	// Whether each target's output was a number at some point, over the
	// evaluations; and the first error of the model.
	number := make([]bool, len(sw.Targets))
	evaluated := 0
	var modelErr error
	model := func(x []float64) ([]float64, error) {
		ms, err := ev.Measure(ctx, x, extras, labels, exprs)
		if err != nil {
			if modelErr == nil {
				modelErr = err
			}
			return nil, err
		}
		evaluated++
		y := make([]float64, len(sw.Targets))
		d := make([]float64, len(sw.Targets))
		for i := range sw.Targets {
			m := ms[i]
			y[i], d[i] = m.Mean[0], math.NaN()
			if k := against[i]; k >= 0 {
				y[i] /= ms[k].Mean[0]
			}
			if len(m.Mean) > 1 {
				d[i] = m.Mean[1]
			}
			number[i] = number[i] || !(math.IsNaN(y[i]) || math.IsInf(y[i], 0))
		}
		doses[fmt.Sprint(x)] = d
		if status != nil {
			fmt.Fprintf(status, "\revaluation %d", ev.Next/len(extras))
		}
		return y, nil
	}
	var fit *design.FitResult
	var err error
	if check {
		fit, err = evaluateAt(sw, model, target, weights)
	} else {
		fit, err = search(sw, model, target, weights)
	}
	if status != nil {
		fmt.Fprintln(status)
	}
	if modelErr == nil && evaluated > 0 {
		for i, ok := range number {
			if !ok {
				// No fit can use it: the study's expression is wrong.
				where := "at the point evaluated"
				if evaluated > 1 {
					where = fmt.Sprintf("at all %d points evaluated", evaluated)
				}
				return nil, InputErrorf("%s:%d: targets[%d].output: %q is not a number (NULL, NaN or infinite: a division by zero?) %s; change the expression, e.g. guard a denominator with greatest(x, 1)",
					sw.File(), sw.TargetLine(i), i, sw.Targets[i].Output, where)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	c := &Calibration{Sweep: sw, ID: ev.ID, Version: ev.opts.Version, Fit: fit, Doses: doses[fmt.Sprint(fit.X)], Elapsed: time.Since(t0), Check: check}
	if cv := sw.Curve; cv != nil {
		// The dose–response at the fit, over the curve's doses: the
		// curve's target repeated with each value.
		tg := sw.Targets[cv.Target]
		var ex [][]datasets.Override
		var lb []string
		var es [][]string
		// The curve's arms and horizons for now, the targets' again after
		// (model measures the targets).
		arms, horizons := ev.TargetArms, ev.Horizons
		defer func() { ev.TargetArms, ev.Horizons = arms, horizons }()
		ev.TargetArms, ev.Horizons = nil, nil
		for k, v := range cv.Values {
			ex = append(ex, sw.CurveOverrides(k))
			lb = append(lb, fmt.Sprintf("curve %s=%g", cv.Path, v))
			es = append(es, []string{tg.Output, tg.Dose})
			ev.TargetArms, ev.Horizons = append(ev.TargetArms, tg.Arm), append(ev.Horizons, tg.Horizon)
		}
		ms, err := ev.Measure(ctx, fit.X, ex, lb, es)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			c.Curve = append(c.Curve, [2]float64{m.Mean[1], m.Mean[0]})
		}
		c.Elapsed = time.Since(t0)
	}
	c.model = model // for the plausible set
	return c, nil
}

// search is the calibration's search: a Latin hypercube over the box
// (4 points per parameter, at least 6, at most a third of the budget) and
// then Nelder–Mead from its best point with the rest of the budget. The
// survey's cost has a long ridge (rate and shape trade off) and more than
// one basin; from the middle of the box alone Nelder–Mead can stop on the
// wrong side of it.
func search(sw *datasets.Sweep, model design.Model, target, weights []float64) (*design.FitResult, error) {
	box := sw.Box()
	n0 := min(max(6, 4*len(box)), sw.Budget/3)
	var x0 []float64
	best := math.Inf(1)
	if n0 > 0 {
		starts, err := design.LatinHypercube(box, n0, sw.Seed)
		if err != nil {
			return nil, err
		}
		for _, x := range starts {
			y, err := model(x)
			if err != nil {
				return nil, err
			}
			if c := weightedCost(y, target, weights); c < best {
				best, x0 = c, x
			}
		}
	}
	fit, err := design.Fit(box, model, target, weights, x0, &design.FitSettings{MaxEvaluations: sw.Budget - n0, Tolerance: 1e-6})
	if fit != nil {
		fit.Evaluations += n0
	}
	return fit, err
}

// weightedCost is Σ w_i (y_i - t_i)², +Inf if an output is not a number.
func weightedCost(y, target, weights []float64) float64 {
	var c float64
	for i := range y {
		r := y[i] - target[i]
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return math.Inf(1)
		}
		c += weights[i] * r * r
	}
	return c
}

// evaluateAt is the fit's result at the base scenario's values, without a
// search: one evaluation.
func evaluateAt(sw *datasets.Sweep, model design.Model, target, weights []float64) (*design.FitResult, error) {
	x, err := sw.BaseValues()
	if err != nil {
		return nil, InputError{err}
	}
	y, err := model(x)
	if err != nil {
		return nil, err
	}
	fit := &design.FitResult{X: x, Outputs: y, Residuals: make([]float64, len(y)), Evaluations: 1, Converged: true}
	var ss float64
	for i := range y {
		r := y[i] - target[i]
		fit.Residuals[i] = r
		fit.Cost += weights[i] * r * r
		ss += r * r
	}
	fit.RMSE = math.Sqrt(ss / float64(len(y)))
	return fit, nil
}

// Inside reports whether target i's fitted value is within its tolerance.
func (c *Calibration) Inside(i int) bool {
	t := c.Sweep.Targets[i]
	return t.Tolerance > 0 && math.Abs(c.Fit.Outputs[i]-t.Value) <= t.Tolerance
}

// Outside are the targets with a tolerance whose fitted (or, for a
// check, measured) value is not within it: a value that is not a number
// is outside. A target without a tolerance is never outside.
func (c *Calibration) Outside() []int {
	var out []int
	for i, t := range c.Sweep.Targets {
		if t.Tolerance > 0 && !c.Inside(i) {
			out = append(out, i)
		}
	}
	return out
}

// DescribeOutside says how many targets are outside their tolerance
// (out, from Outside) and, for each, what the model gave against what was
// observed.
func (c *Calibration) DescribeOutside(out []int) string {
	var parts []string
	for _, i := range out {
		t := c.Sweep.Targets[i]
		parts = append(parts, fmt.Sprintf("%s (model %.4g, observed %.4g ± %.3g)", datasets.ClipQ(t.Name), c.Fit.Outputs[i], t.Value, t.Tolerance))
	}
	return fmt.Sprintf("%d of %d targets outside their tolerance: %s", len(out), len(c.Sweep.Targets), strings.Join(parts, ", "))
}

// ArmOf is the arm target i measures: its own, or the last of the
// study's arms.
func (c *Calibration) ArmOf(i int) string {
	if a := c.Sweep.Targets[i].Arm; a != "" {
		return a
	}
	return c.Sweep.Arms[len(c.Sweep.Arms)-1]
}

// Rows are the fit's rows of calibration_fits, one per target.
func (c *Calibration) Rows() []store.CalibrationRow {
	params := map[string]float64{}
	for i, p := range c.Sweep.Parameters {
		params[p.Path] = c.Fit.X[i]
	}
	pj, _ := json.Marshal(params)
	var rows []store.CalibrationRow
	for i, t := range c.Sweep.Targets {
		tol, dv := math.NaN(), math.NaN()
		if t.DoseValue != nil {
			dv = *t.DoseValue
		}
		if t.Tolerance > 0 {
			tol = t.Tolerance
		}
		rows = append(rows, store.CalibrationRow{SweepID: c.ID, Name: c.Sweep.Name, Target: t.Name, Arm: c.ArmOf(i), Horizon: t.Horizon,
			Output: t.Output, Observed: t.Value, Tolerance: tol, Fitted: c.Fit.Outputs[i], Inside: c.Inside(i),
			Dose: c.Doses[i], DoseValue: dv, Source: t.Source, Parameters: string(pj), Version: c.Version})
	}
	return rows
}

// Overlay is the text of an overlay of the fit (calibrate --save): the
// fitted keys only, each with its range, and the study, version and fit
// in comments. It is checked to read back as an overlay.
func (c *Calibration) Overlay() ([]byte, error) {
	var b strings.Builder
	n := 0
	for i := range c.Sweep.Targets {
		if c.Inside(i) {
			n++
		}
	}
	fmt.Fprintf(&b, "# msgmon overlay: the values msgmon calibrate fitted, and nothing else.\n")
	fmt.Fprintf(&b, "# Study %s (sweep %s), msgmon %s, %s.\n", c.File, c.ID, c.Version, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "# Fit: %d of %d targets inside their tolerance; weighted cost %.3g.\n", n, len(c.Sweep.Targets), c.Fit.Cost)
	for i, t := range c.Sweep.Targets {
		in := "outside"
		if c.Inside(i) {
			in = "inside"
		}
		fmt.Fprintf(&b, "#   %s: observed %.4g ± %.3g, fitted %.4g (%s; %s)\n", t.Name, t.Value, t.Tolerance, c.Fit.Outputs[i], in, t.Source)
	}
	fmt.Fprintf(&b, "# Apply it to any scenario or preset: msgmon compare SCENARIO --overlay FILE\n")
	// Group the key paths by their first key, in the parameters' order.
	var groups []string
	keys := map[string][]int{}
	for i, p := range c.Sweep.Parameters {
		g, _, _ := strings.Cut(p.Path, ".")
		if _, ok := keys[g]; !ok {
			groups = append(groups, g)
		}
		keys[g] = append(keys[g], i)
	}
	for _, g := range groups {
		for _, i := range keys[g] {
			p := c.Sweep.Parameters[i]
			bx := c.Sweep.Box()[i]
			_, rest, nested := strings.Cut(p.Path, ".")
			if !nested {
				fmt.Fprintf(&b, "%s: %s  # fitted in [%g, %g]\n", p.Path, strconv.FormatFloat(c.Fit.X[i], 'g', 6, 64), bx.Lo, bx.Hi)
				continue
			}
			if i == keys[g][0] {
				fmt.Fprintf(&b, "%s:\n", g)
			}
			fmt.Fprintf(&b, "  %s: %s  # fitted in [%g, %g]\n", rest, strconv.FormatFloat(c.Fit.X[i], 'g', 6, 64), bx.Lo, bx.Hi)
		}
	}
	// What it says must read back as an overlay.
	if _, err := datasets.ParseOverlay("overlay", []byte(b.String())); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
