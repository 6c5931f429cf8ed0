package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets/store"
)

type mergeOptions struct {
	AllowPartial bool
}

func newMergeCommand() *cobra.Command {
	var o mergeOptions
	c := &cobra.Command{
		Use:   "merge OUT SHARD...",
		Short: "Merge the shard databases of a study into one database",
		Long: `Merge copies the runs of the shard databases of one study (written by
compare, sweep or sensitivity with --shard I/N, or in a Slurm job array or a
Kubernetes Indexed Job) into OUT, a new or an existing results database, in
one transaction. Reports, notebooks, query and the sweep views then read OUT
as if one machine had made every run.

It is idempotent: a run OUT already holds with the same content is not
copied again, so merging a shard twice, or merging again after a failed
shard was rerun, adds only what is new. It refuses, with exit code 2,
before OUT is opened for writing (so OUT stays byte for byte as it was, or
is not made):

  - shards of two different studies, or written by two msgmon versions;
  - a file that is not a shard database;
  - a run held twice with different content (both places are named);
  - runs the study expects that no shard holds (the shard that should have
    made them is named), unless --allow-partial.

A shard holds its whole study's plan, so a task that failed or never ran
is named even when its file is missing. A merge that fails or is stopped
(exit 130 or 143) before its commit leaves OUT as it was too: a new OUT is
written to a temporary file next to it and renamed into place when
complete. A signal while the commit is under way cannot stop it: merge
exits 130 or 143 all the same and says that OUT holds the merge. OUT can itself be merged on into
another output (merges of merges, for many machines).`,
		Example: `  msgmon merge results.duckdb results.shard-*-of-4.duckdb
  msgmon merge --allow-partial results.duckdb results.shard-1-of-4.duckdb results.shard-2-of-4.duckdb`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.Context(), &o, args[0], args[1:], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	c.Flags().BoolVar(&o.AllowPartial, "allow-partial", false, "merge even when runs the study expects are in no shard (they are listed)")
	return c
}

func runMerge(ctx context.Context, o *mergeOptions, out string, shards []string, w, stderr io.Writer) error {
	var reads []pathArg
	for _, s := range shards {
		reads = append(reads, fileArg("shard", s), fileArg("the write-ahead log of shard "+s+" ("+s+".wal)", s+".wal"))
	}
	writes := []pathArg{fileArg("the output "+out, out), fileArg("the write-ahead log of the output "+out+" ("+out+".wal)", out+".wal")}
	if err := checkPaths(reads, writes); err != nil {
		return err
	}
	t0 := time.Now()
	rep, err := store.Merge(ctx, out, shards, store.MergeOptions{AllowPartial: o.AllowPartial})
	if err == nil && ctx.Err() != nil {
		// Stopped as the merge ended: it is complete, and says so.
		rep.Committed, err = true, fmt.Errorf("merge: %w", ctx.Err())
	}
	var me *store.MergeError
	if errors.As(err, &me) {
		return inputError{Err: err}
	}
	if err != nil && rep != nil && rep.Committed {
		// Stopped while the commit was under way: it completed.
		fmt.Fprintf(stderr, "msgmon: merge: stopped while it committed; the commit completed, so %s holds the %d runs copied; msgmon merge again copies nothing new\n", out, rep.Copied)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "merged %d shard files of %s %s (%s, msgmon %s) into %s in %.2f s: %d runs copied (%d rows), %d already there, %d found in two shards; %d of the study's %d runs are in %s\n",
		len(shards), rep.Kind, rep.StudyID, rep.Name, rep.Version, out, time.Since(t0).Seconds(),
		rep.Copied, rep.Rows, rep.Present, rep.Duplicates, rep.Expected-rep.MissingCount(), rep.Expected, out)
	for _, m := range rep.Missing {
		who := "runs of no recorded shard"
		if m.Shard.Count > 0 {
			who = "shard " + m.Shard.String()
		}
		fmt.Fprintf(w, "missing (--allow-partial): %s: %d runs: %s\n", who, len(m.Keys), strings.Join(m.Keys, " "))
	}
	switch rep.Kind {
	case "compare":
		fmt.Fprintf(w, "read it with: msgmon report --db %s --batch %s, or msgmon query --db %s \"SELECT * FROM run_totals WHERE batch_id = '%s'\"\n", out, rep.StudyID, out, rep.StudyID)
	case "robust":
		fmt.Fprintf(w, "analyse it with the same msgmon robust command and --db %s (it runs nothing new), or msgmon query --db %s \"SELECT * FROM %s\"\n", out, out, store.SweepView(rep.Name))
	default:
		view := store.SweepView(rep.Name)
		fmt.Fprintf(w, "read it with: msgmon query --db %s \"SELECT * FROM %s_summary\"; msgmon sensitivity with --db %s analyses a morris or sobol design\n", out, view, out)
	}
	return nil
}
