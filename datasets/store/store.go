// Package store keeps msgmon simulation results in a DuckDB file.
//
// Tables (money is always exact BIGINT micro-USD in columns named *_micros):
//
//   - schema_version: the schema version of the file.
//   - runs: one row per stored run (metadata; see RunMeta).
//   - daily: run_id plus every field of sim.Daily, one row per run and day.
//   - business_summary: run_id plus every field of sim.BusinessSummary.
//   - segment_summary: run_id plus every field of sim.SegmentSummary (users by market and tolerance band).
//   - business_channels: run_id plus every field of sim.ChannelSummary (each business's messages on each channel it used).
//
// Views: daily_usd (money as DECIMAL(18,6) dollars), run_totals (one row of
// KPIs per run) and arm_summary (mean and sample standard deviation of the
// run_totals KPIs per scenario_hash, batch_id, sweep point and arm). See schema.go for
// the exact definitions, including churn_per_1000.
//
// A DB opened with Open is the only writer of its file: DuckDB locks the
// file against other processes, and WriteRun calls are serialised.
//
// Crashes: DuckDB 1.1, which go-duckdb v1.8.2 bundles, can leave a torn
// entry in its write-ahead log when the process is killed while writing
// there, and writes appended after it then replay wrongly (a run's rows
// doubled) or not at all (a corrupt log). So WriteRun checkpoints after
// every run, Open checkpoints before anything else is written, and Open
// moves a corrupt log aside (it can hold only the last write); the runs
// row of a run is written last, and Open removes rows of no run.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/marcboeker/go-duckdb"
)

// DB is an open msgmon result database.
type DB struct {
	path     string // absolute
	readOnly bool
	sql      *sql.DB

	wmu    sync.Mutex // serialises WriteRun
	ingest ingestMode

	// testHook, if set, is called by WriteRun after each table's rows have
	// been inserted (inside the transaction) with the table's name.
	testHook func(table string)

	// Notice is what Open had to repair, for the user to read ("" if
	// nothing): a corrupt write-ahead log set aside.
	Notice string

	// init, if set, are statements every new connection runs first: the
	// current schema's views over a file of an older one, read-only.
	init atomic.Pointer[[]string]
}

// openWriters are the absolute paths opened for writing in this process.
// DuckDB's file lock is per process, so it cannot stop a second open of the
// same file from this process; this map does.
var (
	openMu      sync.Mutex
	openWriters = map[string]bool{}
)

// Open opens the database at path for reading and writing, creating its
// parent folder, the file and the schema if missing.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if openWriters[abs] {
		return nil, fmt.Errorf("store: database %s is in use: this msgmon process has it open for writing already; close it first", abs)
	}
	db, err := open(ctx, abs, false, "")
	var notice string
	if err != nil && isCorruptWAL(err) {
		// Only a run being written when a process was killed can be in
		// the log (WriteRun checkpoints after each run): set it aside.
		notice, err = recoverWAL(abs, err)
		if err == nil {
			db, err = open(ctx, abs, false, "")
		}
	}
	if err != nil {
		return nil, err
	}
	db.Notice = notice
	if err := db.initSchema(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	openWriters[abs] = true
	return db, nil
}

// OpenReadOnly opens an existing database at path for reading only. Writes
// through Query fail with DuckDB's error message. Nothing is written to the
// file, so it may be read-only: one of an older schema version is read as
// the current schema (its tables with the columns added since as NULL, the
// tables added since empty, the current views), and stays as it is; Open
// upgrades it.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	return openReadOnly(ctx, path, "")
}

// OpenSealed opens an existing database at path for reading only, with
// DuckDB's access to anything outside the database turned off and locked
// (enable_external_access=false, lock_configuration=true): no statement can
// write a file (COPY ... TO, EXPORT DATABASE), read one (read_csv,
// read_parquet), attach another database or load an extension, and no SET
// can turn that back on. For SQL typed by a user that must not change
// anything.
func OpenSealed(ctx context.Context, path string) (*DB, error) {
	return openReadOnly(ctx, path, "&enable_external_access=false&lock_configuration=true")
}

func openReadOnly(ctx context.Context, path, options string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	openMu.Lock()
	busy := openWriters[abs]
	openMu.Unlock()
	if busy {
		return nil, fmt.Errorf("store: database %s is in use: this msgmon process has it open for writing; close it first", abs)
	}
	db, err := open(ctx, abs, true, options)
	if err != nil {
		return nil, err
	}
	var nv sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&nv); err != nil || !nv.Valid {
		var tables int
		_ = db.sql.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'").Scan(&tables)
		db.sql.Close()
		if tables == 0 || (err == nil && !nv.Valid) {
			// A command stopped before it created the schema, or after
			// it made the version table and before the schema's
			// transaction committed.
			return nil, fmt.Errorf("store: %s holds no results yet (a command was stopped before it stored any); the next msgmon compare, run or sweep with this --db sets it up: %w", abs, ErrNoResults)
		}
		return nil, fmt.Errorf("store: %s is not a msgmon database: %w", abs, err)
	}
	v := int(nv.Int64)
	if v > schemaVersion {
		db.sql.Close()
		return nil, fmt.Errorf("store: %s has schema version %d, newer than this msgmon's %d", abs, v, schemaVersion)
	}
	if v < schemaVersion {
		// An older file is read as it is, without writing to it: every
		// connection gets the current schema in its temporary catalog,
		// over the file's tables (see olderSchemaSQL). Open upgrades the
		// file itself.
		stmts, err := olderSchemaSQL(ctx, db.sql)
		if err != nil {
			db.sql.Close()
			return nil, fmt.Errorf("store: %s has schema version %d, older than this msgmon's %d, and cannot be read as the current one: %w", abs, v, schemaVersion, err)
		}
		// The connections opened so far lack it: close them.
		db.sql.SetMaxIdleConns(0)
		db.init.Store(&stmts)
		db.sql.SetMaxIdleConns(2) // database/sql's default
		if err := db.sql.PingContext(ctx); err != nil {
			db.sql.Close()
			return nil, fmt.Errorf("store: open %s: %w", abs, err)
		}
	}
	return db, nil
}

// ErrNoResults is what OpenReadOnly returns for a database file a command
// created and was stopped in before it set up the schema: no results yet.
var ErrNoResults = errors.New("no results yet")

// open opens the file at abs; options are more DuckDB settings for a
// read-only open, each as "&name=value".
func open(ctx context.Context, abs string, readOnly bool, options string) (*DB, error) {
	// go-duckdb takes the file name verbatim up to the first '?' and parses
	// the rest as URL query options.
	if strings.ContainsAny(abs, "?#%") {
		return nil, fmt.Errorf("store: database path %q must not contain '?', '#' or '%%'", abs)
	}
	dsn := abs
	if readOnly {
		dsn += "?access_mode=read_only" + options
	}
	db := &DB{path: abs, readOnly: readOnly, ingest: defaultIngest}
	connector, err := duckdb.NewConnector(dsn, db.initConn)
	if err != nil {
		if isLockError(err) {
			return nil, inUseError(abs, err)
		}
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	db.sql = sql.OpenDB(connector) // closes connector on Close
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	return db, nil
}

// initConn runs the statements of db.init on a new connection.
func (db *DB) initConn(c driver.ExecerContext) error {
	stmts := db.init.Load()
	if stmts == nil {
		return nil
	}
	for _, q := range *stmts {
		if _, err := c.ExecContext(context.Background(), q, nil); err != nil {
			return fmt.Errorf("store: %s: the current schema over the older one: %w", db.path, err)
		}
	}
	return nil
}

func isLockError(err error) bool {
	return strings.Contains(err.Error(), "Could not set lock on file") ||
		strings.Contains(err.Error(), "Conflicting lock")
}

// lockHolder finds the program and process id in DuckDB's message about a
// conflicting lock ("Conflicting lock is held in /usr/bin/python3 (PID
// 42) by user ...").
var lockHolder = regexp.MustCompile(`held in (.*?) \(PID (\d+)\)`)

// inUseError says the database at path is locked, naming what is known
// of the holder: any DuckDB client (msgmon, the DuckDB CLI, Python) may
// hold the lock, and DuckDB names its program and process id.
func inUseError(path string, err error) error {
	holder := "another process (DuckDB did not say which)"
	if m := lockHolder.FindStringSubmatch(err.Error()); m != nil {
		holder = fmt.Sprintf("another process, %s (PID %s)", m[1], m[2])
	}
	return fmt.Errorf("store: database %s is in use: it is locked by %s; wait for that program to finish or close the database there, or use another --db (%w)", path, holder, err)
}

// initSchema creates the schema if missing and records its version.
func (db *DB) initSchema(ctx context.Context) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	// The version table first, to check before touching anything else.
	stmts := schemaSQL()
	if _, err := conn.ExecContext(ctx, stmts[0]); err != nil {
		return fmt.Errorf("store: create schema: %w", err)
	}
	var v sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if v.Valid && v.Int64 > schemaVersion {
		return fmt.Errorf("store: %s has schema version %d, newer than this msgmon's %d", db.path, v.Int64, schemaVersion)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("store: create schema: %w", err)
	}
	if v.Valid && v.Int64 < schemaVersion {
		if err := upgrade(ctx, conn); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("store: upgrade %s from schema version %d to %d: %w", db.path, v.Int64, schemaVersion, err)
		}
	}
	for _, s := range stmts[1:] {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("store: create schema: %w", err)
		}
	}
	// Each sweep's views select from run_totals, which was just made
	// anew; DuckDB refuses a view whose source changed its columns (as an
	// upgrade does), so they are made anew too.
	if err := recreateSweepViews(ctx, conn); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("store: sweep views: %w", err)
	}
	// Rows of no run are what a write that never committed may leave
	// (WriteRun adds the runs row last): remove them.
	for _, t := range []string{"daily", "business_summary", "segment_summary", "business_channels"} {
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+t+" WHERE run_id NOT IN (SELECT run_id FROM runs)"); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("store: remove rows of no run from %s: %w", t, err)
		}
	}
	if !v.Valid || v.Int64 < schemaVersion {
		if _, err := conn.ExecContext(ctx, "INSERT INTO schema_version VALUES (?, ?)", schemaVersion, time.Now().UTC()); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("store: create schema: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("store: create schema: %w", err)
	}
	// Start with an empty write-ahead log: what an earlier process left
	// there (replayed on open) goes into the file, and a torn tail of a
	// write that was killed is dropped before anything is added after it.
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// isCorruptWAL reports whether err is DuckDB refusing to replay a
// write-ahead log whose last entry was torn.
func isCorruptWAL(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Failure while replaying WAL file") && strings.Contains(s, "Corrupt WAL file")
}

// recoverWAL moves the corrupt log of the database at abs aside, to
// abs.wal.corrupt-TIME, and says so.
func recoverWAL(abs string, cause error) (string, error) {
	wal := abs + ".wal"
	aside := fmt.Sprintf("%s.corrupt-%s", wal, time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(wal, aside); err != nil {
		return "", fmt.Errorf("%w (and moving the log aside failed: %v)", cause, err)
	}
	return fmt.Sprintf("the write-ahead log of %s was torn by a process stopped while it wrote (%v); msgmon checkpoints after every write, so it held at most the last one; it was moved to %s",
		abs, cause, aside), nil
}

// Path is the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database. A DB must not be used after Close.
func (db *DB) Close() error {
	err := db.sql.Close()
	if !db.readOnly {
		openMu.Lock()
		delete(openWriters, db.path)
		openMu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
