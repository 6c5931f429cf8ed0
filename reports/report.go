package reports

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"

	"github.com/msgmon/msgmon/datasets/store"
)

// Options are what a report takes besides the database.
type Options struct {
	// Version is the msgmon version making the report.
	Version string
	// Summaries are the one-line definitions of the models by name
	// (sim.Factory.Summary); models without one are listed by name.
	Summaries map[string]string
}

// Report is the data and charts of one selection of runs.
type Report struct {
	Runs       *Runs
	Comparison *Comparison
	Bands      [][]Band // per TimeMetrics entry
	Outcomes   []Outcomes
	// Markets are each arm's figures by market (market_summary).
	Markets []MarketRow
	Pareto  []ParetoPoint
	Charts  []*Chart // in report order
	// Sweep is set, and Comparison, Bands, Outcomes and Pareto are not,
	// when the runs are several points of a sweep: a sweep report.
	Sweep *SweepData

	dbPath string
	opts   Options
}

// PNG size of every chart: 10 x 5.5 inches at PNGDPI.
const (
	PNGDPI    = 150
	PNGWidth  = 10 * PNGDPI
	PNGHeight = 55 * PNGDPI / 10
)

// Build reads the selected runs' data and makes the charts.
func Build(ctx context.Context, db *store.DB, sel Selection, opts Options) (*Report, error) {
	runs, err := SelectRuns(ctx, db, sel)
	if err != nil {
		return nil, err
	}
	r := &Report{Runs: runs, dbPath: db.Path(), opts: opts}
	isSweep, err := runs.isSweep()
	if err != nil {
		return nil, err
	}
	if isSweep {
		if r.Sweep, err = loadSweep(ctx, db, runs); err != nil {
			return nil, err
		}
		if r.Charts, err = SweepCharts(r.Sweep, runs.Arms); err != nil {
			return nil, err
		}
		return r, nil
	}
	label := runs.BatchID
	if label == "" {
		label = "runs " + runRanges(runs.IDs())
	}
	r.Comparison, err = CompareRuns(ctx, db, runs.IDs(), label, runs.Baseline, runs.Arms)
	if err != nil {
		return nil, err
	}
	if r.Markets, err = Markets(ctx, db, runs.IDs(), runs.Arms); err != nil {
		return nil, err
	}
	for _, m := range TimeMetrics {
		b, err := Bands(ctx, db, runs, m)
		if err != nil {
			return nil, err
		}
		r.Bands = append(r.Bands, b)
		c, err := BandChart(m, b)
		if err != nil {
			return nil, err
		}
		r.Charts = append(r.Charts, c)
	}
	kc, err := KPIChart(r.Comparison)
	if err != nil {
		return nil, err
	}
	r.Pareto = Pareto(r.Comparison)
	var arms []string
	for _, row := range r.Comparison.Rows {
		arms = append(arms, row.Arm)
	}
	pc, err := ParetoChart(r.Pareto, arms)
	if err != nil {
		return nil, err
	}
	r.Outcomes, err = BusinessOutcomes(ctx, db, runs)
	if err != nil {
		return nil, err
	}
	oc, err := OutcomeCharts(r.Outcomes)
	if err != nil {
		return nil, err
	}
	r.Charts = append(r.Charts, kc, pc)
	r.Charts = append(r.Charts, oc...)
	return r, nil
}

// Chart returns the chart of the given name, or nil.
func (r *Report) Chart(name string) *Chart {
	for _, c := range r.Charts {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// WritePNG draws one chart as a PNG of PNGWidth x PNGHeight pixels.
func WritePNG(w io.Writer, c *Chart) error {
	img := vgimg.NewWith(vgimg.UseWH(vg.Inch*PNGWidth/PNGDPI, vg.Inch*PNGHeight/PNGDPI), vgimg.UseDPI(PNGDPI),
		vgimg.UseBackgroundColor(color.White))
	c.Draw(draw.New(img))
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// A4 landscape, in points.
var (
	pageW  = 297 * vg.Millimeter
	pageH  = 210 * vg.Millimeter
	margin = vg.Points(36)
)

// pdfDoc writes pages top to bottom, starting a new page when one is full.
type pdfDoc struct {
	c      pdfCanvas
	dc     draw.Canvas
	pages  int
	y      vg.Length // the next line's top
	footer string
}

func newPDFDoc(footer string) *pdfDoc {
	c := pdfCanvas{vgpdf.New(pageW, pageH)}
	d := &pdfDoc{c: c, dc: draw.New(c), footer: footer}
	d.startPage()
	return d
}

// content is the page's area inside the margins and above the footer.
func (d *pdfDoc) content() vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: margin, Y: margin + 14}, Max: vg.Point{X: pageW - margin, Y: pageH - margin}}
}

func (d *pdfDoc) startPage() {
	if d.pages > 0 {
		d.c.NextPage()
	}
	d.pages++
	sty := textStyle(bodyFont, 8, mutedColor)
	sty.XAlign = draw.XRight
	d.dc.FillText(sty, vg.Point{X: pageW - margin, Y: margin - 4}, fmt.Sprintf("%s · page %d", d.footer, d.pages))
	d.y = d.content().Max.Y
}

// room starts a new page unless h fits below the current line.
func (d *pdfDoc) room(h vg.Length) {
	if d.y-h < d.content().Min.Y && d.y < d.content().Max.Y {
		d.startPage()
	}
}

// para writes s wrapped to the content width, indented by indent.
func (d *pdfDoc) para(sty text.Style, s string, indent vg.Length) {
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	lh := sty.Height("Xg") * 1.25
	for _, line := range wrap(sty, s, d.content().Size().X-indent) {
		d.room(lh)
		d.dc.FillText(sty, vg.Point{X: margin + indent, Y: d.y}, line)
		d.y -= lh
	}
}

func (d *pdfDoc) space(h vg.Length) { d.y -= h }

// table writes rows with the first column left-aligned and the others
// right-aligned; the header row may hold two lines separated by "\n". The
// font shrinks until the table fits the content width.
func (d *pdfDoc) table(header []string, rows [][]string) {
	size := vg.Length(10)
	var widths []vg.Length
	gap := vg.Points(14)
	for ; size > 6; size -= 0.5 {
		sty := textStyle(bodyFont, size, inkColor)
		widths = make([]vg.Length, len(header))
		for i, h := range header {
			for _, l := range strings.Split(h, "\n") {
				widths[i] = max(widths[i], sty.Width(l))
			}
			for _, r := range rows {
				widths[i] = max(widths[i], sty.Width(r[i]))
			}
		}
		var total vg.Length
		for _, w := range widths {
			total += w + gap
		}
		if total-gap <= d.content().Size().X {
			break
		}
	}
	body := textStyle(bodyFont, size, inkColor)
	head := textStyle(titleFont, size, inkColor)
	lh := body.Height("Xg") * 1.35
	// A table longer than a page goes on in pieces, each with its header.
	// The first piece fills what is left of this page when that holds a
	// few rows.
	if per := int(d.content().Size().Y/lh) - 4; per > 0 && len(rows) > per {
		first := int((d.y-d.content().Min.Y)/lh) - 4
		if first < 5 {
			first = per
		}
		d.table(header, rows[:first])
		for i := first; i < len(rows); i += per {
			d.table(header, rows[i:min(i+per, len(rows))])
		}
		return
	}
	// A table that fits a page but not what is left of this one is split
	// when this page still holds a good part of it, rather than leaving
	// the page empty below its heading.
	if left := int((d.y-d.content().Min.Y)/lh) - 4; len(rows) > left && left >= 8 && d.y < d.content().Max.Y {
		d.table(header, rows[:left])
		d.table(header, rows[left:])
		return
	}
	d.room(lh * vg.Length(len(rows)+3))
	cell := func(sty text.Style, i int, s string, y vg.Length) {
		x := margin
		for k := 0; k < i; k++ {
			x += widths[k] + gap
		}
		sty.YAlign = draw.YTop
		if i > 0 {
			sty.XAlign = draw.XRight
			x += widths[i]
		}
		d.dc.FillText(sty, vg.Point{X: x, Y: y}, s)
	}
	for line := 0; line < 2; line++ {
		for i, h := range header {
			parts := strings.Split(h, "\n")
			// Bottom-align two-line and one-line headers.
			if k := line - (2 - len(parts)); k >= 0 && k < len(parts) {
				cell(head, i, parts[k], d.y)
			}
		}
		d.y -= lh
	}
	var total vg.Length
	for _, w := range widths {
		total += w + gap
	}
	d.dc.StrokeLine2(draw.LineStyle{Color: mutedColor, Width: 0.6}, margin, d.y+lh*0.15, margin+total-gap, d.y+lh*0.15)
	for _, r := range rows {
		for i, s := range r {
			cell(body, i, s, d.y)
		}
		d.y -= lh
	}
}

// charts draws up to two charts on a page of their own, one above the other.
func (d *pdfDoc) charts(cs ...*Chart) {
	if d.y < d.content().Max.Y {
		d.startPage()
	}
	r := d.content()
	h := r.Size().Y / vg.Length(len(cs))
	for i, c := range cs {
		top := r.Max.Y - vg.Length(i)*h
		dc := draw.Canvas{Canvas: d.c, Rectangle: vg.Rectangle{Min: vg.Point{X: r.Min.X, Y: top - h + 6}, Max: vg.Point{X: r.Max.X, Y: top}}}
		c.Draw(dc)
	}
	d.y = r.Min.Y
}

// kpisPerTable are the KPI columns of one table in the PDF: more would
// shrink the type below legibility.
const kpisPerTable = 5

// kpiTables writes a table of rows whose first columns are lead (the
// cells leads[i]) and whose others are KPIs (cells[i], one per KPI): in
// tables of at most kpisPerTable KPI columns, each repeating lead, and of
// at most perPiece rows (0: any), a new page before each further piece of
// rows.
func (d *pdfDoc) kpiTables(lead []string, leads [][]string, kpis []KPI, cells [][]string, perPiece int) {
	if perPiece <= 0 {
		perPiece = max(len(leads), 1)
	}
	for lo := 0; lo < len(leads); lo += perPiece {
		if lo > 0 {
			d.startPage()
		}
		hi := min(lo+perPiece, len(leads))
		for g := 0; g < len(kpis); g += kpisPerTable {
			if g > 0 {
				d.space(8)
			}
			ge := min(g+kpisPerTable, len(kpis))
			header := slices.Clone(lead)
			for _, k := range kpis[g:ge] {
				header = append(header, tableHeader(k))
			}
			var rows [][]string
			for i := lo; i < hi; i++ {
				rows = append(rows, append(slices.Clone(leads[i]), cells[i][g:ge]...))
			}
			d.table(header, rows)
		}
	}
}

// writeDefinitions writes what each figure is, one line each.
func (d *pdfDoc) writeDefinitions(kpis []KPI) {
	d.para(textStyle(captionFont, 9, mutedColor), "The figures (models/ODD.md, Metrics; run_totals has each as a column of its name):", 0)
	for i, s := range Definitions(kpis) {
		d.para(textStyle(captionFont, 9, mutedColor), kpis[i].Column+": "+s, 12)
	}
}

// WritePDF writes the report as a multi-page A4 PDF and returns its
// number of pages.
func (r *Report) WritePDF(w io.Writer) (int, error) {
	if r.Sweep != nil {
		return r.writeSweepPDF(w)
	}
	runs := r.Runs
	batch := runs.BatchID
	if batch == "" {
		batch = "several batches"
	}
	d := newPDFDoc(fmt.Sprintf("msgmon report · %s · batch %s", runs.Scenario, batch))

	// Title page: the scenario and the key numbers.
	r.writeFront(d, "Monetization comparison: "+runs.Scenario)
	facts := textStyle(bodyFont, 11, inkColor)
	d.para(facts, fmt.Sprintf("%d replicates per arm; arms: %s.", runs.Replicates, strings.Join(runs.Arms, ", ")), 0)
	d.para(facts, fmt.Sprintf("Batch %s: %d runs (ids %s) in %s.", batch, len(runs.Runs), runRanges(runs.IDs()), r.dbPath), 0)
	d.space(14)
	d.para(textStyle(titleFont, 13, inkColor), "Headline figures over the run (mean ± 95 % confidence interval over replicates)", 0)
	d.space(4)
	c := r.Comparison
	var leads, cells [][]string
	for _, row := range c.Rows {
		leads = append(leads, []string{row.Arm, strconv.Itoa(row.Replicates)})
		var v []string
		for i, k := range c.KPIs {
			v = append(v, fmtEst(row.KPI[i], k.Digits))
		}
		cells = append(cells, v)
	}
	d.kpiTables([]string{"arm", "runs"}, leads, c.KPIs, cells, 0)
	if len(c.Rows) > 1 {
		d.space(14)
		d.room(vg.Points(100)) // the heading with the first rows of its table
		d.para(textStyle(titleFont, 13, inkColor), "What each arm changes against "+c.Baseline+": the paired difference, replicate by replicate (same population and random numbers)", 0)
		d.space(4)
		leads, cells = nil, nil
		for _, row := range c.Rows {
			if row.Diff == nil {
				continue
			}
			leads = append(leads, []string{row.Arm, row.Change.Short()})
			var v []string
			for i, k := range c.KPIs {
				v = append(v, Signed(row.Diff[i], k.Digits))
			}
			cells = append(cells, v)
		}
		d.kpiTables([]string{"arm", "against " + c.Baseline}, leads, c.KPIs, cells, 0)
		d.space(4)
		for _, row := range c.Rows {
			if s := c.Sentence(row); s != "" {
				d.para(textStyle(bodyFont, 9.5, inkColor), s+".", 0)
			}
		}
		d.space(4)
		d.para(textStyle(captionFont, 9, mutedColor), "An arm that adds models to "+c.Baseline+" runs its models too, so its difference is what the added models do; "+
			"an arm with other models instead (a stand-alone arm) shows the difference of one platform to the other. "+
			"* the interval excludes zero: the difference is unlikely to be chance.", 0)
	}
	d.space(4)
	d.writeDefinitions(c.KPIs)
	r.writeMarkets(d)

	// The charts: the over-time charts two to a page, then one per page
	// for the summaries and the business outcomes.
	for i := 0; i+1 < len(TimeMetrics); i += 2 {
		d.charts(r.Charts[i], r.Charts[i+1])
	}
	d.charts(r.Chart("kpis"))
	d.charts(r.Chart("revenue-vs-churn"))
	d.charts(r.Chart("follower-change"))
	d.charts(r.Chart("return-on-spend"))

	r.writeModelsAndProvenance(d)
	if _, err := d.c.WriteTo(w); err != nil {
		return 0, err
	}
	return d.pages, nil
}

// writeModelsAndProvenance writes the last page: each arm's models, and
// where every number came from.
func (r *Report) writeModelsAndProvenance(d *pdfDoc) {
	runs := r.Runs
	batch := runs.BatchID
	if batch == "" {
		batch = "several batches"
	}
	d.startPage()
	d.para(textStyle(titleFont, 16, inkColor), "The arms and their models", 0)
	d.space(4)
	for _, arm := range runs.Arms {
		models := ""
		for _, run := range runs.Runs {
			if run.Arm == arm {
				models = run.Models
				break
			}
		}
		names := strings.Split(models, ",")
		var defs []string
		for _, m := range names {
			s := r.opts.Summaries[m]
			if s == "" {
				s = "(no summary)"
			}
			if len(names) > 1 || m != arm {
				s = m + ": " + s
			}
			defs = append(defs, s)
		}
		d.para(textStyle(titleFont, 10.5, inkColor), arm, 0)
		var rows []ArmRow
		if r.Comparison != nil { // a sweep report has no comparison table
			rows = r.Comparison.Rows
		}
		for _, row := range rows {
			if row.Arm != arm {
				continue
			}
			what := "The baseline"
			if row.Arm != r.Comparison.Baseline {
				what = "Against the baseline: " + row.Change.Relative(r.Comparison.Baseline)
			}
			d.para(textStyle(bodyFont, 10.5, inkColor), what+"; "+row.Window.String()+".", 14)
		}
		d.para(textStyle(bodyFont, 10.5, inkColor), strings.Join(defs, "; ")+".", 14)
		d.space(2)
	}
	d.space(10)
	d.para(textStyle(titleFont, 16, inkColor), "Provenance", 0)
	d.space(4)
	body := textStyle(bodyFont, 10, inkColor)
	var versions []string
	for _, run := range runs.Runs {
		addUnique(&versions, run.Version)
	}
	d.para(body, "Report made by msgmon "+r.opts.Version+"; runs made by msgmon "+strings.Join(versions, ", ")+".", 0)
	d.para(body, "Database: "+r.dbPath, 0)
	d.para(body, "Batch: "+batch+"; scenario "+runs.Scenario+", hash "+runs.ScenarioHash, 0)
	d.para(body, "Run ids: "+runRanges(runs.IDs()), 0)
	var first, last string
	for _, run := range runs.Runs {
		if !run.Started.IsZero() && (first == "" || run.Started.UTC().Format("2006-01-02 15:04:05") < first) {
			first = run.Started.UTC().Format("2006-01-02 15:04:05")
		}
		if !run.Finished.IsZero() && run.Finished.UTC().Format("2006-01-02 15:04:05") > last {
			last = run.Finished.UTC().Format("2006-01-02 15:04:05")
		}
	}
	if first != "" {
		d.para(body, "Runs started "+first+" UTC, last finished "+last+" UTC.", 0)
	}
	d.para(body, "Seeds per replicate (every arm of a replicate shares its seed and population):", 0)
	type repSeed struct {
		rep  int
		seed uint64
	}
	var seeds []repSeed
	for _, run := range runs.Runs {
		if rs := (repSeed{run.Replicate, run.Seed}); !slices.Contains(seeds, rs) {
			seeds = append(seeds, rs)
		}
	}
	slices.SortFunc(seeds, func(a, b repSeed) int { return a.rep - b.rep })
	var parts []string
	for _, s := range seeds {
		parts = append(parts, fmt.Sprintf("replicate %d: %d", s.rep, s.seed))
	}
	d.para(body, strings.Join(parts, "; ")+".", 14)
	d.space(6)
	d.para(textStyle(captionFont, 9, mutedColor), "Every number in this report comes from SQL over the database above; "+
		"re-run the queries with msgmon query, e.g. SELECT * FROM run_totals WHERE "+r.where()+".", 0)
}

// Population says what population the runs simulated, as stored with
// each run (so with any override of the scenario's, such as --users):
// ranges where the runs differ, as a sweep over the population's size.
func (r *Report) Population() string {
	runs := r.Runs
	span := func(lo, hi int) string {
		if lo == hi {
			return fmtNum(float64(hi), 0)
		}
		return fmtNum(float64(lo), 0) + " to " + fmtNum(float64(hi), 0)
	}
	upb := ""
	if runs.MinBusinesses == runs.Businesses && runs.MinUsers == runs.Users && runs.Businesses > 0 {
		upb = fmt.Sprintf(" (%s users per business)", fmtNum(float64(runs.Users)/float64(runs.Businesses), 1))
	}
	return fmt.Sprintf("Population simulated: %s users and %s businesses%s, for %s days.",
		span(runs.MinUsers, runs.Users), span(runs.MinBusinesses, runs.Businesses), upb, span(runs.MinDays, runs.Days))
}

// Description is the scenario's description for page 1. A description
// that gives numbers (a population, say) is quoted as the scenario's own
// words, since a run may override them; Population says what ran.
func (r *Report) Description() string {
	d := strings.TrimSpace(r.Runs.Description)
	if d == "" || !strings.ContainsAny(d, "0123456789") {
		return d
	}
	return "The scenario describes itself as: \u201c" + d + "\u201d (its own words; the population above is what ran)."
}

// writeFront writes the title, the population and the description.
func (r *Report) writeFront(d *pdfDoc, title string) {
	d.para(textStyle(titleFont, 22, inkColor), title, 0)
	d.space(4)
	d.para(textStyle(titleFont, 12, inkColor), r.Population(), 0)
	d.space(2)
	if desc := r.Description(); desc != "" {
		d.para(textStyle(bodyFont, 11, inkColor), desc, 0)
		d.space(4)
	}
}

func (r *Report) where() string {
	if r.Runs.BatchID != "" {
		return "batch_id = " + quote(r.Runs.BatchID)
	}
	return r.Runs.where()
}

// runRanges writes sorted ids as ranges: 1-4, 7, 9-10.
func runRanges(ids []int64) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ids[i], ids[j]))
		} else {
			parts = append(parts, strconv.FormatInt(ids[i], 10))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// ErrExists is returned when an output file exists and overwriting was
// not asked for.
var ErrExists = errors.New("exists")

// Save writes the PDF to pdfPath (if not "") and every chart as a PNG into
// pngDir (if not ""), and returns the paths written. Existing files are
// refused unless force is set; each file is written whole or not at all.
func (r *Report) Save(pdfPath, pngDir string, force bool) ([]string, error) {
	var outs []output
	if pdfPath != "" {
		outs = append(outs, output{pdfPath, func(w io.Writer) error { _, err := r.WritePDF(w); return err }})
	}
	if pngDir != "" {
		for _, c := range r.Charts {
			outs = append(outs, output{filepath.Join(pngDir, c.Name+".png"), func(w io.Writer) error { return WritePNG(w, c) }})
		}
	}
	return saveAll(outs, force, "choose another path")
}

// output is one file to write: its path and what goes in it.
type output struct {
	path  string
	write func(io.Writer) error
}

// saveAll writes every output whole or not at all, after refusing, unless
// force is set, if any of them exists (nothing is written then); hint says
// what to do instead. It returns the paths written.
func saveAll(outs []output, force bool, hint string) ([]string, error) {
	if !force {
		for _, o := range outs {
			if _, err := os.Stat(o.path); err == nil {
				return nil, fmt.Errorf("reports: %s %w; %s or overwrite it with --force", o.path, ErrExists, hint)
			}
		}
	}
	var paths []string
	for _, o := range outs {
		if err := WriteFile(o.path, o.write); err != nil {
			return paths, err
		}
		paths = append(paths, o.path)
	}
	return paths, nil
}
