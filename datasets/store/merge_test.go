package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/sim/experiment"
)

// testShard writes shard sh of a study of four runs (key-0 .. key-3; shard
// i of 2 holds runs i-1 and i+1) into dir and returns its path.
func testShard(t *testing.T, dir string, sh experiment.Shard) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, fmt.Sprintf("s.shard-%d-of-%d.duckdb", sh.Index, sh.Count))
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := Study{ID: "study-1", Kind: "compare", Name: "base", Hash: "abc123", Version: "test"}
	for i := range 4 {
		st.Runs = append(st.Runs, experiment.Unit{Key: fmt.Sprintf("study-1/key-%d", i), Cost: 1})
	}
	var mine []int
	for i := range 4 {
		if i%sh.Count == sh.Index-1 {
			mine = append(mine, i)
		}
	}
	if err := db.RecordStudy(ctx, st, sh, len(mine)); err != nil {
		t.Fatal(err)
	}
	for _, i := range mine {
		m := testMeta(i)
		m.BatchID, m.RunKey = st.ID, st.Runs[i].Key
		if _, err := db.WriteRun(ctx, m, synthResult(3, 2, i)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// entries are the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestMergeStoppedLeavesNoTrace: a merge that fails or is interrupted
// before its commit leaves an existing output byte for byte as it was and
// makes no new one (nor any temporary file); one interrupted while it
// commits says it was interrupted (context.Canceled), and a new output
// is then not made either.
func TestMergeStoppedLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := testShard(t, dir, experiment.Shard{Index: 1, Count: 2}), testShard(t, dir, experiment.Shard{Index: 2, Count: 2})
	partial := filepath.Join(dir, "partial.duckdb")
	if _, err := Merge(context.Background(), partial, []string{s1}, MergeOptions{AllowPartial: true}); err != nil {
		t.Fatal(err)
	}
	before := entries(t, dir)
	saved, err := os.ReadFile(partial)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { mergeHook = nil }()
	for _, stage := range []string{"copy", "commit"} {
		for _, how := range []string{"cancel", "fail"} {
			for _, out := range []string{partial, filepath.Join(dir, "new.duckdb")} {
				what := fmt.Sprintf("%s at %s into %s", how, stage, filepath.Base(out))
				ctx, cancel := context.WithCancel(context.Background())
				disk := errors.New("no space left on device")
				mergeHook = func(s string) error {
					if s != stage {
						return nil
					}
					if how == "cancel" {
						cancel()
						return nil
					}
					return disk
				}
				rep, err := Merge(ctx, out, []string{s1, s2}, MergeOptions{})
				cancel()
				committed := stage == "commit" && how == "cancel" && out == partial
				switch {
				case how == "fail" && !errors.Is(err, disk):
					t.Errorf("%s: %v, want the failure", what, err)
				case how == "cancel" && !errors.Is(err, context.Canceled):
					t.Errorf("%s: %v, want context.Canceled", what, err)
				}
				if committed {
					// The commit had begun: it completed, and says so.
					if rep == nil || !rep.Committed || rep.Copied != 2 {
						t.Errorf("%s: report %+v, want the 2 runs copied and committed", what, rep)
					}
					if err := os.WriteFile(partial, saved, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if got, _ := os.ReadFile(partial); !bytes.Equal(got, saved) {
					t.Errorf("%s: the existing output changed", what)
				}
				if got := entries(t, dir); strings.Join(got, " ") != strings.Join(before, " ") {
					t.Errorf("%s: the folder holds %v, was %v", what, got, before)
				}
			}
		}
	}
	mergeHook = nil
	// And the merge still works.
	rep, err := Merge(context.Background(), filepath.Join(dir, "new.duckdb"), []string{s1, s2}, MergeOptions{})
	if err != nil || rep.Copied != 4 {
		t.Fatalf("merge after the stops: %v, %+v", err, rep)
	}
}

// TestMergeRefusedLeavesBytes: a merge refused because of what the
// output holds (runs missing, a run stored differently) leaves an
// existing output byte for byte as it was: the refusal is found before the
// output is opened for writing.
func TestMergeRefusedLeavesBytes(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := testShard(t, dir, experiment.Shard{Index: 1, Count: 2}), testShard(t, dir, experiment.Shard{Index: 2, Count: 2})
	out := filepath.Join(dir, "out.duckdb")
	if _, err := Merge(context.Background(), out, []string{s1}, MergeOptions{AllowPartial: true}); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// A copy of shard 1 whose run differs from the output's.
	changed := filepath.Join(dir, "changed.duckdb")
	if err := os.WriteFile(changed, readFile(t, s1), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), changed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec("UPDATE daily SET day = day + 100 WHERE run_id = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		shards []string
		want   string
	}{
		{[]string{s1}, "--allow-partial"},
		{[]string{changed, s2}, "different content"},
		{[]string{out}, "both the output and a shard"},
	} {
		_, err := Merge(context.Background(), out, c.shards, MergeOptions{})
		var me *MergeError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("merge of %v: %v, want a refusal saying %q", c.shards, err, c.want)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, saved) {
			t.Errorf("merge of %v: the refused merge changed the output's bytes", c.shards)
		}
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
