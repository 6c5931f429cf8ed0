package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
)

func newExportCommand() *cobra.Command {
	var dbPath, format, out string
	var force bool
	c := &cobra.Command{
		Use:   "export --out DIR",
		Short: "Export the results to Parquet, partitioned by scenario and arm",
		Long: `Export writes runs, daily, business_summary, segment_summary and
business_channels as Parquet files in a Hive layout
(DIR/daily/scenario=.../arm=.../*.parquet), and the sweeps and sweep_points
tables (each sweep's design and points) as DIR/sweeps/sweeps.parquet and
DIR/sweep_points/sweep_points.parquet, for tools that do not speak DuckDB. An earlier export in DIR is replaced; any other
non-empty DIR is refused unless --force (then only the table folders are
replaced).`,
		Example: `  msgmon export --out results-parquet
  duckdb -c "SELECT arm, count(*) FROM read_parquet('results-parquet/daily/**/*.parquet', hive_partitioning=true) GROUP BY arm"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "parquet" {
				return usageErr("--format: only parquet is supported, got %s", datasets.ClipQ(format))
			}
			if out == "" {
				return usageErr("--out DIR is required")
			}
			replaced := func(rel string) bool {
				top, _, _ := strings.Cut(rel, "/")
				return slices.Contains(store.ExportNames(), top)
			}
			if err := checkPaths(dbArgs(dbPath), []pathArg{{name: "--out " + out, path: out, folder: true, writes: replaced}}); err != nil {
				return err
			}
			db, err := openResults(cmd.Context(), "export", dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.ExportParquet(cmd.Context(), out, force); err != nil {
				if errors.Is(err, store.ErrExportDirNotEmpty) {
					return usageErr("export: --out %s is not empty and holds no earlier export; choose an empty folder, or pass --force to replace the table folders in it", out)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %s to %s\n", dbPath, out)
			return nil
		},
	}
	c.Flags().StringVar(&dbPath, "db", defaultDB, "results database")
	c.Flags().StringVar(&format, "format", "parquet", "export format (parquet)")
	c.Flags().StringVar(&out, "out", "", "output folder")
	c.Flags().BoolVar(&force, "force", false, "write into a non-empty folder")
	return c
}
