package store

import (
	"context"
	"fmt"
	"math"
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
	if db.readOnly {
		return ErrReadOnly
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: robust results: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM robust_results WHERE study_id = ?", studyID); err != nil {
		return fmt.Errorf("store: robust results: %w", err)
	}
	null := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	now := time.Now().UTC()
	for _, r := range rows {
		if r.StudyID != studyID {
			return fmt.Errorf("store: robust results: a row of study %s among those of %s", r.StudyID, studyID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO robust_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.StudyID, r.Scenario, r.Against, r.Arm, r.Metric, null(r.MeanDiff), null(r.Lo), null(r.Hi), null(r.PBetter),
			r.Ties, r.Missing, r.Vectors, r.Replicates, null(r.SEMedian), null(r.PRanking), r.Plausible, r.Version, now); err != nil {
			return fmt.Errorf("store: robust results: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: robust results: %w", err)
	}
	_, _ = db.sql.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
	return nil
}
