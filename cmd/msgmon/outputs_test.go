package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

// tinyCalibration is a calibration small enough to run in a second: 200
// users for a week, three evaluations, two targets with a tolerance (so
// that --plausible can draw a set). base is the study's scenario: an
// embedded name or a file.
func tinyCalibration(base string) string {
	return `name: tiny
scenario: ` + base + `
set:
  users: 200
  businesses: 10
  days: 7
arms: [service+paid_push]
replicates: 1
design: calibrate
budget: 3
targets:
  - name: reacted
    horizon_days: 7
    output: users_reacted::DOUBLE / greatest(reach_messages_cum, 1)
    value: 0.1
    tolerance: 0.5
  - name: reacted again
    horizon_days: 7
    output: users_reacted::DOUBLE / greatest(reach_messages_cum, 1)
    value: 0.2
    tolerance: 0.5
parameters:
  - {path: behaviour.react_rate, min: 0.001, max: 1, scale: log}
  - {path: behaviour.react_shape, min: 0.2, max: 4}
`
}

// abcFlags draw the smallest plausible set.
var abcFlags = []string{"--plausible", "2", "--generations", "1", "--abc-budget", "4"}

// tinyResults is a results database of one small comparison in dir.
func tinyResults(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "r.duckdb")
	if _, _, err := msgmon(t, context.Background(), "compare", "--users", "200", "--days", "3",
		"--replicates", "1", "--db", db, "--no-report", "-q"); err != nil {
		t.Fatal(err)
	}
	return db
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOutputsNeverNameInputs: an output that names the database, a file
// the command reads or another output of the same command is refused
// before any work, --force or not, with exit 2 and a message naming both
// flags; whatever the path looks like (./x for x, a symbolic or a hard
// link), and the file it names is left as it was.
func TestOutputsNeverNameInputs(t *testing.T) {
	dir := t.TempDir()
	db := tinyResults(t, dir)
	calFile := writeFile(t, dir, "cal.yaml", tinyCalibration("default"))
	base := writeFile(t, dir, "base.yaml", smallScenario)
	onBase := writeFile(t, dir, "onbase.yaml", tinyCalibration("base.yaml"))
	nbDir := filepath.Join(dir, "nb")
	if err := os.MkdirAll(nbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	nb := filepath.Join(nbDir, "churn-by-segment.md")
	if err := os.WriteFile(nb, readBytes(t, filepath.Join("..", "..", "notebooks", "churn-by-segment.md")), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink := filepath.Join(dir, "link.duckdb")
	if err := os.Symlink(db, symlink); err != nil {
		t.Fatal(err)
	}
	hardlink := filepath.Join(dir, "hard.pdf")
	if err := os.Link(db, hardlink); err != nil {
		t.Fatal(err)
	}
	// A database inside a table folder an export replaces.
	exp := filepath.Join(dir, "exp")
	inExport := filepath.Join(exp, "daily", "r.duckdb")
	if err := os.MkdirAll(filepath.Dir(inExport), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inExport, readBytes(t, db), 0o644); err != nil {
		t.Fatal(err)
	}
	// A shard, and an output that is a link to it.
	shard := filepath.Join(dir, "s.duckdb")
	if _, _, err := msgmon(t, context.Background(), "compare", "--users", "200", "--days", "3",
		"--replicates", "1", "--db", shard, "-q", "--shard", "1/1"); err != nil {
		t.Fatal(err)
	}
	shard = study.ShardPath(shard, experiment.Shard{Index: 1, Count: 1})
	shardLink := filepath.Join(dir, "merged.duckdb")
	if err := os.Symlink(shard, shardLink); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh.duckdb")
	both := filepath.Join(dir, "both.txt")

	for _, c := range []struct {
		args   []string
		want   []string
		keep   []string // files that must not change
		absent []string // files that must not be made
	}{
		{append([]string{"calibrate", calFile, "--db", fresh, "--no-report", "--save-plausible", fresh}, abcFlags...),
			[]string{"--save-plausible " + fresh, "--db"}, nil, []string{fresh}},
		{[]string{"calibrate", calFile, "--db", db, "--no-report", "--save", db, "--force"},
			[]string{"--save " + db, "--db"}, []string{db}, nil},
		{append([]string{"calibrate", calFile, "--db", fresh, "--no-report", "--save", both, "--save-plausible", both}, abcFlags...),
			[]string{"--save-plausible " + both, "--save " + both}, nil, []string{fresh, both}},
		{[]string{"calibrate", calFile, "--db", db, "--no-report", "--save", db + ".wal", "--force"},
			[]string{"--save", "write-ahead log"}, []string{db}, []string{db + ".wal"}},
		{[]string{"calibrate", calFile, "--db", fresh, "--no-report", "--save", dir + "/./" + filepath.Base(calFile), "--force"},
			[]string{"--save", "study", "cal.yaml"}, []string{calFile}, []string{fresh}},
		{[]string{"calibrate", onBase, "--db", fresh, "--no-report", "--save", base, "--force"},
			[]string{"--save", "base scenario", "base.yaml"}, []string{base}, []string{fresh}},
		{[]string{"report", "--db", db, "--out", db, "--force"}, []string{"--out " + db, "--db"}, []string{db}, nil},
		{[]string{"report", "--db", db, "--out", symlink, "--force"}, []string{"--out " + symlink, "--db"}, []string{db, symlink}, nil},
		{[]string{"report", "--db", db, "--out", hardlink, "--force"}, []string{"--out " + hardlink, "--db"}, []string{db, hardlink}, nil},
		{[]string{"notebook", "run", "--db", db, "--out", nbDir, "--force", nb}, []string{"--out", "churn-by-segment.md", "notebook"}, []string{nb}, nil},
		{[]string{"export", "--db", inExport, "--out", exp, "--force"}, []string{"--out " + exp, "--db"}, []string{inExport}, nil},
		{[]string{"compare", base, "--db", base, "--no-report"}, []string{"--db " + base}, []string{base}, nil},
		{[]string{"merge", shardLink, shard}, []string{shard, "output"}, []string{shard}, nil},
	} {
		keep := map[string][]byte{}
		for _, f := range c.keep {
			keep[f] = readBytes(t, f)
		}
		_, _, err := msgmon(t, context.Background(), c.args...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %s: exit %d (%v), want %d", strings.Join(c.args, " "), code, err, exitInput)
		} else {
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("msgmon %s: %q does not say %q", strings.Join(c.args, " "), err, w)
				}
			}
		}
		for f, b := range keep {
			if got, err := os.ReadFile(f); err != nil || !bytes.Equal(got, b) {
				t.Errorf("msgmon %s changed %s (%v)", strings.Join(c.args, " "), f, err)
			}
		}
		for _, f := range c.absent {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("msgmon %s made %s", strings.Join(c.args, " "), f)
				os.Remove(f)
			}
		}
	}
}

// TestOutputsReplacedWhole: calibrate's --save and --save-plausible files
// are written to a temporary file in their folder and renamed into place:
// the file they replace is never written in place (a hard link to it
// keeps its old text), and no temporary file stays behind.
func TestOutputsReplacedWhole(t *testing.T) {
	dir := t.TempDir()
	study := writeFile(t, dir, "cal.yaml", tinyCalibration("default"))
	save := writeFile(t, dir, "fit.yaml", "old overlay\n")
	set := writeFile(t, dir, "set.csv", "old set\n")
	for _, f := range []string{save, set} {
		if err := os.Link(f, f+".old"); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{"calibrate", study, "--db", filepath.Join(dir, "r.duckdb"), "--no-report", "--force",
		"--save", save, "--save-plausible", set}, abcFlags...)
	if _, _, err := msgmon(t, context.Background(), args...); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{save, set} {
		if got := string(readBytes(t, f+".old")); !strings.HasPrefix(got, "old ") {
			t.Errorf("%s was written in place: its hard link reads %.60q", f, got)
		}
		if got := string(readBytes(t, f)); strings.HasPrefix(got, "old ") {
			t.Errorf("%s was not replaced", f)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file stayed behind: %s", e.Name())
		}
	}
}

// TestPathMistakesExitTwo: a path that cannot be what its flag needs is
// bad input (exit 2, saying what to change), found before any work: an
// overlay that is missing or a folder; a --db under a file, with a line
// break, an empty, text or device file; an output folder that is a file,
// an output file that is a folder; --save-plausible in a missing folder.
// And a calibration target that divides by zero, and SQL that needs a
// DuckDB extension.
func TestPathMistakesExitTwo(t *testing.T) {
	dir := t.TempDir()
	db := tinyResults(t, dir)
	study := writeFile(t, dir, "cal.yaml", tinyCalibration("default"))
	byZero := writeFile(t, dir, "zero.yaml", strings.ReplaceAll(tinyCalibration("default"),
		"output: users_reacted::DOUBLE / greatest(reach_messages_cum, 1)", "output: users_reacted / 0"))
	file := writeFile(t, dir, "somefile", "text\n")
	empty := writeFile(t, dir, "empty.duckdb", "")
	text := writeFile(t, dir, "text.duckdb", "not a database, but long enough to have a header\n")
	folder := filepath.Join(dir, "folder")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	nb := filepath.Join("..", "..", "notebooks", "churn-by-segment.md")
	missing := filepath.Join(dir, "none.yaml")
	fresh := filepath.Join(dir, "fresh.duckdb")
	pdf := filepath.Join(dir, "r.pdf")
	small := []string{"--users", "200", "--days", "3", "--replicates", "1", "--no-report", "-q"}
	for _, c := range []struct {
		args   []string
		want   []string
		absent []string
	}{
		{append([]string{"compare", "--db", fresh, "--overlay", missing}, small...), []string{"--overlay " + missing, "no such file"}, []string{fresh}},
		{append([]string{"compare", "--db", fresh, "--overlay", folder}, small...), []string{"--overlay " + folder, "is a folder"}, []string{fresh}},
		{append([]string{"robust", "--db", fresh, "--vectors", "2", "--overlay", missing}, small...), []string{"--overlay " + missing}, []string{fresh}},
		{append([]string{"robust", "--db", fresh, "--vectors", "2", "--overlay", folder}, small...), []string{"--overlay " + folder, "is a folder"}, []string{fresh}},
		{[]string{"calibrate", study, "--db", fresh, "--overlay", missing}, []string{"--overlay " + missing}, []string{fresh}},
		{[]string{"calibrate", study, "--db", fresh, "--overlay", folder}, []string{"--overlay " + folder, "is a folder"}, []string{fresh}},
		{append([]string{"compare", "--db", filepath.Join(file, "x.duckdb")}, small...), []string{file, "is a file, not a folder"}, nil},
		{append([]string{"compare", "--db", filepath.Join(dir, "a\nb.duckdb")}, small...), []string{"line break"}, nil},
		{append([]string{"compare", "--db", empty}, small...), []string{empty, "empty"}, nil},
		{[]string{"query", "--db", empty, "SELECT 1"}, []string{empty, "empty"}, nil},
		{append([]string{"compare", "--db", text}, small...), []string{text, "not a DuckDB database"}, nil},
		{[]string{"query", "--db", text, "SELECT 1"}, []string{text, "not a DuckDB database"}, nil},
		{[]string{"query", "--db", os.DevNull, "SELECT 1"}, []string{os.DevNull, "not a regular file"}, nil},
		{append([]string{"compare", "--db", os.DevNull}, small...), []string{os.DevNull, "not a regular file"}, nil},
		{[]string{"export", "--db", db, "--out", file}, []string{"--out " + file, "is a file"}, nil},
		{[]string{"notebook", "run", "--db", db, "--out", file, nb}, []string{"--out " + file, "is a file"}, nil},
		{[]string{"report", "--db", db, "--out", folder}, []string{"--out " + folder, "is a folder"}, nil},
		{[]string{"report", "--db", db, "--out", pdf, "--png", file}, []string{"--png " + file, "is a file"}, []string{pdf}},
		{append([]string{"calibrate", study, "--db", fresh, "--save-plausible", filepath.Join(dir, "nodir", "p.csv")}, abcFlags...),
			[]string{"--save-plausible", "nodir", "does not exist"}, []string{fresh}},
		{[]string{"calibrate", byZero, "--db", filepath.Join(dir, "zero.duckdb"), "--no-report"}, []string{byZero, "targets[0].output", "users_reacted / 0"}, nil},
		{[]string{"query", "--db", db, "CREATE SECRET (TYPE S3, KEY_ID 'k', SECRET 's')"}, []string{"extension"}, nil},
	} {
		_, _, err := msgmon(t, context.Background(), c.args...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %q: exit %d (%v), want %d", c.args, code, err, exitInput)
		} else {
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("msgmon %q: %q does not say %q", c.args, err, w)
				}
			}
		}
		for _, f := range c.absent {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("msgmon %q made %s before refusing", c.args, f)
				os.RemoveAll(f)
			}
		}
	}
}
