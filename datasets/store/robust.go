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

// robustSensitivityDDL: one row per study, arm, arm it is compared with,
// metric and input of msgmon robust: how strongly the paired difference
// follows an input that varies from slot to slot (a behaviour vector's
// parameter or an assumption drawn from its range), as Spearman's rank
// correlation over the slots (rho, its two-sided p-value, its rank among
// the row's inputs by |rho|, and whether it holds at 5 % after Bonferroni
// over the inputs). A self-contained CREATE, so an older file only gains
// an empty table; a study analysed again replaces its rows.
const robustSensitivityDDL = `CREATE TABLE IF NOT EXISTS robust_sensitivity (
	study_id       VARCHAR NOT NULL,
	against        VARCHAR NOT NULL,
	arm            VARCHAR NOT NULL,
	metric         VARCHAR NOT NULL,
	input          VARCHAR NOT NULL,
	rank           INTEGER NOT NULL,
	rho            DOUBLE,
	p_value        DOUBLE,
	slots          INTEGER NOT NULL,
	significant    BOOLEAN NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// SensitivityRow is one row of robust_sensitivity.
type SensitivityRow struct {
	StudyID, Against, Arm, Metric, Input string
	Rank                                 int
	Rho, P                               float64
	Slots                                int
	Significant                          bool
}

// WriteRobustSensitivity replaces the sensitivity rows of the study
// studyID with rows, in one transaction.
func (db *DB) WriteRobustSensitivity(ctx context.Context, studyID string, rows []SensitivityRow) error {
	now := time.Now().UTC()
	var vals [][]any
	for _, r := range rows {
		if r.StudyID != studyID {
			return fmt.Errorf("store: robust sensitivity: a row of study %s among those of %s", r.StudyID, studyID)
		}
		vals = append(vals, []any{r.StudyID, r.Against, r.Arm, r.Metric, r.Input, r.Rank, finiteOrNull(r.Rho), finiteOrNull(r.P),
			r.Slots, r.Significant, now})
	}
	return db.replaceRows(ctx, "robust sensitivity", "robust_sensitivity", "study_id", studyID, vals)
}
