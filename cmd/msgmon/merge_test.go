package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeLeavesNoTrace: msgmon merge refused (exit 2) or interrupted
// (exit 130) leaves an existing OUT byte for byte as it was and makes no
// new OUT.
func TestMergeLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	scen := writeScenario(t, dir, strings.Replace(smallScenario, "days: 30", "days: 5", 1))
	db := filepath.Join(dir, "a.duckdb")
	var shards []string
	for _, sh := range []string{"1/2", "2/2"} {
		if _, _, err := msgmon(t, context.Background(), "compare", scen, "--db", db, "-q", "--shard", sh); err != nil {
			t.Fatal(err)
		}
	}
	shards = []string{filepath.Join(dir, "a.shard-1-of-2.duckdb"), filepath.Join(dir, "a.shard-2-of-2.duckdb")}
	out := filepath.Join(dir, "out.duckdb")
	if _, _, err := msgmon(t, context.Background(), "merge", "--allow-partial", out, shards[0]); err != nil {
		t.Fatal(err)
	}
	saved := readBytes(t, out)
	// Refused after the checks of the inputs: shard 2 is missing.
	if _, _, err := msgmon(t, context.Background(), "merge", out, shards[0]); exitCode(err, nil) != exitInput {
		t.Errorf("merge with a shard missing: %v, want exit %d", err, exitInput)
	}
	if !bytes.Equal(readBytes(t, out), saved) {
		t.Errorf("a refused merge changed the bytes of %s", out)
	}
	// Interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fresh := filepath.Join(dir, "fresh.duckdb")
	for _, o := range []string{out, fresh} {
		_, _, err := msgmon(t, ctx, "merge", o, shards[0], shards[1])
		if code := exitCode(err, nil); code != exitInterrupted {
			t.Errorf("interrupted merge into %s: exit %d (%v), want %d", o, code, err, exitInterrupted)
		}
	}
	if !bytes.Equal(readBytes(t, out), saved) {
		t.Errorf("an interrupted merge changed the bytes of %s", out)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("an interrupted merge left a new output behind")
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".wal") {
			t.Errorf("a stopped merge left %s behind", e.Name())
		}
	}
}
