package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
)

// An equivalence check asks whether two results databases hold the same
// model: the runs of one scenario and arm made by an old build and by a
// new one (or before and after any change that should not move the
// results) agree within sampling error, metric by metric. It is how a
// change to the engine that reorders events inside a user's day is shown
// to keep the model's meaning before the old path is removed.
//
// Every run_totals figure of each scenario and arm is tested twice:
//
//   - for its mean, by a paired t-test on the replicate-by-replicate
//     differences when both databases ran the same replicate seeds (the
//     streams keyed by meaning then share most of their draws, which makes
//     the test sharper), and by Welch's t-test otherwise;
//   - for its distribution, by the two-sample Kolmogorov–Smirnov test
//     (its exact p-value up to 200 replicates a side, the asymptotic one
//     with Stephens' correction beyond; ties in counts make it
//     conservative).
//
// A cell's p-value is the smaller of the two doubled (Bonferroni over its
// two tests), and the family of all cells that are not identical is
// corrected by Holm's step-down method, so the chance of calling any cell
// different when the two builds are the same model is at most Alpha.

// EquivRun is one run's figures, as the check reads them.
type EquivRun struct {
	Scenario, Arm string
	Seed          string
	Users         int64
	Businesses    int64
	Days          int64
	Hash          string    // of the scenario without its seed and replicates ("": not stored, an old database)
	Values        []float64 // by EquivInput.Metrics; NaN for NULL
}

// EquivInput is the runs of one database.
type EquivInput struct {
	Path    string
	Metrics []string
	Runs    []EquivRun
}

// EquivCell is one scenario, arm and metric.
type EquivCell struct {
	Scenario, Arm, Metric string
	// Test is "paired" or "welch"; "identical" when every replicate is
	// bit for bit the same (or both sides are one constant).
	Test     string
	NOld     int
	NNew     int
	MeanOld  float64
	MeanNew  float64
	Diff     float64 // MeanNew - MeanOld
	HalfDiff float64 // 95 % half-width of Diff: the resolution of the check
	PT, PKS  float64 // the mean's and the distribution's test
	P        float64 // min(1, 2·min(PT, PKS))
	PHolm    float64 // P corrected over the family
	Differs  bool
}

// Equivalence is the check of two databases.
type Equivalence struct {
	Old, New string
	Alpha    float64
	Cells    []EquivCell
	// Notes are what a reader should know about the comparison itself
	// (a scenario that hashes differently, runs on one side only).
	Notes []string
}

// ReadEquivRuns reads the finished runs of db (of batch when not empty)
// with every figure in metrics: a run_totals column, or the sum over the
// run's days of one of store.DailyCounts.
func ReadEquivRuns(ctx context.Context, db *store.DB, batch string, metrics []string) (*EquivInput, error) {
	daily := store.DailyCounts()
	cols := make([]string, len(metrics))
	for i, m := range metrics {
		cols[i] = fmt.Sprintf("CAST(%s AS DOUBLE)", m)
		if slices.Contains(daily, m) {
			cols[i] = fmt.Sprintf("(SELECT CAST(sum(d.%s) AS DOUBLE) FROM daily d WHERE d.run_id = run_totals.run_id)", m)
		}
	}
	where := "status = 'done'"
	if batch != "" {
		where += " AND batch_id = " + quote(batch)
	}
	// The scenario as run, without the seed and the replicates: what
	// must match for the two sides to be the same experiment.
	t, err := db.Query(ctx, fmt.Sprintf(`SELECT scenario, arm, CAST(seed AS VARCHAR), users, businesses, days,
			(SELECT CASE WHEN r.scenario_json IS NULL THEN NULL
					ELSE md5(CAST(json_merge_patch(r.scenario_json, '{"seed": null, "replicates": null}') AS VARCHAR)) END
				FROM runs r WHERE r.run_id = run_totals.run_id), %s
		FROM run_totals WHERE %s ORDER BY scenario, arm, replicate, run_id`, strings.Join(cols, ", "), where))
	if err != nil {
		return nil, err
	}
	in := &EquivInput{Path: db.Path(), Metrics: metrics}
	for _, row := range t.Rows {
		r := EquivRun{Scenario: str(row[0]), Arm: str(row[1]), Seed: str(row[2]),
			Users: toInt(row[3]), Businesses: toInt(row[4]), Days: toInt(row[5]), Hash: str(row[6])}
		r.Values = make([]float64, len(metrics))
		for i := range metrics {
			r.Values[i] = toFloat(row[7+i])
		}
		in.Runs = append(in.Runs, r)
	}
	return in, nil
}

// EquivMetrics are the figures an equivalence check tests by default:
// every KPI and every sum of run_totals except the run's description and
// the count of weeks and days, which do not vary, then the sums over a
// run's days of the daily counts run_totals has not (store.DailyCounts:
// sends_blocked, clicks, ad_impressions and the like).
func EquivMetrics() []string {
	skip := []string{"days_recorded", "reach_weeks"}
	var out []string
	meta := true
	for _, c := range store.RunTotalsColumns() {
		if c == "days_recorded" {
			meta = false
		}
		if meta || slices.Contains(skip, c) || slices.Contains(out, c) {
			continue
		}
		out = append(out, c)
	}
	for _, k := range store.KPIs() {
		if !slices.Contains(out, k.Column) {
			out = append(out, k.Column)
		}
	}
	for _, c := range store.DailyCounts() {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// EquivError is an equivalence check that cannot be made as asked: the
// two databases hold different work.
type EquivError struct{ Msg string }

func (e *EquivError) Error() string { return e.Msg }

// CheckEquivalence tests every metric of every scenario and arm the two
// inputs both hold. Each side must hold at least two runs of a scenario and
// arm; the runs of one scenario must have the same size (users, businesses,
// days) on both sides.
func CheckEquivalence(old, new *EquivInput, alpha float64) (*Equivalence, error) {
	if !slices.Equal(old.Metrics, new.Metrics) {
		return nil, &EquivError{"the two inputs were read with different metrics"}
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, &EquivError{fmt.Sprintf("alpha must be between 0 and 1, got %v", alpha)}
	}
	type key struct{ scenario, arm string }
	group := func(in *EquivInput) (map[key][]EquivRun, []key) {
		m := map[key][]EquivRun{}
		var keys []key
		for _, r := range in.Runs {
			k := key{r.Scenario, r.Arm}
			if _, ok := m[k]; !ok {
				keys = append(keys, k)
			}
			m[k] = append(m[k], r)
		}
		return m, keys
	}
	og, okeys := group(old)
	ng, nkeys := group(new)
	e := &Equivalence{Old: old.Path, New: new.Path, Alpha: alpha}
	var keys []key
	for _, k := range okeys {
		if _, ok := ng[k]; ok {
			keys = append(keys, k)
		} else {
			e.Notes = append(e.Notes, fmt.Sprintf("%s / %s: runs only in %s, not tested", k.scenario, k.arm, old.Path))
		}
	}
	for _, k := range nkeys {
		if _, ok := og[k]; !ok {
			e.Notes = append(e.Notes, fmt.Sprintf("%s / %s: runs only in %s, not tested", k.scenario, k.arm, new.Path))
		}
	}
	if len(keys) == 0 {
		return nil, &EquivError{fmt.Sprintf("%s and %s hold no scenario and arm in common; run the same scenarios with both builds", old.Path, new.Path)}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.scenario, b.scenario), cmp.Compare(a.arm, b.arm)) })
	hashNoted := map[string]bool{}
	for _, k := range keys {
		o, n := og[k], ng[k]
		if len(o) < 2 || len(n) < 2 {
			return nil, &EquivError{fmt.Sprintf("%s / %s: %d runs in %s and %d in %s; each side needs at least 2 replicates (use --replicates 50)",
				k.scenario, k.arm, len(o), old.Path, len(n), new.Path)}
		}
		if sz := func(r EquivRun) [3]int64 { return [3]int64{r.Users, r.Businesses, r.Days} }; sz(o[0]) != sz(n[0]) ||
			slices.ContainsFunc(o, func(r EquivRun) bool { return sz(r) != sz(o[0]) }) ||
			slices.ContainsFunc(n, func(r EquivRun) bool { return sz(r) != sz(n[0]) }) {
			return nil, &EquivError{fmt.Sprintf("%s / %s: the runs differ in size (users, businesses, days: %v in %s, %v in %s); run both with the same --users, --businesses and --days, or pick one batch of each with --old-batch and --new-batch",
				k.scenario, k.arm, sz(o[0]), old.Path, sz(n[0]), new.Path)}
		}
		for _, side := range []struct {
			runs []EquivRun
			path string
		}{{o, old.Path}, {n, new.Path}} {
			if slices.ContainsFunc(side.runs, func(r EquivRun) bool { return r.Hash != side.runs[0].Hash }) {
				return nil, &EquivError{fmt.Sprintf("%s / %s: %s holds runs of two different scenarios of that name (batches with other values?); pick one batch of each with --old-batch and --new-batch",
					k.scenario, k.arm, side.path)}
			}
		}
		switch {
		case hashNoted[k.scenario]:
		case o[0].Hash == "" || n[0].Hash == "":
			hashNoted[k.scenario] = true
			e.Notes = append(e.Notes, fmt.Sprintf("%s: a database made by an older msgmon does not store the scenario, so the check cannot tell whether both ran the same values; its runs are compared all the same", k.scenario))
		case o[0].Hash != n[0].Hash:
			hashNoted[k.scenario] = true
			e.Notes = append(e.Notes, fmt.Sprintf("%s: the scenario's hash differs between the two databases (other than its seed and replicates: a value, or a field or default that changed between the builds); its runs are compared all the same", k.scenario))
		}
		pairs, unpaired, err := pairBySeed(o, n)
		if err != nil {
			return nil, &EquivError{fmt.Sprintf("%s / %s: %v; pick one batch of each with --old-batch and --new-batch", k.scenario, k.arm, err)}
		}
		if pairs != nil && unpaired > 0 {
			e.Notes = append(e.Notes, fmt.Sprintf("%s / %s: %d runs have a seed the other database lacks and are left out; the %d with a partner are tested in pairs (run both with the same --seed and --replicates to use all)",
				k.scenario, k.arm, unpaired, len(pairs)))
		}
		for i, m := range old.Metrics {
			c := EquivCell{Scenario: k.scenario, Arm: k.arm, Metric: m}
			var xo, xn []float64
			oneNull := 0 // pairs with a value on one side only
			if pairs != nil {
				for _, p := range pairs {
					a, b := o[p[0]].Values[i], n[p[1]].Values[i]
					switch {
					case !math.IsNaN(a) && !math.IsNaN(b):
						xo, xn = append(xo, a), append(xn, b)
					case math.IsNaN(a) != math.IsNaN(b):
						oneNull++
					}
				}
			} else {
				xo, xn = finite(o, i), finite(n, i)
			}
			if oneNull > 0 {
				e.Notes = append(e.Notes, fmt.Sprintf("%s / %s / %s: NULL (undefined) on one side only in %d of %d replicates; the others are tested",
					k.scenario, k.arm, m, oneNull, len(pairs)))
			}
			if len(xo) < 2 || len(xn) < 2 {
				e.Notes = append(e.Notes, fmt.Sprintf("%s / %s / %s: not tested, a value (not NULL) in %d runs of %s and %d of %s; at least 2 each are needed",
					k.scenario, k.arm, m, len(xo), old.Path, len(xn), new.Path))
				continue
			}
			testCell(&c, xo, xn, pairs != nil)
			if c.Test == "identical" && oneNull > 0 {
				// Equal where both have a value, but not run for run.
				c.Test, c.PT, c.PKS, c.P = "paired", 1, 1, 1
			}
			e.Cells = append(e.Cells, c)
		}
	}
	if len(e.Cells) == 0 {
		return nil, &EquivError{fmt.Sprintf("no figure could be tested: %s", strings.Join(e.Notes, "; "))}
	}
	holm(e.Cells)
	for i := range e.Cells {
		c := &e.Cells[i]
		c.Differs = c.Test != "identical" && c.PHolm < alpha
	}
	return e, nil
}

func finite(runs []EquivRun, i int) []float64 {
	var out []float64
	for _, r := range runs {
		if !math.IsNaN(r.Values[i]) {
			out = append(out, r.Values[i])
		}
	}
	return out
}

// pairBySeed pairs the runs of both sides that have the same seed, and
// counts those without a partner; pairs is nil when fewer than two seeds
// are on both sides (the sides are then independent samples).
func pairBySeed(o, n []EquivRun) (pairs [][2]int, unpaired int, err error) {
	idx := func(runs []EquivRun, side string) (map[string]int, error) {
		m := map[string]int{}
		for i, r := range runs {
			if _, dup := m[r.Seed]; dup {
				return nil, fmt.Errorf("seed %s is in two runs of %s (two batches of the same scenario?)", r.Seed, side)
			}
			m[r.Seed] = i
		}
		return m, nil
	}
	if _, err := idx(o, "the old database"); err != nil {
		return nil, 0, err
	}
	nm, err := idx(n, "the new database")
	if err != nil {
		return nil, 0, err
	}
	for i, r := range o {
		if j, ok := nm[r.Seed]; ok {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	if len(pairs) < 2 {
		return nil, 0, nil
	}
	return pairs, len(o) + len(n) - 2*len(pairs), nil
}

// testCell fills c's statistics from the old and new samples (paired by
// index when paired).
func testCell(c *EquivCell, xo, xn []float64, paired bool) {
	c.NOld, c.NNew = len(xo), len(xn)
	c.MeanOld, c.MeanNew = stat.Mean(xo, nil), stat.Mean(xn, nil)
	c.Diff = c.MeanNew - c.MeanOld
	if slices.Equal(xo, xn) || (constant(xo) && constant(xn) && xo[0] == xn[0]) {
		c.Test, c.HalfDiff, c.PT, c.PKS, c.P = "identical", 0, 1, 1, 1
		return
	}
	if paired {
		c.Test = "paired"
		d := make([]float64, len(xo))
		for i := range d {
			d[i] = xn[i] - xo[i]
		}
		c.PT, c.HalfDiff = tTest(stat.Mean(d, nil), stat.Variance(d, nil)/float64(len(d)), float64(len(d)-1))
	} else {
		c.Test = "welch"
		vo, vn := stat.Variance(xo, nil)/float64(len(xo)), stat.Variance(xn, nil)/float64(len(xn))
		// Welch–Satterthwaite degrees of freedom.
		df := (vo + vn) * (vo + vn) / (vo*vo/float64(len(xo)-1) + vn*vn/float64(len(xn)-1))
		c.PT, c.HalfDiff = tTest(c.Diff, vo+vn, df)
	}
	c.PKS = ksPValue(xo, xn)
	c.P = math.Min(1, 2*math.Min(c.PT, c.PKS))
}

func constant(x []float64) bool {
	return !slices.ContainsFunc(x, func(v float64) bool { return v != x[0] })
}

// tTest is the two-sided p-value of a mean difference d with squared
// standard error se2 on df degrees of freedom, and the 95 % half-width of
// d. A difference with no spread is certain: p = 0 unless d is 0.
func tTest(d, se2, df float64) (p, half float64) {
	if se2 == 0 || math.IsNaN(df) {
		if d == 0 {
			return 1, 0
		}
		return 0, 0
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	se := math.Sqrt(se2)
	return math.Min(1, 2*t.Survival(math.Abs(d)/se)), t.Quantile(0.975) * se
}

// ksPValue is the two-sided p-value of the two-sample Kolmogorov–Smirnov
// test of x against y, P(D ≥ d) when both come from one continuous
// distribution: exact (smirnovExact) while n·m ≤ exactKS, else the
// asymptotic Kolmogorov distribution at (√nₑ + 0.12 + 0.11/√nₑ)·d, nₑ =
// nm/(n+m) (Stephens 1970; Press et al., Numerical Recipes, 14.3). Ties,
// as in counts, make either conservative.
func ksPValue(x, y []float64) float64 {
	xs, ys := slices.Clone(x), slices.Clone(y)
	slices.Sort(xs)
	slices.Sort(ys)
	d := stat.KolmogorovSmirnov(xs, nil, ys, nil)
	if len(xs)*len(ys) <= exactKS {
		return smirnovExact(d, len(xs), len(ys))
	}
	ne := float64(len(xs)*len(ys)) / float64(len(xs)+len(ys))
	s := math.Sqrt(ne)
	return kolmogorovQ((s + 0.12 + 0.11/s) * d)
}

// exactKS is the largest n·m for which ksPValue counts paths: 200 × 200
// replicates, 40,000 steps.
const exactKS = 40000

// smirnovExact is P(D ≥ d) for the two-sample statistic of samples of m
// and n from one continuous distribution: 1 less the share of the
// C(m+n, n) orders of the pooled sample whose path (i of the first, j of
// the second sample seen) keeps |i/m − j/n| below d. The count is
// normalised by C(i+j, j) at every step, so it stays in [0, 1] (the
// recursion of R's psmirnov; Kim & Jennrich 1973). A difference within
// 1e-7/(mn) of d counts as d, for d computed in floating point.
func smirnovExact(d float64, m, n int) float64 {
	if m > n {
		m, n = n, m
	}
	md, nd := float64(m), float64(n)
	q := (0.5 + math.Floor(d*md*nd-1e-7)) / (md * nd)
	u := make([]float64, n+1)
	for j := range u {
		if float64(j)/nd <= q {
			u[j] = 1
		}
	}
	for i := 1; i <= m; i++ {
		w := float64(i) / float64(i+n)
		if float64(i)/md > q {
			u[0] = 0
		} else {
			u[0] *= w
		}
		for j := 1; j <= n; j++ {
			if math.Abs(float64(i)/md-float64(j)/nd) > q {
				u[j] = 0
			} else {
				u[j] = w*u[j] + u[j-1]
			}
		}
	}
	return math.Max(0, math.Min(1, 1-u[n]))
}

// kolmogorovQ is P(K > λ) for the Kolmogorov distribution:
// 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²).
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 {
		return 1 // the series converges slowly here; Q is 1 to 1e-9
	}
	var sum float64
	sign := 1.0
	for j := 1; j <= 100; j++ {
		term := sign * 2 * math.Exp(-2*float64(j*j)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12*math.Abs(sum) {
			break
		}
		sign = -sign
	}
	return math.Max(0, math.Min(1, sum))
}

// holm sets PHolm of every cell that is not identical by Holm's step-down
// correction over those cells.
func holm(cells []EquivCell) {
	var idx []int
	for i, c := range cells {
		if c.Test == "identical" {
			c.PHolm = 1
			cells[i] = c
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return cells[idx[a]].P < cells[idx[b]].P })
	m := len(idx)
	run := 0.0
	for r, i := range idx {
		adj := math.Min(1, float64(m-r)*cells[i].P)
		run = math.Max(run, adj)
		cells[i].PHolm = run
	}
}

// Counts are the cells tested, identical and differing, and those whose
// test of the mean alone is below Alpha before any correction (about
// Alpha of the cells tested when the two sides are the same model).
func (e *Equivalence) Counts() (tested, identical, differs, raw int) {
	for _, c := range e.Cells {
		tested++
		switch {
		case c.Test == "identical":
			identical++
		case c.Differs:
			differs++
		}
		if c.Test != "identical" && c.PT < e.Alpha {
			raw++
		}
	}
	return
}

// Metrics are the distinct metrics of the cells.
func (e *Equivalence) Metrics() []string {
	var out []string
	for _, c := range e.Cells {
		if !slices.Contains(out, c.Metric) {
			out = append(out, c.Metric)
		}
	}
	return out
}

// Verdict is the check's conclusion in one sentence.
func (e *Equivalence) Verdict() string {
	tested, identical, differs, raw := e.Counts()
	other := tested - identical
	switch {
	case differs > 0:
		return fmt.Sprintf("%d of %d figures differ beyond sampling error (Holm-corrected p < %g): the two databases do not hold the same model", differs, tested, e.Alpha)
	case other == 0:
		return fmt.Sprintf("all %d figures are identical run for run", tested)
	}
	return fmt.Sprintf("no figure differs beyond sampling error: %d identical, %d within it (Holm-corrected p ≥ %g; the test of the mean alone, uncorrected, below %g in %d of %d, about %.0f expected by chance)",
		identical, other, e.Alpha, e.Alpha, raw, other, e.Alpha*float64(other))
}

// rel is x as a percentage of base, or "—" when base is 0.
func rel(x, base float64) string {
	if base == 0 {
		return "—"
	}
	return fmt.Sprintf("%+.2f%%", 100*x/math.Abs(base))
}

// Write prints the check: one line per scenario, arm and metric (only the
// differing ones when brief), then the verdict.
func (e *Equivalence) Write(w io.Writer, brief bool) error {
	fmt.Fprintf(w, "old: %s\nnew: %s\n\n", e.Old, e.New)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tarm\tmetric\ttest\tn\told mean\tnew mean\tdiff\t±95%\tp mean\tp dist\tp Holm\tverdict")
	for _, c := range e.Cells {
		if brief && !c.Differs {
			continue
		}
		verdict := "same"
		switch {
		case c.Test == "identical":
			verdict = "identical"
		case c.Differs:
			verdict = "DIFFERS"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%.3g\t%.3g\t%.3g\t%s\n",
			c.Scenario, c.Arm, c.Metric, c.Test, min(c.NOld, c.NNew), fmtNum(c.MeanOld, 4), fmtNum(c.MeanNew, 4),
			rel(c.Diff, c.MeanOld), strings.Replace(rel(c.HalfDiff, c.MeanOld), "+", "±", 1), c.PT, c.PKS, c.PHolm, verdict)
	}
	return e.finish(w, tw)
}

// finish flushes a table of the check, then prints its notes and verdict.
func (e *Equivalence) finish(w io.Writer, tw *tabwriter.Writer) error {
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "\n%d metrics × %d scenario-arms: %s\n", len(e.Metrics()), e.groups(), e.Verdict())
	return err
}

func (e *Equivalence) groups() int {
	seen := map[[2]string]bool{}
	for _, c := range e.Cells {
		seen[[2]string{c.Scenario, c.Arm}] = true
	}
	return len(seen)
}

// Table is the check as a table for CSV and JSON.
func (e *Equivalence) Table() *store.Table {
	t := &store.Table{
		Columns: []string{"scenario", "arm", "metric", "test", "n_old", "n_new", "mean_old", "mean_new", "diff", "diff_half_width_95", "p_mean", "p_distribution", "p", "p_holm", "differs"},
		Types:   []string{"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "BOOLEAN"},
	}
	for _, c := range e.Cells {
		t.Rows = append(t.Rows, []any{c.Scenario, c.Arm, c.Metric, c.Test, int64(c.NOld), int64(c.NNew), c.MeanOld, c.MeanNew, c.Diff, c.HalfDiff, c.PT, c.PKS, c.P, c.PHolm, c.Differs})
	}
	return t
}

// MetricSummary is one metric over every scenario and arm of a check.
type MetricSummary struct {
	Metric    string
	Cells     int     // scenario-arms tested
	Identical int     // of them, identical run for run
	Differs   int     // of them, differing beyond sampling error
	MaxDiff   float64 // the largest |diff| as a share of the old mean
	MaxHalf   float64 // the largest resolution (95 % half-width) as a share of the old mean
	MinPHolm  float64
}

// Summary is the check by metric, in the order of the cells.
func (e *Equivalence) Summary() []MetricSummary {
	var out []MetricSummary
	at := map[string]int{}
	for _, c := range e.Cells {
		i, ok := at[c.Metric]
		if !ok {
			i = len(out)
			at[c.Metric] = i
			out = append(out, MetricSummary{Metric: c.Metric, MinPHolm: 1})
		}
		s := &out[i]
		s.Cells++
		switch {
		case c.Test == "identical":
			s.Identical++
		case c.Differs:
			s.Differs++
		}
		switch {
		case c.MeanOld != 0:
			s.MaxDiff = math.Max(s.MaxDiff, math.Abs(c.Diff/c.MeanOld))
			s.MaxHalf = math.Max(s.MaxHalf, math.Abs(c.HalfDiff/c.MeanOld))
		case c.Diff != 0:
			s.MaxDiff = math.Inf(1) // from zero to something
		}
		s.MinPHolm = math.Min(s.MinPHolm, c.PHolm)
	}
	return out
}

// WriteSummary prints the check with one line per metric over every
// scenario and arm, then the verdict.
func (e *Equivalence) WriteSummary(w io.Writer) error {
	fmt.Fprintf(w, "old: %s\nnew: %s\n\n", e.Old, e.New)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tscenario-arms\tidentical\tdiffer\tlargest |diff|\tlargest ±95%\tsmallest p Holm")
	for _, s := range e.Summary() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f%%\t%.2f%%\t%.3g\n", s.Metric, s.Cells, s.Identical, s.Differs, 100*s.MaxDiff, 100*s.MaxHalf, s.MinPHolm)
	}
	return e.finish(w, tw)
}
