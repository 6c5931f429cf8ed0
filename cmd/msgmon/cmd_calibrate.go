package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/reports"
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
	if err := o.ABCOptions.Check(sw, o.Force); err != nil {
		return err
	}
	ev, err := study.NewEvaluator(ctx, studyOptions(o.DB, o.Parallel, o.Workers, false, nil, stderr), sw, []store.SweepColumn{{Path: "target", Column: "target", Type: "VARCHAR"}})
	if err != nil {
		return err
	}
	defer ev.DB.Close()
	cal, err := study.Calibrate(ctx, ev, sw, o.Check)
	if err != nil {
		return err
	}
	cal.File = path
	printCalibration(cal, stdout)
	if err := ev.DB.WriteCalibration(ctx, cal.Rows()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nThe fit is stored in %s (table calibration_fits, sweep_id '%s').\n", o.DB, ev.ID)
	// Named by the calibration's id: the same study (and check) makes
	// the same report from the same stored runs, so it is written over;
	// another study or check gets its own.
	pdf := filepath.Join(filepath.Dir(o.DB), "calibration-"+strings.TrimPrefix(ev.ID, "sweep-")+".pdf")
	if !o.NoReport {
		if err := calibrationReport(cal, pdf, o.DB, true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Report: %s\n", pdf)
	}
	// A fit or check with targets outside their tolerance: the table is
	// printed and stored, the report and plausible set are made, but no
	// overlay is written without --force, and the command says so last.
	var failed error
	if out := cal.Outside(); len(out) > 0 {
		what := cal.DescribeOutside(out)
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
		out, err := cal.Overlay()
		if err != nil {
			return err
		}
		if err := reports.WriteBytes(o.Save, out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Overlay of the fitted values written to %s (msgmon compare SCENARIO --overlay %s)\n", o.Save, o.Save)
	}
	// The plausible set, once the fit is printed and stored.
	if s := o.ABCOptions.Settings(); s != nil {
		if err := cal.DrawPlausible(s, stderr); err != nil {
			return err
		}
		printPlausible(cal, stdout)
		if err := ev.DB.WritePlausible(ctx, ev.ID, cal.PlausibleRows()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nEvery vector ABC evaluated is stored in table plausible_vectors (sweep_id '%s'; the plausible set: final).\n", ev.ID)
		if o.SavePlausible != "" {
			csv, err := cal.PlausibleCSV(o.SavePlausible)
			if err != nil {
				return err
			}
			if err := reports.WriteBytes(o.SavePlausible, csv); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Plausible set written to %s (msgmon robust SCENARIO --plausible %s)\n", o.SavePlausible, o.SavePlausible)
		}
		if !o.NoReport {
			if err := calibrationReport(cal, pdf, o.DB, true); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Report, with the plausible set: %s\n", pdf)
		}
	}
	return failed
}

// printCalibration prints the fit (or check): the parameters, each
// target against what was observed, and the sources.
func printCalibration(c *study.Calibration, w io.Writer) {
	sw, fit := c.Sweep, c.Fit
	if c.Check {
		fmt.Fprintf(w, "Check %s (%s): the targets at the scenario's own values, in %s\n\n", sw.Name, c.ID, c.Elapsed.Round(time.Second))
	} else {
		fmt.Fprintf(w, "Calibrate %s (%s): %d evaluations of %d targets in %s; converged: %v\n\n",
			sw.Name, c.ID, fit.Evaluations, len(sw.Targets), c.Elapsed.Round(time.Second), fit.Converged)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if c.Check {
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
	if c.Check {
		model = "model"
	}
	fmt.Fprintf(tw, "target\tarm\thorizon\tdose\tobserved\t%s\ttolerance\tinside\t\n", model)
	n := 0
	for i, t := range sw.Targets {
		h, dose, tol, in := "run", "", "none", "-"
		if t.Horizon > 0 {
			h = fmt.Sprintf("%d d", t.Horizon)
		}
		if !math.IsNaN(c.Doses[i]) {
			dose = fmt.Sprintf("%.2f/wk", c.Doses[i])
		}
		if t.Tolerance > 0 {
			tol, in = fmt.Sprintf("±%.3g", t.Tolerance), "no"
			if c.Inside(i) {
				in = "yes"
				n++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.4g\t%.4g\t%s\t%s\t\n", t.Name, c.ArmOf(i), h, dose, t.Value, fit.Outputs[i], tol, in)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d targets inside their tolerance; weighted cost %.3g (sum of (residual / tolerance)²), RMSE %.4f\n",
		n, len(sw.Targets), fit.Cost, fit.RMSE)
	fmt.Fprintln(w, "\nSources:")
	for _, t := range sw.Targets {
		fmt.Fprintf(w, "  %s: %s\n", t.Name, t.Source)
	}
}

// calibrationReport writes the calibration's PDF: the fit table and the
// dose–response chart, and the plausible set once drawn.
func calibrationReport(c *study.Calibration, path, db string, force bool) error {
	r := &reports.CalibrationReport{Study: c.Sweep.Name, ID: c.ID, Version: version(), DB: db, Curve: c.Curve}
	for i, p := range c.Sweep.Parameters {
		b := c.Sweep.Box()[i]
		r.Parameters = append(r.Parameters, [3]string{p.Path, fmt.Sprintf("%.4g", c.Fit.X[i]), fmt.Sprintf("[%g, %g]", b.Lo, b.Hi)})
	}
	n := 0
	for i, row := range c.Rows() {
		t := reports.CalibrationTarget{Name: row.Target, Arm: row.Arm, Source: row.Source, Horizon: row.Horizon,
			Observed: row.Observed, Tolerance: c.Sweep.Targets[i].Tolerance, Fitted: row.Fitted, Inside: row.Inside,
			Dose: row.Dose, DoseValue: row.DoseValue}
		if t.Inside {
			n++
		}
		r.Targets = append(r.Targets, t)
	}
	how := fmt.Sprintf("after %d evaluations", c.Fit.Evaluations)
	if c.Check {
		how = "at the scenario's own values (a check, no search)"
	}
	if c.ABC != nil {
		ps := c.PlausibleSet()
		v := &reports.PlausibleView{Paths: ps.Paths, Start: c.Fit.X,
			Summary: fmt.Sprintf("%d vectors drawn by ABC (population Monte Carlo, %d generations, %d evaluations), effective sample size %.1f; each meets every target within %g x its tolerance.",
				len(ps.Vectors), len(c.ABC.Epsilons), c.ABC.Evaluations, c.ABC.ESS(), c.ABCSettings.Epsilon)}
		for _, x := range ps.Vectors {
			v.X, v.Weights = append(v.X, x.Values), append(v.Weights, x.Weight)
		}
		r.Plausible = v
	}
	r.Summary = fmt.Sprintf("%s (%s): %d of %d targets inside their tolerance %s; weighted cost %.3g "+
		"(the sum of squared residuals in units of each target's tolerance).", c.File, c.ID, n, len(r.Targets), how, c.Fit.Cost)
	return reports.SaveCalibration(r, path, force)
}
