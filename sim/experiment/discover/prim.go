package discover

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Objective is the criterion by which PRIM chooses among candidate peels and
// pastes.
type Objective int

const (
	// MeanObjective chooses the candidate box with the highest mean of the
	// outcome (its density): Friedman and Fisher's (1999) peeling
	// criterion. It is the default.
	MeanObjective Objective = iota
	// GainObjective chooses the candidate with the highest change of the
	// mean per case removed (or added), (mean_new − mean_old)/|n_old − n_new|:
	// the gain per case that Friedman and Fisher weigh when one peel may
	// remove many tied cases at once, and the default ("lenient1") of EMA
	// Workbench.
	GainObjective
)

// Options controls PRIM. The zero value gives the defaults.
type Options struct {
	// PeelAlpha is the share of the cases in the box that one peel
	// removes, in (0, 0.5). Zero means 0.05.
	PeelAlpha float64
	// PasteAlpha is the share of the cases in the box that one paste adds,
	// in (0, 0.5). Zero means 0.05.
	PasteAlpha float64
	// Paste makes Cover paste each chosen box (Data.Paste) before it
	// removes the box's cases.
	Paste bool
	// MinMass is the least share of all cases that a box may hold, in
	// (0, 1). Zero means 0.05. Peeling stops when every further peel would
	// leave fewer cases.
	MinMass float64
	// Threshold, when positive, stops peeling once the density reaches it.
	// Peeling always stops at density 1.
	Threshold float64
	// Objective is the peeling and pasting criterion.
	Objective Objective
}

func (o Options) withDefaults() (Options, error) {
	if o.PeelAlpha == 0 {
		o.PeelAlpha = 0.05
	}
	if o.PasteAlpha == 0 {
		o.PasteAlpha = 0.05
	}
	if o.MinMass == 0 {
		o.MinMass = 0.05
	}
	if !(o.PeelAlpha > 0 && o.PeelAlpha < 0.5) {
		return o, fmt.Errorf("discover: peel alpha %v: give a value above 0 and below 0.5, such as 0.05", o.PeelAlpha)
	}
	if !(o.PasteAlpha > 0 && o.PasteAlpha < 0.5) {
		return o, fmt.Errorf("discover: paste alpha %v: give a value above 0 and below 0.5, such as 0.05", o.PasteAlpha)
	}
	if !(o.MinMass > 0 && o.MinMass < 1) {
		return o, fmt.Errorf("discover: minimum mass %v: give a share above 0 and below 1, such as 0.05", o.MinMass)
	}
	if math.IsNaN(o.Threshold) || o.Threshold < 0 || o.Threshold > 1 {
		return o, fmt.Errorf("discover: threshold density %v: give a share from 0 to 1 (0 for none)", o.Threshold)
	}
	if o.Objective != MeanObjective && o.Objective != GainObjective {
		return o, fmt.Errorf("discover: unknown objective %d", o.Objective)
	}
	return o, nil
}

// minCount returns the least number of cases of a box of the given mass.
func minCount(mass float64, n int) int {
	return int(math.Ceil(mass*float64(n) - 1e-9))
}

// stepCount returns the number of cases a peel or paste of share alpha
// moves in a box of n cases: at least one.
func stepCount(alpha float64, n int) int {
	k := int(math.Floor(alpha*float64(n) + 1e-9))
	if k < 1 {
		k = 1
	}
	return k
}

// checkSize returns an error if n cases are too few: a peel of alpha and a
// box of the minimum mass must each hold at least one whole case.
func checkSize(n int, o Options) error {
	least := int(math.Ceil(1/math.Min(o.PeelAlpha, o.MinMass) - 1e-9))
	if n < least {
		return fmt.Errorf("discover: %d cases: too few for a box of at least %g %% with peel alpha %g; give at least %d cases, or raise the minimum mass and peel alpha to at least %.3g",
			n, 100*o.MinMass, o.PeelAlpha, least, 1/float64(n))
	}
	return nil
}

// Trajectory is PRIM's peeling trajectory: Steps[0] is the box of all the
// cases PRIM started from and each further step is the box after one more
// peel.
type Trajectory struct {
	Steps []Box
}

// PRIM peels a box from all the cases and returns the peeling trajectory
// (Friedman and Fisher 1999, top-down peeling).
//
// At each step PRIM considers, for every input, two candidate peels: the
// lower peel removes the k = max(1, ⌊alpha·n⌋) cases with the lowest values
// of that input among the n cases in the box, the upper peel the k with the
// highest. Ties are respected: a peel removes every case whose value equals
// that of the k-th removed case, so it may remove more than k cases (for an
// input with few distinct values, a whole value at a time) but never fewer
// than one; a peel that would remove every case is not a candidate. The new
// limit lies midway between the last value removed and the first value kept.
//
// Of the candidates that leave at least MinMass of all cases, PRIM takes the
// one that scores best by the Objective (by default the highest mean of the
// outcome in the remaining box). Ties are broken by preferring a candidate on
// an input already restricted, then the one keeping more cases, then the
// lower input index, then the lower side. Peeling stops when no candidate
// is left, when the density reaches 1, or when it reaches Options.Threshold.
//
// The statistics of every step are relative to all cases: coverage over all
// cases of interest, mass over all cases.
func (d *Data) PRIM(opt Options) (*Trajectory, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkSize(d.Len(), opt); err != nil {
		return nil, err
	}
	return d.peel(nil, opt), nil
}

// peel runs the peeling phase on the cases of pool (nil for all).
func (d *Data) peel(pool []int, opt Options) *Trajectory {
	lim := d.Bounds()
	idx := d.members(pool, lim)
	t := &Trajectory{Steps: []Box{d.box(lim, idx, pool)}}
	least := minCount(opt.MinMass, d.Len())
	order := make([]int, 0, len(idx))
	for {
		cur := t.Steps[len(t.Steps)-1]
		if cur.Density >= 1 || (opt.Threshold > 0 && cur.Density >= opt.Threshold) {
			break
		}
		best := candidate{}
		found := false
		for j := range d.cols {
			order = d.sortBy(order[:0], idx, j)
			for _, c := range d.peelsOf(order, j, lim, cur, opt) {
				if c.n < least {
					continue
				}
				if !found || c.better(best) {
					best, found = c, true
				}
			}
		}
		if !found {
			break
		}
		lim[best.input] = best.lim
		idx = d.members(idx, lim)
		t.Steps = append(t.Steps, d.box(lim, idx, pool))
	}
	return t
}

// candidate is a peel or paste under consideration.
type candidate struct {
	input    int
	upper    bool
	lim      Limit
	n, h     int
	score    float64
	newRestr bool // restricts an input that was unrestricted
}

// better reports whether c is preferred to o.
func (c candidate) better(o candidate) bool {
	if c.score != o.score {
		return c.score > o.score
	}
	if c.newRestr != o.newRestr {
		return !c.newRestr
	}
	if c.n != o.n {
		return c.n > o.n
	}
	if c.input != o.input {
		return c.input < o.input
	}
	return !c.upper && o.upper
}

func score(obj Objective, cur Box, n, h int) float64 {
	mean := float64(h) / float64(n)
	if obj == GainObjective {
		dn := n - cur.N
		if dn < 0 {
			dn = -dn
		}
		return (mean - cur.Density) / float64(dn)
	}
	return mean
}

// sortBy appends the cases idx to dst sorted by input j (stable in case
// order, so the result is deterministic).
func (d *Data) sortBy(dst, idx []int, j int) []int {
	dst = append(dst, idx...)
	col := d.cols[j]
	sort.SliceStable(dst, func(a, b int) bool { return col[dst[a]] < col[dst[b]] })
	return dst
}

// peelsOf returns the lower and upper peel of input j for the cases order of
// the current box, sorted by input j.
func (d *Data) peelsOf(order []int, j int, lim []Limit, cur Box, opt Options) []candidate {
	n := len(order)
	if n < 2 {
		return nil
	}
	col := d.cols[j]
	k := stepCount(opt.PeelAlpha, n)
	if k >= n {
		k = n - 1
	}
	wasRestr := lim[j].Lo > d.bounds[j].Lo || lim[j].Hi < d.bounds[j].Hi
	var out []candidate
	// Lower peel: remove every case with value ≤ v, the k-th lowest value.
	v := col[order[k-1]]
	m := k
	for m < n && col[order[m]] == v {
		m++
	}
	if m < n {
		h := d.countInterest(order[m:])
		c := candidate{input: j, lim: Limit{midAbove(v, col[order[m]]), lim[j].Hi}, n: n - m, h: h, newRestr: !wasRestr}
		c.score = score(opt.Objective, cur, c.n, c.h)
		out = append(out, c)
	}
	// Upper peel: remove every case with value ≥ v, the k-th highest value.
	v = col[order[n-k]]
	m = n - k // first position kept is < m
	for m > 0 && col[order[m-1]] == v {
		m--
	}
	if m > 0 {
		h := d.countInterest(order[:m])
		c := candidate{input: j, upper: true, lim: Limit{lim[j].Lo, midBelow(col[order[m-1]], v)}, n: m, h: h, newRestr: !wasRestr}
		c.score = score(opt.Objective, cur, c.n, c.h)
		out = append(out, c)
	}
	return out
}

// midAbove returns a limit between removed value v and kept value w > v
// that excludes v and includes w.
func midAbove(v, w float64) float64 {
	m := v + (w-v)/2
	if m <= v || m > w {
		return w
	}
	return m
}

// midBelow returns a limit between kept value w and removed value v > w
// that includes w and excludes v.
func midBelow(w, v float64) float64 {
	m := w + (v-w)/2
	if m >= v || m < w {
		return w
	}
	return m
}

// BestDensity returns the index of the step with the highest density among
// those with coverage of at least minCoverage; of steps with equal density
// it returns the one with the highest coverage (the earliest). It returns
// −1 if no step has that coverage.
func (t *Trajectory) BestDensity(minCoverage float64) int {
	best := -1
	for i, s := range t.Steps {
		if s.Coverage < minCoverage-1e-12 {
			continue
		}
		if best < 0 || s.Density > t.Steps[best].Density ||
			(s.Density == t.Steps[best].Density && s.Coverage > t.Steps[best].Coverage) {
			best = i
		}
	}
	return best
}

// Knee returns the index of the step at the knee of the trade-off between
// coverage and density: the step farthest from the straight line joining the
// first and the last step in the (coverage, density) plane, on the side
// above that line (the "kneedle" rule). It returns the last step when every
// step lies on or below the line, and 0 for a trajectory of one step.
func (t *Trajectory) Knee() int {
	n := len(t.Steps)
	if n < 2 {
		return 0
	}
	a, b := t.Steps[0], t.Steps[n-1]
	dx, dy := b.Coverage-a.Coverage, b.Density-a.Density
	norm := math.Hypot(dx, dy)
	if norm == 0 {
		return n - 1
	}
	best, bestDist := n-1, 0.0
	for i, s := range t.Steps {
		// Signed distance, positive on the side of higher coverage and
		// density: with dx < 0 < dy, the point (a.Coverage, a.Density+e)
		// gives −e·dx > 0.
		dist := ((s.Coverage-a.Coverage)*dy - (s.Density-a.Density)*dx) / norm
		if dist > bestDist+1e-12 {
			best, bestDist = i, dist
		}
	}
	return best
}

// Paste enlarges box b by pasting (Friedman and Fisher 1999, section 5) and
// returns the pasted box. At each step it considers, for every restricted
// side of every input, moving that limit outwards to take in the
// k = max(1, ⌊alpha·n⌋) cases nearest to it that satisfy all the other limits
// (n the cases in the box; ties at the k-th value are taken in together). It
// takes the candidate that scores best by opt.Objective, with the same
// tie-breaking as peeling, and stops when every candidate would lower the
// density: as in Friedman and Fisher, a paste that keeps the density is
// taken, so a box of density 1 grows back over restrictions that only
// chance made (EMA Workbench instead requires a strict rise). When a paste
// takes in every case beyond a limit, that side becomes unrestricted. Alpha is opt.PasteAlpha; b is pasted among the cases it was
// found among (all cases, or those a covering left).
func (d *Data) Paste(b Box, opt Options) (Box, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Box{}, err
	}
	if len(b.Limits) != d.Inputs() {
		return Box{}, fmt.Errorf("discover: box has %d limits for %d inputs: give a box of this data", len(b.Limits), d.Inputs())
	}
	lim := append([]Limit(nil), b.Limits...)
	idx := d.members(b.pool, lim)
	cur := d.box(lim, idx, b.pool)
	if cur.N == 0 {
		return cur, errors.New("discover: the box holds no case: nothing to paste")
	}
	for {
		best := candidate{}
		found := false
		for j := range d.cols {
			for _, c := range d.pastesOf(j, lim, cur, opt) {
				if c.h*cur.N < cur.NInterest*c.n { // density must not fall
					continue
				}
				if !found || c.better(best) {
					best, found = c, true
				}
			}
		}
		if !found {
			return cur, nil
		}
		lim[best.input] = best.lim
		idx = d.members(b.pool, lim)
		cur = d.box(lim, idx, b.pool)
	}
}

// pastesOf returns the lower and upper paste of input j.
func (d *Data) pastesOf(j int, lim []Limit, cur Box, opt Options) []candidate {
	col := d.cols[j]
	k := stepCount(opt.PasteAlpha, cur.N)
	var out []candidate
	// outside returns the cases outside the box only on side upper of j,
	// sorted nearest first.
	outside := func(upper bool) []int {
		var o []int
		each := func(i int) {
			v := col[i]
			if (!upper && v >= lim[j].Lo) || (upper && v <= lim[j].Hi) {
				return
			}
			for q, l := range lim {
				if q != j && (d.cols[q][i] < l.Lo || d.cols[q][i] > l.Hi) {
					return
				}
			}
			o = append(o, i)
		}
		if cur.pool == nil {
			for i := range d.y {
				each(i)
			}
		} else {
			for _, i := range cur.pool {
				each(i)
			}
		}
		sort.SliceStable(o, func(a, b int) bool {
			if upper {
				return col[o[a]] < col[o[b]]
			}
			return col[o[a]] > col[o[b]]
		})
		return o
	}
	for _, upper := range []bool{false, true} {
		if (!upper && lim[j].Lo <= d.bounds[j].Lo) || (upper && lim[j].Hi >= d.bounds[j].Hi) {
			continue
		}
		o := outside(upper)
		if len(o) == 0 {
			continue
		}
		m := k
		if m > len(o) {
			m = len(o)
		}
		v := col[o[m-1]]
		for m < len(o) && col[o[m]] == v {
			m++
		}
		nl := lim[j]
		switch {
		case m == len(o) && !upper:
			nl.Lo = d.bounds[j].Lo
		case m == len(o) && upper:
			nl.Hi = d.bounds[j].Hi
		case !upper:
			nl.Lo = midAbove(col[o[m]], v)
		default:
			nl.Hi = midBelow(v, col[o[m]])
		}
		c := candidate{input: j, upper: upper, lim: nl, n: cur.N + m, h: cur.NInterest + d.countInterest(o[:m])}
		c.score = score(opt.Objective, cur, c.n, c.h)
		out = append(out, c)
	}
	return out
}

// Found is one box of a covering.
type Found struct {
	// Box is the chosen (and, with Options.Paste, pasted) box.
	Box Box
	// Trajectory is the peeling trajectory it was chosen from and Step
	// the index of the chosen step.
	Trajectory *Trajectory
	Step       int
}

// Cover finds up to k boxes by covering (Friedman and Fisher 1999): it
// peels a trajectory, picks a step with choose (Trajectory.Knee when
// choose is nil), pastes it when opt.Paste is set, then removes the cases
// inside the box and peels the cases left for the next box. It stops early
// when choose returns a step outside 1…len(Steps)−1, when the box is no
// denser than all the cases left (or, with Options.Threshold set, less dense
// than the threshold), when no case of interest is left, or when too few
// cases are left for a box of the minimum mass. The Knee of the cases left
// after the real boxes are found is often a weak box; a chooser such as
// BestDensity with a minimum coverage, or a Threshold, leaves it out. Coverage and mass of every box are relative
// to all cases, so the coverages of the boxes add up.
func (d *Data) Cover(opt Options, k int, choose func(*Trajectory) int) ([]Found, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkSize(d.Len(), opt); err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, fmt.Errorf("discover: %d boxes asked for: ask for at least 1", k)
	}
	if choose == nil {
		choose = (*Trajectory).Knee
	}
	pool := make([]int, d.Len())
	for i := range pool {
		pool[i] = i
	}
	least := minCount(opt.MinMass, d.Len())
	var out []Found
	for len(out) < k {
		if len(pool) < least || d.countInterest(pool) == 0 {
			break
		}
		t := d.peel(pool, opt)
		s := choose(t)
		if s < 1 || s >= len(t.Steps) {
			break
		}
		b := t.Steps[s]
		if opt.Paste {
			if b, err = d.Paste(b, opt); err != nil {
				return out, err
			}
		}
		if b.Density <= t.Steps[0].Density || (opt.Threshold > 0 && b.Density < opt.Threshold) {
			break
		}
		out = append(out, Found{Box: b, Trajectory: t, Step: s})
		var left []int
		for _, i := range pool {
			if !d.inBox(i, b.Limits) {
				left = append(left, i)
			}
		}
		pool = left
	}
	return out, nil
}
