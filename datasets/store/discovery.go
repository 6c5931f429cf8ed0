package store

import (
	"context"
	"fmt"
	"time"
)

// discoveryDDL: the answer of msgmon discover, one row per box, per step of
// a box's peeling trajectory and per leaf of the classification tree:
// where in the inputs of a robust or sweep batch the question's answer
// holds (or fails). kind is "box" (a PRIM box chosen from its trajectory;
// box numbers the covering order), "step" (step of box's trajectory, the
// chosen one with chosen true), or "leaf" (a CART leaf). coverage is the
// share of the cases of interest inside, density the share of the cases
// inside that are of interest, mass the share of all cases inside; limits
// is a JSON object of the restricted inputs' [low, high] (null for an
// open end), sentence the box in words. A discovery run again with the
// same question on the same batch replaces its rows.
const discoveryDDL = `CREATE TABLE IF NOT EXISTS discovery (
	discovery_id   VARCHAR NOT NULL,
	batch_id       VARCHAR NOT NULL,
	question       VARCHAR NOT NULL,
	interest       VARCHAR NOT NULL,
	kind           VARCHAR NOT NULL,
	box            INTEGER NOT NULL,
	step           INTEGER NOT NULL,
	chosen         BOOLEAN NOT NULL,
	cases          INTEGER NOT NULL,
	cases_inside   INTEGER NOT NULL,
	interest_inside INTEGER NOT NULL,
	coverage       DOUBLE,
	density        DOUBLE,
	mass           DOUBLE,
	restricted     INTEGER NOT NULL,
	limits         VARCHAR NOT NULL,
	sentence       VARCHAR NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// DiscoveryRow is one row of discovery.
type DiscoveryRow struct {
	DiscoveryID, BatchID, Question, Interest, Kind string
	Box, Step                                      int
	Chosen                                         bool
	Cases, Inside, InterestInside                  int
	Coverage, Density, Mass                        float64
	Restricted                                     int
	Limits, Sentence, Version                      string
}

// WriteDiscovery replaces the rows of the discovery id with rows, in one
// transaction.
func (db *DB) WriteDiscovery(ctx context.Context, id string, rows []DiscoveryRow) error {
	now := time.Now().UTC()
	var vals [][]any
	for _, r := range rows {
		if r.DiscoveryID != id {
			return fmt.Errorf("store: discovery: a row of %s among those of %s", r.DiscoveryID, id)
		}
		vals = append(vals, []any{r.DiscoveryID, r.BatchID, r.Question, r.Interest, r.Kind, r.Box, r.Step, r.Chosen, r.Cases, r.Inside,
			r.InterestInside, finiteOrNull(r.Coverage), finiteOrNull(r.Density), finiteOrNull(r.Mass), r.Restricted, r.Limits, r.Sentence, r.Version, now})
	}
	return db.replaceRows(ctx, "discovery", "discovery", "discovery_id", id, vals)
}
