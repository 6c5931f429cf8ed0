package reports_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// nonFinite finds NaN or Inf among the numbers of a PDF's content
// streams (each Flate-compressed, as vgpdf writes them): a path operator
// with one is invalid, and readers refuse the page.
func nonFinite(t *testing.T, pdf []byte) []string {
	t.Helper()
	var bad []string
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(pdf, -1)
	word := regexp.MustCompile(`(?i)[-+]?(nan|inf)\b`)
	n := 0
	for _, m := range streams {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // an image or font, not compressed content
		}
		s, err := io.ReadAll(r)
		if err != nil {
			continue
		}
		n++
		for _, w := range word.FindAll(s, 3) {
			bad = append(bad, string(w))
		}
	}
	if n == 0 {
		t.Fatal("no content stream found: the check would pass anything")
	}
	return bad
}

// A sweep report over five parameters, one run per point and arm (as a
// report of runs from two robust slots is), draws every panel with finite
// coordinates: five panels a chart need two rows, which two charts on one
// page did not leave room for, and gonum/plot drew them at NaN.
func TestSweepReportFiniteWithManyParameters(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := []string{"vector", "react_rate", "react_shape", "react_base", "conversations_per_day"}
	meta := store.SweepMeta{ID: "robust-x", Name: "robust", File: "r.yaml", Design: "robust", Replicates: 1}
	for _, c := range cols {
		meta.Columns = append(meta.Columns, store.SweepColumn{Path: c, Column: c, Type: "DOUBLE"})
	}
	arms := []string{"service_only", "paid_push"}
	for i := range arms {
		meta.Points = append(meta.Points, fmt.Sprintf(`{"point":%d,"vector":%d,"react_rate":%g,"react_shape":%g,"react_base":%g,"conversations_per_day":%g,"sweep":"robust","sweep_id":"robust-x"}`,
			i, 150+24*i, 0.002+0.001*float64(i), 3.1+0.3*float64(i), 0.117-0.03*float64(i), 0.16+0.02*float64(i)))
	}
	if _, err := db.RegisterSweep(ctx, meta); err != nil {
		t.Fatal(err)
	}
	for i, name := range arms {
		cfg := sim.DefaultConfig()
		cfg.Users, cfg.Businesses, cfg.Days = 500, 20, 20
		f, _ := sim.Lookup(name)
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		hash := fmt.Sprintf("h%d", i)
		sink := &store.Sink{DB: db, BatchID: meta.ID, Scenario: "robust", ScenarioHash: hash, Version: "test",
			Params: meta.Points[i], KeyPrefix: fmt.Sprintf("%s/p%d/", meta.ID, i)}
		spec := experiment.Spec{Config: cfg, Arms: []experiment.Arm{{Name: name, Models: []sim.Model{m}}}, Replicates: 1, Seed: uint64(7 + i)}
		if err := experiment.Run(ctx, spec, hash, sink); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := reports.Build(ctx, db, reports.Selection{RunIDs: []int64{1, 2}}, reports.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sweep == nil || len(rep.Sweep.Info.Columns) != 5 {
		t.Fatalf("want a sweep report over five parameters, got %+v", rep.Sweep)
	}
	var buf bytes.Buffer
	if _, err := rep.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	if bad := nonFinite(t, buf.Bytes()); len(bad) > 0 {
		t.Errorf("the PDF draws at %v", bad)
	}
}
