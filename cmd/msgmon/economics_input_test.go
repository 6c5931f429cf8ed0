package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEconomicsInputRefused (issue 24): the inputs of the click model, the
// exit rule and the population's size are refused with the file, line
// and key (or the flag) and what to change, exit 2, and nothing is stored.
func TestEconomicsInputRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	small := []string{"--db", db, "--days", "3", "--replicates", "1", "--no-report", "-q"}
	click := writeFile(t, dir, "click.yaml", "users: 500\nmodels:\n  paid_push: {}\nbehaviour:\n  utility_click: 1.5\n")
	exit := writeFile(t, dir, "exit.yaml", "users: 500\nmodels:\n  paid_push: {}\nbusiness:\n  exit_revisions: 0\n")
	trial := writeFile(t, dir, "trial.yaml", "users: 500\nmodels:\n  paid_push: {}\nbusiness:\n  trial_revisions: -1\n")
	few := writeFile(t, dir, "few.yaml", "users: 100\nbusinesses: 200\nmodels:\n  paid_push: {}\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", click}, click + ":5: behaviour.utility_click: must be in [0, 1], got 1.5"},
		{[]string{"compare", exit}, exit + ":5: business.exit_revisions: must be in [1, 1000], got 0"},
		{[]string{"compare", trial}, trial + ":5: business.trial_revisions: must be in [1, 1000], got -1"},
		{[]string{"compare", few}, few + ":2: businesses: 200 businesses for 100 users is 0.5 users per business, below 1; give at most 100 businesses or at least 200 users"},
		{[]string{"compare", "--users", "0"}, "--users 0:"},
		{[]string{"compare", "--users", "500", "--businesses", "501"}, "--businesses 501: 501 businesses for 500 users"},
	} {
		_, _, err := msgmon(t, ctx, append(c.args, small...)...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %q: exit %d (%v), want %d", c.args, code, err, exitInput)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("msgmon %q:\n\t%v\ndoes not say\n\t%s", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("refused input left %s behind", db)
	}
}
