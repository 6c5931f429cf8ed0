package store

import (
	"context"
	"fmt"
	"testing"
)

// benchIngest measures one table's ingest path: per iteration one
// transaction (BEGIN, ingest rows, COMMIT) on a fresh run id, as WriteRun
// does it. It reports rows/s.
func benchIngest[T any](b *testing.B, table string, cols []column[T], rows []T) {
	for _, mode := range modes {
		b.Run(fmt.Sprintf("%s/rows=%d", mode, len(rows)), func(b *testing.B) {
			ctx := context.Background()
			db := openTest(b, mode)
			conn, err := db.sql.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
					b.Fatal(err)
				}
				if err := ingest(ctx, mode, conn, table, cols, int64(i+1), rows); err != nil {
					b.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkIngestDaily: 365 rows is one simulated year of one run.
func BenchmarkIngestDaily(b *testing.B) {
	for _, n := range []int{365, 10_000} {
		benchIngest(b, "daily", dailyColumns, synthResult(n, 0, 1).Daily)
	}
}

func BenchmarkIngestBusinessSummary(b *testing.B) {
	for _, n := range []int{1_000, 20_000} {
		benchIngest(b, "business_summary", businessColumns, synthResult(0, n, 1).Businesses)
	}
}
