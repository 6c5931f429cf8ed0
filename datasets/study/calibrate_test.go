package study_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	_ "github.com/msgmon/msgmon/models" // registers the monetization models
)

// recoveryStudy writes testdata/recovery.yaml, a small push-disable
// study (three doses, 28 days), with the three targets' values into dir
// and returns its path.
func recoveryStudy(t *testing.T, dir string, values [3]float64) string {
	t.Helper()
	b, err := os.ReadFile("testdata/recovery.yaml")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("VALUE0", fmt.Sprint(values[0]), "VALUE1", fmt.Sprint(values[1]), "VALUE2", fmt.Sprint(values[2])).Replace(string(b))
	path := filepath.Join(dir, "recovery.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// calibrate runs the calibration study at path into db as msgmon
// calibrate does: overlay ("": none) on the base, check (no search) or a
// fit, and the plausible set of abc when it asks for one. The database
// is returned open with the calibration: close it before the next.
func calibrate(t *testing.T, db, path, overlay string, check bool, abc study.ABCOptions) (*study.Calibration, *store.DB) {
	t.Helper()
	ctx := context.Background()
	sw, err := datasets.LoadSweep(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.CheckOutputs(store.RunTotalsColumns()); err != nil {
		t.Fatal(err)
	}
	if overlay != "" {
		ov, err := datasets.ReadOverlay(overlay)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ov.ApplyWith(sw.BaseName(), sw.BaseData(), sw.SetOverrides()); err != nil {
			t.Fatal(err)
		}
		sw.ApplyOverlay(ov)
	}
	if check {
		sw.AsCheck()
	}
	if err := abc.Check(sw, true); err != nil {
		t.Fatal(err)
	}
	ev, err := study.NewEvaluator(ctx, study.Options{DB: db, Version: "test"}, sw,
		[]store.SweepColumn{{Path: "target", Column: "target", Type: "VARCHAR"}})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := study.Calibrate(ctx, ev, sw, check)
	if err != nil {
		t.Fatal(err)
	}
	cal.File = path
	if err := ev.DB.WriteCalibration(ctx, cal.Rows()); err != nil {
		t.Fatal(err)
	}
	if s := abc.Settings(); s != nil {
		if err := cal.DrawPlausible(s, nil); err != nil {
			t.Fatal(err)
		}
		if err := ev.DB.WritePlausible(ctx, ev.ID, cal.PlausibleRows()); err != nil {
			t.Fatal(err)
		}
	}
	return cal, ev.DB
}

// TestCalibrationRecoversKnownParameters: "survey" targets simulated from
// known parameters (react_rate 0.08, react_shape 0.8, neither the default
// nor the middle of the box) are fitted again: every target within 0.01
// (the tolerance given), react_shape within ±0.25 and react_rate within a
// factor 1.3 (the two trade off along a ridge, which three doses pin down
// only that far). The fit's overlay, applied to the study's base,
// reproduces the fitted figures exactly (same seeds, same values), and
// the plausible set drawn from it covers the truth.
func TestCalibrationRecoversKnownParameters(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	truth := filepath.Join(dir, "truth.yaml")
	if err := os.WriteFile(truth, []byte("behaviour:\n  react_rate: 0.08\n  react_shape: 0.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := recoveryStudy(t, dir, [3]float64{0.5, 0.5, 0.5})
	// The study's placeholder targets (0.5 ± 0.01) are not met at the
	// truth: the check says so, and measures the survey.
	cal, s := calibrate(t, db, path, truth, true, study.ABCOptions{})
	if out := cal.Outside(); len(out) != 3 {
		t.Errorf("targets outside at the truth: %v, want all three (%s)", out, cal.DescribeOutside(out))
	}
	s.Close()
	y := [3]float64(cal.Fit.Outputs)
	t.Logf("simulated survey at react_rate 0.08, react_shape 0.8: %v", y)
	if !(y[0] < y[1] && y[1] < y[2]) {
		t.Fatalf("the simulated shares do not rise with the dose: %v", y)
	}
	path = recoveryStudy(t, dir, y)
	fit, s := calibrate(t, db, path, "", false, study.ABCOptions{})
	s.Close()
	for _, r := range fit.Rows() {
		if math.Abs(r.Fitted-r.Observed) > 0.01 || !r.Inside {
			t.Errorf("%s: fitted %.4f, simulated %.4f", r.Target, r.Fitted, r.Observed)
		}
	}
	if rate, shape := fit.Fit.X[0], fit.Fit.X[1]; math.Abs(shape-0.8) > 0.25 || math.Abs(math.Log(rate/0.08)) > math.Log(1.3) {
		t.Errorf("fitted react_rate %v, react_shape %v; the truth is 0.08 and 0.8", rate, shape)
	}
	ov, err := fit.Overlay()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ov), "# Study "+path) || strings.Contains(string(ov), "users:") {
		t.Errorf("the overlay should name its study and set only fitted keys:\n%s", ov)
	}
	saved := filepath.Join(dir, "fitted.yaml")
	if err := os.WriteFile(saved, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	// The overlay on the study's base reproduces the fit; the plausible
	// set from there covers the truth: each parameter's weighted
	// 2.5–97.5 % range over the set holds it, and every vector of the set
	// meets every target within twice its tolerance (epsilon 2: the
	// recovery's tolerance of 0.01 is tight, and a test has no time for
	// the evaluations a lower acceptance rate costs).
	again, s := calibrate(t, db, path, saved, true, study.ABCOptions{Plausible: 12, Epsilon: 2, Generations: 2, Scale: 0.05})
	defer s.Close()
	for i := range fit.Fit.Outputs {
		if math.Abs(again.Fit.Outputs[i]-fit.Fit.Outputs[i]) > 1e-4 {
			t.Errorf("%s: the overlay gives %.6f, the fit %.6f", path, again.Fit.Outputs[i], fit.Fit.Outputs[i])
		}
	}
	csv, err := again.PlausibleCSV("plausible.csv")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := datasets.ParsePlausible("plausible.csv", csv)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Vectors) != 12 {
		t.Fatalf("%d plausible vectors, want 12", len(ps.Vectors))
	}
	for i, truth := range []float64{0.08, 0.8} {
		x, w := make([]float64, len(ps.Vectors)), make([]float64, len(ps.Vectors))
		for k, v := range ps.Vectors {
			if v.Distance > 2 {
				t.Errorf("vector %d at distance %v > 2", v.ID, v.Distance)
			}
			x[k], w[k] = v.Values[i], v.Weight
		}
		q := study.WeightedQuantiles(x, w, 0.025, 0.975)
		t.Logf("%s: truth %v, plausible range %.4g to %.4g", ps.Paths[i], truth, q[0], q[1])
		if truth < q[0] || truth > q[1] {
			t.Errorf("%s: the plausible set's range %.4g to %.4g misses the truth %v", ps.Paths[i], q[0], q[1], truth)
		}
	}
	// The database holds every evaluation, the set among them.
	tb, err := s.Query(context.Background(), `SELECT count(*) FILTER (WHERE final), count(*), count(*) FILTER (WHERE accepted AND distance > epsilon)
		FROM plausible_vectors WHERE name = 'recovery'`)
	if err != nil {
		t.Fatal(err)
	}
	if r := tb.Rows[0]; r[0].(int64) != 12 || r[1].(int64) < 12 || r[2].(int64) != 0 {
		t.Errorf("plausible_vectors: %v final, %v evaluated, %v accepted beyond their threshold", r[0], r[1], r[2])
	}
}
