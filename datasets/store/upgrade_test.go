package store

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// version7Drops drops what schema version 7 added.
var version7Drops = []string{
	"ALTER TABLE business_channels DROP COLUMN state_end",
	"ALTER TABLE business_channels DROP COLUMN trials",
	"ALTER TABLE business_channels DROP COLUMN exits",
}

// version6Drops drops what schema versions 6 and 7 added.
var version6Drops = []string{
	"ALTER TABLE business_channels DROP COLUMN state_end",
	"ALTER TABLE business_channels DROP COLUMN trials",
	"ALTER TABLE business_channels DROP COLUMN exits",
	"ALTER TABLE daily DROP COLUMN reach_ads_week",
	"ALTER TABLE daily DROP COLUMN reach_messages_week",
	"ALTER TABLE segment_summary DROP COLUMN ad_charges_micros",
	"ALTER TABLE segment_summary DROP COLUMN message_charges_micros",
}

// version5Drops drops what schema versions 5 to 7 added.
var version5Drops = []string{
	"ALTER TABLE business_channels DROP COLUMN state_end",
	"ALTER TABLE business_channels DROP COLUMN trials",
	"ALTER TABLE business_channels DROP COLUMN exits",
	"ALTER TABLE daily DROP COLUMN reach_ads_week",
	"ALTER TABLE daily DROP COLUMN reach_messages_week",
	"ALTER TABLE segment_summary DROP COLUMN ad_charges_micros",
	"ALTER TABLE segment_summary DROP COLUMN message_charges_micros",
	"DROP TABLE robust_results",
	"DROP TABLE plausible_vectors",
}

// version4Drops drops what schema versions 4 to 7 added.
var version4Drops = []string{
	"ALTER TABLE business_channels DROP COLUMN state_end",
	"ALTER TABLE business_channels DROP COLUMN trials",
	"ALTER TABLE business_channels DROP COLUMN exits",
	"ALTER TABLE daily DROP COLUMN reach_ads_week",
	"ALTER TABLE daily DROP COLUMN reach_messages_week",
	"ALTER TABLE segment_summary DROP COLUMN ad_charges_micros",
	"ALTER TABLE segment_summary DROP COLUMN message_charges_micros",
	"DROP TABLE robust_results",
	"DROP TABLE plausible_vectors",
	"ALTER TABLE daily DROP COLUMN status_visits",
	"ALTER TABLE daily DROP COLUMN users_reacted",
	"DROP TABLE calibration_fits",
}

// version3Drops drops the columns schema versions 3 and 4 added.
var version3Drops = append(append([]string(nil), version4Drops...),
	"ALTER TABLE daily DROP COLUMN follows_from_entry",
	"ALTER TABLE daily DROP COLUMN entry_ad_conversations",
	"ALTER TABLE daily DROP COLUMN entry_conversations",
	"ALTER TABLE daily DROP COLUMN campaigns",
	"DROP TABLE business_channels",
)

// TestUpgradeFromVersion4: opening a version-4 file adds an empty
// robust_results table and keeps the runs; WriteRobust then replaces a
// study's rows.
func TestUpgradeFromVersion4(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v4.duckdb")
	db := withOneRun(t, path, append(append([]string(nil), version5Drops...),
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (4, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{true, false} {
		db := openAs(t, ctx, path, readOnly)
		if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(versionAfter(4, readOnly)) {
			t.Errorf("readOnly=%v: schema version %v after opening, want %d", readOnly, v, versionAfter(4, readOnly))
		}
		if v := scalar(t, db, "SELECT count(*) FROM robust_results"); v != int64(0) {
			t.Errorf("readOnly=%v: robust_results has %v rows", readOnly, v)
		}
		if v := scalar(t, db, "SELECT count(*) FROM plausible_vectors"); v != int64(0) {
			t.Errorf("readOnly=%v: plausible_vectors has %v rows", readOnly, v)
		}
		if v := scalar(t, db, "SELECT count(*) FROM run_totals"); v != int64(1) {
			t.Errorf("readOnly=%v: %v runs, want the 1 stored", readOnly, v)
		}
		if !readOnly {
			row := RobustRow{StudyID: "robust-x", Scenario: "s", Against: "service", Arm: "a", Metric: "platform_revenue_usd",
				MeanDiff: 1, Lo: 0, Hi: 2, PBetter: 0.75, Ties: 1, Vectors: 4, Replicates: 1, SEMedian: math.NaN(), PRanking: 1,
				Plausible: "p.csv", Version: "test"}
			if err := db.WriteRobust(ctx, "robust-x", []RobustRow{row, row}); err != nil {
				t.Fatal(err)
			}
			row.PBetter = 0.5
			if err := db.WriteRobust(ctx, "robust-x", []RobustRow{row}); err != nil {
				t.Fatal(err)
			}
			if v := scalar(t, db, "SELECT count(*) FROM robust_results WHERE p_better = 0.5 AND se_median IS NULL"); v != int64(1) {
				t.Errorf("after writing the study again: %v rows with the new figures, want only those", v)
			}
			if v := scalar(t, db, "SELECT count(*) FROM robust_results"); v != int64(1) {
				t.Errorf("after writing the study again: %v rows, want 1", v)
			}
			pv := []PlausibleRow{
				{Name: "c", Particle: 0, Generation: 1, Epsilon: 1, Distance: math.Inf(1), Parameters: `{"a":1}`, Outputs: `{"t":0.5}`, Version: "test"},
				{Name: "c", Particle: 1, Generation: 1, Epsilon: 1, Distance: 0.5, Accepted: true, Final: true, Weight: 1, Parameters: `{"a":2}`, Outputs: `{"t":0.1}`, Version: "test"},
			}
			for range 2 {
				if err := db.WritePlausible(ctx, "sweep-c", pv); err != nil {
					t.Fatal(err)
				}
			}
			if v := scalar(t, db, "SELECT count(*) FROM plausible_vectors WHERE sweep_id = 'sweep-c'"); v != int64(2) {
				t.Errorf("plausible vectors written twice: %v rows, want 2", v)
			}
			if v := scalar(t, db, "SELECT count(*) FROM plausible_vectors WHERE distance IS NULL AND NOT accepted"); v != int64(1) {
				t.Errorf("an infinite distance should be stored as NULL: %v rows", v)
			}
		}
		db.Close()
	}
}

// TestUpgradeFromVersion3: opening a version-3 file adds users_reacted
// and status_visits, NULL for the runs already stored (and in their
// run_totals), and the calibration_fits table.
func TestUpgradeFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.duckdb")
	db := withOneRun(t, path, append(append([]string(nil), version4Drops...),
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (3, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(schemaVersion) {
		t.Errorf("schema version %v after opening, want %d", v, schemaVersion)
	}
	for _, c := range []string{"users_reacted", "status_visits"} {
		if v := scalar(t, db, "SELECT count(*) FROM run_totals WHERE "+c+" IS NULL"); v != int64(1) {
			t.Errorf("%s of the old run: %v runs with NULL, want 1", c, v)
		}
	}
	if v := scalar(t, db, "SELECT count(*) FROM calibration_fits"); v != int64(0) {
		t.Errorf("calibration_fits has %v rows", v)
	}
}

// makeVersion2 turns the file at path into what schema version 2 left: the
// version-3 columns dropped, version 2 recorded. It stores one run first,
// whose rows then lack the entry-point counts as version 2's did.
func makeVersion2(t *testing.T, path string) {
	t.Helper()
	db := withOneRun(t, path, append(version3Drops,
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (2, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// versionAfter is the schema version a file of version v has after an
// open: the current one after Open, its own after OpenReadOnly, which
// presents the current schema without writing.
func versionAfter(v int, readOnly bool) int {
	if readOnly {
		return v
	}
	return schemaVersion
}

// openAs opens the file at path read-write or read-only.
func openAs(t *testing.T, ctx context.Context, path string, readOnly bool) *DB {
	t.Helper()
	open := Open
	if readOnly {
		open = OpenReadOnly
	}
	db, err := open(ctx, path)
	if err != nil {
		t.Fatalf("readOnly=%v: %v", readOnly, err)
	}
	return db
}

// TestUpgradeFromVersion2: opening a version-2 file adds the entry-point
// counts and campaigns at the end of daily (NULL in the runs already
// stored, and in their run_totals) and an empty business_channels table,
// keeps those runs' other totals, and stores new runs whole, entry-point
// counts and channel rows included.
func TestUpgradeFromVersion2(t *testing.T) {
	ctx := context.Background()
	for _, readOnly := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "v2.duckdb")
		makeVersion2(t, path)
		db := openAs(t, ctx, path, readOnly)
		if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(versionAfter(2, readOnly)) {
			t.Errorf("readOnly=%v: schema version %v after opening, want %d", readOnly, v, versionAfter(2, readOnly))
		}
		if n := count(t, db, "daily", 1); n == 0 {
			t.Errorf("readOnly=%v: daily lost the old run's rows", readOnly)
		}
		for _, c := range []string{"entry_conversations", "entry_ad_conversations", "follows_from_entry"} {
			if v := scalar(t, db, "SELECT count("+c+") FROM daily WHERE run_id = 1"); v != int64(0) {
				t.Errorf("readOnly=%v: %v old rows have %s, want all NULL", readOnly, v, c)
			}
			if v := scalar(t, db, "SELECT "+c+" FROM run_totals WHERE run_id = 1"); v != nil {
				t.Errorf("readOnly=%v: old run's %s = %v, want NULL", readOnly, c, v)
			}
		}
		if v := scalar(t, db, "SELECT count(campaigns) FROM daily WHERE run_id = 1"); v != int64(0) {
			t.Errorf("readOnly=%v: %v old rows have campaigns, want all NULL", readOnly, v)
		}
		if v := scalar(t, db, "SELECT follows_blocked FROM run_totals WHERE run_id = 1"); v == nil {
			t.Errorf("readOnly=%v: old run's follows_blocked became NULL", readOnly)
		}
		if readOnly {
			db.Close()
			continue
		}
		res := synthResult(5, 4, 2)
		id, err := db.WriteRun(ctx, testMeta(1), res)
		if err != nil {
			t.Fatalf("storing a run after the upgrade: %v", err)
		}
		checkSums(t, db, "daily", id, res.Daily, dailyRenames, "day")
		var want int64
		for _, d := range res.Daily {
			want += d.FollowsFromEntry
		}
		if v := scalar(t, db, "SELECT follows_from_entry FROM run_totals WHERE run_id = "+itoa(id)); v != want || want == 0 {
			t.Errorf("new run's follows_from_entry = %v, want %d (> 0)", v, want)
		}
		checkSums(t, db, "business_channels", id, res.Channels, channelRenames, "business_id, channel")
		db.Close()
	}
}

// makeVersion1 turns the file at path into what schema version 1 left: the
// version-2 and version-3 columns dropped, version 1 recorded. It stores
// one run first, whose rows then lack follows_blocked as version 1's did.
func makeVersion1(t *testing.T, path string) {
	t.Helper()
	db := withOneRun(t, path, append(version3Drops,
		"ALTER TABLE daily DROP COLUMN follows_blocked",
		"ALTER TABLE business_summary DROP COLUMN follows_blocked",
		"ALTER TABLE segment_summary DROP COLUMN follows_blocked",
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (1, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeFromVersion1: opening a version-1 file adds the new columns,
// keeps the runs already stored (NULL where they have no value; their
// churn needs none: it comes from the follows at the start and the end),
// and stores new runs whole.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	for _, readOnly := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "old.duckdb")
		makeVersion1(t, path)
		db := openAs(t, ctx, path, readOnly)
		if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(versionAfter(1, readOnly)) {
			t.Errorf("readOnly=%v: schema version %v after opening, want %d", readOnly, v, versionAfter(1, readOnly))
		}
		for _, tb := range []string{"daily", "business_summary", "segment_summary"} {
			if n := count(t, db, tb, 1); n == 0 {
				t.Errorf("readOnly=%v: %s lost the old run's rows", readOnly, tb)
			}
			if v := scalar(t, db, "SELECT count(follows_blocked) FROM "+tb+" WHERE run_id = 1"); v != int64(0) {
				t.Errorf("readOnly=%v: %s: %v old rows have follows_blocked, want all NULL", readOnly, tb, v)
			}
		}
		if v := scalar(t, db, "SELECT churn_per_1000 FROM run_totals WHERE run_id = 1"); v == nil {
			t.Errorf("readOnly=%v: old run's churn_per_1000 is NULL", readOnly)
		}
		if v := scalar(t, db, "SELECT follows_blocked FROM run_totals WHERE run_id = 1"); v != nil {
			t.Errorf("readOnly=%v: old run's follows_blocked = %v, want NULL", readOnly, v)
		}
		if v := scalar(t, db, "SELECT blocks FROM run_totals WHERE run_id = 1"); v == nil {
			t.Errorf("readOnly=%v: old run's blocks became NULL", readOnly)
		}
		if readOnly {
			db.Close()
			continue
		}
		res := synthResult(5, 4, 2)
		id, err := db.WriteRun(ctx, testMeta(1), res)
		if err != nil {
			t.Fatalf("storing a run after the upgrade: %v", err)
		}
		checkSums(t, db, "daily", id, res.Daily, dailyRenames, "day")
		var want int64
		for _, d := range res.Daily {
			want += d.FollowsBlocked
		}
		if v := scalar(t, db, "SELECT follows_blocked FROM run_totals WHERE run_id = "+itoa(id)); v != want {
			t.Errorf("new run's follows_blocked = %v, want %d", v, want)
		}
		db.Close()
	}
}

// TestUpgradeRefusesForeignTable: a table whose columns are not a prefix
// of the current ones is not touched; the error names the table and both
// column lists, and the file keeps its version.
func TestUpgradeRefusesForeignTable(t *testing.T) {
	ctx := context.Background()
	path2 := filepath.Join(t.TempDir(), "odd2.duckdb")
	makeVersion1(t, path2)
	w, err := open(ctx, path2, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.sql.ExecContext(ctx, "ALTER TABLE daily RENAME COLUMN clicks TO klicks"); err != nil {
		t.Fatal(err)
	}
	w.sql.Close()
	_, err = Open(ctx, path2)
	if err == nil || !strings.Contains(err.Error(), "table daily has the columns") || !strings.Contains(err.Error(), "klicks") {
		t.Fatalf("got %v, want an error naming daily's columns", err)
	}
	r, err := open(ctx, path2, true, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.sql.Close()
	var v int
	if err := r.sql.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil || v != 1 {
		t.Errorf("version after the refused upgrade: %d (%v), want 1", v, err)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestRowsOfNoRun: rows whose run has no runs row (what a write killed
// before it committed could leave, if storage ever kept part of it) are
// removed by Open, before they could join a later run of the same id.
func TestRowsOfNoRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	// Leftovers of a run 2 that never got its runs row.
	db := withOneRun(t, path,
		"INSERT INTO daily SELECT * REPLACE (2 AS run_id) FROM daily WHERE run_id = 1",
		"INSERT INTO business_summary SELECT * REPLACE (2 AS run_id) FROM business_summary WHERE run_id = 1")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res := synthResult(5, 4, 2)
	id, err := db.WriteRun(ctx, testMeta(1), res)
	if err != nil {
		t.Fatal(err)
	}
	if id != 2 {
		t.Errorf("new run got id %d, want 2", id)
	}
	checkSums(t, db, "daily", id, res.Daily, dailyRenames, "day")
	checkSums(t, db, "business_summary", id, res.Businesses, businessRenames, "business_id")
	for _, tb := range []string{"daily", "business_summary", "segment_summary"} {
		if n := scalar(t, db, "SELECT count(*) FROM "+tb+" WHERE run_id NOT IN (SELECT run_id FROM runs)"); n != int64(0) {
			t.Errorf("%s: %v rows of no run after reopening", tb, n)
		}
		if count(t, db, tb, 1) == 0 || count(t, db, tb, 2) == 0 {
			t.Errorf("%s: the stored runs lost rows", tb)
		}
	}
}

// withOneRun opens (creating) the database at path, stores run 1 (5 days,
// 4 businesses) and runs the statements stmts on it; the caller closes it.
func withOneRun(t *testing.T, path string, stmts ...string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriteRun(ctx, testMeta(0), synthResult(5, 4, 1)); err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := db.sql.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	return db
}

// TestSweepViewsSurviveUpgrade: a sweep's views select from run_totals;
// after an upgrade changed run_totals' columns, DuckDB refuses views made
// on the old ones ("Contents of view were altered"). Open makes them anew.
func TestSweepViewsSurviveUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	db := withOneRun(t, path)
	m := SweepMeta{ID: "sweep-s-1", Name: "s", File: "s.yaml", Design: "grid", Replicates: 1, Spec: "{}",
		Columns: []SweepColumn{{Path: "users", Column: "users_set", Type: "DOUBLE"}}, Points: []string{`{"point": 0, "users_set": 1000}`}}
	if _, err := db.RegisterSweep(ctx, m); err != nil {
		t.Fatal(err)
	}
	// run_totals with other columns, as an older msgmon left it.
	if _, err := db.sql.ExecContext(ctx, "CREATE OR REPLACE VIEW run_totals AS SELECT run_id, batch_id, params, 1 AS churn_per_1000 FROM runs"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Query(ctx, "SELECT * FROM sweep_s"); err == nil {
		t.Fatal("the sweep view still works on changed run_totals: the test changes nothing")
	}
	db.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, v := range []string{"sweep_s", "sweep_s_summary"} {
		if _, err := db.Query(ctx, "SELECT * FROM "+v); err != nil {
			t.Errorf("%s after reopening: %v", v, err)
		}
	}
}

// TestUpgradeFromVersion5: opening a version-5 file adds the weekly reach
// (daily) and the charges by segment (segment_summary), NULL for the runs
// already stored, so no figure of theirs is read as zero; a run stored
// after holds its own.
func TestUpgradeFromVersion5(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.duckdb")
	db := withOneRun(t, path, append(append([]string(nil), version6Drops...),
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (5, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{true, false} {
		db := openAs(t, ctx, path, readOnly)
		if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(versionAfter(5, readOnly)) {
			t.Errorf("readOnly=%v: schema version %v after opening, want %d", readOnly, v, versionAfter(5, readOnly))
		}
		for _, q := range []string{
			"SELECT count(reach_messages_week) + count(reach_ads_week) FROM daily",
			"SELECT count(message_charges_micros) + count(ad_charges_micros) FROM segment_summary",
		} {
			if v := scalar(t, db, q); v != int64(0) {
				t.Errorf("readOnly=%v: %s = %v, want 0 (NULL for the old run)", readOnly, q, v)
			}
		}
		if !readOnly {
			res := synthResult(5, 4, 1)
			res.Daily[2].ReachMessagesWeek = 7
			res.Segments[0].MessageCharges = 123
			id, err := db.WriteRun(ctx, testMeta(1), res)
			if err != nil {
				t.Fatal(err)
			}
			if v := scalar(t, db, "SELECT sum(reach_messages_week) FROM daily WHERE run_id = "+itoa(id)); v == nil {
				t.Errorf("new run's weekly reach is NULL")
			}
			if v := scalar(t, db, "SELECT sum(message_charges_micros) FROM segment_summary WHERE run_id = "+itoa(id)); v == nil {
				t.Errorf("new run's message charges are NULL")
			}
		}
		db.Close()
	}
}

// TestUpgradeFromVersion6: opening a version-6 file adds the exits, trials
// and end state of each business's channel, NULL for the runs already
// stored; a run stored after holds its own.
func TestUpgradeFromVersion6(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v6.duckdb")
	db := withOneRun(t, path, append(append([]string(nil), version7Drops...),
		"DELETE FROM schema_version",
		"INSERT INTO schema_version VALUES (6, now())")...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{true, false} {
		db := openAs(t, ctx, path, readOnly)
		if v := scalar(t, db, "SELECT max(version) FROM schema_version"); v != int32(versionAfter(6, readOnly)) {
			t.Errorf("readOnly=%v: schema version %v after opening, want %d", readOnly, v, versionAfter(6, readOnly))
		}
		if v := scalar(t, db, "SELECT count(exits) + count(trials) + count(state_end) FROM business_channels"); v != int64(0) {
			t.Errorf("readOnly=%v: %v end states of old runs, want 0 (NULL)", readOnly, v)
		}
		if !readOnly {
			res := synthResult(5, 4, 1)
			if len(res.Channels) == 0 {
				t.Fatal("the synthetic result has no channel rows")
			}
			res.Channels[0].Exits, res.Channels[0].StateEnd = 2, "out"
			id, err := db.WriteRun(ctx, testMeta(1), res)
			if err != nil {
				t.Fatal(err)
			}
			if v := scalar(t, db, "SELECT count(*) FROM business_channels WHERE state_end = 'out' AND exits = 2 AND run_id = "+itoa(id)); v != int64(1) {
				t.Errorf("new run's rows of end state out and 2 exits: %v, want 1", v)
			}
			if v := scalar(t, db, "SELECT count(*) FROM business_channels WHERE state_end IS NULL AND run_id = "+itoa(id)); v != int64(0) {
				t.Errorf("new run has %v rows without an end state", v)
			}
		}
		db.Close()
	}
}
