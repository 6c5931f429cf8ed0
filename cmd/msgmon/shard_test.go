package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

// The tests choose their shards themselves: a test binary started inside
// a Slurm array task or an Indexed Job pod must not shard every command.
func init() {
	for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "MSGMON_SHARD_COUNT"} {
		os.Unsetenv(v)
	}
}

// studyRows returns every stored row of the database, table by table, as
// sorted text lines keyed by run key: all columns but the run id and the
// times a run started and finished. Two databases with the same lines
// hold the same runs with the same results.
func studyRows(t *testing.T, dbPath string) []string {
	t.Helper()
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, q := range []string{
		`SELECT 'runs', r.* EXCLUDE (run_id, started_at, finished_at) FROM runs r`,
		`SELECT 'daily', r.run_key, d.* EXCLUDE (run_id) FROM daily d JOIN runs r USING (run_id)`,
		`SELECT 'business', r.run_key, b.* EXCLUDE (run_id) FROM business_summary b JOIN runs r USING (run_id)`,
		`SELECT 'segment', r.run_key, s.* EXCLUDE (run_id) FROM segment_summary s JOIN runs r USING (run_id)`,
		`SELECT 'channels', r.run_key, c.* EXCLUDE (run_id) FROM business_channels c JOIN runs r USING (run_id)`,
	} {
		tb, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, row := range tb.Rows {
			out = append(out, fmt.Sprint(row...))
		}
	}
	slices.Sort(out)
	return out
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s: first difference at row %d:\n got %.300s\nwant %.300s", what, i, got[i], want[i])
			return
		}
	}
}

// shardCompare runs shards 1..n of a comparison of scen into
// dir/name.duckdb's shard files and merges them into dir/name.duckdb.
func shardCompare(t *testing.T, scen, dir, name string, n int) string {
	t.Helper()
	db := filepath.Join(dir, name+".duckdb")
	var shards []string
	for i := 1; i <= n; i++ {
		if _, _, err := msgmon(t, context.Background(), "compare", scen, "--db", db, "-q", "--shard", fmt.Sprintf("%d/%d", i, n)); err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
		shards = append(shards, study.ShardPath(db, experiment.Shard{Index: i, Count: n}))
	}
	if _, _, err := msgmon(t, context.Background(), append([]string{"merge", db}, shards...)...); err != nil {
		t.Fatalf("merge of %d shards: %v", n, err)
	}
	return db
}

// A comparison split into 1, 3 and 7 shards, each run on its own and
// merged, holds the same rows, run for run, as the one process that ran
// it whole (shard 1/1); and the report reads the merged database.
func TestShardsMergeToTheSameRows(t *testing.T) {
	dir := t.TempDir()
	scen := writeScenario(t, dir, smallScenario)
	one := shardCompare(t, scen, dir, "one", 1)
	want := studyRows(t, one)
	if len(want) < 12 {
		t.Fatalf("the whole study stored only %d rows", len(want))
	}
	// 15 shards of 12 runs: three shards are empty and merge all the same.
	for _, n := range []int{3, 7, 15} {
		got := studyRows(t, shardCompare(t, scen, dir, fmt.Sprintf("split%d", n), n))
		sameRows(t, fmt.Sprintf("%d shards merged", n), got, want)
	}
	// The shards' batch is the study's, so the report finds every run.
	db := filepath.Join(dir, "split3.duckdb")
	out, _, err := msgmon(t, context.Background(), "query", "--db", db, "SELECT count(*) AS n, count(DISTINCT batch_id) AS b FROM run_totals")
	if err != nil || !strings.Contains(out, "12") {
		t.Errorf("query of the merged database: %v\n%s", err, out)
	}
	// The default scenario without shards keeps its own random batch.
	if _, _, err := msgmon(t, context.Background(), "report", "--db", db, "--batch", strings.Fields(studyIDOf(t, db))[0], "--out", filepath.Join(dir, "r.pdf")); err != nil {
		t.Errorf("report of the merged database: %v", err)
	}
}

func studyIDOf(t *testing.T, db string) string {
	t.Helper()
	d, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb, err := d.Query(context.Background(), "SELECT study_id FROM studies")
	if err != nil || len(tb.Rows) != 1 {
		t.Fatalf("studies of %s: %v %v", db, err, tb)
	}
	return tb.Rows[0][0].(string)
}

// A sweep split into 3 shards merges to the rows of the whole sweep, and
// its views work on the merged database.
func TestSweepShardsMerge(t *testing.T) {
	dir := t.TempDir()
	writeScenario(t, dir, smallScenario)
	sweep := writeFile(t, dir, "sweep.yaml", `name: shard-sweep
scenario: s.yaml
set: {days: 20}
arms: [service, service+paid_push]
replicates: 2
parameters:
  - path: business.sends_per_week_mean
    values: [1, 3]
`)
	whole := filepath.Join(dir, "whole.duckdb")
	if _, _, err := msgmon(t, context.Background(), "sweep", sweep, "--db", whole, "-q"); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "split.duckdb")
	var shards []string
	for i := 1; i <= 3; i++ {
		if _, _, err := msgmon(t, context.Background(), "sweep", sweep, "--db", db, "-q", "--shard", fmt.Sprintf("%d/3", i)); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, study.ShardPath(db, experiment.Shard{Index: i, Count: 3}))
	}
	if _, _, err := msgmon(t, context.Background(), append([]string{"merge", db}, shards...)...); err != nil {
		t.Fatal(err)
	}
	// The unsharded sweep records no study; its runs are the same.
	sameRows(t, "3 sweep shards merged", studyRows(t, db), studyRows(t, whole))
	out, _, err := msgmon(t, context.Background(), "query", "--db", db, "SELECT count(*) FROM sweep_shard_sweep_summary")
	if err != nil || !strings.Contains(out, "4") {
		t.Errorf("sweep summary view on the merged database: %v\n%s", err, out)
	}
	// The sweep itself, started on the merged database, has nothing left
	// to run and prints its table.
	out, _, err = msgmon(t, context.Background(), "sweep", sweep, "--db", db, "-q")
	if err != nil || !strings.Contains(out, "8 runs of 2 points") {
		t.Errorf("sweep on the merged database: %v\n%s", err, out)
	}
	sameRows(t, "after the sweep ran on the merged database", studyRows(t, db), studyRows(t, whole))
}

// Every refusal of a merge is bad input (exit 2) saying what to change,
// and leaves what the output held as it was.
func TestMergeRefusals(t *testing.T) {
	dir := t.TempDir()
	scen := writeScenario(t, dir, strings.Replace(smallScenario, "days: 30", "days: 10", 1))
	other := writeFile(t, dir, "other.yaml", strings.Replace(strings.Replace(smallScenario, "days: 30", "days: 10", 1), "seed: 7", "seed: 8", 1))
	run := func(scen, db, shard string) string {
		t.Helper()
		if _, _, err := msgmon(t, context.Background(), "compare", scen, "--db", db, "-q", "--shard", shard); err != nil {
			t.Fatal(err)
		}
		sh, _ := experiment.ParseShard(shard)
		return study.ShardPath(db, sh)
	}
	a := filepath.Join(dir, "a.duckdb")
	a1, a2 := run(scen, a, "1/2"), run(scen, a, "2/2")
	b1 := run(other, filepath.Join(dir, "b.duckdb"), "1/2")
	saved := versionString
	versionString = "9.9.9-other"
	v2 := run(scen, filepath.Join(dir, "v.duckdb"), "2/2")
	versionString = saved

	out := filepath.Join(dir, "out.duckdb")
	if _, _, err := msgmon(t, context.Background(), "merge", out, a1); exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "shard 2/2") || !strings.Contains(err.Error(), "--allow-partial") {
		t.Errorf("merge of 1 of 2 shards: %v, want exit 2 naming shard 2/2 and --allow-partial", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused merge left a new output behind")
	}
	stdout, _, err := msgmon(t, context.Background(), "merge", "--allow-partial", out, a1)
	if err != nil || !strings.Contains(stdout, "missing (--allow-partial): shard 2/2") {
		t.Fatalf("partial merge: %v\n%s", err, stdout)
	}
	// Merging again adds nothing; the missing shard completes it.
	before := studyRows(t, out)
	if _, _, err := msgmon(t, context.Background(), "merge", "--allow-partial", out, a1, a1); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "merge of the same shard again", studyRows(t, out), before)
	if stdout, _, err = msgmon(t, context.Background(), "merge", out, a1, a2); err != nil || !strings.Contains(stdout, "12 of the study's 12 runs") {
		t.Fatalf("completing merge: %v\n%s", err, stdout)
	}
	full := studyRows(t, out)

	notDB := writeFile(t, dir, "notes.duckdb", "not a database\n")
	plain := filepath.Join(dir, "plain.duckdb")
	if sdb, err := sql.Open("duckdb", plain); err != nil {
		t.Fatal(err)
	} else {
		if _, err := sdb.Exec("CREATE TABLE x (i INTEGER)"); err != nil {
			t.Fatal(err)
		}
		sdb.Close()
	}
	// A shard whose run differs from the one in the output.
	changed := filepath.Join(dir, "changed.duckdb")
	copyFile(t, a2, changed)
	if sdb, err := sql.Open("duckdb", changed); err != nil {
		t.Fatal(err)
	} else {
		if _, err := sdb.Exec("UPDATE daily SET clicks = clicks + 1 WHERE day = 3"); err != nil {
			t.Fatal(err)
		}
		sdb.Close()
	}
	for _, c := range []struct {
		shards []string
		want   []string
	}{
		{[]string{a1, b1}, []string{"two different studies", a1, b1}},
		{[]string{a1, v2}, []string{"msgmon 9.9.9-other", "run every shard with one version"}},
		{[]string{a1, notDB}, []string{notDB, "is not a msgmon database"}},
		{[]string{a1, plain}, []string{plain, "not a msgmon database", "--shard"}},
		{[]string{changed}, []string{"different content", out, changed}},
		{[]string{a1, filepath.Join(dir, "none.duckdb")}, []string{"none.duckdb", "no such file"}},
	} {
		_, _, err := msgmon(t, context.Background(), append([]string{"merge", out}, c.shards...)...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("merge %v: exit %d (%v), want %d", c.shards, code, err, exitInput)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("merge %v: %q does not say %q", c.shards, err, w)
			}
		}
		sameRows(t, fmt.Sprintf("output after the refused merge of %v", c.shards), studyRows(t, out), full)
	}
	// Two shards that disagree on a run, into a new output: refused, both
	// named, and no output left behind.
	fresh := filepath.Join(dir, "fresh.duckdb")
	_, _, err = msgmon(t, context.Background(), "merge", fresh, a1, a2, changed)
	if exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), a2) || !strings.Contains(err.Error(), changed) {
		t.Errorf("merge of two shards that disagree: %v, want exit 2 naming both", err)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("a refused merge left a new output behind")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A shard that is not one of its count, or not a shard at all, is bad
// input that says what to write instead.
func TestBadShard(t *testing.T) {
	dir := t.TempDir()
	scen := writeScenario(t, dir, smallScenario)
	sweep := writeFile(t, dir, "sweep.yaml", "name: x\nscenario: s.yaml\nparameters:\n  - path: business.sends_per_week_mean\n    values: [1, 2]\n")
	for _, c := range []struct {
		shard, want string
	}{
		{"3/2", "the index I must be between 1 and 2"},
		{"0/0", "the count N must be at least 1"},
		{"x", "write I/N"},
		{"0/4", "shards are counted from 1"},
		{"9223372036854775807/9223372036854775807", "the count N must be at most 100000"},
		{"1/99999999999", "the count N must be at most 100000"},
	} {
		for _, verb := range []string{"compare", "sweep", "sensitivity"} {
			arg := scen
			if verb != "compare" {
				arg = sweep
			}
			db := filepath.Join(dir, "r.duckdb")
			_, _, err := msgmon(t, context.Background(), verb, arg, "--db", db, "-q", "--shard", c.shard)
			if code := exitCode(err, nil); code != exitInput || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--shard "+c.shard) {
				t.Errorf("%s --shard %s: exit %d (%v), want %d saying %q", verb, c.shard, code, err, exitInput, c.want)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("refused shards wrote files: %v", entries)
	}
}
