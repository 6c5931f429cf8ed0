package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStudyExpressionsSealed: an optimize objective or constraint is SQL
// over run_totals, evaluated where nothing outside the database can be
// read or written: one that reads a file is refused as bad input (exit
// 2), saying that it reached outside the database.
func TestStudyExpressionsSealed(t *testing.T) {
	dir := t.TempDir()
	secret := writeFile(t, dir, "secret.txt", "a line\n")
	for _, tc := range []struct{ name, objective, constraint string }{
		{"objective", "(SELECT count(*) FROM read_text('" + secret + "'))", "churn_per_1000"},
		{"constraint", "platform_revenue_usd", "(SELECT count(*) FROM read_text('" + secret + "'))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, dir, tc.name+".yaml", `name: sealed-`+tc.name+`
scenario: default
set: {users: 300, businesses: 10, days: 3}
arms: [service]
replicates: 1
design: optimize
budget: 2
objective: {maximize: "`+tc.objective+`"}
constraints:
  - {output: "`+tc.constraint+`", max: 1000000}
parameters:
  - path: business.sends_per_week_mean
    min: 0.5
    max: 2
`)
			_, _, err := msgmon(t, context.Background(), "optimize", file, "--db", filepath.Join(dir, tc.name+".duckdb"))
			if code := exitCode(err, nil); code != exitInput || !strings.Contains(err.Error(), "reached outside the database") {
				t.Fatalf("exit %d: %v; want %d, the expression reached outside the database", code, err, exitInput)
			}
		})
	}
}

// TestNotebookSealed: notebook cells run where nothing outside the
// database can be read or written: a cell that writes a file (COPY ... TO)
// or reads one (read_csv) is refused as bad input (exit 2), naming the
// cell's line and the flag that allows it, and writes nothing; with
// --allow-files both run.
func TestNotebookSealed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	if _, _, err := msgmon(t, ctx, "run", "--users", "300", "--days", "3", "--replicates", "1", "--db", db, "-q"); err != nil {
		t.Fatal(err)
	}
	secret := writeFile(t, dir, "secret.csv", "password\nhunter2\n")
	copied := filepath.Join(dir, "x.csv")
	for _, tc := range []struct{ name, cell string }{
		{"copy", "COPY (SELECT 'x') TO '" + copied + "'"},
		{"read_csv", "SELECT * FROM read_csv('" + secret + "')"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb := writeFile(t, dir, tc.name+".md", "# "+tc.name+"\n\n```sql\nSELECT count(*) FROM runs\n```\n\n```sql\n"+tc.cell+"\n```\n")
			out := filepath.Join(dir, "out-"+tc.name)
			_, _, err := msgmon(t, ctx, "notebook", "run", "--db", db, "--out", out, nb)
			if code := exitCode(err, nil); code != exitInput {
				t.Fatalf("exit %d: %v; want %d", code, err, exitInput)
			}
			for _, want := range []string{nb + ":8:", "reached outside the database", "--allow-files"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the message lacks %q: %v", want, err)
				}
			}
			if _, err := os.Stat(copied); err == nil && tc.name == "copy" {
				t.Errorf("the cell wrote %s", copied)
			}
			if _, _, err := msgmon(t, ctx, "notebook", "run", "--db", db, "--out", out, "--allow-files", nb); err != nil {
				t.Fatalf("with --allow-files: %v", err)
			}
			if tc.name == "read_csv" {
				html, _ := os.ReadFile(filepath.Join(out, tc.name+".html"))
				if !strings.Contains(string(html), "hunter2") {
					t.Errorf("with --allow-files the file's rows are not in the page")
				}
			}
		})
	}
	if _, err := os.Stat(copied); err != nil {
		t.Errorf("with --allow-files COPY wrote nothing: %v", err)
	}
}
