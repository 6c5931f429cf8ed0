package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/msgmon/msgmon/datasets/store"
)

// These tests run the real binary, as a user's shell would, and stop it
// from outside.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the msgmon binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "msgmon-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "msgmon")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

const killScenario = `name: kill
seed: 3
replicates: 3
users: 4000
businesses: 60
days: 40
models:
  service_only: {}
  subscription: {}
  paid_push: {}
  status_ads: {}
`

func writeScenario(t *testing.T, dir, body string) string {
	t.Helper()
	return writeFile(t, dir, "s.yaml", body)
}

// writeFile writes body to the file name in dir and returns its path; a
// file the test cannot write fails the test there, not later as a
// puzzling error of the command that reads it.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// consistent checks that the database holds only whole runs and returns a
// fingerprint of each stored run (its row counts and a column sum).
func consistent(t *testing.T, dbPath string) map[int64]string {
	t.Helper()
	if _, err := os.Stat(dbPath); err != nil {
		return map[int64]string{}
	}
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if errors.Is(err, store.ErrNoResults) {
		return map[int64]string{} // killed while it set the schema up: nothing stored
	}
	if err != nil {
		t.Fatalf("reopening after the stop: %v", err)
	}
	defer db.Close()
	q := func(sql string) [][]any {
		tb, err := db.Query(context.Background(), sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return tb.Rows
	}
	// Rows of no run belong to no run (the views that join runs leave them
	// out) and the next command that writes removes them (noOrphans checks
	// that); a kill should leave none.
	for _, tb := range []string{"daily", "business_summary", "segment_summary"} {
		if rows := q(`SELECT count(*) FROM ` + tb + ` WHERE run_id NOT IN (SELECT run_id FROM runs)`); rows[0][0].(int64) != 0 {
			t.Logf("note: %v %s rows of no run", rows[0][0], tb)
		}
	}
	prints := map[int64]string{}
	for _, row := range q(`SELECT r.run_id, r.days, r.businesses,
			(SELECT count(*) FROM daily d WHERE d.run_id = r.run_id),
			(SELECT count(*) FROM business_summary b WHERE b.run_id = r.run_id),
			(SELECT CAST(sum(sends_push) AS BIGINT) FROM daily d WHERE d.run_id = r.run_id)
			FROM runs r ORDER BY r.run_id`) {
		id := row[0].(int64)
		if fmt.Sprint(row[1]) != fmt.Sprint(row[3]) || fmt.Sprint(row[2]) != fmt.Sprint(row[4]) {
			t.Errorf("run %d is not whole: %v of %v days, %v of %v businesses", id, row[3], row[1], row[4], row[2])
		}
		prints[id] = fmt.Sprint(row[1:])
	}
	return prints
}

// kill -9 of msgmon run and compare at random moments leaves no partial
// run, every completed run intact, and the next command working.
func TestKillNine(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	scen := writeScenario(t, dir, killScenario)
	dbPath := filepath.Join(dir, "r.duckdb")
	rnd := rand.New(rand.NewPCG(8, 8))
	before := map[int64]string{}
	const kills = 10
	killed := 0
	// 12 runs of 4,000 users over 200 days: a few seconds a command. The
	// kills fall anywhere in the time one uninterrupted command takes on
	// this machine, so that most land mid-way however fast it is.
	scen = writeScenario(t, dir, strings.Replace(killScenario, "days: 40", "days: 200", 1))
	span := timeCommand(t, bin, "compare", scen, "--db", filepath.Join(dir, "timing.duckdb"), "-q", "--no-report")
	for i := 0; i < kills; i++ {
		verb := []string{"run", "compare"}[i%2]
		cmd := exec.Command(bin, verb, scen, "--db", dbPath, "-q", "--no-report")
		if verb == "run" {
			cmd = exec.Command(bin, verb, scen, "--db", dbPath, "-q")
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := randomDelay(rnd, span*9/10)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		what := "killed"
		select {
		case <-time.After(delay):
			_ = cmd.Process.Kill()
			<-done
			killed++
		case err := <-done:
			if err != nil {
				t.Fatalf("%s ended before the kill: %v", verb, err)
			}
			what = "finished before being killed"
		}
		after := consistent(t, dbPath)
		for id, fp := range before {
			if after[id] != fp {
				t.Errorf("kill %d: completed run %d changed from %s to %q", i, id, fp, after[id])
			}
		}
		t.Logf("kill %d: %s %s at %v (an uninterrupted compare took %v); %d whole runs stored",
			i, verb, what, delay.Round(time.Millisecond), span.Round(time.Millisecond), len(after))
		before = after
	}
	if killed < kills/2 {
		t.Errorf("only %d of %d commands were killed mid-way: the test proves little", killed, kills)
	}
	// The next commands work.
	out, err := exec.Command(bin, "run", scen, "--db", dbPath, "-q", "--replicates", "1", "--arm", "service+paid_push").CombinedOutput()
	if err != nil {
		t.Fatalf("run after the kills: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "query", "--db", dbPath, "--format", "csv", "SELECT count(*) AS n FROM runs").CombinedOutput()
	if err != nil {
		t.Fatalf("query after the kills: %v\n%s", err, out)
	}
	consistent(t, dbPath)
	noOrphans(t, dbPath)
}

// noOrphans fails if the database holds rows of no run. Call it after a
// command that wrote: opening for writing removes them.
func noOrphans(t *testing.T, dbPath string) {
	t.Helper()
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tb := range []string{"daily", "business_summary", "segment_summary"} {
		q := `SELECT count(*) FROM ` + tb + ` WHERE run_id NOT IN (SELECT run_id FROM runs)`
		tab, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n := tab.Rows[0][0].(int64); n != 0 {
			t.Errorf("%d %s rows of no run after a command that wrote", n, tb)
		}
	}
}

// SIGINT and SIGTERM stop at the end of a day with exit codes 130 and 143
// and leave only whole runs, in run and in the commands that run many
// points (sweep and robust close the database they opened on the way out).
func TestSignals(t *testing.T) {
	bin := binary(t)
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		cmd  string
	}{{syscall.SIGINT, exitInterrupted, "run"}, {syscall.SIGTERM, exitTerminated, "run"},
		{syscall.SIGINT, exitInterrupted, "sweep"}, {syscall.SIGINT, exitInterrupted, "robust"}} {
		dir := t.TempDir()
		// Long enough to be running still when the signal comes, on any
		// machine: the signal ends it after the current day.
		scen := writeScenario(t, dir, strings.Replace(killScenario, "days: 40", "days: 3000", 1))
		dbPath := filepath.Join(dir, "r.duckdb")
		args := []string{c.cmd, scen, "--db", dbPath, "-q"}
		switch c.cmd {
		case "sweep":
			sw := writeFile(t, dir, "sweep.yaml", "name: sig\nscenario: "+filepath.Base(scen)+
				"\ndesign: grid\nparameters:\n  - {path: business.sends_per_week_mean, values: [1, 2]}\n")
			args = []string{"sweep", sw, "--db", dbPath, "-q"}
		case "robust":
			args = append(args, "--vectors", "2", "--replicates", "1", "--no-report")
		}
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Errorf("%s, %v: got %v, want exit code %d", c.cmd, c.sig, err, c.code)
		}
		consistent(t, dbPath)
	}
}

// While a run writes, a second writer gets a clear message and a query
// either works or gets a clear message; the file stays whole.
func TestConcurrentUse(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	// Long enough to be running still after the checks; SIGINT ends it.
	scen := writeScenario(t, dir, strings.Replace(killScenario, "days: 40", "days: 3000", 1))
	dbPath := filepath.Join(dir, "r.duckdb")
	first := exec.Command(bin, "run", scen, "--db", dbPath, "-q")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	out, err := exec.Command(bin, "run", scen, "--db", dbPath, "-q").CombinedOutput()
	holder := fmt.Sprintf("locked by another process, %s (PID %d)", bin, first.Process.Pid)
	if err == nil || !strings.Contains(string(out), holder) {
		t.Errorf("second writer: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "query", "--db", dbPath, "SELECT count(*) FROM runs").CombinedOutput()
	if err != nil && !strings.Contains(string(out), holder) {
		t.Errorf("query during a run: %v\n%s", err, out)
	}
	_ = first.Process.Signal(syscall.SIGINT)
	_ = first.Wait()
	consistent(t, dbPath)
}

// runRows returns every stored row of the runs under each run key (all
// columns but the run id and the times), to compare databases run by run.
func runRows(t *testing.T, dbPath string) map[string]string {
	t.Helper()
	db, err := store.OpenReadOnly(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, q := range []string{
		`SELECT r.run_key, r.arm, r.replicate, r.seed, CAST(r.params AS VARCHAR), r.scenario_hash FROM runs r ORDER BY r.run_key`,
		`SELECT r.run_key, d.* EXCLUDE (run_id) FROM daily d JOIN runs r USING (run_id) ORDER BY r.run_key, d.day`,
		`SELECT r.run_key, b.* EXCLUDE (run_id) FROM business_summary b JOIN runs r USING (run_id) ORDER BY r.run_key, b.business_id`,
		`SELECT r.run_key, s.* EXCLUDE (run_id) FROM segment_summary s JOIN runs r USING (run_id) ORDER BY r.run_key, s.market, s.tolerance_band`,
	} {
		tb, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, row := range tb.Rows {
			k := row[0].(string)
			out[k] += fmt.Sprint(row[1:]) + "\n"
		}
	}
	return out
}

// A sweep killed with -9 at random moments and started again, each time
// on two runs at once, ends with exactly the rows of one uninterrupted
// sweep on one run at a time.
func TestSweepKilledAndResumed(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	writeScenario(t, dir, strings.Replace(killScenario, "days: 40", "days: 200", 1))
	sweep := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(sweep, []byte(`name: kill-sweep
scenario: s.yaml
arms: [service, service+paid_push]
replicates: 3
parameters:
  - path: business.sends_per_week_mean
    values: [1, 3]
  - path: models.paid_push.adoption
    values: [0.5, 1]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.duckdb")
	span := timeCommand(t, bin, "sweep", sweep, "--db", ref, "-q", "--parallel", "1")
	want := runRows(t, ref)
	if len(want) != 4*2*3 {
		t.Fatalf("uninterrupted sweep stored %d runs, want 24", len(want))
	}

	dbPath := filepath.Join(dir, "killed.duckdb")
	rnd := rand.New(rand.NewPCG(9, 9))
	before := map[int64]string{}
	killed, finished := 0, false
	for i := 0; i < 6 && !finished; i++ {
		cmd := exec.Command(bin, "sweep", sweep, "--db", dbPath, "-q", "--parallel", "2")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A resumed sweep skips the runs stored and makes two at once:
		// after a start-up, a run takes about half of what one took in the
		// uninterrupted sweep. Kill before half the runs left are done.
		perRun := span / time.Duration(2*len(want))
		delay := randomDelay(rnd, 250*time.Millisecond+perRun*time.Duration(len(want)-len(before))/2)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-time.After(delay):
			_ = cmd.Process.Kill()
			<-done
			killed++
		case err := <-done:
			if err != nil {
				t.Fatalf("sweep ended before the kill: %v", err)
			}
			finished = true
		}
		after := consistent(t, dbPath)
		for id, fp := range before {
			if after[id] != fp {
				t.Errorf("kill %d: completed run %d changed from %s to %q", i, id, fp, after[id])
			}
		}
		t.Logf("sweep %d: %s after %v; %d whole runs stored", i, map[bool]string{true: "finished", false: "killed"}[finished], delay, len(after))
		before = after
	}
	if killed < 3 {
		t.Errorf("only %d sweeps were killed mid-way: the test proves little", killed)
	}
	if !finished {
		if out, err := exec.Command(bin, "sweep", sweep, "--db", dbPath, "-q", "--parallel", "2").CombinedOutput(); err != nil {
			t.Fatalf("resumed sweep: %v\n%s", err, out)
		}
	}
	noOrphans(t, dbPath)
	got := runRows(t, dbPath)
	if len(got) != len(want) {
		t.Errorf("resumed sweep stored %d runs, the uninterrupted one %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("run %s differs between the resumed and the uninterrupted sweep", k)
		}
	}
}

// timeCommand runs the binary with args to the end and returns how long it
// took; the kill tests scale their delays by it.
func timeCommand(t *testing.T, bin string, args ...string) time.Duration {
	t.Helper()
	t0 := time.Now()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("msgmon %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return time.Since(t0)
}

// randomDelay is uniform between 50 ms and max (at least 100 ms).
func randomDelay(rnd *rand.Rand, max time.Duration) time.Duration {
	const lo = 50 * time.Millisecond
	if max < 2*lo {
		max = 2 * lo
	}
	return lo + time.Duration(rnd.Int64N(int64(max-lo)))
}
