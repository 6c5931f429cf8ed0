package store

import (
	"context"
	"fmt"
	"time"
)

// robustDDL: one row per study, arm, arm it is compared with (against:
// the study's base, or another arm head to head) and metric of msgmon
// robust: the paired difference over the plausible behaviour vectors
// (mean, 90 % plausible range, probability of beating the other arm,
// exact ties, vectors where a run has no value), the replicate noise
// within a vector and the probability that the ranking of the arms holds. New in schema version 5; a
// self-contained CREATE, so an older file only gains an empty table. A
// study analysed again replaces its rows.
const robustDDL = `CREATE TABLE IF NOT EXISTS robust_results (
	study_id       VARCHAR NOT NULL,
	scenario       VARCHAR NOT NULL,
	against        VARCHAR NOT NULL,
	arm            VARCHAR NOT NULL,
	metric         VARCHAR NOT NULL,
	mean_diff      DOUBLE,
	lo             DOUBLE,
	hi             DOUBLE,
	p_better       DOUBLE,
	ties           INTEGER NOT NULL,
	missing        INTEGER NOT NULL,
	vectors        INTEGER NOT NULL,
	replicates     INTEGER NOT NULL,
	se_median      DOUBLE,
	p_ranking      DOUBLE,
	plausible      VARCHAR NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// RobustRow is one row of robust_results; NaN numbers are stored as NULL.
type RobustRow struct {
	StudyID, Scenario, Against, Arm, Metric string
	MeanDiff, Lo, Hi, PBetter               float64
	Ties, Missing, Vectors, Replicates      int
	SEMedian, PRanking                      float64
	Plausible, Version                      string
}

// WriteRobust replaces the rows of the study studyID with rows, in one
// transaction.
func (db *DB) WriteRobust(ctx context.Context, studyID string, rows []RobustRow) error {
	now := time.Now().UTC()
	var vals [][]any
	for _, r := range rows {
		if r.StudyID != studyID {
			return fmt.Errorf("store: robust results: a row of study %s among those of %s", r.StudyID, studyID)
		}
		vals = append(vals, []any{r.StudyID, r.Scenario, r.Against, r.Arm, r.Metric, finiteOrNull(r.MeanDiff), finiteOrNull(r.Lo),
			finiteOrNull(r.Hi), finiteOrNull(r.PBetter), r.Ties, r.Missing, r.Vectors, r.Replicates, finiteOrNull(r.SEMedian),
			finiteOrNull(r.PRanking), r.Plausible, r.Version, now})
	}
	return db.replaceRows(ctx, "robust results", "robust_results", "study_id", studyID, vals)
}
