package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// compare, sweep and sensitivity print their tables as CSV or JSON for
// other tools: stdout holds the data alone, one row or object per arm or
// point, each figure with its 95 % interval, and the means are run_totals
// averages (checked against SQL written here).
func TestFormatsForOtherTools(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	scen := writeFile(t, dir, "small.yaml", smallScenario)
	dbPath := filepath.Join(dir, "r.duckdb")
	out, _, err := msgmon(t, ctx, "compare", scen, "--db", dbPath, "-q", "--no-report", "--format", "json", "--days", "10", "--replicates", "2")
	if err != nil {
		t.Fatal(err)
	}
	var arms []map[string]any
	if err := json.Unmarshal([]byte(out), &arms); err != nil {
		t.Fatalf("compare --format json is not JSON alone: %v\n%s", err, out)
	}
	if len(arms) != 4 {
		t.Fatalf("%d objects, want one per arm (4)", len(arms))
	}
	db, err := store.OpenReadOnly(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	// The figures are the registry's headline figures, no more, no less,
	// each the run_totals average.
	meta := map[string]bool{"scenario": true, "batch_id": true, "arm": true, "runs": true, "baseline": true, "difference_to_baseline": true}
	for _, a := range arms {
		arm := a["arm"].(string)
		var keys, want []string
		for k := range a {
			if !meta[k] {
				keys = append(keys, k)
			}
		}
		for _, k := range store.HeadlineKPIs() {
			want = append(want, k.Column)
			fig, ok := a[k.Column].(map[string]any)
			if !ok {
				t.Errorf("%s: no %s in %v", arm, k.Column, a)
				continue
			}
			where := " FROM run_totals WHERE arm = '" + arm + "'"
			sql := scalar(t, db, "SELECT avg(CAST("+k.Column+" AS DOUBLE))"+where)
			if scalar(t, db, "SELECT count("+k.Column+")"+where) == 0 {
				if fig["mean"] != nil {
					t.Errorf("%s %s %v, SQL NULL", arm, k.Column, fig)
				}
				continue
			}
			mean, _ := fig["mean"].(float64)
			lo, _ := fig["ci95_low"].(float64)
			hi, _ := fig["ci95_high"].(float64)
			if diff := mean - sql; diff > 1e-9*max(1, mean) || diff < -1e-9*max(1, mean) || lo > mean || hi < mean || fig["n"].(float64) != 2 {
				t.Errorf("%s %s %v, SQL mean %v", arm, k.Column, fig, sql)
			}
		}
		slices.Sort(keys)
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Errorf("%s: figures %v, want the registry's headline figures %v", arm, keys, want)
		}
		if _, ok := a["difference_to_baseline"]; ok == (arm == "service") {
			t.Errorf("%s: difference to the baseline given: %v", arm, ok)
		}
	}
	db.Close()

	out, _, err = msgmon(t, ctx, "compare", scen, "--db", dbPath, "-q", "--no-report", "--format", "csv", "--days", "10", "--replicates", "2")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][2] != "arm" || !strings.HasSuffix(rows[0][len(rows[0])-1], "_ci95_high") {
		t.Fatalf("compare --format csv: %v\n%s", err, out)
	}

	sweep := writeFile(t, dir, "s.yaml", `name: fmt
scenario: default
set: {users: 500, businesses: 10, days: 5}
arms: [service, service+paid_push]
replicates: 2
parameters:
  - path: business.sends_per_week_mean
    values: [1, 4]
`)
	out, _, err = msgmon(t, ctx, "sweep", sweep, "--db", dbPath, "-q", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][1] != "sends_per_week_mean" {
		t.Fatalf("sweep --format csv: %v\n%s", err, out)
	}
	for _, r := range rows[1:] {
		if r[3] != "2" {
			t.Errorf("point %s %s: %s runs, want its own 2", r[0], r[2], r[3])
		}
		if v, err := strconv.ParseFloat(r[1], 64); err != nil || (v != 1 && v != 4) {
			t.Errorf("rate %q", r[1])
		}
	}

	morris := writeFile(t, dir, "m.yaml", `name: fmt-morris
scenario: default
set: {users: 300, businesses: 6, days: 3}
arms: [service+paid_push]
replicates: 1
design: morris
points: 2
seed: 1
parameters:
  - {path: business.sends_per_week_mean, min: 0.5, max: 8}
  - {path: user.tolerance_median, min: 1, max: 6}
`)
	out, _, err = msgmon(t, ctx, "sensitivity", morris, "--db", dbPath, "-q", "--format", "json", "--output", "churn_per_1000", "--png", filepath.Join(dir, "png"))
	if err != nil {
		t.Fatal(err)
	}
	var eff []map[string]any
	if err := json.Unmarshal([]byte(out), &eff); err != nil || len(eff) != 2 || eff[0]["parameter"] != "business.sends_per_week_mean" {
		t.Fatalf("sensitivity --format json: %v\n%s", err, out)
	}
	if _, _, err := msgmon(t, ctx, "compare", scen, "--db", dbPath, "--format", "xml"); exitCode(err, nil) != exitInput {
		t.Errorf("--format xml: %v, want exit %d", err, exitInput)
	}
}
