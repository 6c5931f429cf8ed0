package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment"
)

// shardOptions are the flags of a study that can be split across
// processes or machines (compare, sweep, sensitivity; any future study
// kind adds them the same way): --shard I/N, or the batch engine's index.
type shardOptions struct {
	Spec  string // --shard
	Count int    // --shard-count, for JOB_COMPLETION_INDEX

	shard *experiment.Shard // resolved by apply; nil: the whole study here
	from  string            // where the shard came from, for the user
	// Filled in by shardPoints, for the closing message.
	studyID          string
	total, mine, had int
}

func (s *shardOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&s.Spec, "shard", "", "run only shard I of N of the study's runs (I/N, counted from 1; default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); writes its own database, DB.shard-I-of-N.duckdb, to merge with msgmon merge")
	f.IntVar(&s.Count, "shard-count", 0, "the number of shards when the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions; or set MSGMON_SHARD_COUNT)")
}

// shardFromEnv reads a shard from a batch engine's environment: a Slurm
// job array task (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or
// with MIN, MAX and STEP; the array may count from 0, 1 or anything: the
// first task is shard 1) or a Kubernetes Indexed Job pod
// (JOB_COMPLETION_INDEX, from 0, with the count from --shard-count or
// MSGMON_SHARD_COUNT). nil when neither is set.
func shardFromEnv(getenv func(string) string, count int) (*experiment.Shard, string, error) {
	num := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, usageErr("%s=%s is not a whole number; unset it or pass --shard I/N", name, datasets.ClipQ(v))
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
			return nil, "", usageErr("SLURM_ARRAY_TASK_ID=%d is set without SLURM_ARRAY_TASK_MIN, so the first task is unknown; pass --shard I/N", id)
		}
		if !okCount {
			if !okMax {
				return nil, "", usageErr("SLURM_ARRAY_TASK_ID=%d is set without SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MAX; pass --shard I/N", id)
			}
			n = (hi-lo)/step + 1
		}
		sh := experiment.Shard{Index: (id-lo)/step + 1, Count: n}
		if err := sh.Check(); err != nil || (id-lo)%step != 0 {
			why := ""
			if err != nil {
				why = " (" + strings.TrimPrefix(err.Error(), "shard "+sh.String()+": ") + ")"
			}
			return nil, "", usageErr("SLURM_ARRAY_TASK_ID=%d of an array from %d by %d with %d tasks is not one of its tasks%s; pass --shard I/N", id, lo, step, n, why)
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
				return nil, "", usageErr("JOB_COMPLETION_INDEX=%d is set (a Kubernetes Indexed Job) but not the number of shards: pass --shard-count N or set MSGMON_SHARD_COUNT to the Job's completions", idx)
			}
			count, from = c, "MSGMON_SHARD_COUNT"
		}
		sh := experiment.Shard{Index: idx + 1, Count: count}
		if err := sh.Check(); err != nil {
			return nil, "", usageErr("JOB_COMPLETION_INDEX=%d (counted from 0) with %d shards from %s: %v; make %s the Job's completions", idx, count, from, err, from)
		}
		return &sh, fmt.Sprintf("JOB_COMPLETION_INDEX=%d of %d", idx, count), nil
	}
	if count != 0 {
		return nil, "", usageErr("--shard-count %d: only for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX is not set); pass --shard I/N instead", count)
	}
	return nil, "", nil
}

// apply resolves the shard, from --shard or the environment, and points
// *db at the shard's own database file.
func (s *shardOptions) apply(db *string, stderr io.Writer) error {
	if s.Spec != "" {
		sh, err := experiment.ParseShard(s.Spec)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "shard "+s.Spec+": ")
			msg = strings.TrimPrefix(msg, fmt.Sprintf("shard %q: ", s.Spec))
			return usageErr("--shard %s: %s", datasets.Clip(s.Spec), msg)
		}
		s.shard, s.from = &sh, "--shard"
	} else {
		sh, from, err := shardFromEnv(os.Getenv, s.Count)
		if err != nil {
			return err
		}
		if sh == nil {
			return nil
		}
		s.shard, s.from = sh, from
		fmt.Fprintf(stderr, "msgmon: shard %s (from %s)\n", sh, from)
	}
	*db = shardPath(*db, *s.shard)
	return nil
}

// shardPath is the database of shard sh of a study whose results go to
// db: results.duckdb becomes results.shard-2-of-4.duckdb, so that shards
// never share a DuckDB file.
func shardPath(db string, sh experiment.Shard) string {
	ext := filepath.Ext(db)
	return fmt.Sprintf("%s.shard-%d-of-%d%s", strings.TrimSuffix(db, ext), sh.Index, sh.Count, ext)
}

// studyID names a comparison study by what its runs are made of: the
// scenario (its hash covers seed and replicates) and the arms chosen.
func studyID(kind, hash string, arms []string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + hash + "\x00" + strings.Join(arms, "\x00")))
	return kind + "-" + hex.EncodeToString(sum[:8])
}

// shardPoints records the study in db and makes each point skip the runs
// that are not shard s.shard's (prefixes[i] is point i's run key prefix,
// so the keys are those the sinks store). Runs already stored are skipped
// by the points' own Skip, so a restarted shard resumes.
func (s *shardOptions) shardPoints(ctx context.Context, db *store.DB, st store.Study, points []experiment.Point, prefixes []string) error {
	var units []experiment.Unit
	for i, p := range points {
		units = append(units, p.Spec.Units(p.Hash, prefixes[i])...)
	}
	st.Runs = units
	assign := experiment.Assign(units, s.shard.Count)
	mine := map[string]bool{}
	for i, u := range units {
		if assign[i] == s.shard.Index {
			mine[u.Key] = true
		}
	}
	stored, err := db.RunKeys(ctx)
	if err != nil {
		return err
	}
	if err := db.RecordStudy(ctx, st, *s.shard, len(mine)); err != nil {
		return err
	}
	s.studyID, s.total, s.mine, s.had = st.ID, len(units), len(mine), 0
	for k := range mine {
		if stored[k] {
			s.had++
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

// shardDone tells what the shard did and how to merge the study.
func (s *shardOptions) shardDone(w io.Writer, db string) {
	out := strings.Replace(db, fmt.Sprintf(".shard-%d-of-%d", s.shard.Index, s.shard.Count), "", 1)
	all := strings.Replace(db, fmt.Sprintf(".shard-%d-of-%d", s.shard.Index, s.shard.Count), fmt.Sprintf(".shard-*-of-%d", s.shard.Count), 1)
	fmt.Fprintf(w, "shard %s of study %s: %d of its %d runs are this shard's; %d run now, %d were stored already; in %s\n",
		s.shard, s.studyID, s.mine, s.total, s.mine-s.had, s.had, db)
	fmt.Fprintf(w, "when every shard is done: msgmon merge %s %s\n", out, all)
}
