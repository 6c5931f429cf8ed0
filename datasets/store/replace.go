package store

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// replaceRows replaces the rows of table whose column key equals id with
// rows (each a full row of the table's values), in one transaction, then
// checkpoints: the summary tables a command writes again when it runs
// again (calibration_fits, plausible_vectors, robust_results). what names
// the table in errors.
func (db *DB) replaceRows(ctx context.Context, what, table, key, id string, rows [][]any) error {
	if db.readOnly {
		return ErrReadOnly
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+key+" = ?", id); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	for _, r := range rows {
		q := "INSERT INTO " + table + " VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")"
		if _, err := tx.ExecContext(ctx, q, r...); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	_, _ = db.sql.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
	return nil
}

// finiteOrNull is x, or NULL for NaN and ±Inf.
func finiteOrNull(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}
