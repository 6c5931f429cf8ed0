package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A sweep or robust study started by one msgmon version and resumed by
// another is refused, naming both versions, and the stored runs are kept
// as they were: the runs of two versions may differ, and analysed together
// they would give neither's answer.
func TestResumeRefusesAnotherVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeScenario(t, dir, smallScenario)
	sweep := writeFile(t, dir, "sweep.yaml", `name: versions
scenario: s.yaml
set: {days: 10}
arms: [service]
parameters:
  - path: business.sends_per_week_mean
    values: [1, 2]
`)
	scen := writeScenario(t, dir, feeScenario)
	writeFile(t, dir, "fixture.csv", fixtureSet)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"sweep", []string{"sweep", sweep, "-q"}},
		{"robust", []string{"robust", scen, "--vectors", "2", "-q", "--no-report"}},
	} {
		db := filepath.Join(dir, c.name+".duckdb")
		args := append(append([]string{}, c.args...), "--db", db)
		saved := versionString
		versionString = "9.9.9-other"
		_, _, err := msgmon(t, ctx, args...)
		versionString = saved
		if err != nil {
			t.Fatalf("%s by msgmon 9.9.9-other: %v", c.name, err)
		}
		before := studyRows(t, db)
		_, _, err = msgmon(t, ctx, args...)
		if code := exitCode(err, nil); code != exitInput || !strings.Contains(err.Error(), "msgmon 9.9.9-other") || !strings.Contains(err.Error(), "this is msgmon "+version()) {
			t.Errorf("%s resumed by msgmon %s: exit %d (%v), want %d naming both versions", c.name, version(), code, err, exitInput)
		}
		sameRows(t, c.name+" after the refused resume", studyRows(t, db), before)
	}
}
