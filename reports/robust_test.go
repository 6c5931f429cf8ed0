package reports

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// robustFixture: arms b (the base), x and y; two metrics; five slots of
// two replicates. x − b per slot is d = 2.5, −1, 0, 4, 1 on both metrics,
// as replicate differences d+0.5 and d−0.5 (standard error 0.5 in every
// slot); y equals b everywhere.
func robustFixture() RobustData {
	metrics := []RobustMetric{store.MustKPI("platform_revenue_per_user_year"), store.MustKPI("churn_messages_per_1000")} // higher better, lower better
	ds := []float64{2.5, -1, 0, 4, 1}
	d := RobustData{Arms: []string{"b", "x", "y"}, Base: "b", Metrics: metrics}
	for k, dk := range ds {
		b := []float64{10 + float64(k), 12 + float64(k)}
		x := []float64{b[0] + dk + 0.5, b[1] + dk - 0.5}
		slot := [][][]float64{{b, b}, {x, x}, {b, b}}
		d.Values = append(d.Values, slot)
	}
	return d
}

func TestAnalyseRobust(t *testing.T) {
	r, err := AnalyseRobust(robustFixture())
	if err != nil {
		t.Fatal(err)
	}
	r.Scenario, r.StudyID = "s", "robust-s-1"
	if len(r.Rows) != 4 || r.Vectors != 5 || r.Replicates != 2 {
		t.Fatalf("%d rows, %d vectors, %d replicates", len(r.Rows), r.Vectors, r.Replicates)
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	rev, churn := r.Rows[0], r.Rows[1]
	if rev.Arm != "x" || rev.Metric.Column != "platform_revenue_per_user_year" || churn.Metric.Column != "churn_messages_per_1000" {
		t.Fatalf("rows %s %s, %s %s", rev.Arm, rev.Metric.Column, churn.Arm, churn.Metric.Column)
	}
	if !reflect.DeepEqual(rev.Diffs, []float64{2.5, -1, 0, 4, 1}) {
		t.Errorf("d_k = %v", rev.Diffs)
	}
	near("mean", rev.Mean, 1.3)
	// Sorted −1, 0, 1, 2.5, 4: the 5th percentile at position 0.2, the
	// 95th at 3.8.
	near("5th percentile", rev.Lo, -0.8)
	near("95th percentile", rev.Hi, 3.7)
	near("SE median", rev.SEMedian, 0.5)
	// Revenue: better where d > 0 (3 slots); churn: where d < 0 (1).
	if rev.Better != 3 || rev.Ties != 1 || rev.PBetter != 0.6 {
		t.Errorf("revenue: better %d ties %d P %v, want 3, 1, 0.6", rev.Better, rev.Ties, rev.PBetter)
	}
	if churn.Better != 1 || churn.Ties != 1 || churn.PBetter != 0.2 {
		t.Errorf("churn: better %d ties %d P %v, want 1, 1, 0.2", churn.Better, churn.Ties, churn.PBetter)
	}
	if got := r.Sentence(r.Rows[2]); got != "y and b do not differ in platform revenue per user and year in any of the 5 plausible behaviours" {
		t.Errorf("sentence of an arm equal to the base: %q", got)
	}
	y := r.Rows[2]
	if y.Arm != "y" || y.Better != 0 || y.Ties != 5 || y.Mean != 0 || y.SEMedian != 0 {
		t.Errorf("y, equal to the base: %+v", y)
	}
	// Rankings: revenue x > b = y, held where x beats b (3 of 5); churn
	// b = y > x, held where x churns more (3 of 5).
	if rk := r.Rankings[0]; !reflect.DeepEqual(rk.Order, []string{"x", "b", "y"}) || !reflect.DeepEqual(rk.Ranks, []int{1, 2, 2}) || rk.Holds != 3 {
		t.Errorf("revenue ranking %+v", rk)
	}
	if rk := r.Rankings[1]; !reflect.DeepEqual(rk.Order, []string{"b", "y", "x"}) || !reflect.DeepEqual(rk.Ranks, []int{1, 1, 3}) || rk.Holds != 3 {
		t.Errorf("churn ranking %+v", rk)
	}
	if rev.PRanking != 0.6 {
		t.Errorf("p_ranking of the revenue row %v", rev.PRanking)
	}
	// Head to head, x against y (y equals b): on revenue x has the better
	// mean and comes first, beating y where d > 0; on churn y comes first
	// (x churns more on average), beating x where d > 0 too.
	if len(r.Pairs) != 2 {
		t.Fatalf("%d head-to-head rows, want 2", len(r.Pairs))
	}
	if p := r.Pairs[0]; p.Arm != "x" || p.Ref != "y" || p.Better != 3 || p.Ties != 1 || p.Mean != 1.3 {
		t.Errorf("revenue head to head %+v", p)
	}
	if p := r.Pairs[1]; p.Arm != "y" || p.Ref != "x" || p.Better != 3 || p.Ties != 1 || math.Abs(p.Mean+1.3) > 1e-12 {
		t.Errorf("churn head to head %+v", p)
	}
	if got := r.Sentence(r.Pairs[0]); !strings.HasPrefix(got, "x earns the platform more per user than y in 3 of 5 plausible behaviours (P = 0.60), equal in 1") {
		t.Errorf("head-to-head sentence %q", got)
	}
	s := r.Sentence(rev)
	if want := "x earns the platform more per user than b in 3 of 5 plausible behaviours (P = 0.60), equal in 1; difference +1.300 USD per user and year (90 % plausible range -0.800 to +3.700)"; s != want {
		t.Errorf("sentence\n\t%s\nwant\n\t%s", s, want)
	}
	if got := r.RankingSentence(r.Rankings[0]); got != "platform $/user/yr: x > b = y, the same in 3 of 5 behaviours (P = 0.60)" {
		t.Errorf("ranking sentence %q", got)
	}
	var b bytes.Buffer
	if err := r.WriteFormat(&b, FormatCSV); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// The rows against the base, then head to head (base: the arm
	// compared with).
	if len(lines) != 7 || lines[0] != strings.Join(RobustColumns, ",") ||
		lines[1] != "robust-s-1,s,b,x,platform_revenue_per_user_year,1.3,-0.8,3.6999999999999997,0.6,1,0,5,2,0.5,0.6," ||
		!strings.HasPrefix(lines[6], "robust-s-1,s,x,y,churn_messages_per_1000,-1.3,-3.7,") {
		t.Errorf("CSV:\n%s", b.String())
	}
	b.Reset()
	if err := r.WriteFormat(&b, FormatTable); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "x earns the platform more per user than b in 3 of 5") {
		t.Errorf("table:\n%s", b.String())
	}
}

// One replicate: no standard error within a slot.
func TestAnalyseRobustOneReplicate(t *testing.T) {
	d := robustFixture()
	for k := range d.Values {
		for a := range d.Values[k] {
			for m := range d.Values[k][a] {
				d.Values[k][a][m] = d.Values[k][a][m][:1]
			}
		}
	}
	r, err := AnalyseRobust(d)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(r.Rows[0].SEMedian) {
		t.Errorf("SE with one replicate %v, want NaN", r.Rows[0].SEMedian)
	}
	// Replicate 0 alone: d_k + 0.5.
	if !reflect.DeepEqual(r.Rows[0].Diffs, []float64{3, -0.5, 0.5, 4.5, 1.5}) {
		t.Errorf("d_k %v", r.Rows[0].Diffs)
	}
	d.Values[2][1][0] = []float64{1, 2}
	if _, err := AnalyseRobust(d); err == nil {
		t.Errorf("a slot with another number of replicates was accepted")
	}
}

func TestPercentile(t *testing.T) {
	x := []float64{15, 20, 35, 40, 50}
	for _, c := range []struct{ p, want float64 }{{0, 15}, {0.05, 16}, {0.4, 29}, {0.5, 35}, {0.95, 48}, {1, 50}} {
		if got := Percentile(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Percentile(%v) = %v, want %v (NumPy's default)", c.p, got, c.want)
		}
	}
	if got := Percentile([]float64{7}, 0.95); got != 7 {
		t.Errorf("one value: %v", got)
	}
}

// TestSweepReportOfRobustStudy: the sweep report of a robust study's
// batch does not claim that its points share seeds, and names the
// study's own report.
func TestSweepReportOfRobustStudy(t *testing.T) {
	if got := seedsNote("robust", "robust-x-1"); strings.Contains(got, "same seeds") || !strings.Contains(got, "robust-x-1.pdf") {
		t.Errorf("robust: %q", got)
	}
	if got := seedsNote("grid", "b"); !strings.Contains(got, "same seeds") {
		t.Errorf("grid: %q", got)
	}
}

// TestAnalyseRobustMissing: a slot where a run has no value (churn of a
// run without follows exposed is NULL, read as NaN) is neither better nor
// a tie: it is counted apart and left out of the mean, the range, P and
// the ranking's share.
func TestAnalyseRobustMissing(t *testing.T) {
	d := robustFixture()
	d.Values[3][1][1] = slices.Clone(d.Values[3][1][1]) // the fixture shares it between the metrics
	d.Values[3][1][1][0] = math.NaN()                   // slot 3 (d = 4), arm x, churn, replicate 0
	r, err := AnalyseRobust(d)
	if err != nil {
		t.Fatal(err)
	}
	churn := r.Rows[1]
	// Left: d = 2.5, −1, 0, 1; lower churn is better only at −1.
	if churn.Missing != 1 || churn.Better != 1 || churn.Ties != 1 || churn.PBetter != 0.25 || len(churn.Diffs) != 4 {
		t.Errorf("churn with a missing slot: %+v", churn)
	}
	if math.Abs(churn.Mean-0.625) > 1e-12 || math.IsNaN(churn.Lo) || math.IsNaN(churn.Hi) {
		t.Errorf("mean %v, range %v to %v; want 0.625 and numbers", churn.Mean, churn.Lo, churn.Hi)
	}
	if rk := r.Rankings[1]; rk.Valid != 4 || rk.Holds != 2 {
		t.Errorf("churn ranking over the slots with values: %+v", rk)
	}
	if s := r.Sentence(churn); !strings.Contains(s, "in 1 of 4 plausible behaviours (1 more without a value") {
		t.Errorf("sentence %q", s)
	}
	if rev := r.Rows[0]; rev.Missing != 0 || rev.Better != 3 {
		t.Errorf("revenue should be untouched: %+v", rev)
	}
}
