package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/marcboeker/go-duckdb"
)

// Both paths are built without build tags: go-duckdb v1.8.2 compiles its
// Arrow support unless the tag no_duckdb_arrow is set.
//
// Both take part in the SQL transaction open on conn: the appender appends
// through the connection's client context, and so does the INSERT ...
// SELECT from the registered Arrow view (TestAppenderRollback and
// TestWriteRunAtomic check that rolled-back rows disappear).

// ingestViaAppender appends rows with go-duckdb's Appender.
func ingestViaAppender[T any](ctx context.Context, conn *sql.Conn, table string, cols []column[T], runID int64, rows []T) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(cols)+1)
		vals[0] = runID
		for i := range rows {
			if i%2048 == 0 {
				if err := ctx.Err(); err != nil {
					return errors.Join(err, a.Close())
				}
			}
			for j := range cols {
				vals[j+1] = cols[j].value(&rows[i])
			}
			if err := a.AppendRow(vals...); err != nil {
				return errors.Join(err, a.Close())
			}
		}
		return a.Close()
	})
}

// arrowBatchRows is the number of rows per Arrow record batch.
const arrowBatchRows = 1 << 16

// ingestViaArrow builds Arrow record batches of rows, registers them as a
// temporary view on conn and inserts them with INSERT INTO ... SELECT.
func ingestViaArrow[T any](ctx context.Context, conn *sql.Conn, table string, cols []column[T], runID int64, rows []T) error {
	schema := arrowSchema(cols)
	var recs []arrow.Record
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for lo := 0; lo < len(rows); lo += arrowBatchRows {
		hi := min(lo+arrowBatchRows, len(rows))
		recs = append(recs, buildRecord(schema, cols, runID, rows[lo:hi]))
	}
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return err
	}
	defer rdr.Release()

	view := "msgmon_stage_" + table
	names := strings.Join(columnNames(cols), ", ")
	insert := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", table, names, names, view)
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		// RegisterView creates a temporary view scanning the stream. The
		// stream can be scanned once: DuckDB releases it (and with it the
		// reader's reference) when the scan ends. release frees only the
		// C struct.
		release, err := ar.RegisterView(rdr, view)
		if err != nil {
			return err
		}
		defer release()
		ex := dc.(driver.ExecerContext)
		_, err = ex.ExecContext(ctx, insert, nil)
		_, derr := ex.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+view, nil)
		return errors.Join(err, derr)
	})
}

// buildRecord builds one Arrow record of rows: run_id then cols.
func buildRecord[T any](schema *arrow.Schema, cols []column[T], runID int64, rows []T) arrow.Record {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	n := len(rows)
	rb := b.Field(0).(*array.Int64Builder)
	rb.Reserve(n)
	for range rows {
		rb.UnsafeAppend(runID)
	}
	for j := range cols {
		c := &cols[j]
		switch c.kind {
		case kInt32:
			fb := b.Field(j + 1).(*array.Int32Builder)
			fb.Reserve(n)
			for i := range rows {
				fb.UnsafeAppend(c.i32(&rows[i]))
			}
		case kInt64:
			fb := b.Field(j + 1).(*array.Int64Builder)
			fb.Reserve(n)
			for i := range rows {
				fb.UnsafeAppend(c.i64(&rows[i]))
			}
		case kFloat64:
			fb := b.Field(j + 1).(*array.Float64Builder)
			fb.Reserve(n)
			for i := range rows {
				fb.UnsafeAppend(c.f64(&rows[i]))
			}
		case kBool:
			fb := b.Field(j + 1).(*array.BooleanBuilder)
			fb.Reserve(n)
			for i := range rows {
				fb.UnsafeAppend(c.b(&rows[i]))
			}
		case kString:
			fb := b.Field(j + 1).(*array.StringBuilder)
			fb.Reserve(n)
			for i := range rows {
				fb.Append(c.str(&rows[i]))
			}
		}
	}
	return b.NewRecord()
}
