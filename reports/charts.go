package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/msgmon/msgmon/datasets/store"
)

// Chart is one figure: a title, a grid of plots, an optional legend drawn
// to the right of the plots and a one-line caption under them.
type Chart struct {
	Name    string // file stem of its PNG
	Title   string
	Caption string
	Grid    [][]*plot.Plot
	Legend  *Legend
}

// Legend is a plot legend that remembers its entries' names, to size the
// column it is drawn in.
type Legend struct {
	plot.Legend
	names []string
}

var (
	titleFont   = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 700}
	bodyFont    = font.Font{Typeface: "Liberation", Variant: "Sans"}
	captionFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	inkColor    = color.Gray{Y: 0x20}
	mutedColor  = color.Gray{Y: 0x60}
)

func textStyle(f font.Font, size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(f, size), Handler: plot.DefaultTextHandler}
}

// armStyle is an arm's colour and dashes: the same in every chart.
func armColor(i int) color.Color { return plotutil.Color(i) }

func armDashes(i int) []vg.Length { return plotutil.Dashes(i) }

func translucent(c color.Color, alpha uint8) color.Color {
	r, g, b, _ := c.RGBA()
	a := uint32(alpha)
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a)}
}

// Draw draws the chart on dc.
func (c *Chart) Draw(dc draw.Canvas) {
	title := textStyle(titleFont, 14, inkColor)
	title.XAlign, title.YAlign = draw.XLeft, draw.YTop
	caption := textStyle(captionFont, 10, mutedColor)
	caption.XAlign, caption.YAlign = draw.XLeft, draw.YBottom
	pad := vg.Points(6)
	r := dc.Rectangle
	dc.FillText(title, vg.Point{X: r.Min.X + pad, Y: r.Max.Y - pad}, c.Title)
	top := title.Height(c.Title) + 2*pad
	capLines := wrap(caption, c.Caption, r.Size().X-2*pad)
	lh := caption.Height("Xg")
	for i, l := range capLines {
		dc.FillText(caption, vg.Point{X: r.Min.X + pad, Y: r.Min.Y + pad + vg.Length(len(capLines)-1-i)*lh}, l)
	}
	bottom := vg.Length(len(capLines))*lh + 2*pad
	area := draw.Crop(dc, pad, -pad, bottom, -top)
	if c.Legend != nil {
		w := legendWidth(c.Legend)
		leg := draw.Crop(area, area.Max.X-area.Min.X-w, 0, 0, 0)
		c.Legend.Top, c.Legend.Left = true, true
		c.Legend.Draw(leg)
		area = draw.Crop(area, 0, -w-pad, 0, 0)
	}
	rows, cols := len(c.Grid), len(c.Grid[0])
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(10)}
	canvases := plot.Align(c.Grid, tiles, area)
	skipped := 0
	for i := range c.Grid {
		for j, p := range c.Grid[i] {
			if p == nil {
				continue
			}
			// A panel whose axes leave no room for its data (too many
			// panels for the space) is left out: gonum/plot would draw
			// it with NaN coordinates, which no PDF reader accepts.
			if !roomy(canvases[i][j]) || !roomy(p.DataCanvas(canvases[i][j])) {
				skipped++
				continue
			}
			p.Draw(canvases[i][j])
		}
	}
	if skipped > 0 {
		note := textStyle(captionFont, 10, inkColor)
		note.XAlign, note.YAlign = draw.XLeft, draw.YTop
		dc.FillText(note, vg.Point{X: area.Min.X, Y: area.Max.Y}, fmt.Sprintf("%d of the panels need more room than this page gives and are not drawn; query the table instead.", skipped))
	}
}

// roomy reports whether c is a finite rectangle with some width and height.
func roomy(c draw.Canvas) bool {
	r := c.Rectangle
	for _, v := range []vg.Length{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y} {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return r.Max.X > r.Min.X && r.Max.Y > r.Min.Y
}

// legendWidth is the width the legend needs: the longest label plus the
// thumbnail and padding.
func legendWidth(l *Legend) vg.Length {
	var w vg.Length
	for _, name := range l.names {
		w = max(w, l.TextStyle.Width(name))
	}
	return w + l.ThumbnailWidth + 3*l.Padding + vg.Points(8)
}

func newLegend() *Legend {
	l := &Legend{Legend: plot.NewLegend()}
	l.TextStyle.Font = font.From(bodyFont, 11)
	l.ThumbnailWidth = vg.Points(28)
	l.Padding = vg.Points(4)
	return l
}

func addLegend(l *Legend, name string, thumbs ...plot.Thumbnailer) {
	l.Add(name, thumbs...)
	l.names = append(l.names, name)
}

// wrap splits s into lines no wider than w in style sty.
func wrap(sty text.Style, s string, w vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if line != "" && sty.Width(try) > w {
				lines = append(lines, line)
				line = word
			} else {
				line = try
			}
		}
		lines = append(lines, line)
	}
	return lines
}

func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Label.TextStyle.Font, p.Y.Label.TextStyle.Font = font.From(bodyFont, 11), font.From(bodyFont, 11)
	p.X.Tick.Label.Font, p.Y.Tick.Label.Font = font.From(bodyFont, 10), font.From(bodyFont, 10)
	p.Title.TextStyle.Font = font.From(titleFont, 12)
	p.Y.Tick.Marker = commaTicks{}
	p.X.Tick.Marker = commaTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 0xdd}, color.Gray{Y: 0xdd}
	grid.Vertical.Width, grid.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(grid)
	return p
}

// commaTicks are plot's default ticks labelled with thousands separators.
// When the default gives fewer than four labels, the minor ticks are
// labelled too, so an axis reads at a glance.
type commaTicks struct{}

func (commaTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	labelled := 0
	for _, t := range ts {
		if t.Label != "" && t.Value >= lo && t.Value <= hi {
			labelled++
		}
	}
	if labelled < 4 && len(ts) <= 16 {
		for i := range ts {
			ts[i].Label = "x"
		}
	}
	labelTicks(ts)
	return ts
}

// labelTicks labels the ticks that have a label with their values, with
// thousands separators and, on every label alike, the fewest decimals that
// show each labelled value exactly (0.25 needs two, 2.5 one, 1e6 none).
func labelTicks(ts []plot.Tick) {
	var vs []float64
	for _, t := range ts {
		if t.Label != "" {
			vs = append(vs, t.Value)
		}
	}
	if len(vs) == 0 {
		return
	}
	slices.Sort(vs)
	// The tolerance is a millionth of the smallest step, so that
	// 0.30000000000000004 reads 0.3 but 0.25 never 0.2 or 0.3.
	tol := math.Inf(1)
	for i := 1; i < len(vs); i++ {
		if d := vs[i] - vs[i-1]; d > 0 {
			tol = math.Min(tol, d*1e-6)
		}
	}
	if math.IsInf(tol, 1) {
		tol = 1e-9 * math.Max(1, math.Abs(vs[0]))
	}
	digits := 0
	for ; digits < 15; digits++ {
		exact := true
		for _, v := range vs {
			r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', digits, 64), 64)
			if err != nil || math.Abs(r-v) > tol {
				exact = false
				break
			}
		}
		if exact {
			break
		}
	}
	for i, t := range ts {
		if t.Label != "" {
			ts[i].Label = fmtNum(t.Value, digits)
			if strings.Trim(ts[i].Label, "-0.") == "" {
				ts[i].Label = fmtNum(0, digits)
			}
		}
	}
}

// dayTicks label days every 1, 2, 5, 7, 10, 14, 30, ... days: at most
// ten labels.
type dayTicks struct{}

func (dayTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 365.0
	for _, s := range []float64{1, 2, 5, 7, 10, 14, 20, 30, 60, 90, 180} {
		if (hi-lo)/s <= 10 {
			step = s
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmtNum(v, 0)})
	}
	return ts
}

// BandChart draws one line per arm with a shaded 95 % band.
func BandChart(m Metric, bands []Band) (*Chart, error) {
	p := newPlot("day of the simulation", m.YLabel)
	p.X.Tick.Marker = dayTicks{}
	leg := newLegend()
	allZero := true
	for i, b := range bands {
		mean := make(plotter.XYs, len(b.Day))
		var upper, lower plotter.XYs
		for k := range b.Day {
			mean[k] = plotter.XY{X: b.Day[k], Y: b.Mean[k]}
			if b.Mean[k] != 0 {
				allZero = false
			}
			if hw := b.HalfWidth[k]; !math.IsNaN(hw) {
				upper = append(upper, plotter.XY{X: b.Day[k], Y: b.Mean[k] + hw})
				lower = append(lower, plotter.XY{X: b.Day[k], Y: b.Mean[k] - hw})
			}
		}
		var thumbs []plot.Thumbnailer
		if len(upper) == len(b.Day) && len(upper) > 1 {
			ring := append(plotter.XYs{}, upper...)
			for k := len(lower) - 1; k >= 0; k-- {
				ring = append(ring, lower[k])
			}
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", m.Name, err)
			}
			poly.Color = translucent(armColor(i), 60)
			poly.LineStyle.Width = 0
			p.Add(poly)
			thumbs = append(thumbs, poly)
		}
		line, err := plotter.NewLine(mean)
		if err != nil {
			return nil, fmt.Errorf("reports: %s: %w", m.Name, err)
		}
		line.LineStyle.Color = armColor(i)
		line.LineStyle.Width = vg.Points(1.8)
		line.LineStyle.Dashes = armDashes(i)
		p.Add(line)
		thumbs = append(thumbs, line)
		addLegend(leg, b.Arm, thumbs...)
	}
	p.Y.Min = 0
	if allZero {
		p.Y.Max = 1
	}
	return &Chart{Name: m.Name, Title: m.Title, Caption: m.Caption, Grid: [][]*plot.Plot{{p}}, Legend: leg}, nil
}

// errPoints are points with symmetric errors in Y or X.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
	plotter.XErrors
}

// axisLabel is a KPI's axis: its unit, and which way is better.
func axisLabel(k KPI) string {
	switch k.Better {
	case store.HigherBetter:
		return k.Unit + ", higher is better"
	case store.LowerBetter:
		return k.Unit + ", lower is better"
	}
	return k.Unit
}

// tableHeader is a KPI's column header in the PDF's tables: its title in
// two lines (the unit is in the definitions below the table).
func tableHeader(k KPI) string {
	words := strings.Fields(k.Title)
	best, cut := -1, len(words)
	for i := 1; i < len(words); i++ {
		a, b := len(strings.Join(words[:i], " ")), len(strings.Join(words[i:], " "))
		if d := max(a, b); best < 0 || d < best {
			best, cut = d, i
		}
	}
	if cut == len(words) {
		return k.Title
	}
	return strings.Join(words[:cut], " ") + "\n" + strings.Join(words[cut:], " ")
}

// Definitions are the KPIs' definitions, one sentence each: "Title
// (unit): definition."
func Definitions(kpis []KPI) []string {
	out := make([]string, len(kpis))
	for i, k := range kpis {
		out[i] = fmt.Sprintf("%s (%s, %s): %s.", k.Title, k.Unit, k.Better, k.Definition)
	}
	return out
}

// KPIChart draws each headline figure per arm as bars with 95 % error
// bars, titles and units from the registry.
func KPIChart(c *Comparison) (*Chart, error) {
	var arms []string
	for _, r := range c.Rows {
		arms = append(arms, r.Arm)
	}
	// The arms are told apart by colour, in a legend: arm names under
	// every panel would leave nine panels no room.
	leg := newLegend()
	var plots []*plot.Plot
	for k, kpi := range c.KPIs {
		// The unit under the title: a y label as long would not fit
		// a third of the page's height.
		p := newPlot("", "")
		p.Title.Text = kpi.Title + "\n" + axisLabel(kpi)
		p.Title.TextStyle.Font.Size = 10
		p.X.Tick.Marker = nil
		var pts errPoints
		for i, r := range c.Rows {
			e := r.KPI[k]
			if math.IsNaN(e.Mean) {
				// A figure the database does not hold (an older
				// schema's runs) is said so, not drawn.
				l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(i), Y: 0}}, Labels: []string{"n/a"}})
				if err != nil {
					return nil, fmt.Errorf("reports: %s: %w", kpi.Column, err)
				}
				l.TextStyle[0].Font = font.From(bodyFont, 9)
				l.TextStyle[0].XAlign = draw.XCenter
				l.TextStyle[0].Color = mutedColor
				p.Add(l)
				if k == 0 {
					bar, err := plotter.NewBarChart(plotter.Values{0}, vg.Points(22))
					if err != nil {
						return nil, fmt.Errorf("reports: %s: %w", kpi.Column, err)
					}
					bar.Color = armColor(i)
					addLegend(leg, r.Arm, bar)
				}
				continue
			}
			bar, err := plotter.NewBarChart(plotter.Values{e.Mean}, vg.Points(22))
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", kpi.Column, err)
			}
			bar.XMin = float64(i)
			bar.Color = armColor(i)
			bar.LineStyle.Width = 0
			p.Add(bar)
			if k == 0 {
				addLegend(leg, r.Arm, bar)
			}
			if !math.IsNaN(e.HalfWidth) {
				pts.XYs = append(pts.XYs, plotter.XY{X: float64(i), Y: e.Mean})
				pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{e.HalfWidth, e.HalfWidth})
			}
		}
		if len(pts.XYs) > 0 {
			eb, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", kpi.Column, err)
			}
			eb.LineStyle.Width = vg.Points(1.2)
			p.Add(eb)
		}
		p.HideX()
		p.X.Min, p.X.Max = -0.6, float64(len(arms))-0.4
		p.Y.Min = math.Min(p.Y.Min, 0)
		plots = append(plots, p)
	}
	grid := gridOf(plots, 3)
	return &Chart{Name: "kpis", Title: "Headline figures per arm",
		Caption: "Each run's figure over the whole run (weekly reach: the mean over its complete weeks): mean over replicates per arm, with 95 % confidence intervals (Student's t) as error bars; bars in the arms' order, left to right.",
		Grid:    grid, Legend: leg}, nil
}

// gridOf lays plots out in rows of cols, the last row padded with empty
// cells.
func gridOf(plots []*plot.Plot, cols int) [][]*plot.Plot {
	var grid [][]*plot.Plot
	for i := 0; i < len(plots); i += cols {
		row := make([]*plot.Plot, cols)
		copy(row, plots[i:min(i+cols, len(plots))])
		grid = append(grid, row)
	}
	return grid
}

// ParetoChart draws platform revenue against churn, one point per arm (or
// per sweep point and arm) with 95 % error bars in the colour of its arm
// (by its index in arms), and the Pareto frontier (the points marked
// OnFrontier: none dominates them, Dominates) as a step line.
func ParetoChart(pts []ParetoPoint, arms []string) (*Chart, error) {
	churn, revenue := store.MustKPI(paretoChurn), store.MustKPI(paretoRevenue)
	p := newPlot(strings.ToLower(churn.Title)+", "+axisLabel(churn), "platform revenue, "+axisLabel(revenue))
	leg := newLegend()
	named := map[string]bool{}
	for _, pt := range pts {
		i := slices.Index(arms, pt.Arm)
		xy := errPoints{XYs: plotter.XYs{{X: pt.Churn.Mean, Y: pt.Revenue.Mean}}}
		sc, err := plotter.NewScatter(xy.XYs)
		if err != nil {
			return nil, fmt.Errorf("reports: pareto: %w", err)
		}
		sc.GlyphStyle.Color = armColor(i)
		sc.GlyphStyle.Radius = vg.Points(5)
		sc.GlyphStyle.Shape = plotutil.Shape(i)
		if !math.IsNaN(pt.Churn.HalfWidth) && !math.IsNaN(pt.Revenue.HalfWidth) {
			xy.XErrors = plotter.XErrors{{Low: pt.Churn.HalfWidth, High: pt.Churn.HalfWidth}}
			xy.YErrors = plotter.YErrors{{Low: pt.Revenue.HalfWidth, High: pt.Revenue.HalfWidth}}
			xe, err := plotter.NewXErrorBars(xy)
			if err != nil {
				return nil, fmt.Errorf("reports: pareto: %w", err)
			}
			ye, err := plotter.NewYErrorBars(xy)
			if err != nil {
				return nil, fmt.Errorf("reports: pareto: %w", err)
			}
			xe.LineStyle.Color, ye.LineStyle.Color = armColor(i), armColor(i)
			p.Add(xe, ye)
		}
		p.Add(sc)
		if pt.Label == "" {
			name := pt.Arm
			if pt.OnFrontier {
				name += " (on frontier)"
			}
			addLegend(leg, name, sc)
		} else if !named[pt.Arm] {
			addLegend(leg, pt.Arm, sc)
		}
		named[pt.Arm] = true
	}
	front := Frontier(pts)
	if len(front) > 0 {
		var step plotter.XYs
		for i, f := range front {
			if i > 0 {
				step = append(step, plotter.XY{X: f.Churn.Mean, Y: front[i-1].Revenue.Mean})
			}
			step = append(step, plotter.XY{X: f.Churn.Mean, Y: f.Revenue.Mean})
		}
		line, err := plotter.NewLine(step)
		if err != nil {
			return nil, fmt.Errorf("reports: pareto: %w", err)
		}
		line.LineStyle.Color = inkColor
		line.LineStyle.Width = vg.Points(1.2)
		line.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(line)
		addLegend(leg, "Pareto frontier", line)
	}
	// Labels next to the points, pushed apart where points crowd.
	labels, err := pointLabels(p, pts)
	if err != nil {
		return nil, err
	}
	for _, l := range labels {
		p.Add(l)
	}
	p.Y.Min = math.Min(p.Y.Min, 0)
	// Room on the right for the labels of the rightmost points.
	p.X.Max += (p.X.Max - p.X.Min) * 0.12
	if p.X.Max == p.X.Min {
		p.X.Max++
	}
	return &Chart{Name: "revenue-vs-churn", Title: "Platform revenue against churn caused by messages",
		Caption: "One point per arm (mean over replicates, bars: 95 % intervals); the dashed step line joins the arms no other arm dominates. " +
			"One dominates another when it is better on revenue or churn and worse on neither, better and worse meaning that the paired difference " +
			"(replicate by replicate, the same population and random numbers) has a 95 % interval excluding 0; where the interval includes 0 they are tied. " +
			"Churn here leaves out natural lapse, which no model changes.",
		Grid: [][]*plot.Plot{{p}}, Legend: leg}, nil
}

// pointLabels puts each point's label to the right of it. Points that
// (nearly) coincide share one label, their names joined; a label that
// would overlap one already placed moves down or up by a line until it
// is clear (placeLabels).
func pointLabels(p *plot.Plot, pts []ParetoPoint) ([]*plotter.Labels, error) {
	xmin, xmax, ymin, ymax := p.X.Min, p.X.Max, math.Min(p.Y.Min, 0), p.Y.Max
	sx, sy := math.Max(xmax-xmin, 1e-12), math.Max(ymax-ymin, 1e-12)
	sty := textStyle(bodyFont, 10, inkColor)
	at := make([]vg.Point, len(pts))
	names := make([]string, len(pts))
	for i, pt := range pts {
		at[i] = vg.Point{X: labelArea.X * vg.Length((pt.Churn.Mean-xmin)/sx), Y: labelArea.Y * vg.Length((pt.Revenue.Mean-ymin)/sy)}
		names[i] = pt.label()
	}
	var out []*plotter.Labels
	keys := make([]string, len(pts))
	for i, pt := range pts {
		if pt.Label != "" {
			keys[i] = pt.Arm // sweep points: one label per arm's cluster
		}
	}
	for _, g := range placeLabels(at, names, keys, sty) {
		pt := pts[g.Members[0]]
		l, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    plotter.XYs{{X: pt.Churn.Mean, Y: pt.Revenue.Mean}},
			Labels: []string{g.Text},
		})
		if err != nil {
			return nil, fmt.Errorf("reports: pareto labels: %w", err)
		}
		l.TextStyle[0] = sty
		l.TextStyle[0].YAlign = draw.YCenter
		l.Offset = vg.Point{X: labelGap, Y: g.Shift}
		out = append(out, l)
	}
	return out, nil
}

// labelArea is the smallest data area a Pareto chart is drawn in (a half
// page of the PDF report), for placing labels; labelGap is the space
// between a point and its label.
var (
	labelArea = vg.Point{X: 560, Y: 200}
	labelGap  = vg.Points(9)
)

// LabelGroup is one label of a chart: the points it names (indices), its
// text and its vertical shift from the first point.
type LabelGroup struct {
	Members []int
	Text    string
	Shift   vg.Length
	Box     vg.Rectangle // where the text goes, in the units of the points
}

// placeLabels places a label right of each point (positions in points
// of the drawing). Points closer than a line's height in both directions
// and have the same key share one label; a label overlapping an earlier one is moved by whole
// lines, down first, until it overlaps none.
func placeLabels(at []vg.Point, names, keys []string, sty text.Style) []LabelGroup {
	lh := sty.Height("Xg") * 1.15
	var groups []LabelGroup
	for i, p := range at {
		joined := false
		for g := range groups {
			q := at[groups[g].Members[0]]
			if keys[i] == keys[groups[g].Members[0]] && math.Abs(float64(p.X-q.X)) < float64(lh) && math.Abs(float64(p.Y-q.Y)) < float64(lh) {
				groups[g].Members = append(groups[g].Members, i)
				if !strings.Contains(", "+groups[g].Text+", ", ", "+names[i]+", ") {
					groups[g].Text += ", " + names[i]
				}
				joined = true
				break
			}
		}
		if !joined {
			groups = append(groups, LabelGroup{Members: []int{i}, Text: names[i]})
		}
	}
	var placed []vg.Rectangle
	for g := range groups {
		p := at[groups[g].Members[0]]
		w := sty.Width(groups[g].Text)
		for k := 0; ; k++ {
			// 0, -1, +1, -2, +2, ... lines
			shift := lh * vg.Length((k+1)/2)
			if k%2 == 1 {
				shift = -shift
			}
			box := vg.Rectangle{Min: vg.Point{X: p.X + labelGap, Y: p.Y + shift - lh/2}, Max: vg.Point{X: p.X + labelGap + w, Y: p.Y + shift + lh/2}}
			free := true
			for _, b := range placed {
				if box.Min.X < b.Max.X && b.Min.X < box.Max.X && box.Min.Y < b.Max.Y && b.Min.Y < box.Max.Y {
					free = false
					break
				}
			}
			if free || k > 4*len(at) {
				groups[g].Shift, groups[g].Box = shift, box
				placed = append(placed, box)
				break
			}
		}
	}
	return groups
}

// symlog is sign(x) * log10(1 + |x|): a log scale that keeps zero and
// negative values.
func symlog(x float64) float64 {
	if x < 0 {
		return -math.Log10(1 - x)
	}
	return math.Log10(1 + x)
}

// symlogTicks label a symlog axis in the original units.
type symlogTicks struct{}

func (symlogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range []float64{-1e6, -1e5, -1e4, -1000, -100, -10, -1, 0, 1, 10, 100, 1000, 1e4, 1e5, 1e6} {
		s := symlog(v)
		if v == 1 && hi-lo > 2.5 {
			continue // crowds 0 on a wide axis; -1 stays to label the negative side
		}
		if s >= lo-1e-9 && s <= hi+1e-9 {
			ts = append(ts, plot.Tick{Value: s, Label: fmtNum(v, 0)})
		}
	}
	return ts
}

// OutcomeCharts draw the distributions of the business outcomes per arm
// as box plots on symmetric log axes.
func OutcomeCharts(outs []Outcomes) ([]*Chart, error) {
	var arms []string
	for _, o := range outs {
		arms = append(arms, o.Arm)
	}
	box := func(yLabel string, values func(Outcomes) []float64) (*plot.Plot, error) {
		p := newPlot("", yLabel)
		p.Y.Tick.Marker = symlogTicks{}
		for i, o := range outs {
			vs := values(o)
			if len(vs) == 0 {
				l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(i), Y: 0}},
					Labels: []string{"no messaging\nspend"}})
				if err != nil {
					return nil, err
				}
				l.TextStyle[0].Font = font.From(bodyFont, 10)
				l.TextStyle[0].XAlign = draw.XCenter
				l.TextStyle[0].Color = mutedColor
				p.Add(l)
				continue
			}
			t := make(plotter.Values, len(vs))
			for k, v := range vs {
				t[k] = symlog(v)
			}
			b, err := plotter.NewBoxPlot(vg.Points(40), float64(i), t)
			if err != nil {
				return nil, err
			}
			b.FillColor = translucent(armColor(i), 110)
			b.GlyphStyle.Radius = vg.Points(1.5)
			b.GlyphStyle.Color = translucent(armColor(i), 160)
			b.MedianStyle.Width = vg.Points(2)
			p.Add(b)
		}
		p.NominalX(arms...)
		return p, nil
	}
	fc, err := box("followers end - start (log scale)", func(o Outcomes) []float64 { return o.FollowerChange })
	if err != nil {
		return nil, fmt.Errorf("reports: follower change: %w", err)
	}
	roi, err := box("(attributed revenue - spend) / spend (log scale)", func(o Outcomes) []float64 { return o.ReturnOnSpend })
	if err != nil {
		return nil, fmt.Errorf("reports: return on spend: %w", err)
	}
	return []*Chart{
		{Name: "follower-change", Title: "Follower change per business",
			Caption: "Each business's followers at the end minus at the start, all replicates pooled (symmetric log scale): box = quartiles, line = median, whiskers = 1.5 IQR, dots = outliers.",
			Grid:    [][]*plot.Plot{{fc}}},
		{Name: "return-on-spend", Title: "Return on messaging spend per business",
			Caption: "(Attributed revenue - messaging spend) / spend for each business that paid for messages or subscriptions, all replicates pooled (symmetric log scale): box = quartiles, line = median. " +
				"Attributed revenue is that of conversions caused by a click on one of the business's messages, converting at once (no later window); " +
				"service conversions no message caused are not in it (business revenue in the key numbers counts them).",
			Grid: [][]*plot.Plot{{roi}}},
	}, nil
}
