package store

import (
	"context"
	"sync"

	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// Sink stores the runs of one comparison as they finish, each in its own
// transaction.
type Sink struct {
	DB           *DB
	BatchID      string
	Scenario     string
	ScenarioHash string
	ScenarioJSON string
	Version      string
	Params       string
	// KeyPrefix, if set, is put before every run key: a sweep's points
	// share a scenario file but not their runs.
	KeyPrefix string
	// RunIDs are the ids of the runs stored so far, in order.
	RunIDs []int64
	mu     sync.Mutex
}

// WriteRun implements experiment.Sink. It is safe for concurrent use.
func (s *Sink) WriteRun(ctx context.Context, info experiment.RunInfo, res *sim.Result) error {
	id, err := s.DB.WriteRun(ctx, RunMeta{
		BatchID: s.BatchID, RunKey: s.KeyPrefix + info.Key(s.ScenarioHash), Scenario: s.Scenario,
		ScenarioHash: s.ScenarioHash, ScenarioJSON: s.ScenarioJSON, Arm: info.Arm, Models: info.Models,
		Replicate: info.Replicate, Seed: info.RunSeed, Users: info.Users, Businesses: len(res.Businesses), Days: len(res.Daily),
		Workers: info.Workers, Version: s.Version, Started: info.Started, Finished: info.Finished, Params: s.Params,
	}, res)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.RunIDs = append(s.RunIDs, id)
	s.mu.Unlock()
	return nil
}
