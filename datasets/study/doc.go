// Package study runs msgmon's studies into a results database: sweeps and
// robust studies (Execute), the evaluations of an optimisation, a
// calibration or a scorecard (Evaluator), the calibration's search
// (Calibrate) and its plausible set by approximate Bayesian computation
// (Calibration.DrawPlausible), and the robust study's slots (PlanRobust,
// ExecuteRobust, SlotSeed).
//
// It also holds what every command that runs simulations shares: the one
// way a scenario becomes a point's runs and their store sink (PointRuns),
// memory planning (PeakMemory, CheckMemory, RunsAtOnce) and the shard
// environment of batch engines (ShardFromEnv, ShardPath, StudyID,
// ShardRun).
//
// The package prints no tables and reads no flags: the command line
// (cmd/msgmon) turns its flags into Options and prints the results.
// Notes go to Options.Log, a progress bar to Options.Progress; errors the
// user fixes by changing the input are InputErrors.
package study

import (
	"fmt"
	"io"
)

// InputError marks errors the user fixes by changing the input: a study
// file, a flag's value, an environment variable. The command line exits
// with its bad-input code for them.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// InputErrorf is an InputError with a formatted message.
func InputErrorf(format string, args ...any) error {
	return InputError{fmt.Errorf(format, args...)}
}

// Options are how a study runs: where its results go, how many runs at a
// time, and where its notes and progress go.
type Options struct {
	DB string // the results database (created if missing)
	// Runs at a time and worker goroutines per run; 0 chooses
	// (RunsAtOnce). Results depend on neither.
	Parallel, Workers int
	Version           string    // msgmon's version, stored with every run and fit
	Shard             *ShardRun // run only this shard's runs (nil: the whole study)
	// Log receives notes: what opening the database repaired, that a
	// study resumes, that ABC ran out of budget (nil: none).
	Log io.Writer
	// Progress receives a progress bar of a study's runs (nil: none): a
	// terminal.
	Progress io.Writer
	// Status receives a search's running count of evaluations, each
	// overwriting the last (nil: none): a terminal.
	Status io.Writer
}

// log is where notes go.
func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}
