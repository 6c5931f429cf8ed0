package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
)

func newQueryCommand() *cobra.Command {
	var dbPath, format string
	c := &cobra.Command{
		Use:   "query SQL",
		Short: "Run SQL on the results database (read-only)",
		Long: `Query opens the results database read-only and prints the result of one SQL
statement (text with several is refused: run them one at a time). Nothing
outside the database can be read or written: DuckDB's external access is
off, so COPY ... TO, read_parquet, read_csv and ATTACH are refused (use the
DuckDB CLI or Python on the file for those). Nothing is written to the
file, so it may be read-only: one made by an older msgmon is read as the
current schema (the columns added since are NULL, the tables added since
empty) and left as it is. Rows are printed as they are read, in bounded
memory; a table of more than 1,000 rows is aligned on its first 1,000.
Tables: runs, daily, business_summary, segment_summary, sweeps,
sweep_points; views: daily_usd, run_totals, arm_summary, and sweep_<name> and
sweep_<name>_summary for each sweep.`,
		Example: `  msgmon query "SELECT arm, count(*) FROM runs GROUP BY arm"
  msgmon query --format csv "SELECT * FROM run_totals" > totals.csv
  msgmon query --format json "SELECT arm, mean_churn_per_1000 FROM arm_summary"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "csv", "json":
			default:
				return usageErr("--format must be table, csv or json, got %s", datasets.ClipQ(format))
			}
			if strings.TrimSpace(strings.Trim(args[0], "; \t\n")) == "" {
				return usageErr("query: give an SQL statement, e.g. msgmon query \"SELECT * FROM arm_summary\"")
			}
			db, err := openSealed(cmd.Context(), "query", dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			// The rows are written as they are read: a result of any
			// size prints in bounded memory.
			err = db.QueryOneTo(cmd.Context(), args[0], cmd.OutOrStdout(), format)
			if errors.Is(err, store.ErrSeveralStatements) {
				return inputError{Err: fmt.Errorf("query: the SQL holds several statements and query prints one result: %w", err)}
			}
			return sqlInput(err)
		},
	}
	c.Flags().StringVar(&dbPath, "db", defaultDB, "results database")
	c.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	return c
}
