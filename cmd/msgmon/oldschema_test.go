package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/marcboeker/go-duckdb"
)

// TestReadOnlyCommandsLeaveOlderSchema: query, report, notebook run and
// export read a database of an older schema version (3: before
// users_reacted, status_visits and the calibration and robust tables)
// from a read-only file in a read-only folder, and leave its bytes, its
// time and its folder as they were; the new columns read as NULL.
func TestReadOnlyCommandsLeaveOlderSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	path := filepath.Join(data, "old.duckdb")
	if _, _, err := msgmon(t, ctx, "compare", "--users", "300", "--days", "5", "--replicates", "2", "--db", path, "--no-report", "-q"); err != nil {
		t.Fatal(err)
	}
	// What schema version 3 had: without versions 4 to 7's additions.
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DROP TABLE robust_results", "DROP TABLE plausible_vectors", "DROP TABLE calibration_fits",
		"ALTER TABLE daily DROP COLUMN reach_ads_week", "ALTER TABLE daily DROP COLUMN reach_messages_week",
		"ALTER TABLE segment_summary DROP COLUMN ad_charges_micros", "ALTER TABLE segment_summary DROP COLUMN message_charges_micros",
		"ALTER TABLE business_channels DROP COLUMN state_end", "ALTER TABLE business_channels DROP COLUMN trials", "ALTER TABLE business_channels DROP COLUMN exits",
		"ALTER TABLE daily DROP COLUMN status_visits", "ALTER TABLE daily DROP COLUMN users_reacted",
		"DELETE FROM schema_version", "INSERT INTO schema_version VALUES (3, now())", "CHECKPOINT",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st0, _ := os.Stat(path)
	os.Chmod(path, 0o444)
	os.Chmod(data, 0o555)
	defer os.Chmod(data, 0o755)

	out, _, err := msgmon(t, ctx, "query", "--db", path, "--format", "csv", "SELECT count(*) AS runs, count(users_reacted) AS reacted FROM run_totals")
	if err != nil || out != "runs,reacted\n8,0\n" {
		t.Errorf("query: %v\n%s", err, out)
	}
	if _, _, err := msgmon(t, ctx, "report", "--db", path, "--out", filepath.Join(dir, "r.pdf")); err != nil {
		t.Errorf("report: %v", err)
	}
	nbs, _ := filepath.Glob(filepath.Join("..", "..", "notebooks", "*.md"))
	if out, _, err := msgmon(t, ctx, append([]string{"notebook", "run", "--db", path, "--out", filepath.Join(dir, "nb")}, nbs...)...); err != nil {
		t.Errorf("notebook run: %v\n%s", err, out)
	}
	if _, _, err := msgmon(t, ctx, "export", "--db", path, "--out", filepath.Join(dir, "pq")); err != nil {
		t.Errorf("export: %v", err)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !st1.ModTime().Equal(st0.ModTime()) {
		t.Errorf("the commands changed the database: %d bytes modified %v, was %d bytes modified %v", len(after), st1.ModTime(), len(before), st0.ModTime())
	}
	var names []string
	ents, _ := os.ReadDir(data)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "old.duckdb" {
		t.Errorf("the database's folder holds %v, want old.duckdb alone", names)
	}
}
