package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Formats of the tables commands print: aligned text for people, CSV and
// JSON for other tools.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// Formats are the accepted values of --format.
var Formats = []string{FormatTable, FormatCSV, FormatJSON}

// Interval is an estimate as JSON: the mean, the 95 % confidence
// interval's ends and the number of values; the ends are null with one
// value, as every number that is not one (NaN).
type Interval struct {
	Mean float64 `json:"mean"`
	Low  float64 `json:"ci95_low"`
	High float64 `json:"ci95_high"`
	N    int     `json:"n"`
}

// MarshalJSON writes NaN as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	num := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	return json.Marshal(map[string]any{"mean": num(iv.Mean), "ci95_low": num(iv.Low), "ci95_high": num(iv.High), "n": iv.N})
}

func interval(e Estimate) Interval { return Interval{e.Mean, e.Lo(), e.Hi(), e.N} }

// csvNum writes x in full precision; NaN is empty.
func csvNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// WriteFormat prints the comparison as format: FormatTable (Write), or
// one CSV row or JSON object per arm with every figure, its 95 % interval
// and the paired difference to the baseline with its interval.
func (c *Comparison) WriteFormat(w io.Writer, format string) error {
	switch format {
	case FormatTable, "":
		return c.Write(w)
	case FormatCSV:
		cw := csv.NewWriter(w)
		head := []string{"scenario", "batch_id", "arm", "runs", "baseline"}
		for _, k := range c.KPIs {
			head = append(head, k.Column+"_mean", k.Column+"_ci95_low", k.Column+"_ci95_high")
		}
		for _, k := range c.KPIs {
			head = append(head, "diff_"+k.Column+"_mean", "diff_"+k.Column+"_ci95_low", "diff_"+k.Column+"_ci95_high")
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		for _, r := range c.Rows {
			row := []string{c.Scenario, c.BatchID, r.Arm, strconv.Itoa(r.Replicates), c.Baseline}
			for _, e := range r.KPI {
				row = append(row, csvNum(e.Mean), csvNum(e.Lo()), csvNum(e.Hi()))
			}
			for i := range c.KPIs {
				if r.Diff == nil {
					row = append(row, "", "", "")
					continue
				}
				e := r.Diff[i]
				row = append(row, csvNum(e.Mean), csvNum(e.Lo()), csvNum(e.Hi()))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSON:
		var out []map[string]any
		for _, r := range c.Rows {
			o := map[string]any{"scenario": c.Scenario, "batch_id": c.BatchID, "arm": r.Arm, "runs": r.Replicates, "baseline": c.Baseline}
			diff := map[string]Interval{}
			for i, k := range c.KPIs {
				o[k.Column] = interval(r.KPI[i])
				if r.Diff != nil {
					diff[k.Column] = interval(r.Diff[i])
				}
			}
			if r.Diff != nil {
				o["difference_to_baseline"] = diff
			}
			out = append(out, o)
		}
		return writeJSON(w, out)
	}
	return fmt.Errorf("reports: unknown format %q", format)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteSweepFormat prints a sweep summary as format: FormatTable
// (WriteSweep), or one CSV row or JSON object per point and arm with the
// parameters' values and every figure with its 95 % interval.
func WriteSweepFormat(w io.Writer, format string, columns []string, rows []SweepRow) error {
	kpis := Headline()
	switch format {
	case FormatTable, "":
		return WriteSweep(w, columns, rows)
	case FormatCSV:
		cw := csv.NewWriter(w)
		head := append([]string{"point"}, columns...)
		head = append(head, "arm", "runs")
		for _, k := range kpis {
			head = append(head, k.Column+"_mean", k.Column+"_ci95_low", k.Column+"_ci95_high")
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		for _, r := range rows {
			row := []string{strconv.Itoa(r.Point)}
			for _, p := range r.Params {
				if f, ok := p.(float64); ok {
					row = append(row, csvNum(f))
				} else {
					row = append(row, paramString(p))
				}
			}
			row = append(row, r.Arm, strconv.Itoa(r.Runs))
			for _, e := range r.KPI {
				row = append(row, csvNum(e.Mean), csvNum(e.Lo()), csvNum(e.Hi()))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSON:
		out := []map[string]any{}
		for _, r := range rows {
			params := map[string]any{}
			for i, c := range columns {
				params[c] = r.Params[i]
			}
			o := map[string]any{"point": r.Point, "parameters": params, "arm": r.Arm, "runs": r.Runs}
			for i, k := range kpis {
				o[k.Column] = interval(r.KPI[i])
			}
			out = append(out, o)
		}
		return writeJSON(w, out)
	}
	return fmt.Errorf("reports: unknown format %q", format)
}

// WriteRecords prints rows of plain values (strings, numbers) under head
// as CSV (a header row, then a row each) or JSON (an array of objects
// keyed by head); NaN is empty in CSV and null in JSON.
func WriteRecords(w io.Writer, format string, head []string, rows [][]any) error {
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(head); err != nil {
			return err
		}
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, v := range r {
				if f, ok := v.(float64); ok {
					cells[i] = csvNum(f)
				} else {
					cells[i] = fmt.Sprint(v)
				}
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case FormatJSON:
		out := []map[string]any{}
		for _, r := range rows {
			o := map[string]any{}
			for i, v := range r {
				if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
					v = nil
				}
				o[head[i]] = v
			}
			out = append(out, o)
		}
		return writeJSON(w, out)
	}
	return fmt.Errorf("reports: unknown format %q", format)
}
