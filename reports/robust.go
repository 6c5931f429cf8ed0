package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/msgmon/msgmon/datasets/store"
)

// The analysis of msgmon robust: a comparison run over N behaviour vectors
// drawn from a plausible set (slots k = 0..N-1, each with its own
// population and random numbers) and R replicates per slot, the arms of a
// slot on common random numbers. For each arm and metric the paired
// difference to the base is taken replicate by replicate and averaged
// within the slot, d_k; the spread of d_k over the slots is the
// uncertainty the behaviour adds (plus what is left of replicate noise).

// RobustMetric is a run_totals column msgmon robust judges the arms by:
// a KPI of the registry, whose direction says which way is better (for a
// figure where neither is, "better" counts the slots where the arm has
// more) and whose Beats phrase says so in words.
type RobustMetric = store.KPI

// RobustMetrics are the metrics of msgmon robust: the headline figures.
func RobustMetrics() []RobustMetric { return Headline() }

// RobustData are the figures of a robust study: Values[k][a][m][r] is
// metric m of arm a in replicate r of slot k.
type RobustData struct {
	Arms    []string
	Base    string
	Metrics []RobustMetric
	Values  [][][][]float64
	// Inputs name what varies from slot to slot (the behaviour vector's
	// parameters, then the drawn assumptions); X[k][j] is input j in slot
	// k. Without them the analysis has no sensitivity.
	Inputs []string
	X      [][]float64
	// Assumptions is how many of the inputs are assumptions (the last).
	Assumptions int
	// ArmModels, when given, are the models each arm runs, so that a
	// model's parameters are tested only for the arms that run it.
	ArmModels map[string][]string
}

// Robust is the analysis of a robust study.
type Robust struct {
	StudyID, Scenario, Base string
	Plausible               string  // the set's file
	SetVectors              int     // vectors in the set
	ESS                     float64 // Kish's effective sample size of its weights
	Arms                    []string
	Vectors, Replicates     int
	Metrics                 []RobustMetric
	Rows                    []RobustRow     // each arm but the base, each metric
	Pairs                   []RobustRow     // head to head: each pair of the other arms, the better mean first, each metric
	Rankings                []RobustRanking // by metric
	Version                 string
	// Inputs vary from slot to slot, Assumptions of them drawn from
	// their ranges; each row's Effects rank them.
	Inputs      []string
	Assumptions int
	// Discoveries are scenario discoveries on the study, each a page of
	// the report.
	Discoveries []*Discovery
}

// RobustRow is one arm's difference to the base on one metric over the
// plausible behaviours.
type RobustRow struct {
	Arm    string
	Ref    string // the arm it is compared with: the base, or another arm head to head
	Metric RobustMetric
	// Diffs are d_k, slot by slot: the mean over replicates of arm − base;
	// slots where a run has no value (churn without follows) are left out
	// and counted in Missing.
	Diffs   []float64
	Missing int
	// Mean is the mean of Diffs; Lo and Hi their 5th and 95th percentiles
	// (linear interpolation between order statistics, Hyndman–Fan type 7:
	// position (N−1)·p from 0).
	Mean, Lo, Hi float64
	// Better counts the slots where the arm beats the base (d_k > 0, or
	// < 0 when lower is better), Ties those with d_k exactly 0 (not
	// better); PBetter = Better / (N − Missing).
	Better, Ties int
	PBetter      float64
	// SEMedian is the median over slots of the standard error of d_k
	// from its replicates (sd of arm_r − base_r over √R): how much of the
	// spread is replicate noise. NaN with one replicate.
	SEMedian float64
	// PRanking is the metric's ranking probability (RobustRanking.P).
	PRanking float64
	// Effects rank the inputs by how strongly the slot differences
	// follow them (|Spearman's rho|, largest first); empty when the
	// study has no inputs. Tested counts the inputs tested (the
	// Bonferroni count).
	Effects []InputEffect
	Tested  int
}

// RobustRanking is the ranking of all arms on one metric by their mean
// over every slot (best first; arms with equal means share a rank), and
// the share of slots whose own ranking (by the slot's means over
// replicates) is the same.
type RobustRanking struct {
	Metric RobustMetric
	Order  []string // best first
	Ranks  []int    // of Order, from 1; equal values share the rank
	Holds  int
	Valid  int // slots where every arm has a value
	P      float64
}

// AnalyseRobust computes the differences, ranges and probabilities.
func AnalyseRobust(d RobustData) (*Robust, error) {
	n := len(d.Values)
	if n == 0 {
		return nil, fmt.Errorf("reports: robust: no slots")
	}
	base := slices.Index(d.Arms, d.Base)
	if base < 0 {
		return nil, fmt.Errorf("reports: robust: the base %s is not among the arms %s", d.Base, strings.Join(d.Arms, ", "))
	}
	reps := -1
	for k, slot := range d.Values {
		if len(slot) != len(d.Arms) {
			return nil, fmt.Errorf("reports: robust: slot %d has %d arms, want %d", k, len(slot), len(d.Arms))
		}
		for a, ms := range slot {
			if len(ms) != len(d.Metrics) {
				return nil, fmt.Errorf("reports: robust: slot %d arm %s has %d metrics, want %d", k, d.Arms[a], len(ms), len(d.Metrics))
			}
			for _, rs := range ms {
				if reps < 0 {
					reps = len(rs)
				}
				if len(rs) != reps || reps == 0 {
					return nil, fmt.Errorf("reports: robust: slot %d arm %s has %d replicates, others %d", k, d.Arms[a], len(rs), reps)
				}
			}
		}
	}
	if len(d.Inputs) > 0 && len(d.X) != n {
		return nil, fmt.Errorf("reports: robust: %d slots of inputs for %d slots", len(d.X), n)
	}
	for k, x := range d.X {
		if len(x) != len(d.Inputs) {
			return nil, fmt.Errorf("reports: robust: slot %d has %d inputs, want %d", k, len(x), len(d.Inputs))
		}
	}
	r := &Robust{Base: d.Base, Arms: d.Arms, Vectors: n, Replicates: reps, Metrics: d.Metrics, Inputs: d.Inputs, Assumptions: d.Assumptions}
	// slotMean[k][a][m]: the slot's mean over replicates.
	slotMean := make([][][]float64, n)
	for k := range d.Values {
		slotMean[k] = make([][]float64, len(d.Arms))
		for a := range d.Arms {
			slotMean[k][a] = make([]float64, len(d.Metrics))
			for m := range d.Metrics {
				slotMean[k][a][m] = mean(d.Values[k][a][m])
			}
		}
	}
	for m, met := range d.Metrics {
		rk := RobustRanking{Metric: met}
		// Slots where an arm has no value (churn of a run without
		// follows) take no part.
		valid := make([]bool, n)
		for k := range n {
			valid[k] = true
			for a := range d.Arms {
				if math.IsNaN(slotMean[k][a][m]) {
					valid[k] = false
				}
			}
		}
		overall := make([]float64, len(d.Arms))
		for a := range d.Arms {
			var col []float64
			for k := range n {
				if valid[k] {
					col = append(col, slotMean[k][a][m])
				}
			}
			overall[a] = mean(col)
		}
		rk.Order, rk.Ranks = ranking(d.Arms, overall, met.LowerIsBetter())
		want := rankOf(d.Arms, overall, met.LowerIsBetter())
		for k := range n {
			if !valid[k] {
				continue
			}
			rk.Valid++
			vals := make([]float64, len(d.Arms))
			for a := range d.Arms {
				vals[a] = slotMean[k][a][m]
			}
			if slices.Equal(rankOf(d.Arms, vals, met.LowerIsBetter()), want) {
				rk.Holds++
			}
		}
		rk.P = float64(rk.Holds) / float64(rk.Valid)
		r.Rankings = append(r.Rankings, rk)
	}
	for a := range d.Arms {
		if a == base {
			continue
		}
		for m := range d.Metrics {
			r.Rows = append(r.Rows, diffRow(d, a, base, m, r.Rankings[m].P))
		}
	}
	// Head to head: every pair of the other arms, the one with the
	// better mean named first.
	for a := range d.Arms {
		for b := a + 1; b < len(d.Arms); b++ {
			if a == base || b == base {
				continue
			}
			for m, met := range d.Metrics {
				row := diffRow(d, a, b, m, r.Rankings[m].P)
				if row.Mean < 0 != met.LowerIsBetter() && row.Mean != 0 {
					row = diffRow(d, b, a, m, r.Rankings[m].P)
				}
				r.Pairs = append(r.Pairs, row)
			}
		}
	}
	return r, nil
}

// diffRow is arm a against arm ref on metric m over the slots.
func diffRow(d RobustData, a, ref, m int, pRanking float64) RobustRow {
	met := d.Metrics[m]
	n := len(d.Values)
	reps := len(d.Values[0][a][m])
	row := RobustRow{Arm: d.Arms[a], Ref: d.Arms[ref], Metric: met, SEMedian: math.NaN(), PRanking: pRanking}
	var ses []float64
	var slots []int
	for k := range n {
		diff := make([]float64, reps)
		for i := range reps {
			diff[i] = d.Values[k][a][m][i] - d.Values[k][ref][m][i]
		}
		dk := mean(diff)
		if math.IsNaN(dk) {
			row.Missing++ // a run without a value: neither better nor a tie
			continue
		}
		row.Diffs = append(row.Diffs, dk)
		slots = append(slots, k)
		switch {
		case dk == 0:
			row.Ties++
		case dk > 0 != met.LowerIsBetter():
			row.Better++
		}
		if reps > 1 {
			ses = append(ses, sd(diff)/math.Sqrt(float64(reps)))
		}
	}
	row.Mean = mean(row.Diffs)
	row.Lo, row.Hi = Percentile(row.Diffs, 0.05), Percentile(row.Diffs, 0.95)
	row.PBetter = float64(row.Better) / float64(n-row.Missing)
	if len(ses) > 0 {
		row.SEMedian = Percentile(ses, 0.5)
	}
	row.Effects, row.Tested = effects(d, a, ref, slots, row.Diffs)
	return row
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// sd is the sample standard deviation.
func sd(x []float64) float64 {
	m := mean(x)
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// Percentile is the p-quantile of x by linear interpolation between the
// order statistics (Hyndman and Fan's type 7, R's and NumPy's default):
// at position h = (n−1)·p counted from 0, x[⌊h⌋] + (h−⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
func Percentile(x []float64, p float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	sort.Float64s(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// rankOf is each arm's rank (from 1, best first; equal values share the
// smaller rank) by vals.
func rankOf(arms []string, vals []float64, lowerBetter bool) []int {
	ranks := make([]int, len(arms))
	for i := range arms {
		ranks[i] = 1
		for j := range arms {
			if lowerBetter && vals[j] < vals[i] || !lowerBetter && vals[j] > vals[i] {
				ranks[i]++
			}
		}
	}
	return ranks
}

// ranking orders the arms best first (ties in arm order) with their ranks.
func ranking(arms []string, vals []float64, lowerBetter bool) ([]string, []int) {
	ranks := rankOf(arms, vals, lowerBetter)
	idx := make([]int, len(arms))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ranks[idx[a]] < ranks[idx[b]] })
	order, rs := make([]string, len(arms)), make([]int, len(arms))
	for i, j := range idx {
		order[i], rs[i] = arms[j], ranks[j]
	}
	return order, rs
}

// LoadRobust reads the runs of the robust study studyID: every slot
// 0..slots-1 (runs.params point), arm and replicate 0..replicates-1 must
// be there.
func LoadRobust(ctx context.Context, db *store.DB, studyID, base string, arms []string, slots, replicates int, metrics []RobustMetric) (*RobustData, error) {
	cols := make([]string, len(metrics))
	for i, m := range metrics {
		cols[i] = fmt.Sprintf("CAST(%s AS DOUBLE)", m.Column)
	}
	t, err := db.Query(ctx, fmt.Sprintf(`SELECT CAST(json_extract(params, '$.point') AS INTEGER), arm, replicate, %s
		FROM run_totals WHERE batch_id = %s`, strings.Join(cols, ", "), quote(studyID)))
	if err != nil {
		return nil, err
	}
	d := &RobustData{Arms: arms, Base: base, Metrics: metrics, Values: make([][][][]float64, slots)}
	seen := make([][][]bool, slots)
	for k := range d.Values {
		d.Values[k] = make([][][]float64, len(arms))
		seen[k] = make([][]bool, len(arms))
		for a := range arms {
			d.Values[k][a] = make([][]float64, len(metrics))
			for m := range metrics {
				d.Values[k][a][m] = make([]float64, replicates)
			}
			seen[k][a] = make([]bool, replicates)
		}
	}
	for _, row := range t.Rows {
		k, a, rep := int(toInt(row[0])), slices.Index(arms, str(row[1])), int(toInt(row[2]))
		if k < 0 || k >= slots || a < 0 || rep < 0 || rep >= replicates {
			continue // an arm or replicate not asked for
		}
		for m := range metrics {
			v := toFloat(row[3+m])
			if row[3+m] == nil {
				v = math.NaN()
			}
			d.Values[k][a][m][rep] = v
		}
		seen[k][a][rep] = true
	}
	missing := 0
	for k := range seen {
		for a := range seen[k] {
			for _, ok := range seen[k][a] {
				if !ok {
					missing++
				}
			}
		}
	}
	if missing > 0 {
		return nil, fmt.Errorf("reports: robust study %s: %d of its %d runs are not in the database (an interrupted run or a shard not merged); run the same command again to complete it",
			studyID, missing, slots*len(arms)*replicates)
	}
	return d, nil
}

// signedNum formats x with its sign and thousands separators.
func signedNum(x float64, digits int) string {
	s := fmtNum(x, digits)
	if x > 0 && strings.Trim(s, "0.,") != "" {
		s = "+" + s
	}
	return s
}

// Sentence says a row in words: "service+paid_push earns more platform
// revenue than service in 19 of 20 plausible behaviours (P = 0.95);
// difference +1,234 $ (90 % plausible range +200 to +2,500)".
func (r *Robust) Sentence(row RobustRow) string {
	m := row.Metric
	valued := r.Vectors - row.Missing
	none := ""
	if row.Missing > 0 {
		none = fmt.Sprintf(" (%d more without a value: nothing to count it by, such as no follows or no messages)", row.Missing)
	}
	if valued == 0 {
		return fmt.Sprintf("%s and %s: no value of %s in any of the %d plausible behaviours", row.Arm, row.Ref, strings.ToLower(m.Title), r.Vectors)
	}
	if row.Ties == valued {
		return fmt.Sprintf("%s and %s do not differ in %s in any of the %d plausible behaviours%s", row.Arm, row.Ref, strings.ToLower(m.Title), valued, none)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s in %d of %d plausible behaviours%s (P = %.2f)", row.Arm, m.Beats, row.Ref, row.Better, valued, none, row.PBetter)
	if row.Ties > 0 {
		fmt.Fprintf(&b, ", equal in %d", row.Ties)
	}
	fmt.Fprintf(&b, "; difference %s %s (90 %% plausible range %s to %s)", signedNum(row.Mean, m.Digits), m.Unit,
		signedNum(row.Lo, m.Digits), signedNum(row.Hi, m.Digits))
	return b.String()
}

// RankingSentence says a ranking in words: "platform $: service+paid_push
// > service+subscription > service, the same in 17 of 20 behaviours (P =
// 0.85)".
func (r *Robust) RankingSentence(rk RobustRanking) string {
	var b strings.Builder
	for i, a := range rk.Order {
		if i > 0 {
			if rk.Ranks[i] == rk.Ranks[i-1] {
				b.WriteString(" = ")
			} else {
				b.WriteString(" > ")
			}
		}
		b.WriteString(a)
	}
	return fmt.Sprintf("%s: %s, the same in %d of %d behaviours (P = %.2f)", rk.Metric.Label, b.String(), rk.Holds, rk.Valid, rk.P)
}

func (r *Robust) heading() string {
	set := r.Plausible
	if r.SetVectors > 0 {
		set = fmt.Sprintf("%s: %d vectors, effective sample size %.1f", r.Plausible, r.SetVectors, r.ESS)
	}
	reps := "replicates"
	if r.Replicates == 1 {
		reps = "replicate"
	}
	return fmt.Sprintf("Scenario %s, study %s: %d plausible behaviours (%s) x %d %s, against %s",
		r.Scenario, r.StudyID, r.Vectors, set, r.Replicates, reps, r.Base)
}

func seCell(x float64, digits int) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmtNum(x, digits)
}

// Write prints the analysis: a table of every arm's difference to the
// base per metric, the rankings and the sentences.
func (r *Robust) Write(w io.Writer) error {
	fmt.Fprintln(w, r.heading())
	fmt.Fprintf(w, "Difference to %s per behaviour = mean over replicates of (arm - %s), same population and random numbers;\n", r.Base, r.Base)
	fmt.Fprintf(w, "over the behaviours: mean, 90 %% plausible range (5th to 95th percentile), P(better) = share of behaviours where the arm beats %s,\n", r.Base)
	fmt.Fprintf(w, "ties = behaviours with exactly no difference (not counted as better), noise = median standard error within a behaviour (replicate noise).\n")
	var neither []string
	for _, m := range r.Metrics {
		if m.Better == store.NoBetter {
			neither = append(neither, m.Label)
		}
	}
	if len(neither) > 0 {
		fmt.Fprintf(w, "Neither way is better for %s: P(better) is the share of behaviours where the arm has more.\n", strings.Join(neither, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "arm\tmetric\tmean diff\t90 % range\tP(better)\tties\tnoise\t")
	for _, row := range r.Rows {
		m := row.Metric
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s to %s\t%.2f\t%d\t%s\t\n", row.Arm, m.Label, signedNum(row.Mean, m.Digits),
			signedNum(row.Lo, m.Digits), signedNum(row.Hi, m.Digits), row.PBetter, row.Ties, seCell(row.SEMedian, m.Digits))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nRanking of the arms by their mean over the behaviours (best first), and how often one behaviour ranks them the same:\n")
	for _, rk := range r.Rankings {
		fmt.Fprintln(w, "  "+r.RankingSentence(rk))
	}
	if len(r.Pairs) > 0 {
		fmt.Fprintf(w, "\nHead to head (the arm with the better mean first):\n\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "arm	against	metric	mean diff	90 % range	P(better)	ties	noise	")
		for _, row := range r.Pairs {
			m := row.Metric
			fmt.Fprintf(tw, "%s	%s	%s	%s	%s to %s	%.2f	%d	%s	\n", row.Arm, row.Ref, m.Label, signedNum(row.Mean, m.Digits),
				signedNum(row.Lo, m.Digits), signedNum(row.Hi, m.Digits), row.PBetter, row.Ties, seCell(row.SEMedian, m.Digits))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nIn words:\n")
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		fmt.Fprintln(w, "  "+r.Sentence(row))
	}
	return r.writeEffects(w)
}

// RobustColumns are the fields of a robust row in CSV and JSON, as in the
// robust_results table.
var RobustColumns = []string{"study_id", "scenario", "against", "arm", "metric", "mean_diff", "lo", "hi", "p_better", "ties",
	"missing", "vectors", "replicates", "se_median", "p_ranking", "plausible"}

// Records are the rows as plain values under RobustColumns.
func (r *Robust) Records() [][]any {
	var out [][]any
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		out = append(out, []any{r.StudyID, r.Scenario, row.Ref, row.Arm, row.Metric.Column, row.Mean, row.Lo, row.Hi,
			row.PBetter, row.Ties, row.Missing, r.Vectors, r.Replicates, row.SEMedian, row.PRanking, r.Plausible})
	}
	return out
}

// StoreRows are the rows for store.WriteRobust.
func (r *Robust) StoreRows() []store.RobustRow {
	var out []store.RobustRow
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		out = append(out, store.RobustRow{StudyID: r.StudyID, Scenario: r.Scenario, Against: row.Ref, Arm: row.Arm, Missing: row.Missing,
			Metric: row.Metric.Column, MeanDiff: row.Mean, Lo: row.Lo, Hi: row.Hi, PBetter: row.PBetter, Ties: row.Ties,
			Vectors: r.Vectors, Replicates: r.Replicates, SEMedian: row.SEMedian, PRanking: row.PRanking,
			Plausible: r.Plausible, Version: r.Version})
	}
	return out
}

// WriteFormat prints the analysis as format: FormatTable (Write), or one
// CSV row or JSON object per arm and metric (RobustColumns).
func (r *Robust) WriteFormat(w io.Writer, format string) error {
	switch format {
	case FormatTable, "":
		return r.Write(w)
	case FormatCSV, FormatJSON:
		return WriteRecords(w, format, RobustColumns, r.Records())
	}
	return fmt.Errorf("reports: unknown format %q", format)
}

// ForestChart draws, per metric, each arm's difference to the base in
// every plausible behaviour (dots), its mean (a diamond) and its 90 %
// plausible range (a bar), with the zero line.
func (r *Robust) ForestChart() (*Chart, error) {
	var arms []string
	for _, a := range r.Arms {
		if a != r.Base {
			arms = append(arms, a)
		}
	}
	var plots []*plot.Plot
	for _, met := range r.Metrics {
		p := newPlot(fmt.Sprintf("difference to %s (%s)", r.Base, met.Unit), "")
		p.Title.Text = met.Title + " (" + met.Better.String() + ")"
		lo, hi := 0.0, 0.0
		for i, arm := range arms {
			var row *RobustRow
			for j := range r.Rows {
				if r.Rows[j].Arm == arm && r.Rows[j].Metric.Column == met.Column {
					row = &r.Rows[j]
				}
			}
			if row == nil {
				continue
			}
			y := float64(len(arms) - 1 - i) // the first arm on top
			c := armColor(i + 1)            // the base has colour 0 elsewhere
			bar, err := plotter.NewLine(plotter.XYs{{X: row.Lo, Y: y}, {X: row.Hi, Y: y}})
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", met.Column, err)
			}
			bar.Color, bar.Width = translucent(c, 0x90), vg.Points(7)
			p.Add(bar)
			tick, err := plotter.NewLine(plotter.XYs{{X: row.Mean, Y: y - 0.32}, {X: row.Mean, Y: y + 0.32}})
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", met.Column, err)
			}
			tick.Color, tick.Width = inkColor, vg.Points(2)
			p.Add(tick)
			dots := make(plotter.XYs, len(row.Diffs))
			for k, x := range row.Diffs {
				// Spread the dots a little up and down, the same way each
				// time, so that equal differences stay visible.
				dots[k] = plotter.XY{X: x, Y: y + 0.22*(float64((k*7)%11)/10-0.5)}
				lo, hi = min(lo, x), max(hi, x)
			}
			sc, err := plotter.NewScatter(dots)
			if err != nil {
				return nil, fmt.Errorf("reports: %s: %w", met.Column, err)
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(2.4), draw.RingGlyph{}
			p.Add(sc)
		}
		pad := (hi - lo) * 0.08
		if pad == 0 {
			pad = 1
		}
		p.X.Min, p.X.Max = lo-pad, hi+pad
		zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(len(arms)) - 0.5}})
		if err != nil {
			return nil, err
		}
		zero.Color, zero.Width, zero.Dashes = inkColor, vg.Points(0.8), []vg.Length{vg.Points(3), vg.Points(2)}
		p.Add(zero)
		// Each arm's name with its P(better) on this metric.
		names := make([]string, len(arms))
		for i, a := range arms {
			names[len(arms)-1-i] = a
			for _, row := range r.Rows {
				if row.Arm == a && row.Metric.Column == met.Column {
					names[len(arms)-1-i] = fmt.Sprintf("%s  P=%.2f", a, row.PBetter)
				}
			}
		}
		p.NominalY(names...)
		p.Y.Min, p.Y.Max = -0.5, float64(len(arms))-0.5
		plots = append(plots, p)
	}
	// One column of panels for a few metrics, two for more.
	grid := gridOf(plots, 1)
	if len(plots) > 4 {
		grid = gridOf(plots, 2)
	}
	return &Chart{Name: "robust", Title: fmt.Sprintf("Differences to %s over %d plausible behaviours", r.Base, r.Vectors),
		Caption: fmt.Sprintf("Dots: each behaviour's difference (mean over %d replicates, same populations and random numbers as %s); "+
			"bar: 90 %% plausible range (5th to 95th percentile); black tick: mean; dashed line: no difference; P: share of behaviours in which the arm beats %s (has more, where neither way is better).", r.Replicates, r.Base, r.Base),
		Grid: grid}, nil
}

// WritePDF writes the robust report: the probabilities and sentences,
// then the forest plot.
func (r *Robust) WritePDF(w io.Writer) error {
	d := newPDFDoc(fmt.Sprintf("msgmon robust · %s · %s", r.Scenario, r.StudyID))
	d.para(textStyle(titleFont, 20, inkColor), "How much to trust the comparison: "+r.Scenario, 0)
	d.space(4)
	d.para(textStyle(bodyFont, 11, inkColor), r.heading()+".", 0)
	d.space(4)
	d.para(textStyle(bodyFont, 10, mutedColor), fmt.Sprintf("Each behaviour is a parameter vector drawn from the plausible set in proportion to its weight, "+
		"run with its own population and random numbers; within a behaviour every arm runs on the same ones. "+
		"P(better) is the share of behaviours in which the arm beats %s (exact ties do not count); the range is the 5th to 95th percentile "+
		"of the per-behaviour differences; noise is the median standard error within a behaviour, the part of the spread replicates alone would give.", r.Base), 0)
	d.space(10)
	d.para(textStyle(titleFont, 13, inkColor), "Difference to "+r.Base, 0)
	d.space(4)
	var rows [][]string
	for _, row := range r.Rows {
		m := row.Metric
		rows = append(rows, []string{row.Arm, m.Label, signedNum(row.Mean, m.Digits),
			signedNum(row.Lo, m.Digits) + " to " + signedNum(row.Hi, m.Digits), strconv.FormatFloat(row.PBetter, 'f', 2, 64),
			strconv.Itoa(row.Ties), seCell(row.SEMedian, m.Digits)})
	}
	d.table([]string{"arm", "metric", "mean diff", "90 % range", "P(better)", "ties", "noise"}, rows)
	d.space(10)
	d.para(textStyle(titleFont, 13, inkColor), "Does the ranking hold?", 0)
	d.space(4)
	for _, rk := range r.Rankings {
		d.para(textStyle(bodyFont, 10, inkColor), r.RankingSentence(rk), 8)
	}
	if len(r.Pairs) > 0 {
		d.space(10)
		d.room(vg.Points(100)) // the heading with the first rows of its table, not alone at a page's foot
		d.para(textStyle(titleFont, 13, inkColor), "Head to head (the arm with the better mean first)", 0)
		d.space(4)
		var rows [][]string
		for _, row := range r.Pairs {
			m := row.Metric
			rows = append(rows, []string{row.Arm, row.Ref, m.Label, signedNum(row.Mean, m.Digits),
				signedNum(row.Lo, m.Digits) + " to " + signedNum(row.Hi, m.Digits), strconv.FormatFloat(row.PBetter, 'f', 2, 64),
				strconv.Itoa(row.Ties)})
		}
		d.table([]string{"arm", "against", "metric", "mean diff", "90 % range", "P(better)", "ties"}, rows)
	}
	d.space(10)
	r.effectsPage(d)
	d.space(6)
	d.para(textStyle(bodyFont, 9, mutedColor), fmt.Sprintf("msgmon %s; the runs are batch %s (runs.params holds each behaviour's slot and vector), the table in robust_results.", r.Version, r.StudyID), 0)
	ch, err := r.ForestChart()
	if err != nil {
		return err
	}
	d.charts(ch)
	d.para(textStyle(titleFont, 13, inkColor), "In words", 0)
	d.space(4)
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		d.para(textStyle(bodyFont, 10, inkColor), r.Sentence(row), 8)
	}
	for _, x := range r.Discoveries {
		if err := x.page(d); err != nil {
			return err
		}
	}
	_, err = d.c.WriteTo(w)
	return err
}

// SaveRobust writes the robust report to path (refusing an existing file
// unless force).
func SaveRobust(r *Robust, path string, force bool) error {
	_, err := saveAll([]output{{path, r.WritePDF}}, force, "choose another --db directory")
	return err
}
