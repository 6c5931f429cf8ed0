package store

import (
	"context"
	"math"
	"time"
)

// calibrationDDL: one row per target of a calibration's fit (msgmon
// calibrate): what the target says (observed, its tolerance and source),
// what the model gives at the fitted parameters, whether that is inside
// the tolerance, and the dose the target's runs delivered. A calibration
// run again replaces its rows.
const calibrationDDL = `CREATE TABLE IF NOT EXISTS calibration_fits (
	sweep_id       VARCHAR NOT NULL,
	name           VARCHAR NOT NULL,
	target         VARCHAR NOT NULL,
	position       INTEGER NOT NULL,
	arm            VARCHAR NOT NULL,
	horizon_days   INTEGER,
	output         VARCHAR NOT NULL,
	observed       DOUBLE NOT NULL,
	tolerance      DOUBLE,
	fitted         DOUBLE,
	inside         BOOLEAN,
	dose           DOUBLE,
	dose_value     DOUBLE,
	source         VARCHAR NOT NULL,
	parameters     JSON NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

// CalibrationRow is one row of calibration_fits. NaN numbers and a zero
// Horizon are stored as NULL.
type CalibrationRow struct {
	SweepID, Name, Target string
	Arm                   string
	Horizon               int
	Output                string
	Observed, Tolerance   float64
	Fitted                float64
	Inside                bool
	Dose, DoseValue       float64
	Source                string
	Parameters            string // JSON: path -> fitted value
	Version               string
}

// WriteCalibration replaces the rows of the calibration rows[0].SweepID
// with rows, in one transaction.
func (db *DB) WriteCalibration(ctx context.Context, rows []CalibrationRow) error {
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
		inside := any(r.Inside)
		if math.IsNaN(r.Tolerance) || math.IsNaN(r.Fitted) {
			inside = nil
		}
		vals = append(vals, []any{r.SweepID, r.Name, r.Target, i, r.Arm, h, r.Output, r.Observed, finiteOrNull(r.Tolerance),
			finiteOrNull(r.Fitted), inside, finiteOrNull(r.Dose), finiteOrNull(r.DoseValue), r.Source, r.Parameters, r.Version, now})
	}
	return db.replaceRows(ctx, "calibration", "calibration_fits", "sweep_id", rows[0].SweepID, vals)
}
