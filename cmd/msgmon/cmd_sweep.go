package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/reports"
)

type sweepOptions struct {
	DB       string
	Parallel int
	Workers  int
	Quiet    bool
	DryRun   bool
	Format   string
	Shard    shardOptions
}

func newSweepCommand() *cobra.Command {
	var o sweepOptions
	c := &cobra.Command{
		Use:   "sweep SWEEP.yaml",
		Short: "Run a scenario over a grid, Latin hypercube or random sample of parameters",
		Long: `Sweep runs a base scenario at every point of a design over the parameters
the sweep file names (a grid of values, a Latin hypercube or random points),
each point for its replicates with the same seeds (common random numbers),
several points at a time. Every run is stored with its point's parameters
(runs.params); the views sweep_<name> (one row per run, the parameters as
columns next to the results) and sweep_<name>_summary (one row per point and
arm) show them.

A sweep resumes: started again after an interruption, it skips the runs
already stored and ends with the same rows as one uninterrupted sweep. A
changed sweep file is a new sweep.

Sweep file:

  name: pushes-per-week
  scenario: default              # embedded scenario, or a file next to this one
  set: {users: 5000, days: 120}  # fixed changes to the base, by key path
  arms: [service_only, paid_push]
  replicates: 4
  design: grid                   # grid, lhs or random (points: N, seed: S)
  parameters:
    - path: business.sends_per_week_mean
      values: [0.5, 1, 2, 4, 8]
    - path: user.tolerance_median
      min: 1
      max: 5
      levels: 3                  # grid; scale: log and integer: true also work`,
		Example: `  msgmon sweep sweep.yaml
  msgmon sweep --dry-run sweep.yaml          # list the points, run nothing
  msgmon sweep --parallel 2 --db sweeps.duckdb sweep.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Shard.apply(&o.DB, cmd.ErrOrStderr()); err != nil {
				return err
			}
			return runSweep(cmd.Context(), &o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	c.Flags().StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	c.Flags().IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short); results do not depend on it")
	c.Flags().IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	c.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar")
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "check the sweep and list its points; run nothing")
	addFormatFlag(c.Flags(), &o.Format)
	o.Shard.AddFlags(c.Flags())
	return c
}

// sweepPlan is a loaded sweep with every point's scenario.
type sweepPlan struct {
	sweep  *datasets.Sweep
	points []datasets.SweepPoint
	scen   []*datasets.Scenario
}

func loadSweep(path string) (*sweepPlan, error) {
	sw, err := datasets.LoadSweep(path)
	if err != nil {
		var se *datasets.ScenarioError
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, inputError{Err: err}
	}
	pts, err := sw.PointsOf()
	if err != nil {
		return nil, inputError{Err: err}
	}
	plan := &sweepPlan{sweep: sw, points: pts}
	for _, pt := range pts {
		s, err := sw.Scenario(pt)
		if err != nil {
			return nil, inputError{Err: err}
		}
		plan.scen = append(plan.scen, s)
	}
	return plan, nil
}

func runSweep(ctx context.Context, o *sweepOptions, path string, stdout, stderr io.Writer) error {
	if o.Parallel < 0 || o.Workers < 0 {
		return usageErr("--parallel and --workers must be 0 or more")
	}
	plan, err := loadSweep(path)
	if err != nil {
		return err
	}
	if err := checkPaths(studyReads(plan.sweep), dbArgs(o.DB)); err != nil {
		return err
	}
	sw := plan.sweep
	id := sw.ID()
	runs := 0
	for _, s := range plan.scen {
		runs += s.Replicates * len(s.Arms())
	}
	if o.DryRun {
		fmt.Fprintf(stdout, "sweep %s (%s): %d points, %d runs, design %s\n", sw.Name, id, len(plan.points), runs, sw.Design)
		need := int64(0)
		for _, s := range plan.scen {
			need = max(need, study.PeakMemory(&s.Config))
		}
		fmt.Fprintf(stdout, "a run needs up to about %d MiB of memory (a shard task: that times the runs it makes at a time)\n\n", need>>20)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "point\t"+strings.Join(sw.Columns(), "\t")+"\t")
		for _, pt := range plan.points {
			cells := []string{fmt.Sprint(pt.Index)}
			for _, v := range pt.Values {
				cells = append(cells, fmt.Sprint(v))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		return tw.Flush()
	}
	db, err := executeSweep(ctx, o, plan, path, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.Shard.run != nil {
		o.Shard.shardDone(stdout, o.DB)
		return nil
	}
	rows, err := reports.SweepSummary(ctx, db, sw.Name, sw.Columns())
	if err != nil {
		return err
	}
	note := notes(o.Format, stdout, stderr)
	fmt.Fprintf(note, "Sweep %s (%s): mean ± 95%% CI over each point's replicates\n\n", sw.Name, id)
	if err := reports.WriteSweepFormat(stdout, o.Format, sw.Columns(), rows); err != nil {
		return err
	}
	view := store.SweepView(sw.Name)
	fmt.Fprintf(note, "\n%d runs of %d points stored in %s; query them with: msgmon query --db %s \"SELECT * FROM %s\" (one row per run) or %s_summary\n",
		runs, len(plan.points), o.DB, o.DB, view, view)
	return nil
}

// executeSweep runs (or resumes) every point of the plan into the database
// and returns it open; close it when done.
func executeSweep(ctx context.Context, o *sweepOptions, plan *sweepPlan, path string, stderr io.Writer) (*store.DB, error) {
	sw := plan.sweep
	id := sw.ID()
	runs := 0
	for _, s := range plan.scen {
		runs += s.Replicates * len(s.Arms())
	}
	spec, _ := os.ReadFile(path)
	meta := store.SweepMeta{ID: id, Name: sw.Name, File: path, Design: sw.Design, Replicates: plan.scen[0].Replicates, Spec: string(spec)}
	for i, p := range sw.Parameters {
		typ := "DOUBLE"
		if len(p.Values) > 0 {
			switch p.Values[0].(type) {
			case string:
				typ = "VARCHAR"
			case bool:
				typ = "BOOLEAN"
			}
		}
		meta.Columns = append(meta.Columns, store.SweepColumn{Path: p.Path, Column: sw.Columns()[i], Type: typ})
	}
	st := study.Study{Meta: meta, Kind: "sweep", Scenarios: plan.scen,
		Status: fmt.Sprintf("%s: %d points, %d runs, %%d at a time", sw.Name, len(plan.points), runs)}
	for _, pt := range plan.points {
		st.Meta.Points = append(st.Meta.Points, sw.PointParams(id, pt))
		st.Index = append(st.Index, pt.Index)
	}
	return study.Execute(ctx, studyOptions(o.DB, o.Parallel, o.Workers, o.Quiet, &o.Shard, stderr), st)
}
