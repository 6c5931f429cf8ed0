package reports

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
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
