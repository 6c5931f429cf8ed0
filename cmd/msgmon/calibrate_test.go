package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// recoveryStudy is the push-disable study of datasets/study's
// TestCalibrationRecoversKnownParameters (three doses, 28 days; its
// testdata/recovery.yaml) with the three targets' values.
func recoveryStudy(values [3]float64) string {
	b, err := os.ReadFile("../../datasets/study/testdata/recovery.yaml")
	if err != nil {
		panic(err)
	}
	return strings.NewReplacer("VALUE0", fmt.Sprint(values[0]), "VALUE1", fmt.Sprint(values[1]), "VALUE2", fmt.Sprint(values[2])).Replace(string(b))
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
