package reports

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot/vg"

	"github.com/msgmon/msgmon/datasets/store"
)

// What a robust difference depends on: the inputs that vary from slot to
// slot (a behaviour vector's parameters and the drawn assumptions) ranked
// by Spearman's rank correlation with the slot's paired difference, the
// sampling-based sensitivity measure Helton & Davis (2003, "Latin
// hypercube sampling and the propagation of uncertainty in analyses of
// complex systems", Reliability Engineering & System Safety 81:23-69,
// section 6.4) use on Latin hypercube samples: it needs no more runs than
// the slots already made, holds for any monotonic relation, and its
// significance follows from the number of slots.

// SensitivityMethod names the measure in reports.
const SensitivityMethod = "Spearman rank correlation of each input with the per-behaviour difference (Helton & Davis 2003)"

// InputEffect is how strongly one input moves a difference over the
// slots.
type InputEffect struct {
	Input string
	// Rho is Spearman's rank correlation of the input with the slot
	// differences (average ranks for ties), in [-1, 1].
	Rho float64
	// P is its two-sided p-value under no association (Student's t with
	// N-2 degrees of freedom of rho·sqrt((N-2)/(1-rho²))).
	P float64
}

// Significant reports whether the effect holds at 5 % over inputs tests
// (Bonferroni: P below 0.05 / inputs).
func (e InputEffect) Significant(inputs int) bool { return e.P < 0.05/float64(max(inputs, 1)) }

// ranks returns the ranks of x from 1, ties sharing their average rank.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

// Spearman returns Spearman's rank correlation of x and y and its
// two-sided p-value; NaN for fewer than 3 pairs or a constant series.
func Spearman(x, y []float64) (rho, p float64) {
	n := len(x)
	if n != len(y) || n < 3 {
		return math.NaN(), math.NaN()
	}
	rho = stat.Correlation(ranks(x), ranks(y), nil)
	if math.IsNaN(rho) {
		return math.NaN(), math.NaN()
	}
	if math.Abs(rho) >= 1 {
		return rho, 0
	}
	t := rho * math.Sqrt(float64(n-2)/(1-rho*rho))
	p = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 2)}.Survival(math.Abs(t))
	return rho, p
}

// effects ranks the inputs by |rho| with the differences d of the slots
// slots.
// An input that is a parameter of a model neither arm runs
// (models.<name>.…, when d.ArmModels says which models each arm runs)
// cannot move the difference and is not tested. tested counts the inputs
// that are.
func effects(d RobustData, a, ref int, slots []int, diffs []float64) (out []InputEffect, tested int) {
	if len(d.Inputs) == 0 || len(d.X) != len(d.Values) {
		return nil, 0
	}
	x := make([]float64, len(slots))
	for j, name := range d.Inputs {
		if d.ArmModels != nil {
			if m, ok := strings.CutPrefix(name, "models."); ok {
				m = m[:max(strings.Index(m, "."), 0)]
				if !slices.Contains(d.ArmModels[d.Arms[a]], m) && !slices.Contains(d.ArmModels[d.Arms[ref]], m) {
					continue
				}
			}
		}
		for i, k := range slots {
			x[i] = d.X[k][j]
		}
		rho, p := Spearman(x, diffs)
		if math.IsNaN(rho) {
			continue // held at one value, or too few slots
		}
		tested++
		out = append(out, InputEffect{Input: name, Rho: rho, P: p})
	}
	slices.SortStableFunc(out, func(a, b InputEffect) int {
		switch {
		case math.Abs(a.Rho) > math.Abs(b.Rho):
			return -1
		case math.Abs(a.Rho) < math.Abs(b.Rho):
			return 1
		}
		return strings.Compare(a.Input, b.Input)
	})
	return out, tested
}

// topEffects is how many inputs a row names in tables and sentences.
const topEffects = 3

func effectCell(e InputEffect, inputs int) string {
	s := fmt.Sprintf("%s %+.2f", e.Input, e.Rho)
	if e.Significant(inputs) {
		s += " *"
	}
	return s
}

// writeEffects prints, per row, the inputs its difference depends on most.
func (r *Robust) writeEffects(w io.Writer) error {
	if len(r.Inputs) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nWhat each difference depends on most over the %d behaviours (%d inputs vary: the plausible set's and %d assumptions drawn from their ranges):\n",
		r.Vectors, len(r.Inputs), r.Assumptions)
	fmt.Fprintf(w, "%s; * = significant at 5 %% after Bonferroni over the inputs that can move the pair (a model's parameters only where an arm runs the model).\n\n", SensitivityMethod)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "arm\tagainst\tmetric\tfirst\tsecond\tthird\t")
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		fmt.Fprintln(tw, strings.Join(effectCells(row), "\t")+"\t")
	}
	return tw.Flush()
}

// EffectSentence says what one row's difference depends on most.
func (r *Robust) EffectSentence(row RobustRow) string {
	var sig []string
	for _, e := range row.Effects {
		if e.Significant(row.Tested) {
			sig = append(sig, fmt.Sprintf("%s (rank correlation %+.2f, p %.2g)", e.Input, e.Rho, e.P))
		}
	}
	what := fmt.Sprintf("%s against %s on %s", row.Arm, row.Ref, row.Metric.Label)
	if len(sig) == 0 {
		top := "-"
		if len(row.Effects) > 0 {
			top = fmt.Sprintf("%s, %+.2f", row.Effects[0].Input, row.Effects[0].Rho)
		}
		return fmt.Sprintf("%s: no input moves the difference significantly over %d behaviours (strongest %s).", what, r.Vectors, top)
	}
	if len(sig) > topEffects {
		sig = sig[:topEffects]
	}
	return fmt.Sprintf("%s depends most on %s.", what, strings.Join(sig, ", "))
}

// SensitivityRows are the rows for store.WriteRobustSensitivity: every
// input of every row, ranked.
func (r *Robust) SensitivityRows() []store.SensitivityRow {
	var out []store.SensitivityRow
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		for i, e := range row.Effects {
			out = append(out, store.SensitivityRow{StudyID: r.StudyID, Against: row.Ref, Arm: row.Arm, Metric: row.Metric.Column,
				Input: e.Input, Rank: i + 1, Rho: e.Rho, P: e.P, Slots: len(row.Diffs), Significant: e.Significant(row.Tested)})
		}
	}
	return out
}

// effectsPage adds the page of what the differences depend on to d.
func (r *Robust) effectsPage(d *pdfDoc) {
	if len(r.Inputs) == 0 {
		return
	}
	d.room(vg.Points(140))
	d.para(textStyle(titleFont, 13, inkColor), "What the answer depends on", 0)
	d.space(4)
	d.para(textStyle(bodyFont, 10, mutedColor), fmt.Sprintf("%d inputs vary from behaviour to behaviour: the plausible set's parameters and %d assumptions, each drawn from its range "+
		"(datasets/ranges/assumptions.csv) by a Latin hypercube over the %d behaviours. For each difference, the three inputs with the largest rank correlation "+
		"with it; %s. * marks a correlation significant at 5 %% after Bonferroni over the inputs that can move the pair (a model's parameters only where one of the two arms runs the model). Table robust_sensitivity has every input tested.",
		len(r.Inputs), r.Assumptions, r.Vectors, SensitivityMethod), 0)
	d.space(4)
	var rows [][]string
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		rows = append(rows, effectCells(row))
	}
	d.table([]string{"arm", "against", "metric", "first", "second", "third"}, rows)
	d.space(6)
	for _, row := range slices.Concat(r.Rows, r.Pairs) {
		if len(row.Effects) > 0 && row.Effects[0].Significant(row.Tested) {
			d.para(textStyle(bodyFont, 10, inkColor), r.EffectSentence(row), 8)
		}
	}
}

// effectCells are a row's arm, the arm it is compared with, the metric
// and its topEffects strongest inputs ("-" where there are fewer).
func effectCells(row RobustRow) []string {
	cells := []string{row.Arm, row.Ref, row.Metric.Label}
	for i := range topEffects {
		c := "-"
		if i < len(row.Effects) {
			c = effectCell(row.Effects[i], row.Tested)
		}
		cells = append(cells, c)
	}
	return cells
}
