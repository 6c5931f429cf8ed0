package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
)

func newCompareCommand() *cobra.Command {
	var o runOptions
	var baseline string
	var noReport bool
	var format string
	var shard shardOptions
	c := &cobra.Command{
		Use:   "compare [scenario.yaml]",
		Short: "Run every model of a scenario on the same population and compare them",
		Long: `Compare runs every arm of a scenario on the same populations and random
numbers, for the scenario's replicates, stores every run, and prints each
arm's headline figures as mean and 95 % confidence interval: weekly reach of
messages and of ads, push and folder messages per user and week, users lost
to messages, negative reactions per 1,000 messages, churn caused by messages
per 1,000 follows, platform revenue per user and year and business net value
(each a run_totals column, defined in models/ODD.md, Metrics, and listed
under the table); what each arm runs, with its service window; and
each arm's paired difference to the baseline in words: "paid_push adds ..."
for an arm that is the baseline plus models, "X instead of Y changes ..."
for one that runs other models. It then writes a PDF report and PNG charts
of the batch next to the database (report-<batch>.pdf, charts-<batch>/)
unless --no-report; the report uses the same baseline.

Comparisons are increments over a base: the base arm (by default "service",
running service_only) is the baseline, and every other arm runs the base's
models plus its own (by default service+<model> for each other enabled
model). A scenario's compare: section can name another base, and arms
with standalone: true that replace the base instead.

With no file it runs the embedded default scenario.`,
		Example: `  msgmon compare
  msgmon compare scenario.yaml --baseline service --replicates 16
  msgmon compare --users 5000 --replicates 4 --no-report
  msgmon compare --preset whatsapp-business-2025 --db /tmp/r.duckdb`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := o.load(args)
			if err != nil {
				return err
			}
			if err := shard.apply(&o.DB, cmd.ErrOrStderr()); err != nil {
				return err
			}
			if err := checkPaths(o.reads(args), dbArgs(o.DB)); err != nil {
				return err
			}
			if err := checkArmNames(sc, o.Arms); err != nil {
				return err // before the baseline, which --arm may leave out
			}
			base := baseline
			if base == "" {
				base = sc.Baseline()
			} else if err := checkBaseline(sc, o.Arms, base); err != nil {
				return err // before anything runs
			}
			o.shard = &shard
			res, err := runScenario(cmd.Context(), &o, sc, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if shard.run != nil {
				shard.shardDone(cmd.OutOrStdout(), o.DB)
				return nil
			}
			if !slices.Contains(res.arms, base) {
				base = res.arms[0]
			}
			db, err := store.OpenReadOnly(cmd.Context(), o.DB)
			if err != nil {
				return err
			}
			defer db.Close()
			cmp, err := reports.Compare(cmd.Context(), db, res.batchID, base, res.arms)
			if err != nil {
				return err
			}
			note := notes(format, cmd.OutOrStdout(), cmd.ErrOrStderr())
			fmt.Fprintln(note, o.population(sc)+".")
			if err := cmp.WriteFormat(cmd.OutOrStdout(), format); err != nil {
				return err
			}
			fmt.Fprintf(note, "\n%d runs stored in %s (batch %s); query them with: msgmon query --db %s \"SELECT * FROM run_totals WHERE batch_id = '%s'\"\n",
				len(res.runIDs), o.DB, res.batchID, o.DB, res.batchID)
			if noReport {
				return nil
			}
			pdf, pngDir := defaultReportPaths(o.DB, res.batchID)
			return runReport(cmd.Context(), &reportOptions{DB: o.DB, Batch: res.batchID, Baseline: base, Out: pdf, PNG: pngDir}, note)
		},
	}
	addFormatFlag(c.Flags(), &format)
	o.AddFlags(c.Flags())
	shard.AddFlags(c.Flags())
	c.Flags().StringVar(&baseline, "baseline", "", "arm the others are compared with (default: the scenario's baseline)")
	c.Flags().BoolVar(&noReport, "no-report", false, "do not write the PDF report and PNG charts")
	return c
}

// checkBaseline refuses a --baseline that is not among the arms to run:
// those named by --arm, else all the scenario's.
func checkBaseline(sc *datasets.Scenario, only []string, base string) error {
	arms := only
	if len(arms) == 0 {
		for _, a := range sc.Arms() {
			arms = append(arms, a.Name)
		}
	}
	if !slices.Contains(arms, base) {
		return usageErr("--baseline %s: not an arm of this comparison; its arms are %s", datasets.Clip(base), strings.Join(arms, ", "))
	}
	return nil
}

// checkArmNames refuses an --arm that names no arm of the scenario, naming
// it and the arms there are: the first thing to say about it, before any
// rule about which arms must run.
func checkArmNames(sc *datasets.Scenario, only []string) error {
	var names []string
	for _, a := range sc.Arms() {
		names = append(names, a.Name)
	}
	for _, a := range only {
		if !slices.Contains(names, a) {
			return unknownArm(a, names)
		}
	}
	return nil
}

// unknownArm is the message of an --arm that is not among names.
func unknownArm(arm string, names []string) error {
	return usageErr("--arm %s: arm %s is unknown; the scenario's arms are %s", datasets.Clip(arm), datasets.ClipQ(arm), strings.Join(names, ", "))
}
