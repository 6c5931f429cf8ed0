package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/marcboeker/go-duckdb"
)

// Table is the result of Query.
type Table struct {
	Columns []string
	Types   []string // DuckDB type names, e.g. BIGINT, DECIMAL(18,6)
	// Rows hold the values as go-duckdb returns them (nil for NULL,
	// int64, float64, string, bool, time.Time, *big.Int for HUGEINT, ...)
	// except DECIMAL, returned as a Decimal, and UUID, returned as a string.
	Rows [][]any
	// More says the result had rows after Rows that were not read (see
	// Session.QueryLimit).
	More bool
}

// Decimal is an exact DECIMAL value. String gives it in plain decimal
// notation, e.g. "-12.345600".
type Decimal struct {
	Value *big.Int // unscaled
	Scale uint8
}

func (d Decimal) String() string {
	s := new(big.Int).Abs(d.Value).String()
	neg := d.Value.Sign() < 0
	if d.Scale > 0 {
		if len(s) <= int(d.Scale) {
			s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Float64 returns d as the nearest float64.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// MarshalJSON writes d as an exact JSON number.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// Query runs one SQL statement (or several separated by ';'; the last one's
// rows are returned). SQL errors carry DuckDB's message.
func (db *DB) Query(ctx context.Context, query string) (*Table, error) {
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return readTable(rows)
}

// IsSQLError reports whether err is DuckDB refusing a statement for what
// it says: its syntax, the names it uses, types, values, or a write where
// writes are not allowed. Failures of the database itself (I/O, memory, an
// interrupt, a lock, an internal error) are not.
func IsSQLError(err error) bool {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return false
	}
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax, duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog,
		duckdb.ErrorTypeConversion, duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeDivideByZero,
		duckdb.ErrorTypeInvalidType, duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypePermission, duckdb.ErrorTypeExpression,
		duckdb.ErrorTypeNotImplemented, duckdb.ErrorTypeParameterNotResolved, duckdb.ErrorTypeParameterNotAllowed,
		duckdb.ErrorTypeDecimal, duckdb.ErrorTypeUnknownType, duckdb.ErrorTypeMissingExtension, duckdb.ErrorTypeAutoLoad, duckdb.ErrorTypeConstraint:
		return true
	}
	return false
}

// ErrSeveralStatements is returned by QueryOne for text holding more than
// one statement.
var ErrSeveralStatements = errors.New("several statements")

// QueryOne runs exactly one SQL statement and returns its rows; text with
// several statements is refused with ErrSeveralStatements, before any of
// them runs.
func (db *DB) QueryOne(ctx context.Context, query string) (*Table, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	// DuckDB prepares one statement only: preparing tells one from
	// several without running anything.
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		if strings.Contains(err.Error(), "multiple statements") {
			return nil, fmt.Errorf("store: %w: run them one at a time (or in a notebook, whose cells may hold several)", ErrSeveralStatements)
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return readTable(rows)
}

// Session is one connection to the database, for statements that build
// on each other: temporary views and macros live as long as the session.
type Session struct{ conn *sql.Conn }

// Session opens a session; Close it when done.
func (db *DB) Session(ctx context.Context) (*Session, error) {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Session{conn: c}, nil
}

// Query runs SQL on the session's connection, as DB.Query does.
func (s *Session) Query(ctx context.Context, query string) (*Table, error) {
	rows, err := s.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return readTable(rows)
}

// Close ends the session and its connection, so its temporary views and
// tables go with it rather than back into the pool for the next session.
func (s *Session) Close() error {
	// Raw returning driver.ErrBadConn makes database/sql discard the
	// connection instead of reusing it.
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	return s.conn.Close()
}

func readTable(rows *sql.Rows) (*Table, error) { return readTableLimit(rows, -1) }

func normalize(v any, typ string) any {
	if tm, ok := v.(time.Time); ok {
		switch typ {
		case "DATE":
			return tm.Format(time.DateOnly)
		case "TIME":
			return tm.Format("15:04:05.999999")
		}
	}
	switch x := v.(type) {
	case duckdb.Decimal:
		return Decimal{Value: x.Value, Scale: x.Scale}
	case *duckdb.Decimal:
		return Decimal{Value: x.Value, Scale: x.Scale}
	case duckdb.UUID:
		return uuidString(x[:])
	case *duckdb.UUID:
		return uuidString(x[:])
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return x
	}
	return v
}

func uuidString(b []byte) string {
	const hex = "0123456789abcdef"
	var s strings.Builder
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s.WriteByte('-')
		}
		s.WriteByte(hex[c>>4])
		s.WriteByte(hex[c&15])
	}
	return s.String()
}

// Formats accepted by WriteTable.
const (
	FormatTable = "table" // aligned text with a header rule
	FormatCSV   = "csv"   // RFC 4180 with a header row; NULL is empty
	FormatJSON  = "json"  // an array of objects, one per row
)

// WriteTable writes t to w in format (FormatTable, FormatCSV or
// FormatJSON).
func WriteTable(w io.Writer, t *Table, format string) error {
	var err error
	switch format {
	case FormatTable, "":
		err = writeText(w, t)
	case FormatCSV:
		err = writeCSV(w, t)
	case FormatJSON:
		err = writeJSON(w, t)
	default:
		return fmt.Errorf("store: unknown output format %q (want table, csv or json)", format)
	}
	if err != nil {
		return fmt.Errorf("store: write %s: %w", format, err)
	}
	return nil
}

// cellString formats one value for text and CSV output.
func CellString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		if x.Location() == time.UTC {
			return x.Format("2006-01-02 15:04:05.999999")
		}
		return x.Format("2006-01-02 15:04:05.999999-07:00")
	case []byte:
		return fmt.Sprintf("%x", x)
	case fmt.Stringer:
		return x.String()
	case map[string]any, []any, duckdb.Map:
		b, err := json.Marshal(jsonValue(x))
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

func IsNumeric(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, *big.Int, Decimal:
		return true
	}
	return false
}

func writeText(w io.Writer, t *Table) error {
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = utf8.RuneCountInString(c)
	}
	cells := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := CellString(v)
			if v == nil {
				s = "NULL"
			}
			s = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s)
			cells[r][i] = s
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	line := func(vals []string, right func(int) bool) {
		for i, s := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			if right(i) {
				b.WriteString(pad + s)
			} else if i == len(vals)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + pad)
			}
		}
		b.WriteByte('\n')
	}
	line(t.Columns, func(int) bool { return false })
	rule := make([]string, len(widths))
	for i, n := range widths {
		rule[i] = strings.Repeat("-", n)
	}
	line(rule, func(int) bool { return false })
	for r, row := range cells {
		line(row, func(i int) bool { return IsNumeric(t.Rows[r][i]) })
	}
	fmt.Fprintf(&b, "(%d row%s)\n", len(t.Rows), map[bool]string{true: "", false: "s"}[len(t.Rows) == 1])
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, v := range row {
			rec[i] = CellString(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonValue converts a value to something encoding/json writes faithfully.
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
	case float32:
		return jsonValue(float64(x))
	case *big.Int:
		return json.Number(x.String())
	case time.Time:
		return CellString(x)
	case []byte:
		return fmt.Sprintf("%x", x)
	case duckdb.Interval:
		return x
	case duckdb.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonValue(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

// writeJSON writes an array of objects. JSON columns come back from
// go-duckdb as VARCHAR and are written as strings.
func writeJSON(w io.Writer, t *Table) error {
	// Objects are written by hand to keep the column order.
	var b strings.Builder
	b.WriteString("[")
	keys := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		k, _ := json.Marshal(c)
		keys[i] = string(k)
	}
	for r, row := range t.Rows {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			val, err := json.Marshal(jsonValue(v))
			if err != nil {
				return fmt.Errorf("column %s: %w", t.Columns[i], err)
			}
			b.WriteString(keys[i] + ": " + string(val))
		}
		b.WriteString("}")
	}
	if len(t.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
