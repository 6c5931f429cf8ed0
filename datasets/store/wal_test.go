package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorruptWALSetAside: a write-ahead log whose last entry is torn (a
// process killed while it wrote there) does not lock the user out of the
// database. Open moves the log aside, keeps every run checkpointed before,
// and says what it did.
func TestCorruptWALSetAside(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	// A second write that stays in the log: no checkpoint after it, none
	// at shutdown.
	db := withOneRun(t, path,
		"PRAGMA disable_checkpoint_on_shutdown",
		"INSERT INTO daily SELECT * REPLACE (9 AS run_id) FROM daily WHERE run_id = 1")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + ".wal")
	if err != nil || len(wal) < 64 {
		t.Fatalf("no write-ahead log to tear: %v (%d bytes)", err, len(wal))
	}
	wal[len(wal)/2] ^= 0xff // torn: an entry's checksum fails
	if err := os.WriteFile(path+".wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := open(ctx, path, false, ""); err == nil || !isCorruptWAL(err) {
		t.Fatalf("DuckDB opened the torn log (%v): the test tears nothing", err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after a torn log: %v", err)
	}
	defer db.Close()
	if !strings.Contains(db.Notice, "moved to "+path+".wal.corrupt-") {
		t.Errorf("Notice %q does not say where the log went", db.Notice)
	}
	if n := count(t, db, "daily", 1); n != 5 {
		t.Errorf("the checkpointed run has %d daily rows, want 5", n)
	}
	if _, err := db.WriteRun(ctx, testMeta(1), synthResult(5, 4, 2)); err != nil {
		t.Errorf("WriteRun after the repair: %v", err)
	}
	if m, _ := filepath.Glob(path + ".wal.corrupt-*"); len(m) != 1 {
		t.Errorf("logs set aside: %v", m)
	}
}

// TestEmptyFileSaysSo: a database file a command created but stopped
// before it made the schema is reported as holding no results yet, with
// what to do, not as a foreign file.
func TestEmptyFileSaysSo(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	db, err := open(ctx, path, false, "") // DuckDB creates the file; no schema
	if err != nil {
		t.Fatal(err)
	}
	db.sql.Close()
	_, err = OpenReadOnly(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "holds no results yet") || !errors.Is(err, ErrNoResults) {
		t.Errorf("got %v, want 'holds no results yet'", err)
	}
	// Stopped after the version table was made, before the schema's
	// transaction committed: the same.
	db, err = open(ctx, path, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, schemaSQL()[0]); err != nil {
		t.Fatal(err)
	}
	db.sql.Close()
	if _, err = OpenReadOnly(ctx, path); !errors.Is(err, ErrNoResults) {
		t.Errorf("a version table without a version: got %v, want ErrNoResults", err)
	}
	if db, err := Open(ctx, path); err != nil {
		t.Errorf("opening it for writing: %v", err)
	} else {
		db.Close()
	}
}
