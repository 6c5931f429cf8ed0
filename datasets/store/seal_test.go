package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSealOutsideWriter: a writer sealed with SealOutside still stores
// runs, while SQL through QueryReadOnly reads the database only: reading
// or writing a file is an outside error, a write to the database is
// refused, several statements are refused before any runs, and the seal
// cannot be lifted.
func TestSealOutsideWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "r.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.WriteRun(ctx, testMeta(0), synthResult(3, 2, 1)); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := db.QueryReadOnly(ctx, "SELECT (SELECT count(*) FROM read_text('"+secret+"')) AS n"); err != nil {
		t.Fatalf("before sealing, a file is read: %v", err)
	}
	if err := db.SealOutside(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT (SELECT count(*) FROM read_text('" + secret + "')) AS n FROM run_totals",
		"SELECT * FROM read_csv('" + secret + "')",
		"COPY (SELECT 1) TO '" + filepath.Join(dir, "x.csv") + "'",
	} {
		if _, err := db.QueryReadOnly(ctx, q); !IsOutsideError(err) {
			t.Errorf("%s: got %v, want an outside error", q, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.csv")); err == nil {
		t.Error("COPY wrote a file")
	}
	if _, err := db.QueryReadOnly(ctx, "SET enable_external_access = true"); err == nil {
		t.Error("the seal was lifted")
	}
	if _, err := db.QueryReadOnly(ctx, "DELETE FROM runs"); err == nil || IsOutsideError(err) {
		t.Errorf("DELETE through QueryReadOnly: %v, want a refusal of the write", err)
	}
	if _, err := db.QueryReadOnly(ctx, "SELECT 1; DELETE FROM runs"); !errors.Is(err, ErrSeveralStatements) {
		t.Errorf("two statements: %v, want ErrSeveralStatements", err)
	}
	if n := scalar(t, db, "SELECT count(*) FROM runs"); n != int64(1) {
		t.Errorf("%v runs left, want 1", n)
	}
	if _, err := db.WriteRun(ctx, testMeta(1), synthResult(3, 2, 2)); err != nil {
		t.Fatalf("storing a run after sealing: %v", err)
	}
	tb, err := db.QueryReadOnly(ctx, "SELECT count(*) FROM run_totals")
	if err != nil || tb.Rows[0][0] != int64(2) {
		t.Errorf("run_totals through QueryReadOnly: %v %v", tb, err)
	}
}
