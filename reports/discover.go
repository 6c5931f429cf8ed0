package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment/discover"
)

// Scenario discovery (Bryant & Lempert 2010): over the cases of a robust
// or sweep batch, where in the inputs does the answer to a question hold,
// and where does it fail? Each case is a slot of a robust study or a point
// of a sweep; its inputs are what the batch varied (runs.params), its
// answer the question asked of the means over its replicates. PRIM
// (Friedman & Fisher 1999) finds boxes of the cases of interest, CART
// (Breiman et al. 1984) a tree, both in sim/experiment/discover.

// Question is what msgmon discover asks of every case: does Arm beat Than
// on Metric (the metric's own direction: higher, or lower, is better;
// "more" where neither is), and does every limit hold?
type Question struct {
	Arm, Than string
	Metric    store.KPI
	Limits    []QuestionLimit
}

// QuestionLimit is a condition on Arm's value of a metric: at most (or at
// least) Value, or Ref's value plus Value when Ref names an arm.
type QuestionLimit struct {
	Metric  store.KPI
	AtMost  bool
	Ref     string
	Value   float64
	Written string // as the user wrote it
}

var limitRe = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)\s*(<=|>=)\s*(?:([^\s+-][^\s]*)\s*([+-])\s*)?([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$`)

// ParseLimit reads a limit written as "metric <= value" or "metric <=
// arm + value" (>= for at least; - for minus).
func ParseLimit(s string) (QuestionLimit, error) {
	m := limitRe.FindStringSubmatch(s)
	if m == nil {
		if m2 := regexp.MustCompile(`^\s*([A-Za-z0-9_]+)\s*(<=|>=)\s*([^\s+-][^\s]*)\s*$`).FindStringSubmatch(s); m2 != nil {
			m = []string{s, m2[1], m2[2], m2[3], "+", "0"}
		} else {
			return QuestionLimit{}, fmt.Errorf("limit %q: write it as <metric> <= <number>, or <metric> <= <arm> + <number> (>= for at least), e.g. \"churn_messages_per_1000 <= service + 50\"", s)
		}
	}
	k, ok := store.LookupKPI(m[1])
	if !ok {
		return QuestionLimit{}, fmt.Errorf("limit %q: unknown metric %s; the metrics are %s", s, m[1], strings.Join(kpiColumns(), ", "))
	}
	v, err := strconv.ParseFloat(m[5], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return QuestionLimit{}, fmt.Errorf("limit %q: %s is not a finite number", s, m[5])
	}
	if m[4] == "-" {
		v = -v
	}
	return QuestionLimit{Metric: k, AtMost: m[2] == "<=", Ref: m[3], Value: v, Written: strings.TrimSpace(s)}, nil
}

func kpiColumns() []string {
	var out []string
	for _, k := range store.KPIs() {
		out = append(out, k.Column)
	}
	return out
}

// String is the question in words.
func (q Question) String() string {
	s := fmt.Sprintf("%s %s %s", q.Arm, q.Metric.Beats, q.Than)
	for i, l := range q.Limits {
		if i == 0 {
			s += ", with "
		} else {
			s += " and "
		}
		s += l.String()
	}
	return s
}

// String is the limit in words.
func (l QuestionLimit) String() string {
	bound := "at most"
	if !l.AtMost {
		bound = "at least"
	}
	if l.Ref == "" {
		return fmt.Sprintf("%s %s %s", l.Metric.Label, bound, strconv.FormatFloat(l.Value, 'g', -1, 64))
	}
	return fmt.Sprintf("%s %s %s's %s", l.Metric.Label, bound, l.Ref, signedNum(l.Value, l.Metric.Digits))
}

// Cases are a batch's cases with their inputs and answers.
type Cases struct {
	BatchID, Design string
	// Inputs are the key paths the batch varied (those with more than
	// one value over the cases), X[i][j] input j of case i.
	Inputs []string
	X      [][]float64
	// Holds[i] is the question's answer for case i; Index[i] its point
	// (slot) in the batch.
	Holds []bool
	Index []int
	// Arms are the arms the batch has.
	Arms []string
}

// LoadCases reads the cases of batch batchID (a robust study or a sweep)
// and answers the question for each, from the means over the case's
// replicates. An arm or metric the batch does not have is an error that
// names those it has.
func LoadCases(ctx context.Context, db *store.DB, batchID string, q Question) (*Cases, error) {
	meta, err := db.Query(ctx, fmt.Sprintf(`SELECT design FROM sweeps WHERE sweep_id = %s`, quote(batchID)))
	if err != nil {
		return nil, err
	}
	if len(meta.Rows) == 0 {
		ids, _ := db.Query(ctx, `SELECT sweep_id FROM sweeps ORDER BY created_at DESC LIMIT 8`)
		var known []string
		if ids != nil {
			for _, r := range ids.Rows {
				known = append(known, str(r[0]))
			}
		}
		return nil, fmt.Errorf("no robust study or sweep %s in the database (the latest: %s)", batchID, strings.Join(known, ", "))
	}
	c := &Cases{BatchID: batchID, Design: str(meta.Rows[0][0])}
	arms, err := db.Query(ctx, fmt.Sprintf(`SELECT DISTINCT arm FROM runs WHERE batch_id = %s ORDER BY arm`, quote(batchID)))
	if err != nil {
		return nil, err
	}
	for _, r := range arms.Rows {
		c.Arms = append(c.Arms, str(r[0]))
	}
	need := []string{q.Arm, q.Than}
	for _, l := range q.Limits {
		if l.Ref != "" {
			need = append(need, l.Ref)
		}
	}
	for _, a := range need {
		if !slices.Contains(c.Arms, a) {
			return nil, fmt.Errorf("arm %s is not in batch %s; its arms are %s", a, batchID, strings.Join(c.Arms, ", "))
		}
	}
	if q.Arm == q.Than {
		return nil, fmt.Errorf("the question compares arm %s with itself: name two arms", q.Arm)
	}
	metrics := []store.KPI{q.Metric}
	for _, l := range q.Limits {
		if !slices.ContainsFunc(metrics, func(k store.KPI) bool { return k.Column == l.Metric.Column }) {
			metrics = append(metrics, l.Metric)
		}
	}
	sel := make([]string, len(metrics))
	for i, m := range metrics {
		sel[i] = fmt.Sprintf("avg(CAST(%s AS DOUBLE))", m.Column)
	}
	t, err := db.Query(ctx, fmt.Sprintf(`SELECT CAST(json_extract(params, '$.point') AS INTEGER) AS point, arm, %s
		FROM run_totals WHERE batch_id = %s GROUP BY ALL ORDER BY point, arm`, strings.Join(sel, ", "), quote(batchID)))
	if err != nil {
		return nil, err
	}
	// value[point][arm][metric]
	value := map[int]map[string][]float64{}
	for _, r := range t.Rows {
		k := int(toInt(r[0]))
		if value[k] == nil {
			value[k] = map[string][]float64{}
		}
		v := make([]float64, len(metrics))
		for i := range metrics {
			v[i] = math.NaN()
			if r[2+i] != nil {
				v[i] = toFloat(r[2+i])
			}
		}
		value[k][str(r[1])] = v
	}
	in, err := LoadInputs(ctx, db, batchID)
	if err != nil {
		return nil, err
	}
	paths := in.Paths
	var X [][]float64
	skipped := 0
	for k, x := range in.X {
		v := value[k]
		if v == nil || x == nil {
			skipped++
			continue // not run yet
		}
		a, b := v[q.Arm], v[q.Than]
		if a == nil || b == nil || math.IsNaN(a[0]) || math.IsNaN(b[0]) {
			skipped++
			continue
		}
		holds := a[0] > b[0]
		if q.Metric.LowerIsBetter() {
			holds = a[0] < b[0]
		}
		for _, l := range q.Limits {
			i := slices.IndexFunc(metrics, func(m store.KPI) bool { return m.Column == l.Metric.Column })
			bound := l.Value
			if l.Ref != "" {
				ref := v[l.Ref]
				if ref == nil || math.IsNaN(ref[i]) {
					holds = false
					continue
				}
				bound += ref[i]
			}
			if math.IsNaN(a[i]) || (l.AtMost && a[i] > bound) || (!l.AtMost && a[i] < bound) {
				holds = false
			}
		}
		X = append(X, x)
		c.Holds = append(c.Holds, holds)
		c.Index = append(c.Index, k)
	}
	// Keep the inputs that vary.
	for j, p := range paths {
		varies := false
		for i := range X {
			if X[i][j] != X[0][j] {
				varies = true
				break
			}
		}
		if varies {
			c.Inputs = append(c.Inputs, p)
		}
	}
	for _, x := range X {
		var row []float64
		for j := range paths {
			if slices.Contains(c.Inputs, paths[j]) {
				row = append(row, x[j])
			}
		}
		c.X = append(c.X, row)
	}
	if len(c.X) == 0 {
		return nil, fmt.Errorf("batch %s has no case with runs of both %s and %s (%d points not run or without a value): run it first", batchID, q.Arm, q.Than, skipped)
	}
	if len(c.Inputs) == 0 {
		return nil, fmt.Errorf("batch %s varies no numeric input over its %d cases: nothing to discover", batchID, len(c.X))
	}
	return c, nil
}

// Inputs are what a batch varies: its numeric columns by key path, and
// X[k] their values at point (slot) k, nil for a point without them.
type Inputs struct {
	Paths []string
	X     [][]float64
}

// LoadInputs reads the inputs of batch batchID from its sweep_points.
func LoadInputs(ctx context.Context, db *store.DB, batchID string) (*Inputs, error) {
	meta, err := db.Query(ctx, fmt.Sprintf(`SELECT CAST(parameters AS VARCHAR), points FROM sweeps WHERE sweep_id = %s`, quote(batchID)))
	if err != nil {
		return nil, err
	}
	if len(meta.Rows) == 0 {
		return nil, fmt.Errorf("no robust study or sweep %s in the database", batchID)
	}
	var cols []store.SweepColumn
	if err := json.Unmarshal([]byte(str(meta.Rows[0][0])), &cols); err != nil {
		return nil, fmt.Errorf("batch %s: its parameters: %w", batchID, err)
	}
	in := &Inputs{X: make([][]float64, int(toInt(meta.Rows[0][1])))}
	var names []string
	for _, col := range cols {
		if (col.Type == "DOUBLE" || col.Type == "INTEGER" || col.Type == "BIGINT") && col.Column != "vector" { // vector: an id, not a quantity
			in.Paths, names = append(in.Paths, col.Path), append(names, col.Column)
		}
	}
	pts, err := db.Query(ctx, fmt.Sprintf(`SELECT point, CAST(params AS VARCHAR) FROM sweep_points WHERE sweep_id = %s ORDER BY point`, quote(batchID)))
	if err != nil {
		return nil, err
	}
	for _, r := range pts.Rows {
		k := int(toInt(r[0]))
		if k < 0 || k >= len(in.X) {
			continue
		}
		var params map[string]any
		if err := json.Unmarshal([]byte(str(r[1])), &params); err != nil {
			return nil, fmt.Errorf("batch %s point %d: %w", batchID, k, err)
		}
		x := make([]float64, len(names))
		ok := true
		for j, n := range names {
			f, isNum := params[n].(float64)
			ok = ok && isNum
			x[j] = f
		}
		if ok {
			in.X[k] = x
		}
	}
	return in, nil
}

// DiscoverOptions are PRIM's and CART's settings.
type DiscoverOptions struct {
	// Find is "fails", "holds" or "" (the rarer answer): the cases of
	// interest.
	Find string
	// Boxes is the most boxes of the covering (default 2); Coverage the
	// least share of the cases of interest left that a box must cover
	// (default 0.7), among which the densest step is chosen.
	Boxes    int
	Coverage float64
	PRIM     discover.Options
	Tree     discover.TreeOptions
}

// Discovery is the answer of a discovery.
type Discovery struct {
	ID       string
	Question Question
	Cases    *Cases
	// Interest is "fails" or "holds"; Share the share of the cases with
	// that answer.
	Interest string
	Share    float64
	// Data are the cases over the inputs the boxes were peeled on,
	// TreeData over every input (the tree's).
	Data, TreeData *discover.Data
	// Associated counts the inputs significantly associated with the
	// answer, Peeled those the boxes were peeled on in the end.
	Associated, Peeled int
	Boxes              []discover.Found
	Tree               *discover.Tree
	Leaves             []discover.Box // of interest, share ≥ 0.5
	Coverage           float64
	// Peel, MinMass and Depth are PRIM's peel alpha and minimum mass and
	// the tree's depth.
	Peel, MinMass float64
	Depth         int
	Version       string
}

// Discover finds where the question's answer holds or fails over the
// cases.
func Discover(c *Cases, q Question, opt DiscoverOptions) (*Discovery, error) {
	holds := 0
	for _, h := range c.Holds {
		if h {
			holds++
		}
	}
	n := len(c.Holds)
	interest := opt.Find
	if interest == "" {
		interest = "fails"
		if holds < n-holds {
			interest = "holds"
		}
	}
	if interest != "fails" && interest != "holds" {
		return nil, fmt.Errorf("find %q: give fails or holds", interest)
	}
	y := make([]bool, n)
	for i, h := range c.Holds {
		y[i] = h == (interest == "holds")
	}
	k := 0
	for _, v := range y {
		if v {
			k++
		}
	}
	if k == 0 {
		return nil, fmt.Errorf("the answer %s in none of the %d cases of batch %s (it %s in all): there is no region to find; ask another question, or widen the ranges",
			interest, n, c.BatchID, map[string]string{"fails": "holds", "holds": "fails"}[interest])
	}
	d, err := discover.NewData(c.X, c.Inputs, y)
	if err != nil {
		return nil, err
	}
	if opt.Boxes == 0 {
		opt.Boxes = 2
	}
	if opt.Coverage == 0 {
		opt.Coverage = 0.7
	}
	if opt.Boxes < 1 || opt.Boxes > 10 {
		return nil, fmt.Errorf("boxes %d: give 1 to 10", opt.Boxes)
	}
	if !(opt.Coverage > 0 && opt.Coverage <= 1) {
		return nil, fmt.Errorf("coverage %v: give a share above 0 and at most 1, such as 0.7", opt.Coverage)
	}
	opt.PRIM.Paste = true
	if opt.PRIM.PeelAlpha == 0 {
		opt.PRIM.PeelAlpha = 0.05
	}
	if opt.PRIM.MinMass == 0 {
		opt.PRIM.MinMass = 0.05
	}
	choose := func(t *discover.Trajectory) int {
		return t.BestDensity(opt.Coverage * t.Steps[0].Coverage)
	}
	// With many inputs and few cases, peeling takes a little off many
	// inputs that each explain nothing (Bryant & Lempert 2010 on
	// interpretability). PRIM peels the inputs associated with the
	// answer: those whose rank correlation with it (Spearman, the answer
	// as 0 or 1) is significant at 5 % after Bonferroni over the inputs,
	// or the five strongest when none is; each restriction's quasi-p
	// then says how much it adds. The tree sees every input.
	yf := make([]float64, n)
	for i, v := range y {
		if v {
			yf[i] = 1
		}
	}
	type assoc struct {
		name   string
		rho, p float64
	}
	var as []assoc
	col := make([]float64, n)
	for j, name := range c.Inputs {
		for i := range c.X {
			col[i] = c.X[i][j]
		}
		if rho, p := Spearman(col, yf); !math.IsNaN(rho) {
			as = append(as, assoc{name, rho, p})
		}
	}
	slices.SortStableFunc(as, func(a, b assoc) int { return cmpAbs(b.rho, a.rho) })
	var keep []string
	for _, a := range as {
		if a.p < 0.05/float64(len(as)) {
			keep = append(keep, a.name)
		}
	}
	selected := len(keep)
	if len(keep) == 0 {
		for _, a := range as[:min(5, len(as))] {
			keep = append(keep, a.name)
		}
	}
	if len(keep) == 0 { // every case of interest: no input correlates
		keep = slices.Clone(c.Inputs)
	}
	all := d
	pick := func() error {
		x := make([][]float64, len(c.X))
		for i := range c.X {
			for _, name := range keep {
				x[i] = append(x[i], c.X[i][slices.Index(c.Inputs, name)])
			}
		}
		var err error
		d, err = discover.NewData(x, keep, y)
		return err
	}
	if err := pick(); err != nil {
		return nil, err
	}
	found, err := d.Cover(opt.PRIM, opt.Boxes, choose)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", c.BatchID, err)
	}
	boxData := d
	d = all
	if opt.Tree.MaxDepth == 0 {
		opt.Tree.MaxDepth = 3
	}
	tree, err := d.Tree(opt.Tree)
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", c.BatchID, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%g", c.BatchID, q.String(), interest, opt.Boxes, opt.Coverage)
	return &Discovery{ID: "discover-" + hex.EncodeToString(h.Sum(nil))[:12], Question: q, Cases: c, Interest: interest,
		Share: float64(k) / float64(n), Data: boxData, TreeData: d, Boxes: found, Tree: tree, Leaves: tree.LeavesOfInterest(0.5), Coverage: opt.Coverage,
		Peel: opt.PRIM.PeelAlpha, MinMass: opt.PRIM.MinMass, Depth: opt.Tree.MaxDepth,
		Associated: selected, Peeled: len(keep)}, nil
}

// where is a box's restrictions in words: "tolerance_median below 0.4 and
// cpm above 3.2", with each limit's quasi-p.
func (x *Discovery) where(d *discover.Data, b discover.Box, withP bool) string {
	var parts []string
	for _, r := range d.Restrictions(b) {
		var s string
		switch {
		case r.Lower && r.Upper:
			s = fmt.Sprintf("%s between %s and %s", r.Name, discover.FormatValue(r.Limit.Lo, 3), discover.FormatValue(r.Limit.Hi, 3))
		case r.Lower:
			s = fmt.Sprintf("%s above %s", r.Name, discover.FormatValue(r.Limit.Lo, 3))
		default:
			s = fmt.Sprintf("%s below %s", r.Name, discover.FormatValue(r.Limit.Hi, 3))
		}
		if withP {
			s += fmt.Sprintf(" (quasi-p %.2g)", r.QuasiP)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "anywhere"
	}
	return strings.Join(parts, " and ")
}

// verb is the answer of interest as a clause: "stops winning" or "wins".
func (x *Discovery) verb() string {
	if x.Interest == "fails" {
		return "fails"
	}
	return "holds"
}

// Sentence is box i of the covering in words a strategist can read.
func (x *Discovery) Sentence(i int) string {
	b := x.Boxes[i].Box
	return fmt.Sprintf("\"%s\" %s when %s: %.0f %% of the cases where it %s (coverage), density %.2f, %.0f %% of all cases (%d of %d).",
		x.Question, x.verb(), x.where(x.Data, b, false), 100*b.Coverage, x.verb(), b.Density, 100*b.Mass, b.N, x.Data.Len())
}

// LeafSentence is a CART leaf of interest in words.
func (x *Discovery) LeafSentence(b discover.Box) string {
	return fmt.Sprintf("where %s: it %s in %d of %d cases (%.0f %%), %.0f %% of all the cases where it %s.",
		x.where(x.TreeData, b, false), x.verb(), b.NInterest, b.N, 100*b.Density, 100*b.Coverage, x.verb())
}

// Write prints the discovery: the question, the boxes with their limits
// and peeling trajectory, and the tree's leaves.
func (x *Discovery) Write(w io.Writer) error {
	c := x.Cases
	fmt.Fprintf(w, "Question: %s.\n", x.Question)
	fmt.Fprintf(w, "Batch %s (%s): %d cases, %d inputs vary; the answer %s in %d of them (%.0f %%): those are the cases of interest.\n",
		c.BatchID, c.Design, len(c.Holds), len(c.Inputs), x.Interest, int(math.Round(x.Share*float64(len(c.Holds)))), 100*x.Share)
	fmt.Fprintf(w, "PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010): peel %.2g, paste, minimum mass %.2g; each box the densest step covering at least %.0f %% of the cases of interest left;\n",
		x.Peel, x.MinMass, 100*x.Coverage)
	fmt.Fprintf(w, "%s\n\n", x.selection())
	if len(x.Boxes) == 0 {
		fmt.Fprintf(w, "No box: no step of the peeling trajectory is denser than the cases of interest are among all (%.2f).\n", x.Share)
	}
	for i, f := range x.Boxes {
		fmt.Fprintf(w, "Box %d: %s\n", i+1, x.Sentence(i))
		for _, r := range x.Data.Restrictions(f.Box) {
			fmt.Fprintf(w, "  %-40s %10s to %-10s  quasi-p %.2g\n", r.Name, discover.FormatValue(r.Limit.Lo, 3), discover.FormatValue(r.Limit.Hi, 3), r.QuasiP)
		}
		fmt.Fprintf(w, "  peeling trajectory (step: coverage, density, mass, inputs restricted):")
		for s, st := range f.Trajectory.Steps {
			if s%4 == 0 {
				fmt.Fprintf(w, "\n   ")
			}
			mark := " "
			if s == f.Step {
				mark = "*"
			}
			fmt.Fprintf(w, " %s%2d: %.2f %.2f %.2f %d", mark, s, st.Coverage, st.Density, st.Mass, st.Restricted)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nCART (Breiman et al. 1984), depth %d: the leaves where the answer %s in at least half the cases:\n", x.Depth, x.Interest)
	if len(x.Leaves) == 0 {
		fmt.Fprintf(w, "  none\n")
	}
	for _, b := range x.Leaves {
		fmt.Fprintf(w, "  %s\n", x.LeafSentence(b))
	}
	return nil
}

// limitsJSON is a box's restricted inputs as {"input": [lo, hi]}, null for
// an open end.
func limitsJSON(d *discover.Data, b discover.Box) string {
	m := map[string][2]any{}
	for _, r := range d.Restrictions(b) {
		var lo, hi any
		if r.Lower {
			lo = r.Limit.Lo
		}
		if r.Upper {
			hi = r.Limit.Hi
		}
		m[r.Name] = [2]any{lo, hi}
	}
	js, _ := json.Marshal(m)
	return string(js)
}

// StoreRows are the rows for store.WriteDiscovery.
func (x *Discovery) StoreRows() []store.DiscoveryRow {
	var out []store.DiscoveryRow
	base := store.DiscoveryRow{DiscoveryID: x.ID, BatchID: x.Cases.BatchID, Question: x.Question.String(), Interest: x.Interest,
		Cases: x.Data.Len(), Version: x.Version}
	row := func(d *discover.Data, kind string, box, step int, chosen bool, b discover.Box, sentence string) store.DiscoveryRow {
		r := base
		r.Kind, r.Box, r.Step, r.Chosen = kind, box, step, chosen
		r.Inside, r.InterestInside, r.Coverage, r.Density, r.Mass, r.Restricted = b.N, b.NInterest, b.Coverage, b.Density, b.Mass, b.Restricted
		r.Limits, r.Sentence = limitsJSON(d, b), sentence
		return r
	}
	for i, f := range x.Boxes {
		out = append(out, row(x.Data, "box", i+1, f.Step, true, f.Box, x.Sentence(i)))
		for s, st := range f.Trajectory.Steps {
			out = append(out, row(x.Data, "step", i+1, s, s == f.Step, st, x.where(x.Data, st, false)))
		}
	}
	for i, b := range x.Leaves {
		out = append(out, row(x.TreeData, "leaf", i+1, 0, false, b, x.LeafSentence(b)))
	}
	return out
}

// LoadRobustStudy analyses robust study id from the database alone, as
// msgmon robust does after its runs: arms, base, slots and replicates
// from its sweeps row (and robust_results for a study whose spec does not
// name its base), the inputs from sweep_points, the figures from
// run_totals.
func LoadRobustStudy(ctx context.Context, db *store.DB, id string) (*Robust, error) {
	t, err := db.Query(ctx, fmt.Sprintf(`SELECT design, spec, points, replicates FROM sweeps WHERE sweep_id = %s`, quote(id)))
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 || str(t.Rows[0][0]) != "robust" {
		return nil, fmt.Errorf("%s is not a robust study in the database", id)
	}
	var spec struct {
		Scenario, Plausible, Base string
		Arms                      []string
		Assumptions               int
	}
	if err := json.Unmarshal([]byte(str(t.Rows[0][1])), &spec); err != nil {
		return nil, fmt.Errorf("robust study %s: its spec: %w", id, err)
	}
	if spec.Base == "" {
		seen, err := db.Query(ctx, fmt.Sprintf(`SELECT DISTINCT arm FROM robust_results WHERE study_id = %s`, quote(id)))
		if err != nil {
			return nil, err
		}
		for _, a := range spec.Arms {
			if !slices.ContainsFunc(seen.Rows, func(r []any) bool { return str(r[0]) == a }) {
				spec.Base = a
			}
		}
		if spec.Base == "" {
			return nil, fmt.Errorf("robust study %s: its base is not recorded; run the same msgmon robust command first", id)
		}
	}
	slots, reps := int(toInt(t.Rows[0][2])), int(toInt(t.Rows[0][3]))
	d, err := LoadRobust(ctx, db, id, spec.Base, spec.Arms, slots, reps, RobustMetrics())
	if err != nil {
		return nil, err
	}
	in, err := LoadInputs(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(in.X, func(x []float64) bool { return x == nil }) {
		d.Inputs, d.X, d.Assumptions = in.Paths, in.X, spec.Assumptions
	}
	r, err := AnalyseRobust(*d)
	if err != nil {
		return nil, err
	}
	r.StudyID, r.Scenario, r.Plausible = id, spec.Scenario, spec.Plausible
	return r, nil
}

func cmpAbs(a, b float64) int {
	switch {
	case math.Abs(a) < math.Abs(b):
		return -1
	case math.Abs(a) > math.Abs(b):
		return 1
	}
	return 0
}

// selection says which inputs PRIM peeled.
func (x *Discovery) selection() string {
	n := len(x.Cases.Inputs)
	var s string
	if x.Associated > 0 {
		s = fmt.Sprintf("Peeled on the %d of %d inputs whose rank correlation with the answer is significant (5 %%, Bonferroni)", x.Associated, n)
	} else {
		s = fmt.Sprintf("No input's rank correlation with the answer is significant (5 %%, Bonferroni over %d): peeled on the 5 strongest", n)
	}
	return s + fmt.Sprintf(" (%s); each restriction's quasi-p says how much it adds.", strings.Join(x.Data.Names(), ", "))
}
