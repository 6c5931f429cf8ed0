package study

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment"
)

// ShardFromEnv reads a shard from a batch engine's environment, through
// getenv (os.Getenv, or a map in tests): a Slurm job array task
// (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or with MIN, MAX and
// STEP; the array may count from 0, 1 or anything: the first task is
// shard 1) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, from 0,
// with the count from count, the --shard-count flag, or
// MSGMON_SHARD_COUNT). It returns the shard and where it came from, for
// the user; nil when neither is set. Values that name no shard are
// InputErrors.
func ShardFromEnv(getenv func(string) string, count int) (*experiment.Shard, string, error) {
	num := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, InputErrorf("%s=%s is not a whole number; unset it or pass --shard I/N", name, datasets.ClipQ(v))
		}
		return n, true, nil
	}
	if id, ok, err := num("SLURM_ARRAY_TASK_ID"); err != nil {
		return nil, "", err
	} else if ok {
		lo, okMin, err := num("SLURM_ARRAY_TASK_MIN")
		if err != nil {
			return nil, "", err
		}
		hi, okMax, err := num("SLURM_ARRAY_TASK_MAX")
		if err != nil {
			return nil, "", err
		}
		step, okStep, err := num("SLURM_ARRAY_TASK_STEP")
		if err != nil {
			return nil, "", err
		}
		if !okStep || step < 1 {
			step = 1
		}
		n, okCount, err := num("SLURM_ARRAY_TASK_COUNT")
		if err != nil {
			return nil, "", err
		}
		if !okMin {
			return nil, "", InputErrorf("SLURM_ARRAY_TASK_ID=%d is set without SLURM_ARRAY_TASK_MIN, so the first task is unknown; pass --shard I/N", id)
		}
		if !okCount {
			if !okMax {
				return nil, "", InputErrorf("SLURM_ARRAY_TASK_ID=%d is set without SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MAX; pass --shard I/N", id)
			}
			n = (hi-lo)/step + 1
		}
		sh := experiment.Shard{Index: (id-lo)/step + 1, Count: n}
		if err := sh.Check(); err != nil || (id-lo)%step != 0 {
			why := ""
			if err != nil {
				why = " (" + strings.TrimPrefix(err.Error(), "shard "+sh.String()+": ") + ")"
			}
			return nil, "", InputErrorf("SLURM_ARRAY_TASK_ID=%d of an array from %d by %d with %d tasks is not one of its tasks%s; pass --shard I/N", id, lo, step, n, why)
		}
		return &sh, fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d of %d tasks from %d", id, n, lo), nil
	}
	if idx, ok, err := num("JOB_COMPLETION_INDEX"); err != nil {
		return nil, "", err
	} else if ok {
		from := "--shard-count"
		if count == 0 {
			c, okC, err := num("MSGMON_SHARD_COUNT")
			if err != nil {
				return nil, "", err
			}
			if !okC {
				return nil, "", InputErrorf("JOB_COMPLETION_INDEX=%d is set (a Kubernetes Indexed Job) but not the number of shards: pass --shard-count N or set MSGMON_SHARD_COUNT to the Job's completions", idx)
			}
			count, from = c, "MSGMON_SHARD_COUNT"
		}
		sh := experiment.Shard{Index: idx + 1, Count: count}
		if err := sh.Check(); err != nil {
			return nil, "", InputErrorf("JOB_COMPLETION_INDEX=%d (counted from 0) with %d shards from %s: %v; make %s the Job's completions", idx, count, from, err, from)
		}
		return &sh, fmt.Sprintf("JOB_COMPLETION_INDEX=%d of %d", idx, count), nil
	}
	if count != 0 {
		return nil, "", InputErrorf("--shard-count %d: only for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX is not set); pass --shard I/N instead", count)
	}
	return nil, "", nil
}

// ShardPath is the database of shard sh of a study whose results go to
// db: results.duckdb becomes results.shard-2-of-4.duckdb, so that shards
// never share a DuckDB file.
func ShardPath(db string, sh experiment.Shard) string {
	ext := filepath.Ext(db)
	return fmt.Sprintf("%s.shard-%d-of-%d%s", strings.TrimSuffix(db, ext), sh.Index, sh.Count, ext)
}

// StudyID names a comparison study by what its runs are made of: the
// kind, the scenario (its hash covers seed and replicates) and the arms
// chosen.
func StudyID(kind, hash string, arms []string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + hash + "\x00" + strings.Join(arms, "\x00")))
	return kind + "-" + hex.EncodeToString(sum[:8])
}

// ShardRun is one shard of a study, run in this process, and what
// Points found of it.
type ShardRun struct {
	Shard experiment.Shard // which shard
	From  string           // where it came from, for the user ("--shard", an environment variable)
	// Filled in by Points: the study, its runs, this shard's and those of
	// this shard already stored.
	StudyID          string
	Total, Mine, Had int
}

// Points records the study st in db and makes each point skip the runs
// that are not this shard's (prefixes[i] is point i's run key prefix, so
// the keys are those the sinks store). Runs already stored are skipped
// by the points' own Skip, so a restarted shard resumes.
func (s *ShardRun) Points(ctx context.Context, db *store.DB, st store.Study, points []experiment.Point, prefixes []string) error {
	var units []experiment.Unit
	for i, p := range points {
		units = append(units, p.Spec.Units(p.Hash, prefixes[i])...)
	}
	st.Runs = units
	assign := experiment.Assign(units, s.Shard.Count)
	mine := map[string]bool{}
	for i, u := range units {
		if assign[i] == s.Shard.Index {
			mine[u.Key] = true
		}
	}
	stored, err := db.RunKeys(ctx)
	if err != nil {
		return err
	}
	if err := db.RecordStudy(ctx, st, s.Shard, len(mine)); err != nil {
		return err
	}
	s.StudyID, s.Total, s.Mine, s.Had = st.ID, len(units), len(mine), 0
	for k := range mine {
		if stored[k] {
			s.Had++
		}
	}
	for i := range points {
		prefix, skip := prefixes[i], points[i].Spec.Skip
		points[i].Spec.Skip = func(k string) bool {
			return !mine[prefix+k] || stored[prefix+k] || (skip != nil && skip(k))
		}
	}
	return nil
}
