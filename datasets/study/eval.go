package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment"
)

// Evaluator runs the model at points chosen one at a time (by an
// optimiser, a calibration or a scorecard), storing every run like a
// sweep's: point i of the sweep's id is the i-th evaluation, so a search
// started again with the same file retraces its steps over stored runs
// and resumes.
type Evaluator struct {
	opts  Options
	sweep *datasets.Sweep
	keys  map[string]bool

	DB   *store.DB          // the results database, open; close it when done
	ID   string             // the sweep's id: the batch of every run
	Arm  string             // the arm measured: the last of the base's
	Base *datasets.Scenario // the sweep's midpoint: its size and replicates
	// Next is the point number of the next evaluation: each set of
	// changes Measure runs counts one.
	Next int
	// For a calibration: each target's arm ("": Arm) and horizon in days
	// (0: the whole run), by set of changes.
	TargetArms []string
	Horizons   []int
	// Reps: Measure also returns each replicate's values.
	Reps bool
}

// NewEvaluator opens the database o.DB (created with its folder if
// missing) for the search sw, sealed from files outside it (the study's
// expressions run on it), and registers the search's sweep with its
// parameters' columns and extraCols. A sweep begun by another msgmon
// version is refused (CheckResumeVersion).
func NewEvaluator(ctx context.Context, o Options, sw *datasets.Sweep, extraCols []store.SweepColumn) (*Evaluator, error) {
	base, err := sw.Scenario(datasets.SweepPoint{Values: Midpoint(sw)})
	if err != nil {
		return nil, InputError{err}
	}
	arms := base.Arms()
	arm := arms[len(arms)-1].Name
	if err := CheckMemory(sw.Name, &base.Config); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return nil, err
	}
	db, err := OpenStore(ctx, o.DB, o.log())
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
	if _, err := RegisterSweep(ctx, db, meta); err != nil {
		db.Close()
		return nil, err
	}
	if err := CheckResumeVersion(ctx, db, o.DB, "optimization", meta.ID, o.Version); err != nil {
		db.Close()
		return nil, err
	}
	keys, err := db.RunKeys(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Evaluator{opts: o, sweep: sw, DB: db, ID: meta.ID, keys: keys, Arm: arm, Base: base}, nil
}

// Midpoint is the middle of the sweep's box (in each parameter's scale),
// as point values.
func Midpoint(sw *datasets.Sweep) []any {
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

// Measurement is the mean, standard deviation and count over replicates
// of each expression at one evaluated point.
type Measurement struct {
	Mean, SD []float64
	N        int
	// Reps are the expressions' values replicate by replicate (by
	// expression, in the order of the replicates' seeds), when asked for
	// (Evaluator.Reps): paired differences and ratios of two sets of
	// changes on the same seeds.
	Reps [][]float64
}

// Half is the half-width of the 95 % t-interval of expression i's mean
// (0 with fewer than two replicates).
func (m Measurement) Half(i int) float64 {
	if m.N < 2 {
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(m.N - 1)}.Quantile(0.975) * m.SD[i] / math.Sqrt(float64(m.N))
}

// Measure runs (or finds stored) the point x with each extra set of
// changes (one per calibration target; one empty set otherwise; labels,
// if not nil, name them in runs.params as "target") and returns, per set,
// the expressions exprs[j] over the arm's replicates. An expression that
// fails on run_totals is an InputError.
func (e *Evaluator) Measure(ctx context.Context, x []float64, extras [][]datasets.Override, labels []string, exprs [][]string) ([]Measurement, error) {
	vals := make([]any, len(x))
	for i, v := range x {
		vals[i] = v
	}
	var points []experiment.Point
	var idx []int
	par, wk := RunsAtOnce(e.opts.Parallel, e.opts.Workers, len(extras)*e.Base.Replicates, &e.Base.Config)
	for j, extra := range extras {
		pt := datasets.SweepPoint{Index: e.Next, Values: vals}
		e.Next++
		s, err := e.sweep.ScenarioWith(pt, extra)
		if err != nil {
			return nil, InputError{err}
		}
		params := map[string]any{}
		json.Unmarshal([]byte(e.sweep.PointParams(e.ID, pt)), &params)
		if labels != nil {
			params["target"] = labels[j]
		}
		pj, _ := json.Marshal(params)
		p, _, err := PointRuns(s, PointSetup{DB: e.DB, Batch: e.ID, Prefix: fmt.Sprintf("%s/p%d/", e.ID, pt.Index), Params: string(pj),
			Version: e.opts.Version, Arms: []string{e.ArmOf(j)}, Workers: wk, Stored: e.keys})
		if err != nil {
			return nil, err
		}
		points = append(points, p)
		idx = append(idx, pt.Index)
	}
	if err := experiment.RunPoints(ctx, points, par, nil); err != nil {
		return nil, err
	}
	out := make([]Measurement, len(extras))
	for j := range extras {
		sel := []string{"count(*)"}
		for _, ex := range exprs[j] {
			sel = append(sel, fmt.Sprintf("CAST(avg((%s)::DOUBLE) AS DOUBLE), CAST(stddev_samp((%s)::DOUBLE) AS DOUBLE)", ex, ex))
		}
		from := store.SweepView(e.sweep.Name)
		where := fmt.Sprintf("point = %d AND arm = '%s'", idx[j], strings.ReplaceAll(e.ArmOf(j), "'", "''"))
		if j < len(e.Horizons) && e.Horizons[j] > 0 {
			// The run's totals over its first horizon days.
			from = store.RunTotalsUntil(e.Horizons[j]) + " h"
			where = fmt.Sprintf("run_id IN (SELECT run_id FROM %s WHERE %s)", store.SweepView(e.sweep.Name), where)
		}
		t, err := e.DB.QueryReadOnly(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(sel, ", "), from, where))
		if store.IsOutsideError(err) {
			return nil, InputError{fmt.Errorf("%s: an output expression reached outside the database (%s): %s; outputs are SQL expressions over run_totals columns, which may not read or write files",
				e.sweep.File(), strings.Join(exprs[j], "; "), strings.TrimPrefix(err.Error(), "store: "))}
		}
		if err != nil {
			return nil, e.exprError(exprs[j], err)
		}
		m := Measurement{N: int(t.Rows[0][0].(int64))}
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
		if e.Reps {
			var sel []string
			for _, ex := range exprs[j] {
				sel = append(sel, fmt.Sprintf("CAST((%s)::DOUBLE AS DOUBLE)", ex))
			}
			t, err := e.DB.QueryReadOnly(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY replicate", strings.Join(sel, ", "), from, where))
			if err != nil {
				return nil, e.exprError(exprs[j], err)
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

// exprError is the InputError of output expressions exprs that DuckDB
// refused with err.
func (e *Evaluator) exprError(exprs []string, err error) error {
	return InputError{fmt.Errorf("%s: an output expression does not work on run_totals (%s): %w", e.sweep.File(), strings.Join(exprs, "; "), err)}
}

// ArmOf is the arm measured for the j-th set of changes.
func (e *Evaluator) ArmOf(j int) string {
	if j < len(e.TargetArms) && e.TargetArms[j] != "" {
		return e.TargetArms[j]
	}
	return e.Arm
}
