package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
)

// A sweep over pushes a week shows the trade-off as data: with more pushes
// a week, paid push reaches more users and earns more, and more follows
// end in an unfollow or block. Each effect is a paired difference between
// the two points over replicates that share populations and random numbers
// (the sweep's common random numbers); its 95 % t-interval must exclude 0.
func TestSweepPushesTradeOff(t *testing.T) {
	dir := t.TempDir()
	sweep := writeFile(t, dir, "pushes.yaml", `name: pushes
scenario: default
set: {users: 2500, businesses: 50, days: 60, models.service_only.follow_ups: false}
arms: [service+paid_push]
replicates: 6
parameters:
  - path: business.sends_per_week_mean
    values: [0.5, 4]
`)
	dbPath := filepath.Join(dir, "s.duckdb")
	out, _, err := msgmon(t, context.Background(), "sweep", sweep, "--db", dbPath, "-q")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sends_per_week_mean", "paid_push", "churn/1000", "sweep_pushes_summary"} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep output lacks %q:\n%s", want, out)
		}
	}
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tb, err := db.Query(context.Background(), `SELECT a.replicate,
		CAST(b.reach_messages_cum - a.reach_messages_cum AS DOUBLE),
		CAST(b.platform_revenue_usd - a.platform_revenue_usd AS DOUBLE),
		b.churn_per_1000 - a.churn_per_1000
		FROM sweep_pushes a JOIN sweep_pushes b USING (replicate, arm)
		WHERE a.sends_per_week_mean = 0.5 AND b.sends_per_week_mean = 4
		ORDER BY a.replicate`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 6 {
		t.Fatalf("%d paired replicates, want 6", len(tb.Rows))
	}
	for j, name := range []string{"reach", "platform revenue", "churn"} {
		var d []float64
		for _, r := range tb.Rows {
			d = append(d, r[j+1].(float64))
		}
		mean, sd := stat.MeanStdDev(d, nil)
		half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(d) - 1)}.Quantile(0.975) * sd / math.Sqrt(float64(len(d)))
		t.Logf("%s: 4 vs 0.5 pushes a week: %+.1f ± %.1f", name, mean, half)
		if mean-half <= 0 {
			t.Errorf("%s does not rise with pushes a week: %+.2f ± %.2f", name, mean, half)
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ body, want string }{
		{"scenario: default\nparameters:\n  - path: business.sends_per_week_mean\n    values: [1, 80]\n",
			"bad.yaml:3: point 1 (business.sends_per_week_mean=80) is not a valid scenario"},
		{"scenario: default\nparameters:\n  - path: business.sends_per_weak_mean\n    values: [1]\n",
			"sends_per_weak_mean"},
		{"scenario: default\nparameters:\n  - path: users\n    min: 10\n    max: 5\n    levels: 2\n",
			"bad.yaml:3: parameters[0]: min: must be below max:"},
		{"scenario: default\ndesign: lhs\nparameters:\n  - path: users\n    min: 1000\n    max: 5000\n",
			"bad.yaml: points: design lhs needs points: between 1 and"},
		{"scenario: default\narms: [pushy]\nparameters:\n  - path: users\n    values: [1000]\n",
			`bad.yaml:2: arms[0]: the scenario has no arm "pushy"`},
		{"scenario: nosuch\nparameters:\n  - path: users\n    values: [1000]\n",
			`bad.yaml:1: scenario: datasets: no embedded scenario "nosuch"`},
		{"scenario: default\nparameters:\n  - path: users\n    values: [1000]\n    step: 3\n",
			"bad.yaml:5: not valid YAML: field step not found"},
		{"scenario: default\nparameters:\n  - path: users\n    min: 1000\n    max: 2000000000\n    levels: 3\n",
			"bad.yaml:3: point 1 (users=1000000500) is not a valid scenario; narrow the parameter's range or values:\ndatasets/scenarios/default.yaml:23: users: must be in [10, 5e+07]"},
	} {
		p := writeFile(t, dir, "bad.yaml", c.body)
		dbPath := filepath.Join(dir, "never.duckdb")
		_, _, err := msgmon(t, context.Background(), "sweep", p, "--db", dbPath, "-q")
		if err == nil || exitCode(err, nil) != exitInput {
			t.Errorf("%q: %v; want an input error (exit %d)", c.body, err, exitInput)
			continue
		}
		msg := strings.ReplaceAll(err.Error(), p, "bad.yaml")
		if !strings.Contains(msg, c.want) {
			t.Errorf("%q:\n%s\nwant it to contain %q", c.body, msg, c.want)
		}
		if _, err := os.Stat(dbPath); err == nil {
			t.Errorf("%q: a database was created for a sweep that does not load", c.body)
		}
	}
}

// Morris screening on the model: under common random numbers a parameter
// the arm does not use (Status views, for paid push without ads) has no
// effect at all, while pushes a week raise churn in every trajectory.
func TestSensitivityMorrisOnModel(t *testing.T) {
	dir := t.TempDir()
	sweep := writeFile(t, dir, "morris.yaml", `name: morris
scenario: default
set: {users: 1500, businesses: 30, days: 45, models.service_only.follow_ups: false}
arms: [service+paid_push]
replicates: 2
design: morris
points: 4
parameters:
  - path: business.sends_per_week_mean
    min: 0.5
    max: 8
  - path: user.status_views_mean
    min: 4
    max: 20
`)
	out, _, err := msgmon(t, context.Background(), "sensitivity", sweep, "--db", filepath.Join(dir, "m.duckdb"), "-q", "--output", "churn_per_1000")
	if err != nil {
		t.Fatal(err)
	}
	var sends, views []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 4 && f[0] == "business.sends_per_week_mean":
			sends = f
		case len(f) == 4 && f[0] == "user.status_views_mean":
			views = f
		}
	}
	if views == nil || views[1] != "0" || views[3] != "0" {
		t.Errorf("status views: %v; want mu* and sigma exactly 0 for paid push\n%s", views, out)
	}
	if sends == nil || sends[1] != sends[2] || strings.HasPrefix(sends[2], "-") || sends[1] == "0" {
		t.Errorf("pushes a week: %v; want mu = mu* > 0 (churn rises in every trajectory)\n%s", sends, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sensitivity-morris-churn_per_1000.png")); err != nil {
		t.Errorf("tornado chart not written: %v", err)
	}
}
