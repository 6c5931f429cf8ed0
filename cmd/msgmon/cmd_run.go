package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

const defaultDB = "msgmon-out/results.duckdb"

// runOptions are the flags shared by run and compare.
type runOptions struct {
	scenarioOptions
	DB       string
	Arms     []string
	Workers  int
	Parallel int
	Quiet    bool
	shard    *shardOptions // compare: run one shard of the comparison
}

func (o *runOptions) AddFlags(f *pflag.FlagSet) {
	o.scenarioOptions.AddFlags(f)
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.StringSliceVar(&o.Arms, "arm", nil, "run only these arms (repeatable)")
	f.IntVar(&o.Parallel, "parallel", 0, "replicates at a time (0: one per core, fewer if memory is short); results do not depend on it")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel); results do not depend on it")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar")
}

func newRunCommand() *cobra.Command {
	var o runOptions
	c := &cobra.Command{
		Use:   "run [scenario.yaml]",
		Short: "Run a scenario's arms and store every run",
		Long: `Run simulates every arm of a scenario (or those chosen with --arm) for its
replicates and stores each run in the results database, one transaction per
run. With no file it runs the embedded default scenario.`,
		Example: `  msgmon run scenario.yaml --db results.duckdb
  msgmon run --preset default --arm service+paid_push --replicates 2`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := o.load(args)
			if err != nil {
				return err
			}
			if err := checkPaths(o.reads(args), dbArgs(o.DB)); err != nil {
				return err
			}
			res, err := runScenario(cmd.Context(), &o, sc, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stored %d runs of %s in %s (batch %s, run ids %d-%d)\n",
				len(res.runIDs), sc.Name, o.DB, res.batchID, res.runIDs[0], res.runIDs[len(res.runIDs)-1])
			return nil
		},
	}
	o.AddFlags(c.Flags())
	return c
}

type runOutcome struct {
	batchID string
	runIDs  []int64
	arms    []string
}

func newBatchID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// runScenario runs the scenario's arms into the database.
func runScenario(ctx context.Context, o *runOptions, sc *datasets.Scenario, progressOut io.Writer) (*runOutcome, error) {
	if err := study.CheckMemory(sc.Name, &sc.Config); err != nil {
		return nil, err
	}
	parallel, workers := study.RunsAtOnce(o.Parallel, o.Workers, sc.Replicates, &sc.Config)
	var only []string
	if len(o.Arms) > 0 {
		only = o.Arms
	}
	// The point's sink gets its database once the point is known to run.
	pt, sink, err := study.PointRuns(sc, study.PointSetup{Batch: newBatchID(), Version: version(), Arms: only, Workers: workers})
	if err != nil {
		return nil, err
	}
	var arms []string
	for _, a := range pt.Spec.Arms {
		arms = append(arms, a.Name)
	}
	if len(only) > 0 {
		var names []string
		for _, a := range sc.Arms() {
			names = append(names, a.Name)
		}
		for _, name := range only {
			if !slices.Contains(names, name) {
				return nil, unknownArm(name, names)
			}
		}
	}
	if len(arms) == 0 {
		return nil, usageErr("scenario %s enables no model: nothing to run", sc.Name)
	}
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return nil, err
	}
	db, err := study.OpenStore(ctx, o.DB, progressOut)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sink.DB = db
	// Each replicate runs its arms in turn on its own population;
	// replicates run side by side.
	points := []experiment.Point{pt}
	if o.shard != nil && o.shard.run != nil {
		// One shard of a study: a batch, run keys and seeds that come from
		// the study, never from the machine.
		sink.BatchID = study.StudyID("compare", pt.Hash, arms)
		sink.KeyPrefix = sink.BatchID + "/"
		st := store.Study{ID: sink.BatchID, Kind: "compare", Name: sc.Name, Hash: pt.Hash, Version: version()}
		if err := o.shard.run.Points(ctx, db, st, points, []string{sink.KeyPrefix}); err != nil {
			return nil, err
		}
	}
	var bar io.Writer
	if !o.Quiet && isTerminal(progressOut) {
		bar = progressOut
	}
	progress, finish := study.Bar(bar, fmt.Sprintf("%s: %d arms x %d replicates, %d at a time", sc.Name, len(arms), pt.Spec.Replicates, parallel))
	defer finish()
	if err := experiment.RunPoints(ctx, points, parallel, progress); err != nil {
		return nil, err
	}
	slices.Sort(sink.RunIDs) // in the order they were stored, which parallel replicates change
	return &runOutcome{batchID: sink.BatchID, runIDs: sink.RunIDs, arms: arms}, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
