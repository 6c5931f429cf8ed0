package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// A small facts file on the default scenario: a revenue figure, a ratio on
// the same seeds and an input check.
const smallFacts = `replicates: 3
facts:
  - id: revenue.per_user_year
    quantity: platform revenue from paid messaging per user and year
    value: 1
    band: {low: 0, high: 1000, basis: "wide, for the test"}
    source: a test
    source_date: "2026"
    scenario: default
    arm: service+paid_push
    set: {users: 600, businesses: 12, days: 21}
    output: 365.0 * (platform_revenue_messages + platform_revenue_service) / (users * days_recorded)
  - id: cap.volume
    quantity: a cap lowers volume
    band: {high: 1, significant: true, basis: a direction}
    source: a test
    source_date: "2026"
    scenario: default
    arm: service+paid_push
    set: {users: 600, businesses: 12, days: 21, models.paid_push.user_marketing_cap_per_day: 1}
    against: {set: {users: 600, businesses: 12, days: 21}}
    output: (sends_push + sends_folder)::DOUBLE / users
  - id: rate.card
    quantity: marketing over utility price
    value: 5
    band: {low: 0.5, high: 100, basis: wide}
    source: a test
    source_date: "2026"
    scenario: default
    input: marketing_over_utility_price
`

// TestScorecardMeasuresAsStored: the scorecard's revenue per user and year
// is the hand computation from the stored runs (the daily table's revenue
// over the users and days of each run, averaged over the replicates); its
// ratio is the mean over the mean of the against runs; the input is the
// rate card's user-weighted ratio computed here from the default scenario.
func TestScorecardMeasuresAsStored(t *testing.T) {
	dir := t.TempDir()
	facts := filepath.Join(dir, "facts.yaml")
	if err := os.WriteFile(facts, []byte(smallFacts), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "r.duckdb")
	out, _, err := msgmon(t, context.Background(), "scorecard", "--facts", facts, "--db", db, "--no-report")
	if err != nil && exitCode(err, nil) != exitFactFails {
		t.Fatal(err)
	}
	if !strings.Contains(out, "revenue.per_user_year") {
		t.Fatalf("table lacks the fact:\n%s", out)
	}
	s, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	model := scalar(t, s, `SELECT model FROM scorecard WHERE fact = 'revenue.per_user_year'`)
	hand := scalar(t, s, `SELECT avg(rev) FROM (
		SELECT r.run_id, 365.0 * (sum(d.platform_revenue_messages_micros) + sum(d.platform_revenue_service_micros)) / 1e6 / (r.users * count(*)) AS rev
		FROM daily d JOIN runs r USING (run_id)
		WHERE r.params->>'target' = 'revenue.per_user_year' AND r.arm = 'service+paid_push'
		GROUP BY r.run_id, r.users)`)
	n := scalar(t, s, `SELECT count(*) FROM runs WHERE params->>'target' = 'revenue.per_user_year'`)
	if n != 3 || !(hand > 0) || math.Abs(model-hand) > 1e-9*hand {
		t.Fatalf("revenue per user and year: scorecard %v, by hand %v over %v runs", model, hand, n)
	}
	ratio := scalar(t, s, `SELECT model FROM scorecard WHERE fact = 'cap.volume'`)
	num := scalar(t, s, `SELECT avg((sends_push + sends_folder)::DOUBLE / users) FROM run_totals WHERE params->>'target' = 'cap.volume'`)
	den := scalar(t, s, `SELECT avg((sends_push + sends_folder)::DOUBLE / users) FROM run_totals WHERE params->>'target' = 'cap.volume (against)'`)
	if math.Abs(ratio-num/den) > 1e-9 {
		t.Fatalf("ratio: scorecard %v, by hand %v / %v", ratio, num, den)
	}
	// The default scenario's rate card: marketing IN 0.0118 ... weighted
	// by the markets' shares (IN .35, BR .2, US .15, DE .1, UK .1, OTHER .1
	// at the default price).
	mk := 0.35*0.0118 + 0.2*0.0625 + 0.15*0.025 + 0.1*0.1365 + 0.1*0.0635 + 0.1*0.05
	ut := 0.35*0.0014 + 0.2*0.0068 + 0.15*0.0034 + 0.1*0.0550 + 0.1*0.0220 + 0.1*0.01
	in := scalar(t, s, `SELECT model FROM scorecard WHERE fact = 'rate.card'`)
	if math.Abs(in-mk/ut) > 1e-9 {
		t.Fatalf("marketing over utility price: scorecard %v, by hand %v", in, mk/ut)
	}
}

// TestScorecardBadFacts: bad facts are refused with file:line:field and
// what to change, exit 2, before anything runs.
func TestScorecardBadFacts(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"no source", "    source: a test\n    source_date: \"2026\"\n    scenario: default\n    arm: service+paid_push\n    set: {users: 600, businesses: 12, days: 21}\n    output: 365.0",
			"    source_date: \"2026\"\n    scenario: default\n    arm: service+paid_push\n    set: {users: 600, businesses: 12, days: 21}\n    output: 365.0",
			"facts.yaml:3: facts[0].source: missing; name where the figure comes from"},
		{"band upside down", "band: {low: 0, high: 1000,", "band: {low: 1000, high: 0,", "facts.yaml:6: facts[0].band: low 1000 is above high 0; swap them"},
		{"unknown input", "input: marketing_over_utility_price", "input: revenue_of_the_moon", "facts.yaml:30: facts[2].input: msgmon cannot measure \"revenue_of_the_moon\"; inputs it can: marketing_over_utility_price"},
		{"unknown column", "(sends_push + sends_folder)::DOUBLE / users", "(sends_push + pigeons)::DOUBLE / users", "facts.yaml:22: facts[1].output: no column \"pigeons\" in run_totals"},
		{"unknown key", "models.paid_push.user_marketing_cap_per_day: 1}", "models.paid_push.user_cap: 1}", "facts.yaml:20: facts[1].set.models.paid_push.user_cap"},
		{"unknown arm", "    arm: service+paid_push\n    set: {users: 600, businesses: 12, days: 21}\n    output: 365.0", "    arm: service+pigeons\n    set: {users: 600, businesses: 12, days: 21}\n    output: 365.0",
			"facts.yaml:10: facts[0].arm: the scenario default has no arm \"service+pigeons\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(smallFacts, c.from) {
				t.Fatalf("case does not apply: %q", c.from)
			}
			dir := t.TempDir()
			facts := filepath.Join(dir, "facts.yaml")
			os.WriteFile(facts, []byte(strings.Replace(smallFacts, c.from, c.to, 1)), 0o644)
			db := filepath.Join(dir, "r.duckdb")
			_, _, err := msgmon(t, context.Background(), "scorecard", "--facts", facts, "--db", db, "--no-report")
			if exitCode(err, nil) != exitInput {
				t.Fatalf("exit %d (%v), want %d", exitCode(err, nil), err, exitInput)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got\n%v\nwant it to contain\n%s", err, c.want)
			}
			if _, err := os.Stat(db); err == nil {
				t.Fatalf("a refused scorecard made %s", db)
			}
		})
	}
}
