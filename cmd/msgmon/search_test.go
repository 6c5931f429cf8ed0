package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// Optimisation on the model returns a policy whose constraint holds when
// the policy is run again, separately, with fresh seeds.
func TestOptimizePolicyHoldsOnFreshSeeds(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "opt.yaml", `name: opt
scenario: default
set: {users: 1500, businesses: 30, days: 45, models.service_only.follow_ups: false}
arms: [service+paid_push]
replicates: 4
design: optimize
budget: 16
objective: {maximize: platform_revenue_usd}
constraints:
  - {output: churn_per_1000, max: 150}
parameters:
  - path: business.sends_per_week_mean
    min: 0.2
    max: 10
`)
	dbPath := filepath.Join(dir, "o.duckdb")
	out, _, err := msgmon(t, context.Background(), "optimize", file, "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`business\.sends_per_week_mean\s+([0-9.e+-]+)\s+\[`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "feasible: true") {
		t.Fatalf("no feasible best policy in:\n%s", out)
	}
	best, _ := strconv.ParseFloat(m[1], 64)
	if best <= 0.2 || best >= 10 {
		t.Errorf("best rate %v at the edge of [0.2, 10]: the constraint did not bind", best)
	}
	// The policy again, as a one-point sweep with another seed and more
	// replicates: its mean churn stays within the limit.
	check := writeFile(t, dir, "check.yaml", `name: check
scenario: default
set: {users: 1500, businesses: 30, days: 45, seed: 777, models.service_only.follow_ups: false}
arms: [service+paid_push]
replicates: 8
parameters:
  - path: business.sends_per_week_mean
    values: [`+m[1]+`]
`)
	if _, _, err := msgmon(t, context.Background(), "sweep", check, "--db", dbPath, "-q"); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	churn := scalar(t, db, `SELECT avg(churn_per_1000) FROM sweep_check`)
	t.Logf("best %s a week; churn on fresh seeds %.1f per 1,000 (limit 150)\n%s", m[1], churn, out)
	if churn > 150 {
		t.Errorf("on fresh seeds the policy churns %.1f per 1,000, above the limit 150", churn)
	}
	if n := scalar(t, db, `SELECT count(DISTINCT point) FROM sweep_opt`); n < 5 {
		t.Errorf("only %v evaluations stored", n)
	}
}

// A search in which no policy can meet a constraint (churn below zero)
// still prints the closest policy, and exits with status 3 so that a script
// can tell it from a policy found.
func TestOptimizeInfeasibleExitsThree(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "opt.yaml", `name: opt
scenario: default
set: {users: 600, businesses: 12, days: 20, models.service_only.follow_ups: false}
arms: [service+paid_push]
replicates: 2
design: optimize
budget: 5
objective: {maximize: platform_revenue_usd}
constraints:
  - {output: churn_per_1000, max: -1}
parameters:
  - path: business.sends_per_week_mean
    min: 0.2
    max: 10
`)
	out, _, err := msgmon(t, context.Background(), "optimize", file, "--db", filepath.Join(dir, "o.duckdb"))
	if err == nil {
		t.Fatalf("an impossible constraint gave no error; output:\n%s", out)
	}
	if got := exitCode(err, nil); got != exitNoPolicy {
		t.Errorf("exit code %d, want %d (%v)", got, exitNoPolicy, err)
	}
	if !strings.Contains(out, "feasible: false") || !strings.Contains(out, "business.sends_per_week_mean") {
		t.Errorf("the report of the closest policy is missing:\n%s", out)
	}
	if !strings.Contains(err.Error(), "loosen a constraint") {
		t.Errorf("the error does not say what to change: %v", err)
	}
}
