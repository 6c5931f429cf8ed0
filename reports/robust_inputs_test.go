package reports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// TestSpearman against values computed by hand (the comments below), a
// t table, and the invariance of ranks under monotone maps.
func TestSpearman(t *testing.T) {
	// ranks x: 1 2 3 4 5 (mean 3), ranks y: 1 2 3.5 5 3.5 (mean 3);
	// Σ dx·dy = (-2)(-2) + (-1)(-1) + 0·0.5 + 1·2 + 2·0.5 = 8;
	// Σ dx² = 10, Σ dy² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5;
	// rho = 8 / sqrt(95) = 0.820783.
	rho, p := Spearman([]float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7})
	if math.Abs(rho-8/math.Sqrt(95)) > 1e-12 {
		t.Errorf("rho = %v, want %v", rho, 8/math.Sqrt(95))
	}
	// t = rho·sqrt(3/(1-rho²)) = 2.4887 on 3 degrees of freedom: two-sided
	// p = 0.0886 (Student's t table: t = 2.353 at p = 0.10, 3.182 at 0.05).
	if p < 0.05 || p > 0.10 {
		t.Errorf("p = %v, want between 0.05 and 0.10", p)
	}
	if rho, _ := Spearman([]float64{1, 2, 3, 4}, []float64{1, 1, 1, 1}); !math.IsNaN(rho) {
		t.Errorf("a constant series gives rho %v, want NaN", rho)
	}
	// Ranks are invariant under monotone maps: rho of exp(x) with -x³ is -1.
	x := []float64{0.3, -1, 2, 0.1, 5, -3}
	y := make([]float64, len(x))
	ex := make([]float64, len(x))
	for i, v := range x {
		y[i], ex[i] = -v*v*v, math.Exp(v)
	}
	if rho, p := Spearman(ex, y); rho != -1 || p != 0 {
		t.Errorf("a monotone decreasing relation gives rho %v p %v, want -1 and 0", rho, p)
	}
}

// TestRobustEffects: a difference that follows input a (and not b, pure
// noise) ranks a first, significant, with b after it and not significant.
func TestRobustEffects(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 1))
	metrics := []RobustMetric{store.MustKPI("platform_revenue_per_user_year")}
	d := RobustData{Arms: []string{"b", "x"}, Base: "b", Metrics: metrics, Inputs: []string{"a", "b", "held"}, Assumptions: 2}
	const n = 40
	for range n {
		a, b := rng.Float64(), rng.Float64()
		dk := 3*a + 0.3*rng.NormFloat64()
		d.X = append(d.X, []float64{a, b, 1})
		d.Values = append(d.Values, [][][]float64{{{10, 10}}, {{10 + dk, 10 + dk}}})
	}
	r, err := AnalyseRobust(d)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Rows[0].Effects
	if len(e) != 2 {
		t.Fatalf("%d effects, want 2 (the held input has no rank correlation)", len(e))
	}
	if e[0].Input != "a" || e[0].Rho < 0.8 || !e[0].Significant(3) {
		t.Errorf("first effect %+v, want a with rho > 0.8, significant", e[0])
	}
	if e[1].Input != "b" || e[1].Significant(3) {
		t.Errorf("second effect %+v, want b, not significant", e[1])
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "a +0.9") || !strings.Contains(buf.String(), "Helton & Davis 2003") {
		t.Errorf("the table does not show a's effect or the method:\n%s", buf.String())
	}
	if s := r.EffectSentence(r.Rows[0]); !strings.Contains(s, "depends most on a (rank correlation +0.9") {
		t.Errorf("sentence %q", s)
	}
	rows := r.SensitivityRows()
	if len(rows) != 2 || rows[0].Input != "a" || rows[0].Rank != 1 || !rows[0].Significant || rows[1].Rank != 2 {
		t.Errorf("stored rows %+v", rows)
	}
	// A parameter of a model neither arm runs is not tested.
	d.Inputs[1] = "models.status_ads.ctr"
	d.ArmModels = map[string][]string{"b": {"service_only"}, "x": {"service_only", "paid_push"}}
	r, err = AnalyseRobust(d)
	if err != nil {
		t.Fatal(err)
	}
	if e := r.Rows[0].Effects; len(e) != 1 || e[0].Input != "a" || r.Rows[0].Tested != 1 {
		t.Errorf("effects %+v, tested %d; want a alone, 1 tested (the held input has no rank correlation)", e, r.Rows[0].Tested)
	}
	// Inputs for the wrong number of slots are refused.
	d.X = d.X[:n-1]
	if _, err := AnalyseRobust(d); err == nil {
		t.Errorf("inputs of %d slots for %d were accepted", n-1, n)
	}
}
