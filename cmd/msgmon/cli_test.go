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

// TestCommandLineMistakes: a wrong command line is bad input (exit 2)
// with a message that says what to change, for every kind of mistake.
func TestCommandLineMistakes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.duckdb")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"comapre"}, `unknown command "comapre" for "msgmon"; did you mean compare?`},
		{[]string{"notebook", "bogus"}, `unknown command "bogus" for "msgmon notebook"`},
		{[]string{"presets", "bogus"}, `unknown command "bogus" for "msgmon presets"`},
		{[]string{"validate"}, "requires at least 1 arg(s), only received 0 (see msgmon validate --help)"},
		{[]string{"query"}, "accepts 1 arg(s), received 0 (see msgmon query --help)"},
		{[]string{"query", "SELECT 1", "SELECT 2"}, "accepts 1 arg(s), received 2"},
		{[]string{"compare", "a.yaml", "b.yaml"}, "accepts at most 1 arg(s), received 2"},
		{[]string{"presets", "show"}, "(see msgmon presets show --help)"},
		{[]string{"presets", "show", "nosuch"}, `no embedded scenario "nosuch"`},
		{[]string{"sweep"}, "(see msgmon sweep --help)"},
		{[]string{"notebook", "run"}, "(see msgmon notebook run --help)"},
		{[]string{"query", "--db", missing, "SELECT 1"}, "query: no results database at " + missing + "; run msgmon compare first or pass --db"},
		{[]string{"report", "--db", missing}, "report: no results database at"},
		{[]string{"export", "--db", missing, "--out", t.TempDir()}, "export: no results database at"},
		// Overrides given as flags are checked like values in a file, and
		// the message names the flag, not the scenario file.
		{[]string{"run", "--db", missing, "--users", "0"}, "--users 0: must be in [10, "},
		{[]string{"compare", "--db", missing, "--replicates", "-2"}, "--replicates -2: must be in [1, 1000], got -2"},
		{[]string{"run", "--db", missing, "--days", "0"}, "--days 0: must be in [1, 3650], got 0"},
		{[]string{"run", "--db", missing, "--seed", "-5"}, `invalid argument "-5" for "--seed" flag`},
		{[]string{"run", "--db", missing, "--workers", "-3"}, "--workers: must be 0 (choose by the cores) or more, got -3"},
		{[]string{"sweep", "--parallel", "-1", "x.yaml"}, "--parallel: must be 0"},
	} {
		_, _, err := msgmon(t, context.Background(), c.args...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %s: exit code %d (%v), want %d", strings.Join(c.args, " "), code, err, exitInput)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("msgmon %s: %q does not say %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	// A compare: section whose arm repeats the base's model is refused by
	// validate with file, line and field, saying what to change.
	arms := writeFile(t, t.TempDir(), "arms.yaml", smallScenario+`compare:
  base: {name: service, models: [service_only]}
  arms:
    - {name: push, models: [service_only, paid_push]}
`)
	_, stderr, err := msgmon(t, context.Background(), "validate", arms)
	if want := arms + ":15: compare.arms[0].models[0]: model service_only is already in the base service"; exitCode(err, nil) != exitInput ||
		!strings.Contains(stderr, want) || !strings.Contains(stderr, "set standalone: true") {
		t.Errorf("validate of an arm repeating the base's model: %v, %q; want exit %d and %q", err, stderr, exitInput, want)
	}
	// Export into a folder that holds other files: refused, naming --force.
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "r.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	foreign := filepath.Join(dir, "mine")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = msgmon(t, context.Background(), "export", "--db", filepath.Join(dir, "r.duckdb"), "--out", foreign)
	if exitCode(err, nil) != exitInput || !strings.Contains(fmt.Sprint(err), "pass --force") {
		t.Errorf("export into a folder of other files: %v, want an input error naming --force", err)
	}
	// A command that only groups others shows its help.
	out, _, err := msgmon(t, context.Background(), "notebook")
	if err != nil || !strings.Contains(out, "Usage:") {
		t.Errorf("msgmon notebook: %v, output %q", err, out)
	}
}

// TestBusinessWinnersFindsServiceArm: the business-winners notebook pairs
// every business with itself in the arm that runs service_only alone,
// whatever the arm is called (the presets call it "service"), and a batch
// without one stops it with a message that says so.
func TestBusinessWinnersFindsServiceArm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a preset")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	nb := filepath.Join("..", "..", "notebooks", "business-winners.md")
	if _, _, err := msgmon(t, ctx, "compare", "--preset", "whatsapp-business-2025", "--users", "2000", "--days", "30",
		"--replicates", "2", "--db", db, "--no-report", "-q"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := msgmon(t, ctx, "notebook", "run", "--db", db, "--out", filepath.Join(dir, "a"), "--require-rows", nb); err != nil {
		t.Fatalf("after a preset whose service-only arm is 'service': %v\n%s", err, out)
	}
	if _, _, err := msgmon(t, ctx, "run", "--users", "2000", "--days", "10", "--replicates", "1", "--arm", "service+paid_push", "--db", db, "-q"); err != nil {
		t.Fatal(err)
	}
	_, _, err := msgmon(t, ctx, "notebook", "run", "--db", db, "--out", filepath.Join(dir, "b"), nb)
	if exitCode(err, nil) != exitInput || !strings.Contains(fmt.Sprint(err), "no arm that runs service_only alone") {
		t.Errorf("after a batch of service+paid_push alone: %v, want the notebook's message", err)
	}
}

// TestBadInputExitsTwoEverywhere: every command refuses bad input with
// exit code 2 and a message saying what to change (a missing file, an
// unusable --db, SQL DuckDB refuses, an empty query), while a run-time
// failure (the database held by a writer) stays 1. Every command of the
// root has a case.
func TestBadInputExitsTwoEverywhere(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := emptyDB(t, dir)
	none := filepath.Join(dir, "none.yaml")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", none}, "no such file or directory; give a scenario file"},
		{[]string{"run", "--db", "", "--users", "100"}, "--db: give the path of a results database file"},
		{[]string{"compare", "/nonexistent.yaml"}, "no such file or directory; give a scenario file"},
		{[]string{"compare", "--db", "a?b.duckdb"}, "must not contain '?', '#' or '%'"},
		{[]string{"compare", "--db", dir}, "is a folder; give a database file"},
		{[]string{"query", "--db", dbPath, "SELEC 1"}, "Parser Error"},
		{[]string{"query", "--db", dbPath, "SELECT nosuch FROM runs"}, "nosuch"},
		{[]string{"query", "--db", dbPath, ""}, "give an SQL statement"},
		{[]string{"query", "--db", dbPath, " ; "}, "give an SQL statement"},
		{[]string{"query", "--db", "", "SELECT 1"}, "--db: give the path"},
		{[]string{"export", "--db", "a#b.duckdb", "--out", dir}, "must not contain"},
		{[]string{"presets", "show", "nosuch"}, `no embedded scenario "nosuch"`},
		{[]string{"validate", none}, "scenario files have problems"},
		{[]string{"schema", "extra"}, "(see msgmon schema --help)"},
		{[]string{"version", "extra"}, "(see msgmon version --help)"},
		{[]string{"bench", "--users", "1"}, "users: must be in"},
		{[]string{"report", "--db", ""}, "--db: give the path"},
		{[]string{"report", "--db", dbPath, "--run-id", "999"}, "none of the runs [999]"},
		{[]string{"notebook", "run", "--db", dbPath, none}, "no such file or directory"},
		{[]string{"sweep", none}, "no such file or directory"},
		{[]string{"sweep", "--db", "", none}, "--db: give the path"},
		{[]string{"sensitivity", none}, "no such file or directory"},
		{[]string{"optimize", none}, "no such file or directory"},
		{[]string{"calibrate", none}, "no such file or directory"},
		{[]string{"merge", filepath.Join(dir, "out.duckdb"), none}, "name the shard databases the shards wrote"},
		{[]string{"robust", "--vectors", "1"}, "--vectors 1: must be at least 2"},
		{[]string{"discover", "--db", dbPath, "--batch", "robust-nosuch-1", "--arm", "a", "--than", "b"}, "no robust study or sweep robust-nosuch-1"},
		{[]string{"discover", "--db", dbPath, "--batch", "x", "--arm", "a", "--than", "b", "--metric", "nosuch"}, "--metric nosuch: unknown"},
		{[]string{"scorecard", "--facts", none}, "no such file; give a facts file"},
		{[]string{"equivalence", dbPath, filepath.Join(dir, "none.duckdb")}, "no results database at"},
		{[]string{"equivalence", dbPath, dbPath}, "OLD and NEW are the same file"},
		{[]string{"equivalence", dbPath, dbPath + ".other", "--metrics", "nosuch"}, "--metrics: \"nosuch\" is not a figure of run_totals"},
		{[]string{"scorecard", "--scale", "0"}, "--scale 0: must be between 0.01 and 10"},
		{[]string{"scorecard", "--fact", "no.such.fact", "--db", dbPath}, "has no fact \"no.such.fact\""},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.args[0]] = true
		_, _, err := msgmon(t, ctx, c.args...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %q: exit code %d (%v), want %d", c.args, code, err, exitInput)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("msgmon %q: %q does not say %q", c.args, err, c.want)
		}
	}
	for _, c := range newRootCommand().Commands() {
		if name := c.Name(); name != "help" && name != "completion" && !covered[name] {
			t.Errorf("no bad-input case for msgmon %s", name)
		}
	}

	// Flags named alike in other commands keep their own values: export's
	// --format is parquet.
	if _, _, err := msgmon(t, ctx, "export", "--db", dbPath, "--out", filepath.Join(dir, "parquet")); err != nil {
		t.Errorf("export: %v", err)
	}

	// A run-time failure is not bad input: the file held by a writer.
	w, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, _, err = msgmon(t, ctx, "query", "--db", dbPath, "SELECT 1")
	if code := exitCode(err, nil); code != exitError {
		t.Errorf("query of a database held by a writer: exit code %d (%v), want %d", code, err, exitError)
	}
}

// TestQueryWritesNothing: query cannot write a file or reach one outside
// the database, nor turn that back on, and refuses several statements
// rather than print only the last one's result.
func TestQueryWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := emptyDB(t, dir)
	out := filepath.Join(dir, "x.csv")
	for _, c := range []struct{ sql, want string }{
		{"COPY (SELECT 1) TO '" + out + "'", "COPY TO is disabled"},
		{"EXPORT DATABASE '" + filepath.Join(dir, "exp") + "'", "disabled"},
		{"SELECT * FROM read_csv('" + dbPath + "')", "disabled"},
		{"ATTACH '" + filepath.Join(dir, "other.duckdb") + "' AS o", "disabled"},
		{"SET enable_external_access = true", "locked"},
		{"CREATE TABLE t (a INTEGER)", "read-only"},
		{"SELECT 1; SELECT 2", "several statements"},
	} {
		_, _, err := msgmon(t, ctx, "query", "--db", dbPath, c.sql)
		if exitCode(err, nil) != exitInput || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("query %q: %v, want exit %d saying %q", c.sql, err, exitInput, c.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "r.duckdb" {
			t.Errorf("query wrote %s", e.Name())
		}
	}
	// One statement, with ';' inside a string and at the end, is fine.
	got, _, err := msgmon(t, ctx, "query", "--db", dbPath, "--format", "csv", "SELECT 'a;b' AS s;")
	if err != nil || got != "s\na;b\n" {
		t.Errorf("one statement: %q, %v", got, err)
	}
}

// emptyDB makes a results database with the schema and no runs in dir.
func emptyDB(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "r.duckdb")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
