package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

type optimizeOptions struct {
	sweepOptions
}

func newOptimizeCommand() *cobra.Command {
	var o optimizeOptions
	c := &cobra.Command{
		Use:   "optimize FILE.yaml",
		Short: "Find the policy that maximises an output subject to constraints",
		Long: `Optimize searches policy parameters (ranges in a sweep file with design:
optimize) for the best value of an objective, subject to constraints, with
gonum's Nelder-Mead on common random numbers: every candidate runs the same
replicates with the same seeds, so two candidates differ by their policy,
not by chance.

  design: optimize
  arms: [paid_push]                        # the arm measured (default: the last)
  replicates: 4
  budget: 60                               # evaluations at most
  objective: {maximize: platform_revenue_usd}
  constraints:
    # at most 5 % of follows lost to annoyance a year (lapses aside)
    - {output: 1000.0 * (unfollows_annoyed + follows_blocked) / follows_exposed, max: 50}
  parameters:
    - {path: models.paid_push.user_marketing_cap_per_day, min: 1, max: 5, integer: true}

Outputs are SQL expressions over run_totals columns, averaged over the
replicates. A constraint must hold for its 95 % confidence bound (the upper
bound for max:, the lower for min:), so that the policy keeps it on fresh
seeds; the command re-runs the best policy with fresh seeds and says whether
it does. Every evaluation is stored; an interrupted search resumes. When no
policy tried meets every constraint, the report shows the one that comes
closest and msgmon exits with status 3.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOptimize(cmd.Context(), &o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short)")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	return c
}

func loadSearch(path, want string) (*datasets.Sweep, error) {
	sw, err := datasets.LoadSweep(path)
	if err != nil {
		var se *datasets.ScenarioError
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, inputError{Err: err}
	}
	if sw.Design != want {
		return nil, usageErr("%s: design is %s; msgmon %s needs design: %s", path, sw.Design, map[string]string{"optimize": "optimize", "calibrate": "calibrate"}[want], want)
	}
	return sw, nil
}

func runOptimize(ctx context.Context, o *optimizeOptions, path string, stdout, stderr io.Writer) error {
	sw, err := loadSearch(path, "optimize")
	if err != nil {
		return err
	}
	if err := checkPaths(studyReads(sw), dbArgs(o.DB)); err != nil {
		return err
	}
	ev, err := study.NewEvaluator(ctx, studyOptions(o.DB, o.Parallel, o.Workers, false, nil, stderr), sw, nil)
	if err != nil {
		return err
	}
	defer ev.DB.Close()
	obj, sign := sw.Objective.Maximize, 1.0
	if obj == "" {
		obj, sign = sw.Objective.Minimize, -1
	}
	exprs := []string{obj}
	for _, c := range sw.Constraints {
		exprs = append(exprs, c.Output)
	}
	// g_j <= 0 is the constraint on its 95 % bound.
	bounds := func(m study.Measurement) []float64 {
		g := make([]float64, len(sw.Constraints))
		for j, c := range sw.Constraints {
			h := m.Half(1 + j)
			if c.Max != nil {
				g[j] = m.Mean[1+j] + h - *c.Max
			} else {
				g[j] = *c.Min - (m.Mean[1+j] - h)
			}
		}
		return g
	}
	t0 := time.Now()
	fn := func(x []float64) (float64, []float64, error) {
		ms, err := ev.Measure(ctx, x, [][]datasets.Override{nil}, nil, [][]string{exprs})
		if err != nil {
			return 0, nil, err
		}
		m := ms[0]
		if math.IsNaN(m.Mean[0]) {
			return math.NaN(), bounds(m), nil
		}
		if isTerminal(stderr) {
			fmt.Fprintf(stderr, "\revaluation %d: %s = %.4g", ev.Next, obj, m.Mean[0])
		}
		return sign * m.Mean[0], bounds(m), nil
	}
	best, err := design.Maximize(sw.Box(), fn, nil, &design.MaximizeSettings{MaxEvaluations: sw.Budget, Tolerance: 1e-4})
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	// The best point again, to report its interval, and on fresh seeds.
	at, err := ev.Measure(ctx, best.X, [][]datasets.Override{nil}, nil, [][]string{exprs})
	if err != nil {
		return err
	}
	base, err := sw.Scenario(datasets.SweepPoint{Values: study.Midpoint(sw)})
	if err != nil {
		return err
	}
	fresh, err := ev.Measure(ctx, best.X, [][]datasets.Override{{{Path: "seed", Value: int64(base.Seed ^ sim.FreshSeedXOR)}}}, nil, [][]string{exprs})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Optimize %s (%s): %s %s of arm %s; %d evaluations of %d replicates in %s; converged: %v; feasible: %v\n\n",
		sw.Name, ev.ID, map[float64]string{1: "maximise", -1: "minimise"}[sign], obj, ev.Arm, best.Evaluations, at[0].N,
		time.Since(t0).Round(time.Second), best.Converged, best.Feasible)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parameter\tbest\trange\t")
	for i, p := range sw.Parameters {
		b := sw.Box()[i]
		fmt.Fprintf(tw, "%s\t%.6g\t[%g, %g]\t\n", p.Path, best.X[i], b.Lo, b.Hi)
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "output\tmean ± 95% CI\tfresh seeds\tlimit\tfresh mean within\t")
	fmt.Fprintf(tw, "%s (objective)\t%.6g ± %.3g\t%.6g ± %.3g\t\t\t\n", obj, at[0].Mean[0], at[0].Half(0), fresh[0].Mean[0], fresh[0].Half(0))
	for j, c := range sw.Constraints {
		m := fresh[0].Mean[1+j]
		holds := (c.Max != nil && m <= *c.Max) || (c.Min != nil && m >= *c.Min)
		limit := "<= "
		if c.Max != nil {
			limit += fmt.Sprint(*c.Max)
		} else {
			limit = ">= " + fmt.Sprint(*c.Min)
		}
		fmt.Fprintf(tw, "%s\t%.6g ± %.3g\t%.6g ± %.3g\t%s\t%v\t\n", c.Output, at[0].Mean[1+j], at[0].Half(1+j),
			fresh[0].Mean[1+j], fresh[0].Half(1+j), limit, holds)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nevery evaluation is stored: msgmon query --db %s \"SELECT * FROM %s\"\n", o.DB, store.SweepView(sw.Name))
	if !best.Feasible {
		return infeasibleError{fmt.Errorf("%s: none of the %d policies tried meets every constraint at its 95 %% bound (the best above comes closest); "+
			"loosen a constraint, widen a parameter's range, or raise budget or replicates", path, best.Evaluations)}
	}
	return nil
}
