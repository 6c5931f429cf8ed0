package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/msgmon/msgmon/datasets/store"
)

// SweepInfo is a stored sweep's design, from the sweeps table.
type SweepInfo struct {
	ID, Name, Design string
	Replicates       int // per point and arm, as the sweep file asks
	Points           int // in the design
	Columns          []store.SweepColumn
}

// SweepData is what a sweep report shows: every point and arm with its
// own replicates, never pooled across points.
type SweepData struct {
	Info SweepInfo
	// Rows are one per point and arm, by point, then in Runs.Arms order;
	// Params hold the point's values in Info.Columns order.
	Rows []SweepRow
	// Pareto are the rows as points of platform revenue against churn,
	// in Rows order, each labelled "p<point>".
	Pareto []ParetoPoint
}

// isSweep reports whether the runs are several points of one sweep batch;
// runs of several points across batches cannot be reported together.
func (r *Runs) isSweep() (bool, error) {
	var points []int
	for _, run := range r.Runs {
		if !slices.Contains(points, run.Point) {
			points = append(points, run.Point)
		}
	}
	if len(points) < 2 {
		return false, nil
	}
	if r.BatchID == "" || slices.Contains(points, -1) {
		return false, &SelectionError{fmt.Sprintf("the runs %s span several sweep points or batches, which are not replicates of one another; "+
			"report one sweep (--batch SWEEP_ID) or the runs of one point", runRanges(r.IDs()))}
	}
	return true, nil
}

// loadSweep reads the sweep of the runs' batch and each point and arm's
// results over the selected runs.
func loadSweep(ctx context.Context, db *store.DB, runs *Runs) (*SweepData, error) {
	s := &SweepData{Info: SweepInfo{ID: runs.BatchID, Name: runs.Scenario, Design: "?"}}
	t, err := db.Query(ctx, "SELECT name, design, replicates, points, CAST(parameters AS VARCHAR) FROM sweeps WHERE sweep_id = "+quote(runs.BatchID))
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 1 {
		row := t.Rows[0]
		s.Info.Name, s.Info.Design = str(row[0]), str(row[1])
		s.Info.Replicates, s.Info.Points = int(toInt(row[2])), int(toInt(row[3]))
		if err := json.Unmarshal([]byte(str(row[4])), &s.Info.Columns); err != nil {
			return nil, fmt.Errorf("reports: sweep %s: parameters: %w", runs.BatchID, err)
		}
	}
	if len(s.Info.Columns) == 0 {
		// No design recorded (runs stored by hand): the runs' own
		// parameters, in name order.
		t, err := db.Query(ctx, `SELECT DISTINCT unnest(json_keys(params)) AS k FROM runs WHERE `+runs.where()+` ORDER BY k`)
		if err != nil {
			return nil, err
		}
		for _, row := range t.Rows {
			if k := str(row[0]); k != "point" && k != "sweep" && k != "sweep_id" {
				s.Info.Columns = append(s.Info.Columns, store.SweepColumn{Path: k, Column: k, Type: "DOUBLE"})
			}
		}
	}
	kpis := Headline()
	sel := []string{"CAST(json_extract(params, '$.point') AS INTEGER) AS point", "arm", "count(*)", "any_value(CAST(params AS VARCHAR))"}
	for _, k := range kpis {
		sel = append(sel, fmt.Sprintf("avg(CAST(%[1]s AS DOUBLE)), stddev_samp(CAST(%[1]s AS DOUBLE))", k.Column))
	}
	t, err = db.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM run_totals WHERE "+runs.where()+" GROUP BY point, arm ORDER BY point, arm")
	if err != nil {
		return nil, err
	}
	for _, arm := range runs.Arms {
		for _, row := range t.Rows {
			if str(row[1]) != arm {
				continue
			}
			r := SweepRow{Point: int(toInt(row[0])), Arm: arm, Runs: int(toInt(row[2]))}
			var params map[string]any
			if err := json.Unmarshal([]byte(str(row[3])), &params); err != nil {
				return nil, fmt.Errorf("reports: sweep %s point %d: params: %w", runs.BatchID, r.Point, err)
			}
			for _, c := range s.Info.Columns {
				r.Params = append(r.Params, params[c.Column])
			}
			for k := range kpis {
				mean, sd := toFloat(row[4+2*k]), toFloat(row[5+2*k])
				r.KPI = append(r.KPI, Estimate{Mean: mean, HalfWidth: tHalfWidth(sd, r.Runs), N: r.Runs})
			}
			s.Rows = append(s.Rows, r)
		}
	}
	slices.SortStableFunc(s.Rows, func(a, b SweepRow) int { return a.Point - b.Point })
	ci, ri := kpiIndex(kpis, paretoChurn), kpiIndex(kpis, paretoRevenue)
	// Each point and arm's runs, paired across points by replicate and
	// seed: every point runs with the study's seeds (common random
	// numbers), unless a point sets the seed itself.
	t, err = db.Query(ctx, fmt.Sprintf(`SELECT CAST(json_extract(params, '$.point') AS INTEGER) AS point, arm, replicate, seed,
		CAST(%s AS DOUBLE), CAST(%s AS DOUBLE) FROM run_totals WHERE %s ORDER BY point, arm, replicate, run_id`,
		kpis[ci].Column, kpis[ri].Column, runs.where()))
	if err != nil {
		return nil, err
	}
	type pointArm struct {
		point int
		arm   string
	}
	byPoint := map[pointArm][]ParetoRun{}
	for _, row := range t.Rows {
		k := pointArm{int(toInt(row[0])), str(row[1])}
		byPoint[k] = append(byPoint[k], ParetoRun{Pair: fmt.Sprintf("r%d/s%v", toInt(row[2]), row[3]), Churn: toFloat(row[4]), Revenue: toFloat(row[5])})
	}
	for _, r := range s.Rows {
		s.Pareto = append(s.Pareto, ParetoPoint{Arm: r.Arm, Label: fmt.Sprintf("p%d", r.Point), Churn: r.KPI[ci], Revenue: r.KPI[ri],
			Runs: byPoint[pointArm{r.Point, r.Arm}]})
	}
	markFrontier(s.Pareto)
	return s, nil
}

// paramString writes a parameter value as the sweep table does.
func paramString(v any) string {
	switch x := v.(type) {
	case float64:
		return shortFloat(x)
	case nil:
		return "n/a"
	}
	return store.CellString(v)
}

// SweepCharts draw each output against each parameter, one line (or,
// with several parameters, one set of dots) per arm with 95 % intervals
// over the point's replicates, then platform revenue against churn over
// every point and arm with the Pareto frontier.
func SweepCharts(s *SweepData, arms []string) ([]*Chart, error) {
	var charts []*Chart
	single := len(s.Info.Columns) == 1
	for k, kpi := range Headline() {
		var plots []*plot.Plot
		leg := newLegend()
		for j, col := range s.Info.Columns {
			p := newPlot(col.Column, axisLabel(kpi))
			if len(s.Info.Columns) > 1 {
				p.Y.Label.Text = ""
				if j == 0 {
					p.Y.Label.Text = axisLabel(kpi)
				}
			}
			// A parameter that is not a number is drawn at positions 0,
			// 1, ... in the order of its values.
			var nominal []string
			for _, r := range s.Rows {
				if _, ok := r.Params[j].(float64); !ok && !slices.Contains(nominal, paramString(r.Params[j])) {
					nominal = append(nominal, paramString(r.Params[j]))
				}
			}
			slices.Sort(nominal)
			x := func(v any) float64 {
				if f, ok := v.(float64); ok && nominal == nil {
					return f
				}
				return float64(slices.Index(nominal, paramString(v)))
			}
			for i, arm := range arms {
				var xs []float64
				var es []Estimate
				for _, r := range s.Rows {
					if r.Arm == arm {
						xs = append(xs, x(r.Params[j]))
						es = append(es, r.KPI[k])
					}
				}
				if len(xs) == 0 {
					continue
				}
				order := make([]int, len(xs))
				for o := range order {
					order[o] = o
				}
				slices.SortStableFunc(order, func(a, b int) int {
					switch {
					case xs[a] < xs[b]:
						return -1
					case xs[a] > xs[b]:
						return 1
					}
					return 0
				})
				// With several parameters, arms' dots at one value are
				// set a little apart, so their intervals do not hide
				// each other.
				dodge := 0.0
				if !single && len(arms) > 1 {
					lo, hi := slices.Min(xs), slices.Max(xs)
					dodge = (float64(i) - float64(len(arms)-1)/2) * 0.015 * max(hi-lo, 1)
				}
				var pts errPoints
				for _, o := range order {
					pts.XYs = append(pts.XYs, plotter.XY{X: xs[o] + dodge, Y: es[o].Mean})
					hw := es[o].HalfWidth
					if math.IsNaN(hw) {
						hw = 0
					}
					pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{hw, hw})
				}
				var thumbs []plot.Thumbnailer
				if single && len(pts.XYs) > 1 {
					ring := make(plotter.XYs, 0, 2*len(pts.XYs))
					for n, xy := range pts.XYs {
						ring = append(ring, plotter.XY{X: xy.X, Y: xy.Y + pts.YErrors[n].High})
					}
					for n := len(pts.XYs) - 1; n >= 0; n-- {
						ring = append(ring, plotter.XY{X: pts.XYs[n].X, Y: pts.XYs[n].Y - pts.YErrors[n].Low})
					}
					poly, err := plotter.NewPolygon(ring)
					if err != nil {
						return nil, fmt.Errorf("reports: sweep %s: %w", kpi.Column, err)
					}
					poly.Color = translucent(armColor(i), 60)
					poly.LineStyle.Width = 0
					p.Add(poly)
					line, err := plotter.NewLine(pts.XYs)
					if err != nil {
						return nil, fmt.Errorf("reports: sweep %s: %w", kpi.Column, err)
					}
					line.LineStyle.Color = armColor(i)
					line.LineStyle.Width = vg.Points(1.8)
					line.LineStyle.Dashes = armDashes(i)
					p.Add(line)
					thumbs = append(thumbs, poly, line)
				} else {
					eb, err := plotter.NewYErrorBars(pts)
					if err != nil {
						return nil, fmt.Errorf("reports: sweep %s: %w", kpi.Column, err)
					}
					eb.LineStyle.Color = armColor(i)
					p.Add(eb)
				}
				sc, err := plotter.NewScatter(pts.XYs)
				if err != nil {
					return nil, fmt.Errorf("reports: sweep %s: %w", kpi.Column, err)
				}
				sc.GlyphStyle.Color = armColor(i)
				sc.GlyphStyle.Radius = vg.Points(3)
				sc.GlyphStyle.Shape = plotutil.Shape(i)
				p.Add(sc)
				if j == 0 {
					addLegend(leg, arm, append(thumbs, sc)...)
				}
			}
			if nominal != nil {
				p.NominalX(nominal...)
			}
			p.Y.Min = math.Min(p.Y.Min, 0)
			if p.Y.Max == p.Y.Min {
				p.Y.Max = p.Y.Min + 1
			}
			plots = append(plots, p)
		}
		cols := min(3, len(plots))
		var grid [][]*plot.Plot
		for i := 0; i < len(plots); i += cols {
			row := make([]*plot.Plot, cols)
			copy(row, plots[i:min(i+cols, len(plots))])
			grid = append(grid, row)
		}
		caption := "Mean over each point's replicates per arm; band: 95 % confidence interval (Student's t). Points are never pooled: each value is one point of the design."
		if !single {
			caption = "One dot per point of the design and arm, mean over its replicates with 95 % confidence intervals (Student's t); the other parameters vary between dots, so dots are not joined, and arms are set slightly apart at each value."
		}
		charts = append(charts, &Chart{Name: "sweep-" + strings.ReplaceAll(kpi.Column, "_", "-"),
			Title: kpi.Title + " against the parameters", Caption: caption, Grid: grid, Legend: leg})
	}
	pc, err := ParetoChart(s.Pareto, arms)
	if err != nil {
		return nil, err
	}
	pc.Caption = "One dot per point of the design and arm (mean over the point's replicates, bars: 95 % intervals), labelled with its point number as in the table; the dashed step line joins the points no other point dominates: " +
		"better on revenue or churn and worse on neither, better and worse meaning that the paired difference (replicate by replicate, the same seeds) " +
		"has a 95 % interval excluding 0; where the interval includes 0 they are tied."
	return append(charts, pc), nil
}

// writeSweepPDF writes a sweep report: the design and the population, a
// table per point and arm, each output against each parameter, revenue
// against churn over the points, the models and the provenance.
func (r *Report) writeSweepPDF(w io.Writer) (int, error) {
	runs, s := r.Runs, r.Sweep
	d := newPDFDoc(fmt.Sprintf("msgmon sweep report · %s · batch %s", s.Info.Name, runs.BatchID))
	r.writeFront(d, "Parameter sweep: "+s.Info.Name)
	facts := textStyle(bodyFont, 11, inkColor)
	var cols []string
	for _, c := range s.Info.Columns {
		cols = append(cols, c.Path)
	}
	points := map[int]bool{}
	reps := 0
	for _, row := range s.Rows {
		points[row.Point] = true
		reps = max(reps, row.Runs)
	}
	d.para(facts, fmt.Sprintf("Design %s over %s: %d points (%d with stored runs), %d replicates per point and arm; arms: %s.",
		s.Info.Design, strings.Join(cols, ", "), max(s.Info.Points, len(points)), len(points), reps,
		strings.Join(runs.Arms, ", ")), 0)
	d.para(facts, fmt.Sprintf("Batch %s: %d runs (ids %s) in %s.", runs.BatchID, len(runs.Runs), runRanges(runs.IDs()), r.dbPath), 0)
	d.para(textStyle(captionFont, 9, mutedColor), seedsNote(s.Info.Design, runs.BatchID), 0)
	d.space(14)
	d.para(textStyle(titleFont, 13, inkColor), "Results per point and arm at the end of the run (mean ± 95 % confidence interval over the point's replicates)", 0)
	d.space(4)
	lead := []string{"point"}
	for _, c := range s.Info.Columns {
		lead = append(lead, c.Column)
	}
	lead = append(lead, "arm", "runs")
	kpis := Headline()
	var leads, cells [][]string
	for _, row := range s.Rows {
		l := []string{strconv.Itoa(row.Point)}
		for _, p := range row.Params {
			l = append(l, paramString(p))
		}
		leads = append(leads, append(l, row.Arm, strconv.Itoa(row.Runs)))
		var c []string
		for i, k := range kpis {
			c = append(c, fmtEst(row.KPI[i], k.Digits))
		}
		cells = append(cells, c)
	}
	// Long tables in pieces that fit a page, each with its header.
	d.kpiTables(lead, leads, kpis, cells, 24)
	d.space(4)
	d.writeDefinitions(kpis)
	// Two charts of one row of panels share a page; a chart of more rows
	// (four or more parameters) has a page of its own.
	for i := 0; i < len(r.Charts)-1; i++ {
		if i+1 < len(r.Charts)-1 && len(r.Charts[i].Grid) == 1 && len(r.Charts[i+1].Grid) == 1 {
			d.charts(r.Charts[i], r.Charts[i+1])
			i++
		} else {
			d.charts(r.Charts[i])
		}
	}
	d.charts(r.Charts[len(r.Charts)-1])
	r.writeModelsAndProvenance(d)
	if _, err := d.c.WriteTo(w); err != nil {
		return 0, err
	}
	return d.pages, nil
}

// seedsNote says how a sweep's points share random numbers. A robust
// study's points are plausible behaviours, each with seeds of its own, so
// its differences between points are not the parameters' alone.
func seedsNote(design, batch string) string {
	const pooled = "Each interval is over one point's own replicates: runs of different points are never pooled."
	if design == "robust" {
		return "Each point is one plausible behaviour of a robust study, with a population and random numbers of its own (within a point, " +
			"every arm runs on the same ones), so differences between points are the behaviour's and chance's. " + pooled +
			" The study's analysis (differences to the baseline, ranges, probabilities) is " + batch + ".pdf, written by msgmon robust."
	}
	return "Every point runs with the same seeds (common random numbers), so differences between points are the parameters'. " + pooled
}
