package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepNamesSharingAView: a sweep named a.b after one named a-b in the
// same database would share its view sweep_a_b; msgmon sweep refuses it
// as bad input (exit 2), naming both sweeps, before it runs anything.
func TestSweepNamesSharingAView(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	for i, name := range []string{"a-b", "a.b"} {
		file := writeFile(t, dir, name+".yaml", "name: "+name+`
scenario: default
set: {users: 300, businesses: 10, days: 3}
arms: [service]
replicates: 1
parameters:
  - path: business.sends_per_week_mean
    values: [1]
`)
		_, _, err := msgmon(t, context.Background(), "sweep", file, "--db", db, "-q")
		if i == 0 {
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		if code := exitCode(err, nil); code != exitInput {
			t.Fatalf("sweep %s after a-b: exit %d (%v), want %d", name, code, err, exitInput)
		}
		for _, want := range []string{`"a.b"`, `"a-b"`, "sweep_a_b"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the message lacks %s: %v", want, err)
			}
		}
	}
}
