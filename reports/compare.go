package reports

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
)

// KPI is one column of the comparison table: a run_totals column.
type KPI struct {
	Column string // in run_totals
	Label  string
	Digits int // decimals shown
}

// CompareKPIs are the columns of msgmon compare's table.
var CompareKPIs = []KPI{
	{"reach_messages_cum", "reach msgs", 0},
	{"reach_ads_cum", "reach ads", 0},
	{"churn_per_1000", "churn/1000", 1},
	{"platform_revenue_usd", "platform $", 0},
	{"business_revenue", "business rev $", 0},
	{"business_spend", "business spend $", 0},
}

// Estimate is a mean with its 95 % confidence interval (Student's t over
// replicates); HalfWidth is NaN with one replicate.
type Estimate struct {
	Mean, HalfWidth float64
	N               int
}

// Lo and Hi are the interval's ends.
func (e Estimate) Lo() float64 { return e.Mean - e.HalfWidth }
func (e Estimate) Hi() float64 { return e.Mean + e.HalfWidth }

func estimate(x []float64) Estimate {
	n := len(x)
	e := Estimate{N: n, HalfWidth: math.NaN()}
	if n == 0 {
		e.Mean = math.NaN()
		return e
	}
	e.Mean = stat.Mean(x, nil)
	if n > 1 {
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
		e.HalfWidth = t * stat.StdDev(x, nil) / math.Sqrt(float64(n))
	}
	return e
}

// ArmRow is one arm's estimates, and its paired differences to the
// baseline (replicate by replicate, on common random numbers).
type ArmRow struct {
	Arm        string
	Replicates int
	KPI        []Estimate
	Diff       []Estimate // nil for the baseline
}

// Comparison is the table of one batch of runs.
type Comparison struct {
	BatchID  string
	Scenario string
	Baseline string
	KPIs     []KPI
	Rows     []ArmRow
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Compare reads the runs of a batch from the run_totals view and estimates
// every KPI per arm, with paired differences against baseline.
func Compare(ctx context.Context, db *store.DB, batchID, baseline string, arms []string) (*Comparison, error) {
	return compareWhere(ctx, db, "batch_id = "+quote(batchID), batchID, baseline, arms)
}

// CompareRuns is Compare over the given runs (for instance those of a
// report's Selection); batchID labels the table.
func CompareRuns(ctx context.Context, db *store.DB, runIDs []int64, batchID, baseline string, arms []string) (*Comparison, error) {
	return compareWhere(ctx, db, idList(runIDs), batchID, baseline, arms)
}

func compareWhere(ctx context.Context, db *store.DB, where, batchID, baseline string, arms []string) (*Comparison, error) {
	cols := make([]string, len(CompareKPIs))
	for i, k := range CompareKPIs {
		cols[i] = fmt.Sprintf("CAST(%s AS DOUBLE)", k.Column)
	}
	t, err := db.Query(ctx, fmt.Sprintf(
		`SELECT arm, batch_id, replicate, scenario, %s, scenario_hash,
			coalesce(CAST(json_extract(params, '$.point') AS INTEGER), -1)
		FROM run_totals WHERE %s ORDER BY arm, batch_id, replicate`,
		strings.Join(cols, ", "), where))
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("reports: no runs in batch %s", batchID)
	}
	// A replicate is paired with the baseline's run of the same batch
	// and replicate: the same population and random numbers. Runs of
	// several batches (a selection by run ids or scenario) stay apart.
	type replicate struct {
		batch string
		rep   int64
	}
	type key struct {
		arm string
		replicate
	}
	values := map[key][]float64{}
	reps := map[string][]replicate{}
	// Runs of one arm are replicates only if they ran the same scenario
	// at the same sweep point: pooling points would count one point's
	// runs as many and hide the spread between points.
	type sample struct {
		hash  string
		point int64
	}
	samples := map[string][]sample{}
	c := &Comparison{BatchID: batchID, Baseline: baseline, KPIs: CompareKPIs}
	for _, row := range t.Rows {
		arm := row[0].(string)
		r := replicate{str(row[1]), toInt(row[2])}
		sm := sample{str(row[4+len(CompareKPIs)]), toInt(row[5+len(CompareKPIs)])}
		if !slices.Contains(samples[arm], sm) {
			samples[arm] = append(samples[arm], sm)
		}
		c.Scenario, _ = row[3].(string)
		v := make([]float64, len(CompareKPIs))
		for i := range v {
			v[i] = toFloat(row[4+i])
		}
		values[key{arm, r}] = v
		reps[arm] = append(reps[arm], r)
	}
	for _, arm := range slices.Sorted(maps.Keys(samples)) {
		sm := samples[arm]
		if len(sm) < 2 {
			continue
		}
		what := fmt.Sprintf("%d scenarios", len(sm))
		if sm[0].point >= 0 {
			what = fmt.Sprintf("%d points of a sweep", len(sm))
		}
		return nil, &SelectionError{fmt.Sprintf("the runs of arm %s in %s come from %s, which are not replicates of one another; "+
			"report a sweep as a whole (msgmon report --batch SWEEP_ID) or choose the runs of one point or scenario", arm, batchID, what)}
	}
	if len(arms) == 0 {
		for a := range reps {
			arms = append(arms, a)
		}
		sort.Strings(arms)
	}
	if _, ok := reps[baseline]; !ok {
		return nil, fmt.Errorf("reports: baseline arm %q has no runs in batch %s", baseline, batchID)
	}
	for _, arm := range arms {
		row := ArmRow{Arm: arm, Replicates: len(reps[arm])}
		for i := range CompareKPIs {
			var x, d []float64
			for _, r := range reps[arm] {
				v := values[key{arm, r}][i]
				x = append(x, v)
				if b, ok := values[key{baseline, r}]; ok && arm != baseline {
					d = append(d, v-b[i])
				}
			}
			row.KPI = append(row.KPI, estimate(x))
			if arm != baseline {
				row.Diff = append(row.Diff, estimate(d))
			}
		}
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case nil:
		return math.NaN()
	}
	return math.NaN()
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func fmtNum(x float64, digits int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	s := fmt.Sprintf("%.*f", digits, x)
	// Thousands separators for readability.
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func fmtEst(e Estimate, digits int) string {
	if math.IsNaN(e.HalfWidth) {
		return fmtNum(e.Mean, digits)
	}
	return fmtNum(e.Mean, digits) + " ± " + fmtNum(e.HalfWidth, digits)
}

// Write prints the comparison as two aligned tables: each arm's means with
// 95 % intervals, then each arm's paired difference to the baseline; a *
// marks a difference whose interval excludes zero.
func (c *Comparison) Write(w io.Writer) error {
	fmt.Fprintf(w, "Scenario %s, batch %s: mean ± 95%% CI over replicates\n\n", c.Scenario, c.BatchID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"arm", "runs"}
	for _, k := range c.KPIs {
		head = append(head, k.Label)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range c.Rows {
		cells := []string{r.Arm, fmt.Sprint(r.Replicates)}
		for i, k := range c.KPIs {
			cells = append(cells, fmtEst(r.KPI[i], k.Digits))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nDifference to %s, paired by replicate (same population and random numbers); * = interval excludes 0\n\n", c.Baseline)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(append([]string{"arm"}, head[2:]...), "\t")+"\t")
	for _, r := range c.Rows {
		if r.Diff == nil {
			continue
		}
		cells := []string{r.Arm}
		for i, k := range c.KPIs {
			s := fmtEst(r.Diff[i], k.Digits)
			if d := r.Diff[i]; !math.IsNaN(d.HalfWidth) && (d.Lo() > 0 || d.Hi() < 0) {
				s += " *"
			}
			cells = append(cells, s)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}
