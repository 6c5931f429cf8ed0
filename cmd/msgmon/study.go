package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// study is a set of points, each a scenario run for its arms and
// replicates into one batch and registered in the sweep tables: a sweep's
// points, or a robust study's behaviours.
type study struct {
	meta   store.SweepMeta // ID, name, design, columns and each point's params
	kind   string          // "sweep" or "robust": the shard table's kind and the messages'
	scen   []*datasets.Scenario
	index  []int    // each point's number in run keys and runs.params
	arms   []string // the arms to run (nil: each scenario's own)
	status string   // the progress bar's text, with %d for the runs at a time
}

// studyFlags are the flags of a command that runs a study.
type studyFlags struct {
	DB                string
	Parallel, Workers int
	Quiet             bool
	Shard             *shardOptions
}

// executeStudy runs (or resumes) every point of st into the database and
// returns it open; close it when done. Runs already stored (run keys
// under "<id>/p<point>/") are skipped, so a study started again ends with
// the rows of one uninterrupted run.
func executeStudy(ctx context.Context, o studyFlags, st study, stderr io.Writer) (db *store.DB, err error) {
	// Memory: the largest point, once per run at a time.
	largest := &st.scen[0].Config
	pairs, runs := 0, 0 // (point, replicate) pairs, the units run side by side
	for _, s := range st.scen {
		if sim.MemoryEstimate(&s.Config) > sim.MemoryEstimate(largest) {
			largest = &s.Config
		}
		arms := len(s.Arms())
		if st.arms != nil {
			arms = len(st.arms)
		}
		pairs += s.Replicates
		runs += s.Replicates * arms
	}
	if err := checkMemory(st.meta.Name, largest); err != nil {
		return nil, err
	}
	parallel, workers := runsAtOnce(o.Parallel, o.Workers, pairs, largest)
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return nil, err
	}
	opened, err := openStore(ctx, o.DB, stderr)
	if err != nil {
		return nil, err
	}
	// Closed on any error: "return nil, err" has set db to nil by the
	// time this runs, so it holds the database itself.
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	db = opened
	resumed, err := registerSweep(ctx, db, st.meta)
	if err != nil {
		return nil, err
	}
	if err := checkResumeVersion(ctx, db, o.DB, st.kind, st.meta.ID); err != nil {
		return nil, err
	}
	keys, err := db.RunKeys(ctx)
	if err != nil {
		return nil, err
	}
	var points []experiment.Point
	var prefixes []string
	stored := 0
	for i, s := range st.scen {
		spec, err := s.Spec()
		if err != nil {
			return nil, err
		}
		if st.arms != nil {
			var kept []experiment.Arm
			for _, a := range spec.Arms {
				if slices.Contains(st.arms, a.Name) {
					kept = append(kept, a)
				}
			}
			spec.Arms = kept
		}
		spec.Workers = workers
		hash, err := s.Hash()
		if err != nil {
			return nil, err
		}
		js, err := s.JSON()
		if err != nil {
			return nil, err
		}
		prefix := fmt.Sprintf("%s/p%d/", st.meta.ID, st.index[i])
		spec.Skip = func(k string) bool { return keys[prefix+k] }
		for k := range keys {
			if strings.HasPrefix(k, prefix) {
				stored++
			}
		}
		sink := &store.Sink{DB: db, BatchID: st.meta.ID, Scenario: s.Name, ScenarioHash: hash, ScenarioJSON: string(js),
			Version: version(), Params: st.meta.Points[i], KeyPrefix: prefix}
		points = append(points, experiment.Point{Spec: spec, Hash: hash, Sink: sink})
		prefixes = append(prefixes, prefix)
	}
	if o.Shard != nil && o.Shard.shard != nil {
		sd := store.Study{ID: st.meta.ID, Kind: st.kind, Name: st.meta.Name, Hash: st.meta.ID, Version: version()}
		if err := o.Shard.shardPoints(ctx, db, sd, points, prefixes); err != nil {
			return nil, err
		}
	}
	if resumed {
		fmt.Fprintf(stderr, "%s %s: resuming; %d of %d runs already stored\n", st.kind, st.meta.ID, stored, runs)
	}
	var progress func(done, total int)
	if !o.Quiet && isTerminal(stderr) {
		bar := progressbar.NewOptions(100, progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(fmt.Sprintf(st.status, parallel)),
			progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish())
		progress = func(done, total int) { _ = bar.Set(done * 100 / total) }
		defer bar.Finish()
	}
	if err := experiment.RunPoints(ctx, points, parallel, progress); err != nil {
		return nil, err
	}
	return db, nil
}

// checkResumeVersion refuses to resume study id in the database at path
// when runs of it stored there were made by another msgmon version: the
// two versions' runs may differ, and analysed together they would give
// neither's answer. Shard resume and merge refuse the same.
func checkResumeVersion(ctx context.Context, db *store.DB, path, kind, id string) error {
	vs, err := db.RunVersions(ctx, id+"/")
	if err != nil {
		return err
	}
	var other []string
	for _, v := range vs {
		if v != version() {
			other = append(other, v)
		}
	}
	if len(other) == 0 {
		return nil
	}
	return usageErr("%s %s in %s was started by msgmon %s; this is msgmon %s, and the runs of two versions may differ: resume it with msgmon %s, or start it afresh with another --db",
		kind, id, path, strings.Join(other, " and "), version(), other[0])
}

// registerSweep registers a study's sweep; a name whose views another
// sweep in the database has is bad input: the user renames the study.
func registerSweep(ctx context.Context, db *store.DB, meta store.SweepMeta) (bool, error) {
	resumed, err := db.RegisterSweep(ctx, meta)
	if errors.Is(err, store.ErrSweepNameClash) {
		return false, inputError{err}
	}
	return resumed, err
}
