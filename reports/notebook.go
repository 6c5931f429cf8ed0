package reports

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gopkg.in/yaml.v3"

	"github.com/msgmon/msgmon/datasets/store"
)

// A Notebook is an analyst's Markdown file whose fenced code blocks run:
//
//   - a block tagged sql runs on the results database; the cells share one
//     session, so a cell may create a TEMP view or macro later cells use;
//   - a block tagged chart plots the result of the nearest sql cell above
//     it; its body names the columns (see ChartSpec);
//   - everything else is prose or a plain code block, kept as written.
//
// The SQL is plain DuckDB SQL, so the same cells run in the DuckDB CLI or
// from Python against the same file.
type Notebook struct {
	Path  string // as given; used in error messages and output names
	Title string // the first level-1 heading, or the file's stem
	Cells []*Cell
}

// CellKind says what a cell is.
type CellKind int

const (
	Prose CellKind = iota // Markdown text between code blocks
	Code                  // a fenced block that does not run
	SQL                   // a fenced block tagged sql
	Plot                  // a fenced block tagged chart
)

// A Cell is one part of a notebook.
type Cell struct {
	Kind CellKind
	// Line is the 1-based line of the cell's first body line in the file;
	// for a fenced block, the line after its opening fence.
	Line int
	// Fence and Close are the opening and closing fence lines of a code
	// block, as written.
	Fence, Close string
	// Info is the fence's info string (e.g. "sql" or "sql rows=10").
	Info string
	// ShowRows is how many result rows a rendering shows: MaxNotebookRows
	// unless the info string says rows=N (0 hides the table).
	ShowRows int
	Text     string // the body, without fences

	// Results, set by Run.
	Table     *store.Table // for SQL cells that return rows
	Statement bool         // an SQL cell whose last statement returns no rows (CREATE, SET, ...)
	Chart     *Chart       // for chart cells
	Spec      *ChartSpec   // for chart cells
	Elapsed   time.Duration
}

// CellError is a cell that failed: its file and line and what went wrong.
type CellError struct {
	Path string
	Line int
	Err  error
}

func (e *CellError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }
func (e *CellError) Unwrap() error { return e.Err }

// ParseNotebook splits a Markdown notebook into cells. Fences follow
// CommonMark: three or more backticks or tildes, indented at most three
// spaces, closed by a fence of the same character at least as long.
func ParseNotebook(path string, src []byte) (*Notebook, error) {
	nb := &Notebook{Path: path}
	lines := strings.SplitAfter(string(src), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	var prose strings.Builder
	proseLine := 1
	flush := func(next int) {
		if strings.TrimSpace(prose.String()) != "" {
			nb.Cells = append(nb.Cells, &Cell{Kind: Prose, Line: proseLine, Text: prose.String()})
		}
		prose.Reset()
		proseLine = next
	}
	for i := 0; i < len(lines); i++ {
		ch, n, info, ok := openFence(lines[i])
		if !ok {
			prose.WriteString(lines[i])
			if nb.Title == "" {
				if t, ok := strings.CutPrefix(strings.TrimRight(lines[i], "\r\n"), "# "); ok {
					nb.Title = strings.TrimSpace(t)
				}
			}
			continue
		}
		flush(i + 1)
		start := i
		var body strings.Builder
		closed := false
		for i++; i < len(lines); i++ {
			if closeFence(lines[i], ch, n) {
				closed = true
				break
			}
			body.WriteString(lines[i])
		}
		if !closed {
			return nil, &CellError{Path: path, Line: start + 1,
				Err: fmt.Errorf("code block opened with %s is never closed; add a line %s after it",
					strings.TrimSpace(lines[start]), strings.Repeat(string(ch), n))}
		}
		c := &Cell{Kind: Code, Line: start + 2, Fence: strings.TrimRight(lines[start], "\r\n"),
			Close: strings.TrimRight(lines[i], "\r\n"), Info: info, Text: body.String()}
		switch strings.ToLower(strings.Fields(info + " x")[0]) {
		case "sql":
			c.Kind = SQL
			c.ShowRows = MaxNotebookRows
			for _, f := range strings.Fields(info)[1:] {
				v, ok := strings.CutPrefix(f, "rows=")
				n, err := strconv.Atoi(v)
				if !ok || err != nil || n < 0 {
					return nil, &CellError{Path: path, Line: start + 1,
						Err: fmt.Errorf("sql cell option %q: the one option is rows=N (rows shown, 0 to hide the table)", f)}
				}
				c.ShowRows = n
			}
		case "chart":
			c.Kind = Plot
		}
		nb.Cells = append(nb.Cells, c)
		proseLine = i + 2
	}
	flush(len(lines) + 1)
	if nb.Title == "" {
		nb.Title = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return nb, nil
}

func openFence(line string) (ch byte, n int, info string, ok bool) {
	s := strings.TrimRight(line, "\r\n")
	indent := len(s) - len(strings.TrimLeft(s, " "))
	if indent > 3 {
		return 0, 0, "", false
	}
	s = s[indent:]
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return 0, 0, "", false
	}
	ch = s[0]
	for n < len(s) && s[n] == ch {
		n++
	}
	if n < 3 {
		return 0, 0, "", false
	}
	info = strings.TrimSpace(s[n:])
	if ch == '`' && strings.Contains(info, "`") {
		return 0, 0, "", false
	}
	return ch, n, info, true
}

func closeFence(line string, ch byte, n int) bool {
	s := strings.TrimRight(line, "\r\n")
	indent := len(s) - len(strings.TrimLeft(s, " "))
	if indent > 3 {
		return false
	}
	s = strings.TrimRight(s[indent:], " \t")
	if len(s) < n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != ch {
			return false
		}
	}
	return true
}

// Querier runs SQL, keeping at most limit rows of the result (all of them
// for limit < 0) and saying whether there were more (Table.More); a
// store.Session is one.
type Querier interface {
	QueryLimit(ctx context.Context, query string, limit int) (*store.Table, error)
}

// RunOptions tune Run.
type RunOptions struct {
	// RequireRows makes a query cell that returns no rows an error: a
	// notebook checked in CI should have something to show in every cell.
	RequireRows bool
}

// Run executes the notebook's cells in order on q and keeps their results.
// It stops at the first cell that fails, with a CellError giving the
// cell's line (or, where DuckDB names one, the failing line itself).
//
// A query cell keeps the rows it shows (ShowRows) and reads no further,
// unless a chart cell below may plot its result: then it keeps them all.
func (nb *Notebook) Run(ctx context.Context, q Querier, opts RunOptions) error {
	var last *Cell
	charts := 0
	for k, c := range nb.Cells {
		switch c.Kind {
		case SQL:
			if strings.TrimSpace(stripSQLComments(c.Text)) == "" {
				return &CellError{nb.Path, c.Line, fmt.Errorf("the sql cell is empty; write a query or tag the block as text")}
			}
			limit := c.ShowRows
			if nb.plotted(k) {
				limit = -1
			}
			t0 := time.Now()
			t, err := q.QueryLimit(ctx, c.Text, limit)
			c.Elapsed = time.Since(t0)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return &CellError{nb.Path, c.Line + sqlErrorLine(err.Error()), fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "store: "))}
			}
			if isStatementResult(c.Text, t) {
				c.Statement = true
			} else {
				c.Table = t
				if opts.RequireRows && len(t.Rows) == 0 && !t.More {
					return &CellError{nb.Path, c.Line, fmt.Errorf("the query returned no rows (is the database empty, or does a filter match nothing?)")}
				}
				last = c
			}
		case Plot:
			spec, err := parseChartSpec(c.Text, c.Line)
			if err != nil {
				var ce *CellError
				if errors.As(err, &ce) {
					ce.Path = nb.Path
					return ce
				}
				return &CellError{nb.Path, c.Line, err}
			}
			c.Spec = spec
			if last == nil {
				return &CellError{nb.Path, c.Line, fmt.Errorf("a chart cell plots the result of the sql cell above it, and there is none")}
			}
			charts++
			name := fmt.Sprintf("%s-chart-%02d", safeStem(nb.Path), charts)
			ch, err := spec.Build(name, last.Table)
			if err != nil {
				return &CellError{nb.Path, spec.lineOf(err), err}
			}
			c.Chart = ch
		}
	}
	return nil
}

// plotted reports whether a chart cell may plot the result of cell k: one
// comes after it before the next sql cell that is a query (a chart plots
// the nearest query above it; a statement such as CREATE VIEW between
// does not count).
func (nb *Notebook) plotted(k int) bool {
	for _, c := range nb.Cells[k+1:] {
		switch c.Kind {
		case Plot:
			return true
		case SQL:
			if isQuery(c.Text) {
				return false
			}
		}
	}
	return false
}

var lineRe = regexp.MustCompile(`(?m)^LINE (\d+):`)

// sqlErrorLine is the offset into the cell of the line DuckDB's message
// points at ("LINE 3: ..."), or 0.
func sqlErrorLine(msg string) int {
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0
	}
	return n - 1
}

// stripSQLComments removes -- and /* */ comments, for deciding whether a
// cell has anything to run and what its last statement is. Quoted text is
// kept as is.
func stripSQLComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'' || s[i] == '"':
			q := s[i]
			j := i + 1
			for j < len(s) && s[j] != q {
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 3
			}
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// lastStatement is the last non-empty ;-separated statement of s, with
// comments removed. Semicolons inside quotes do not split.
func lastStatement(s string) string {
	s = stripSQLComments(s)
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
			}
		case ';':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.TrimSpace(parts[i]); p != "" {
			return p
		}
	}
	return ""
}

// isStatementResult tells a statement that returns nothing (CREATE VIEW,
// SET, ...) from a query: go-duckdb answers the former with one "Count"
// column and no rows.
func isStatementResult(sql string, t *store.Table) bool {
	if len(t.Rows) != 0 || t.More || len(t.Columns) != 1 || t.Columns[0] != "Count" {
		return false
	}
	return !isQuery(sql)
}

// isQuery reports whether the last statement of sql is a query (SELECT,
// WITH, FROM, ...) by its first word.
func isQuery(sql string) bool {
	kw := strings.ToUpper(strings.Fields(lastStatement(sql) + " x")[0])
	kw = strings.TrimLeft(kw, "(")
	switch kw {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT", "SUMMARIZE", "DESCRIBE", "SHOW", "EXPLAIN":
		return true
	}
	return false
}

var unsafeStem = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeStem(path string) string {
	s := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s = strings.Trim(unsafeStem.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "notebook"
	}
	return s
}

// ChartSpec is the body of a chart cell, in YAML:
//
//	type: line          # line, bar or scatter
//	x: day              # the column on the x axis
//	y: [reach, churn]   # one column, or a list; each becomes a line or bar
//	series: arm         # optional: one line or bar per value of this column
//	title: Reach by day
//	xlabel: day
//	ylabel: users
//	caption: one line under the chart
//
// Line and scatter charts need a numeric x; a bar chart takes any x as
// categories, in the order the query returns them.
type ChartSpec struct {
	Type    string
	X       string
	Y       []string
	Series  string
	Title   string
	XLabel  string
	YLabel  string
	Caption string

	lines map[string]int // key -> line in the file
	first int
}

var chartKeys = []string{"type", "x", "y", "series", "title", "xlabel", "ylabel", "caption"}

func parseChartSpec(text string, line int) (*ChartSpec, error) {
	s := &ChartSpec{Type: "line", lines: map[string]int{}, first: line}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		msg := err.Error()
		if m := regexp.MustCompile(`^yaml: line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			return nil, &CellError{Line: line + n - 1, Err: fmt.Errorf("chart: %s", m[2])}
		}
		return nil, fmt.Errorf("chart: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("chart: empty; give at least x: and y: columns (keys: %s)", strings.Join(chartKeys, ", "))
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, &CellError{Line: line + m.Line - 1, Err: fmt.Errorf("chart: want key: value lines (keys: %s)", strings.Join(chartKeys, ", "))}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		at := line + k.Line - 1
		bad := func(format string, args ...any) error {
			return &CellError{Line: at, Err: fmt.Errorf("chart: %s: "+format, append([]any{k.Value}, args...)...)}
		}
		if _, dup := s.lines[k.Value]; dup {
			return nil, bad("given twice")
		}
		s.lines[k.Value] = at
		if k.Value == "y" && v.Kind == yaml.SequenceNode {
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode || e.Value == "" {
					return nil, bad("want column names")
				}
				s.Y = append(s.Y, e.Value)
			}
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return nil, bad("want a single value")
		}
		switch k.Value {
		case "type":
			switch v.Value {
			case "line", "bar", "scatter":
				s.Type = v.Value
			default:
				return nil, bad("must be line, bar or scatter, got %q", v.Value)
			}
		case "x":
			s.X = v.Value
		case "y":
			s.Y = []string{v.Value}
		case "series":
			s.Series = v.Value
		case "title":
			s.Title = v.Value
		case "xlabel":
			s.XLabel = v.Value
		case "ylabel":
			s.YLabel = v.Value
		case "caption":
			s.Caption = v.Value
		default:
			return nil, bad("unknown key; the keys are %s", strings.Join(chartKeys, ", "))
		}
	}
	if s.X == "" {
		return nil, fmt.Errorf("chart: x: missing; name the column for the x axis")
	}
	if len(s.Y) == 0 {
		return nil, fmt.Errorf("chart: y: missing; name one column or a list of columns to plot")
	}
	return s, nil
}

// specError is an error about one key of a chart spec.
type specError struct {
	key string
	err error
}

func (e *specError) Error() string { return e.err.Error() }

func (s *ChartSpec) lineOf(err error) int {
	if se, ok := err.(*specError); ok {
		if l, ok := s.lines[se.key]; ok {
			return l
		}
	}
	return s.first
}

func columnIndex(t *store.Table, key, name string) (int, error) {
	for i, c := range t.Columns {
		if c == name {
			return i, nil
		}
	}
	return 0, &specError{key, fmt.Errorf("chart: %s: no column %q in the result above; it has %s", key, name, strings.Join(t.Columns, ", "))}
}

// number converts a table value to float64; ok is false for NULL and
// non-numbers.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case store.Decimal:
		return x.Float64(), true
	}
	return 0, false
}

// Build draws the chart of t as the spec says.
func (s *ChartSpec) Build(name string, t *store.Table) (*Chart, error) {
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("chart: the result above has no rows to plot")
	}
	xi, err := columnIndex(t, "x", s.X)
	if err != nil {
		return nil, err
	}
	yi := make([]int, len(s.Y))
	for j, y := range s.Y {
		if yi[j], err = columnIndex(t, "y", y); err != nil {
			return nil, err
		}
	}
	si := -1
	if s.Series != "" {
		if si, err = columnIndex(t, "series", s.Series); err != nil {
			return nil, err
		}
	}
	// Group rows by series value, in order of first appearance.
	var groups []string
	rowsOf := map[string][]int{}
	for r, row := range t.Rows {
		g := ""
		if si >= 0 {
			g = store.CellString(row[si])
			if row[si] == nil {
				g = "NULL"
			}
		}
		if _, ok := rowsOf[g]; !ok {
			groups = append(groups, g)
		}
		rowsOf[g] = append(rowsOf[g], r)
	}
	for _, j := range yi {
		for _, row := range t.Rows {
			if _, ok := number(row[j]); !ok && row[j] != nil {
				return nil, &specError{"y", fmt.Errorf("chart: y: column %q holds %T values, not numbers", t.Columns[j], row[j])}
			}
		}
	}
	label := func(g string, j int) string {
		switch {
		case si < 0:
			return t.Columns[j]
		case len(yi) == 1:
			return g
		default:
			return g + ": " + t.Columns[j]
		}
	}
	ylabel := s.YLabel
	if ylabel == "" && len(yi) == 1 {
		ylabel = t.Columns[yi[0]]
	}
	xlabel := s.XLabel
	if xlabel == "" {
		xlabel = s.X
	}
	p := newPlot(xlabel, ylabel)
	leg := newLegend()
	k := 0
	switch s.Type {
	case "line", "scatter":
		for _, row := range t.Rows {
			if _, ok := number(row[xi]); !ok {
				return nil, &specError{"x", fmt.Errorf("chart: x: a %s chart needs a numeric x, but column %q holds %s; use type: bar for categories", s.Type, s.X, describe(row[xi]))}
			}
		}
		for _, g := range groups {
			for _, j := range yi {
				var pts plotter.XYs
				for _, r := range rowsOf[g] {
					x, _ := number(t.Rows[r][xi])
					y, ok := number(t.Rows[r][j])
					if ok {
						pts = append(pts, plotter.XY{X: x, Y: y})
					}
				}
				if s.Type == "line" {
					l, err := plotter.NewLine(pts)
					if err != nil {
						return nil, err
					}
					l.Color, l.Dashes, l.Width = armColor(k), armDashes(k), vg.Points(1.5)
					p.Add(l)
					addLegend(leg, label(g, j), l)
				} else {
					sc, err := plotter.NewScatter(pts)
					if err != nil {
						return nil, err
					}
					sc.Color, sc.Shape, sc.Radius = armColor(k), glyph(k), vg.Points(3)
					p.Add(sc)
					addLegend(leg, label(g, j), sc)
				}
				k++
			}
		}
	case "bar":
		var cats []string
		catIdx := map[string]int{}
		for _, row := range t.Rows {
			c := store.CellString(row[xi])
			if _, ok := catIdx[c]; !ok {
				catIdx[c] = len(cats)
				cats = append(cats, c)
			}
		}
		nbars := len(groups) * len(yi)
		// The plot area of a 10-inch chart is about 480 points wide once
		// the axis and legend are drawn; bars fill 80 % of each category.
		w := vg.Points(min(40, max(2, 0.8*480/float64(len(cats)*nbars))))
		for _, g := range groups {
			for _, j := range yi {
				vals := make(plotter.Values, len(cats))
				for _, r := range rowsOf[g] {
					if y, ok := number(t.Rows[r][j]); ok {
						vals[catIdx[store.CellString(t.Rows[r][xi])]] += y
					}
				}
				b, err := plotter.NewBarChart(vals, w)
				if err != nil {
					return nil, err
				}
				b.Color, b.LineStyle.Width = armColor(k), 0
				b.Offset = w * vg.Length(float64(k)-float64(nbars-1)/2)
				p.Add(b)
				addLegend(leg, label(g, j), b)
				k++
			}
		}
		p.NominalX(cats...)
		p.X.Min, p.X.Max = -0.5, float64(len(cats))-0.5
		p.Y.Max += 0.04 * (p.Y.Max - p.Y.Min)
	}
	title := s.Title
	if title == "" {
		title = strings.Join(s.Y, ", ") + " by " + s.X
	}
	c := &Chart{Name: name, Title: title, Caption: s.Caption, Grid: [][]*plot.Plot{{p}}}
	if k > 1 {
		c.Legend = leg
	}
	return c, nil
}

func glyph(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}
	return shapes[i%len(shapes)]
}

func describe(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprintf("%T values such as %q", v, store.CellString(v))
}
