package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// rowSource is what scanRows reads: *sql.Rows, or a test's counter.
type rowSource interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanRows reads rows from src one at a time, normalised for their types,
// and hands each to emit, which may keep it. With limit ≥ 0 it reads at
// most limit rows and then asks for one more only to learn whether there
// is one (more), without reading it: the rows after the limit are never
// fetched into Go.
func scanRows(src rowSource, types []string, limit int, emit func([]any) error) (more bool, err error) {
	for n := 0; src.Next(); n++ {
		if limit >= 0 && n == limit {
			return true, nil
		}
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := src.Scan(ptrs...); err != nil {
			return false, fmt.Errorf("store: %w", err)
		}
		for i, v := range vals {
			vals[i] = normalize(v, types[i])
		}
		if err := emit(vals); err != nil {
			return false, err
		}
	}
	if err := src.Err(); err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return false, nil
}

// header is a Table with the columns and types of rows and no rows yet.
func header(rows *sql.Rows) (*Table, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	t := &Table{}
	for _, ct := range cts {
		t.Columns = append(t.Columns, ct.Name())
		typ := ct.DatabaseTypeName()
		if p, s, ok := ct.DecimalSize(); ok {
			typ = fmt.Sprintf("DECIMAL(%d,%d)", p, s)
		}
		t.Types = append(t.Types, typ)
	}
	return t, nil
}

// readTableLimit reads rows into a Table: all of them for limit < 0, else
// at most limit, with More set when there were more.
func readTableLimit(rows *sql.Rows, limit int) (*Table, error) {
	defer rows.Close()
	t, err := header(rows)
	if err != nil {
		return nil, err
	}
	t.More, err = scanRows(rows, t.Types, limit, func(r []any) error {
		t.Rows = append(t.Rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// QueryLimit runs SQL on the session's connection as Query does, and keeps
// at most limit rows of the result (all of them for limit < 0), with
// Table.More saying whether it had more: a result of millions of rows, of
// which a notebook shows 200, is not read into memory.
func (s *Session) QueryLimit(ctx context.Context, query string, limit int) (*Table, error) {
	rows, err := s.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return readTableLimit(rows, limit)
}

// QueryOneTo runs exactly one SQL statement, as QueryOne does, and writes
// its rows to w in format (see WriteTable) as they are read, so that a
// result of any size is written in bounded memory. The output is
// WriteTable's, except that a text table of more than textBlock rows is
// aligned on its first textBlock rows (a wider value later widens its
// column from there on).
func (db *DB) QueryOneTo(ctx context.Context, query string, w io.Writer, format string) error {
	var sw tableStream
	switch format {
	case FormatTable, "":
		sw = &textStream{}
	case FormatCSV:
		sw = &csvStream{}
	case FormatJSON:
		sw = &jsonStream{}
	default:
		return fmt.Errorf("store: unknown output format %q (want table, csv or json)", format)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		if strings.Contains(err.Error(), "multiple statements") {
			return fmt.Errorf("store: %w: run them one at a time (or in a notebook, whose cells may hold several)", ErrSeveralStatements)
		}
		return fmt.Errorf("store: %w", err)
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	t, err := header(rows)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fail := func(err error) error { return fmt.Errorf("store: write %s: %w", format, err) }
	if err := sw.start(bw, t); err != nil {
		return fail(err)
	}
	if _, err := scanRows(rows, t.Types, -1, func(r []any) error { return sw.row(r) }); err != nil {
		var we writeError
		if errors.As(err, &we) {
			return fail(we.error)
		}
		return err
	}
	if err := sw.end(); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	return nil
}

// writeError marks a failure to write the output, apart from one to read.
type writeError struct{ error }

func (e writeError) Unwrap() error { return e.error }

// tableStream writes a table one row at a time.
type tableStream interface {
	start(w *bufio.Writer, t *Table) error
	row(r []any) error
	end() error
}

type csvStream struct {
	cw  *csv.Writer
	rec []string
}

func (s *csvStream) start(w *bufio.Writer, t *Table) error {
	s.cw = csv.NewWriter(w)
	s.rec = make([]string, len(t.Columns))
	return s.cw.Write(t.Columns)
}

func (s *csvStream) row(r []any) error {
	for i, v := range r {
		s.rec[i] = CellString(v)
	}
	if err := s.cw.Write(s.rec); err != nil {
		return writeError{err}
	}
	return nil
}

func (s *csvStream) end() error {
	s.cw.Flush()
	return s.cw.Error()
}

type jsonStream struct {
	w    *bufio.Writer
	t    *Table
	keys []string
	n    int
}

func (s *jsonStream) start(w *bufio.Writer, t *Table) error {
	s.w, s.t = w, t
	for _, c := range t.Columns {
		k, _ := json.Marshal(c)
		s.keys = append(s.keys, string(k))
	}
	_, err := w.WriteString("[")
	return err
}

func (s *jsonStream) row(r []any) error {
	var b strings.Builder
	if s.n > 0 {
		b.WriteString(",")
	}
	s.n++
	b.WriteString("\n  {")
	for i, v := range r {
		if i > 0 {
			b.WriteString(", ")
		}
		val, err := json.Marshal(jsonValue(v))
		if err != nil {
			return writeError{fmt.Errorf("column %s: %w", s.t.Columns[i], err)}
		}
		b.WriteString(s.keys[i] + ": " + string(val))
	}
	b.WriteString("}")
	if _, err := s.w.WriteString(b.String()); err != nil {
		return writeError{err}
	}
	return nil
}

func (s *jsonStream) end() error {
	if s.n > 0 {
		s.w.WriteString("\n")
	}
	_, err := s.w.WriteString("]\n")
	return err
}

// textBlock is how many rows of a text table are held to align its
// columns; the rest are written as they come.
const textBlock = 1000

type textStream struct {
	w       *bufio.Writer
	t       *Table
	widths  []int
	cells   [][]string // the first rows, until textBlock
	numeric [][]bool
	n       int
	flushed bool
}

func (s *textStream) start(w *bufio.Writer, t *Table) error {
	s.w, s.t = w, t
	s.widths = make([]int, len(t.Columns))
	for i, c := range t.Columns {
		s.widths[i] = utf8.RuneCountInString(c)
	}
	return nil
}

var textEscapes = strings.NewReplacer("\n", `\n`, "\t", `\t`)

func (s *textStream) row(r []any) error {
	cells := make([]string, len(r))
	num := make([]bool, len(r))
	for i, v := range r {
		c := CellString(v)
		if v == nil {
			c = "NULL"
		}
		cells[i] = textEscapes.Replace(c)
		num[i] = IsNumeric(v)
		s.widths[i] = max(s.widths[i], utf8.RuneCountInString(cells[i]))
	}
	s.n++
	if !s.flushed {
		s.cells, s.numeric = append(s.cells, cells), append(s.numeric, num)
		if len(s.cells) < textBlock {
			return nil
		}
		return s.flush()
	}
	if _, err := s.w.WriteString(s.line(cells, func(i int) bool { return num[i] })); err != nil {
		return writeError{err}
	}
	return nil
}

// flush writes the header and the rows held.
func (s *textStream) flush() error {
	var b strings.Builder
	b.WriteString(s.line(s.t.Columns, func(int) bool { return false }))
	rule := make([]string, len(s.widths))
	for i, n := range s.widths {
		rule[i] = strings.Repeat("-", n)
	}
	b.WriteString(s.line(rule, func(int) bool { return false }))
	for r, cells := range s.cells {
		b.WriteString(s.line(cells, func(i int) bool { return s.numeric[r][i] }))
	}
	s.cells, s.numeric, s.flushed = nil, nil, true
	if _, err := s.w.WriteString(b.String()); err != nil {
		return writeError{err}
	}
	return nil
}

// line is one line of the table, as writeText writes it.
func (s *textStream) line(vals []string, right func(int) bool) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString("  ")
		}
		pad := strings.Repeat(" ", max(0, s.widths[i]-utf8.RuneCountInString(v)))
		if right(i) {
			b.WriteString(pad + v)
		} else if i == len(vals)-1 {
			b.WriteString(v)
		} else {
			b.WriteString(v + pad)
		}
	}
	b.WriteByte('\n')
	return b.String()
}

func (s *textStream) end() error {
	if !s.flushed {
		if err := s.flush(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(s.w, "(%d row%s)\n", s.n, map[bool]string{true: "", false: "s"}[s.n == 1])
	return err
}
