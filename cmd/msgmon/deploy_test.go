package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim/experiment"
)

// What this machine can check of the Kubernetes files without a cluster:
// the manifests parse; the study is an Indexed Job whose pods run a study
// command msgmon knows with flags it accepts, one shard per index; and the
// merge Job merges exactly the files those shards write, from the same
// volume. (.ci/slurm-test runs the Slurm files on a real cluster.)
func TestKubernetesManifests(t *testing.T) {
	type container struct {
		Command      []string
		Args         []string
		VolumeMounts []struct {
			Name      string
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	type job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Parallelism    int
			Template       struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []container
					Volumes       []struct {
						Name string
						PVC  *struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					}
				}
			}
		}
	}
	read := func(name string) job {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("deploy", "k8s", name))
		if err != nil {
			t.Fatal(err)
		}
		var j job
		if err := yaml.Unmarshal(b, &j); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if j.APIVersion != "batch/v1" || j.Kind != "Job" || len(j.Spec.Template.Spec.Containers) != 1 {
			t.Fatalf("%s: want one batch/v1 Job with one container, got %s %s", name, j.APIVersion, j.Kind)
		}
		return j
	}
	claim := func(j job, mount string) string {
		c := j.Spec.Template.Spec.Containers[0]
		for _, m := range c.VolumeMounts {
			if m.MountPath == mount {
				for _, v := range j.Spec.Template.Spec.Volumes {
					if v.Name == m.Name && v.PVC != nil {
						return v.PVC.ClaimName
					}
				}
			}
		}
		return ""
	}

	studyJob := read("study-job.yaml")
	n := studyJob.Spec.Completions
	if studyJob.Spec.CompletionMode != "Indexed" || n < 1 || studyJob.Spec.Parallelism < 1 || studyJob.Spec.Parallelism > n {
		t.Errorf("study job: completionMode %q, completions %d, parallelism %d; want Indexed, parallelism 1..completions",
			studyJob.Spec.CompletionMode, n, studyJob.Spec.Parallelism)
	}
	args := studyJob.Spec.Template.Spec.Containers[0].Args
	cmd, rest, err := newRootCommand().Find(args)
	if err != nil || !slices.Contains([]string{"compare", "sweep", "sensitivity"}, cmd.Name()) {
		t.Fatalf("study job runs msgmon %v: %v; want compare, sweep or sensitivity", args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("study job: msgmon %s does not accept %v: %v", cmd.Name(), rest, err)
	}
	count, _ := cmd.Flags().GetInt("shard-count")
	db, _ := cmd.Flags().GetString("db")
	if count != n {
		t.Errorf("study job: --shard-count %d, completions %d: every index must be a shard", count, n)
	}
	// Pod k gets JOB_COMPLETION_INDEX=k and writes shard k+1 of n.
	var want []string
	for k := 0; k < n; k++ {
		sh, _, err := study.ShardFromEnv(func(v string) string {
			if v == "JOB_COMPLETION_INDEX" {
				return strconv.Itoa(k)
			}
			return ""
		}, count)
		if err != nil || *sh != (experiment.Shard{Index: k + 1, Count: n}) {
			t.Errorf("index %d: shard %v, %v", k, sh, err)
			continue
		}
		want = append(want, study.ShardPath(db, *sh))
	}

	merge := read("merge-job.yaml")
	c := merge.Spec.Template.Spec.Containers[0]
	script := strings.Join(append(slices.Clone(c.Command), c.Args...), " ")
	m := regexp.MustCompile(`msgmon merge (\S+) \$\(seq -f (\S+) 1 (\d+)\)`).FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("merge job: %q does not run msgmon merge OUT $(seq -f PATTERN 1 N)", script)
	}
	var got []string
	last, _ := strconv.Atoi(m[3])
	for i := 1; i <= last; i++ {
		got = append(got, strings.Replace(m[2], "%g", fmt.Sprint(i), 1))
	}
	if !slices.Equal(got, want) {
		t.Errorf("merge job merges %v; the study job's shards write %v", got, want)
	}
	if m[1] != db {
		t.Errorf("merge job writes %s, want %s (the study's --db)", m[1], db)
	}
	if a, b := claim(studyJob, filepath.Dir(db)), claim(merge, filepath.Dir(db)); a == "" || a != b {
		t.Errorf("%s is claim %q in the study job and %q in the merge job; want one shared volume", filepath.Dir(db), a, b)
	}
	recipe, err := os.ReadFile(filepath.Join("deploy", "k8s", "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(recipe), "CGO_ENABLED=1 go build") || !strings.Contains(string(recipe), "./cmd/msgmon") {
		t.Errorf("Containerfile does not build ./cmd/msgmon with cgo")
	}
}
