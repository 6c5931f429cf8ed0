package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/reports"
)

// TestNotebookReadsTheRowsItShows: a cell whose result no chart plots
// keeps only the rows it shows (of 300,000) and says there were more; a
// cell a chart plots keeps every row, and its count stays exact.
func TestNotebookReadsTheRowsItShows(t *testing.T) {
	db := emptyDB(t)
	n, err := runNotebook(t, db, nb(
		"# Big",
		"'''sql",
		"SELECT range AS i FROM range(300000)",
		"'''",
		"'''sql rows=0",
		"SELECT range AS i FROM range(10)",
		"'''",
		"'''sql rows=5",
		"SELECT range AS x, range * 2 AS y FROM range(300)",
		"'''",
		"'''chart",
		"x: x",
		"y: y",
		"'''",
	), reports.RunOptions{RequireRows: true})
	if err != nil {
		t.Fatal(err)
	}
	var cells []*reports.Cell
	for _, c := range n.Cells {
		if c.Kind == reports.SQL {
			cells = append(cells, c)
		}
	}
	for i, want := range []struct {
		rows int
		more bool
	}{{reports.MaxNotebookRows, true}, {0, true}, {300, false}} {
		if tb := cells[i].Table; len(tb.Rows) != want.rows || tb.More != want.more {
			t.Errorf("cell %d: %d rows kept, more %v; want %d, %v", i+1, len(tb.Rows), tb.More, want.rows, want.more)
		}
	}
	var md bytes.Buffer
	if err := n.WriteMarkdown(&md, "f", ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*more than 200 rows, the first 200 shown*", "*rows not shown*", "*300 rows, the first 5 shown*"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}
