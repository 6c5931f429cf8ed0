package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

type calibrateOptions struct {
	sweepOptions
	Save  string
	Force bool
}

func newCalibrateCommand() *cobra.Command {
	var o calibrateOptions
	c := &cobra.Command{
		Use:   "calibrate FILE.yaml",
		Short: "Fit behaviour parameters to a target table",
		Long: `Calibrate fits parameters (ranges in a file with design: calibrate) so that
the model reproduces a target table: each target applies its own set: on
top of the candidate parameters, runs the sweep's arm for its replicates
(common random numbers) and compares an output, an SQL expression over
run_totals columns averaged over the replicates, with the target's value.
gonum's Nelder-Mead minimises the sum of squared differences within
budget: evaluations. The command prints each target's fitted value, its
residual and the RMSE; --save writes the base scenario with the fitted
values (and set:) as a new scenario file to use as a preset.

  design: calibrate
  arms: [paid_push]
  targets:
    - name: 1 push a week
      set: {business.sends_per_week_mean: 1}
      output: (mutes + blocks + unfollows_annoyed) / follows_exposed
      value: 0.10
      source: Localytics 2017 survey
  parameters:
    - {path: behaviour.react_rate, min: 0.001, max: 0.5, scale: log}`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCalibrate(cmd.Context(), &o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short)")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	f.StringVar(&o.Save, "save", "", "write the calibrated scenario to this file")
	f.BoolVar(&o.Force, "force", false, "overwrite the --save file")
	return c
}

func runCalibrate(ctx context.Context, o *calibrateOptions, path string, stdout, stderr io.Writer) error {
	if o.Save != "" && !o.Force {
		if _, err := os.Stat(o.Save); err == nil {
			return usageErr("%s exists; choose another --save path or overwrite it with --force", o.Save)
		}
	}
	sw, err := loadSearch(path, "calibrate")
	if err != nil {
		return err
	}
	ev, err := newEvaluator(ctx, &o.sweepOptions, sw, []store.SweepColumn{{Path: "target", Column: "target", Type: "VARCHAR"}})
	if err != nil {
		return err
	}
	defer ev.db.Close()
	var extras [][]datasets.Override
	var labels []string
	var exprs [][]string
	target := make([]float64, len(sw.Targets))
	for i, t := range sw.Targets {
		extras = append(extras, sw.TargetOverrides(i))
		labels = append(labels, t.Name)
		exprs = append(exprs, []string{t.Output})
		target[i] = t.Value
	}
	t0 := time.Now()
	model := func(x []float64) ([]float64, error) {
		ms, err := ev.measure(ctx, x, extras, labels, exprs)
		if err != nil {
			return nil, err
		}
		y := make([]float64, len(ms))
		for i, m := range ms {
			y[i] = m.Mean[0]
		}
		if isTerminal(stderr) {
			fmt.Fprintf(stderr, "\revaluation %d", ev.next/len(extras))
		}
		return y, nil
	}
	fit, err := design.Fit(sw.Box(), model, target, nil, nil, &design.FitSettings{MaxEvaluations: sw.Budget, Tolerance: 1e-8})
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Calibrate %s (%s): arm %s, %d evaluations of %d targets in %s; converged: %v\n\n",
		sw.Name, ev.id, ev.arm, fit.Evaluations, len(target), time.Since(t0).Round(time.Second), fit.Converged)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parameter\tfitted\trange\t")
	var fitted []datasets.Override
	for i, p := range sw.Parameters {
		b := sw.Box()[i]
		fmt.Fprintf(tw, "%s\t%.6g\t[%g, %g]\t\n", p.Path, fit.X[i], b.Lo, b.Hi)
		fitted = append(fitted, datasets.Override{Path: p.Path, Value: fit.X[i]})
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\ttarget value\tmodel\tresidual\tsource\t")
	for i, t := range sw.Targets {
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%+.4f\t%s\t\n", t.Name, t.Value, fit.Outputs[i], fit.Residuals[i], t.Source)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nRMSE %.4f over %d targets\n", fit.RMSE, len(target))
	if o.Save != "" {
		header := fmt.Sprintf("Calibrated by msgmon calibrate %s (%s) on %s:\nRMSE %.4f over %d targets; fitted %s.\nThe rest is %s as it was.",
			path, ev.id, time.Now().UTC().Format("2006-01-02"), fit.RMSE, len(target), fmtOverrides(fitted), sw.BaseName())
		// The saved file is a scenario of its own: named after the file,
		// and its description says what it is, not what the base was.
		base := filepath.Base(o.Save)
		own := []datasets.Override{
			{Path: "name", Value: datasets.NameFromFile(strings.TrimSuffix(base, filepath.Ext(base)))},
			{Path: "description", Value: fmt.Sprintf("%s calibrated by msgmon calibrate %s (fitted %s).", sw.BaseName(), path, fmtOverrides(fitted))},
		}
		ovs := append(append(append([]datasets.Override(nil), sw.SetOverrides()...), fitted...), own...)
		out, err := datasets.RenderWith(sw.BaseName(), sw.BaseData(), ovs, header)
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.Save, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "calibrated scenario written to %s (msgmon compare %s)\n", o.Save, o.Save)
	}
	return nil
}

func fmtOverrides(os []datasets.Override) string {
	var parts []string
	for _, o := range os {
		parts = append(parts, o.String())
	}
	return strings.Join(parts, ", ")
}
