package main

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
)

// fitRow is a row of calibration_fits.
type fitRow struct {
	target                    string
	observed, tol, fitted, dv float64
	dose                      float64
	inside                    bool
}

// fitRows reads the calibration_fits rows of the database's latest
// calibration named name, in target order.
func fitRows(t *testing.T, db, name string) []fitRow {
	t.Helper()
	ctx := context.Background()
	s, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb, err := s.Query(ctx, fmt.Sprintf(`SELECT target, observed, coalesce(tolerance, 'NaN'), fitted, coalesce(dose, 'NaN'),
		coalesce(dose_value, 'NaN'), coalesce(inside, false) FROM calibration_fits
		WHERE name = '%s' AND created_at = (SELECT max(created_at) FROM calibration_fits WHERE name = '%s') ORDER BY position`, name, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []fitRow
	for _, r := range tb.Rows {
		out = append(out, fitRow{target: r[0].(string), observed: r[1].(float64), tol: r[2].(float64), fitted: r[3].(float64),
			dose: r[4].(float64), dv: r[5].(float64), inside: r[6].(bool)})
	}
	return out
}

// recoveryStudy is a small push-disable study: three doses, 28 days.
func recoveryStudy(values [3]float64) string {
	var b strings.Builder
	b.WriteString(`name: recovery
scenario: default
set:
  users: 2000
  businesses: 40
  days: 28
  max_follows: 1
  markets.0.share: 0
  markets.1.share: 0
  markets.2.share: 0
  markets.3.share: 1
  markets.4.share: 0
  markets.5.share: 0
  business.budget_monthly_median: 1000000
  business.budget_monthly_sigma: 0
  business.sends_per_week_sigma: 0
  business.send_policy: fixed
  models.service_only.follow_ups: false
arms: [service+paid_push]
replicates: 1
design: calibrate
budget: 40
targets:
`)
	for i, k := range []int{1, 5, 10} {
		fmt.Fprintf(&b, `  - name: %d a week
    set: {business.sends_per_week_mean: %d}
    horizon_days: 28
    output: users_reacted::DOUBLE / reach_messages_cum
    dose: 7.0 * (sends_push + sends_folder) / follow_days
    dose_value: %d
    value: %v
    tolerance: 0.01
`, k, k, k, values[i])
	}
	b.WriteString(`parameters:
  - {path: behaviour.react_rate, min: 0.001, max: 1, scale: log}
  - {path: behaviour.react_shape, min: 0.2, max: 4}
`)
	return b.String()
}

// TestCalibrationRecoversKnownParameters: "survey" targets simulated from
// known parameters (react_rate 0.08, react_shape 0.8, neither the default
// nor the middle of the box) are fitted again: every target within 0.01
// (the tolerance given), react_shape within ±0.25 and react_rate within a
// factor 1.3 (the two trade off along a ridge, which three doses pin down
// only that far). The overlay --save writes, applied to the study's base,
// reproduces the fitted figures exactly (same seeds, same values).
func TestCalibrationRecoversKnownParameters(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	ctx := context.Background()
	truth := writeFile(t, dir, "truth.yaml", "behaviour:\n  react_rate: 0.08\n  react_shape: 0.8\n")
	study := writeFile(t, dir, "recovery.yaml", recoveryStudy([3]float64{0.5, 0.5, 0.5}))
	// The study's placeholder targets (0.5 ± 0.01) are not met at the
	// truth: the check says so with exit 4, and stores what it measured.
	if _, _, err := msgmon(t, ctx, "calibrate", "--check", "--no-report", "--overlay", truth, study, "--db", db); exitCode(err, nil) != exitOutside {
		t.Fatalf("got %v, want targets outside their tolerance", err)
	}
	var y [3]float64
	for i, r := range fitRows(t, db, "recovery") {
		y[i] = r.fitted
	}
	t.Logf("simulated survey at react_rate 0.08, react_shape 0.8: %v", y)
	if !(y[0] < y[1] && y[1] < y[2]) {
		t.Fatalf("the simulated shares do not rise with the dose: %v", y)
	}
	study = writeFile(t, dir, "recovery.yaml", recoveryStudy(y))
	saved := filepath.Join(dir, "fitted.yaml")
	out, _, err := msgmon(t, ctx, "calibrate", "--no-report", study, "--db", db, "--save", saved)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	fit := fitRows(t, db, "recovery")
	for _, r := range fit {
		if math.Abs(r.fitted-r.observed) > 0.01 {
			t.Errorf("%s: fitted %.4f, simulated %.4f", r.target, r.fitted, r.observed)
		}
	}
	ov, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	var rate, shape float64
	for _, l := range strings.Split(string(ov), "\n") {
		fmt.Sscanf(strings.TrimSpace(l), "react_rate: %g", &rate)
		fmt.Sscanf(strings.TrimSpace(l), "react_shape: %g", &shape)
	}
	if math.Abs(shape-0.8) > 0.25 || math.Abs(math.Log(rate/0.08)) > math.Log(1.3) {
		t.Errorf("fitted react_rate %v, react_shape %v; the truth is 0.08 and 0.8", rate, shape)
	}
	if !strings.Contains(string(ov), "# Study "+study) || strings.Contains(string(ov), "users:") {
		t.Errorf("the overlay should name its study and set only fitted keys:\n%s", ov)
	}
	// The overlay on the study's base reproduces the fit.
	if _, _, err := msgmon(t, ctx, "calibrate", "--check", "--no-report", "--overlay", saved, study, "--db", db); err != nil {
		t.Fatal(err)
	}
	again := fitRows(t, db, "recovery")
	for i := range fit {
		if math.Abs(again[i].fitted-fit[i].fitted) > 1e-4 {
			t.Errorf("%s: the overlay gives %.6f, the fit %.6f", fit[i].target, again[i].fitted, fit[i].fitted)
		}
	}
	// The plausible set from the fit covers the truth: each parameter's
	// weighted 2.5–97.5 % range over the set holds it, and every vector
	// of the set meets every target within twice its tolerance (epsilon
	// 2: the recovery's tolerance of 0.01 is tight, and a test has no time
	// for the evaluations a lower acceptance rate costs).
	csv := filepath.Join(dir, "plausible.csv")
	out, _, err = msgmon(t, ctx, "calibrate", "--check", "--no-report", "--overlay", saved, study, "--db", db,
		"--plausible", "12", "--epsilon", "2", "--save-plausible", csv)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	ps, err := datasets.ReadPlausible(csv)
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
		q := weightedQuantiles(x, w, 0.025, 0.975)
		t.Logf("%s: truth %v, plausible range %.4g to %.4g", ps.Paths[i], truth, q[0], q[1])
		if truth < q[0] || truth > q[1] {
			t.Errorf("%s: the plausible set's range %.4g to %.4g misses the truth %v", ps.Paths[i], q[0], q[1], truth)
		}
	}
	// The database holds every evaluation, the set among them.
	s, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb, err := s.Query(ctx, `SELECT count(*) FILTER (WHERE final), count(*), count(*) FILTER (WHERE accepted AND distance > epsilon)
		FROM plausible_vectors WHERE name = 'recovery'`)
	if err != nil {
		t.Fatal(err)
	}
	if r := tb.Rows[0]; r[0].(int64) != 12 || r[1].(int64) < 12 || r[2].(int64) != 0 {
		t.Errorf("plausible_vectors: %v final, %v evaluated, %v accepted beyond their threshold", r[0], r[1], r[2])
	}
}

// TestCalibrateBadInput: an output naming no column of run_totals is
// refused before anything runs, with file:line:field; so is an overlay
// setting the run's size.
func TestCalibrateBadInput(t *testing.T) {
	dir := t.TempDir()
	study := writeFile(t, dir, "bad.yaml", strings.Replace(recoveryStudy([3]float64{0.1, 0.5, 0.8}),
		"output: users_reacted::DOUBLE", "output: users_reactd::DOUBLE", 1))
	_, _, err := msgmon(t, context.Background(), "calibrate", study, "--db", filepath.Join(dir, "b.duckdb"))
	if err == nil || exitCode(err, nil) != 2 || !strings.Contains(err.Error(), study+`:27: targets[0].output: no column "users_reactd"`) {
		t.Errorf("got %v", err)
	}
	ov := writeFile(t, dir, "ov.yaml", "users: 10\n")
	study = writeFile(t, dir, "good.yaml", recoveryStudy([3]float64{0.1, 0.5, 0.8}))
	_, _, err = msgmon(t, context.Background(), "calibrate", "--check", "--overlay", ov, study, "--db", filepath.Join(dir, "b.duckdb"))
	if err == nil || exitCode(err, nil) != 2 || !strings.Contains(err.Error(), ov+":1: users:") {
		t.Errorf("got %v", err)
	}
	// A plausible set needs two vectors at least, and a tolerance on
	// every target (the distance is in units of it).
	_, _, err = msgmon(t, context.Background(), "calibrate", "--check", "--plausible", "1", study, "--db", filepath.Join(dir, "b.duckdb"))
	if err == nil || exitCode(err, nil) != 2 || !strings.Contains(err.Error(), "--plausible 1: draw at least 2") {
		t.Errorf("got %v", err)
	}
	study = writeFile(t, dir, "int.yaml", strings.Replace(recoveryStudy([3]float64{0.1, 0.5, 0.8}),
		"  - {path: behaviour.react_shape, min: 0.2, max: 4}", "  - {path: user.follows_at_start, min: 1, max: 4, integer: true}", 1))
	_, _, err = msgmon(t, context.Background(), "calibrate", "--check", "--plausible", "5", study, "--db", filepath.Join(dir, "b.duckdb"))
	if err == nil || exitCode(err, nil) != 2 || !strings.Contains(err.Error(), "parameters[1] (user.follows_at_start) is an integer") {
		t.Errorf("got %v", err)
	}
	study = writeFile(t, dir, "notol.yaml", strings.Replace(recoveryStudy([3]float64{0.1, 0.5, 0.8}), "    tolerance: 0.01\n", "", 1))
	_, _, err = msgmon(t, context.Background(), "calibrate", "--check", "--plausible", "5", study, "--db", filepath.Join(dir, "b.duckdb"))
	if err == nil || exitCode(err, nil) != 2 || !strings.Contains(err.Error(), study+":24: targets[0].tolerance:") {
		t.Errorf("got %v", err)
	}
}

// TestCalibrateOutsideTolerance: a target no parameter can meet (a share
// of users, observed 5 ± 0.5) fails the check and the fit. --check
// prints and stores the table and exits 4, naming the target; --save
// writes no overlay of the failed fit and exits 4, saying --force writes
// it; with --force it is written, its comments saying the target is
// outside. A check whose targets are all inside exits 0.
func TestCalibrateOutsideTolerance(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "o.duckdb")
	study := writeFile(t, dir, "tiny.yaml", strings.Replace(tinyCalibration("default"), "value: 0.2\n", "value: 5\n", 1))
	out, _, err := msgmon(t, ctx, "calibrate", "--check", "--no-report", study, "--db", db)
	if err == nil || exitCode(err, nil) != 4 || !strings.Contains(err.Error(), `1 of 2 targets outside their tolerance: "reacted again" (model `) {
		t.Errorf("--check with a target outside its tolerance: got %v (exit %d), want exit 4 naming the target", err, exitCode(err, nil))
	}
	if !strings.Contains(out, "1 of 2 targets inside their tolerance") {
		t.Errorf("--check should print its table all the same:\n%s", out)
	}
	if rows := fitRows(t, db, "tiny"); len(rows) != 2 || !rows[0].inside || rows[1].inside {
		t.Errorf("calibration_fits after the check: %+v", rows)
	}

	saved := filepath.Join(dir, "fit.yaml")
	_, _, err = msgmon(t, ctx, "calibrate", "--no-report", study, "--db", db, "--save", saved)
	if err == nil || exitCode(err, nil) != 4 || !strings.Contains(err.Error(), `"reacted again"`) ||
		!strings.Contains(err.Error(), "not written to "+saved) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("--save of a failed fit: got %v (exit %d), want exit 4 naming the target and --force", err, exitCode(err, nil))
	}
	if _, err := os.Stat(saved); err == nil {
		t.Errorf("--save wrote the failed fit to %s", saved)
	}
	_, errOut, err := msgmon(t, ctx, "calibrate", "--no-report", study, "--db", db, "--save", saved, "--force")
	if err != nil {
		t.Fatalf("--save --force: %v", err)
	}
	if ov := string(readBytes(t, saved)); !strings.Contains(ov, "# Fit: 1 of 2 targets inside") || !strings.Contains(ov, "(outside;") {
		t.Errorf("the forced overlay should say the fit failed:\n%s", ov)
	}
	if !strings.Contains(errOut, "--force") || !strings.Contains(errOut, `"reacted again"`) {
		t.Errorf("--save --force should note what it writes on stderr, got %q", errOut)
	}

	good := writeFile(t, dir, "good.yaml", tinyCalibration("default"))
	if _, _, err := msgmon(t, ctx, "calibrate", "--check", "--no-report", good, "--db", db); err != nil {
		t.Errorf("a check with every target inside: %v", err)
	}
}
