package study_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

// The batch engines' environments give the shard: a Slurm array counted
// from 0 or 1 or with a step, a Kubernetes Indexed Job with its count.
func TestShardFromEnv(t *testing.T) {
	for _, c := range []struct {
		env   map[string]string
		count int
		want  string // the shard, or a piece of the error
	}{
		{map[string]string{}, 0, ""},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, "1/4"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4"}, 0, "4/4"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_STEP": "2"}, 0, "3/4"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_STEP": "2"}, 0, "not one of its tasks"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, 0, "without SLURM_ARRAY_TASK_MIN"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_MIN": "0"}, 0, "not a whole number"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0"}, 5, "1/5"},
		{map[string]string{"JOB_COMPLETION_INDEX": "4", "MSGMON_SHARD_COUNT": "5"}, 0, "5/5"},
		{map[string]string{"JOB_COMPLETION_INDEX": "5", "MSGMON_SHARD_COUNT": "5"}, 0, "the index I must be between 1 and 5"},
		{map[string]string{"JOB_COMPLETION_INDEX": "1"}, 0, "pass --shard-count N or set MSGMON_SHARD_COUNT"},
		{map[string]string{}, 3, "only for a Kubernetes Indexed Job"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "9223372036854775807"}, 0, "not one of its tasks (the count N must be at most 100000"},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "-9223372036854775807", "SLURM_ARRAY_TASK_MAX": "9223372036854775807"}, 0, "not one of its tasks"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0", "MSGMON_SHARD_COUNT": "99999999999"}, 0, "at most 100000"},
		{map[string]string{"JOB_COMPLETION_INDEX": "0"}, 100001, "at most 100000"},
	} {
		sh, _, err := study.ShardFromEnv(func(k string) string { return c.env[k] }, c.count)
		got := ""
		switch {
		case err != nil:
			got = err.Error()
			if !errors.As(err, new(study.InputError)) {
				t.Errorf("%v: %v is not an InputError", c.env, err)
			}
		case sh != nil:
			got = sh.String()
		}
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%v count %d: got %q, want %q", c.env, c.count, got, c.want)
		}
	}
}

// A shard's database sits next to the study's; the study id of a
// comparison depends on its kind, scenario and arms only.
func TestShardPathAndStudyID(t *testing.T) {
	if got := study.ShardPath("out/results.duckdb", experiment.Shard{Index: 2, Count: 4}); got != "out/results.shard-2-of-4.duckdb" {
		t.Errorf("ShardPath: %s", got)
	}
	a := study.StudyID("compare", "h", []string{"x", "y"})
	if !strings.HasPrefix(a, "compare-") || len(a) != len("compare-")+16 {
		t.Errorf("StudyID: %s", a)
	}
	if a != study.StudyID("compare", "h", []string{"x", "y"}) || a == study.StudyID("compare", "h", []string{"x"}) || a == study.StudyID("compare", "h2", []string{"x", "y"}) {
		t.Errorf("StudyID should depend on the hash and arms, and on nothing else")
	}
}
