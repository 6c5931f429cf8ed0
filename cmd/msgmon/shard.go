package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

// shardOptions are the flags of a study that can be split across
// processes or machines (compare, sweep, sensitivity; any future study
// kind adds them the same way): --shard I/N, or the batch engine's index.
type shardOptions struct {
	Spec  string // --shard
	Count int    // --shard-count, for JOB_COMPLETION_INDEX

	// resolved by apply, and filled in by the study's run for the
	// closing message; nil: the whole study here
	run *study.ShardRun
}

func (s *shardOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&s.Spec, "shard", "", "run only shard I of N of the study's runs (I/N, counted from 1; default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); writes its own database, DB.shard-I-of-N.duckdb, to merge with msgmon merge")
	f.IntVar(&s.Count, "shard-count", 0, "the number of shards when the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions; or set MSGMON_SHARD_COUNT)")
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
		s.run = &study.ShardRun{Shard: sh, From: "--shard"}
	} else {
		sh, from, err := study.ShardFromEnv(os.Getenv, s.Count)
		if err != nil {
			return err
		}
		if sh == nil {
			return nil
		}
		s.run = &study.ShardRun{Shard: *sh, From: from}
		fmt.Fprintf(stderr, "msgmon: shard %s (from %s)\n", sh, from)
	}
	*db = study.ShardPath(*db, s.run.Shard)
	return nil
}

// shardDone tells what the shard did and how to merge the study.
func (s *shardOptions) shardDone(w io.Writer, db string) {
	r := s.run
	out := strings.Replace(db, fmt.Sprintf(".shard-%d-of-%d", r.Shard.Index, r.Shard.Count), "", 1)
	all := strings.Replace(db, fmt.Sprintf(".shard-%d-of-%d", r.Shard.Index, r.Shard.Count), fmt.Sprintf(".shard-*-of-%d", r.Shard.Count), 1)
	fmt.Fprintf(w, "shard %s of study %s: %d of its %d runs are this shard's; %d run now, %d were stored already; in %s\n",
		r.Shard, r.StudyID, r.Mine, r.Total, r.Mine-r.Had, r.Had, db)
	fmt.Fprintf(w, "when every shard is done: msgmon merge %s %s\n", out, all)
}
