package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// exportMarker marks a folder written by ExportParquet.
const exportMarker = ".msgmon-parquet"

// exportTables are the tables ExportParquet writes, each as a SELECT that
// carries scenario and arm (the partition columns) with every row. JSON
// columns are written as plain strings so that any Parquet reader can
// read them.
var exportTables = []struct {
	name, query string
	whole       bool // one file, not partitioned: the table has no scenario or arm
}{
	{"runs", `SELECT * REPLACE (CAST(scenario_json AS VARCHAR) AS scenario_json, CAST(params AS VARCHAR) AS params)
		FROM runs ORDER BY run_id`, false},
	{"daily", `SELECT r.scenario, r.arm, d.* FROM daily d JOIN runs r USING (run_id) ORDER BY d.run_id, d.day`, false},
	{"business_summary", `SELECT r.scenario, r.arm, b.* FROM business_summary b JOIN runs r USING (run_id)
		ORDER BY b.run_id, b.business_id`, false},
	{"segment_summary", `SELECT r.scenario, r.arm, g.* FROM segment_summary g JOIN runs r USING (run_id)
		ORDER BY g.run_id, g.market, g.tolerance_band`, false},
	{"business_channels", `SELECT r.scenario, r.arm, c.* FROM business_channels c JOIN runs r USING (run_id)
		ORDER BY c.run_id, c.business_id, c.channel`, false},
	// A sweep's design: with runs.params (each run's point), enough to
	// rebuild which parameters every point set.
	{"sweeps", `SELECT * REPLACE (CAST(parameters AS VARCHAR) AS parameters) FROM sweeps ORDER BY sweep_id`, true},
	{"sweep_points", `SELECT * REPLACE (CAST(params AS VARCHAR) AS params) FROM sweep_points ORDER BY sweep_id, point`, true},
}

// ExportParquet writes the tables runs, daily, business_summary,
// segment_summary and business_channels as Parquet files under dir/<table>, Hive
// partitioned by scenario and arm, and the sweeps and sweep_points tables
// (a sweep's design) as one file each, dir/sweeps/sweeps.parquet and
// dir/sweep_points/sweep_points.parquet, JSON as strings (dir/daily/scenario=S/arm=A/*.parquet;
// the partition columns live in the folder names, so read them back with
// hive partitioning on, e.g. DuckDB's read_parquet('dir/daily/**/*.parquet',
// hive_partitioning=true)). The daily and business_summary files carry
// run_id, so they join with runs. Money stays BIGINT micro-USD.
//
// ExportParquet refuses a non-empty dir that an earlier export did not
// create (it has no .msgmon-parquet marker) unless overwrite is true. It
// replaces only the table folders; other files in dir are left alone.
// A table without rows has no folder.
func (db *DB) ExportParquet(ctx context.Context, dir string, overwrite bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("store: export: %w", err)
	case len(entries) > 0 && !overwrite:
		if _, err := os.Stat(filepath.Join(abs, exportMarker)); err != nil {
			return fmt.Errorf("store: export: %s: %w; choose an empty folder or overwrite", abs, ErrExportDirNotEmpty)
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(abs, exportMarker),
		[]byte("Written by msgmon: Parquet export of "+db.path+"\n"), 0o644); err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	for _, t := range exportTables {
		out := filepath.Join(abs, t.name)
		if err := os.RemoveAll(out); err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
		q := fmt.Sprintf("COPY (%s) TO %s (FORMAT PARQUET, PARTITION_BY (scenario, arm))", t.query, sqlString(out))
		if t.whole {
			var n int64
			if err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM "+t.name).Scan(&n); err != nil {
				return fmt.Errorf("store: export %s: %w", t.name, err)
			}
			if n == 0 {
				continue // no folder, as for a partitioned table without rows
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("store: export: %w", err)
			}
			q = fmt.Sprintf("COPY (%s) TO %s (FORMAT PARQUET)", t.query, sqlString(filepath.Join(out, t.name+".parquet")))
		}
		if _, err := db.sql.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: export %s: %w", t.name, err)
		}
	}
	return nil
}

// ExportNames are the names ExportParquet writes or replaces in its
// folder: its marker file and a folder per table. Anything else there is
// left alone.
func ExportNames() []string {
	names := []string{exportMarker}
	for _, t := range exportTables {
		names = append(names, t.name)
	}
	return names
}

// ErrExportDirNotEmpty is returned (wrapped) by ExportParquet for a
// non-empty folder that holds no earlier export.
var ErrExportDirNotEmpty = errors.New("not empty and not written by msgmon export")

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
