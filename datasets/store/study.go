package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/msgmon/msgmon/sim/experiment"
)

// A study is a set of runs planned together and split into shards (see
// experiment.Assign): a comparison, a sweep or a sensitivity design. Every
// shard's database records the whole study (its id, what it is and every
// run it expects, with the run's expected cost), so a merge of the shards
// can name the runs no shard has. The tables are new in schema version 3
// and need no upgrade: an msgmon that does not know them ignores them.
//
//   - studies: one row per study (study_id is also the batch_id of its
//     runs).
//   - study_runs: every run the study expects, in the study's order (seq).
//   - study_shards: each shard that stored runs of the study here: its
//     index and count, and how many runs the shard has in all.
const studiesDDL = `CREATE TABLE IF NOT EXISTS studies (
	study_id       VARCHAR PRIMARY KEY,
	kind           VARCHAR NOT NULL,
	name           VARCHAR NOT NULL,
	study_hash     VARCHAR NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	runs           INTEGER NOT NULL,
	created_at     TIMESTAMP NOT NULL
)`

const studyRunsDDL = `CREATE TABLE IF NOT EXISTS study_runs (
	study_id VARCHAR NOT NULL,
	seq      INTEGER NOT NULL,
	run_key  VARCHAR NOT NULL,
	cost     DOUBLE NOT NULL,
	PRIMARY KEY (study_id, run_key)
)`

const studyShardsDDL = `CREATE TABLE IF NOT EXISTS study_shards (
	study_id    VARCHAR NOT NULL,
	shard_index INTEGER NOT NULL,
	shard_count INTEGER NOT NULL,
	runs        INTEGER NOT NULL,
	PRIMARY KEY (study_id, shard_index, shard_count)
)`

// Study describes a study for RecordStudy.
type Study struct {
	ID      string // also the batch_id of its runs
	Kind    string // compare, sweep, sensitivity
	Name    string
	Hash    string // what the runs are made from: the scenario hash, or the sweep id
	Version string // msgmon version
	Runs    []experiment.Unit
}

// RecordStudy records the study st and that shard sh (with mine of its
// runs) works on it here, unless already recorded (a shard that resumes).
// A database holding st's id with another version or hash is refused:
// its runs would not belong together.
func (db *DB) RecordStudy(ctx context.Context, st Study, sh experiment.Shard, mine int) error {
	if db.readOnly {
		return ErrReadOnly
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("store: record study: %w", err)
	}
	done := false
	defer func() {
		if !done {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var version, hash string
	err = conn.QueryRowContext(ctx, "SELECT msgmon_version, study_hash FROM studies WHERE study_id = ?", st.ID).Scan(&version, &hash)
	switch {
	case err == nil:
		if version != st.Version || hash != st.Hash {
			return fmt.Errorf("store: %s already holds study %s from msgmon %s (hash %.12s); this is msgmon %s (hash %.12s): use another --db",
				db.path, st.ID, version, hash, st.Version, st.Hash)
		}
	case errors.Is(err, sql.ErrNoRows):
		if _, err := conn.ExecContext(ctx, "INSERT INTO studies VALUES (?, ?, ?, ?, ?, ?, ?)",
			st.ID, st.Kind, st.Name, st.Hash, st.Version, len(st.Runs), time.Now().UTC()); err != nil {
			return fmt.Errorf("store: record study: %w", err)
		}
		err := insertChunked(ctx, conn, "study_runs", 4, len(st.Runs), func(i int) []any {
			return []any{st.ID, i, st.Runs[i].Key, st.Runs[i].Cost}
		})
		if err != nil {
			return fmt.Errorf("store: record study runs: %w", err)
		}
	default:
		return fmt.Errorf("store: record study: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT OR IGNORE INTO study_shards VALUES (?, ?, ?, ?)", st.ID, sh.Index, sh.Count, mine); err != nil {
		return fmt.Errorf("store: record shard: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("store: record study: %w", err)
	}
	done = true
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "CHECKPOINT")
	return nil
}
