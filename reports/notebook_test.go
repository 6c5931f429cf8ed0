package reports_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
)

// emptyDB is a results database with the schema and no runs: notebook
// tests bring their own rows with VALUES.
func emptyDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "nb.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// runNotebook parses src and runs it on a fresh session of db.
func runNotebook(t *testing.T, db *store.DB, src string, opts reports.RunOptions) (*reports.Notebook, error) {
	t.Helper()
	nb, err := reports.ParseNotebook("nb.md", []byte(src))
	if err != nil {
		return nil, err
	}
	s, err := db.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return nb, nb.Run(context.Background(), s, opts)
}

const fence = "```"

// nb builds a notebook from lines, with ``` written as ”' for readability.
func nb(lines ...string) string {
	return strings.ReplaceAll(strings.Join(lines, "\n")+"\n", "'''", fence)
}

var orderedNotebook = nb(
	"# Ordered",
	"",
	"'''sql",
	"CREATE OR REPLACE TEMP VIEW v AS",
	"SELECT * FROM (VALUES (1, 'a', 2.5), (2, 'b', 3.5), (3, 'a', 4.0)) t(x, g, y);",
	"'''",
	"",
	"Rows of the view:",
	"",
	"'''sql",
	"SELECT x, g, y FROM v ORDER BY x",
	"'''",
	"",
	"'''chart",
	"type: line",
	"x: x",
	"y: y",
	"series: g",
	"'''",
	"",
	"'''sql",
	"-- a view built on the first cell's view",
	"CREATE OR REPLACE TEMP VIEW w AS SELECT sum(y) AS s FROM v;",
	"SELECT s FROM w",
	"'''",
)

func TestNotebookRunsCellsInOrderSharingViews(t *testing.T) {
	db := emptyDB(t)
	n, err := runNotebook(t, db, orderedNotebook, reports.RunOptions{RequireRows: true})
	if err != nil {
		t.Fatal(err)
	}
	if n.Title != "Ordered" {
		t.Errorf("title %q, want Ordered", n.Title)
	}
	var kinds []reports.CellKind
	for _, c := range n.Cells {
		kinds = append(kinds, c.Kind)
	}
	want := []reports.CellKind{reports.Prose, reports.SQL, reports.Prose, reports.SQL, reports.Plot, reports.SQL}
	if len(kinds) != len(want) {
		t.Fatalf("cells %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("cells %v, want %v", kinds, want)
		}
	}
	if c := n.Cells[1]; !c.Statement || c.Table != nil || c.Line != 4 {
		t.Errorf("first sql cell: statement %v, table %v, line %d; want a statement at line 4", c.Statement, c.Table, c.Line)
	}
	tb := n.Cells[3].Table
	if tb == nil || len(tb.Rows) != 3 || tb.Rows[2][0] != int32(3) || tb.Rows[1][1] != "b" {
		t.Fatalf("second sql cell: %+v", tb)
	}
	if ch := n.Cells[4].Chart; ch == nil || ch.Legend == nil {
		t.Errorf("chart cell: %+v; want a chart with a legend for the two series", ch)
	}
	last := n.Cells[5].Table
	if last == nil || len(last.Rows) != 1 {
		t.Fatalf("last cell: %+v", last)
	}
	if s, ok := last.Rows[0][0].(store.Decimal); !ok || s.String() != "10.0" {
		t.Errorf("sum over the shared view = %v (%T), want 10.0", last.Rows[0][0], last.Rows[0][0])
	}

	// The same cells in the other order fail at the cell that needs the
	// view, on its line.
	reordered := nb(
		"'''sql",
		"SELECT s FROM w",
		"'''",
		"'''sql",
		"CREATE OR REPLACE TEMP VIEW w AS SELECT 1 AS s",
		"'''",
	)
	_, err = runNotebook(t, db, reordered, reports.RunOptions{})
	var ce *reports.CellError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "w") {
		t.Errorf("view used before it is made: %v; want an error at nb.md:2", err)
	}

	// Views live in the notebook's session only: a second notebook on a
	// new session does not see them.
	_, err = runNotebook(t, db, nb("'''sql", "SELECT * FROM v", "'''"), reports.RunOptions{})
	if err == nil {
		t.Error("a temporary view leaked from one notebook's session into the next")
	}
}

func TestNotebookBrokenCellNamesFileLineAndDuckDBMessage(t *testing.T) {
	db := emptyDB(t)
	src := nb(
		"# Broken",         // 1
		"",                 // 2
		"'''sql",           // 3
		"SELECT 1 AS ok",   // 4
		"'''",              // 5
		"",                 // 6
		"'''sql",           // 7
		"SELECT",           // 8
		"  run_id,",        // 9
		"  no_such_column", // 10
		"FROM runs",        // 11
		"'''",
		"'''sql",
		"SELECT 'never run'",
		"'''",
	)
	n, err := runNotebook(t, db, src, reports.RunOptions{})
	if err == nil {
		t.Fatal("a broken cell ran")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "nb.md:10: ") || !strings.Contains(msg, "Binder Error") || !strings.Contains(msg, "no_such_column") {
		t.Errorf("error %q; want it to start with nb.md:10: and carry DuckDB's Binder Error naming the column", msg)
	}
	if strings.Contains(msg, "store:") {
		t.Errorf("error %q carries an internal prefix", msg)
	}
	if n.Cells[len(n.Cells)-1].Table != nil {
		t.Error("a cell after the broken one ran")
	}

	// A syntax error without a line from DuckDB points at the cell.
	_, err = runNotebook(t, db, nb("text", "'''sql", "SELEC 1", "'''"), reports.RunOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "nb.md:3: ") {
		t.Errorf("syntax error: %v; want nb.md:3:", err)
	}
}

func TestNotebookRequireRows(t *testing.T) {
	db := emptyDB(t)
	src := nb("'''sql", "SELECT count(*) AS n FROM runs", "'''", "'''sql", "SELECT run_id FROM runs", "'''")
	if _, err := runNotebook(t, db, src, reports.RunOptions{}); err != nil {
		t.Errorf("without RequireRows an empty result is fine: %v", err)
	}
	_, err := runNotebook(t, db, src, reports.RunOptions{RequireRows: true})
	if err == nil || !strings.HasPrefix(err.Error(), "nb.md:5: ") || !strings.Contains(err.Error(), "no rows") {
		t.Errorf("empty result with RequireRows: %v; want nb.md:5: ... no rows", err)
	}
}

func TestNotebookParseErrors(t *testing.T) {
	for _, c := range []struct {
		src, want string
	}{
		{nb("# x", "", "'''sql", "SELECT 1"), `nb.md:3: code block opened with ` + fence + `sql is never closed`},
		{nb("'''sql rows=many", "SELECT 1", "'''"), `nb.md:1: sql cell option "rows=many"`},
		{nb("'''sql rows=-1", "SELECT 1", "'''"), `nb.md:1: sql cell option "rows=-1"`},
	} {
		_, err := reports.ParseNotebook("nb.md", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v; want %s", c.src, err, c.want)
		}
	}
	// A longer fence holds a shorter one, and tildes hold backticks: the
	// inner fences are text, not cells.
	four := fence + "`"
	n, err := reports.ParseNotebook("nb.md", []byte(strings.Join([]string{
		"~~~markdown", fence + "sql", "SELECT 1", fence, "~~~", four, fence + "sql", four}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Cells) != 2 || n.Cells[0].Kind != reports.Code || n.Cells[1].Kind != reports.Code {
		t.Errorf("nested fences: %d cells, want two plain code blocks", len(n.Cells))
	}
}

func TestNotebookChartErrors(t *testing.T) {
	db := emptyDB(t)
	query := []string{"'''sql", "SELECT * FROM (VALUES ('a', 1), ('b', 2)) t(name, n)", "'''"} // lines 1-3
	for _, c := range []struct {
		chart []string
		want  string
	}{
		{[]string{"x: name", "y: n", "colour: red"}, `nb.md:7: chart: colour: unknown key`},
		{[]string{"type: pie", "x: name", "y: n"}, `nb.md:5: chart: type: must be line, bar or scatter`},
		{[]string{"type: bar", "x: name", "y: [n, m]"}, `nb.md:7: chart: y: no column "m" in the result above; it has name, n`},
		{[]string{"x: name", "y: n"}, `nb.md:5: chart: x: a line chart needs a numeric x`},
		{[]string{"type: bar", "x: n", "y: name"}, `nb.md:7: chart: y: column "name" holds string values`},
		{[]string{"y: n"}, `nb.md:5: chart: x: missing`},
		{[]string{"x: n", "y: n", "x: n"}, `nb.md:7: chart: x: given twice`},
		{[]string{"x: [n"}, `nb.md:`},
	} {
		src := nb(append(append(append([]string{}, query...), "'''chart"), append(c.chart, "'''")...)...)
		_, err := runNotebook(t, db, src, reports.RunOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("chart %q: %v\nwant %s...", c.chart, err, c.want)
		}
	}
	_, err := runNotebook(t, db, nb("'''chart", "x: a", "y: b", "'''"), reports.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "no") || !strings.HasPrefix(err.Error(), "nb.md:2: ") {
		t.Errorf("chart with no sql cell above: %v", err)
	}
}

func TestNotebookRenderAndSave(t *testing.T) {
	db := emptyDB(t)
	src := strings.Replace(orderedNotebook, "'''sql\nSELECT x", "'''sql rows=2\nSELECT x", 1)
	src = strings.Replace(src, fence+"sql\nSELECT x", fence+"sql rows=2\nSELECT x", 1)
	n, err := runNotebook(t, db, src, reports.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := n.WriteMarkdown(&md, "nb_files", "meta line"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<!-- meta line -->",
		"# Ordered\n",
		"| x | g | y |\n|---:|---|---:|\n| 1 | a | 2.5 |\n| 2 | b | 3.5 |\n\n*3 rows, the first 2 shown*",
		"![y by x](nb_files/nb-chart-01.png)",
		"| s |\n|---:|\n| 10.0 |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var page bytes.Buffer
	if err := n.WriteHTML(&page, "meta line"); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	for _, want := range []string{"<title>Ordered</title>", "<h1>Ordered</h1>", `<td class="n">2.5</td>`, "<p class=\"meta\">meta line</p>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, "<td class=\"n\">4</td>") {
		t.Error("HTML shows a row beyond rows=2")
	}
	m := regexp.MustCompile(`src="data:image/png;base64,([A-Za-z0-9+/=]+)"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatal("HTML has no embedded PNG")
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != reports.PNGWidth || img.Bounds().Dy() != reports.PNGHeight {
		t.Errorf("embedded chart: %v, %v", err, img.Bounds())
	}
	if strings.Contains(h, "src=\"http") || strings.Contains(h, "<link") || strings.Contains(h, "<script") {
		t.Error("HTML is not self-contained")
	}

	dir := t.TempDir()
	paths, err := n.Save(dir, "m", false)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{filepath.Join(dir, "nb.html"), filepath.Join(dir, "nb.md"), filepath.Join(dir, "nb_files", "nb-chart-01.png")}
	if strings.Join(paths, " ") != strings.Join(wantPaths, " ") {
		t.Errorf("Save wrote %v, want %v", paths, wantPaths)
	}
	before, _ := os.ReadFile(wantPaths[1])
	if _, err := n.Save(dir, "other", false); !errors.Is(err, reports.ErrExists) {
		t.Errorf("second Save without force: %v, want ErrExists", err)
	}
	if after, _ := os.ReadFile(wantPaths[1]); !bytes.Equal(before, after) {
		t.Error("a refused Save changed a file")
	}
	if _, err := n.Save(dir, "other", true); err != nil {
		t.Errorf("Save with force: %v", err)
	}
}
