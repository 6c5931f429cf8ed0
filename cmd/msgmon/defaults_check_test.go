package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
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
	if err != nil && exitCode(err, nil) != exitOutside {
		t.Fatal(err)
	}
	// A target outside its tolerance (exit 4) is reported below, each
	// with its figures.
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

// TestEmbeddedPlausibleStillFits runs the calibration's check at vectors
// of the embedded plausible set (datasets/plausible/scorecard.csv, the
// one msgmon robust uses by default): the one of largest weight and the
// one farthest from the data. Each must still meet every target within
// its tolerance, as it did when ABC accepted it; if the model has changed
// so that one does not, draw the set again (the command is in the file's
// comments and in README, "How much to trust the numbers").
func TestEmbeddedPlausibleStillFits(t *testing.T) {
	ps, err := datasets.EmbeddedPlausible("scorecard")
	if err != nil {
		t.Fatal(err)
	}
	heaviest, farthest := 0, 0
	for i, v := range ps.Vectors {
		if v.Weight > ps.Vectors[heaviest].Weight {
			heaviest = i
		}
		if v.Distance > ps.Vectors[farthest].Distance {
			farthest = i
		}
	}
	dir := t.TempDir()
	for _, i := range []int{heaviest, farthest} {
		v := ps.Vectors[i]
		var ov strings.Builder
		for k, p := range ps.Paths {
			fmt.Fprintf(&ov, "%s: %v\n", p, v.Values[k])
		}
		ovFile := writeFile(t, dir, fmt.Sprintf("v%d.yaml", v.ID), ov.String())
		db := filepath.Join(dir, fmt.Sprintf("v%d.duckdb", v.ID))
		if _, _, err := msgmon(t, context.Background(), "calibrate", "--check", "--no-report", "--overlay", ovFile,
			filepath.Join("..", "..", "datasets", "studies", "scorecard.yaml"), "--db", db); err != nil && exitCode(err, nil) != exitOutside {
			t.Fatal(err)
		}
		var d float64
		for _, r := range fitRows(t, db, "scorecard-fit") {
			d = max(d, math.Abs(r.fitted-r.observed)/r.tol)
		}
		t.Logf("vector %d (weight %.3f): distance %.3f now, %.3f when accepted", v.ID, v.Weight, d, v.Distance)
		if d > 1 {
			t.Errorf("vector %d of the plausible set is at distance %.3f from the data (accepted at %.3f): draw the set again", v.ID, d, v.Distance)
		}
	}
}
