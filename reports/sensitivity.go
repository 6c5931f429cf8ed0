package reports

import (
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TornadoSeries is one measure of a tornado chart: a value per parameter
// and, if Lo and Hi are set, its interval.
type TornadoSeries struct {
	Label  string
	Values []float64
	Lo, Hi []float64 // nil: no interval
}

// TornadoChart draws horizontal bars per parameter, the most influential
// (by the first series) at the top, each series in its arm colour, with
// intervals as whiskers.
func TornadoChart(name, title, caption, xlabel string, params []string, series []TornadoSeries) (*Chart, error) {
	if len(series) == 0 || len(params) == 0 {
		return nil, fmt.Errorf("reports: tornado chart %s: nothing to draw", name)
	}
	order := make([]int, len(params))
	for i := range order {
		order[i] = i
	}
	first := series[0].Values
	// Ascending, so that the largest is drawn at the top of the y axis.
	sort.SliceStable(order, func(a, b int) bool { return first[order[a]] < first[order[b]] })
	labels := make([]string, len(order))
	for i, j := range order {
		labels[i] = params[j]
	}
	p := newPlot(xlabel, "")
	p.NominalY(labels...)
	p.Y.Tick.Label.Font = p.X.Tick.Label.Font
	leg := newLegend()
	w := vg.Points(min(28, max(4, 0.8*300/float64(len(params)*len(series)))))
	for k, s := range series {
		vals := make(plotter.Values, len(order))
		for i, j := range order {
			vals[i] = s.Values[j]
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		b.Horizontal = true
		b.Color, b.LineStyle.Width = armColor(k), 0
		b.Offset = w * vg.Length(float64(len(series)-1)/2-float64(k))
		p.Add(b)
		addLegend(leg, s.Label, b)
		if s.Lo != nil {
			for i, j := range order {
				l, err := plotter.NewLine(plotter.XYs{{X: s.Lo[j], Y: float64(i)}, {X: s.Hi[j], Y: float64(i)}})
				if err != nil {
					return nil, err
				}
				l.Color, l.Width = color.Gray{Y: 0x30}, vg.Points(1)
				// Whiskers sit on their bar: shifted by the bar's offset.
				p.Add(&offsetLine{Line: l, dy: b.Offset})
			}
		}
	}
	p.Y.Min, p.Y.Max = -0.5, float64(len(params))-0.5
	if p.X.Min > 0 {
		p.X.Min = 0
	}
	c := &Chart{Name: name, Title: title, Caption: caption, Grid: [][]*plot.Plot{{p}}}
	if len(series) > 1 {
		c.Legend = leg
	}
	return c, nil
}

// offsetLine is a line drawn dy points off its data position, to put an
// interval on its bar in a group of bars.
type offsetLine struct {
	*plotter.Line
	dy vg.Length
}

func (o *offsetLine) Plot(c draw.Canvas, p *plot.Plot) {
	c.Rectangle.Min.Y += o.dy
	c.Rectangle.Max.Y += o.dy
	o.Line.Plot(c, p)
}

// SaveCharts writes each chart as dir/NAME.png and returns the paths.
// Existing files are refused unless force is set.
func SaveCharts(dir string, charts []*Chart, force bool) ([]string, error) {
	r := &Report{Charts: charts}
	return r.Save("", dir, force)
}
