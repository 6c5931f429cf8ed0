package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// countedRows is a rowSource of n one-column rows that counts the rows
// asked for.
type countedRows struct{ n, next int }

func (c *countedRows) Next() bool {
	if c.next == c.n {
		return false
	}
	c.next++
	return true
}

func (c *countedRows) Scan(dest ...any) error {
	*dest[0].(*any) = int64(c.next)
	return nil
}

func (c *countedRows) Err() error { return nil }

// TestScanRowsStopsAtTheLimit: reading 200 rows of a result of five
// million asks for 201 (the last only to learn there are more) and keeps
// 200; without a limit, or under it, every row is read.
func TestScanRowsStopsAtTheLimit(t *testing.T) {
	for _, tc := range []struct {
		n, limit, read, kept int
		more                 bool
	}{
		{5_000_000, 200, 201, 200, true},
		{200, 200, 200, 200, false},
		{3, 200, 3, 3, false},
		{5, 0, 1, 0, true},
		{1000, -1, 1000, 1000, false},
	} {
		src := &countedRows{n: tc.n}
		kept := 0
		more, err := scanRows(src, []string{"BIGINT"}, tc.limit, func(r []any) error {
			kept++
			if r[0] != int64(kept) {
				return fmt.Errorf("row %d holds %v", kept, r[0])
			}
			return nil
		})
		if err != nil || src.next != tc.read || kept != tc.kept || more != tc.more {
			t.Errorf("%d rows, limit %d: read %d, kept %d, more %v (%v); want %d, %d, %v",
				tc.n, tc.limit, src.next, kept, more, err, tc.read, tc.kept, tc.more)
		}
	}
}

// TestQueryLimit: a session keeps the rows asked for of a large result
// and says there were more.
func TestQueryLimit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, defaultIngest)
	s, err := db.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb, err := s.QueryLimit(ctx, "SELECT range AS i, 'x' AS s FROM range(5000000)", 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 200 || !tb.More || tb.Rows[199][0] != int64(199) {
		t.Errorf("%d rows, more %v, want 200 and more", len(tb.Rows), tb.More)
	}
	tb, err = s.QueryLimit(ctx, "SELECT 1 AS a", 200)
	if err != nil || len(tb.Rows) != 1 || tb.More {
		t.Errorf("one row: %v, %v", tb, err)
	}
}

// TestQueryOneToMatchesWriteTable: streaming a result writes what
// WriteTable writes of it whole, in every format; a text table longer
// than textBlock rows keeps every row and the count.
func TestQueryOneToMatchesWriteTable(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, defaultIngest)
	for _, q := range []string{
		`SELECT * FROM (VALUES (1, 'a', 2.5, NULL, DATE '2024-01-02', 1.25::DECIMAL(9,2)), (22, 'bb
c', -0.125, true, DATE '2024-03-04', -3.5::DECIMAL(9,2))) t(n, s, f, b, d, m)`,
		"SELECT 1 AS a WHERE false",
		"SELECT range AS i, repeat('x', (range % 7)::INTEGER) AS s FROM range(999)",
		"SELECT range AS i FROM range(2500)",
	} {
		for _, format := range []string{FormatTable, FormatCSV, FormatJSON} {
			tb, err := db.QueryOne(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var whole, streamed bytes.Buffer
			if err := WriteTable(&whole, tb, format); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryOneTo(ctx, q, &streamed, format); err != nil {
				t.Fatal(err)
			}
			if format == FormatTable && len(tb.Rows) > textBlock {
				lines := strings.Split(streamed.String(), "\n")
				if len(lines) != len(tb.Rows)+4 || lines[len(lines)-2] != "(2500 rows)" || strings.TrimSpace(lines[len(lines)-3]) != "2499" {
					t.Errorf("%s: %d lines ending %q", q, len(lines), lines[len(lines)-3:])
				}
				continue
			}
			if whole.String() != streamed.String() {
				t.Errorf("%s, %s: streamed\n%s\nwhole\n%s", q[:20], format, streamed.String(), whole.String())
			}
		}
	}
	if err := db.QueryOneTo(ctx, "SELECT 1; SELECT 2", &bytes.Buffer{}, FormatCSV); err == nil || !strings.Contains(err.Error(), "several statements") {
		t.Errorf("two statements: %v", err)
	}
}
