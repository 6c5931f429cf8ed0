package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/msgmon/msgmon/datasets/store"
)

// SweepRow is one point and arm of a sweep: the parameters' values and each
// headline figure (Headline) as mean and 95 % t-interval over the replicates.
type SweepRow struct {
	Point  int
	Params []any
	Arm    string
	Runs   int
	KPI    []Estimate
}

// SweepSummary reads a sweep's summary view (store.SweepView(name) +
// "_summary") with its parameter columns.
func SweepSummary(ctx context.Context, db *store.DB, name string, columns []string) ([]SweepRow, error) {
	kpis := Headline()
	sel := []string{"point", "arm", "n_runs"}
	for _, c := range columns {
		sel = append(sel, `"`+strings.ReplaceAll(c, `"`, `""`)+`"`)
	}
	for _, k := range kpis {
		sel = append(sel, "CAST(mean_"+k.Column+" AS DOUBLE)", "CAST(sd_"+k.Column+" AS DOUBLE)")
	}
	t, err := db.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+store.SweepView(name)+"_summary ORDER BY point, arm")
	if err != nil {
		return nil, err
	}
	rows := make([]SweepRow, len(t.Rows))
	for i, r := range t.Rows {
		row := SweepRow{Point: int(toInt(r[0])), Arm: str(r[1]), Runs: int(toInt(r[2])), Params: r[3 : 3+len(columns)]}
		for k := range kpis {
			mean, sd := toFloat(r[3+len(columns)+2*k]), toFloat(r[4+len(columns)+2*k])
			row.KPI = append(row.KPI, Estimate{Mean: mean, HalfWidth: tHalfWidth(sd, row.Runs), N: row.Runs})
		}
		rows[i] = row
	}
	return rows, nil
}

// WriteSweep prints a sweep summary: a row per point and arm, the
// parameters first.
func WriteSweep(w io.Writer, columns []string, rows []SweepRow) error {
	kpis := Headline()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := append([]string{"point"}, columns...)
	head = append(head, "arm", "runs")
	for _, k := range kpis {
		head = append(head, k.Label)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range rows {
		cells := []string{fmt.Sprint(r.Point)}
		for _, p := range r.Params {
			if f, ok := p.(float64); ok {
				cells = append(cells, shortFloat(f))
			} else {
				cells = append(cells, store.CellString(p))
			}
		}
		cells = append(cells, r.Arm, fmt.Sprint(r.Runs))
		for i, k := range kpis {
			e := r.KPI[i]
			if math.IsNaN(e.Mean) {
				cells = append(cells, "n/a")
				continue
			}
			cells = append(cells, fmtEst(e, k.Digits))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}
