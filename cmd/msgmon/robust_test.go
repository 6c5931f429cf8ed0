package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim"
)

// testFee charges every business a flat fee on the last day of each
// 30-day month and changes nothing else: no channel, no message. Its arm
// must earn the base's revenue plus exactly the fees, and reach and churn
// must not move.
type testFee struct{ fee float64 }

func (f *testFee) Name() string { return "test_fee" }

func (f *testFee) Apply(p *sim.Platform) error {
	p.Billers = append(p.Billers, f)
	return nil
}

func (f *testFee) Bill(l sim.Ledger) {
	if l.Day()%30 == 29 {
		for b := 0; b < l.Businesses(); b++ {
			l.ChargeBusiness(b, sim.USD(f.fee), sim.SourceOther)
		}
	}
}

type testFeeParams struct {
	Fee float64 `yaml:"fee" range:"0,10000"`
}

func init() {
	sim.Register(sim.Factory{Name: "test_fee", Summary: "test-only flat monthly fee per business",
		NewParams: func() any { return &testFeeParams{Fee: 50} },
		New:       func(p any) (sim.Model, error) { return &testFee{fee: p.(*testFeeParams).Fee}, nil }})
}

// feeScenario: 40 businesses, 60 days (two billing days), 50 $ a month:
// the fee arm earns 40 · 2 · 50 = 4,000 $ more than the base.
const feeScenario = `name: fee
seed: 3
users: 1500
businesses: 40
days: 60
models:
  service_only: {}
  test_fee: {fee: 50}
robust:
  vectors: 4
  replicates: 1
  plausible: fixture.csv
`

// fixtureSet are three behaviour vectors, unequal weights, values well
// apart so that the behaviours differ.
const fixtureSet = `# test fixture
vector,weight,distance,behaviour.react_rate,behaviour.conversations_per_day
3,0.5,0.1,0.0025,0.1
5,0.3,0.2,0.0045,0.18
9,0.2,0.3,0.0035,0.14
`

// fixtureValues are fixtureSet's values by vector id, for the tests to
// check against without the parser.
var fixtureValues = map[int][2]float64{3: {0.0025, 0.1}, 5: {0.0045, 0.18}, 9: {0.0035, 0.14}}

// robustCSV runs msgmon robust with --format csv and returns its records
// keyed "arm/metric" (against the baseline) and "arm/metric@against", with
// stderr.
func robustCSV(t *testing.T, args ...string) (map[string]map[string]string, string) {
	t.Helper()
	out, errOut, err := msgmon(t, context.Background(), append([]string{"robust", "--format", "csv", "-q", "--no-report"}, args...)...)
	if err != nil {
		t.Fatalf("msgmon robust %q: %v\n%s", args, err, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("robust CSV: %v\n%s", err, out)
	}
	rows := map[string]map[string]string{}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		// The rows against the baseline come first and are keyed
		// "arm/metric"; every row is also keyed "arm/metric@against" (head
		// to head: against is the other arm).
		if k := m["arm"] + "/" + m["metric"]; rows[k] == nil {
			rows[k] = m
		}
		rows[m["arm"]+"/"+m["metric"]+"@"+m["against"]] = m
	}
	return rows, errOut
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return x
}

// TestRobustKnownAnswer: an arm that adds only a flat fee beats the base
// on platform revenue in every behaviour by exactly the fees, and ties it
// on reach and churn in every behaviour; with the fee arm as baseline the
// signs turn. The plausible set is found next to the scenario file.
func TestRobustKnownAnswer(t *testing.T) {
	dir := t.TempDir()
	scen := writeScenario(t, dir, feeScenario)
	writeFile(t, dir, "fixture.csv", fixtureSet)
	db := filepath.Join(dir, "r.duckdb")
	rows, _ := robustCSV(t, scen, "--db", db)
	if len(rows) != 2*len(robustMetricColumns()) { // each keyed twice
		t.Errorf("%d keys, want one row per metric for the one arm: %v", len(rows)/2, rows)
	}
	rev := rows["service+test_fee/platform_revenue_per_user_year"]
	if rev == nil {
		t.Fatalf("no revenue row: %v", rows)
	}
	for _, k := range []string{"mean_diff", "lo", "hi"} {
		if got := num(t, rev[k]); math.Abs(got-feePerUserYear) > 1e-9 {
			t.Errorf("revenue per user and year %s = %v, want %v (40 businesses x 2 months x 50 $ over 1,500 users and 60 days)", k, got, feePerUserYear)
		}
	}
	if rev["p_better"] != "1" || rev["ties"] != "0" || rev["vectors"] != "4" || rev["against"] != "service" || rev["se_median"] != "" {
		t.Errorf("revenue row %v: want P 1, no ties, 4 vectors, base service, no SE with one replicate", rev)
	}
	// The fees are what the businesses lose, to the cent.
	net := rows["service+test_fee/business_net_value"]
	for _, k := range []string{"mean_diff", "lo", "hi"} {
		if net == nil || math.Abs(num(t, net[k])+4000) > 1e-6 {
			t.Errorf("business net value %s: %v, want -4000", k, net)
		}
	}
	if net != nil && (net["p_better"] != "0" || net["ties"] != "0") {
		t.Errorf("business net value %v: want P 0, no ties", net)
	}
	for _, m := range []string{"reach_messages_weekly", "reach_ads_weekly", "push_per_user_week", "folder_per_user_week",
		"users_lost_pct", "reactions_per_1000_msgs", "churn_messages_per_1000"} {
		r := rows["service+test_fee/"+m]
		if num(t, r["mean_diff"]) != 0 || num(t, r["lo"]) != 0 || num(t, r["hi"]) != 0 || r["p_better"] != "0" || r["ties"] != "4" {
			t.Errorf("%s: %v, want no difference in all 4 behaviours (4 ties, P 0)", m, r)
		}
	}
	// The same, independently from the runs: every slot's revenue
	// difference is the fees, and its reach difference nothing; and the
	// slots ran different behaviours (their reach differs).
	d, err := store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := d.Query(context.Background(), `SELECT CAST(json_extract(a.params, '$.point') AS INTEGER) AS k,
			a.platform_revenue_usd - b.platform_revenue_usd, a.reach_messages_cum - b.reach_messages_cum, b.reach_messages_cum
		FROM run_totals a JOIN run_totals b ON a.batch_id = b.batch_id AND a.replicate = b.replicate
			AND json_extract(a.params, '$.point') = json_extract(b.params, '$.point')
		WHERE a.arm = 'service+test_fee' AND b.arm = 'service' ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	reach := map[float64]bool{}
	for _, row := range tb.Rows {
		if toF(row[1]) != 4000 || toF(row[2]) != 0 {
			t.Errorf("slot %v: revenue difference %v, reach difference %v; want 4000 and 0", row[0], row[1], row[2])
		}
		reach[toF(row[3])] = true
	}
	d.Close()
	if len(tb.Rows) != 4 || len(reach) < 2 {
		t.Errorf("%d slots, %d distinct reaches of the base: the behaviours did not differ", len(tb.Rows), len(reach))
	}

	// The fee arm as the baseline: service never earns more; the runs are
	// those of the first command (the baseline decides no run).
	rows, errOut := robustCSV(t, scen, "--db", db, "--baseline", "service+test_fee")
	if !strings.Contains(errOut, "resuming; 8 of 8 runs already stored") {
		t.Errorf("the second command did not resume the study: %s", errOut)
	}
	back := rows["service/platform_revenue_per_user_year"]
	if back == nil || math.Abs(num(t, back["mean_diff"])+feePerUserYear) > 1e-9 || back["p_better"] != "0" || back["ties"] != "0" || back["against"] != "service+test_fee" {
		t.Errorf("service against the fee arm: %v, want %v and P 0", back, -feePerUserYear)
	}
	// JSON for other tools: stdout holds the objects alone, NaN as null.
	out, _, err := msgmon(t, context.Background(), "robust", scen, "--db", db, "-q", "--no-report", "--format", "json")
	var objs []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &objs) != nil || len(objs) != len(robustMetricColumns()) {
		t.Errorf("robust --format json: %v, %d objects:\n%s", err, len(objs), out)
	}
	for _, o := range objs {
		if d, _ := o["mean_diff"].(float64); o["metric"] == "platform_revenue_per_user_year" && (math.Abs(d-feePerUserYear) > 1e-9 || o["p_better"] != 1.0 || o["se_median"] != nil) {
			t.Errorf("JSON revenue object %v", o)
		}
	}
	// Written again with another baseline, the study's summary is that
	// of the last analysis only.
	d, err = store.OpenReadOnly(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n := scalar(t, d, "SELECT count(*) FROM runs"); n != 8 {
		t.Errorf("%v runs after the second command, want 8 (4 slots x 2 arms x 1 replicate)", n)
	}
	if n := scalar(t, d, "SELECT count(*) FROM robust_results WHERE against = 'service' AND metric = 'business_net_value' AND abs(mean_diff + 4000) < 1e-6 AND p_better = 0"); n != 1 {
		t.Errorf("robust_results: %v revenue rows of the last analysis, want 1", n)
	}
	if n := scalar(t, d, "SELECT count(*) FROM robust_results"); n != float64(len(robustMetricColumns())) {
		t.Errorf("robust_results keeps %v rows, want those of the last analysis only", n)
	}
}

// robustMetricColumns are the figures robust reports: the registry's
// headline figures.
func robustMetricColumns() []string {
	var out []string
	for _, k := range store.HeadlineKPIs() {
		out = append(out, k.Column)
	}
	return out
}

// feePerUserYear is the fee arm's platform revenue over the base's per
// user and year: 4,000 $ over 1,500 users and 60 days.
const feePerUserYear = 4000.0 / 1500 * 365 / 60

func toF(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case nil:
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
	return f
}

// TestRobustSlotsAreCompares: slot k of msgmon robust on the default
// scenario is msgmon compare with the slot's vector as an overlay and the
// slot's seed; and P(better) and the mean difference agree with the
// per-slot differences recomputed in SQL.
func TestRobustSlotsAreCompares(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	set := writeFile(t, dir, "fixture.csv", fixtureSet)
	db := filepath.Join(dir, "r.duckdb")
	size := []string{"--users", "1500", "--days", "30"}
	rows, _ := robustCSV(t, append(size, "--vectors", "3", "--replicates", "1", "--plausible", set, "--db", db)...)
	d, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := d.Query(ctx, `SELECT DISTINCT CAST(json_extract(params, '$.point') AS INTEGER) AS k,
			CAST(json_extract(params, '$.vector') AS INTEGER), CAST(json_extract(scenario_json, '$.seed') AS UBIGINT),
			CAST(json_extract(scenario_json, '$.behaviour.react_rate') AS DOUBLE), scenario_hash
		FROM runs ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 3 {
		t.Fatalf("%d slots, want 3: %v", len(tb.Rows), tb.Rows)
	}
	type runKey struct{ arm, metric string }
	slotRuns := func(db *store.DB, where string) map[runKey]float64 {
		t.Helper()
		rt, err := db.Query(ctx, "SELECT arm, reach_messages_weekly, churn_messages_per_1000, platform_revenue_per_user_year, reach_ads_weekly FROM run_totals WHERE "+where)
		if err != nil {
			t.Fatal(err)
		}
		m := map[runKey]float64{}
		for _, r := range rt.Rows {
			for i, c := range []string{"reach_messages_weekly", "churn_messages_per_1000", "platform_revenue_per_user_year", "reach_ads_weekly"} {
				m[runKey{r[0].(string), c}] = toF(r[1+i])
			}
		}
		return m
	}
	seeds := map[uint64]bool{}
	for _, slot := range tb.Rows {
		k, vec, seed, rate, hash := toF(slot[0]), int(toF(slot[1])), slot[2].(uint64), toF(slot[3]), slot[4].(string)
		seeds[seed] = true
		want, ok := fixtureValues[vec]
		if !ok || rate != want[0] {
			t.Errorf("slot %v: vector %d, react_rate %v; the fixture has %v", k, vec, rate, want)
		}
		// The slot's overlay: its vector and the assumptions it drew,
		// every input the study's parameters name, at the slot's values.
		ov := writeFile(t, dir, fmt.Sprintf("ov%v.yaml", k), slotOverlay(t, d, int(k)))
		if !strings.Contains(slotOverlay(t, d, int(k)), fmt.Sprintf("react_rate: %v", want[0])) {
			t.Errorf("slot %v: the overlay lacks the vector's react_rate %v", k, want[0])
		}
		cdb := filepath.Join(dir, fmt.Sprintf("c%v.duckdb", k))
		args := append([]string{"compare", "-q", "--no-report", "--replicates", "1", "--overlay", ov,
			"--seed", strconv.FormatUint(seed, 10), "--db", cdb}, size...)
		if _, errOut, err := msgmon(t, ctx, args...); err != nil {
			t.Fatalf("compare: %v\n%s", err, errOut)
		}
		c, err := store.OpenReadOnly(ctx, cdb)
		if err != nil {
			t.Fatal(err)
		}
		got, wantRuns := slotRuns(d, fmt.Sprintf("CAST(json_extract(params, '$.point') AS INTEGER) = %v", k)), slotRuns(c, "true")
		if len(got) != 16 || len(wantRuns) != len(got) {
			t.Errorf("slot %v: %d figures, compare %d; want 4 arms x 4", k, len(got), len(wantRuns))
		}
		for key, v := range wantRuns {
			if got[key] != v {
				t.Errorf("slot %v %s %s: robust %v, compare with the vector and seed %v", k, key.arm, key.metric, got[key], v)
			}
		}
		if h := scalar(t, c, "SELECT count(*) FROM runs WHERE scenario_hash = '"+hash+"'"); h != 4 {
			t.Errorf("slot %v: compare's runs have another scenario hash than the slot's", k)
		}
		c.Close()
	}
	if len(seeds) != 3 {
		t.Errorf("slots share seeds: %v", seeds)
	}
	// P(better) and the mean from the per-slot differences, in SQL.
	for _, m := range []struct {
		col   string
		lower bool
	}{{"platform_revenue_per_user_year", false}, {"churn_messages_per_1000", true}, {"reach_messages_weekly", false}, {"users_lost_pct", true}, {"business_net_value", false}} {
		dt, err := d.Query(ctx, fmt.Sprintf(`SELECT a.arm, count(*) FILTER (WHERE a.%[1]s %[2]s b.%[1]s), avg(a.%[1]s - b.%[1]s), count(*)
			FROM run_totals a JOIN run_totals b ON a.replicate = b.replicate
				AND json_extract(a.params, '$.point') = json_extract(b.params, '$.point')
			WHERE b.arm = 'service' AND a.arm <> 'service' GROUP BY a.arm`, m.col, map[bool]string{false: ">", true: "<"}[m.lower]))
		if err != nil {
			t.Fatal(err)
		}
		if len(dt.Rows) != 3 {
			t.Fatalf("%s: %d arms", m.col, len(dt.Rows))
		}
		for _, r := range dt.Rows {
			row := rows[r[0].(string)+"/"+m.col]
			wantP := toF(r[1]) / toF(r[3])
			if row == nil || math.Abs(num(t, row["p_better"])-wantP) > 1e-12 || math.Abs(num(t, row["mean_diff"])-toF(r[2])) > 1e-9*math.Max(1, math.Abs(toF(r[2]))) {
				t.Errorf("%s %s: robust says %v, SQL P %v mean %v", r[0], m.col, row, wantP, r[2])
			}
		}
	}
	// Head to head, paid push against subscription on platform revenue,
	// in SQL: the arm with the better mean is named first.
	ht, err := d.Query(ctx, `SELECT count(*) FILTER (WHERE a.platform_revenue_per_user_year > b.platform_revenue_per_user_year), avg(a.platform_revenue_per_user_year - b.platform_revenue_per_user_year), count(*)
		FROM run_totals a JOIN run_totals b ON a.replicate = b.replicate
			AND json_extract(a.params, '$.point') = json_extract(b.params, '$.point')
		WHERE a.arm = 'service+paid_push' AND b.arm = 'service+subscription'`)
	if err != nil {
		t.Fatal(err)
	}
	h := ht.Rows[0]
	pair := rows["service+paid_push/platform_revenue_per_user_year@service+subscription"]
	if toF(h[1]) < 0 {
		t.Fatalf("paid push earns less than subscription here (%v); the check below expects the opposite", h[1])
	}
	if pair == nil || math.Abs(num(t, pair["p_better"])-toF(h[0])/toF(h[2])) > 1e-12 || math.Abs(num(t, pair["mean_diff"])-toF(h[1])) > 1e-9*math.Abs(toF(h[1])) {
		t.Errorf("head to head paid push vs subscription: robust says %v, SQL %v", pair, h)
	}
	d.Close()
}

// TestRobustShardsMerge: the study run in two shards and merged holds the
// runs of the study run whole, and the command on the merged database
// runs nothing and prints the same summary.
func TestRobustShardsMerge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	scen := writeScenario(t, dir, strings.Replace(feeScenario, "replicates: 1", "replicates: 2", 1))
	writeFile(t, dir, "fixture.csv", fixtureSet)
	one := filepath.Join(dir, "one.duckdb")
	whole, _, err := msgmon(t, ctx, "robust", scen, "--vectors", "3", "--db", one, "-q", "--no-report", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "m.duckdb")
	var shards []string
	for i := 1; i <= 2; i++ {
		out, _, err := msgmon(t, ctx, "robust", scen, "--vectors", "3", "--db", merged, "-q", "--no-report", "--shard", fmt.Sprintf("%d/2", i))
		if err != nil {
			t.Fatalf("shard %d/2: %v", i, err)
		}
		if !strings.Contains(out, "msgmon merge") {
			t.Errorf("shard %d/2 does not say how to merge:\n%s", i, out)
		}
		shards = append(shards, filepath.Join(dir, fmt.Sprintf("m.shard-%d-of-2.duckdb", i)))
	}
	if out, _, err := msgmon(t, ctx, append([]string{"merge", merged}, shards...)...); err != nil || !strings.Contains(out, "msgmon robust") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	want := studyRows(t, one)
	if len(want) == 0 {
		t.Fatal("no rows")
	}
	// The study draws assumptions besides the vectors: its parameters
	// name them, and the slots differ in them.
	od, err := store.OpenReadOnly(ctx, one)
	if err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, od, `SELECT count(DISTINCT json_extract(params, '$.tolerance_median')) FROM sweep_points`); n != 3 {
		t.Errorf("the 3 slots drew %v tolerances, want 3 (a Latin hypercube over the slots)", n)
	}
	od.Close()
	sameRows(t, "2 shards merged", studyRows(t, merged), want)
	again, errOut, err := msgmon(t, ctx, "robust", scen, "--vectors", "3", "--db", merged, "-q", "--no-report", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "resuming; 12 of 12 runs already stored") {
		t.Errorf("the merged study was not complete: %s", errOut)
	}
	if again != whole {
		t.Errorf("summary of the merged shards\n%s\ndiffers from that of one process\n%s", again, whole)
	}
}

// TestRobustBadInput: rules broken in the scenario, by a flag or by the
// plausible set are refused before anything runs, exit code 2, naming
// the place.
func TestRobustBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, dir, "fixture.csv", fixtureSet)
	// feeScenario's robust: has vectors: on line 10.
	one := writeFile(t, dir, "one.yaml", strings.Replace(feeScenario, "vectors: 4", "vectors: 1", 1))
	badRow := writeFile(t, dir, "bad-row.csv", "# c\nvector,weight,distance,behaviour.react_rate\n1,0.5,0,0.003\n2,-1,0,0.004\n")
	badPath := writeFile(t, dir, "bad-path.csv", "vector,weight,distance,behaviour.react_rat\n1,1,0,0.003\n")
	badValue := writeFile(t, dir, "bad-value.csv", "vector,weight,distance,behaviour.react_shape\n1,1,0,3\n2,1,0,50\n")
	db := filepath.Join(dir, "r.duckdb")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{one}, one + ":10: robust.vectors: must be at least 2"},
		{[]string{"--vectors", "1"}, "--vectors 1: must be at least 2"},
		{[]string{"--vectors", "1001"}, "--vectors 1001: must be at least 2 (one behaviour shows no spread) and at most 1000"},
		{[]string{"--replicates", "0"}, "--replicates 0: must be in [1, 1000], got 0"},
		{[]string{"--plausible", badRow}, badRow + ":4: weight: -1: must be above 0"},
		{[]string{"--plausible", badPath}, badPath + ":2: behaviour.react_rat: vector 1: 0.003 (the scenario key behaviour.react_rat: unknown key (did you mean react_rate?)"},
		{[]string{"--plausible", badValue}, badValue + ":3: behaviour.react_shape: vector 2: 50 (the scenario key behaviour.react_shape: must be in [0.1, 10], got 50)"},
		{[]string{"--plausible", "nosuch"}, "--plausible nosuch: no such embedded plausible set (scorecard"},
		{[]string{"--baseline", "nosuch"}, "--baseline nosuch: not an arm of this comparison"},
		{[]string{"--arm", "service"}, "robust compares arms with service: choose at least one other arm"},
		{[]string{"--arm", "service+paid_push"}, "--arm service+paid_push leaves out the baseline service"},
		{[]string{"--plausible", writeFile(t, dir, "empty.csv", "# c\nvector,weight,distance,behaviour.react_rate\n")}, "no vectors"},
		// Assumptions: a range whose low is above its high, an
		// assumption that does not exist, a ranges file that is not
		// there, a robust: section naming a key without a range.
		{[]string{"--ranges", writeFile(t, dir, "lohi.csv", "key,cal,low,high,distribution,basis\nuser.tolerance_median,,6,1.5,uniform,a guess\n")},
			"lohi.csv:2: user.tolerance_median: low 6 must be below high 1.5"},
		{[]string{"--ranges", writeFile(t, dir, "unknown.csv", "key,cal,low,high,distribution,basis\nuser.tolerance,,1,2,uniform,a guess\n")},
			"unknown.csv:2: key \"user.tolerance\" is not an assumption of datasets/ranges/assumptions.csv; a ranges file changes the ranges of those (did you mean user.tolerance_median?)"},
		{[]string{"--ranges", filepath.Join(dir, "nosuch.csv")}, "--ranges " + filepath.Join(dir, "nosuch.csv") + ": no such file"},
		{[]string{writeFile(t, dir, "fix.yaml", feeScenario+"  fix: [user.tolerance]\n")}, "fix.yaml:13: robust.fix[0]: \"user.tolerance\" is not an assumption of this scenario with a range"},
	}
	for _, c := range cases {
		_, _, err := msgmon(t, ctx, append([]string{"robust", "-q", "--no-report", "--db", db}, c.args...)...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("robust %q: exit code %d (%v), want %d", c.args, code, err, exitInput)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("robust %q:\n\t%v\ndoes not say\n\t%s", c.args, err, c.want)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.duckdb")); len(m) > 0 {
		t.Errorf("bad input left a database: %v", m)
	}
}

// slotOverlay is slot k's inputs (the study's parameters at the slot's
// values) as an overlay file's text.
func slotOverlay(t *testing.T, d *store.DB, k int) string {
	t.Helper()
	ctx := context.Background()
	tb, err := d.Query(ctx, fmt.Sprintf(`SELECT CAST(s.parameters AS VARCHAR), CAST(p.params AS VARCHAR) FROM sweeps s JOIN sweep_points p USING (sweep_id) WHERE p.point = %d`, k))
	if err != nil || len(tb.Rows) != 1 {
		t.Fatalf("slot %d: %v %v", k, err, tb)
	}
	var cols []store.SweepColumn
	var params map[string]any
	if err := json.Unmarshal([]byte(tb.Rows[0][0].(string)), &cols); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(tb.Rows[0][1].(string)), &params); err != nil {
		t.Fatal(err)
	}
	// A model's table by market (models.status_ads.cpm.IN) is written
	// whole, as the slot's scenario has it: an overlay's table replaces
	// the model's default one.
	sj, err := d.Query(ctx, fmt.Sprintf(`SELECT scenario_json FROM runs WHERE CAST(json_extract(params, '$.point') AS INTEGER) = %d LIMIT 1`, k))
	if err != nil || len(sj.Rows) != 1 {
		t.Fatalf("slot %d: %v", k, err)
	}
	var scen map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprint(sj.Rows[0][0])), &scen); err != nil {
		t.Fatal(err)
	}
	root := map[string]any{}
	for _, c := range cols {
		if c.Column == "vector" {
			continue
		}
		segs := strings.Split(c.Path, ".")
		if segs[0] == "models" && len(segs) > 3 {
			var v any = scen
			for _, s := range segs[:len(segs)-1] {
				v = v.(map[string]any)[s]
			}
			segs, params[c.Column] = segs[:len(segs)-1], v
		}
		m := root
		for _, s := range segs[:len(segs)-1] {
			if m[s] == nil {
				m[s] = map[string]any{}
			}
			m = m[s].(map[string]any)
		}
		m[segs[len(segs)-1]] = params[c.Column]
	}
	out, err := yaml.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
