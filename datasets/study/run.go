package study

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

// PointSetup is how PointRuns makes a scenario into a point: which of its
// arms run, with how many workers, and what its sink stores with every run.
type PointSetup struct {
	DB      *store.DB // may be set on the sink later, before the point runs
	Batch   string    // the runs' batch id
	Prefix  string    // the run key prefix ("<study id>/p<point>/"; "": none)
	Params  string    // runs.params ("": none)
	Version string    // msgmon's version
	// Arms are the arms to run, in this order; names the scenario lacks
	// are left out (nil: every arm of the scenario, in its order).
	Arms    []string
	Workers int
	// Stored are the run keys already in the database: those of this
	// point (Prefix and the run's key) are skipped (nil: none skipped).
	Stored map[string]bool
}

// PointRuns is the one way a scenario becomes a point of runs and the
// sink that stores them: its spec with the arms and workers of p, its
// hash, and a store.Sink writing every run into p.DB under p's batch,
// key prefix and params. Every command that runs scenarios (run,
// compare, sweep, robust, the evaluations of a search) builds its points
// with it.
func PointRuns(s *datasets.Scenario, p PointSetup) (experiment.Point, *store.Sink, error) {
	spec, err := s.Spec()
	if err != nil {
		return experiment.Point{}, nil, err
	}
	if p.Arms != nil {
		var kept []experiment.Arm
		for _, name := range p.Arms {
			if i := slices.IndexFunc(spec.Arms, func(a experiment.Arm) bool { return a.Name == name }); i >= 0 {
				kept = append(kept, spec.Arms[i])
			}
		}
		spec.Arms = kept
	}
	spec.Workers = p.Workers
	hash, err := s.Hash()
	if err != nil {
		return experiment.Point{}, nil, err
	}
	js, err := s.JSON()
	if err != nil {
		return experiment.Point{}, nil, err
	}
	if p.Stored != nil {
		prefix, stored := p.Prefix, p.Stored
		spec.Skip = func(k string) bool { return stored[prefix+k] }
	}
	sink := &store.Sink{DB: p.DB, BatchID: p.Batch, Scenario: s.Name, ScenarioHash: hash, ScenarioJSON: string(js),
		Version: p.Version, Params: p.Params, KeyPrefix: p.Prefix}
	return experiment.Point{Spec: spec, Hash: hash, Sink: sink}, sink, nil
}

// Study is a set of points, each a scenario run for its arms and
// replicates into one batch and registered in the sweep tables: a sweep's
// points, or a robust study's behaviours.
type Study struct {
	Meta      store.SweepMeta // ID, name, design, columns and each point's params
	Kind      string          // "sweep" or "robust": the shard table's kind and the messages'
	Scenarios []*datasets.Scenario
	Index     []int    // each point's number in run keys and runs.params
	Arms      []string // the arms to run, in the scenarios' order (nil: each scenario's own)
	Status    string   // the progress bar's text, with %d for the runs at a time
}

// Execute runs (or resumes) every point of st into the database o.DB
// (created with its folder if missing) and returns it open; close it when
// done. Runs already stored (run keys under "<id>/p<point>/") are
// skipped, so a study started again ends with the rows of one
// uninterrupted run. With o.Shard, only that shard's runs are made.
func Execute(ctx context.Context, o Options, st Study) (db *store.DB, err error) {
	// Memory: the largest point, once per run at a time.
	largest := &st.Scenarios[0].Config
	pairs, runs := 0, 0 // (point, replicate) pairs, the units run side by side
	for _, s := range st.Scenarios {
		if sim.MemoryEstimate(&s.Config) > sim.MemoryEstimate(largest) {
			largest = &s.Config
		}
		arms := len(s.Arms())
		if st.Arms != nil {
			arms = len(st.Arms)
		}
		pairs += s.Replicates
		runs += s.Replicates * arms
	}
	if err := CheckMemory(st.Meta.Name, largest); err != nil {
		return nil, err
	}
	parallel, workers := RunsAtOnce(o.Parallel, o.Workers, pairs, largest)
	if err := os.MkdirAll(filepath.Dir(o.DB), 0o755); err != nil {
		return nil, err
	}
	opened, err := OpenStore(ctx, o.DB, o.log())
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
	resumed, err := RegisterSweep(ctx, db, st.Meta)
	if err != nil {
		return nil, err
	}
	if err := CheckResumeVersion(ctx, db, o.DB, st.Kind, st.Meta.ID, o.Version); err != nil {
		return nil, err
	}
	keys, err := db.RunKeys(ctx)
	if err != nil {
		return nil, err
	}
	var points []experiment.Point
	var prefixes []string
	stored := 0
	for i, s := range st.Scenarios {
		prefix := fmt.Sprintf("%s/p%d/", st.Meta.ID, st.Index[i])
		pt, _, err := PointRuns(s, PointSetup{DB: db, Batch: st.Meta.ID, Prefix: prefix, Params: st.Meta.Points[i],
			Version: o.Version, Arms: st.Arms, Workers: workers, Stored: keys})
		if err != nil {
			return nil, err
		}
		for k := range keys {
			if strings.HasPrefix(k, prefix) {
				stored++
			}
		}
		points = append(points, pt)
		prefixes = append(prefixes, prefix)
	}
	if o.Shard != nil {
		sd := store.Study{ID: st.Meta.ID, Kind: st.Kind, Name: st.Meta.Name, Hash: st.Meta.ID, Version: o.Version}
		if err := o.Shard.Points(ctx, db, sd, points, prefixes); err != nil {
			return nil, err
		}
	}
	if resumed {
		fmt.Fprintf(o.log(), "%s %s: resuming; %d of %d runs already stored\n", st.Kind, st.Meta.ID, stored, runs)
	}
	progress, finish := Bar(o.Progress, fmt.Sprintf(st.Status, parallel))
	defer finish()
	if err := experiment.RunPoints(ctx, points, parallel, progress); err != nil {
		return nil, err
	}
	return db, nil
}

// Bar is a progress bar on w described by desc: the progress function
// for experiment.RunPoints and the function that finishes the bar. With w
// nil there is no bar: progress is nil and finish does nothing.
func Bar(w io.Writer, desc string) (progress func(done, total int), finish func()) {
	if w == nil {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(100, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish())
	return func(done, total int) { _ = bar.Set(done * 100 / total) }, func() { _ = bar.Finish() }
}

// CheckResumeVersion refuses to resume study id (of kind, for the
// message) in the database at path when runs of it stored there were
// made by another msgmon version than version: the two versions' runs
// may differ, and analysed together they would give neither's answer.
// Shard resume and merge refuse the same.
func CheckResumeVersion(ctx context.Context, db *store.DB, path, kind, id, version string) error {
	vs, err := db.RunVersions(ctx, id+"/")
	if err != nil {
		return err
	}
	var other []string
	for _, v := range vs {
		if v != version {
			other = append(other, v)
		}
	}
	if len(other) == 0 {
		return nil
	}
	return InputErrorf("%s %s in %s was started by msgmon %s; this is msgmon %s, and the runs of two versions may differ: resume it with msgmon %s, or start it afresh with another --db",
		kind, id, path, strings.Join(other, " and "), version, other[0])
}

// RegisterSweep registers a study's sweep and reports whether it was
// registered already (the study resumes); a name whose views another
// sweep in the database has is an InputError: the user renames the study.
func RegisterSweep(ctx context.Context, db *store.DB, meta store.SweepMeta) (bool, error) {
	resumed, err := db.RegisterSweep(ctx, meta)
	if errors.Is(err, store.ErrSweepNameClash) {
		return false, InputError{err}
	}
	return resumed, err
}

// OpenStore opens the results database at path for writing and tells
// the user on w what opening it had to repair.
func OpenStore(ctx context.Context, path string, w io.Writer) (*store.DB, error) {
	db, err := store.Open(ctx, path)
	if err == nil && db.Notice != "" {
		fmt.Fprintln(w, "msgmon: note:", db.Notice)
	}
	return db, err
}
