package store

import (
	"context"
	"time"
)

// plausibleDDL: every parameter vector msgmon calibrate --plausible
// evaluated for approximate Bayesian computation, one row each: its
// generation, the threshold of that generation, its distance to the
// targets (the largest |model − observed| / tolerance over the targets),
// whether it was accepted and its importance weight (normalised over the
// generation's accepted vectors; 0 otherwise), the parameters and the
// model's outputs by target. The plausible set is the accepted vectors of
// the last generation (final). New in schema version 5; a calibration run
// again replaces its rows.
const plausibleDDL = `CREATE TABLE IF NOT EXISTS plausible_vectors (
	sweep_id       VARCHAR NOT NULL,
	name           VARCHAR NOT NULL,
	particle       INTEGER NOT NULL,
	generation     INTEGER NOT NULL,
	epsilon        DOUBLE,
	distance       DOUBLE,
	accepted       BOOLEAN NOT NULL,
	final          BOOLEAN NOT NULL,
	weight         DOUBLE NOT NULL,
	parameters     JSON NOT NULL,
	outputs        JSON NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// PlausibleRow is one row of plausible_vectors; an infinite distance or
// epsilon (no threshold, or outputs that are not numbers) is stored as
// NULL.
type PlausibleRow struct {
	SweepID, Name       string
	Particle            int
	Generation          int
	Epsilon, Distance   float64
	Accepted, Final     bool
	Weight              float64
	Parameters, Outputs string // JSON objects: path -> value, target -> value
	Version             string
}

// WritePlausible replaces the rows of the calibration sweepID with rows,
// in one transaction.
func (db *DB) WritePlausible(ctx context.Context, sweepID string, rows []PlausibleRow) error {
	now := time.Now().UTC()
	var vals [][]any
	for _, r := range rows {
		vals = append(vals, []any{sweepID, r.Name, r.Particle, r.Generation, finiteOrNull(r.Epsilon), finiteOrNull(r.Distance),
			r.Accepted, r.Final, r.Weight, r.Parameters, r.Outputs, r.Version, now})
	}
	return db.replaceRows(ctx, "plausible vectors", "plausible_vectors", "sweep_id", sweepID, vals)
}
