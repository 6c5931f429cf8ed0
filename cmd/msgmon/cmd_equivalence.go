package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
)

type equivOptions struct {
	OldBatch, NewBatch string
	Metrics            []string
	Alpha              float64
	Brief, Summary     bool
	Format             string
}

// differsError: equivalence found figures that differ beyond sampling
// error. The table is printed all the same.
type differsError struct{ error }

func (e differsError) Unwrap() error { return e.error }

func newEquivalenceCommand() *cobra.Command {
	var o equivOptions
	c := &cobra.Command{
		Use:   "equivalence OLD.duckdb NEW.duckdb",
		Short: "Test whether two results databases hold the same model, figure by figure",
		Long: `Equivalence reads the finished runs of two results databases, made by two
builds of msgmon (or before and after any change that should not move the
results) on the same scenarios, and tests every run_totals figure, and the
sum over a run's days of every daily count run_totals has not (such as
sends_blocked), of every scenario and arm both hold for a difference
beyond sampling error.

Per scenario, arm and figure it tests the mean (a paired t-test on the
replicate-by-replicate differences when both sides ran the same seeds, as
msgmon compare does with the same --seed; Welch's t-test otherwise) and the
distribution (two-sample Kolmogorov–Smirnov, exact up to 200 replicates a
side). The cell's p-value is the smaller of the two doubled, and all cells
are corrected together by Holm's method, so the chance of calling any
figure different when the two builds are the same model is at most
--alpha (as far as the means of the replicates are close to normal, which
the t-tests assume). Runs are paired by seed; seeds on one side only, a
figure NULL in some runs and a scenario that differs in more than its
seed and replicates are named in notes. Cells identical run for run are
reported as such and not tested. The ±95% column is the check's
resolution: the half-width of the difference's interval, as a share of the
old mean, so "same" reads "within this much".

Make the two databases with the same command and a size both builds run,
at least 50 replicates for a change of the engine:

  old/msgmon compare --replicates 50 --no-report --db old.duckdb
  new/msgmon compare --replicates 50 --no-report --db new.duckdb

Exit code 6 when a figure differs, 0 when none does; the table is printed
either way.`,
		Example: `  msgmon equivalence old.duckdb new.duckdb
  msgmon equivalence --brief --metrics churn_per_1000,platform_revenue_usd old.duckdb new.duckdb
  msgmon equivalence --format csv old.duckdb new.duckdb > equivalence.csv`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEquivalence(cmd, &o, args[0], args[1])
		},
	}
	f := c.Flags()
	f.StringVar(&o.OldBatch, "old-batch", "", "read only this batch of OLD (default: every finished run)")
	f.StringVar(&o.NewBatch, "new-batch", "", "read only this batch of NEW (default: every finished run)")
	f.StringSliceVar(&o.Metrics, "metrics", nil, "figures to test, comma-separated (default: every KPI and sum of run_totals, and the daily counts it has not)")
	f.Float64Var(&o.Alpha, "alpha", 0.05, "family-wise error rate of the check, in (0, 1)")
	f.BoolVar(&o.Brief, "brief", false, "print only the figures that differ, then the verdict")
	f.BoolVar(&o.Summary, "summary", false, "print one line per figure over every scenario and arm (table format only)")
	addFormatFlag(f, &o.Format)
	return c
}

func runEquivalence(cmd *cobra.Command, o *equivOptions, oldPath, newPath string) error {
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return usageErr("--alpha: must be between 0 and 1 (exclusive), got %v", o.Alpha)
	}
	switch {
	case o.Summary && o.Format != reports.FormatTable:
		return usageErr("--summary prints a text table; leave out --format %s, or use --format %s without --summary for every figure", o.Format, o.Format)
	case o.Summary && o.Brief:
		return usageErr("--brief and --summary: choose one (--brief lists the figures that differ, --summary one line per figure)")
	}
	if a, errA := os.Stat(oldPath); errA == nil {
		if b, errB := os.Stat(newPath); errB == nil && os.SameFile(a, b) {
			return usageErr("equivalence: OLD and NEW are the same file %s; give the databases of the two builds", oldPath)
		}
	}
	metrics := reports.EquivMetrics()
	if len(o.Metrics) > 0 {
		var chosen []string
		for _, m := range o.Metrics {
			if !slices.Contains(metrics, m) {
				return usageErr("--metrics: %s is not a figure of run_totals or a daily count; choose from %s", datasets.ClipQ(m), strings.Join(metrics, ", "))
			}
			if !slices.Contains(chosen, m) {
				chosen = append(chosen, m)
			}
		}
		metrics = chosen
	}
	for _, p := range []string{oldPath, newPath} {
		if err := checkDBPath(p); err != nil {
			return err
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return usageErr("equivalence: no results database at %s; make it with msgmon compare --db %s", p, p)
		}
	}
	ctx := cmd.Context()
	read := func(path, batch string) (*reports.EquivInput, error) {
		db, err := openSealed(ctx, "equivalence", path)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		in, err := reports.ReadEquivRuns(ctx, db, batch, metrics)
		if err != nil {
			return nil, err
		}
		if len(in.Runs) == 0 {
			what := "finished runs"
			if batch != "" {
				what = "finished runs of batch " + batch
			}
			return nil, usageErr("equivalence: %s holds no %s; run msgmon compare --db %s first", path, what, path)
		}
		return in, nil
	}
	oldIn, err := read(oldPath, o.OldBatch)
	if err != nil {
		return err
	}
	newIn, err := read(newPath, o.NewBatch)
	if err != nil {
		return err
	}
	e, err := reports.CheckEquivalence(oldIn, newIn, o.Alpha)
	var ee *reports.EquivError
	if errors.As(err, &ee) {
		return inputError{Err: fmt.Errorf("equivalence: %w", err)}
	}
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	switch {
	case o.Summary:
		err = e.WriteSummary(w)
	case o.Format == reports.FormatTable:
		err = e.Write(w, o.Brief)
	default:
		t := e.Table()
		if o.Brief {
			var rows [][]any
			for i, c := range e.Cells {
				if c.Differs {
					rows = append(rows, t.Rows[i])
				}
			}
			t.Rows = rows
		}
		err = store.WriteTable(w, t, o.Format)
		for _, n := range e.Notes {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", n)
		}
		fmt.Fprintln(cmd.ErrOrStderr(), e.Verdict())
	}
	if err != nil {
		return err
	}
	if _, _, differs, _ := e.Counts(); differs > 0 {
		return differsError{fmt.Errorf("equivalence: %s", e.Verdict())}
	}
	return nil
}
