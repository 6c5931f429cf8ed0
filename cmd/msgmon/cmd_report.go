package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim"
)

// reportOptions are the flags of msgmon report.
type reportOptions struct {
	DB       string
	Batch    string
	Scenario string
	RunIDs   []int64
	Baseline string
	Out      string
	PNG      string
	Force    bool
}

func (o *reportOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.DB, "db", defaultDB, "results database")
	f.StringVar(&o.Batch, "batch", "", "report on this batch (default: the latest batch in the database)")
	f.StringVar(&o.Scenario, "scenario", "", "report on the latest batch of this scenario")
	f.Int64SliceVar(&o.RunIDs, "run-id", nil, "report on these runs (comma-separated or repeated)")
	f.StringVar(&o.Baseline, "baseline", "", "arm the others are compared with (default: the scenario's baseline)")
	f.StringVar(&o.Out, "out", "", "PDF to write (default: report-<batch>.pdf next to the database)")
	f.StringVar(&o.PNG, "png", "", "also write every chart as a PNG into this folder")
	f.BoolVar(&o.Force, "force", false, "overwrite existing output files")
}

func newReportCommand() *cobra.Command {
	var o reportOptions
	c := &cobra.Command{
		Use:   "report",
		Short: "Write a PDF report (and PNG charts) of stored runs",
		Long: `Report reads a batch of stored runs and writes a PDF for readers of the
comparison: the scenario and key numbers, each model's curves over time with
95 % bands across replicates, final results with error bars, platform
revenue against churn with the Pareto frontier, the distribution of business
outcomes, the models' definitions and the provenance of every run. With
--png it also writes each chart as a PNG. On the frontier are the arms no
other arm dominates: better on revenue or churn and worse on neither, where
better and worse need the paired difference (replicate by replicate, the
same populations and random numbers) to have a 95 % interval that excludes
0; within the noise the two are tied.

A sweep's batch gets a sweep report: a table per point and arm, each
output against each parameter with 95 % bands over each point's own
replicates, and revenue against churn over the points with the Pareto
frontier. Runs of different points are never pooled as replicates.

Runs are chosen by --run-id, else --batch, else --scenario (its latest
batch), else the latest batch in the database. Existing files are kept
unless --force is given.`,
		Example: `  msgmon report
  msgmon report --scenario default --out default.pdf --png charts/
  msgmon report --run-id 1,2,3,4 --out four-runs.pdf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.Context(), &o, cmd.OutOrStdout())
		},
	}
	o.AddFlags(c.Flags())
	return c
}

// modelSummaries are the registered models' one-line definitions.
func modelSummaries() map[string]string {
	m := map[string]string{}
	for _, f := range sim.Registered() {
		m[f.Name] = f.Summary
	}
	return m
}

// defaultReportPaths are the PDF and PNG folder next to the database.
func defaultReportPaths(dbPath, label string) (pdf, pngDir string) {
	dir := filepath.Dir(dbPath)
	return filepath.Join(dir, "report-"+label+".pdf"), filepath.Join(dir, "charts-"+label)
}

func runReport(ctx context.Context, o *reportOptions, out io.Writer) error {
	charts := pathArg{name: "--png " + o.PNG, path: o.PNG, folder: true, writes: matching("*.png")}
	if err := checkPaths(dbArgs(o.DB), []pathArg{{name: "--out " + o.Out, path: o.Out, example: "report.pdf"}, charts}); err != nil {
		return err
	}
	db, err := openResults(ctx, "report", o.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := reports.Build(ctx, db, reports.Selection{RunIDs: o.RunIDs, BatchID: o.Batch, Scenario: o.Scenario, Baseline: o.Baseline},
		reports.Options{Version: version(), Summaries: modelSummaries()})
	if err != nil {
		var se *reports.SelectionError
		if errors.As(err, &se) {
			return inputError{Err: err}
		}
		return err
	}
	pdf := o.Out
	if pdf == "" {
		label := rep.Runs.BatchID
		if label == "" {
			ids := rep.Runs.IDs()
			label = fmt.Sprintf("runs-%d-%d", ids[0], ids[len(ids)-1])
		}
		pdf, _ = defaultReportPaths(o.DB, label)
		if err := checkPaths(dbArgs(o.DB), []pathArg{fileArg("the report "+pdf, pdf), charts}); err != nil {
			return err
		}
	}
	paths, err := rep.Save(pdf, o.PNG, o.Force)
	if errors.Is(err, reports.ErrExists) {
		return inputError{Err: err}
	}
	if err != nil {
		return err
	}
	return printReportPaths(out, paths, o.PNG)
}

// printReportPaths names the PDF and the PNG folder written.
func printReportPaths(out io.Writer, paths []string, pngDir string) error {
	var pngs int
	for _, p := range paths {
		if strings.HasSuffix(p, ".pdf") {
			if _, err := fmt.Fprintf(out, "report: %s\n", p); err != nil {
				return err
			}
		} else {
			pngs++
		}
	}
	if pngs > 0 {
		_, err := fmt.Fprintf(out, "charts: %d PNG files in %s\n", pngs, pngDir)
		return err
	}
	return nil
}
