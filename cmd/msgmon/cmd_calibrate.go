package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

type calibrateOptions struct {
	sweepOptions
	Save     string
	Force    bool
	NoReport bool
	Check    bool
	Overlay  string
	abcOptions
}

func newCalibrateCommand() *cobra.Command {
	var o calibrateOptions
	c := &cobra.Command{
		Use:   "calibrate FILE.yaml",
		Short: "Fit behaviour parameters to a target table",
		Long: `Calibrate fits parameters (ranges in a file with design: calibrate) so that
the model reproduces several patterns at once: each target applies its own
set: on top of the candidate parameters, runs its arm (arm:, default the
last of arms:) for the study's replicates (common random numbers) and
measures an output, an SQL expression over run_totals columns averaged over
the replicates, over the first horizon_days of the run (default all). The
fit minimises the sum of squared residuals in units of each target's
tolerance: a Latin hypercube over the ranges, then gonum's Nelder-Mead
from its best point, within budget: evaluations.

It prints and stores (table calibration_fits) per target the observed
value, the fitted one, the tolerance and whether the fit is inside it, and
the dose its runs delivered (dose:); it writes a PDF report with the
dose-response chart next to the database (--no-report skips it). --save
writes an overlay with only the fitted keys and their provenance, which
compare, run and calibrate apply with --overlay FILE. --check measures
the targets at the scenario's own values without a search: the check of
the calibrated defaults.

Exit code 4: a target with a tolerance is outside it. --check exits 4
when any is (after printing and storing the table, and drawing the
plausible set if asked); --save does not write a fit with a target
outside its tolerance, names the targets and exits 4, unless --force,
which writes it all the same (the overlay's comments say which failed).

  design: calibrate
  arms: [service+paid_push]
  targets:
    - name: 1 push a week
      set: {business.sends_per_week_mean: 1, days: 28}
      horizon_days: 28
      output: users_reacted::DOUBLE / reach_messages_cum
      dose: 7.0 * (sends_push + sends_folder) / follow_days
      dose_value: 1
      value: !cal localytics.push_disable.cumulative.1_per_week
      tolerance: !cal localytics.push_disable.cumulative.1_per_week.tolerance
  parameters:
    - {path: behaviour.react_rate, min: 0.001, max: 1, scale: log}`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCalibrate(cmd.Context(), &o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short)")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	f.StringVar(&o.Save, "save", "", "write an overlay of the fitted values to this file (apply it with compare --overlay)")
	f.BoolVar(&o.Force, "force", false, "overwrite the --save and --save-plausible files, and --save a fit with targets outside their tolerance")
	f.BoolVar(&o.NoReport, "no-report", false, "skip the PDF report of the fit")
	f.StringVar(&o.Overlay, "overlay", "", "apply this overlay (e.g. from --save) to the study's base scenario first")
	f.BoolVar(&o.Check, "check", false, "no search: measure the targets at the scenario's own values (the defaults' check)")
	o.abcOptions.AddFlags(f)
	return c
}

// calibratePaths are what calibrate reads and writes, for checkPaths.
func calibratePaths(o *calibrateOptions, study string) (reads, writes []pathArg) {
	reads = []pathArg{fileArg("the study", study), fileArg("--overlay "+o.Overlay, o.Overlay)}
	if o.Overlay == "" {
		reads = reads[:1]
	}
	writes = append(dbArgs(o.DB),
		pathArg{name: "--save " + o.Save, path: o.Save, needParent: true},
		pathArg{name: "--save-plausible " + o.SavePlausible, path: o.SavePlausible, needParent: true})
	if !o.NoReport {
		writes = append(writes, pathArg{name: "the calibration report (calibration-*.pdf next to --db)", path: filepath.Dir(o.DB),
			folder: true, writes: matching("calibration-*.pdf")})
	}
	return reads, writes
}

func runCalibrate(ctx context.Context, o *calibrateOptions, path string, stdout, stderr io.Writer) error {
	if o.Overlay != "" {
		if err := readableFile("--overlay", o.Overlay, "an overlay file (calibrate --save writes one)"); err != nil {
			return err
		}
	}
	reads, writes := calibratePaths(o, path)
	if err := checkPaths(reads, writes); err != nil {
		return err
	}
	if o.Save != "" && !o.Force {
		if _, err := os.Stat(o.Save); err == nil {
			return usageErr("%s exists; choose another --save path or overwrite it with --force", o.Save)
		}
	}
	sw, err := loadSearch(path, "calibrate")
	if err != nil {
		return err
	}
	if err := checkPaths(studyReads(sw), writes); err != nil {
		return err
	}
	if err := sw.CheckOutputs(store.RunTotalsColumns()); err != nil {
		return err
	}
	if o.Overlay != "" {
		ov, err := datasets.ReadOverlay(o.Overlay)
		if err != nil {
			return err
		}
		// The overlay's problems are its own, at its lines: checked on the
		// base with the study's set: before any point is, so that an
		// unknown key is not reported as the base scenario's at point 0.
		if _, err := ov.ApplyWith(sw.BaseName(), sw.BaseData(), sw.SetOverrides()); err != nil {
			return err
		}
		sw.ApplyOverlay(ov)
	}
	if o.Check {
		if o.Save != "" {
			return usageErr("--check fits nothing, so --save has nothing to write; drop one of them")
		}
		sw.AsCheck()
	}
	if err := o.abcOptions.check(sw, o.Force); err != nil {
		return err
	}
	ev, err := newEvaluator(ctx, &o.sweepOptions, sw, []store.SweepColumn{{Path: "target", Column: "target", Type: "VARCHAR"}})
	if err != nil {
		return err
	}
	defer ev.db.Close()
	cal, err := calibrate(ctx, ev, sw, o.Check, stderr)
	if err != nil {
		return err
	}
	cal.file = path
	cal.print(stdout)
	if err := ev.db.WriteCalibration(ctx, cal.rows()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nThe fit is stored in %s (table calibration_fits, sweep_id '%s').\n", o.DB, ev.id)
	// Named by the calibration's id: the same study (and check) makes
	// the same report from the same stored runs, so it is written over;
	// another study or check gets its own.
	pdf := filepath.Join(filepath.Dir(o.DB), "calibration-"+strings.TrimPrefix(ev.id, "sweep-")+".pdf")
	if !o.NoReport {
		if err := cal.report(pdf, o.DB, true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Report: %s\n", pdf)
	}
	// A fit or check with targets outside their tolerance: the table is
	// printed and stored, the report and plausible set are made, but no
	// overlay is written without --force, and the command says so last.
	var failed error
	if out := cal.outside(); len(out) > 0 {
		what := cal.describeOutside(out)
		switch {
		case o.Check:
			failed = outsideError{fmt.Errorf("calibrate --check: %s", what)}
		case o.Save != "" && !o.Force:
			failed = outsideError{fmt.Errorf("calibrate: %s; a failed fit is not written to %s: widen the ranges or raise budget: and fit again, or pass --force to write it anyway",
				what, o.Save)}
		case o.Save != "":
			fmt.Fprintf(stderr, "calibrate: note: --force: writing %s, a fit with %s\n", o.Save, what)
		}
	}
	if o.Save != "" && failed == nil {
		out, err := cal.overlay()
		if err != nil {
			return err
		}
		if err := reports.WriteBytes(o.Save, out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Overlay of the fitted values written to %s (msgmon compare SCENARIO --overlay %s)\n", o.Save, o.Save)
	}
	// The plausible set, once the fit is printed and stored.
	if s := o.abcOptions.settings(); s != nil {
		if err := cal.drawPlausible(s, stderr); err != nil {
			return err
		}
		cal.printPlausible(stdout)
		if err := ev.db.WritePlausible(ctx, ev.id, cal.plausibleRows()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nEvery vector ABC evaluated is stored in table plausible_vectors (sweep_id '%s'; the plausible set: final).\n", ev.id)
		if o.SavePlausible != "" {
			if err := cal.savePlausible(o.SavePlausible); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Plausible set written to %s (msgmon robust SCENARIO --plausible %s)\n", o.SavePlausible, o.SavePlausible)
		}
		if !o.NoReport {
			if err := cal.report(pdf, o.DB, true); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Report, with the plausible set: %s\n", pdf)
		}
	}
	return failed
}

// calibration is a fit and what it found, target by target.
type calibration struct {
	sw      *datasets.Sweep
	id      string
	file    string
	fit     *design.FitResult
	doses   []float64 // the dose each target's runs delivered at the fit (NaN: no dose:)
	elapsed time.Duration
	check   bool         // measured at the scenario's values, no search
	curve   [][2]float64 // dose, response at the fit over the curve's doses
	abc     *design.ABCResult
	abcSet  *design.ABCSettings
	abcTime time.Duration
	model   design.Model // the targets at a parameter vector, for ABC
}

// calibrate fits the sweep's parameters to its targets: weighted least
// squares with weights 1/tolerance² (each residual in units of its
// tolerance; 1 for a target without one), so that the cost is the sum of
// squared standardised residuals and a parameter vector whose residuals
// are all within ±1 fits every pattern.
//
// With check, there is no search: the targets are measured once at the
// base scenario's own values of the parameters.
func calibrate(ctx context.Context, ev *evaluator, sw *datasets.Sweep, check bool, stderr io.Writer) (*calibration, error) {
	var extras [][]datasets.Override
	var labels []string
	var exprs [][]string
	target := make([]float64, len(sw.Targets))
	weights := make([]float64, len(sw.Targets))
	ev.targetArms = make([]string, len(sw.Targets))
	ev.horizons = make([]int, len(sw.Targets))
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
		ev.targetArms[i], ev.horizons[i] = t.Arm, t.Horizon
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
		ev.targetArms, ev.horizons = append(ev.targetArms, t.Arm), append(ev.horizons, t.Horizon)
	}
	t0 := time.Now()
	doses := map[string][]float64{}
	// Whether each target's output was a number at some point, over the
	// evaluations; and the first error of the model.
	number := make([]bool, len(sw.Targets))
	evaluated := 0
	var modelErr error
	model := func(x []float64) ([]float64, error) {
		ms, err := ev.measure(ctx, x, extras, labels, exprs)
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
		if isTerminal(stderr) {
			fmt.Fprintf(stderr, "\revaluation %d", ev.next/len(extras))
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
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if modelErr == nil && evaluated > 0 {
		for i, ok := range number {
			if !ok {
				// No fit can use it: the study's expression is wrong.
				where := "at the point evaluated"
				if evaluated > 1 {
					where = fmt.Sprintf("at all %d points evaluated", evaluated)
				}
				return nil, usageErr("%s:%d: targets[%d].output: %q is not a number (NULL, NaN or infinite: a division by zero?) %s; change the expression, e.g. guard a denominator with greatest(x, 1)",
					sw.File(), sw.TargetLine(i), i, sw.Targets[i].Output, where)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	c := &calibration{sw: sw, id: ev.id, fit: fit, doses: doses[fmt.Sprint(fit.X)], elapsed: time.Since(t0), check: check}
	if cv := sw.Curve; cv != nil {
		// The dose–response at the fit, over the curve's doses: the
		// curve's target repeated with each value.
		tg := sw.Targets[cv.Target]
		var ex [][]datasets.Override
		var lb []string
		var es [][]string
		// The curve's arms and horizons for now, the targets' again after
		// (model measures the targets).
		arms, horizons := ev.targetArms, ev.horizons
		defer func() { ev.targetArms, ev.horizons = arms, horizons }()
		ev.targetArms, ev.horizons = nil, nil
		for k, v := range cv.Values {
			ex = append(ex, sw.CurveOverrides(k))
			lb = append(lb, fmt.Sprintf("curve %s=%g", cv.Path, v))
			es = append(es, []string{tg.Output, tg.Dose})
			ev.targetArms, ev.horizons = append(ev.targetArms, tg.Arm), append(ev.horizons, tg.Horizon)
		}
		ms, err := ev.measure(ctx, fit.X, ex, lb, es)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			c.curve = append(c.curve, [2]float64{m.Mean[1], m.Mean[0]})
		}
		c.elapsed = time.Since(t0)
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
		return nil, inputError{err}
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

// inside reports whether target i's fitted value is within its tolerance.
func (c *calibration) inside(i int) bool {
	t := c.sw.Targets[i]
	return t.Tolerance > 0 && math.Abs(c.fit.Outputs[i]-t.Value) <= t.Tolerance
}

// outside are the targets with a tolerance whose fitted (or, for a
// check, measured) value is not within it: a value that is not a number
// is outside. A target without a tolerance is never outside.
func (c *calibration) outside() []int {
	var out []int
	for i, t := range c.sw.Targets {
		if t.Tolerance > 0 && !c.inside(i) {
			out = append(out, i)
		}
	}
	return out
}

// describeOutside says how many targets are outside their tolerance and,
// for each, what the model gave against what was observed.
func (c *calibration) describeOutside(out []int) string {
	var parts []string
	for _, i := range out {
		t := c.sw.Targets[i]
		parts = append(parts, fmt.Sprintf("%s (model %.4g, observed %.4g ± %.3g)", datasets.ClipQ(t.Name), c.fit.Outputs[i], t.Value, t.Tolerance))
	}
	return fmt.Sprintf("%d of %d targets outside their tolerance: %s", len(out), len(c.sw.Targets), strings.Join(parts, ", "))
}

func (c *calibration) print(w io.Writer) {
	sw, fit := c.sw, c.fit
	if c.check {
		fmt.Fprintf(w, "Check %s (%s): the targets at the scenario's own values, in %s\n\n", sw.Name, c.id, c.elapsed.Round(time.Second))
	} else {
		fmt.Fprintf(w, "Calibrate %s (%s): %d evaluations of %d targets in %s; converged: %v\n\n",
			sw.Name, c.id, fit.Evaluations, len(sw.Targets), c.elapsed.Round(time.Second), fit.Converged)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if c.check {
		fmt.Fprintln(tw, "parameter\tvalue\trange\t")
	} else {
		fmt.Fprintln(tw, "parameter\tfitted\trange\t")
	}
	for i, p := range sw.Parameters {
		b := sw.Box()[i]
		fmt.Fprintf(tw, "%s\t%.6g\t[%g, %g]\t\n", p.Path, fit.X[i], b.Lo, b.Hi)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	model := "fitted"
	if c.check {
		model = "model"
	}
	fmt.Fprintf(tw, "target\tarm\thorizon\tdose\tobserved\t%s\ttolerance\tinside\t\n", model)
	n := 0
	for i, t := range sw.Targets {
		h, dose, tol, in := "run", "", "none", "-"
		if t.Horizon > 0 {
			h = fmt.Sprintf("%d d", t.Horizon)
		}
		if !math.IsNaN(c.doses[i]) {
			dose = fmt.Sprintf("%.2f/wk", c.doses[i])
		}
		if t.Tolerance > 0 {
			tol, in = fmt.Sprintf("±%.3g", t.Tolerance), "no"
			if c.inside(i) {
				in = "yes"
				n++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.4g\t%.4g\t%s\t%s\t\n", t.Name, c.armOf(i), h, dose, t.Value, fit.Outputs[i], tol, in)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d targets inside their tolerance; weighted cost %.3g (sum of (residual / tolerance)²), RMSE %.4f\n",
		n, len(sw.Targets), fit.Cost, fit.RMSE)
	fmt.Fprintln(w, "\nSources:")
	for _, t := range sw.Targets {
		fmt.Fprintf(w, "  %s: %s\n", t.Name, t.Source)
	}
}

func (c *calibration) armOf(i int) string {
	if a := c.sw.Targets[i].Arm; a != "" {
		return a
	}
	return c.sw.Arms[len(c.sw.Arms)-1]
}

// fitted are the fitted values as overrides, in the order of parameters.
func (c *calibration) fitted() []datasets.Override {
	var out []datasets.Override
	for i, p := range c.sw.Parameters {
		out = append(out, datasets.Override{Path: p.Path, Value: c.fit.X[i]})
	}
	return out
}

func (c *calibration) rows() []store.CalibrationRow {
	params := map[string]float64{}
	for i, p := range c.sw.Parameters {
		params[p.Path] = c.fit.X[i]
	}
	pj, _ := json.Marshal(params)
	var rows []store.CalibrationRow
	for i, t := range c.sw.Targets {
		tol, dv := math.NaN(), math.NaN()
		if t.DoseValue != nil {
			dv = *t.DoseValue
		}
		if t.Tolerance > 0 {
			tol = t.Tolerance
		}
		rows = append(rows, store.CalibrationRow{SweepID: c.id, Name: c.sw.Name, Target: t.Name, Arm: c.armOf(i), Horizon: t.Horizon,
			Output: t.Output, Observed: t.Value, Tolerance: tol, Fitted: c.fit.Outputs[i], Inside: c.inside(i),
			Dose: c.doses[i], DoseValue: dv, Source: t.Source, Parameters: string(pj), Version: version()})
	}
	return rows
}

func fmtOverrides(os []datasets.Override) string {
	var parts []string
	for _, o := range os {
		parts = append(parts, o.String())
	}
	return strings.Join(parts, ", ")
}

// report writes the calibration's PDF: the fit table and the dose–response
// chart.
func (c *calibration) report(path, db string, force bool) error {
	r := &reports.CalibrationReport{Study: c.sw.Name, ID: c.id, Version: version(), DB: db, Curve: c.curve}
	for i, p := range c.sw.Parameters {
		b := c.sw.Box()[i]
		r.Parameters = append(r.Parameters, [3]string{p.Path, fmt.Sprintf("%.4g", c.fit.X[i]), fmt.Sprintf("[%g, %g]", b.Lo, b.Hi)})
	}
	n := 0
	for i, row := range c.rows() {
		t := reports.CalibrationTarget{Name: row.Target, Arm: row.Arm, Source: row.Source, Horizon: row.Horizon,
			Observed: row.Observed, Tolerance: c.sw.Targets[i].Tolerance, Fitted: row.Fitted, Inside: row.Inside,
			Dose: row.Dose, DoseValue: row.DoseValue}
		if t.Inside {
			n++
		}
		r.Targets = append(r.Targets, t)
	}
	how := fmt.Sprintf("after %d evaluations", c.fit.Evaluations)
	if c.check {
		how = "at the scenario's own values (a check, no search)"
	}
	if c.abc != nil {
		ps := c.plausibleSet()
		v := &reports.PlausibleView{Paths: ps.Paths, Start: c.fit.X,
			Summary: fmt.Sprintf("%d vectors drawn by ABC (population Monte Carlo, %d generations, %d evaluations), effective sample size %.1f; each meets every target within %g x its tolerance.",
				len(ps.Vectors), len(c.abc.Epsilons), c.abc.Evaluations, c.abc.ESS(), c.abcSet.Epsilon)}
		for _, x := range ps.Vectors {
			v.X, v.Weights = append(v.X, x.Values), append(v.Weights, x.Weight)
		}
		r.Plausible = v
	}
	r.Summary = fmt.Sprintf("%s (%s): %d of %d targets inside their tolerance %s; weighted cost %.3g "+
		"(the sum of squared residuals in units of each target's tolerance).", c.file, c.id, n, len(r.Targets), how, c.fit.Cost)
	return reports.SaveCalibration(r, path, force)
}

// overlay is the text of --save: the fitted keys only, each with its
// range, and the study, version and fit in comments.
func (c *calibration) overlay() ([]byte, error) {
	var b strings.Builder
	n := 0
	for i := range c.sw.Targets {
		if c.inside(i) {
			n++
		}
	}
	fmt.Fprintf(&b, "# msgmon overlay: the values msgmon calibrate fitted, and nothing else.\n")
	fmt.Fprintf(&b, "# Study %s (sweep %s), msgmon %s, %s.\n", c.file, c.id, version(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "# Fit: %d of %d targets inside their tolerance; weighted cost %.3g.\n", n, len(c.sw.Targets), c.fit.Cost)
	for i, t := range c.sw.Targets {
		in := "outside"
		if c.inside(i) {
			in = "inside"
		}
		fmt.Fprintf(&b, "#   %s: observed %.4g ± %.3g, fitted %.4g (%s; %s)\n", t.Name, t.Value, t.Tolerance, c.fit.Outputs[i], in, t.Source)
	}
	fmt.Fprintf(&b, "# Apply it to any scenario or preset: msgmon compare SCENARIO --overlay FILE\n")
	// Group the key paths by their first key, in the parameters' order.
	var groups []string
	keys := map[string][]int{}
	for i, p := range c.sw.Parameters {
		g, _, _ := strings.Cut(p.Path, ".")
		if _, ok := keys[g]; !ok {
			groups = append(groups, g)
		}
		keys[g] = append(keys[g], i)
	}
	for _, g := range groups {
		for _, i := range keys[g] {
			p := c.sw.Parameters[i]
			bx := c.sw.Box()[i]
			_, rest, nested := strings.Cut(p.Path, ".")
			if !nested {
				fmt.Fprintf(&b, "%s: %s  # fitted in [%g, %g]\n", p.Path, strconv.FormatFloat(c.fit.X[i], 'g', 6, 64), bx.Lo, bx.Hi)
				continue
			}
			if i == keys[g][0] {
				fmt.Fprintf(&b, "%s:\n", g)
			}
			fmt.Fprintf(&b, "  %s: %s  # fitted in [%g, %g]\n", rest, strconv.FormatFloat(c.fit.X[i], 'g', 6, 64), bx.Lo, bx.Hi)
		}
	}
	// What it says must read back as an overlay.
	if _, err := datasets.ParseOverlay("overlay", []byte(b.String())); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
