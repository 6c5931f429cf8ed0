package reports

import (
	"fmt"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TradeoffChart draws each box's peeling trajectory as density against
// coverage (Bryant & Lempert's trade-off curve), the chosen step ringed,
// and, beside it, the limits of the first box on each input it restricts
// as a bar over the input's range in the cases (0 = the least value, 1 =
// the largest).
func (x *Discovery) TradeoffChart() (*Chart, error) {
	tr := newPlot("coverage (share of the cases of interest inside)", "density (share inside that are of interest)")
	tr.Title.Text = "Peeling trajectories"
	tr.X.Min, tr.X.Max, tr.Y.Min, tr.Y.Max = 0, 1.02, 0, 1.02
	base, err := plotter.NewLine(plotter.XYs{{X: 0, Y: x.Share}, {X: 1, Y: x.Share}})
	if err != nil {
		return nil, err
	}
	base.Color, base.Dashes = mutedColor, []vg.Length{vg.Points(3), vg.Points(2)}
	tr.Add(base)
	for i, f := range x.Boxes {
		pts := make(plotter.XYs, len(f.Trajectory.Steps))
		for s, st := range f.Trajectory.Steps {
			pts[s] = plotter.XY{X: st.Coverage, Y: st.Density}
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		l.Color, sc.Color, sc.Radius = armColor(i+1), armColor(i+1), vg.Points(1.6)
		tr.Add(l, sc)
		pick, err := plotter.NewScatter(plotter.XYs{{X: f.Box.Coverage, Y: f.Box.Density}})
		if err != nil {
			return nil, err
		}
		pick.GlyphStyle.Shape, pick.GlyphStyle.Radius, pick.GlyphStyle.Color = draw.RingGlyph{}, vg.Points(5), inkColor
		tr.Add(pick)
		tr.Legend.Add(fmt.Sprintf("box %d", i+1), l)
	}
	plots := []*plot.Plot{tr}
	if len(x.Boxes) > 0 {
		b := x.Boxes[0].Box
		rs := x.Data.Restrictions(b)
		bounds := x.Data.Bounds()
		lim := newPlot("share of the input's range in the cases (0: least, 1: largest)", "")
		lim.Title.Text = "Box 1's limits"
		lim.X.Min, lim.X.Max = 0, 1
		var names []string
		for i, r := range rs {
			y := float64(len(rs) - 1 - i)
			span := bounds[r.Input].Hi - bounds[r.Input].Lo
			lo, hi := (r.Limit.Lo-bounds[r.Input].Lo)/span, (r.Limit.Hi-bounds[r.Input].Lo)/span
			full, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: 1, Y: y}})
			if err != nil {
				return nil, err
			}
			full.Color, full.Width = translucent(mutedColor, 0x50), vg.Points(7)
			bar, err := plotter.NewLine(plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}})
			if err != nil {
				return nil, err
			}
			bar.Color, bar.Width = armColor(1), vg.Points(7)
			lim.Add(full, bar)
			names = append([]string{fmt.Sprintf("%s  %s..%s", r.Name, fmtLimit(r.Limit.Lo, r.Lower), fmtLimit(r.Limit.Hi, r.Upper))}, names...)
		}
		if len(rs) > 0 {
			lim.NominalY(names...)
			lim.Y.Min, lim.Y.Max = -0.5, float64(len(rs))-0.5
			plots = append(plots, lim)
		}
	}
	return &Chart{Name: "discover", Title: "Where the answer " + x.Interest,
		Caption: fmt.Sprintf("Question: "+x.Question.String()+". Left: each step of a box's peeling trajectory (PRIM, peel %.2g, minimum mass %.2g) as coverage and density; ring: the chosen box; dashed: the share of the cases of interest among all %d (%.2f). "+
			"Right: box 1's limits on each input it restricts (bar), over the input's range in the cases (grey); - is an open end.", x.Peel, x.MinMass, x.Data.Len(), x.Share),
		Grid: [][]*plot.Plot{plots}}, nil
}

func fmtLimit(v float64, inside bool) string {
	if !inside {
		return "-"
	}
	return fmtG3(v)
}

func fmtG3(v float64) string { return fmt.Sprintf("%.3g", v) }

// page adds the discovery's text and chart to d.
func (x *Discovery) page(d *pdfDoc) error {
	if d.y < d.content().Max.Y {
		d.startPage()
	}
	d.para(textStyle(titleFont, 16, inkColor), "Where the answer "+x.Interest, 0)
	d.space(4)
	d.para(textStyle(bodyFont, 11, inkColor), "Question: "+x.Question.String()+".", 0)
	d.space(4)
	c := x.Cases
	d.para(textStyle(bodyFont, 10, mutedColor), fmt.Sprintf("Batch %s: %d cases (each a behaviour slot or sweep point, the means over its replicates), %d inputs vary. "+
		"The answer %s in %.0f %% of the cases: those are the cases of interest. PRIM (Friedman & Fisher 1999), as scenario discovery uses it (Bryant & Lempert 2010), "+
		"peels the inputs' ranges to boxes dense in them; coverage is the share of the cases of interest a box holds, density the share of its cases that are of interest. "+
		"%s The quasi-p-value of a restriction is the chance that a box as dense would arise without it. "+
		"Table discovery holds every box, step and leaf (discovery_id %s).", c.BatchID, len(c.Holds), len(c.Inputs), x.Interest, 100*x.Share, x.selection(), x.ID), 0)
	d.space(8)
	if len(x.Boxes) == 0 {
		d.para(textStyle(bodyFont, 10, inkColor), "No box is denser than the cases of interest are among all.", 0)
	}
	for i := range x.Boxes {
		d.para(textStyle(bodyFont, 10, inkColor), fmt.Sprintf("Box %d. %s", i+1, x.Sentence(i)), 8)
		var rows [][]string
		for _, r := range x.Data.Restrictions(x.Boxes[i].Box) {
			rows = append(rows, []string{r.Name, fmtLimit(r.Limit.Lo, r.Lower), fmtLimit(r.Limit.Hi, r.Upper), fmt.Sprintf("%.2g", r.QuasiP)})
		}
		if len(rows) > 0 {
			d.table([]string{"input", "low", "high", "quasi-p"}, rows)
		}
		d.space(6)
	}
	d.para(textStyle(titleFont, 12, inkColor), fmt.Sprintf("A second view: a classification tree (CART, Breiman et al. 1984, depth %d)", x.Depth), 0)
	d.space(4)
	if len(x.Leaves) == 0 {
		d.para(textStyle(bodyFont, 10, inkColor), "No leaf where the answer "+x.Interest+" in at least half its cases.", 8)
	}
	for _, b := range x.Leaves {
		d.para(textStyle(bodyFont, 10, inkColor), "The answer "+x.Interest+" "+x.LeafSentence(b), 8)
	}
	ch, err := x.TradeoffChart()
	if err != nil {
		return err
	}
	d.charts(ch)
	return nil
}

// WritePDF writes the discovery alone as a PDF.
func (x *Discovery) WritePDF(w io.Writer) error {
	d := newPDFDoc(fmt.Sprintf("msgmon discover · %s · %s", x.Cases.BatchID, x.ID))
	if err := x.page(d); err != nil {
		return err
	}
	_, err := d.c.WriteTo(w)
	return err
}

// SaveDiscovery writes the discovery's PDF to path (replacing an earlier
// one with force).
func SaveDiscovery(x *Discovery, path string, force bool) error {
	_, err := saveAll([]output{{path, x.WritePDF}}, force, "choose another --db directory")
	return err
}
