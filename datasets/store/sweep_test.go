package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepViewClash: sweeps named a-b and a.b would share the view
// sweep_a_b, and a sweep named a-b_summary the view sweep_a_b_summary of
// a-b: registering the second is refused, naming both sweeps and the
// view, and leaves the first sweep's views as they were. The same name
// registers again (a sweep resumed or run anew).
func TestSweepViewClash(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "r.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	meta := func(id, name string) SweepMeta {
		return SweepMeta{ID: id, Name: name, File: name + ".yaml", Design: "grid", Replicates: 1, Spec: "{}",
			Columns: []SweepColumn{{Path: "users", Column: "users_set", Type: "DOUBLE"}}, Points: []string{`{"point": 0, "users_set": 1000}`}}
	}
	if _, err := db.RegisterSweep(ctx, meta("sweep-a-b-1", "a-b")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RegisterSweep(ctx, meta("sweep-a-b-2", "a-b")); err != nil {
		t.Fatalf("the same name again: %v", err)
	}
	for _, name := range []string{"a.b", "A-B", "a-b_summary"} {
		_, err := db.RegisterSweep(ctx, meta("sweep-"+name, name))
		if !errors.Is(err, ErrSweepNameClash) {
			t.Errorf("%s: got %v, want ErrSweepNameClash", name, err)
			continue
		}
		for _, want := range []string{`"` + name + `"`, `"a-b"`, "sweep_a_b"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: the message lacks %s: %v", name, want, err)
			}
		}
	}
	if v := scalar(t, db, "SELECT count(*) FROM sweeps"); v != int64(2) {
		t.Errorf("%v sweeps registered, want the 2 of a-b", v)
	}
	if v := scalar(t, db, "SELECT min(sweep_id) FROM sweep_a_b_summary"); v != nil {
		t.Errorf("sweep_a_b_summary shows %v, want a-b's (no runs: no rows)", v)
	}
}
