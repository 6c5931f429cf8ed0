package reports

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// TestDiscoverKnownRegion: cases where the answer fails exactly when
// tolerance < 0.4 and cpm > 3 (of uniform tolerance in [0, 1], cpm in
// [1, 5] and an input of noise) give a first box on those two inputs
// alone, within 0.1 of the true limits, and sentences that say so.
func TestDiscoverKnownRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1999, 2010))
	c := &Cases{BatchID: "robust-x-1", Design: "robust", Inputs: []string{"user.tolerance_median", "models.status_ads.cpm.default", "noise"}}
	for i := range 400 {
		tol, cpm, z := rng.Float64(), 1+4*rng.Float64(), rng.Float64()
		c.X = append(c.X, []float64{tol, cpm, z})
		c.Holds = append(c.Holds, !(tol < 0.4 && cpm > 3))
		c.Index = append(c.Index, i)
	}
	q := Question{Arm: "service+paid_push", Than: "service+subscription", Metric: store.MustKPI("platform_revenue_per_user_year")}
	x, err := Discover(c, q, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Interest != "fails" {
		t.Fatalf("interest %s: fails is the rarer answer (about 20 %%)", x.Interest)
	}
	if len(x.Boxes) == 0 {
		t.Fatal("no box")
	}
	b := x.Boxes[0].Box
	rs := x.Data.Restrictions(b)
	if len(rs) != 2 || rs[0].Name != "user.tolerance_median" || rs[1].Name != "models.status_ads.cpm.default" {
		t.Fatalf("box 1 restricts %+v, want tolerance and cpm only", rs)
	}
	if rs[0].Lower || !rs[0].Upper || rs[0].Limit.Hi < 0.3 || rs[0].Limit.Hi > 0.5 {
		t.Errorf("tolerance limit %+v, want below 0.4 ± 0.1", rs[0])
	}
	if !rs[1].Lower || rs[1].Upper || rs[1].Limit.Lo < 2.9 || rs[1].Limit.Lo > 3.1 {
		t.Errorf("cpm limit %+v, want above 3 ± 0.1", rs[1])
	}
	if b.Coverage < 0.7 || b.Density < 0.9 {
		t.Errorf("coverage %.2f density %.2f, want at least 0.7 and 0.9", b.Coverage, b.Density)
	}
	s := x.Sentence(0)
	for _, want := range []string{`"service+paid_push earns the platform more per user than service+subscription" fails when user.tolerance_median below 0.`, "and models.status_ads.cpm.default above 3", "of the cases where it fails (coverage), density"} {
		if !strings.Contains(s, want) {
			t.Errorf("sentence %q lacks %q", s, want)
		}
	}
	if len(x.Leaves) == 0 {
		t.Errorf("the tree has no leaf of interest")
	}
	rows := x.StoreRows()
	var boxes, steps int
	for _, r := range rows {
		switch r.Kind {
		case "box":
			boxes++
			if !strings.Contains(r.Limits, `"user.tolerance_median":[null,`) && r.Box == 1 {
				t.Errorf("box 1 limits %s", r.Limits)
			}
		case "step":
			steps++
		}
	}
	if boxes != len(x.Boxes) || steps < 5 {
		t.Errorf("%d box rows, %d step rows", boxes, steps)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "peeling trajectory") || !strings.Contains(buf.String(), "CART") {
		t.Errorf("the text lacks the trajectory or the tree:\n%s", buf.String())
	}
	buf.Reset()
	if err := x.WritePDF(&buf); err != nil || buf.Len() < 1000 {
		t.Errorf("PDF: %d bytes, %v", buf.Len(), err)
	}
	// Every case holds: nothing to find.
	for i := range c.Holds {
		c.Holds[i] = true
	}
	if _, err := Discover(c, q, DiscoverOptions{Find: "fails"}); err == nil || !strings.Contains(err.Error(), "no region to find") {
		t.Errorf("no case fails: got %v", err)
	}
	// Too few cases for a box of the minimum mass.
	small := &Cases{BatchID: "b", Inputs: c.Inputs, X: c.X[:10], Holds: []bool{true, false, true, false, true, true, true, true, true, true}}
	if _, err := Discover(small, q, DiscoverOptions{}); err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("10 cases: got %v", err)
	}
}

func TestParseLimit(t *testing.T) {
	l, err := ParseLimit("churn_messages_per_1000 <= service + 50")
	if err != nil || !l.AtMost || l.Ref != "service" || l.Value != 50 || l.Metric.Column != "churn_messages_per_1000" {
		t.Errorf("got %+v, %v", l, err)
	}
	l, err = ParseLimit("users_lost_pct>=2.5")
	if err != nil || l.AtMost || l.Ref != "" || l.Value != 2.5 {
		t.Errorf("got %+v, %v", l, err)
	}
	l, err = ParseLimit("churn_messages_per_1000 <= service")
	if err != nil || l.Ref != "service" || l.Value != 0 {
		t.Errorf("got %+v, %v", l, err)
	}
	for _, bad := range []string{"churn <= 5", "churn_messages_per_1000 < 5", "churn_messages_per_1000 <= service + x"} {
		if _, err := ParseLimit(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
