package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's example output from this build (go test ./cmd/msgmon -run TestReadmeExample -update)")

const readmePath = "../../README.md"

// readmeMarker is the line before the README's example output block; the
// block's first line is the command, "$ msgmon ...", the rest its output.
const readmeMarker = "<!-- The block below is the output of its first line: TestReadmeExample in cmd/msgmon checks it, -update rewrites it. -->"

// TestReadmeExample runs the command the README shows under "Start" in
// process and compares what it prints with the README's block, line by
// line: the README's numbers are those the code prints for that scenario
// and seed. The batch id and the database path, which differ from run to
// run, are written as <batch> and the default database.
func TestReadmeExample(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start, end, cmdLine, block := readmeBlock(t, readme)
	if !strings.HasPrefix(cmdLine, "$ msgmon ") || strings.ContainsAny(cmdLine, `"'\`) {
		t.Fatalf("README example: first line %q is not a msgmon command without quotes", cmdLine)
	}
	args := strings.Fields(strings.TrimPrefix(cmdLine, "$ msgmon "))
	db := filepath.Join(t.TempDir(), "results.duckdb")
	out, _, err := msgmon(t, context.Background(), append(args, "--db", db, "-q")...)
	if err != nil {
		t.Fatalf("%s: %v", cmdLine, err)
	}
	got := normalise(out, db)
	if *update {
		readme = readme[:start] + cmdLine + "\n" + got + readme[end:]
		if err := os.WriteFile(readmePath, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the example in %s", readmePath)
		return
	}
	if got != block {
		t.Errorf("README.md's example output is not what %q prints now; run\n\tgo test ./cmd/msgmon -run TestReadmeExample -update\nto rewrite it. First difference:\n%s",
			cmdLine, firstDifference(block, got))
	}
}

// readmeBlock finds the example block: the fenced block after
// readmeMarker. start and end delimit its content (the command line and the
// output); block is the output after the command line.
func readmeBlock(t *testing.T, readme string) (start, end int, cmdLine, block string) {
	t.Helper()
	i := strings.Index(readme, readmeMarker)
	if i < 0 {
		t.Fatalf("README.md has no line %q before its example output", readmeMarker)
	}
	fence := strings.Index(readme[i:], "\n```")
	if fence < 0 {
		t.Fatal("README.md: no fenced block after the example marker")
	}
	nl := strings.Index(readme[i+fence+1:], "\n")
	start = i + fence + 1 + nl + 1 // after the opening fence's line
	close := strings.Index(readme[start:], "\n```")
	if close < 0 {
		t.Fatal("README.md: the example block is not closed")
	}
	end = start + close + 1 // the closing fence's line
	content := readme[start:end]
	cmdLine, block, _ = strings.Cut(content, "\n")
	return start, end, cmdLine, block
}

var batchID = regexp.MustCompile(`\b\d{8}T\d{6}-[0-9a-f]{12}\b`)

// normalise writes the run's batch id as <batch> and its database as the
// default one, as a user running the command sees them.
func normalise(out, db string) string {
	out = strings.ReplaceAll(out, db, defaultDB)
	return batchID.ReplaceAllString(out, "<batch>")
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + " of the block:\nREADME: " + a + "\nnow:    " + b
		}
	}
	return "(none)"
}
