package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
)

func columns(kpis []reports.KPI) []string {
	var out []string
	for _, k := range kpis {
		out = append(out, k.Column)
	}
	return out
}

// TestEveryOutputReadsTheRegistry: compare's table, CSV and JSON, the
// sweep's table, CSV, JSON and charts, robust's metrics and the report's
// tables and charts show the registry's headline figures (store.KPIs),
// no more and no less, with its labels, titles and units.
func TestEveryOutputReadsTheRegistry(t *testing.T) {
	want := columns(store.HeadlineKPIs())
	if len(want) == 0 {
		t.Fatal("no headline figures")
	}
	if got := columns(reports.Headline()); !slices.Equal(got, want) {
		t.Errorf("Headline %v, registry %v", got, want)
	}
	if got := columns(reports.RobustMetrics()); !slices.Equal(got, want) {
		t.Errorf("robust's metrics %v, registry %v", got, want)
	}

	ctx := context.Background()
	db := smallDB(t)
	defer db.Close()
	c, err := reports.Compare(ctx, db, batch, "service_only", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := columns(c.KPIs); !slices.Equal(got, want) {
		t.Errorf("compare's figures %v, registry %v", got, want)
	}
	// JSON: every figure of an arm and of its difference to the baseline.
	var out bytes.Buffer
	if err := c.WriteFormat(&out, reports.FormatJSON); err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(out.Bytes(), &objs); err != nil || len(objs) != 2 {
		t.Fatalf("JSON: %v, %d objects", err, len(objs))
	}
	meta := []string{"arm", "baseline", "batch_id", "difference_to_baseline", "runs", "scenario"}
	for _, o := range objs {
		var figs []string
		for k := range o {
			if !slices.Contains(meta, k) {
				figs = append(figs, k)
			}
		}
		slices.Sort(figs)
		sorted := slices.Sorted(slices.Values(want))
		if !slices.Equal(figs, sorted) {
			t.Errorf("JSON figures of %v: %v, registry %v", o["arm"], figs, sorted)
		}
		if d, ok := o["difference_to_baseline"].(map[string]any); ok && len(d) != len(want) {
			t.Errorf("JSON differences of %v: %d, want %d", o["arm"], len(d), len(want))
		}
	}
	// CSV: the header's figures.
	out.Reset()
	if err := c.WriteFormat(&out, reports.FormatCSV); err != nil {
		t.Fatal(err)
	}
	head, err := csv.NewReader(&out).Read()
	if err != nil {
		t.Fatal(err)
	}
	var figs []string
	for _, h := range head {
		if col, ok := strings.CutSuffix(h, "_mean"); ok && !strings.HasPrefix(h, "diff_") {
			figs = append(figs, col)
		}
	}
	if !slices.Equal(figs, want) {
		t.Errorf("CSV figures %v, registry %v", figs, want)
	}
	// The table: each figure's label in the header, and its unit below.
	out.Reset()
	if err := c.Write(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, k := range store.HeadlineKPIs() {
		if !strings.Contains(text, k.Label) || !strings.Contains(text, k.Column) || !strings.Contains(text, k.Unit) {
			t.Errorf("the table lacks %s (%s, %s):\n%s", k.Label, k.Column, k.Unit, text)
		}
	}

	// The report's chart of the figures: a panel each, titled from the
	// registry.
	ch, err := reports.KPIChart(c)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, row := range ch.Grid {
		for _, p := range row {
			if p != nil {
				titles = append(titles, strings.SplitN(p.Title.Text, "\n", 2)[0])
			}
		}
	}
	var wantTitles []string
	for _, k := range store.HeadlineKPIs() {
		wantTitles = append(wantTitles, k.Title)
	}
	if !slices.Equal(titles, wantTitles) {
		t.Errorf("chart panels %v, registry titles %v", titles, wantTitles)
	}
	rep, err := reports.Build(ctx, db, reports.Selection{BatchID: batch}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := columns(rep.Comparison.KPIs); !slices.Equal(got, want) {
		t.Errorf("the report's figures %v, registry %v", got, want)
	}
	if len(rep.Markets) == 0 {
		t.Error("the report has no figures by market")
	}

	// A sweep: its table, CSV and JSON and a chart per figure.
	cols := []string{"rate"}
	row := reports.SweepRow{Point: 0, Params: []any{1.0}, Arm: "a", Runs: 2}
	for range want {
		row.KPI = append(row.KPI, reports.Estimate{Mean: 1, HalfWidth: 0.5, N: 2})
	}
	rows := []reports.SweepRow{row, {Point: 1, Params: []any{2.0}, Arm: "a", Runs: 2, KPI: row.KPI}}
	out.Reset()
	if err := reports.WriteSweepFormat(&out, reports.FormatJSON, cols, rows); err != nil {
		t.Fatal(err)
	}
	objs = nil
	if err := json.Unmarshal(out.Bytes(), &objs); err != nil || len(objs) != 2 {
		t.Fatalf("sweep JSON: %v", err)
	}
	for _, c := range want {
		if _, ok := objs[0][c]; !ok {
			t.Errorf("sweep JSON lacks %s: %v", c, objs[0])
		}
	}
	if len(objs[0]) != len(want)+4 { // point, parameters, arm, runs
		t.Errorf("sweep JSON has %d keys, want the %d figures and 4 others: %v", len(objs[0]), len(want), objs[0])
	}
	out.Reset()
	if err := reports.WriteSweep(&out, cols, rows); err != nil {
		t.Fatal(err)
	}
	for _, k := range store.HeadlineKPIs() {
		if !strings.Contains(out.String(), k.Label) {
			t.Errorf("the sweep table lacks %s:\n%s", k.Label, out.String())
		}
	}
	sd := &reports.SweepData{Info: reports.SweepInfo{Columns: []store.SweepColumn{{Path: "rate", Column: "rate", Type: "DOUBLE"}}}, Rows: rows}
	charts, err := reports.SweepCharts(sd, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ch := range charts[:len(charts)-1] {
		names = append(names, ch.Name)
	}
	var wantNames []string
	for _, c := range want {
		wantNames = append(wantNames, "sweep-"+strings.ReplaceAll(c, "_", "-"))
	}
	if !slices.Equal(names, wantNames) || charts[len(charts)-1].Name != "revenue-vs-churn" {
		t.Errorf("sweep charts %v, want %v and the frontier", names, wantNames)
	}
}

// TestRoundedZeroHasNoSign: a figure that rounds to zero at its digits is
// written 0, not -0, in tables and differences.
func TestRoundedZeroHasNoSign(t *testing.T) {
	if got := reports.Signed(reports.Estimate{Mean: -0.001, HalfWidth: 0.002, N: 3}, 2); got != "0.00 ± 0.00" {
		t.Errorf("Signed(-0.001 ± 0.002) = %q, want 0.00 ± 0.00", got)
	}
	if got := reports.Signed(reports.Estimate{Mean: -0.004, HalfWidth: 0.001, N: 3}, 2); got != "0.00 ± 0.00 *" {
		t.Errorf("Signed(-0.004 ± 0.001) = %q, want 0.00 ± 0.00 *", got)
	}
	if got := reports.Signed(reports.Estimate{Mean: -0.006, HalfWidth: 0.001, N: 3}, 2); got != "-0.01 ± 0.00 *" {
		t.Errorf("Signed(-0.006 ± 0.001) = %q, want -0.01 ± 0.00 *", got)
	}
}
