package reports_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

const tNotebook = "churn-by-segment.md"

// t975 is the 97.5 % quantile of Student's t with df degrees of freedom.
func t975(df int) float64 { return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975) }

// readNotebook parses a notebook of notebooks/.
func readNotebook(t *testing.T, name string) *reports.Notebook {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "notebooks", name))
	if err != nil {
		t.Fatal(err)
	}
	nb, err := reports.ParseNotebook(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// TestNotebookTQuantile: the notebook's t975(df), run in DuckDB, is
// gonum's quantile to the 6 decimals it prints, for every df from 1 to
// 5,000 and at 10⁶: the listed values (df 1 to 30) are gonum's rounded,
// the expansion above 30 is within 5·10⁻⁷. Picking the next listed df
// above, as the notebook's table of 16 rows did (11 → 12, 21–29 → 30),
// misses by up to 0.02.
func TestNotebookTQuantile(t *testing.T) {
	nb := readNotebook(t, tNotebook)
	var def *reports.Cell
	for _, c := range nb.Cells {
		if c.Kind == reports.SQL && strings.Contains(c.Text, "MACRO t975(") {
			def = c
		}
	}
	if def == nil {
		t.Fatalf("%s defines no macro t975(df): its intervals' t quantile is not one exact for every df", tNotebook)
	}
	ctx := context.Background()
	s, err := emptyDB(t).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Query(ctx, def.Text); err != nil {
		t.Fatalf("%s:%d: %v", tNotebook, def.Line, err)
	}
	tb, err := s.Query(ctx, `SELECT df, t975(df) FROM (SELECT range AS df FROM range(1, 5001) UNION ALL SELECT 1000000) ORDER BY df`)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 5001 {
		t.Fatalf("%d rows", len(tb.Rows))
	}
	for _, row := range tb.Rows {
		df := int(row[0].(int64))
		got, ok := row[1].(float64)
		want := t975(df)
		switch {
		case !ok:
			t.Errorf("t975(%d) = %v (%T), want %.6f", df, row[1], row[1], want)
		case df <= 30 && math.Abs(got-math.Round(want*1e6)/1e6) > 1e-12:
			t.Errorf("t975(%d) = %v, gonum %.9f: the listed value is not gonum's to 6 decimals", df, got, want)
		case math.Abs(got-want) > 5e-7:
			t.Errorf("t975(%d) = %.9f, gonum %.9f: off by %.2g", df, got, want, got-want)
		}
	}
	tb, err = s.Query(ctx, `SELECT t975(0) IS NULL, t975(NULL) IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows[0][0] != true || tb.Rows[0][1] != true {
		t.Errorf("t975 of df 0 or NULL: %v, want NULL (one replicate has no interval)", tb.Rows[0])
	}

	// The table the notebook had, and its rule: the next listed df at or
	// above. Where it differs from gonum beyond the printed digits, the
	// intervals were too narrow.
	old := [][2]float64{{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776}, {5, 2.571}, {6, 2.447}, {7, 2.365}, {8, 2.306},
		{9, 2.262}, {10, 2.228}, {12, 2.179}, {15, 2.131}, {20, 2.086}, {30, 2.042}, {60, 2.000}, {1000000, 1.960}}
	pick := func(df int) float64 {
		for _, r := range old {
			if r[0] >= float64(df) {
				return r[1]
			}
		}
		return math.NaN()
	}
	var wrong []string
	for _, df := range []int{11, 13, 14, 16, 21, 25, 29, 31, 59, 61, 100} {
		if q := pick(df); math.Abs(q-t975(df)) > 5e-4 {
			wrong = append(wrong, fmt.Sprintf("%d: %.3f for %.3f", df, q, t975(df)))
		}
	}
	if len(wrong) != 11 {
		t.Errorf("the old table's next-higher df should miss at each of these df, got only %v", wrong)
	}
	t.Logf("the old table's picks: %s", strings.Join(wrong, ", "))
}

// TestNotebookIntervalAt11DF runs churn-by-segment on a comparison of 12
// replicates (11 degrees of freedom, for which the old table took df 12's
// 2.179 for 2.201) and checks each arm's 95 % half-width against gonum's
// t quantile times the standard error, from SQL written here.
func TestNotebookIntervalAt11DF(t *testing.T) {
	ctx := context.Background()
	db := emptyDB(t)
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 300, 10, 14
	arms := defaultArms(t, "service_only", "paid_push")
	sink := &store.Sink{DB: db, BatchID: "twelve", Scenario: "small", ScenarioHash: "h", Version: "test"}
	if err := experiment.Run(ctx, experiment.Spec{Config: cfg, Arms: arms, Replicates: 12, Seed: 3}, "h", sink); err != nil {
		t.Fatal(err)
	}
	nb := readNotebook(t, tNotebook)
	s, err := db.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := nb.Run(ctx, s, reports.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	tb, err := s.Query(ctx, "SELECT arm, n, ci95 FROM churn_by_arm ORDER BY arm")
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 2 {
		t.Fatalf("churn_by_arm: %v", tb.Rows)
	}
	for _, row := range tb.Rows {
		arm := row[0].(string)
		sd := sqlFloat(t, db, "SELECT stddev_samp(churn_per_1000) FROM run_totals WHERE arm = '"+arm+"'")
		want := t975(11) * sd / math.Sqrt(12)
		if row[1].(int64) != 12 || sd == 0 || math.Abs(row[2].(float64)-want) > 1e-6*want {
			t.Errorf("%s: n %v, half-width %v; want 12 and %v (t(11) %.6f × sd %v / √12)", arm, row[1], row[2], want, t975(11), sd)
		}
	}
}
