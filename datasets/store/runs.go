package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// RunKeys returns the run_key of every stored run (to skip them when a
// sweep resumes). Empty keys are left out.
func (db *DB) RunKeys(ctx context.Context) (map[string]bool, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT DISTINCT run_key FROM runs WHERE run_key <> ''")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		keys[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return keys, nil
}

// RunVersions returns the msgmon versions, sorted, that wrote the stored
// runs whose keys start with prefix (a study's "<id>/"), so that a study
// resumed by another version can be refused before it mixes the two.
func (db *DB) RunVersions(ctx context.Context, prefix string) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT DISTINCT msgmon_version FROM runs WHERE starts_with(run_key, ?) ORDER BY 1", prefix)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}

// StoredRun is one row of the runs table.
type StoredRun struct {
	RunID int64
	RunMeta
}

// RunsOfBatch returns the runs of batch batchID in run_id order.
func (db *DB) RunsOfBatch(ctx context.Context, batchID string) ([]StoredRun, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT run_id, batch_id, run_key, scenario, scenario_hash,
		COALESCE(CAST(scenario_json AS VARCHAR), ''), arm, models, replicate, CAST(seed AS VARCHAR),
		users, businesses, days, workers, msgmon_version, started_at, finished_at, status,
		CAST(params AS VARCHAR)
		FROM runs WHERE batch_id = ? ORDER BY run_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []StoredRun
	for rows.Next() {
		var r StoredRun
		var models, seed string
		var started, finished sql.NullTime
		if err := rows.Scan(&r.RunID, &r.BatchID, &r.RunKey, &r.Scenario, &r.ScenarioHash,
			&r.ScenarioJSON, &r.Arm, &models, &r.Replicate, &seed,
			&r.Users, &r.Businesses, &r.Days, &r.Workers, &r.Version, &started, &finished, &r.Status,
			&r.Params); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if models != "" {
			r.Models = strings.Split(models, ",")
		}
		if _, err := fmt.Sscan(seed, &r.Seed); err != nil {
			return nil, fmt.Errorf("store: seed %q: %w", seed, err)
		}
		if started.Valid {
			r.Started = started.Time.UTC()
		}
		if finished.Valid {
			r.Finished = finished.Time.UTC()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}
