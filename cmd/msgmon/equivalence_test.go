package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// equivalence on the databases of real comparisons: the same scenario and
// seed twice are identical run for run; a scenario that annoys more with
// each push differs in its reactions; work of another size, an unknown
// figure and one file given twice are refused as bad input.
func TestEquivalenceCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := write("small.yaml", smallScenario)
	annoyed := write("annoyed.yaml", strings.Replace(smallScenario, "days: 30\n", "days: 30\nbehaviour:\n  annoy_push: 4\n", 1))
	ctx := context.Background()
	run := func(db, scen string, extra ...string) string {
		p := filepath.Join(dir, db)
		if _, _, err := msgmon(t, ctx, append([]string{"compare", scen, "--db", p, "--no-report", "-q", "--replicates", "6"}, extra...)...); err != nil {
			t.Fatalf("compare %s: %v", db, err)
		}
		return p
	}
	a, b := run("a.duckdb", small), run("b.duckdb", small, "--workers", "3")
	c := run("c.duckdb", annoyed)
	d := run("d.duckdb", small, "--days", "20")
	s8 := run("s8.duckdb", small, "--seed", "8")

	out, _, err := msgmon(t, ctx, "equivalence", a, b)
	if err != nil || !strings.Contains(out, "figures are identical run for run") || strings.Contains(out, "note:") {
		t.Fatalf("same scenario and seed: err %v\n%s", err, out)
	}
	// Other seeds: independent samples of one model, tested by Welch; the
	// seed is not a difference of scenario.
	out, _, err = msgmon(t, ctx, "equivalence", a, s8)
	if err != nil || strings.Contains(out, "note:") || !regexp.MustCompile(`service +churn_per_1000 +welch`).MatchString(out) {
		t.Fatalf("another seed: err %v\n%s", err, out)
	}
	out, _, err = msgmon(t, ctx, "equivalence", "--metrics", "reactions_per_1000_msgs,users_reacted", a, c)
	var de differsError
	if !errors.As(err, &de) || exitCode(err, nil) != exitDiffers || !strings.Contains(out, "DIFFERS") {
		t.Fatalf("pushes annoying four times as much: err %v, want exit %d\n%s", err, exitDiffers, out)
	}
	if !strings.Contains(out, "note: small: the scenario's hash differs") {
		t.Errorf("another annoyance should be noted as another scenario:\n%s", out)
	}
	if !regexp.MustCompile(`service\+paid_push +reactions_per_1000_msgs +paired`).MatchString(out) {
		t.Errorf("the same seeds should be paired:\n%s", out)
	}
	// CSV keeps the notes, on stderr. A database whose runs do not store
	// their scenario (as an older msgmon's) is compared with a note.
	sdb, err := sql.Open("duckdb", b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec("UPDATE runs SET scenario_json = NULL"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	out, errOut, err := msgmon(t, ctx, "equivalence", "--format", "csv", a, b)
	if err != nil || !strings.HasPrefix(out, "scenario,arm,metric,test,") || !strings.Contains(errOut, "note: small: a database made by an older msgmon does not store the scenario") {
		t.Fatalf("csv against a database without scenarios: err %v\nstdout %.300s\nstderr %s", err, out, errOut)
	}
	// A daily count run_totals does not sum is a figure too: its mean over
	// the runs of an arm is that of the runs' sums of the daily table.
	out, _, err = msgmon(t, ctx, "equivalence", "--metrics", "sends_blocked", "--format", "csv", a, b)
	if err != nil {
		t.Fatalf("sends_blocked: %v\n%s", err, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("sends_blocked csv: %v\n%s", err, out)
	}
	col := slices.Index(rows[0], "mean_old")
	if col < 0 {
		t.Fatalf("no mean_old column in %v", rows[0])
	}
	adb, err := sql.Open("duckdb", a)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	checked := 0
	for _, row := range rows[1:] {
		var want float64
		if err := adb.QueryRow(`SELECT avg(sb) FROM (SELECT sum(d.sends_blocked) AS sb FROM runs r JOIN daily d USING (run_id)
			WHERE r.arm = ? GROUP BY r.run_id)`, row[1]).Scan(&want); err != nil {
			t.Fatal(err)
		}
		got, _ := strconv.ParseFloat(row[col], 64)
		if math.Abs(got-want) > 1e-6*max(1, want) {
			t.Errorf("%s: sends_blocked old mean %v, the daily table's %v", row[1], got, want)
		}
		if want > 0 {
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("no arm blocked a message: the sums prove little\n%s", out)
	}
	link := filepath.Join(dir, "link.duckdb")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"equivalence", a, d},
		{"equivalence", a, a},
		{"equivalence", "--metrics", "nosuch", a, b},
		{"equivalence", "--alpha", "1", a, b},
		{"equivalence", "--summary", "--format", "csv", a, b},
		{"equivalence", "--summary", "--brief", a, b},
		{"equivalence", a, link},
		{"equivalence", a, filepath.Join(dir, "missing.duckdb")},
	} {
		_, _, err := msgmon(t, ctx, args...)
		if exitCode(err, nil) != exitInput || (args[2] == link && !strings.Contains(err.Error(), "the same file")) {
			t.Errorf("%v: exit %d (%v), want %d", args[1:], exitCode(err, nil), err, exitInput)
		}
	}
}
