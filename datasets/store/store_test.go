package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/msgmon/msgmon/sim"
)

var modes = []ingestMode{ingestAppender, ingestArrow}

// snake converts a Go field name to the column naming rule: FollowsWOM ->
// follows_wom, ReachMessagesCum -> reach_messages_cum.
func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// fieldColumns maps the columns of struct type t to their values in v,
// derived by reflection (independently of the getters in schema.go):
// fields in snake case, Micros fields with _micros, [NumSources]Micros
// arrays as one column per source. renames overrides names.
func fieldColumns(v reflect.Value, renames map[string]string) (names []string, vals []any) {
	t := v.Type()
	micros := reflect.TypeOf(sim.Micros(0))
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := snake(f.Name)
		if r, ok := renames[f.Name]; ok {
			name = r
		}
		fv := v.Field(i)
		switch {
		case f.Type.Kind() == reflect.Array:
			for s := sim.Source(0); s < sim.NumSources; s++ {
				names = append(names, name+"_"+s.String()+"_micros")
				vals = append(vals, fv.Index(int(s)).Int())
			}
		case f.Type == micros:
			names = append(names, name+"_micros")
			vals = append(vals, fv.Int())
		default:
			names = append(names, name)
			vals = append(vals, fv.Interface())
		}
	}
	return names, vals
}

var (
	dailyRenames    = map[string]string{}
	businessRenames = map[string]string{"Business": "business_id", "SpendBySource": "spend"}
	channelRenames  = map[string]string{"Business": "business_id"}
)

func colNames[T any](cols []column[T]) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.name)
	}
	return out
}

// TestColumnsCoverStructs fails when sim.Daily or sim.BusinessSummary gain
// a field that has no column (or the names drift).
func TestColumnsCoverStructs(t *testing.T) {
	n, _ := fieldColumns(reflect.ValueOf(sim.Daily{}), dailyRenames)
	if got := colNames(dailyColumns); !slices.Equal(got, n) {
		t.Errorf("daily columns\n got %v\nwant %v", got, n)
	}
	n, _ = fieldColumns(reflect.ValueOf(sim.BusinessSummary{}), businessRenames)
	if got := colNames(businessColumns); !slices.Equal(got, n) {
		t.Errorf("business_summary columns\n got %v\nwant %v", got, n)
	}
	n, _ = fieldColumns(reflect.ValueOf(sim.SegmentSummary{}), map[string]string{"Users": "n_users"})
	if got := colNames(segmentColumns); !slices.Equal(got, n) {
		t.Errorf("segment_summary columns\n got %v\nwant %v", got, n)
	}
	// Getters read the field of the same name: values set by reflection
	// come back through the getters.
	r := synthResult(1, 1, 7)
	_, want := fieldColumns(reflect.ValueOf(r.Daily[0]), dailyRenames)
	for i, c := range dailyColumns {
		if got := c.value(&r.Daily[0]); fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("daily %s: getter %v, field %v", c.name, got, want[i])
		}
	}
	_, want = fieldColumns(reflect.ValueOf(r.Businesses[0]), businessRenames)
	for i, c := range businessColumns {
		if got := c.value(&r.Businesses[0]); fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("business %s: getter %v, field %v", c.name, got, want[i])
		}
	}
}

// fill sets every field of the struct v to a deterministic value that
// differs between fields and rows (negative money included).
func fill(v reflect.Value, row, salt int) {
	for f := 0; f < v.NumField(); f++ {
		fv := v.Field(f)
		base := int64((row+1)*(f+3)*(salt+1) + 17*f)
		switch fv.Kind() {
		case reflect.Int, reflect.Int64:
			if fv.Type() == reflect.TypeOf(sim.Micros(0)) {
				base = base*1_000_003 + 123_457 // not whole dollars
				if f%5 == 0 {
					base = -base
				}
			}
			fv.SetInt(base)
		case reflect.Float64:
			fv.SetFloat(float64(base) / 7)
		case reflect.String:
			fv.SetString(fmt.Sprintf("s%d_%d", f, row%5))
		case reflect.Bool:
			fv.SetBool((row+f)%3 == 0)
		case reflect.Array:
			for i := 0; i < fv.Len(); i++ {
				fv.Index(i).SetInt(base*1_000_003 + int64(i)*999_999_937 - 5_000_000)
			}
		default:
			panic("fill: unhandled kind " + fv.Kind().String())
		}
	}
}

func synthResult(days, businesses, salt int) *sim.Result {
	r := &sim.Result{Daily: make([]sim.Daily, days), Businesses: make([]sim.BusinessSummary, businesses)}
	for i := range r.Daily {
		fill(reflect.ValueOf(&r.Daily[i]).Elem(), i, salt)
		r.Daily[i].Day = i
	}
	for i := range r.Businesses {
		fill(reflect.ValueOf(&r.Businesses[i]).Elem(), i, salt)
		r.Businesses[i].Business = i
	}
	r.Channels = make([]sim.ChannelSummary, 2*businesses)
	for i := range r.Channels {
		fill(reflect.ValueOf(&r.Channels[i]).Elem(), i, salt)
		r.Channels[i].Business = i / 2
		r.Channels[i].Channel = []string{"paid_push", "subscription"}[i%2]
	}
	r.Segments = make([]sim.SegmentSummary, 6)
	for i := range r.Segments {
		fill(reflect.ValueOf(&r.Segments[i]).Elem(), i, salt)
		r.Segments[i].Market = []string{"DE", "IN"}[i/3]
		r.Segments[i].ToleranceBand = sim.ToleranceBands[i%3]
	}
	return r
}

func testMeta(i int) RunMeta {
	return RunMeta{
		BatchID:      "batch-1",
		RunKey:       fmt.Sprintf("key-%d", i),
		Scenario:     "base",
		ScenarioHash: "abc123",
		ScenarioJSON: `{"users": 1000}`,
		Arm:          "paid_push",
		Models:       []string{"paid_push", "status_ads"},
		Replicate:    i,
		Seed:         1<<63 + uint64(i), // high bit set: UBIGINT
		Users:        1000,
		Businesses:   50,
		Days:         30,
		Workers:      2,
		Version:      "test",
		Started:      time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC),
		Finished:     time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC),
		Status:       "done",
		Params:       `{"price": 0.01}`,
	}
}

func openTest(t testing.TB, mode ingestMode) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "msgmon.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	db.ingest = mode
	t.Cleanup(func() { db.Close() })
	return db
}

// scalar runs a query returning one value.
func scalar(t testing.TB, db *DB, q string) any {
	t.Helper()
	tab, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(tab.Rows) != 1 || len(tab.Rows[0]) != 1 {
		t.Fatalf("%s: got %v", q, tab.Rows)
	}
	return tab.Rows[0][0]
}

func count(t testing.TB, db *DB, table string, runID int64) int64 {
	t.Helper()
	return scalar(t, db, fmt.Sprintf("SELECT count(*) FROM %s WHERE run_id = %d", table, runID)).(int64)
}

// checkSums compares, for every column of rows, the sum (or for strings
// the ordered concatenation) in SQL with the same in Go.
func checkSums[T any](t *testing.T, db *DB, table string, runID int64, rows []T, renames map[string]string, order string) {
	t.Helper()
	if n := count(t, db, table, runID); n != int64(len(rows)) {
		t.Fatalf("%s run %d: %d rows, want %d", table, runID, n, len(rows))
	}
	var names []string
	var sums []any
	for i := range rows {
		n, vals := fieldColumns(reflect.ValueOf(rows[i]), renames)
		if i == 0 {
			names = n
			sums = make([]any, len(n))
		}
		for j, v := range vals {
			switch x := v.(type) {
			case int:
				s, _ := sums[j].(int64)
				sums[j] = s + int64(x)
			case int64:
				s, _ := sums[j].(int64)
				sums[j] = s + x
			case float64:
				s, _ := sums[j].(float64)
				sums[j] = s + x
			case bool:
				s, _ := sums[j].(int64)
				if x {
					s++
				}
				sums[j] = s
			case string:
				s, _ := sums[j].(string)
				if i > 0 {
					s += "|"
				}
				sums[j] = s + x
			}
		}
	}
	var exprs []string
	for j, n := range names {
		switch sums[j].(type) {
		case int64:
			if n == "advertiser" { // bool: Go counts the true values
				exprs = append(exprs, "CAST(count_if(advertiser) AS BIGINT)")
			} else {
				exprs = append(exprs, fmt.Sprintf("CAST(sum(%s) AS BIGINT)", n))
			}
		case float64:
			exprs = append(exprs, fmt.Sprintf("sum(%s)", n))
		case string:
			exprs = append(exprs, fmt.Sprintf("string_agg(%s, '|' ORDER BY %s)", n, order))
		}
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE run_id = %d", strings.Join(exprs, ", "), table, runID)
	tab, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	for j, n := range names {
		got, want := tab.Rows[0][j], sums[j]
		if f, ok := want.(float64); ok {
			if g, _ := got.(float64); math.Abs(g-f) > 1e-9*math.Abs(f) {
				t.Errorf("%s.%s: sum %v, want %v", table, n, got, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%s.%s: sum %v (%T), want %v (%T)", table, n, got, got, want, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := context.Background()
			db := openTest(t, mode)
			var ids []int64
			var results []*sim.Result
			for i := range 3 {
				res := synthResult(40+i, 30+7*i, i)
				id, err := db.WriteRun(ctx, testMeta(i), res)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
				results = append(results, res)
			}
			if !slices.Equal(ids, []int64{1, 2, 3}) {
				t.Fatalf("run ids %v", ids)
			}
			for i, id := range ids {
				checkSums(t, db, "daily", id, results[i].Daily, dailyRenames, "day")
				checkSums(t, db, "business_summary", id, results[i].Businesses, businessRenames, "business_id")
				checkSums(t, db, "business_channels", id, results[i].Channels, channelRenames, "business_id, channel")
			}
			// Run metadata round trip.
			runs, err := db.RunsOfBatch(ctx, "batch-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 3 {
				t.Fatalf("%d runs", len(runs))
			}
			for i, r := range runs {
				want := testMeta(i)
				if r.RunID != ids[i] || !reflect.DeepEqual(r.RunMeta, want) {
					t.Errorf("run %d:\n got %+v\nwant %+v", i, r.RunMeta, want)
				}
			}
			keys, err := db.RunKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(keys, map[string]bool{"key-0": true, "key-1": true, "key-2": true}) {
				t.Errorf("run keys %v", keys)
			}
			if runs, _ := db.RunsOfBatch(ctx, "nope"); len(runs) != 0 {
				t.Errorf("unknown batch: %v", runs)
			}
		})
	}
}

func TestRunIDsAcrossOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "runs.duckdb")
	seen := map[int64]bool{}
	last := int64(0)
	for cycle := range 2 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			id, err := db.WriteRun(ctx, testMeta(cycle*2+i), synthResult(3, 2, i))
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] || id <= last {
				t.Fatalf("run id %d after %d (seen %v)", id, last, seen)
			}
			seen[id], last = true, id
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := scalar(t, db, "SELECT count(*) FROM schema_version"); n != int64(1) {
		t.Errorf("schema_version rows: %v", n)
	}
	if n := scalar(t, db, "SELECT count(DISTINCT run_id) FROM runs"); n != int64(4) {
		t.Errorf("runs: %v", n)
	}
}

func tableCounts(t *testing.T, db *DB) [3]int64 {
	var c [3]int64
	for i, tab := range []string{"runs", "daily", "business_summary"} {
		c[i] = scalar(t, db, "SELECT count(*) FROM "+tab).(int64)
	}
	return c
}

func TestWriteRunAtomic(t *testing.T) {
	for _, mode := range modes {
		for _, after := range []string{"runs", "daily", "business_summary"} {
			t.Run(mode.String()+"/cancel_after_"+after, func(t *testing.T) {
				db := openTest(t, mode)
				if _, err := db.WriteRun(context.Background(), testMeta(0), synthResult(10, 5, 0)); err != nil {
					t.Fatal(err)
				}
				before := tableCounts(t, db)

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var hooked []string
				db.testHook = func(table string) {
					hooked = append(hooked, table)
					if table == after {
						cancel()
					}
				}
				id, err := db.WriteRun(ctx, testMeta(1), synthResult(500, 3000, 1))
				db.testHook = nil
				if !errors.Is(err, context.Canceled) || id != 0 {
					t.Fatalf("WriteRun = %d, %v; want context.Canceled", id, err)
				}
				if hooked[len(hooked)-1] != after {
					t.Fatalf("hook calls %v", hooked)
				}
				if got := tableCounts(t, db); got != before {
					t.Fatalf("rows after cancelled write %v, before %v", got, before)
				}
				if n := count(t, db, "daily", 2) + count(t, db, "business_summary", 2); n != 0 {
					t.Fatalf("%d rows of the cancelled run remain", n)
				}
				// The DB is still usable and the id was not used.
				id, err = db.WriteRun(context.Background(), testMeta(2), synthResult(7, 4, 2))
				if err != nil || id != 2 {
					t.Fatalf("WriteRun after cancel = %d, %v", id, err)
				}
				if got := tableCounts(t, db); got != [3]int64{before[0] + 1, before[1] + 7, before[2] + 4} {
					t.Fatalf("rows %v", got)
				}
			})
		}
	}
	t.Run("bad_params", func(t *testing.T) {
		db := openTest(t, defaultIngest)
		m := testMeta(0)
		m.Params = "{not json"
		if _, err := db.WriteRun(context.Background(), m, synthResult(3, 3, 0)); err == nil {
			t.Fatal("no error for invalid params JSON")
		}
		if got := tableCounts(t, db); got != [3]int64{} {
			t.Fatalf("rows %v", got)
		}
	})
}

// TestAppenderRollback checks the premise of the appender path: rows
// appended inside BEGIN ... ROLLBACK disappear.
func TestAppenderRollback(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, ingestAppender)
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		t.Fatal(err)
	}
	res := synthResult(100, 0, 0)
	if err := ingestViaAppender(ctx, conn, "daily", dailyColumns, 9, res.Daily); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM daily").Scan(&n); err != nil || n != 100 {
		t.Fatalf("inside transaction: %d rows, %v", n, err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if c := count(t, db, "daily", 9); c != 0 {
		t.Fatalf("%d appended rows survived ROLLBACK", c)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriteRun(ctx, testMeta(0), synthResult(2, 2, 0)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Query(ctx, "DELETE FROM runs")
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write through read-only Query: %v", err)
	}
	t.Log(err)
	if _, err := ro.WriteRun(ctx, testMeta(1), synthResult(1, 1, 0)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("WriteRun on read-only: %v", err)
	}
	if n := scalar(t, ro, "SELECT count(*) FROM daily"); n != int64(2) {
		t.Fatalf("daily rows %v", n)
	}
	if err := ro.ExportParquet(ctx, filepath.Join(t.TempDir(), "pq"), false); err != nil {
		t.Fatalf("export from a read-only DB: %v", err)
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.duckdb")); err == nil {
		t.Fatal("OpenReadOnly of a missing file succeeded")
	}
}

func TestQueryErrorsAndFormats(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, defaultIngest)
	_, err := db.Query(ctx, "SELEC 1")
	if err == nil || !strings.Contains(err.Error(), "Parser Error") {
		t.Fatalf("syntax error: %v", err)
	}
	_, err = db.Query(ctx, "SELECT nope FROM runs")
	if err == nil || !strings.Contains(err.Error(), "Binder Error") {
		t.Fatalf("binder error: %v", err)
	}
	tab, err := db.Query(ctx, `SELECT * FROM (VALUES
		(1, 'a,b', CAST(1.5 AS DECIMAL(18,6)), NULL, true, '{"x": 1}'::JSON),
		(22, 'c"d', CAST(-0.000001 AS DECIMAL(18,6)), 2.5, false, '[1,2]'::JSON))
		t(id, name, usd, f, ok, j)`)
	if err != nil {
		t.Fatal(err)
	}
	check := func(format, want string) {
		var b bytes.Buffer
		if err := WriteTable(&b, tab, format); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s:\n%s\nwant\n%s", format, b.String(), want)
		}
	}
	check(FormatTable, `id  name  usd        f     ok     j
--  ----  ---------  ----  -----  --------
 1  a,b    1.500000  NULL  true   {"x": 1}
22  c"d   -0.000001   2.5  false  [1,2]
(2 rows)
`)
	check(FormatCSV, `id,name,usd,f,ok,j
1,"a,b",1.500000,,true,"{""x"": 1}"
22,"c""d",-0.000001,2.5,false,"[1,2]"
`)
	check(FormatJSON, `[
  {"id": 1, "name": "a,b", "usd": 1.500000, "f": null, "ok": true, "j": "{\"x\": 1}"},
  {"id": 22, "name": "c\"d", "usd": -0.000001, "f": 2.5, "ok": false, "j": "[1,2]"}
]
`)
	if err := WriteTable(&bytes.Buffer{}, tab, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

// tinyResult is a hand-made 3-day result for the view tests.
func tinyResult(scale int64) *sim.Result {
	d := []sim.Daily{
		{Day: 0, ReachMessagesCum: 10, ReachAdsCum: 4, FollowsGained: 10, Unfollows: 2, Blocks: 1, FollowsBlocked: 1, Mutes: 1, ActiveFollows: 100},
		{Day: 1, ReachMessagesCum: 15, ReachAdsCum: 6, FollowsGained: 5, Unfollows: 3, Blocks: 0, Mutes: 0, ActiveFollows: 102},
		// One of day 2's blocks is by a contact who did not follow.
		{Day: 2, ReachMessagesCum: 18 * scale, ReachAdsCum: 9, FollowsGained: 4, Unfollows: 1, Blocks: 3, FollowsBlocked: 2, Mutes: 2, ActiveFollows: 103},
	}
	d[0].PlatformRevenue[sim.SourceService] = 1_234_567 * sim.Micros(scale)
	d[1].PlatformRevenue[sim.SourceAds] = 2_000_000
	d[2].PlatformRevenue[sim.SourceMessages] = -1
	d[2].PlatformRevenue[sim.SourceOther] = 9_000_000_000_000_000 // $9e9
	d[1].BusinessSpend = 3_000_001
	// 93 follows before day 0: day 0 ends with 93 + 10 - 2 - 1 = 100.
	return &sim.Result{Daily: d, Businesses: []sim.BusinessSummary{{Business: 0, Category: "retail", FollowersStart: 93}}}
}

func TestViews(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, defaultIngest)
	for i, scale := range []int64{1, 3} {
		if _, err := db.WriteRun(ctx, testMeta(i), tinyResult(scale)); err != nil {
			t.Fatal(err)
		}
	}
	str := func(q string) string { return CellString(scalar(t, db, q)) }

	// daily_usd: exact decimals, named without _micros.
	if got := str("SELECT platform_revenue_service FROM daily_usd WHERE run_id = 1 AND day = 0"); got != "1.234567" {
		t.Errorf("platform_revenue_service = %s", got)
	}
	if got := str("SELECT platform_revenue_messages FROM daily_usd WHERE run_id = 1 AND day = 2"); got != "-0.000001" {
		t.Errorf("platform_revenue_messages = %s", got)
	}
	if got := str("SELECT platform_revenue_usd FROM daily_usd WHERE run_id = 1 AND day = 2"); got != "8999999999.999999" {
		t.Errorf("platform_revenue_usd = %s", got)
	}
	if got := str("SELECT typeof(business_spend) FROM daily_usd LIMIT 1"); got != "DECIMAL(18,6)" {
		t.Errorf("business_spend type %s", got)
	}

	// run_totals by hand. Run 1: follows_exposed = 93 (before day 0) + 19
	// (gained) = 112; ended = 112 - 103 (active at the end) = 9, which is
	// unfollows + blocked follows = 6 + 3 (the block by a non-follower is
	// in blocks, 4, but ended no follow); churn = 9000/112.
	tab, err := db.Query(ctx, `SELECT reach_messages_cum, reach_ads_cum, follows_gained, unfollows, blocks, follows_blocked, mutes,
		active_follows_start, active_follows_end, follows_exposed, churn_per_1000, platform_revenue_usd,
		platform_revenue_service, business_spend, user_spend, arm, scenario, seed, days_recorded
		FROM run_totals WHERE run_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range tab.Rows[0] {
		got = append(got, CellString(v))
	}
	want := []string{"18", "9", "19", "6", "4", "3", "3", "93", "103", "112",
		fmt.Sprint(9000.0 / 112), "9000000003.234566", "1.234567", "3.000001", "0.000000",
		"paid_push", "base", "9223372036854775808", "3"}
	// The follow identity, exactly, in every run: start + gained - ended = end.
	if n := scalar(t, db, `SELECT count(*) FROM run_totals
		WHERE active_follows_start + follows_gained - unfollows - follows_blocked <> active_follows_end`); n != int64(0) {
		t.Errorf("the follow identity fails in %v runs", n)
	}
	if !slices.Equal(got, want) {
		t.Errorf("run_totals\n got %v\nwant %v", got, want)
	}

	// arm_summary over runs 1 and 2 (reach_messages_cum 18 and 54).
	tab, err = db.Query(ctx, `SELECT n_runs, mean_reach_messages_cum, sd_reach_messages_cum, mean_churn_per_1000,
		sd_churn_per_1000, mean_platform_revenue_service FROM arm_summary`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 {
		t.Fatalf("arm_summary rows %v", tab.Rows)
	}
	r := tab.Rows[0]
	sd := math.Sqrt(((18.0-36)*(18-36) + (54.0-36)*(54-36)) / 1)
	if r[0] != int64(2) || r[1] != 36.0 || math.Abs(r[2].(float64)-sd) > 1e-9 ||
		math.Abs(r[3].(float64)-9000.0/112) > 1e-9 || r[4].(float64) != 0 ||
		math.Abs(r[5].(float64)-(1.234567+3.703701)/2) > 1e-9 {
		t.Errorf("arm_summary %v (sd want %v)", r, sd)
	}
}

func TestExportParquet(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, defaultIngest)
	for i := range 4 {
		m := testMeta(i)
		m.Scenario = []string{"base", "big market"}[i%2]
		m.Arm = []string{"paid_push", "status_ads"}[i/2]
		if _, err := db.WriteRun(ctx, m, synthResult(20+i, 10+i, i)); err != nil {
			t.Fatal(err)
		}
	}
	// A sweep's design, to be rebuilt from the Parquet files.
	if _, err := db.RegisterSweep(ctx, SweepMeta{ID: "sw-1", Name: "rates", File: "rates.yaml", Design: "grid", Replicates: 2,
		Columns: []SweepColumn{{Path: "business.sends_per_week_mean", Column: "sends_per_week_mean", Type: "DOUBLE"}},
		Spec:    "name: rates", Points: []string{`{"point":0,"sends_per_week_mean":1}`, `{"point":1,"sends_per_week_mean":4}`}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	if err := db.ExportParquet(ctx, dir, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ table, cols string }{
		{"sweeps", "sweep_id, name, file, design, points, replicates, CAST(parameters AS VARCHAR), spec"},
		{"sweep_points", "sweep_id, point, CAST(params AS VARCHAR)"},
	} {
		want, err := db.Query(ctx, "SELECT "+c.cols+" FROM "+c.table+" ORDER BY ALL")
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Query(ctx, "SELECT "+c.cols+" FROM read_parquet("+sqlString(filepath.Join(dir, c.table, "*.parquet"))+") ORDER BY ALL")
		if err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if len(want.Rows) == 0 || fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) {
			t.Errorf("%s: parquet %v, db %v", c.table, got.Rows, want.Rows)
		}
	}
	// Row counts and sums agree with the database.
	for _, c := range []struct{ table, sums string }{
		{"runs", "count(*), sum(run_id), sum(seed), count(DISTINCT scenario || arm), string_agg(params, ',' ORDER BY run_id)"},
		{"daily", "count(*), sum(run_id), sum(reach_messages), sum(platform_revenue_service_micros), sum(service_cost_micros), count(DISTINCT scenario || arm)"},
		// Floating-point sums depend on the order DuckDB's threads add in:
		// rounded to 9 significant digits they must agree.
		{"business_summary", "count(*), sum(run_id), sum(spend_other_micros), round(sum(size), 6), string_agg(category, ',' ORDER BY run_id, business_id), count(DISTINCT scenario || arm)"},
		{"segment_summary", "count(*), sum(run_id), sum(n_users), sum(unfollows), sum(purchases_micros), string_agg(market || tolerance_band, ',' ORDER BY run_id, market, tolerance_band), count(DISTINCT scenario || arm)"},
	} {
		src := c.table
		if c.table != "runs" {
			src = c.table + " JOIN runs USING (run_id)"
		}
		want, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM %s", c.sums, src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM read_parquet(%s, hive_partitioning=true)",
			c.sums, sqlString(filepath.Join(dir, c.table, "**", "*.parquet"))))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) {
			t.Errorf("%s: parquet %v, db %v", c.table, got.Rows, want.Rows)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "daily", "scenario=base", "arm=paid_push")); err != nil {
		t.Errorf("hive layout: %v", err)
	}
	// Re-export into its own folder is fine; a foreign non-empty folder is
	// refused unless overwrite.
	if err := db.ExportParquet(ctx, dir, false); err != nil {
		t.Fatalf("re-export: %v", err)
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep"), 0o644)
	if err := db.ExportParquet(ctx, foreign, false); err == nil {
		t.Fatal("export into a foreign non-empty folder succeeded")
	}
	if err := db.ExportParquet(ctx, foreign, true); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(b) != "keep" {
		t.Errorf("overwrite touched other files: %q %v", b, err)
	}
}

// TestLockedByOtherProcess opens a database in a child process (this test
// binary running TestHelperHoldLock) and checks Open's message.
func TestLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "MSGMON_STORE_HOLD="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked") {
		t.Fatalf("helper: %q %v", line, err)
	}
	// The holder could be any DuckDB client: the message names the
	// process DuckDB names, not "msgmon".
	pid := fmt.Sprintf("(PID %d)", cmd.Process.Pid)
	_, err = Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "locked by another process, ") || !strings.Contains(err.Error(), pid) ||
		!strings.Contains(err.Error(), "--db") || strings.Contains(err.Error(), "msgmon process") {
		t.Fatalf("Open of a locked file: %v", err)
	}
	t.Log(err)
	_, err = OpenReadOnly(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), pid) {
		t.Fatalf("OpenReadOnly of a locked file: %v", err)
	}
}

func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv("MSGMON_STORE_HOLD")
	if path == "" {
		t.Skip("helper process for TestLockedByOtherProcess")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	db.Close()
	os.Exit(0)
}

func TestOpenTwiceInProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "twice.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open: %v", err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	db.Close()
}

func TestConcurrentWriteRun(t *testing.T) {
	db := openTest(t, defaultIngest)
	ctx := context.Background()
	ids := make(chan int64, 12)
	errs := make(chan error, 12)
	for g := range 4 {
		go func() {
			for i := range 3 {
				id, err := db.WriteRun(ctx, testMeta(g*3+i), synthResult(5, 3, i))
				ids <- id
				errs <- err
			}
		}()
	}
	seen := map[int64]bool{}
	for range 12 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		id := <-ids
		if seen[id] {
			t.Fatalf("duplicate run id %d", id)
		}
		seen[id] = true
	}
	if got := tableCounts(t, db); got != [3]int64{12, 60, 36} {
		t.Fatalf("rows %v", got)
	}
}

// DailyCounts are counts of the daily table that run_totals does not sum:
// each is a column of sim.Daily's counts, none is a run_totals column, a
// money column, a level or a running count, and the count of refused
// messages is among them.
func TestDailyCounts(t *testing.T) {
	have := RunTotalsColumns()
	got := DailyCounts()
	if !slices.Contains(got, "sends_blocked") || !slices.Contains(got, "clicks") {
		t.Errorf("DailyCounts %v lacks sends_blocked or clicks", got)
	}
	for _, name := range got {
		i := slices.IndexFunc(dailyColumns, func(c column[sim.Daily]) bool { return c.name == name })
		switch {
		case i < 0:
			t.Errorf("%s is not a daily column", name)
		case dailyColumns[i].kind != kInt64 || dailyColumns[i].money:
			t.Errorf("%s is not a count", name)
		case slices.Contains(have, name):
			t.Errorf("%s is a run_totals column already", name)
		case name == "active_follows" || strings.HasSuffix(name, "_cum") || strings.HasSuffix(name, "_week"):
			t.Errorf("%s is a level or running count: its sum means nothing", name)
		}
	}
}
