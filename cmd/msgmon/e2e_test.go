package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/reports"
)

const smallScenario = `name: small
seed: 7
replicates: 3
users: 2000
businesses: 40
days: 30
models:
  service_only: {}
  subscription: {}
  paid_push: {}
  status_ads: {}
`

// msgmon runs the command line in-process and returns stdout and stderr.
func msgmon(t *testing.T, ctx context.Context, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func scalar(t *testing.T, db *store.DB, q string) float64 {
	t.Helper()
	tb, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(tb.Rows) != 1 || len(tb.Rows[0]) != 1 {
		t.Fatalf("%s: %d rows", q, len(tb.Rows))
	}
	switch v := tb.Rows[0][0].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case nil:
		return 0
	default:
		t.Fatalf("%s: unexpected %T", q, v)
	}
	return 0
}

// compare a small scenario into a temporary database, then check the
// stored results with SQL: rules that must hold whatever the numbers.
func TestCompareEndToEnd(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(scen, []byte(smallScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "r.duckdb")
	out, _, err := msgmon(t, context.Background(), "compare", scen, "--db", dbPath, "-q")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"service+paid_push", "service+status_ads", "service+subscription", "Paired difference to service,",
		"service+paid_push vs service: paid_push adds reach msgs", "service+status_ads vs service: status_ads adds", "churn/1000", "report: "} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	pdfs, _ := filepath.Glob(filepath.Join(dir, "report-*.pdf"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "charts-*", "*.png"))
	if len(pdfs) != 1 || len(pngs) != 10 {
		t.Errorf("compare wrote %d reports and %d charts next to the database, want 1 and 10", len(pdfs), len(pngs))
	}
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checks := []struct{ name, sql string }{
		{"reach above the population", `SELECT count(*) FROM daily d JOIN runs r USING (run_id)
			WHERE d.reach_messages > r.users OR d.reach_messages_cum > r.users OR d.reach_ads_cum > r.users`},
		{"negative active follows", `SELECT count(*) FROM daily WHERE active_follows < 0`},
		{"cumulative reach going down", `SELECT count(*) FROM (SELECT reach_messages_cum - lag(reach_messages_cum) OVER (PARTITION BY run_id ORDER BY day) AS d FROM daily) WHERE d < 0`},
		{"money not conserved in a run", `SELECT count(*) FROM (SELECT run_id,
			sum(platform_revenue_service_micros + platform_revenue_messages_micros + platform_revenue_ads_micros
			  + platform_revenue_subscriptions_micros + platform_revenue_other_micros) AS platform,
			sum(business_spend_micros + user_spend_micros - business_revenue_micros) AS paid
			FROM daily GROUP BY run_id) WHERE platform <> paid`},
		{"follow identity (start + gained - unfollows - blocked follows = end)", `SELECT count(*) FROM run_totals
			WHERE active_follows_start + follows_gained - unfollows - follows_blocked <> active_follows_end`},
		{"business books disagree with daily rows", `SELECT count(*) FROM (SELECT run_id, sum(spend_micros) AS b FROM business_summary GROUP BY run_id)
			JOIN (SELECT run_id, sum(business_spend_micros) AS d FROM daily GROUP BY run_id) USING (run_id) WHERE b <> d`},
	}
	for _, c := range checks {
		if n := scalar(t, db, c.sql); n != 0 {
			t.Errorf("%s: %v rows", c.name, n)
		}
	}
	if n := scalar(t, db, `SELECT count(DISTINCT arm) FROM runs`); n != 4 {
		t.Errorf("%v arms stored, want 4", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM (SELECT DISTINCT count(*) FROM runs GROUP BY arm)`); n != 1 {
		t.Error("arms have different numbers of replicates")
	}
	if n := scalar(t, db, `SELECT count(*) FROM (SELECT DISTINCT count(*) FROM daily GROUP BY run_id)`); n != 1 {
		t.Error("runs have different numbers of days")
	}
	if n := scalar(t, db, `SELECT count(*) FROM daily`); n != 4*3*30 {
		t.Errorf("%v daily rows, want 4 arms x 3 replicates x 30 days", n)
	}
	if n := scalar(t, db, `SELECT CAST(sum(platform_revenue_messages_micros) AS BIGINT) FROM daily JOIN runs USING (run_id) WHERE arm = 'service+paid_push'`); n <= 0 {
		t.Error("paid push earned nothing: the checks above would prove little")
	}

	// Every notebook in notebooks/ runs on the small comparison, and every
	// query cell returns rows.
	notebooks, _ := filepath.Glob(filepath.Join("..", "..", "notebooks", "*.md"))
	var nbs []string
	for _, f := range notebooks {
		if filepath.Base(f) != "README.md" {
			nbs = append(nbs, f)
		}
	}
	if len(nbs) < 3 {
		t.Errorf("found %d notebooks in notebooks/, want at least 3", len(nbs))
	}
	nbOut := filepath.Join(dir, "nb")
	// All of notebooks/*.md, as the README runs them: README.md, which
	// has no sql cell, is skipped.
	out, _, err = msgmon(t, context.Background(), append([]string{"notebook", "run", "--db", dbPath, "--out", nbOut, "--require-rows"}, notebooks...)...)
	if err != nil {
		t.Errorf("notebook run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "README.md: no sql cells, skipped") {
		t.Errorf("notebook run of notebooks/*.md did not skip README.md:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(nbOut, "README.html")); err == nil {
		t.Error("README.md was rendered as a notebook")
	}
	for _, f := range nbs {
		stem := strings.TrimSuffix(filepath.Base(f), ".md")
		for _, p := range []string{stem + ".html", stem + ".md"} {
			if st, err := os.Stat(filepath.Join(nbOut, p)); err != nil || st.Size() == 0 {
				t.Errorf("notebook %s: %s not written: %v", f, p, err)
			}
		}
	}
	if _, _, err = msgmon(t, context.Background(), append([]string{"notebook", "run", "--db", dbPath, "--out", nbOut}, nbs[0])...); err == nil || exitCode(err, nil) != exitInput {
		t.Errorf("notebook run over its own output without --force: %v, want a refusal with exit %d", err, exitInput)
	}

	// Without msgmon: the notebooks' sql cells, joined into one script as
	// notebooks/README.md pipes them into the DuckDB CLI, run as one batch.
	for _, f := range nbs {
		src, _ := os.ReadFile(f)
		n, err := reports.ParseNotebook(f, src)
		if err != nil {
			t.Fatal(err)
		}
		var script strings.Builder
		for _, c := range n.Cells {
			if c.Kind == reports.SQL {
				script.WriteString(c.Text)
			}
		}
		if _, err := db.Query(context.Background(), script.String()); err != nil {
			t.Errorf("%s as one SQL script: %v", f, err)
		}
	}

	broken := writeFile(t, dir, "broken.md", "# Broken\n\n```sql\nSELECT arm,\n  nosuchcolumn\nFROM runs\n```\n")
	_, _, err = msgmon(t, context.Background(), "notebook", "run", "--db", dbPath, "--out", nbOut, broken)
	if err == nil || !strings.HasPrefix(err.Error(), broken+":5: ") || !strings.Contains(err.Error(), "nosuchcolumn") {
		t.Errorf("broken notebook: %v; want %s:5: and DuckDB's message", err, broken)
	}

	// query: formats and DuckDB's own error message with a non-zero exit.
	out, _, err = msgmon(t, context.Background(), "query", "--db", dbPath, "--format", "csv", "SELECT arm, count(*) AS n FROM runs GROUP BY arm ORDER BY arm")
	if err != nil || !strings.HasPrefix(out, "arm,n\nservice,3\nservice+paid_push,3\n") {
		t.Errorf("query csv: %v\n%s", err, out)
	}
	_, _, err = msgmon(t, context.Background(), "query", "--db", dbPath, "SELECT nosuchcolumn FROM runs")
	if err == nil || !strings.Contains(err.Error(), "nosuchcolumn") || exitCode(err, nil) == 0 {
		t.Errorf("bad SQL: %v", err)
	}
}

// A compare cancelled midway leaves only whole runs, and the database
// takes the next command.
func TestCompareCancelled(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(scen, []byte(smallScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "r.duckdb")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // cancelled before the first day ends
	_, _, err := msgmon(t, ctx, "run", scen, "--db", dbPath, "-q")
	if !errors.Is(err, context.Canceled) || exitCode(err, nil) != exitInterrupted {
		t.Fatalf("got %v (exit %d), want cancellation", err, exitCode(err, nil))
	}
	if _, _, err := msgmon(t, context.Background(), "run", scen, "--db", dbPath, "-q", "--arm", "service+paid_push", "--replicates", "1"); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := scalar(t, db, `SELECT count(*) FROM runs`); n != 1 {
		t.Errorf("%v runs stored, want the one finished run", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM daily WHERE run_id NOT IN (SELECT run_id FROM runs)`); n != 0 {
		t.Errorf("%v orphan daily rows", n)
	}
}

// Bad input is an input error (exit 2) naming file, line and field.
func TestBadScenario(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "bad.yaml")
	bad := strings.Replace(smallScenario, "users: 2000", "users: -5", 1)
	if err := os.WriteFile(scen, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := msgmon(t, context.Background(), "compare", scen, "--db", filepath.Join(dir, "r.duckdb"))
	if err == nil || exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "bad.yaml:4: users") {
		t.Errorf("got %v (exit %d), want bad.yaml:4: users ... and exit %d", err, exitCode(err, nil), exitInput)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.duckdb")); err == nil {
		t.Error("a database was created for a scenario that does not load")
	}
}

// A --baseline that is not an arm is bad input, refused before anything
// runs, naming the arms; one that is an arm is the reference of the table.
func TestCompareBaseline(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(scen, []byte(smallScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "r.duckdb")
	_, _, err := msgmon(t, context.Background(), "compare", scen, "--db", dbPath, "--baseline", "nosuch")
	if err == nil || exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "service, service+subscription, service+paid_push, service+status_ads") {
		t.Errorf("got %v (exit %d), want the arms and exit %d", err, exitCode(err, nil), exitInput)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Error("a database was created for a comparison that was refused")
	}
	_, _, err = msgmon(t, context.Background(), "compare", scen, "--db", dbPath, "--arm", "service+paid_push", "--arm", "service+status_ads", "--baseline", "service")
	if err == nil || exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "service+paid_push, service+status_ads") {
		t.Errorf("got %v, want the arms left by --arm", err)
	}
	out, _, err := msgmon(t, context.Background(), "compare", scen, "--db", dbPath, "-q", "--no-report",
		"--arm", "service", "--arm", "service+paid_push", "--baseline", "service+paid_push")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Paired difference to service+paid_push,") || !strings.Contains(out, "service vs service+paid_push: leaving out paid_push changes reach msgs") {
		t.Errorf("the table is not against service+paid_push:\n%s", out)
	}
}

// An unknown preset is bad input (exit 2) that lists the presets.
func TestUnknownPreset(t *testing.T) {
	_, _, err := msgmon(t, context.Background(), "compare", "--preset", "nosuch", "--db", filepath.Join(t.TempDir(), "r.duckdb"))
	if err == nil || exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "default") {
		t.Errorf("got %v (exit %d), want the list of presets and exit %d", err, exitCode(err, nil), exitInput)
	}
}

// A scenario too large for the machine is refused before anything is
// built or stored, saying how large it is and what to lower.
func TestTooLargeRefused(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "huge.yaml")
	huge := strings.Replace(smallScenario, "users: 2000", "users: 50000000", 1)
	huge = strings.Replace(huge, "businesses: 40", "businesses: 1000000", 1)
	if err := os.WriteFile(scen, []byte(huge), 0o644); err != nil {
		t.Fatal(err)
	}
	if study.AvailableMemory() > 200<<30 {
		t.Skip("this machine has room for 50 million users")
	}
	_, _, err := msgmon(t, context.Background(), "run", scen, "--db", filepath.Join(dir, "r.duckdb"))
	if err == nil || exitCode(err, nil) != exitInput || !strings.Contains(err.Error(), "lower users to at most") {
		t.Fatalf("got %v (exit %d)", err, exitCode(err, nil))
	}
	if _, err := os.Stat(filepath.Join(dir, "r.duckdb")); err == nil {
		t.Error("a database was created for a scenario that was refused")
	}
}

// Replicates run side by side (--parallel) store the same runs as one at a
// time: same arms, replicates, seeds and every daily number; and run
// prints the range of the run ids it stored.
func TestRunParallelReplicates(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(scen, []byte(smallScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT r.arm, r.replicate, r.seed, d.day, d.sends_push, d.sends_folder, d.unfollows, d.blocks,
		d.ad_impressions, d.conversations, d.active_follows, d.business_spend_micros, d.business_revenue_micros
		FROM daily d JOIN runs r USING (run_id) ORDER BY r.arm, r.replicate, d.day`
	var got [2]string
	for i, par := range []string{"1", "3"} {
		db := filepath.Join(dir, "p"+par+".duckdb")
		out, _, err := msgmon(t, context.Background(), "run", scen, "--db", db, "-q", "--parallel", par, "--workers", "1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "stored 12 runs") || !strings.Contains(out, "run ids 1-12") {
			t.Errorf("--parallel %s: %q, want 12 runs with ids 1-12", par, out)
		}
		d, err := store.OpenReadOnly(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := d.Query(context.Background(), q)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(tb.Rows) != 4*3*30 {
			t.Fatalf("--parallel %s: %d daily rows, want 360", par, len(tb.Rows))
		}
		got[i] = fmt.Sprint(tb.Rows)
	}
	if got[0] != got[1] {
		t.Error("runs stored with --parallel 3 differ from those stored one at a time")
	}
}
