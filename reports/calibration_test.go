package reports_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/msgmon/msgmon/reports"
)

// TestCalibrationReport: the report of a fit with doses has two pages, the
// second the dose–response chart; a fit without doses has no chart.
func TestCalibrationReport(t *testing.T) {
	r := &reports.CalibrationReport{Study: "s", ID: "sweep-s-1", Version: "v", DB: "r.duckdb",
		Parameters: [][3]string{{"behaviour.react_rate", "0.01", "[0.001, 1]"}}}
	for i, k := range []float64{1, 5, 10} {
		r.Targets = append(r.Targets, reports.CalibrationTarget{Name: "k", Arm: "a", Observed: []float64{0.1, 0.47, 0.8}[i],
			Tolerance: 0.02, Fitted: []float64{0.09, 0.5, 0.79}[i], Inside: i != 1, Dose: k * 1.01, DoseValue: k, Horizon: 28})
	}
	r.Targets = append(r.Targets, reports.CalibrationTarget{Name: "open rate", Arm: "b", Observed: 0.025, Tolerance: 0.005, Fitted: 0.024,
		Inside: true, Dose: math.NaN(), DoseValue: math.NaN()})
	var b bytes.Buffer
	if err := r.WritePDF(&b); err != nil {
		t.Fatal(err)
	}
	if n, err := pdfPages(b.Bytes()); err != nil || n != 2 {
		t.Errorf("%d pages (%v), want 2: the fit, then the chart", n, err)
	}
	ch, err := reports.DoseResponseChart(r.Targets, [][2]float64{{0.5, 0.05}, {2, 0.2}, {14, 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	var png bytes.Buffer
	if err := reports.WritePNG(&png, ch); err != nil || png.Len() == 0 {
		t.Errorf("chart PNG: %v", err)
	}
	if _, err := reports.DoseResponseChart(r.Targets[3:], nil); err == nil {
		t.Error("a chart without doses")
	}
}

// TestCalibrationReportPlausible: a calibration that drew a plausible set
// gets a third page, every pair of parameters against each other (six
// for four), with one dot a vector plus the cross of the start.
func TestCalibrationReportPlausible(t *testing.T) {
	v := &reports.PlausibleView{Paths: []string{"a.w", "a.x", "a.y", "a.z"}, Start: []float64{1, 2, 3, 4}, Summary: "3 vectors."}
	for k := range 3 {
		f := float64(k)
		v.X = append(v.X, []float64{1 + f/10, 2 - f/10, 3 + f/5, 4})
		v.Weights = append(v.Weights, 1+f)
	}
	chs, err := reports.PlausibleCharts(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 1 {
		t.Fatalf("%d charts for 6 pairs, want one page", len(chs))
	}
	pairs := map[string]bool{}
	for _, row := range chs[0].Grid {
		for _, p := range row {
			if p != nil {
				pairs[p.X.Label.Text+"/"+p.Y.Label.Text] = true
			}
		}
	}
	for _, want := range []string{"w/x", "w/y", "w/z", "x/y", "x/z", "y/z"} {
		if !pairs[want] {
			t.Errorf("no chart of %s; charts %v", want, pairs)
		}
	}
	if len(pairs) != 6 {
		t.Errorf("%d charts, want the 6 pairs of 4 parameters: %v", len(pairs), pairs)
	}
	r := &reports.CalibrationReport{Study: "s", ID: "sweep-s-1", Version: "v", DB: "r.duckdb", Plausible: v,
		Targets: []reports.CalibrationTarget{{Name: "k", Observed: 0.1, Tolerance: 0.02, Fitted: 0.1, Inside: true, Dose: 1, DoseValue: 1}}}
	var b bytes.Buffer
	if err := r.WritePDF(&b); err != nil {
		t.Fatal(err)
	}
	if n, err := pdfPages(b.Bytes()); err != nil || n != 3 {
		t.Errorf("%d pages (%v), want 3: the fit, the dose-response chart, the plausible set", n, err)
	}
	one := &reports.PlausibleView{Paths: []string{"a"}, X: [][]float64{{1}}, Weights: []float64{1}, Start: []float64{1}}
	if _, err := reports.PlausibleCharts(one); err == nil {
		t.Error("a chart of one parameter")
	}
	// A calibration of one parameter gets its report all the same,
	// without the page of pairs.
	r.Plausible = one
	b.Reset()
	if err := r.WritePDF(&b); err != nil {
		t.Fatal(err)
	}
	if n, err := pdfPages(b.Bytes()); err != nil || n != 2 {
		t.Errorf("one parameter: %d pages (%v), want 2", n, err)
	}
}

// TestPlausibleChartsPaged: six parameters have 15 pairs; they are drawn
// six to a page (three pages), every pair once, so that no panel is too
// small to read (the set of the scorecard fit has six parameters).
func TestPlausibleChartsPaged(t *testing.T) {
	paths := []string{"p.a", "p.b", "p.c", "p.d", "p.e", "p.f"}
	v := &reports.PlausibleView{Paths: paths, Start: []float64{1, 2, 3, 4, 5, 6}, Summary: "2 vectors."}
	v.X = [][]float64{{1, 2, 3, 4, 5, 6}, {1.1, 2.1, 3.1, 4.1, 5.1, 6.1}}
	v.Weights = []float64{1, 2}
	chs, err := reports.PlausibleCharts(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 3 {
		t.Fatalf("%d charts, want 3 pages of at most 6 pairs", len(chs))
	}
	pairs := map[string]bool{}
	for _, c := range chs {
		n := 0
		for _, row := range c.Grid {
			for _, p := range row {
				if p != nil {
					n++
					key := p.X.Label.Text + "/" + p.Y.Label.Text
					if pairs[key] {
						t.Errorf("pair %s drawn twice", key)
					}
					pairs[key] = true
				}
			}
		}
		if n > 6 {
			t.Errorf("%s: %d panels on one page", c.Title, n)
		}
	}
	if len(pairs) != 15 {
		t.Errorf("%d pairs, want 15", len(pairs))
	}
	r := &reports.CalibrationReport{Study: "s", ID: "sweep-s-1", Version: "v", DB: "r.duckdb", Plausible: v,
		Targets: []reports.CalibrationTarget{{Name: "k", Observed: 0.1, Tolerance: 0.02, Fitted: 0.1, Inside: true, Dose: 1, DoseValue: 1}}}
	var b bytes.Buffer
	if err := r.WritePDF(&b); err != nil {
		t.Fatal(err)
	}
	if n, err := pdfPages(b.Bytes()); err != nil || n != 5 {
		t.Errorf("%d pages (%v), want 5: the fit, the dose-response chart, three of pairs", n, err)
	}
}
