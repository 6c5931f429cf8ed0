package main

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// TestCalibratedDefaultsCheck runs the calibration's check (no search) on
// the defaults: with sim.DefaultConfig and default.yaml as they are, each
// target of datasets/studies/push-disable.yaml is within the tolerance
// its source gives (the survey's 95 % sampling interval, the WeChat range,
// the rounding of the Meta figures: datasets/calibration/behaviour.csv),
// and every push target's run delivered the dose the survey names, within
// 5 % (what users received, not what was scheduled).
func TestCalibratedDefaultsCheck(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.duckdb")
	out, _, err := msgmon(t, context.Background(), "calibrate", "--check", "--no-report",
		filepath.Join("..", "..", "datasets", "studies", "push-disable.yaml"), "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	rows := fitRows(t, db, "push-disable")
	if len(rows) != 6 {
		t.Fatalf("%d targets, want 6", len(rows))
	}
	for _, r := range rows {
		if !r.inside || math.Abs(r.fitted-r.observed) > r.tol {
			t.Errorf("%s: the defaults give %.4f, the source %.4f ± %.3g", r.target, r.fitted, r.observed, r.tol)
		}
		if !math.IsNaN(r.dv) && math.Abs(r.dose/r.dv-1) > 0.05 {
			t.Errorf("%s: delivered %.3f a follow-week, the survey's dose is %v", r.target, r.dose, r.dv)
		}
	}
}
