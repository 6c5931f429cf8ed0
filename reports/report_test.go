package reports_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

const batch = "test-batch"

// smallDB runs a small comparison (service only against paid push, 3
// replicates) into a temporary database.
func smallDB(t *testing.T) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	runSmallBatch(t, db, batch, 11)
	return db
}

// defaultArms is one arm per model name, each the model at its default
// parameters.
func defaultArms(t *testing.T, names ...string) []experiment.Arm {
	t.Helper()
	var arms []experiment.Arm
	for _, name := range names {
		f, _ := sim.Lookup(name)
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		arms = append(arms, experiment.Arm{Name: name, Models: []sim.Model{m}})
	}
	return arms
}

// runSmallBatch stores the small comparison under batchID with this seed.
func runSmallBatch(t *testing.T, db *store.DB, batchID string, seed uint64) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 1500, 30, 30
	arms := defaultArms(t, "service_only", "paid_push")
	sink := &store.Sink{DB: db, BatchID: batchID, Scenario: "small", ScenarioHash: "h", Version: "test"}
	spec := experiment.Spec{Config: cfg, Arms: arms, Replicates: 3, Seed: seed}
	if err := experiment.Run(context.Background(), spec, "h", sink); err != nil {
		t.Fatal(err)
	}
}

func sqlFloat(t *testing.T, db *store.DB, q string) float64 {
	t.Helper()
	tb, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	switch v := tb.Rows[0][0].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	t.Fatalf("%s: %T", q, tb.Rows[0][0])
	return 0
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestReportFromDatabase(t *testing.T) {
	db := smallDB(t)
	defer db.Close()
	ctx := context.Background()
	rep, err := reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}

	// The series behind each over-time chart equal SQL written here.
	for i, m := range reports.TimeMetrics {
		bands := rep.Bands[i]
		if len(bands) != 2 {
			t.Fatalf("%s: %d arms", m.Name, len(bands))
		}
		for _, b := range bands {
			if len(b.Day) != 30 {
				t.Errorf("%s/%s: %d days, want 30", m.Name, b.Arm, len(b.Day))
			}
		}
	}
	pp := rep.Bands[0][1] // active follows, paid_push
	if pp.Arm != "paid_push" {
		t.Fatalf("arm order: %s", pp.Arm)
	}
	q := `SELECT avg(active_follows) FROM daily JOIN runs USING (run_id) WHERE arm = 'paid_push' AND day = 10`
	if want := sqlFloat(t, db, q); !near(pp.Mean[10], want) {
		t.Errorf("active follows day 10: chart %v, SQL %v", pp.Mean[10], want)
	}
	sd := sqlFloat(t, db, `SELECT stddev_samp(active_follows) FROM daily JOIN runs USING (run_id) WHERE arm = 'paid_push' AND day = 10`)
	tq := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 2}.Quantile(0.975)
	if want := tq * sd / math.Sqrt(3); !near(pp.HalfWidth[10], want) {
		t.Errorf("band half width day 10: chart %v, SQL %v", pp.HalfWidth[10], want)
	}
	// Cumulative platform revenue on the last day is each run's total.
	rev := rep.Bands[4][1]
	want := sqlFloat(t, db, `SELECT avg(s) FROM (SELECT sum(platform_revenue_messages_micros) / 1e6 AS s
		FROM daily JOIN runs USING (run_id) WHERE arm = 'paid_push' GROUP BY run_id)`)
	if got := rev.Mean[len(rev.Mean)-1]; want <= 0 || math.Abs(got-want) > 1e-6 {
		t.Errorf("cumulative platform revenue: chart %v, SQL %v", got, want)
	}
	// KPI bars: the comparison's means are run_totals averages.
	for _, row := range rep.Comparison.Rows {
		for i, k := range rep.Comparison.KPIs {
			want := sqlFloat(t, db, `SELECT avg(CAST(`+k.Column+` AS DOUBLE)) FROM run_totals WHERE arm = '`+row.Arm+`'`)
			if got := row.KPI[i].Mean; !near(got, want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s %s: chart %v, SQL %v", row.Arm, k.Column, got, want)
			}
		}
	}
	// The frontier's paired differences are compare's: paid push against
	// the baseline, replicate by replicate.
	if len(rep.Pareto) != 2 || len(rep.Pareto[1].Runs) != 3 {
		t.Fatalf("Pareto points %+v, want 2 arms of 3 runs", rep.Pareto)
	}
	dc, dr := reports.PairedDiff(rep.Pareto[1], rep.Pareto[0])
	for i, k := range rep.Comparison.KPIs {
		want, got := rep.Comparison.Rows[1].Diff[i], reports.Estimate{}
		switch k.Column {
		case "churn_messages_per_1000":
			got = dc
		case "platform_revenue_per_user_year":
			got = dr
		default:
			continue
		}
		if got.N != 3 || !near(got.Mean, want.Mean) || !near(got.HalfWidth, want.HalfWidth) {
			t.Errorf("%s: the frontier's paired difference %v, compare's %v", k.Column, got, want)
		}
	}
	// Business outcomes: one value per business and run.
	for _, o := range rep.Outcomes {
		n := sqlFloat(t, db, `SELECT count(*) FROM business_summary JOIN runs USING (run_id) WHERE arm = '`+o.Arm+`'`)
		sum := sqlFloat(t, db, `SELECT CAST(sum(followers_end - followers_start) AS DOUBLE) FROM business_summary JOIN runs USING (run_id) WHERE arm = '`+o.Arm+`'`)
		got := 0.0
		for _, v := range o.FollowerChange {
			got += v
		}
		if float64(len(o.FollowerChange)) != n || got != sum {
			t.Errorf("%s: %d outcomes summing to %v, SQL %v summing to %v", o.Arm, len(o.FollowerChange), got, n, sum)
		}
	}

	// Return on messaging spend counts only the revenue messages caused
	// (business_channels), never the service conversions no message
	// caused: checked against SQL written here, and attributed revenue is
	// at most the business's total.
	for _, o := range rep.Outcomes {
		spent := `SELECT b.run_id, b.business_id, CAST(b.spend_messages_micros + b.spend_subscriptions_micros AS DOUBLE) AS sp,
			(SELECT CAST(sum(c.revenue_micros) AS DOUBLE) FROM business_channels c WHERE c.run_id = b.run_id AND c.business_id = b.business_id) AS rev
			FROM business_summary b JOIN runs USING (run_id) WHERE arm = '` + o.Arm + `' AND b.spend_messages_micros + b.spend_subscriptions_micros > 0`
		want := sqlFloat(t, db, `SELECT coalesce(sum((rev - sp) / sp), 0) FROM (`+spent+`)`)
		n := sqlFloat(t, db, `SELECT count(*) FROM (`+spent+`)`)
		got := 0.0
		for i, v := range o.ReturnOnSpend {
			got += v
			if v+1 > o.TotalRevenueOnSpend[i]*(1+1e-12) {
				t.Errorf("%s: attributed revenue per dollar %v above the total's %v", o.Arm, v+1, o.TotalRevenueOnSpend[i])
			}
		}
		if float64(len(o.ReturnOnSpend)) != n || !near(got, want) {
			t.Errorf("%s: %d returns summing to %v; SQL %v summing to %v", o.Arm, len(o.ReturnOnSpend), got, n, want)
		}
		if o.Arm == "paid_push" && n == 0 {
			t.Error("no paid_push business spent: the check proves nothing")
		}
	}

	// Every PNG decodes, has the intended size and is not blank.
	if len(rep.Charts) != 10 {
		t.Errorf("%d charts, want 10", len(rep.Charts))
	}
	for _, c := range rep.Charts {
		var buf bytes.Buffer
		if err := reports.WritePNG(&buf, c); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		bnd := img.Bounds()
		if bnd.Dx() != reports.PNGWidth || bnd.Dy() != reports.PNGHeight {
			t.Errorf("%s: %dx%d, want %dx%d", c.Name, bnd.Dx(), bnd.Dy(), reports.PNGWidth, reports.PNGHeight)
		}
		colours := map[[3]uint32]bool{}
		ink := 0
		for y := bnd.Min.Y; y < bnd.Max.Y; y += 3 {
			for x := bnd.Min.X; x < bnd.Max.X; x += 3 {
				r, g, b, _ := img.At(x, y).RGBA()
				colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
				if r < 0xf000 || g < 0xf000 || b < 0xf000 {
					ink++
				}
			}
		}
		if len(colours) < 8 || ink < 500 {
			t.Errorf("%s looks blank: %d colours, %d inked samples", c.Name, len(colours), ink)
		}
	}

	// The PDF parses as a PDF and has the pages it says.
	var pdf bytes.Buffer
	pages, err := rep.WritePDF(&pdf)
	if err != nil {
		t.Fatal(err)
	}
	if pages != 10 {
		t.Errorf("%d pages, want 10 (title with the tables, the definitions and markets, 3 over time, KPIs, Pareto, 2 outcomes, models)", pages)
	}
	if got, err := pdfPages(pdf.Bytes()); err != nil || got != pages {
		t.Errorf("PDF structure: %d pages, %v; WritePDF said %d", got, err, pages)
	}
	if _, err := pdfPages(pdf.Bytes()[:pdf.Len()/2]); err == nil {
		t.Error("a truncated PDF passed the structure check")
	}
}

var pageObj = regexp.MustCompile(`/Type\s*/Page[^s]`)

// pdfPages checks a PDF's frame (header, cross-reference table, end
// marker) and counts its page objects.
func pdfPages(b []byte) (int, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return 0, errors.New("no %PDF header")
	}
	tail := bytes.TrimRight(b, "\r\n ")
	if !bytes.HasSuffix(tail, []byte("%%EOF")) || !bytes.Contains(b, []byte("startxref")) || !bytes.Contains(b, []byte("trailer")) {
		return 0, errors.New("no trailer, startxref or %%EOF: truncated")
	}
	return len(pageObj.FindAll(b, -1)), nil
}

// paretoComparison is a comparison of constructed arms: each arm's churn
// and revenue per replicate (replicates r0, r1, ... of one batch), every
// other figure 0.
func paretoComparison(arms []string, churn, revenue [][]float64) *reports.Comparison {
	kpis := reports.Headline()
	c := &reports.Comparison{KPIs: kpis}
	ci := slices.IndexFunc(kpis, func(k reports.KPI) bool { return k.Column == "churn_messages_per_1000" })
	ri := slices.IndexFunc(kpis, func(k reports.KPI) bool { return k.Column == "platform_revenue_per_user_year" })
	for a, arm := range arms {
		row := reports.ArmRow{Arm: arm, KPI: make([]reports.Estimate, len(kpis))}
		var cs, rs []float64
		for r := range churn[a] {
			v := make([]float64, len(kpis))
			v[ci], v[ri] = churn[a][r], revenue[a][r]
			cs, rs = append(cs, v[ci]), append(rs, v[ri])
			row.Samples = append(row.Samples, reports.Sample{Pair: fmt.Sprintf("b/r%d", r), KPI: v})
		}
		row.KPI[ci], row.KPI[ri] = reports.Estimate{Mean: stat.Mean(cs, nil), N: len(cs)}, reports.Estimate{Mean: stat.Mean(rs, nil), N: len(rs)}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// frontierArms are the arms on the comparison's Pareto frontier.
func frontierArms(c *reports.Comparison) []string {
	var on []string
	for _, p := range reports.Pareto(c) {
		if p.OnFrontier {
			on = append(on, p.Arm)
		}
	}
	return on
}

// The Pareto frontier keeps the arms no other arm dominates, and one arm
// dominates another only on paired differences (replicate by replicate)
// whose 95 % interval excludes 0; within the noise the two are tied.
func TestParetoFrontier(t *testing.T) {
	base := []float64{10, 11, 12}
	same := []float64{5, 5, 5}
	plus := func(x []float64, d ...float64) []float64 {
		out := make([]float64, len(x))
		for i := range x {
			out[i] = x[i] + d[i]
		}
		return out
	}
	// Noise: the same revenue, churn lower by −0.7 ± 0.8 (3 replicates:
	// t(2) = 4.303, sd 0.322). The old frontier, on means, put base off
	// it; paired, they are tied on both.
	noise := []float64{-1.022, -0.7, -0.378}
	c := paretoComparison([]string{"base", "other"}, [][]float64{base, plus(base, noise...)}, [][]float64{same, same})
	pts := reports.Pareto(c)
	dc, dr := reports.PairedDiff(pts[1], pts[0])
	if math.Abs(dc.Mean+0.7) > 1e-9 || math.Abs(dc.HalfWidth-0.8) > 0.005 || dc.N != 3 || dr.Mean != 0 || dr.HalfWidth != 0 {
		t.Fatalf("paired difference: churn %v, revenue %v; want -0.7 ± 0.8 over 3 pairs, and 0 ± 0", dc, dr)
	}
	if on := frontierArms(c); !slices.Equal(on, []string{"base", "other"}) {
		t.Errorf("churn −0.7 ± 0.8 at the same revenue: frontier %v, want both arms (tied)", on)
	}
	// Clear: churn lower by 3 ± 0.25, revenue the same: base is dominated.
	c = paretoComparison([]string{"base", "other"}, [][]float64{base, plus(base, -3.1, -3, -2.9)}, [][]float64{same, same})
	if on := frontierArms(c); !slices.Equal(on, []string{"other"}) {
		t.Errorf("churn −3 ± 0.25 at the same revenue: frontier %v, want [other]", on)
	}
	// Paired, not the arms' own intervals: churn 10, 20, 30 against 9,
	// 19.1, 28.9 overlaps arm by arm, but the paired difference −1 ± 0.25
	// excludes 0.
	c = paretoComparison([]string{"base", "other"}, [][]float64{{10, 20, 30}, {9, 19.1, 28.9}}, [][]float64{same, same})
	if on := frontierArms(c); !slices.Equal(on, []string{"other"}) {
		t.Errorf("paired churn −1 ± 0.25 across a wide spread: frontier %v, want [other]", on)
	}
	// Revenue clearly higher, churn higher within the noise: tied on churn,
	// better on revenue, so other dominates (on means it would not).
	c = paretoComparison([]string{"base", "other"}, [][]float64{base, plus(base, 1.022, 0.7, 0.378)}, [][]float64{same, plus(same, 2, 2.1, 1.9)})
	if on := frontierArms(c); !slices.Equal(on, []string{"other"}) {
		t.Errorf("revenue +2 ± 0.25 with churn +0.7 ± 0.8: frontier %v, want [other]", on)
	}
	// A trade-off, both clear: neither dominates.
	c = paretoComparison([]string{"base", "other"}, [][]float64{base, plus(base, 3.1, 3, 2.9)}, [][]float64{same, plus(same, 2, 2.1, 1.9)})
	if on := frontierArms(c); !slices.Equal(on, []string{"base", "other"}) {
		t.Errorf("revenue +2, churn +3, both clear: frontier %v, want both", on)
	}
	// Runs that share no replicate cannot be paired: no dominance.
	c = paretoComparison([]string{"base", "other"}, [][]float64{base, plus(base, -3.1, -3, -2.9)}, [][]float64{same, same})
	for i := range c.Rows[1].Samples {
		c.Rows[1].Samples[i].Pair = fmt.Sprintf("elsewhere/r%d", i)
	}
	if on := frontierArms(c); !slices.Equal(on, []string{"base", "other"}) {
		t.Errorf("unpaired runs: frontier %v, want both", on)
	}
	// Three arms: a is beaten by b; b and d are the same run by run.
	c = paretoComparison([]string{"a", "b", "c", "d"},
		[][]float64{{1, 1.1, 0.9}, {2, 2.1, 1.9}, {3, 3.1, 2.9}, {2, 2.1, 1.9}},
		[][]float64{{1, 1.1, 0.9}, {3, 3.2, 2.8}, {2, 2.1, 1.9}, {3, 3.2, 2.8}})
	var on []string
	for _, p := range reports.Frontier(reports.Pareto(c)) {
		on = append(on, p.Arm)
	}
	if !slices.Equal(on, []string{"a", "b", "d"}) {
		t.Errorf("frontier %v, want [a b d] (c is beaten by b; b and d tie)", on)
	}
}

// Save refuses to overwrite unless forced, and an unknown batch is a
// selection error.
func TestSaveAndSelection(t *testing.T) {
	db := smallDB(t)
	defer db.Close()
	ctx := context.Background()
	if _, err := reports.Build(ctx, db, reports.Selection{BatchID: "nosuch"}, reports.Options{}); err == nil {
		t.Error("a report of a missing batch")
	} else {
		var se *reports.SelectionError
		if !errors.As(err, &se) {
			t.Errorf("got %v, want a SelectionError", err)
		}
	}
	rep, err := reports.Build(ctx, db, reports.Selection{}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdf, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Save(pdf, "", false); !errors.Is(err, reports.ErrExists) {
		t.Errorf("got %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(pdf); string(b) != "mine" {
		t.Error("the existing file was changed")
	}
	paths, err := rep.Save(pdf, filepath.Join(dir, "png"), true)
	if err != nil || len(paths) != 11 {
		t.Fatalf("%v, %d paths", err, len(paths))
	}
}

// A report compares with the baseline it is given: the paired differences
// are the other way round from the default's, and an arm not in the runs
// is refused with their names.
func TestReportBaseline(t *testing.T) {
	db := smallDB(t)
	defer db.Close()
	ctx := context.Background()
	def, err := reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := reports.Build(ctx, db, reports.Selection{BatchID: batch, Baseline: "paid_push"}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if def.Comparison.Baseline != "service_only" || pp.Comparison.Baseline != "paid_push" {
		t.Fatalf("baselines %s and %s, want service_only and paid_push", def.Comparison.Baseline, pp.Comparison.Baseline)
	}
	diff := func(c *reports.Comparison, arm string) []reports.Estimate {
		for _, r := range c.Rows {
			if r.Arm == arm {
				return r.Diff
			}
		}
		t.Fatalf("no row for %s", arm)
		return nil
	}
	a, b := diff(def.Comparison, "paid_push"), diff(pp.Comparison, "service_only")
	if len(a) == 0 || len(a) != len(b) || diff(pp.Comparison, "paid_push") != nil {
		t.Fatalf("differences: %d and %d", len(a), len(b))
	}
	nonzero := 0
	for i := range a {
		if !near(a[i].Mean, -b[i].Mean) {
			t.Errorf("%s: paid_push - service_only = %v, but service_only - paid_push = %v", def.Comparison.KPIs[i].Column, a[i].Mean, b[i].Mean)
		}
		if a[i].Mean != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("every difference is 0: the arms did not differ")
	}
	_, err = reports.Build(ctx, db, reports.Selection{BatchID: batch, Baseline: "status_ads"}, reports.Options{})
	var se *reports.SelectionError
	if !errors.As(err, &se) || !regexp.MustCompile(`status_ads.*service_only, paid_push`).MatchString(err.Error()) {
		t.Errorf("got %v, want a SelectionError naming the arms", err)
	}
}

// Runs of two batches compared together keep every run, and each is paired
// with the baseline's run of its own batch and replicate (checked against
// SQL written here).
func TestCompareAcrossBatches(t *testing.T) {
	db := smallDB(t)
	defer db.Close()
	ctx := context.Background()
	runSmallBatch(t, db, "second", 99)
	tb, err := db.Query(ctx, "SELECT run_id FROM runs ORDER BY run_id")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, row := range tb.Rows {
		ids = append(ids, row[0].(int64))
	}
	if len(ids) != 12 {
		t.Fatalf("%d runs, want 12", len(ids))
	}
	c, err := reports.CompareRuns(ctx, db, ids, "both", "service_only", []string{"service_only", "paid_push"})
	if err != nil {
		t.Fatal(err)
	}
	col := reports.Headline()[0].Column
	pp := c.Rows[1]
	if pp.Arm != "paid_push" || pp.Replicates != 6 || pp.Diff[0].N != 6 {
		t.Fatalf("%s: %d replicates, %d pairs; want paid_push with 6 and 6", pp.Arm, pp.Replicates, pp.Diff[0].N)
	}
	mean := sqlFloat(t, db, "SELECT avg(CAST("+col+" AS DOUBLE)) FROM run_totals WHERE arm = 'paid_push'")
	diff := sqlFloat(t, db, `SELECT avg(CAST(a.`+col+` AS DOUBLE) - CAST(b.`+col+` AS DOUBLE))
		FROM run_totals a JOIN run_totals b USING (batch_id, replicate)
		WHERE a.arm = 'paid_push' AND b.arm = 'service_only'`)
	if !near(pp.KPI[0].Mean, mean) || !near(pp.Diff[0].Mean, diff) {
		t.Errorf("%s: mean %v (SQL %v), paired difference %v (SQL %v)", col, pp.KPI[0].Mean, mean, pp.Diff[0].Mean, diff)
	}
}

// TestArmChangesInWords: each arm's paired difference to the baseline is
// said in words from the models the runs stored: an arm that runs the
// baseline's models and more "adds" them, one that runs others "instead
// of" them, with its service window when it differs; the numbers in the
// sentence are the paired differences.
func TestArmChangesInWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.duckdb")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 1000, 20, 20
	model := func(name string) sim.Model {
		f, _ := sim.Lookup(name)
		p := f.NewParams()
		if sp, ok := p.(*models.ServiceOnlyParams); ok {
			sp.WindowHours = 48
		}
		m, err := f.New(p)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	arms := []experiment.Arm{
		{Name: "service", Models: []sim.Model{model("service_only")}},
		{Name: "service+paid_push", Models: []sim.Model{model("service_only"), model("paid_push")}},
		{Name: "push_alone", Models: []sim.Model{model("paid_push")}},
	}
	sink := &store.Sink{DB: db, BatchID: "words", Scenario: "words", ScenarioHash: "h", Version: "test",
		ScenarioJSON: `{"name": "words", "models": {"service_only": {"window_hours": 48}, "paid_push": {}}}`}
	spec := experiment.Spec{Config: cfg, Arms: arms, Replicates: 2, Seed: 5}
	if err := experiment.Run(context.Background(), spec, "h", sink); err != nil {
		t.Fatal(err)
	}
	c, err := reports.Compare(context.Background(), db, "words", "service", []string{"service", "service+paid_push", "push_alone"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.Write(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	nested, alone := c.Rows[1], c.Rows[2]
	if !nested.Change.Adds() || alone.Change.Adds() {
		t.Errorf("changes %+v and %+v: want the first to add and the second not", nested.Change, alone.Change)
	}
	wantPush := "service+paid_push vs service: paid_push adds reach msgs/wk " + reports.Signed(nested.Diff[0], 0) + ", "
	wantAlone := "push_alone vs service: paid_push instead of service_only (and a 24 h service window instead of 48 h) changes reach msgs/wk "
	for _, want := range []string{
		wantPush, wantAlone,
		"service            service_only              the baseline; service window 48 h (service_only.window_hours)",
		"service+paid_push  service_only + paid_push  service plus paid_push; service window 48 h (service_only.window_hours)",
		"push_alone         paid_push                 paid_push instead of service_only; service window 24 h, the platform's own (no service_only",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("compare output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "service vs service") {
		t.Errorf("the baseline is compared with itself:\n%s", text)
	}
	// The paid-push arm reaches users with messages the base does not send
	// outside the window: its difference is positive, and the sentence's
	// figure is the paired mean of the stored runs.
	d := sqlFloat(t, db, `SELECT avg(CAST(a.reach_messages_weekly AS DOUBLE) - CAST(b.reach_messages_weekly AS DOUBLE))
		FROM run_totals a JOIN run_totals b USING (batch_id, replicate) WHERE a.arm = 'service+paid_push' AND b.arm = 'service'`)
	if d <= 0 || !near(nested.Diff[0].Mean, d) {
		t.Errorf("reach difference %v, SQL %v; want the same, above 0", nested.Diff[0].Mean, d)
	}
}

// Page 1 says what population ran, as stored with the runs (overrides
// such as --users included), before the scenario's description; a
// description that gives its own numbers is quoted as the scenario's
// words, not stated as what ran.
func TestReportSaysPopulationRun(t *testing.T) {
	db := smallDB(t)
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Query(ctx, `UPDATE runs SET scenario_json = '{"description": "One population of 20,000 users over 180 days."}'`); err != nil {
		t.Fatal(err)
	}
	rep, err := reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Population(), "Population simulated: 1,500 users and 30 businesses (50.0 users per business), for 30 days."; got != want {
		t.Errorf("population %q, want %q", got, want)
	}
	if d := rep.Description(); !strings.HasPrefix(d, "The scenario describes itself as: ") || !strings.Contains(d, "the population above is what ran") {
		t.Errorf("description %q states 20,000 users as if they ran", d)
	}
	// Runs of different sizes give ranges.
	if _, err := db.Query(ctx, `UPDATE runs SET users = 900 WHERE replicate = 0`); err != nil {
		t.Fatal(err)
	}
	rep, err = reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Population(); !strings.HasPrefix(got, "Population simulated: 900 to 1,500 users") {
		t.Errorf("population of runs of two sizes: %q", got)
	}
}
