package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// makeVersion builds a file of schema version v (1 to 6) at path: one run
// and one sweep stored, then what later versions added dropped, as the
// upgrade tests do.
func makeVersion(t *testing.T, path string, v int) {
	t.Helper()
	ctx := context.Background()
	var drops []string
	switch v {
	case 1:
		drops = append(append([]string(nil), version3Drops...),
			"ALTER TABLE daily DROP COLUMN follows_blocked",
			"ALTER TABLE business_summary DROP COLUMN follows_blocked",
			"ALTER TABLE segment_summary DROP COLUMN follows_blocked")
	case 2:
		drops = version3Drops
	case 3:
		drops = version4Drops
	case 4:
		drops = version5Drops
	case 5:
		drops = version6Drops
	case 6:
		drops = version7Drops
	default:
		t.Fatalf("no schema version %d to make", v)
	}
	db := withOneRun(t, path)
	m := SweepMeta{ID: "sweep-s-1", Name: "s", File: "s.yaml", Design: "grid", Replicates: 1, Spec: "{}",
		Columns: []SweepColumn{{Path: "users", Column: "users_set", Type: "DOUBLE"}}, Points: []string{`{"point": 0, "users_set": 1000}`}}
	if _, err := db.RegisterSweep(ctx, m); err != nil {
		t.Fatal(err)
	}
	// The views the older msgmon made are those of its columns: drop
	// them with the columns, and make them on what is left.
	stmts := append([]string{"DROP VIEW sweep_s_summary", "DROP VIEW sweep_s", "DROP VIEW arm_summary", "DROP VIEW run_totals", "DROP VIEW daily_usd"}, drops...)
	stmts = append(stmts, "DELETE FROM schema_version", "INSERT INTO schema_version VALUES ("+itoa(int64(v))+", now())",
		"CREATE VIEW run_totals AS SELECT r.*, (SELECT count(*) FROM daily d WHERE d.run_id = r.run_id) AS days_recorded FROM runs r",
		"CREATE VIEW sweep_s AS SELECT * FROM run_totals WHERE batch_id = 'sweep-s-1'",
		"CHECKPOINT")
	for _, s := range stmts {
		if _, err := db.sql.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadOlderSchemaWithoutWriting: OpenReadOnly and OpenSealed read a
// file of every older schema version as the current schema (the columns
// added since NULL, the tables added since empty, every view and each
// sweep's views there) without changing a byte of it or of its folder,
// also from a read-only file in a read-only folder; the file keeps its
// version, and a later Open still upgrades it.
func TestReadOlderSchemaWithoutWriting(t *testing.T) {
	ctx := context.Background()
	for v := 1; v < schemaVersion; v++ {
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "old.duckdb")
		makeVersion(t, path, v)
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st0, _ := os.Stat(path)
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		for _, open := range []func(context.Context, string) (*DB, error){OpenReadOnly, OpenSealed} {
			db, err := open(ctx, path)
			if err != nil {
				t.Fatalf("version %d: %v", v, err)
			}
			if got := scalar(t, db, "SELECT max(version) FROM schema_version"); got != int32(v) {
				t.Errorf("version %d: the file says version %v after reading", v, got)
			}
			for q, want := range map[string]int64{
				"SELECT count(*) FROM run_totals WHERE churn_per_1000 IS NOT NULL": 1,
				"SELECT count(*) FROM arm_summary":                                 1,
				"SELECT count(*) FROM daily_usd":                                   5,
				"SELECT count(*) FROM sweep_s":                                     0, // the run is of no sweep
				"SELECT count(*) FROM sweep_s_summary":                             0,
				"SELECT count(*) FROM robust_results":                              0,
				"SELECT count(*) FROM plausible_vectors":                           0,
				"SELECT count(*) FROM calibration_fits":                            0,
				"SELECT count(*) FROM market_summary":                              2, // DE and IN
			} {
				if n := scalar(t, db, q); n != want {
					t.Errorf("version %d: %s: %v, want %d", v, q, n, want)
				}
			}
			if v < 4 {
				for _, q := range []string{"SELECT count(users_reacted) FROM daily", "SELECT count(status_visits) FROM run_totals"} {
					if n := scalar(t, db, q); n != int64(0) {
						t.Errorf("version %d: %s: %v, want 0 (NULL in the runs stored before)", v, q, n)
					}
				}
			}
			if v < 6 { // weekly reach and charges by market came with version 6
				for _, q := range []string{"SELECT count(reach_messages_weekly) + count(reach_ads_weekly) FROM run_totals",
					"SELECT count(message_charges) + count(ad_charges) FROM market_summary"} {
					if n := scalar(t, db, q); n != int64(0) {
						t.Errorf("version %d: %s: %v, want 0 (NULL in the runs stored before)", v, q, n)
					}
				}
			}
			// Each connection of the pool sees the same schema.
			s1, err := db.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := db.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*Session{s1, s2} {
				if _, err := s.Query(ctx, "SELECT users_reacted, status_visits FROM run_totals"); err != nil {
					t.Errorf("version %d: a second connection: %v", v, err)
				}
			}
			s1.Close()
			s2.Close()
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st1, _ := os.Stat(path)
		if !bytes.Equal(before, after) || !st1.ModTime().Equal(st0.ModTime()) {
			t.Errorf("version %d: reading changed the file (%d bytes, modified %v; before %d bytes, %v)",
				v, len(after), st1.ModTime().Format(time.RFC3339Nano), len(before), st0.ModTime().Format(time.RFC3339Nano))
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("version %d: reading left files next to the database: %v", v, ents)
		}
		os.Chmod(dir, 0o755)
		os.Chmod(path, 0o644)
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("version %d: upgrading after reading: %v", v, err)
		}
		if got := scalar(t, db, "SELECT max(version) FROM schema_version"); got != int32(schemaVersion) {
			t.Errorf("version %d: Open left version %v", v, got)
		}
		db.Close()
	}
}
