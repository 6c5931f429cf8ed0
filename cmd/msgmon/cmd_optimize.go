package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

// evaluator runs the model at points chosen one at a time (by an optimiser
// or a calibration), storing every run like a sweep's: point i of the
// sweep's id is the i-th evaluation, so a search started again with the
// same file retraces its steps over stored runs and resumes.
type evaluator struct {
	o    *sweepOptions
	sw   *datasets.Sweep
	db   *store.DB
	id   string
	keys map[string]bool
	arm  string
	next int
	base *datasets.Scenario // the sweep's midpoint: its size and replicates
	// For a calibration: each target's arm ("": arm) and horizon in days
	// (0: the whole run), by target.
	targetArms []string
	horizons   []int
	// reps: measure also returns each replicate's values.
	reps bool
}

func newEvaluator(ctx context.Context, o *sweepOptions, sw *datasets.Sweep, extraCols []store.SweepColumn) (*evaluator, error) {
	base, err := sw.Scenario(datasets.SweepPoint{Values: midpoint(sw)})
	if err != nil {
		return nil, inputError{err}
	}
	arms := base.Arms()
	arm := arms[len(arms)-1].Name
	if err := checkMemory(sw.Name, &base.Config); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return nil, err
	}
	db, err := openStore(ctx, o.DB, os.Stderr)
	if err != nil {
		return nil, err
	}
	// The study's expressions (objective, constraints, targets) run on
	// this database: they may read it, and reach nothing outside it.
	if err := db.SealOutside(ctx); err != nil {
		db.Close()
		return nil, err
	}
	spec, _ := os.ReadFile(sw.File())
	meta := store.SweepMeta{ID: sw.ID(), Name: sw.Name, File: sw.File(), Design: sw.Design, Replicates: base.Replicates, Spec: string(spec)}
	for i, p := range sw.Parameters {
		meta.Columns = append(meta.Columns, store.SweepColumn{Path: p.Path, Column: sw.Columns()[i], Type: "DOUBLE"})
	}
	meta.Columns = append(meta.Columns, extraCols...)
	if _, err := registerSweep(ctx, db, meta); err != nil {
		db.Close()
		return nil, err
	}
	if err := checkResumeVersion(ctx, db, o.DB, "optimization", meta.ID); err != nil {
		db.Close()
		return nil, err
	}
	keys, err := db.RunKeys(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &evaluator{o: o, sw: sw, db: db, id: meta.ID, keys: keys, arm: arm, base: base}, nil
}

func midpoint(sw *datasets.Sweep) []any {
	b := sw.Box()
	u := make([]float64, len(b))
	for i := range u {
		u[i] = 0.5
	}
	x := b.FromUnit(nil, u)
	vals := make([]any, len(x))
	for i, v := range x {
		vals[i] = v
	}
	return vals
}

// measurement is the mean, standard deviation and count over replicates of
// each expression at one evaluated point.
type measurement struct {
	Mean, SD []float64
	N        int
	// Reps are the expressions' values replicate by replicate (by
	// expression, in the order of the replicates' seeds), when asked for
	// (evaluator.reps): paired differences and ratios of two sets of
	// changes on the same seeds.
	Reps [][]float64
}

// upper and lower are the 95 % t-interval bounds of expression i.
func (m measurement) half(i int) float64 {
	if m.N < 2 {
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(m.N - 1)}.Quantile(0.975) * m.SD[i] / math.Sqrt(float64(m.N))
}

// measure runs (or finds) the point x with each extra set of changes (one
// per calibration target; one empty set otherwise) and returns, per set, the
// expressions over the arm's replicates.
func (e *evaluator) measure(ctx context.Context, x []float64, extras [][]datasets.Override, labels []string, exprs [][]string) ([]measurement, error) {
	vals := make([]any, len(x))
	for i, v := range x {
		vals[i] = v
	}
	var points []experiment.Point
	var idx []int
	par, wk := runsAtOnce(e.o.Parallel, e.o.Workers, len(extras)*e.base.Replicates, &e.base.Config)
	for j, extra := range extras {
		pt := datasets.SweepPoint{Index: e.next, Values: vals}
		e.next++
		s, err := e.sw.ScenarioWith(pt, extra)
		if err != nil {
			return nil, inputError{err}
		}
		spec, err := s.Spec()
		if err != nil {
			return nil, err
		}
		arm := e.armOf(j)
		keep := spec.Arms[:0]
		for _, a := range spec.Arms {
			if a.Name == arm {
				keep = append(keep, a)
			}
		}
		spec.Arms, spec.Workers = keep, wk
		hash, err := s.Hash()
		if err != nil {
			return nil, err
		}
		js, _ := s.JSON()
		prefix := fmt.Sprintf("%s/p%d/", e.id, pt.Index)
		spec.Skip = func(k string) bool { return e.keys[prefix+k] }
		params := map[string]any{}
		json.Unmarshal([]byte(e.sw.PointParams(e.id, pt)), &params)
		if labels != nil {
			params["target"] = labels[j]
		}
		pj, _ := json.Marshal(params)
		sink := &store.Sink{DB: e.db, BatchID: e.id, Scenario: e.sw.Name, ScenarioHash: hash, ScenarioJSON: string(js),
			Version: version(), Params: string(pj), KeyPrefix: prefix}
		points = append(points, experiment.Point{Spec: spec, Hash: hash, Sink: sink})
		idx = append(idx, pt.Index)
	}
	if err := experiment.RunPoints(ctx, points, par, nil); err != nil {
		return nil, err
	}
	out := make([]measurement, len(extras))
	for j := range extras {
		sel := []string{"count(*)"}
		for _, ex := range exprs[j] {
			sel = append(sel, fmt.Sprintf("CAST(avg((%s)::DOUBLE) AS DOUBLE), CAST(stddev_samp((%s)::DOUBLE) AS DOUBLE)", ex, ex))
		}
		from := store.SweepView(e.sw.Name)
		where := fmt.Sprintf("point = %d AND arm = '%s'", idx[j], strings.ReplaceAll(e.armOf(j), "'", "''"))
		if j < len(e.horizons) && e.horizons[j] > 0 {
			// The run's totals over its first horizon days.
			from = store.RunTotalsUntil(e.horizons[j]) + " h"
			where = fmt.Sprintf("run_id IN (SELECT run_id FROM %s WHERE %s)", store.SweepView(e.sw.Name), where)
		}
		t, err := e.db.QueryReadOnly(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(sel, ", "), from, where))
		if store.IsOutsideError(err) {
			return nil, inputError{fmt.Errorf("%s: an output expression reached outside the database (%s): %s; outputs are SQL expressions over run_totals columns, which may not read or write files",
				e.sw.File(), strings.Join(exprs[j], "; "), strings.TrimPrefix(err.Error(), "store: "))}
		}
		if err != nil {
			return nil, inputError{fmt.Errorf("%s: an output expression does not work on run_totals (%s): %w", e.sw.File(), strings.Join(exprs[j], "; "), err)}
		}
		m := measurement{N: int(t.Rows[0][0].(int64))}
		for k := range exprs[j] {
			mean, _ := t.Rows[0][1+2*k].(float64)
			sd, ok := t.Rows[0][2+2*k].(float64)
			if t.Rows[0][1+2*k] == nil {
				mean = math.NaN()
			}
			if !ok {
				sd = 0
			}
			m.Mean, m.SD = append(m.Mean, mean), append(m.SD, sd)
		}
		if e.reps {
			var sel []string
			for _, ex := range exprs[j] {
				sel = append(sel, fmt.Sprintf("CAST((%s)::DOUBLE AS DOUBLE)", ex))
			}
			t, err := e.db.QueryReadOnly(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY replicate", strings.Join(sel, ", "), from, where))
			if err != nil {
				return nil, inputError{fmt.Errorf("%s: an output expression does not work on run_totals (%s): %w", e.sw.File(), strings.Join(exprs[j], "; "), err)}
			}
			m.Reps = make([][]float64, len(exprs[j]))
			for _, row := range t.Rows {
				for k := range exprs[j] {
					v, ok := row[k].(float64)
					if !ok {
						v = math.NaN()
					}
					m.Reps[k] = append(m.Reps[k], v)
				}
			}
		}
		out[j] = m
	}
	return out, nil
}

// armOf is the arm measured for the j-th set of changes.
func (e *evaluator) armOf(j int) string {
	if j < len(e.targetArms) && e.targetArms[j] != "" {
		return e.targetArms[j]
	}
	return e.arm
}

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
		return nil, inputError{err}
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
	ev, err := newEvaluator(ctx, &o.sweepOptions, sw, nil)
	if err != nil {
		return err
	}
	defer ev.db.Close()
	obj, sign := sw.Objective.Maximize, 1.0
	if obj == "" {
		obj, sign = sw.Objective.Minimize, -1
	}
	exprs := []string{obj}
	for _, c := range sw.Constraints {
		exprs = append(exprs, c.Output)
	}
	// g_j <= 0 is the constraint on its 95 % bound.
	bounds := func(m measurement) []float64 {
		g := make([]float64, len(sw.Constraints))
		for j, c := range sw.Constraints {
			h := m.half(1 + j)
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
		ms, err := ev.measure(ctx, x, [][]datasets.Override{nil}, nil, [][]string{exprs})
		if err != nil {
			return 0, nil, err
		}
		m := ms[0]
		if math.IsNaN(m.Mean[0]) {
			return math.NaN(), bounds(m), nil
		}
		if isTerminal(stderr) {
			fmt.Fprintf(stderr, "\revaluation %d: %s = %.4g", ev.next, obj, m.Mean[0])
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
	at, err := ev.measure(ctx, best.X, [][]datasets.Override{nil}, nil, [][]string{exprs})
	if err != nil {
		return err
	}
	base, err := sw.Scenario(datasets.SweepPoint{Values: midpoint(sw)})
	if err != nil {
		return err
	}
	fresh, err := ev.measure(ctx, best.X, [][]datasets.Override{{{Path: "seed", Value: int64(base.Seed ^ 0x5eed5eed)}}}, nil, [][]string{exprs})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Optimize %s (%s): %s %s of arm %s; %d evaluations of %d replicates in %s; converged: %v; feasible: %v\n\n",
		sw.Name, ev.id, map[float64]string{1: "maximise", -1: "minimise"}[sign], obj, ev.arm, best.Evaluations, at[0].N,
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
	fmt.Fprintf(tw, "%s (objective)\t%.6g ± %.3g\t%.6g ± %.3g\t\t\t\n", obj, at[0].Mean[0], at[0].half(0), fresh[0].Mean[0], fresh[0].half(0))
	for j, c := range sw.Constraints {
		m := fresh[0].Mean[1+j]
		holds := (c.Max != nil && m <= *c.Max) || (c.Min != nil && m >= *c.Min)
		limit := "<= "
		if c.Max != nil {
			limit += fmt.Sprint(*c.Max)
		} else {
			limit = ">= " + fmt.Sprint(*c.Min)
		}
		fmt.Fprintf(tw, "%s\t%.6g ± %.3g\t%.6g ± %.3g\t%s\t%v\t\n", c.Output, at[0].Mean[1+j], at[0].half(1+j),
			fresh[0].Mean[1+j], fresh[0].half(1+j), limit, holds)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nevery evaluation is stored: msgmon query --db %s \"SELECT * FROM %s\"\n", o.DB, store.SweepView(sw.Name))
	if !best.Feasible {
		return infeasibleError{fmt.Errorf("%s: none of the %d policies tried meets every constraint at its 95 %% bound (the best above comes closest); "+
			"loosen a constraint, widen a parameter's range, or raise budget or replicates", path, best.Evaluations)}
	}
	return nil
}
