package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
)

func newNotebookCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "notebook",
		Short: "Run analysts' Markdown notebooks of SQL and chart cells",
		Long: `A notebook is a Markdown file. Its code blocks tagged sql run in order on the
results database, in one session, so a cell may CREATE TEMP VIEW for later
cells; a block tagged chart plots the result of the sql cell above it:

    ` + "```chart" + `
    type: line        # line, bar or scatter
    x: day
    y: reach_messages_cum
    series: arm       # one line per arm
    title: Users reached by business messages
    ` + "```" + `

The SQL is plain DuckDB SQL: the same cells run in the DuckDB CLI or from
Python. See notebooks/README.md.`,
	}
	c.AddCommand(newNotebookRunCommand())
	return c
}

type notebookOptions struct {
	DB          string
	Out         string
	Force       bool
	RequireRows bool
	AllowFiles  bool
}

func newNotebookRunCommand() *cobra.Command {
	var o notebookOptions
	c := &cobra.Command{
		Use:   "run FILE.md...",
		Short: "Run notebooks and render them to HTML and Markdown",
		Long: `Run executes every sql and chart cell of each notebook in order against the
results database (opened read-only) and writes, into --out:

  NAME.html        one self-contained page: prose, code, result tables, charts
  NAME.md          the notebook with each result as a Markdown table
  NAME_files/      the charts as PNG files, linked from NAME.md

A failing cell stops the notebook with FILE:LINE and DuckDB's message; with
--require-rows a query that returns no rows fails too. Existing outputs are
kept unless --force is given.

Cells reach nothing outside the database: a cell that reads a file
(read_csv, read_parquet, a file name in FROM), writes one (COPY ... TO) or
attaches another database is refused (exit 2). A notebook that needs files
runs with --allow-files, which the person running it decides on.`,
		Example: `  msgmon compare
  msgmon notebook run notebooks/churn-by-segment.md
  msgmon notebook run --out site/ --force notebooks/*.md
  msgmon notebook run --db sweep.duckdb --require-rows notebooks/revenue-sources.md`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNotebooks(cmd.Context(), &o, args, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.DB, "db", defaultDB, "results database")
	c.Flags().StringVar(&o.Out, "out", "", "folder for the rendered notebooks (default: notebooks/ next to the database)")
	c.Flags().BoolVar(&o.Force, "force", false, "overwrite existing output files")
	c.Flags().BoolVar(&o.RequireRows, "require-rows", false, "fail on a query cell that returns no rows (for CI)")
	c.Flags().BoolVar(&o.AllowFiles, "allow-files", false, "let sql cells read and write files outside the database (read_csv, COPY ... TO)")
	return c
}

func runNotebooks(ctx context.Context, o *notebookOptions, files []string, stdout io.Writer) error {
	var nbs []*reports.Notebook
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return usageErr("notebook: %v", err)
		}
		nb, err := reports.ParseNotebook(f, src)
		if err != nil {
			return inputError{Err: err}
		}
		if !slices.ContainsFunc(nb.Cells, func(c *reports.Cell) bool { return c.Kind == reports.SQL }) {
			// notebooks/*.md also matches notebooks/README.md: a file
			// without a query is documentation, not a notebook.
			fmt.Fprintf(stdout, "%s: no sql cells, skipped\n", f)
			continue
		}
		nbs = append(nbs, nb)
	}
	if len(nbs) == 0 {
		return usageErr("notebook: none of the files has a sql cell")
	}
	out := o.Out
	if out == "" {
		out = filepath.Join(filepath.Dir(o.DB), "notebooks")
	}
	reads := dbArgs(o.DB)
	for _, f := range files {
		reads = append(reads, fileArg("the notebook", f))
	}
	writes := []pathArg{{name: "--out " + out, path: out, folder: true, writes: func(string) bool { return false }}}
	for i, nb := range nbs {
		html, md, charts := reports.NotebookOutputs(out, nb.Path)
		for _, other := range nbs[:i] {
			if h, _, _ := reports.NotebookOutputs(out, other.Path); h == html && !sameFile(nb.Path, other.Path) {
				return usageErr("notebook: %s and %s would both render to %s; rename one, or run them with different --out folders", other.Path, nb.Path, html)
			}
		}
		writes = append(writes, fileArg(fmt.Sprintf("--out %s (%s)", out, html), html), fileArg(fmt.Sprintf("--out %s (%s)", out, md), md),
			folderArg(fmt.Sprintf("--out %s (%s)", out, charts), charts))
	}
	if err := checkPaths(reads, writes); err != nil {
		return err
	}
	open := openSealed
	if o.AllowFiles {
		open = openResults
	}
	db, err := open(ctx, "notebook", o.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, nb := range nbs {
		s, err := db.Session(ctx)
		if err != nil {
			return err
		}
		t0 := time.Now()
		err = nb.Run(ctx, sealedCells{s}, reports.RunOptions{RequireRows: o.RequireRows})
		s.Close()
		if err != nil {
			var ce *reports.CellError
			if errors.As(err, &ce) {
				return inputError{Err: err}
			}
			return err
		}
		meta := fmt.Sprintf("Run by msgmon %s on %s against %s, %s.", version(), time.Now().UTC().Format("2006-01-02 15:04 MST"), o.DB, time.Since(t0).Round(time.Millisecond))
		paths, err := nb.Save(out, meta, o.Force)
		if err != nil {
			if errors.Is(err, reports.ErrExists) {
				return inputError{Err: err}
			}
			return err
		}
		sql, charts := 0, 0
		for _, c := range nb.Cells {
			switch c.Kind {
			case reports.SQL:
				sql++
			case reports.Plot:
				charts++
			}
		}
		fmt.Fprintf(stdout, "%s: %d sql and %d chart cells ran; wrote %s and %s\n", nb.Path, sql, charts, paths[0], paths[1])
	}
	return nil
}

// sealedCells runs a notebook's cells on a session and says, of a cell
// DuckDB refused for reaching outside the database, which flag allows it.
type sealedCells struct{ s *store.Session }

func (c sealedCells) QueryLimit(ctx context.Context, query string, limit int) (*store.Table, error) {
	t, err := c.s.QueryLimit(ctx, query, limit)
	if store.IsOutsideError(err) {
		return nil, fmt.Errorf("%w: the cell reached outside the database; a notebook that reads or writes files runs with msgmon notebook run --allow-files", err)
	}
	return t, err
}
