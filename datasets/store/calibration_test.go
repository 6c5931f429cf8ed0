package store

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// TestRunTotalsUntil: over all the run's days the horizon subquery is
// run_totals; over the first h days its sums are the daily rows' sums
// before day h, computed here from the Go rows.
func TestRunTotalsUntil(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "h.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res := synthResult(6, 3, 2)
	if _, err := db.WriteRun(ctx, testMeta(0), res); err != nil {
		t.Fatal(err)
	}
	cols := RunTotalsColumns()
	for _, c := range []string{"users_reacted", "status_visits", "follow_days", "sends_push", "conversations", "churn_per_1000"} {
		if !slices.Contains(cols, c) {
			t.Errorf("run_totals has no %s", c)
		}
	}
	all := scalar(t, db, "SELECT users_reacted + status_visits + follow_days FROM "+RunTotalsUntil(6)+" h")
	if want := scalar(t, db, "SELECT users_reacted + status_visits + follow_days FROM run_totals"); all != want {
		t.Errorf("over all days %v, run_totals %v", all, want)
	}
	var reacted, visits, followDays, push int64
	for _, d := range res.Daily[:3] {
		reacted += d.UsersReacted
		visits += d.StatusVisits
		followDays += d.ActiveFollows
		push += d.SendsPush
	}
	got := scalar(t, db, "SELECT [users_reacted, status_visits, follow_days, sends_push, days_recorded] FROM "+RunTotalsUntil(3)+" h")
	want := []any{reacted, visits, followDays, push, int64(3)}
	if g, ok := got.([]any); !ok || len(g) != 5 || g[0] != want[0] || g[1] != want[1] || g[2] != want[2] || g[3] != want[3] || g[4] != want[4] {
		t.Errorf("first 3 days: %v, want %v", got, want)
	}
}

// TestWriteCalibration: a calibration's rows replace the ones stored
// before under its id; NaN is stored as NULL.
func TestWriteCalibration(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	row := CalibrationRow{SweepID: "s1", Name: "s", Target: "a", Arm: "x", Output: "users", Observed: 0.1, Tolerance: 0.02,
		Fitted: 0.11, Inside: true, Dose: math.NaN(), DoseValue: math.NaN(), Source: "src", Parameters: "{}", Version: "v"}
	for i := 0; i < 2; i++ {
		if err := db.WriteCalibration(ctx, []CalibrationRow{row, row}); err != nil {
			t.Fatal(err)
		}
	}
	if n := scalar(t, db, "SELECT count(*) FROM calibration_fits WHERE dose IS NULL AND inside AND horizon_days IS NULL"); n != int64(2) {
		t.Errorf("%v rows, want 2", n)
	}
}
