// Package experiment runs comparisons: every arm of a scenario on the same
// populations and random numbers, for a number of replicates, handing each
// finished run to a Sink (the results store) as it completes.
package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/msgmon/msgmon/sim"
)

// Arm is one side of a comparison: a name and the models it applies.
type Arm struct {
	Name   string
	Models []sim.Model
	// Channels, if not empty, is the subset of the models' proactive
	// channels the arm's businesses may use (sim.Platform.KeepChannels).
	Channels []string
}

// Spec describes a comparison.
type Spec struct {
	Config     sim.Config
	Arms       []Arm
	Replicates int
	Seed       uint64
	Workers    int // per run; 0: GOMAXPROCS
	// FirstReplicate lets a caller resume or shard: replicates
	// FirstReplicate .. FirstReplicate+Replicates-1 run, with the seeds they
	// would have in one long comparison.
	FirstReplicate int
	// Skip, if set, reports runs already stored (by RunKey), which are not
	// run again.
	Skip func(key string) bool
	// Progress, if set, is called after every simulated day of every run
	// with the days done and the days in all.
	Progress func(done, total int)
}

// RunInfo identifies one run of a comparison.
type RunInfo struct {
	Arm       string
	Models    []string
	Replicate int
	// PopulationSeed draws the replicate's population, shared by its arms;
	// RunSeed drives the run's random streams, the same for every arm of
	// the replicate (common random numbers).
	PopulationSeed uint64
	RunSeed        uint64
	Workers        int
	Users          int
	Started        time.Time
	Finished       time.Time
}

// Key is a run's deterministic identity within a scenario: the same arm,
// replicate and seed give the same key on any machine.
func (ri RunInfo) Key(scenarioHash string) string {
	return fmt.Sprintf("%s/%s/r%d/s%d", scenarioHash, ri.Arm, ri.Replicate, ri.RunSeed)
}

// Sink takes finished runs, one at a time.
type Sink interface {
	WriteRun(ctx context.Context, info RunInfo, res *sim.Result) error
}

// SeedOf returns the population and run seeds of replicate r of a
// scenario seed; they depend only on (seed, r).
func SeedOf(seed uint64, r int) (pop, run uint64) {
	s := sim.NewStream(seed, 0x5eed, r, 0)
	return s.Uint64(), s.Uint64()
}

// Run executes the comparison. It stops at a day boundary when ctx is
// cancelled; runs already handed to the sink stay there.
func Run(ctx context.Context, spec Spec, scenarioHash string, sink Sink) error {
	if len(spec.Arms) == 0 {
		return fmt.Errorf("experiment: no arms to compare")
	}
	if spec.Replicates < 1 {
		return fmt.Errorf("experiment: replicates must be at least 1, got %d", spec.Replicates)
	}
	platforms := make([]*sim.Platform, len(spec.Arms))
	for i, a := range spec.Arms {
		p, err := sim.NewPlatform(&spec.Config, a.Models...)
		if err != nil {
			return fmt.Errorf("arm %s: %w", a.Name, err)
		}
		if len(a.Channels) > 0 {
			if err := p.KeepChannels(a.Channels); err != nil {
				return fmt.Errorf("arm %s: %w", a.Name, err)
			}
		}
		platforms[i] = p
	}
	days := spec.Config.Days
	total := spec.Replicates * len(spec.Arms) * days
	done := 0
	for r := spec.FirstReplicate; r < spec.FirstReplicate+spec.Replicates; r++ {
		popSeed, runSeed := SeedOf(spec.Seed, r)
		var pop *sim.Population
		for i, a := range spec.Arms {
			info := RunInfo{Arm: a.Name, Models: platforms[i].Models, Replicate: r,
				PopulationSeed: popSeed, RunSeed: runSeed, Workers: spec.Workers, Users: spec.Config.Users}
			if spec.Skip != nil && spec.Skip(info.Key(scenarioHash)) {
				done += days
				report(spec.Progress, done, total)
				continue
			}
			if pop == nil {
				var err error
				if pop, err = sim.NewPopulationContext(ctx, &spec.Config, popSeed); err != nil {
					return err
				}
			}
			base := done
			info.Started = time.Now().UTC()
			res, err := sim.Run(ctx, pop, platforms[i], sim.RunSpec{Seed: runSeed, Workers: spec.Workers,
				Progress: func(d int) { report(spec.Progress, base+d+1, total) }})
			if err != nil {
				return err
			}
			info.Finished = time.Now().UTC()
			if err := sink.WriteRun(ctx, info, res); err != nil {
				return err
			}
			done += days
		}
	}
	return nil
}

func report(f func(int, int), done, total int) {
	if f != nil {
		f(done, total)
	}
}
