package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim"
)

// KPI is one figure of the comparison, a run_totals column: the store's
// registry (store.KPIs) defines each once, with its title, unit, SQL,
// digits, direction and definition.
type KPI = store.KPI

// Headline are the figures compare, sweep, robust and the reports show:
// the registry's headline figures, in its order.
func Headline() []KPI { return store.HeadlineKPIs() }

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
	// Models are the models the arm runs, in order (runs.models).
	Models []string
	// Window is the arm's service window.
	Window Window
	KPI    []Estimate
	Diff   []Estimate // nil for the baseline
	// Samples are the arm's runs, replicate by replicate: the paired
	// differences between any two arms (the Pareto frontier's) are
	// computed from them.
	Samples []Sample
	// Change is what the arm changes against the baseline (zero for the
	// baseline itself).
	Change Change
}

// Sample is one run's figures, in the order of the comparison's KPIs,
// and the key that pairs it with another arm's run of the same batch and
// replicate (the same population and random numbers).
type Sample struct {
	Pair string
	KPI  []float64
}

// Window is the service window of an arm: the hours a business may answer
// (and follow up) after each user message.
type Window struct {
	Hours float64 // NaN when the stored scenario does not say
	// Own is true when the arm has no service_only model, so the window is
	// the platform's own (sim.PlatformWindowHours: replies free, no
	// follow-ups, no free entry point).
	Own bool
}

func (w Window) String() string {
	if math.IsNaN(w.Hours) {
		return "service window unknown"
	}
	if w.Own {
		return fmt.Sprintf("service window %s h, the platform's own (no service_only: replies free, no follow-ups)", hours(w.Hours))
	}
	return fmt.Sprintf("service window %s h (service_only.window_hours)", hours(w.Hours))
}

// Change is what an arm changes against the baseline, from the models
// each runs: the models it adds, and those of the baseline it runs
// without.
type Change struct {
	Added, Removed []string
	// Window is the arm's window when it differs from the baseline's
	// (Hours NaN otherwise).
	Window, BaseWindow Window
}

func changeOf(arm, base ArmRow) Change {
	ch := Change{Window: Window{Hours: math.NaN()}, BaseWindow: Window{Hours: math.NaN()}}
	for _, m := range arm.Models {
		if !slices.Contains(base.Models, m) {
			ch.Added = append(ch.Added, m)
		}
	}
	for _, m := range base.Models {
		if !slices.Contains(arm.Models, m) {
			ch.Removed = append(ch.Removed, m)
		}
	}
	if arm.Window.Hours != base.Window.Hours && !math.IsNaN(arm.Window.Hours) && !math.IsNaN(base.Window.Hours) {
		ch.Window, ch.BaseWindow = arm.Window, base.Window
	}
	return ch
}

// Adds reports whether the arm is the baseline plus models: its
// difference is what they add.
func (ch Change) Adds() bool { return len(ch.Added) > 0 && len(ch.Removed) == 0 }

// Short says what differs in a few words: "adds paid_push",
// "subscription instead of service_only", "leaves out paid_push".
func (ch Change) Short() string {
	add, rm := strings.Join(ch.Added, " + "), strings.Join(ch.Removed, " + ")
	s := "the same models"
	switch {
	case ch.Adds():
		s = "adds " + add
	case len(ch.Added) > 0:
		s = add + " instead of " + rm
	case len(ch.Removed) > 0:
		s = "leaves out " + rm
	}
	if !math.IsNaN(ch.Window.Hours) {
		s += fmt.Sprintf(" (window %s h instead of %s h)", hours(ch.Window.Hours), hours(ch.BaseWindow.Hours))
	}
	return s
}

// Relative says what the arm is in terms of the baseline base: "service
// plus paid_push", "subscription instead of service_only", "service
// without paid_push".
func (ch Change) Relative(base string) string {
	add, rm := strings.Join(ch.Added, " + "), strings.Join(ch.Removed, " + ")
	switch {
	case ch.Adds():
		return base + " plus " + add
	case len(ch.Added) > 0:
		return add + " instead of " + rm
	case len(ch.Removed) > 0:
		return base + " without " + rm
	}
	return "the models of " + base
}

func hours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// Subject is the start of a sentence whose verb is the difference:
// "paid_push adds", "subscription instead of service_only changes".
func (ch Change) Subject() string {
	add, rm := strings.Join(ch.Added, " + "), strings.Join(ch.Removed, " + ")
	window := ""
	if !math.IsNaN(ch.Window.Hours) {
		window = fmt.Sprintf(" (and a %s h service window instead of %s h)", hours(ch.Window.Hours), hours(ch.BaseWindow.Hours))
	}
	switch {
	case ch.Adds() && len(ch.Added) == 1:
		return add + window + " adds"
	case ch.Adds():
		return add + window + " add"
	case len(ch.Added) > 0:
		return add + " instead of " + rm + window + " changes"
	case len(ch.Removed) > 0:
		return "leaving out " + rm + window + " changes"
	}
	return "the same models" + window + " change"
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
	kpis := Headline()
	cols := make([]string, len(kpis))
	for i, k := range kpis {
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
	c := &Comparison{BatchID: batchID, Baseline: baseline, KPIs: kpis}
	for _, row := range t.Rows {
		arm := row[0].(string)
		r := replicate{str(row[1]), toInt(row[2])}
		sm := sample{str(row[4+len(kpis)]), toInt(row[5+len(kpis)])}
		if !slices.Contains(samples[arm], sm) {
			samples[arm] = append(samples[arm], sm)
		}
		c.Scenario, _ = row[3].(string)
		v := make([]float64, len(kpis))
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
	models, windows, err := armModels(ctx, db, where)
	if err != nil {
		return nil, err
	}
	for _, arm := range arms {
		row := ArmRow{Arm: arm, Replicates: len(reps[arm]), Models: models[arm], Window: windows[arm]}
		for _, r := range reps[arm] {
			row.Samples = append(row.Samples, Sample{Pair: fmt.Sprintf("%s/r%d", r.batch, r.rep), KPI: values[key{arm, r}]})
		}
		for i := range kpis {
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
	base := ArmRow{Models: models[baseline], Window: windows[baseline]}
	for i := range c.Rows {
		if c.Rows[i].Arm != baseline {
			c.Rows[i].Change = changeOf(c.Rows[i], base)
		}
	}
	return c, nil
}

// armModels reads the models each arm of the selected runs runs and its
// service window: service_only's window_hours in the stored scenario, or
// the platform's own window for an arm without service_only.
func armModels(ctx context.Context, db *store.DB, where string) (map[string][]string, map[string]Window, error) {
	t, err := db.Query(ctx, "SELECT arm, min(models), min(CAST(scenario_json AS VARCHAR)) FROM runs WHERE "+where+" GROUP BY arm")
	if err != nil {
		return nil, nil, err
	}
	models, windows := map[string][]string{}, map[string]Window{}
	for _, row := range t.Rows {
		arm := str(row[0])
		var ms []string
		if s := str(row[1]); s != "" {
			ms = strings.Split(s, ",")
		}
		models[arm] = ms
		w := Window{Hours: sim.PlatformWindowHours, Own: true}
		if slices.Contains(ms, "service_only") {
			w = Window{Hours: math.NaN()}
			var sc struct {
				Models struct {
					ServiceOnly struct {
						WindowHours *float64 `json:"window_hours"`
					} `json:"service_only"`
				} `json:"models"`
			}
			if json.Unmarshal([]byte(str(row[2])), &sc) == nil && sc.Models.ServiceOnly.WindowHours != nil {
				w.Hours = *sc.Models.ServiceOnly.WindowHours
			}
		}
		windows[arm] = w
	}
	return models, windows, nil
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
	// A value that rounds to zero is 0, not -0.
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
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

// Signed formats a difference with its sign: +1,234 ± 56.
func Signed(e Estimate, digits int) string {
	s := fmtEst(e, digits)
	if e.Mean > 0 && !strings.HasPrefix(s, "-") && strings.Trim(fmtNum(e.Mean, digits), "0.,") != "" {
		s = "+" + s
	}
	if !math.IsNaN(e.HalfWidth) && (e.Lo() > 0 || e.Hi() < 0) {
		s += " *"
	}
	return s
}

// Sentence is the paired difference of a row to the baseline in words:
// "service+paid_push vs service: paid_push adds reach msgs/wk +1,234 ± 56 *,
// msg churn/1000 +104.0 ± 14.0 *, ...". It is "" for the baseline.
func (c *Comparison) Sentence(r ArmRow) string {
	if r.Diff == nil {
		return ""
	}
	parts := make([]string, len(c.KPIs))
	for i, k := range c.KPIs {
		parts[i] = k.Label + " " + Signed(r.Diff[i], k.Digits)
	}
	return fmt.Sprintf("%s vs %s: %s %s", r.Arm, c.Baseline, r.Change.Subject(), strings.Join(parts, ", "))
}

// Write prints the comparison: each arm's means with 95 % intervals in an
// aligned table, what each arm runs with its service window, then each
// arm's paired difference to the baseline in words; a * marks a
// difference whose interval excludes zero.
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
	fmt.Fprintf(w, "\nFigures (run_totals columns, defined in models/ODD.md, Metrics):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range c.KPIs {
		fmt.Fprintf(tw, "  %s\t%s\t%s, %s\n", k.Label, k.Column, k.Unit, k.Better)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nArms (all on the same populations and random numbers):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range c.Rows {
		role := r.Change.Relative(c.Baseline)
		if r.Arm == c.Baseline {
			role = "the baseline"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s; %s\n", r.Arm, strings.Join(r.Models, " + "), role, r.Window)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPaired difference to %s, replicate by replicate (same population and random numbers); * = 95 %% interval excludes 0:\n", c.Baseline)
	for _, r := range c.Rows {
		if s := c.Sentence(r); s != "" {
			fmt.Fprintln(w, "  "+s)
		}
	}
	return nil
}
