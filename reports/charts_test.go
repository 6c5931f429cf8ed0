package reports

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Tick labels show each tick's value exactly, with the decimals its step
// needs: 0.25 reads 0.25, never 0.2.
func TestTickLabelsExact(t *testing.T) {
	for _, c := range []struct {
		step float64
		want []string
	}{
		{0.1, []string{"0.0", "0.1", "0.2", "0.3", "0.4"}},
		{0.25, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{2.5, []string{"0.0", "2.5", "5.0", "7.5", "10.0"}},
		{1e-3, []string{"0.000", "0.001", "0.002", "0.003", "0.004"}},
		{1e6, []string{"0", "1,000,000", "2,000,000", "3,000,000", "4,000,000"}},
		{-0.25, []string{"0.00", "-0.25", "-0.50", "-0.75", "-1.00"}},
	} {
		var ts []plot.Tick
		for i := range 5 {
			// i*step as a sum, as a tick generator's floating point gives it.
			v := 0.0
			for range i {
				v += c.step
			}
			ts = append(ts, plot.Tick{Value: v, Label: "x"})
		}
		labelTicks(ts)
		var got []string
		for _, tk := range ts {
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("step %g: %q, want %q", c.step, got, c.want)
		}
	}
	// Through the axis ticks the charts use (the tornado chart's axis of
	// 0 to 0.75 among them): every label reads back as its tick's value.
	for _, r := range [][2]float64{{0, 0.75}, {0, 7.5}, {0, 0.3}, {0, 5e6}, {-1, 1}, {0, 0.004}} {
		for _, tk := range (commaTicks{}).Ticks(r[0], r[1]) {
			if tk.Label == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(tk.Label, ",", ""), 64)
			if err != nil || math.Abs(v-tk.Value) > 1e-9*math.Max(1, math.Abs(tk.Value)) {
				t.Errorf("axis %v: tick %v labelled %q", r, tk.Value, tk.Label)
			}
		}
	}
}

// Labels of the revenue-against-churn chart never overlap: points that
// coincide share one label naming them all, and a label that would cover
// another moves by whole lines.
func TestParetoLabelsDoNotOverlap(t *testing.T) {
	est := func(m float64) Estimate { return Estimate{Mean: m, HalfWidth: m / 20, N: 3} }
	// service_only and subscription nearly coincide, as in the default
	// comparison (churn 114.3 and 113.9, revenue 0 and 920 of 49,616).
	pts := []ParetoPoint{
		{Arm: "service_only", Churn: est(114.3), Revenue: est(0)},
		{Arm: "subscription", Churn: est(113.9), Revenue: est(920)},
		{Arm: "paid_push", Churn: est(218.2), Revenue: est(49616)},
		{Arm: "status_ads", Churn: est(118), Revenue: est(2500)},
	}
	markFrontier(pts)
	if _, err := ParetoChart(pts, []string{"service_only", "subscription", "paid_push", "status_ads"}); err != nil {
		t.Fatal(err)
	}
	// The chart's axes: churn 100 to 240, revenue 0 to 55,000.
	p := newPlot("", "")
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 100, 240, 0, 55000
	labels, err := pointLabels(p, pts)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, l := range labels {
		texts = append(texts, l.Labels...)
	}
	if !slices.Contains(texts, "service_only, subscription") || len(texts) != 3 {
		t.Errorf("labels %q: want service_only and subscription sharing one", texts)
	}

	// A crowd: every label placed clear of every other, every point named.
	sty := textStyle(bodyFont, 10, inkColor)
	var at []vg.Point
	var names, keys []string
	for i := range 12 {
		at = append(at, vg.Point{X: vg.Length(100 + 7*(i%4)), Y: vg.Length(50 + 9*(i/4))})
		names = append(names, "arm-"+strconv.Itoa(i))
		keys = append(keys, strconv.Itoa(i%2))
	}
	groups := placeLabels(at, names, keys, sty)
	named := 0
	for i, g := range groups {
		named += len(g.Members)
		for _, h := range groups[:i] {
			a, b := g.Box, h.Box
			if a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y {
				t.Errorf("labels %q and %q overlap", g.Text, h.Text)
			}
		}
		for _, m := range g.Members {
			if keys[m] != keys[g.Members[0]] {
				t.Errorf("label %q joins points of different keys", g.Text)
			}
		}
	}
	if named != len(at) {
		t.Errorf("%d of %d points named", named, len(at))
	}
}
