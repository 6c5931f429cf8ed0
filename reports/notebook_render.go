package reports

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/msgmon/msgmon/datasets/store"
)

// MaxNotebookRows is how many rows of a result a rendered notebook shows;
// the rest are counted, not printed.
const MaxNotebookRows = 200

// notebookCell formats one result value for a rendered notebook: floats
// to six significant digits without exponents, the rest as the query
// command prints them.
func notebookCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		return shortFloat(x)
	case float32:
		return shortFloat(float64(x))
	}
	return store.CellString(v)
}

func shortFloat(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	d := 5 - int(math.Floor(math.Log10(math.Abs(x))))
	d = max(0, min(d, 8))
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// rowCount says how many rows a result has and how many are shown; a
// result read only as far as it is shown (Table.More) has "more than" them.
func rowCount(t *store.Table, shown int) string {
	n := len(t.Rows)
	switch {
	case t.More && n == 0:
		return "rows not shown"
	case t.More:
		return fmt.Sprintf("more than %d row%s, the first %d shown", n, map[bool]string{true: "", false: "s"}[n == 1], min(n, shown))
	}
	s := fmt.Sprintf("%d row%s", n, map[bool]string{true: "", false: "s"}[n == 1])
	switch {
	case shown == 0 && n > 0:
		s += ", not shown"
	case n > shown:
		s += fmt.Sprintf(", the first %d shown", shown)
	}
	return s
}

// WriteMarkdown writes the notebook as Markdown: the file as written, with
// each query's result as a table under its cell and each chart as an image
// link to figDir/NAME.png (figDir relative to the Markdown file).
func (nb *Notebook) WriteMarkdown(w io.Writer, figDir, meta string) error {
	var b strings.Builder
	if meta != "" {
		fmt.Fprintf(&b, "<!-- %s -->\n\n", strings.ReplaceAll(meta, "--", "- -"))
	}
	for _, c := range nb.Cells {
		switch c.Kind {
		case Prose:
			b.WriteString(c.Text)
			continue
		default:
			b.WriteString(c.Fence + "\n" + c.Text + c.Close + "\n")
		}
		switch {
		case c.Table != nil:
			b.WriteString("\n")
			if c.ShowRows > 0 {
				markdownTable(&b, c.Table, c.ShowRows)
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "*%s*\n", rowCount(c.Table, c.ShowRows))
		case c.Chart != nil:
			fmt.Fprintf(&b, "\n![%s](%s)\n", mdEscape(c.Chart.Title), filepath.ToSlash(filepath.Join(figDir, c.Chart.Name+".png")))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape makes s safe inside a Markdown table cell or image text.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "[", `\[`, "]", `\]`, "<", "&lt;").Replace(s)
}

func markdownTable(b *strings.Builder, t *store.Table, show int) {
	b.WriteString("|")
	for _, c := range t.Columns {
		b.WriteString(" " + mdEscape(c) + " |")
	}
	b.WriteString("\n|")
	for i := range t.Columns {
		if len(t.Rows) > 0 && store.IsNumeric(t.Rows[0][i]) {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for r, row := range t.Rows {
		if r == show {
			break
		}
		b.WriteString("|")
		for _, v := range row {
			b.WriteString(" " + mdEscape(notebookCell(v)) + " |")
		}
		b.WriteString("\n")
	}
}

const notebookCSS = `
body{font:15px/1.5 -apple-system,"Segoe UI","Liberation Sans",Helvetica,Arial,sans-serif;color:#202020;background:#fff;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px}
h1,h2,h3{line-height:1.25}
p.meta{color:#666;font-size:13px;border-bottom:1px solid #ddd;padding-bottom:8px}
pre{background:#f6f8fa;border:1px solid #e2e5e9;border-radius:4px;padding:10px 12px;overflow-x:auto;font:13px/1.45 "Liberation Mono",Menlo,Consolas,monospace}
pre.sql{border-left:4px solid #4a7fb5}
pre.chart{border-left:4px solid #5fa55a}
code{font-family:"Liberation Mono",Menlo,Consolas,monospace;font-size:90%}
div.result{overflow-x:auto;margin:-4px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:0}
th,td{padding:3px 10px;border-bottom:1px solid #e5e5e5;white-space:nowrap}
th{text-align:left;border-bottom:2px solid #bbb;background:#fafafa}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.null{color:#999}
p.rows{color:#777;font-size:12px;margin:2px 0 18px}
figure{margin:8px 0 24px}
figure img{max-width:100%;height:auto;border:1px solid #eee}
`

// WriteHTML writes the notebook as one self-contained HTML page: prose
// rendered from Markdown, each cell's code, its result table, and charts
// as embedded PNG images.
func (nb *Notebook) WriteHTML(w io.Writer, meta string) error {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n",
		html.EscapeString(nb.Title), notebookCSS)
	if meta != "" {
		fmt.Fprintf(&b, "<p class=\"meta\">%s</p>\n", html.EscapeString(meta))
	}
	for _, c := range nb.Cells {
		switch c.Kind {
		case Prose:
			if err := md.Convert([]byte(c.Text), &b); err != nil {
				return fmt.Errorf("reports: %s:%d: %w", nb.Path, c.Line, err)
			}
			continue
		case SQL:
			fmt.Fprintf(&b, "<pre class=\"sql\"><code>%s</code></pre>\n", html.EscapeString(strings.TrimRight(c.Text, "\n")))
		case Plot:
			fmt.Fprintf(&b, "<details><summary>chart cell</summary><pre class=\"chart\"><code>%s</code></pre></details>\n", html.EscapeString(strings.TrimRight(c.Text, "\n")))
		default:
			class := ""
			if c.Info != "" {
				class = fmt.Sprintf(" class=\"language-%s\"", html.EscapeString(strings.Fields(c.Info)[0]))
			}
			fmt.Fprintf(&b, "<pre><code%s>%s</code></pre>\n", class, html.EscapeString(strings.TrimRight(c.Text, "\n")))
		}
		switch {
		case c.Table != nil:
			if c.ShowRows > 0 {
				htmlTable(&b, c.Table, c.ShowRows)
			}
			fmt.Fprintf(&b, "<p class=\"rows\">%s · %s</p>\n", rowCount(c.Table, c.ShowRows), c.Elapsed.Round(1e5))
		case c.Chart != nil:
			var png bytes.Buffer
			if err := WritePNG(&png, c.Chart); err != nil {
				return fmt.Errorf("reports: %s:%d: chart: %w", nb.Path, c.Line, err)
			}
			fmt.Fprintf(&b, "<figure><img alt=\"%s\" width=\"%d\" height=\"%d\" src=\"data:image/png;base64,%s\"></figure>\n",
				html.EscapeString(c.Chart.Title), PNGWidth*2/3, PNGHeight*2/3, base64.StdEncoding.EncodeToString(png.Bytes()))
		}
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func htmlTable(b *bytes.Buffer, t *store.Table, show int) {
	b.WriteString("<div class=\"result\"><table>\n<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(c))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for r, row := range t.Rows {
		if r == show {
			break
		}
		b.WriteString("<tr>")
		for _, v := range row {
			class := ""
			switch {
			case v == nil:
				class = ` class="null"`
			case store.IsNumeric(v):
				class = ` class="n"`
			}
			fmt.Fprintf(b, "<td%s>%s</td>", class, html.EscapeString(notebookCell(v)))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table></div>\n")
}

// Save writes a notebook that has run into dir: STEM.html (self-
// contained), STEM.md and the charts as STEM_files/NAME.png, and returns
// the paths written. Existing files are refused unless force is set.
func (nb *Notebook) Save(dir, meta string, force bool) ([]string, error) {
	stem := safeStem(nb.Path)
	figDir := stem + "_files"
	outs := []output{
		{filepath.Join(dir, stem+".html"), func(w io.Writer) error { return nb.WriteHTML(w, meta) }},
		{filepath.Join(dir, stem+".md"), func(w io.Writer) error { return nb.WriteMarkdown(w, figDir, meta) }},
	}
	for _, c := range nb.Cells {
		if c.Chart != nil {
			ch := c.Chart
			outs = append(outs, output{filepath.Join(dir, figDir, ch.Name+".png"), func(w io.Writer) error { return WritePNG(w, ch) }})
		}
	}
	return saveAll(outs, force, "choose another --out folder")
}
