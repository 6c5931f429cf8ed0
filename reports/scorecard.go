package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScorecardFact is one fact of a scorecard with the model's figure.
type ScorecardFact struct {
	ID, Quantity, Unit string
	Scenario, Arm      string
	Measure            string // value, ratio or input
	Observed           float64
	// Low and High are the band (±Inf: open); Significant: the 95 %
	// interval must lie inside too.
	Low, High   float64
	Significant bool
	Basis       string
	Model, Half float64 // the model's figure and its 95 % half-width (NaN: none)
	Pass        bool
	Source      string
	// Markets, of a fact with by_market: what businesses were charged by
	// market in its runs.
	Markets []MarketShare
}

// MarketShare is one market's part of a revenue figure: its users (mean
// over the replicates), its share of the charges, and the charges per
// user and year and messages per user and week there.
type MarketShare struct {
	Market                                 string
	Users, Share, PerUserYear, PerUserWeek float64
}

// ScorecardReport is the report of one msgmon scorecard.
type ScorecardReport struct {
	ID, Version, DB, File string
	Summary               string
	Facts                 []ScorecardFact
}

// bandPosition places x on a fact's band scale: the band's edges at −1
// and 1 for a closed band; for an open band its one edge at −1 (low) or 1
// (high), with 5 % of the bound's size (0.05 when it is 0) as the unit, so
// that a direction's ratio near 1 is seen on either side of it.
func bandPosition(f ScorecardFact, x float64) float64 {
	lo, hi := f.Low, f.High
	switch {
	case !math.IsInf(lo, 0) && !math.IsInf(hi, 0):
		if hi == lo {
			return x - lo
		}
		return -1 + 2*(x-lo)/(hi-lo)
	case !math.IsInf(lo, 0):
		return -1 + (x-lo)/unit(lo)
	default:
		return 1 + (x-hi)/unit(hi)
	}
}

func unit(b float64) float64 {
	if b == 0 {
		return 0.05
	}
	return 0.05 * math.Abs(b)
}

const scorecardClip = 4 // positions drawn at most this far out

// ScorecardChart draws every fact's model figure on its band's scale: a
// grey bar for the band, a dot (green: passes, red: fails) with its 95 %
// interval; a figure beyond the chart is drawn at its edge.
func ScorecardChart(fs []ScorecardFact) (*Chart, error) {
	p := newPlot("model's figure on the fact's band (band edges at −1 and 1; an open band runs to the chart's edge)", "")
	n := len(fs)
	var names []string
	for i, f := range fs {
		y := float64(n - 1 - i)
		lo, hi := -1.0, 1.0
		if math.IsInf(f.Low, 0) {
			lo = -scorecardClip
		}
		if math.IsInf(f.High, 0) {
			hi = scorecardClip
		}
		bar, err := plotter.NewLine(plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}})
		if err != nil {
			return nil, err
		}
		bar.LineStyle.Width = vg.Points(9)
		bar.LineStyle.Color = color.Gray{Y: 0xd8}
		p.Add(bar)
		names = append(names, f.ID)
		if math.IsNaN(f.Model) {
			continue
		}
		clip := func(x float64) float64 { return math.Max(-scorecardClip, math.Min(scorecardClip, x)) }
		x := clip(bandPosition(f, f.Model))
		col := color.RGBA{R: 0x1a, G: 0x8f, B: 0x3c, A: 0xff}
		if !f.Pass {
			col = color.RGBA{R: 0xc0, G: 0x1f, B: 0x1f, A: 0xff}
		}
		if !math.IsNaN(f.Half) && f.Half > 0 {
			a, b := clip(bandPosition(f, f.Model-f.Half)), clip(bandPosition(f, f.Model+f.Half))
			l, err := plotter.NewLine(plotter.XYs{{X: a, Y: y}, {X: b, Y: y}})
			if err != nil {
				return nil, err
			}
			l.LineStyle.Color, l.LineStyle.Width = col, vg.Points(1.5)
			p.Add(l)
		}
		sc, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = col, vg.Points(4), draw.CircleGlyph{}
		p.Add(sc)
	}
	p.X.Min, p.X.Max = -scorecardClip, scorecardClip
	p.Y.Min, p.Y.Max = -0.7, float64(n)-0.3
	var ticks []plot.Tick
	for i, name := range names {
		ticks = append(ticks, plot.Tick{Value: float64(n - 1 - i), Label: name})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	var grid [][]*plot.Plot
	grid = append(grid, []*plot.Plot{p})
	return &Chart{Name: "scorecard", Title: "The model against the world, fact by fact",
		Caption: "Each row is a fact of the scorecard: the grey bar is its band, the dot the model's figure measured as the source measured it " +
			"(green: passes, red: fails), the line its 95 % interval over the replicates. A closed band is drawn from −1 to 1; an open one " +
			"from its bound, in units of 5 % of the bound. Figures further out are drawn at the edge.",
		Grid: grid}, nil
}

// bandText is a band in words the report's fonts have: [low, high], at
// least low, at most high.
func bandText(lo, hi float64) string {
	switch {
	case math.IsInf(lo, 0) && math.IsInf(hi, 0):
		return "any"
	case math.IsInf(hi, 0):
		return fmt.Sprintf("at least %.4g", lo)
	case math.IsInf(lo, 0):
		return fmt.Sprintf("at most %.4g", hi)
	}
	return fmt.Sprintf("[%.4g, %.4g]", lo, hi)
}

// WritePDF writes the scorecard's report: the table of facts (observed,
// band, model with its interval, pass), the chart and the sources.
func (r *ScorecardReport) WritePDF(w io.Writer) error {
	d := newPDFDoc(fmt.Sprintf("msgmon scorecard · %s", r.ID))
	d.para(textStyle(titleFont, 20, inkColor), "Scorecard: the model against what the world reports", 0)
	d.space(4)
	d.para(textStyle(bodyFont, 11, inkColor), r.Summary, 0)
	d.space(10)
	var rows [][]string
	for _, f := range r.Facts {
		obs := "direction"
		if !math.IsNaN(f.Observed) {
			obs = fmt.Sprintf("%.4g", f.Observed)
		}
		model := "n/a"
		if !math.IsNaN(f.Model) {
			model = fmt.Sprintf("%.4g", f.Model)
			if !math.IsNaN(f.Half) && f.Half > 0 {
				model += fmt.Sprintf(" ± %.2g", f.Half)
			}
		}
		band := bandText(f.Low, f.High)
		if f.Significant {
			band += " *"
		}
		pass := "FAIL"
		if f.Pass {
			pass = "pass"
		}
		where := f.Scenario
		if f.Arm != "" {
			where += " / " + f.Arm
		}
		rows = append(rows, []string{f.ID, where, obs, band, model, pass})
	}
	d.table([]string{"fact", "scenario, arm", "observed", "band", "model (95 %)", ""}, rows)
	d.space(4)
	d.para(textStyle(bodyFont, 9, mutedColor), "* the model's 95 % interval must lie inside the band too (a direction must be shown, not be a draw).", 0)
	if ch, err := ScorecardChart(r.Facts); err == nil {
		d.charts(ch)
	} else {
		return err
	}
	for _, f := range r.Facts {
		if len(f.Markets) == 0 {
			continue
		}
		d.space(10)
		d.para(textStyle(titleFont, 11, inkColor), fmt.Sprintf("%s by market (%s, %s)", f.ID, f.Scenario, f.Arm), 0)
		d.space(4)
		var rows [][]string
		for _, m := range f.Markets {
			rows = append(rows, []string{m.Market, fmt.Sprintf("%.0f", m.Users), fmt.Sprintf("%.1f %%", 100*m.Share),
				fmt.Sprintf("%.3f", m.PerUserYear), fmt.Sprintf("%.2f", m.PerUserWeek)})
		}
		d.table([]string{"market", "users", "share of charges", "USD per user and year", "messages per user and week"}, rows)
	}
	d.space(10)
	d.para(textStyle(titleFont, 11, inkColor), "What each fact is, its band and its source", 0)
	for _, f := range r.Facts {
		u := ""
		if f.Unit != "" {
			u = " (" + f.Unit + ")"
		}
		d.para(textStyle(bodyFont, 9, inkColor), f.ID+": "+f.Quantity+u+". Band: "+f.Basis+". Source: "+f.Source+".", 8)
	}
	d.space(6)
	d.para(textStyle(bodyFont, 9, mutedColor), fmt.Sprintf("msgmon %s; facts from %s; every run is in %s, the table above in table scorecard (scorecard_id '%s').", r.Version, r.File, r.DB, r.ID), 0)
	_, err := d.c.WriteTo(w)
	return err
}

// SaveScorecard writes the scorecard's PDF report to path (refusing an
// existing file unless force).
func SaveScorecard(r *ScorecardReport, path string, force bool) error {
	_, err := saveAll([]output{{path, r.WritePDF}}, force, "choose another --db directory")
	return err
}
