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
