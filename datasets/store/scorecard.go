package store

import (
	"context"
	"time"
)

// scorecardDDL: one row per fact of a scorecard (msgmon scorecard): what
// the world reports (the value as the source measured it, its band and
// how the band was set, the source and its date), what the model gives
// measured the same way (the mean over the replicates and its standard
// error), and whether that passes. A scorecard run again with the same
// facts and msgmon replaces its rows.
const scorecardDDL = `CREATE TABLE IF NOT EXISTS scorecard (
	scorecard_id   VARCHAR NOT NULL,
	position       INTEGER NOT NULL,
	fact           VARCHAR NOT NULL,
	quantity       VARCHAR NOT NULL,
	unit           VARCHAR,
	scenario       VARCHAR NOT NULL,
	arm            VARCHAR,
	measure        VARCHAR NOT NULL,
	output         VARCHAR,
	horizon_days   INTEGER,
	observed       DOUBLE,
	band_low       DOUBLE,
	band_high      DOUBLE,
	significant    BOOLEAN NOT NULL,
	band_basis     VARCHAR NOT NULL,
	model          DOUBLE,
	model_se       DOUBLE,
	replicates     INTEGER NOT NULL,
	pass           BOOLEAN NOT NULL,
	source         VARCHAR NOT NULL,
	source_date    VARCHAR NOT NULL,
	sweep_id       VARCHAR,
	facts_file     VARCHAR NOT NULL,
	scale          DOUBLE NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// ScorecardRow is one row of scorecard. NaN numbers (a direction's
// observed value, an open end of a band, an input's standard error) and
// a zero Horizon are stored as NULL.
type ScorecardRow struct {
	ScorecardID        string
	Fact, Quantity     string
	Unit               string
	Scenario, Arm      string
	Measure            string // "value", "ratio" or "input"
	Output             string
	Horizon            int
	Observed           float64
	Low, High          float64
	Significant        bool
	Basis              string
	Model, SE          float64
	Replicates         int
	Pass               bool
	Source, SourceDate string
	SweepID            string
	FactsFile          string
	Scale              float64
	Version            string
}

// WriteScorecard replaces the rows of the scorecard rows[0].ScorecardID
// with rows, in one transaction.
func (db *DB) WriteScorecard(ctx context.Context, rows []ScorecardRow) error {
	if len(rows) == 0 {
		return nil
	}
	now := time.Now().UTC()
	var vals [][]any
	for i, r := range rows {
		var h any
		if r.Horizon > 0 {
			h = r.Horizon
		}
		vals = append(vals, []any{r.ScorecardID, i, r.Fact, r.Quantity, nullIfEmpty(r.Unit), r.Scenario, nullIfEmpty(r.Arm), r.Measure,
			nullIfEmpty(r.Output), h, finiteOrNull(r.Observed), finiteOrNull(r.Low), finiteOrNull(r.High), r.Significant, r.Basis,
			finiteOrNull(r.Model), finiteOrNull(r.SE), r.Replicates, r.Pass, r.Source, r.SourceDate, nullIfEmpty(r.SweepID),
			r.FactsFile, r.Scale, r.Version, now})
	}
	return db.replaceRows(ctx, "scorecard", "scorecard", "scorecard_id", rows[0].ScorecardID, vals)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
