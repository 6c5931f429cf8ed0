package reports_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

const sweepID = "sweep-test-1"

// sweepDB stores a small comparison, then a sweep of three send rates
// (service only against paid push, 2 replicates per point), as msgmon
// sweep stores them: one batch, each point with its own scenario hash and
// params.
func sweepDB(t *testing.T) *store.DB { return sweepDBWith(t, true) }

// sweepDBWith stores the sweep, after the small comparison if comparison.
func sweepDBWith(t *testing.T, comparison bool) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if comparison {
		runSmallBatch(t, db, batch, 11)
	}
	rates := []float64{0.5, 2, 8}
	meta := store.SweepMeta{ID: sweepID, Name: "rates", File: "rates.yaml", Design: "grid", Replicates: 2,
		Columns: []store.SweepColumn{{Path: "business.sends_per_week_mean", Column: "sends_per_week_mean", Type: "DOUBLE"}}}
	for i, r := range rates {
		meta.Points = append(meta.Points, fmt.Sprintf(`{"point":%d,"sends_per_week_mean":%g,"sweep":"rates","sweep_id":%q}`, i, r, sweepID))
	}
	if _, err := db.RegisterSweep(ctx, meta); err != nil {
		t.Fatal(err)
	}
	for i, r := range rates {
		cfg := sim.DefaultConfig()
		cfg.Users, cfg.Businesses, cfg.Days = 1000, 20, 20
		cfg.Business.SendsPerWeekMean = r
		arms := defaultArms(t, "service_only", "paid_push")
		hash := fmt.Sprintf("h%d", i)
		sink := &store.Sink{DB: db, BatchID: sweepID, Scenario: "rates", ScenarioHash: hash, Version: "test",
			Params: meta.Points[i], KeyPrefix: fmt.Sprintf("%s/p%d/", sweepID, i)}
		if err := experiment.Run(ctx, experiment.Spec{Config: cfg, Arms: arms, Replicates: 2, Seed: 5}, hash, sink); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// A report on a sweep batch is a sweep report: one row per point and arm
// whose estimate is over that point's own two replicates (checked against
// SQL written here), never the points pooled as replicates; and no
// comparison pools them either.
func TestReportOfSweep(t *testing.T) {
	db := sweepDB(t)
	defer db.Close()
	ctx := context.Background()
	rep, err := reports.Build(ctx, db, reports.Selection{}, reports.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sweep == nil || rep.Comparison != nil {
		t.Fatalf("the latest batch is a sweep: want a sweep report, got comparison %v", rep.Comparison != nil)
	}
	if len(rep.Sweep.Rows) != 6 {
		t.Fatalf("%d rows, want 3 points x 2 arms", len(rep.Sweep.Rows))
	}
	tq := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 1}.Quantile(0.975)
	for _, row := range rep.Sweep.Rows {
		if row.Runs != 2 {
			t.Errorf("point %d %s: %d runs, want 2", row.Point, row.Arm, row.Runs)
		}
		where := fmt.Sprintf("batch_id = '%s' AND arm = '%s' AND CAST(params->>'point' AS INTEGER) = %d", sweepID, row.Arm, row.Point)
		for k, kpi := range reports.Headline() {
			mean := sqlFloat(t, db, "SELECT avg(CAST("+kpi.Column+" AS DOUBLE)) FROM run_totals WHERE "+where)
			sd := sqlFloat(t, db, "SELECT coalesce(stddev_samp(CAST("+kpi.Column+" AS DOUBLE)), 0) FROM run_totals WHERE "+where)
			e := row.KPI[k]
			if !near(e.Mean, mean) || (sd > 0 && !near(e.HalfWidth, tq*sd/math.Sqrt2)) {
				t.Errorf("point %d %s %s: %v ± %v, SQL %v ± %v", row.Point, row.Arm, kpi.Column, e.Mean, e.HalfWidth, mean, tq*sd/math.Sqrt2)
			}
		}
	}
	if got := rep.Sweep.Rows[2].Params[0]; got != 2.0 {
		t.Errorf("point 1's rate: %v, want 2", got)
	}
	var frontier int
	for _, p := range rep.Sweep.Pareto {
		if p.OnFrontier {
			frontier++
		}
	}
	if frontier == 0 {
		t.Error("no point on the Pareto frontier")
	}
	// The points' runs pair across points and arms: the same two seeds.
	for _, a := range rep.Sweep.Pareto {
		for _, b := range rep.Sweep.Pareto {
			if dc, _ := reports.PairedDiff(a, b); len(a.Runs) != 2 || dc.N != 2 {
				t.Errorf("%s %s against %s %s: %d runs, %d pairs; want 2 and 2", a.Label, a.Arm, b.Label, b.Arm, len(a.Runs), dc.N)
			}
		}
	}
	var buf bytes.Buffer
	pages, err := rep.WritePDF(&buf)
	if err != nil || pages < 4 {
		t.Errorf("PDF: %d pages, %v", pages, err)
	}
	if len(rep.Charts) != len(reports.Headline())+1 {
		t.Errorf("%d charts, want one per output and the frontier", len(rep.Charts))
	}

	// The comparison of the batch refuses to pool its points.
	_, err = reports.Compare(ctx, db, sweepID, "service_only", nil)
	var se *reports.SelectionError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "3 points of a sweep") {
		t.Errorf("comparison of a sweep batch: %v, want a refusal naming the points", err)
	}
	// So does a report of runs of several points and of another batch.
	_, err = reports.Build(ctx, db, reports.Selection{RunIDs: []int64{1, 7, 11}}, reports.Options{})
	if !errors.As(err, &se) {
		t.Errorf("report of runs of a comparison and two sweep points: %v, want a SelectionError", err)
	}
	// The comparison batch in the same database still makes a comparison.
	rep, err = reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{})
	if err != nil || rep.Comparison == nil || rep.Comparison.Rows[0].Replicates != 3 {
		t.Errorf("comparison report: %v", err)
	}
}

// The notebooks never read a sweep's points as replicates: with a
// comparison stored before a sweep they read the comparison and name it;
// with sweeps alone they stop with a message that says why. arm_summary
// keeps every point apart.
func TestNotebooksSkipSweeps(t *testing.T) {
	ctx := context.Background()
	db := sweepDB(t)
	defer db.Close()
	for _, f := range []string{"churn-by-segment.md", "revenue-sources.md", "business-winners.md"} {
		src, err := os.ReadFile(filepath.Join("..", "notebooks", f))
		if err != nil {
			t.Fatal(err)
		}
		nb, err := runNotebook(t, db, string(src), reports.RunOptions{RequireRows: true})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var first *store.Table
		for _, c := range nb.Cells {
			if c.Table != nil {
				first = c.Table
				break
			}
		}
		if first == nil || first.Columns[0] != "batch_id" {
			t.Fatalf("%s: the first table does not name the batch: %v", f, first)
		}
		for _, row := range first.Rows {
			if row[0] != batch {
				t.Errorf("%s: reads batch %v, want the comparison %s", f, row[0], batch)
			}
			for i, c := range first.Columns {
				if c == "replicates" && row[i].(int64) != 3 {
					t.Errorf("%s: %v replicates, want the comparison's 3", f, row[i])
				}
			}
		}
	}
	tb, err := db.Query(ctx, "SELECT point, arm, n_runs FROM arm_summary WHERE batch_id = '"+sweepID+"'")
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 6 {
		t.Errorf("arm_summary of the sweep: %d rows, want 3 points x 2 arms", len(tb.Rows))
	}
	for i, row := range tb.Rows {
		if row[0].(int32) != int32(i/2) || row[2].(int64) != 2 {
			t.Errorf("arm_summary row %d: %v, want point %d with 2 runs, in order", i, row, i/2)
		}
	}

	only := sweepDBWith(t, false)
	defer only.Close()
	src, err := os.ReadFile(filepath.Join("..", "notebooks", "churn-by-segment.md"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runNotebook(t, only, string(src), reports.RunOptions{}); err == nil || !strings.Contains(err.Error(), "holds only sweeps") {
		t.Errorf("a database of sweeps alone: %v, want the notebook's message", err)
	}
}
