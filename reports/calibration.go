package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CalibrationTarget is one target of a calibration's fit.
type CalibrationTarget struct {
	Name, Arm, Source   string
	Horizon             int // days; 0: the whole run
	Observed, Tolerance float64
	Fitted              float64
	Inside              bool
	// Dose is what the target's runs delivered (NaN: the target has no
	// dose), DoseValue the dose its source states.
	Dose, DoseValue float64
}

// CalibrationReport is the report of one msgmon calibrate.
type CalibrationReport struct {
	Study, ID, Version string
	// Parameters: name, fitted value, range.
	Parameters [][3]string
	Targets    []CalibrationTarget
	Summary    string
	DB         string
	// Curve is the model's dose–response at the fitted values over more
	// doses (dose, response), if the study asked for one.
	Curve [][2]float64
	// Plausible is the plausible set, if the calibration drew one.
	Plausible *PlausibleView
}

// DoseResponseChart draws the model's response at the dose its runs
// delivered (line and points) and the source's points at their stated
// dose with their tolerance as error bars, for the targets with a dose.
func DoseResponseChart(ts []CalibrationTarget, curve [][2]float64) (*Chart, error) {
	var model, obs plotter.XYs
	var errs plotter.YErrors
	for _, t := range ts {
		if math.IsNaN(t.Dose) {
			continue
		}
		model = append(model, plotter.XY{X: t.Dose, Y: t.Fitted})
		x := t.DoseValue
		if math.IsNaN(x) {
			x = t.Dose
		}
		obs = append(obs, plotter.XY{X: x, Y: t.Observed})
		errs = append(errs, struct{ Low, High float64 }{t.Tolerance, t.Tolerance})
	}
	if len(model) == 0 {
		return nil, fmt.Errorf("reports: dose-response chart: no target has a dose")
	}
	p := newPlot("messages delivered per follow and week (measured in the run)", "share of users who reacted")
	p.Y.Min, p.Y.Max, p.X.Min = 0, 1, 0
	leg := newLegend()
	line := model
	if len(curve) > 0 {
		line = nil
		for _, c := range curve {
			line = append(line, plotter.XY{X: c[0], Y: c[1]})
		}
		sort.Slice(line, func(i, j int) bool { return line[i].X < line[j].X })
	}
	l, err := plotter.NewLine(line)
	if err != nil {
		return nil, err
	}
	s, err := plotter.NewScatter(model)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width = armColor(0), vg.Points(1.5)
	s.Color, s.Shape = armColor(0), draw.CircleGlyph{}
	s.Radius = vg.Points(3.5)
	p.Add(l, s)
	addLegend(leg, "msgmon at the calibrated values", l, s)
	pts := errPoints{XYs: obs, YErrors: errs}
	sc, err := plotter.NewScatter(obs)
	if err != nil {
		return nil, err
	}
	sc.Color, sc.Shape = color.Black, draw.BoxGlyph{}
	sc.Radius = vg.Points(3.5)
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, err
	}
	eb.LineStyle.Width, eb.Color = vg.Points(1.2), color.Black
	eb.CapWidth = vg.Points(8)
	p.Add(eb, sc)
	addLegend(leg, "survey, with its 95 % interval", sc)
	return &Chart{Name: "dose-response", Title: "Dose and response: the model against the survey",
		Caption: "The share of users whose first mute, block or annoyed unfollow came within the horizon, over the users " +
			"who received a message, at the dose the runs delivered (messages per follow-week, measured; dots: the targets' " +
			"runs, line: the same runs over more doses), and the " +
			"survey's cumulative shares at their doses with the tolerance the fit used (95 % sampling interval).",
		Grid: [][]*plot.Plot{{p}}, Legend: leg}, nil
}

// WritePDF writes the calibration's report: the parameters, the fit table
// (observed, fitted, tolerance, inside) with sources, and the dose–response
// chart when targets have doses.
func (r *CalibrationReport) WritePDF(w io.Writer) error {
	d := newPDFDoc(fmt.Sprintf("msgmon calibration · %s · %s", r.Study, r.ID))
	d.para(textStyle(titleFont, 20, inkColor), "Calibration: "+r.Study, 0)
	d.space(4)
	d.para(textStyle(bodyFont, 11, inkColor), r.Summary, 0)
	d.space(10)
	d.para(textStyle(titleFont, 13, inkColor), "Fitted parameters", 0)
	d.space(4)
	var rows [][]string
	for _, p := range r.Parameters {
		rows = append(rows, []string{p[0], p[1], p[2]})
	}
	d.table([]string{"parameter", "fitted", "range searched"}, rows)
	d.space(10)
	d.para(textStyle(titleFont, 13, inkColor), "Goodness of fit, target by target", 0)
	d.space(4)
	rows = nil
	for _, t := range r.Targets {
		dose, tol, in, h := "", "none", "-", "run"
		if !math.IsNaN(t.Dose) {
			dose = fmt.Sprintf("%.2f", t.Dose)
		}
		if t.Tolerance > 0 {
			tol, in = fmt.Sprintf("± %.3g", t.Tolerance), "no"
			if t.Inside {
				in = "yes"
			}
		}
		if t.Horizon > 0 {
			h = fmt.Sprintf("%d d", t.Horizon)
		}
		rows = append(rows, []string{t.Name, t.Arm, h, dose, fmt.Sprintf("%.4g", t.Observed), fmt.Sprintf("%.4g", t.Fitted), tol, in})
	}
	d.table([]string{"target", "arm", "horizon", "dose\n(per week)", "observed", "fitted", "tolerance", "inside"}, rows)
	d.space(10)
	d.para(textStyle(titleFont, 11, inkColor), "Sources", 0)
	for _, t := range r.Targets {
		d.para(textStyle(bodyFont, 9, inkColor), t.Name+": "+t.Source, 8)
	}
	d.space(6)
	d.para(textStyle(bodyFont, 9, mutedColor), fmt.Sprintf("msgmon %s; every run of the fit is in %s (sweep %s), the table above in calibration_fits.", r.Version, r.DB, r.ID), 0)
	if ch, err := DoseResponseChart(r.Targets, r.Curve); err == nil {
		d.charts(ch)
	}
	if r.Plausible != nil && len(r.Plausible.Paths) >= 2 { // one parameter: the table says it
		chs, err := PlausibleCharts(r.Plausible)
		if err != nil {
			return err
		}
		for _, ch := range chs {
			d.charts(ch)
		}
	}
	_, err := d.c.WriteTo(w)
	return err
}

// SaveCalibration writes the calibration's PDF report to path (refusing
// an existing file unless force).
func SaveCalibration(r *CalibrationReport, path string, force bool) error {
	_, err := saveAll([]output{{path, r.WritePDF}}, force, "choose another --db directory")
	return err
}

// PlausibleView is a calibration's plausible set for its report: the
// parameters' names, each vector's values and weight, and the fit (or
// checked point) it started from. The axes are linear: a plausible set
// spans a small part of a log-scaled range, where powers of ten would
// leave an axis without a label.
type PlausibleView struct {
	Paths   []string
	X       [][]float64 // by vector, in the order of Paths
	Weights []float64
	Start   []float64
	Summary string
}

// plausiblePanels is the most pairs drawn on one page (two rows of
// three): more parameters give more pages, not smaller panels.
const plausiblePanels = 6

// PlausibleCharts draw every pair of parameters of the plausible set:
// one dot a vector, its area in proportion to its weight, and a cross at
// the point the set was drawn from; at most plausiblePanels pairs a chart,
// a chart a page.
func PlausibleCharts(v *PlausibleView) ([]*Chart, error) {
	n := len(v.Paths)
	if n < 2 || len(v.X) == 0 {
		return nil, fmt.Errorf("reports: plausible chart: needs two parameters and a vector")
	}
	wmax := 0.0
	for _, w := range v.Weights {
		wmax = max(wmax, w)
	}
	short := func(p string) string {
		if i := strings.LastIndex(p, "."); i >= 0 {
			return p[i+1:]
		}
		return p
	}
	var plots []*plot.Plot
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			p := newPlot(short(v.Paths[a]), short(v.Paths[b]))
			for i, x := range v.X {
				s, err := plotter.NewScatter(plotter.XYs{{X: x[a], Y: x[b]}})
				if err != nil {
					return nil, err
				}
				s.Color, s.Shape = armColor(0), draw.CircleGlyph{}
				s.Radius = vg.Points(1.5 + 3.5*math.Sqrt(v.Weights[i]/wmax))
				p.Add(s)
			}
			st, err := plotter.NewScatter(plotter.XYs{{X: v.Start[a], Y: v.Start[b]}})
			if err != nil {
				return nil, err
			}
			st.Color, st.Shape, st.Radius = color.Black, draw.CrossGlyph{}, vg.Points(5)
			p.Add(st)
			// Values like 0.0035 side by side: slanted, they do not run
			// into each other.
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
			plots = append(plots, p)
		}
	}
	var out []*Chart
	pages := (len(plots) + plausiblePanels - 1) / plausiblePanels
	for k := 0; k < pages; k++ {
		c := &Chart{Name: "plausible", Title: "The plausible set, parameter against parameter",
			Caption: v.Summary + " Dots: the vectors, their area in proportion to their weight; cross: the point the set was drawn from.",
			Grid:    gridOf(plots[k*plausiblePanels:min(len(plots), (k+1)*plausiblePanels)], 3)}
		if pages > 1 {
			c.Name = fmt.Sprintf("plausible-%d", k+1)
			c.Title += fmt.Sprintf(" (%d of %d)", k+1, pages)
		}
		out = append(out, c)
	}
	return out, nil
}
