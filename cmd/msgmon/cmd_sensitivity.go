package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

type sensitivityOptions struct {
	sweepOptions
	Outputs []string
	Arm     string
	PNG     string
	Force   bool
}

func newSensitivityCommand() *cobra.Command {
	var o sensitivityOptions
	c := &cobra.Command{
		Use:   "sensitivity SWEEP.yaml",
		Short: "Which parameters drive the results: Morris screening or Sobol indices",
		Long: `Sensitivity runs a sweep whose design is morris or sobol (see msgmon sweep;
every parameter a range) and analyses each chosen output of one arm, averaged
over the replicates at each point:

  design: morris   Morris elementary effects: points: trajectories on levels:
                   grid levels (default 4). mu* ranks influence; a large sigma
                   marks non-linearity or interaction. Cheap: r x (k+1) points.
  design: sobol    Sobol indices from Saltelli sampling with points: base
                   samples N (N x (k+2) points): S1, the share of the output's
                   variance a parameter explains alone, and ST, with its
                   interactions, each with a 95 % bootstrap interval.

It prints a table per output and writes a tornado chart per output as PNG.
The runs are stored like any sweep's, so an interrupted analysis resumes.`,
		Example: `  msgmon sensitivity morris.yaml --output churn_per_1000 --output platform_revenue_usd --arm service+paid_push
  msgmon sensitivity sobol.yaml --output churn_per_1000 --png charts/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Shard.apply(&o.DB, cmd.ErrOrStderr()); err != nil {
				return err
			}
			return runSensitivity(cmd.Context(), &o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short)")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar")
	f.StringSliceVar(&o.Outputs, "output", []string{"churn_per_1000", "platform_revenue_usd"}, "run_totals columns to analyse (repeatable)")
	f.StringVar(&o.Arm, "arm", "", "arm whose outputs are analysed (default: the sweep's last arm)")
	f.StringVar(&o.PNG, "png", "", "folder for the tornado charts (default: next to the database)")
	f.BoolVar(&o.Force, "force", false, "overwrite existing charts")
	addFormatFlag(f, &o.Format)
	o.Shard.AddFlags(f)
	return c
}

func runSensitivity(ctx context.Context, o *sensitivityOptions, path string, stdout, stderr io.Writer) error {
	plan, err := loadSweep(path)
	if err != nil {
		return err
	}
	sw := plan.sweep
	pngDir := o.PNG
	if pngDir == "" {
		pngDir = filepath.Dir(o.DB)
	}
	tornados := pathArg{name: "--png " + pngDir, path: pngDir, folder: true, writes: matching("sensitivity-*.png")}
	if o.PNG == "" {
		tornados.name = "the tornado charts (sensitivity-*.png next to --db)"
	}
	if err := checkPaths(studyReads(sw), append(dbArgs(o.DB), tornados)); err != nil {
		return err
	}
	if !o.Force {
		for _, out := range o.Outputs {
			// The charts' names, as below: refused now, not after the runs.
			if p := filepath.Join(pngDir, fmt.Sprintf("sensitivity-%s-%s.png", sw.Name, out)); fileExists(p) {
				return usageErr("%s exists; choose another --png folder or overwrite it with --force", p)
			}
		}
	}
	if sw.Design != "morris" && sw.Design != "sobol" {
		return usageErr("%s: design is %s; sensitivity needs design: morris or design: sobol", path, sw.Design)
	}
	var arms []string
	for _, a := range plan.scen[0].Arms() {
		arms = append(arms, a.Name)
	}
	arm := o.Arm
	if arm == "" {
		arm = arms[len(arms)-1]
	}
	if !slices.Contains(arms, arm) {
		return usageErr("--arm %s: arm %s is unknown; the sweep runs arms %s", datasets.Clip(arm), datasets.ClipQ(arm), strings.Join(arms, ", "))
	}
	for _, out := range o.Outputs {
		if !store.IsRunTotal(out) {
			return usageErr("--output %s: not a numeric run_totals column; choose from %s", datasets.Clip(out), strings.Join(store.RunTotalColumns(), ", "))
		}
	}
	db, err := executeSweep(ctx, &o.sweepOptions, plan, path, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.Shard.run != nil {
		// The analysis needs every point: it runs on the merged database.
		o.Shard.shardDone(stdout, o.DB)
		return nil
	}
	params := make([]string, len(sw.Parameters))
	for i, p := range sw.Parameters {
		params[i] = p.Path
	}
	var charts []*reports.Chart
	note := notes(o.Format, stdout, stderr)
	tabOut := note // the aligned tables, for a person
	if o.Format != reports.FormatTable {
		tabOut = io.Discard
	}
	var head []string // of the records, for CSV or JSON
	var records [][]any
	for _, out := range o.Outputs {
		y, err := pointMeans(ctx, db, store.SweepView(sw.Name), arm, out, len(plan.points))
		if err != nil {
			return err
		}
		fmt.Fprintf(note, "\n%s of %s, sweep %s (%d points x %d replicates)\n\n", out, arm, sw.Name, len(plan.points), plan.scen[0].Replicates)
		tw := tabwriter.NewWriter(tabOut, 0, 0, 2, ' ', tabwriter.AlignRight)
		var ch *reports.Chart
		name := fmt.Sprintf("sensitivity-%s-%s", sw.Name, out)
		switch sw.Design {
		case "morris":
			m, err := sw.Morris()
			if err != nil {
				return err
			}
			r, err := m.Analyse(y)
			if err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
			fmt.Fprintln(tw, "parameter\tmu*\tmu\tsigma\t")
			head = []string{"output", "arm", "parameter", "mu_star", "mu", "sigma"}
			for i, p := range params {
				fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.4g\t\n", p, r.MuStar[i], r.Mu[i], r.Sigma[i])
				records = append(records, []any{out, arm, p, r.MuStar[i], r.Mu[i], r.Sigma[i]})
			}
			ch, err = reports.TornadoChart(name, fmt.Sprintf("Morris screening of %s (%s)", out, arm),
				fmt.Sprintf("mu*: mean absolute change of %s over a step of %.0f%% of a parameter's range; sigma: spread of those changes. %d trajectories.", out, 100*m.Delta, m.Trajectories),
				"effect on "+out, params, []reports.TornadoSeries{{Label: "mu*", Values: r.MuStar}, {Label: "sigma", Values: r.Sigma}})
			if err != nil {
				return err
			}
		case "sobol":
			s, err := sw.Sobol()
			if err != nil {
				return err
			}
			r, err := s.Analyse(y, &design.Bootstrap{Seed: sw.Seed})
			if err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
			fmt.Fprintln(tw, "parameter\tS1\t95% CI\tST\t95% CI\t")
			head = []string{"output", "arm", "parameter", "s1", "s1_ci95_low", "s1_ci95_high", "st", "st_ci95_low", "st_ci95_high"}
			for i, p := range params {
				fmt.Fprintf(tw, "%s\t%.3f\t[%.3f, %.3f]\t%.3f\t[%.3f, %.3f]\t\n", p, r.S1[i], r.S1Low[i], r.S1High[i], r.ST[i], r.STLow[i], r.STHigh[i])
				records = append(records, []any{out, arm, p, r.S1[i], r.S1Low[i], r.S1High[i], r.ST[i], r.STLow[i], r.STHigh[i]})
			}
			ch, err = reports.TornadoChart(name, fmt.Sprintf("Sobol indices of %s (%s)", out, arm),
				fmt.Sprintf("S1: share of the variance of %s a parameter explains alone; ST: with its interactions. 95%% bootstrap intervals; N = %d.", out, s.N),
				"share of variance", params, []reports.TornadoSeries{
					{Label: "ST (total)", Values: r.ST, Lo: r.STLow, Hi: r.STHigh},
					{Label: "S1 (first order)", Values: r.S1, Lo: r.S1Low, Hi: r.S1High}})
			if err != nil {
				return err
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		charts = append(charts, ch)
	}
	if o.Format != reports.FormatTable {
		if err := reports.WriteRecords(stdout, o.Format, head, records); err != nil {
			return err
		}
	}
	paths, err := reports.SaveCharts(pngDir, charts, o.Force)
	if err != nil {
		return inputOrError(err)
	}
	fmt.Fprintf(note, "\ntornado charts: %s\n", strings.Join(paths, ", "))
	return nil
}

// pointMeans is out of arm at every point of a sweep view, averaged over
// the replicates, in point order.
func pointMeans(ctx context.Context, db *store.DB, view, arm, out string, n int) ([]float64, error) {
	t, err := db.Query(ctx, fmt.Sprintf(`SELECT point, avg(CAST(%q AS DOUBLE)) FROM %s WHERE arm = '%s' GROUP BY point ORDER BY point`,
		out, view, strings.ReplaceAll(arm, "'", "''")))
	if err != nil {
		return nil, err
	}
	if len(t.Rows) != n {
		return nil, fmt.Errorf("sweep view %s has %d points of arm %s, want %d", view, len(t.Rows), arm, n)
	}
	y := make([]float64, n)
	for i, r := range t.Rows {
		v, ok := r[1].(float64)
		if !ok {
			return nil, fmt.Errorf("%s is NULL at point %d of arm %s; choose another output", out, i, arm)
		}
		y[i] = v
	}
	return y, nil
}

// inputOrError marks a refusal to overwrite as the user's to fix.
func inputOrError(err error) error {
	if errors.Is(err, reports.ErrExists) {
		return inputError{Err: err}
	}
	return err
}
