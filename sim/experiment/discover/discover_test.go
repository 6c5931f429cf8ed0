package discover

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// knownBox draws n points uniform in [0,1]^5 with a fixed PCG seed; a case
// is of interest when x0 ∈ [0.2, 0.6] and x1 ∈ [0.5, 1], and then each label
// is flipped with probability noise.
func knownBox(n int, noise float64) ([][]float64, []bool) {
	r := rand.New(rand.NewPCG(2010, 1999))
	x := make([][]float64, n)
	y := make([]bool, n)
	for i := range x {
		x[i] = make([]float64, 5)
		for j := range x[i] {
			x[i][j] = r.Float64()
		}
		y[i] = x[i][0] >= 0.2 && x[i][0] <= 0.6 && x[i][1] >= 0.5
		if noise > 0 && r.Float64() < noise {
			y[i] = !y[i]
		}
	}
	return x, y
}

var names5 = []string{"x0", "x1", "x2", "x3", "x4"}

func mustData(t *testing.T, x [][]float64, names []string, y []bool) *Data {
	t.Helper()
	d, err := NewData(x, names, y)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkKnownBox checks that b restricts exactly x0 (both sides) and x1 (lower
// side only; its true upper limit 1 is the edge of the data) and that the
// limits lie within tol of the true box [0.2,0.6]×[0.5,1].
func checkKnownBox(t *testing.T, d *Data, b Box, tol float64) {
	t.Helper()
	rs := d.Restrictions(b)
	if len(rs) != 2 || rs[0].Input != 0 || rs[1].Input != 1 {
		t.Fatalf("restricted inputs %+v, want x0 and x1 only: %s", rs, d.Sentence(b, nil))
	}
	if !rs[0].Lower || !rs[0].Upper || !rs[1].Lower || rs[1].Upper {
		t.Errorf("restricted sides %+v, want x0 both sides and x1 lower only", rs)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"x0 lower", b.Limits[0].Lo, 0.2},
		{"x0 upper", b.Limits[0].Hi, 0.6},
		{"x1 lower", b.Limits[1].Lo, 0.5},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s limit %.4f, want %.2f ± %.2f", c.name, c.got, c.want, tol)
		}
	}
	for _, r := range rs {
		if !(r.QuasiP < 1e-10) {
			t.Errorf("quasi-p of %s is %g, want < 1e-10 for a real restriction", r.Name, r.QuasiP)
		}
	}
}

// TestPRIMKnownBox recovers a box planted in uniform data. The box chosen is
// the densest with coverage ≥ 0.8. Tolerances on the limits: ±0.02 without
// label noise, ±0.05 with 5 % label noise (a peel moves a limit by about
// 0.05·(box width), and noise shifts it further). Required density: ≥ 0.99
// without noise, ≥ 0.9 with 5 % noise (the best possible is about 0.95).
func TestPRIMKnownBox(t *testing.T) {
	for _, c := range []struct {
		noise, tol, density float64
		obj                 Objective
	}{
		{0, 0.02, 0.99, MeanObjective},
		{0.05, 0.05, 0.9, MeanObjective},
		{0, 0.02, 0.99, GainObjective},
		{0.05, 0.05, 0.9, GainObjective},
	} {
		x, y := knownBox(2000, c.noise)
		d := mustData(t, x, names5, y)
		tr, err := d.PRIM(Options{Objective: c.obj})
		if err != nil {
			t.Fatal(err)
		}
		i := tr.BestDensity(0.8)
		if i < 0 {
			t.Fatalf("noise %v: no step with coverage ≥ 0.8", c.noise)
		}
		b := tr.Steps[i]
		if b.Coverage < 0.8 || b.Density < c.density {
			t.Errorf("noise %v objective %d: coverage %.3f density %.3f, want ≥ 0.8 and ≥ %v", c.noise, c.obj, b.Coverage, b.Density, c.density)
		}
		checkKnownBox(t, d, b, c.tol)

		p, err := d.Paste(b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Density < b.Density || p.N < b.N {
			t.Errorf("pasting lowered density %.3f → %.3f or mass %d → %d", b.Density, p.Density, b.N, p.N)
		}
		for j := range p.Limits {
			if p.Limits[j].Lo > b.Limits[j].Lo || p.Limits[j].Hi < b.Limits[j].Hi {
				t.Errorf("pasted limits %v do not contain the peeled ones %v", p.Limits[j], b.Limits[j])
			}
		}
		checkKnownBox(t, d, p, c.tol)
	}
}

// TestTrajectoryInvariants checks properties that hold for every peeling
// trajectory: step 0 holds all cases with the base rate as density;
// coverage never rises; mass falls strictly; the last box keeps the minimum
// mass; the statistics agree with a recount of the cases inside the limits.
func TestTrajectoryInvariants(t *testing.T) {
	x, y := knownBox(2000, 0.05)
	d := mustData(t, x, names5, y)
	base := float64(d.Interest()) / float64(d.Len())
	for _, opt := range []Options{
		{},
		{PeelAlpha: 0.1, MinMass: 0.1},
		{PeelAlpha: 0.2, MinMass: 0.02, Objective: GainObjective},
		{Threshold: 0.8},
	} {
		tr, err := d.PRIM(opt)
		if err != nil {
			t.Fatal(err)
		}
		s := tr.Steps
		if len(s) < 2 {
			t.Fatalf("%+v: trajectory has %d steps", opt, len(s))
		}
		if s[0].Density != base || s[0].Mass != 1 || s[0].Coverage != 1 || s[0].Restricted != 0 {
			t.Errorf("%+v: step 0 is %+v, want density %v (base rate), mass 1, coverage 1", opt, s[0], base)
		}
		minMass := opt.MinMass
		if minMass == 0 {
			minMass = 0.05
		}
		for i := 1; i < len(s); i++ {
			if s[i].Coverage > s[i-1].Coverage {
				t.Errorf("%+v: coverage rose at step %d: %v → %v", opt, i, s[i-1].Coverage, s[i].Coverage)
			}
			if s[i].Mass >= s[i-1].Mass {
				t.Errorf("%+v: mass did not fall at step %d: %v → %v", opt, i, s[i-1].Mass, s[i].Mass)
			}
		}
		last := s[len(s)-1]
		if last.Mass < minMass {
			t.Errorf("%+v: last mass %v below the minimum %v", opt, last.Mass, minMass)
		}
		if opt.Threshold > 0 {
			if last.Density < opt.Threshold || s[len(s)-2].Density >= opt.Threshold {
				t.Errorf("threshold %v: peeling stopped at densities %v, %v", opt.Threshold, s[len(s)-2].Density, last.Density)
			}
		}
		for i, b := range s {
			in := d.members(nil, b.Limits)
			if len(in) != b.N || d.countInterest(in) != b.NInterest {
				t.Errorf("%+v step %d: recount %d/%d, stored %d/%d", opt, i, d.countInterest(in), len(in), b.NInterest, b.N)
			}
		}
	}
}

// handData is a worked example of 10 cases computed by hand. x0 = 1..10; the
// cases x0 ≥ 7 are of interest (base rate 0.4). x1 is a permutation of 1..10
// that puts its lowest value (1) and its highest (10) on cases of interest.
//
// With peel alpha 0.1 each peel removes max(1, ⌊0.1·n⌋) = 1 case. Step 1:
// the candidates are x0 lower (removes x0=1, not of interest: 4/9 = 0.444),
// x0 upper (removes x0=10: 3/9), x1 lower (removes x1=1, case x0=7: 3/9),
// x1 upper (removes x1=10, case x0=8: 3/9); the best is x0 lower, new limit
// (1+2)/2 = 1.5. The same holds at each step, giving densities 4/8, 4/7,
// 4/6, 4/5 and 4/4 with x0's lower limit at 2.5, 3.5, 4.5, 5.5, 6.5; peeling
// stops at density 1 with mass 0.4. Coverage stays 1 throughout.
//
// Quasi-p of x0 in the last box: T = H = 4; without the restriction the
// density is 0.4, so P(X ≥ 4) for X ~ Binomial(4, 0.4) is 0.4^4 = 0.0256.
func handData() ([][]float64, []bool) {
	x1 := []float64{5, 3, 8, 9, 2, 6, 1, 10, 7, 4}
	x := make([][]float64, 10)
	y := make([]bool, 10)
	for i := range x {
		x[i] = []float64{float64(i + 1), x1[i]}
		y[i] = i+1 >= 7
	}
	return x, y
}

func TestPRIMHandExample(t *testing.T) {
	x, y := handData()
	d := mustData(t, x, []string{"x0", "x1"}, y)
	tr, err := d.PRIM(Options{PeelAlpha: 0.1, MinMass: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	wantDen := []float64{4.0 / 10, 4.0 / 9, 4.0 / 8, 4.0 / 7, 4.0 / 6, 4.0 / 5, 1}
	wantLo := []float64{1, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5}
	if len(tr.Steps) != len(wantDen) {
		t.Fatalf("%d steps, want %d", len(tr.Steps), len(wantDen))
	}
	for i, s := range tr.Steps {
		if math.Abs(s.Density-wantDen[i]) > 1e-12 || s.Limits[0].Lo != wantLo[i] || s.Limits[0].Hi != 10 ||
			s.Limits[1] != (Limit{1, 10}) || s.Coverage != 1 || math.Abs(s.Mass-float64(10-i)/10) > 1e-12 {
			t.Errorf("step %d: %+v, want density %v, x0 ≥ %v, x1 unrestricted, mass %v", i, s, wantDen[i], wantLo[i], float64(10-i)/10)
		}
	}
	last := tr.Steps[len(tr.Steps)-1]
	rs := d.Restrictions(last)
	if len(rs) != 1 || rs[0].Input != 0 || math.Abs(rs[0].QuasiP-0.0256) > 1e-12 {
		t.Errorf("restrictions %+v, want x0 with quasi-p 0.0256", rs)
	}
	want := "x0 above 6.5: 100 % of the cases of interest (coverage), density 1.00, 40 % of all cases"
	if got := d.Sentence(last, nil); got != want {
		t.Errorf("sentence\n%q, want\n%q", got, want)
	}
	want = "x0 above 6.5 s: 100 % of the cases of interest (coverage), density 1.00, 40 % of all cases"
	if got := d.Sentence(last, &Format{Units: []string{"s"}}); got != want {
		t.Errorf("sentence\n%q, want\n%q", got, want)
	}
	if got := d.Sentence(tr.Steps[0], nil); !strings.HasPrefix(got, "all cases: 100 %") {
		t.Errorf("unrestricted box reads %q", got)
	}

	// The tree splits the same data perfectly at x0 = 6.5.
	tree, err := d.Tree(TreeOptions{MinLeaf: 1})
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Nodes[0]
	if root.Input != 0 || root.Threshold != 6.5 || len(tree.Nodes) != 3 {
		t.Fatalf("tree %+v, want one split x0 ≤ 6.5", tree.Nodes)
	}
	leaves := tree.LeavesOfInterest(0.5)
	if len(leaves) != 1 || d.Sentence(leaves[0], nil) != "x0 above 6.5: 100 % of the cases of interest (coverage), density 1.00, 40 % of all cases" {
		t.Errorf("leaves of interest %+v", leaves)
	}
	if tree.Predict([]float64{9, 1}) != 1 || tree.Predict([]float64{2, 1}) != 0 {
		t.Errorf("Predict gives %v and %v, want 1 and 0", tree.Predict([]float64{9, 1}), tree.Predict([]float64{2, 1}))
	}
}

// TestPeelTies checks tie handling on an input with two values and on a
// constant input. x0 is 0 for five cases (one of interest) and 1 for five
// (three of interest); with alpha 0.1, k = 1 case, but the lower peel must
// remove all five tied zeros (density 3/5) and the upper peel all five ones
// (density 1/5); the lower peel wins, limit 0.5. Then both peels would
// empty the box, so peeling stops. The constant x1 is never peeled.
func TestPeelTies(t *testing.T) {
	x := make([][]float64, 10)
	y := []bool{false, false, false, false, true, true, true, true, false, false}
	for i := range x {
		x[i] = []float64{float64(i / 5), 3}
	}
	d := mustData(t, x, []string{"x0", "x1"}, y)
	tr, err := d.PRIM(Options{PeelAlpha: 0.1, MinMass: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Steps) != 2 {
		t.Fatalf("%d steps, want 2: %+v", len(tr.Steps), tr.Steps)
	}
	s := tr.Steps[1]
	if s.N != 5 || s.NInterest != 3 || s.Limits[0] != (Limit{0.5, 1}) || s.Limits[1] != (Limit{3, 3}) {
		t.Errorf("step 1 %+v, want 3 of 5 cases with x0 in [0.5, 1]", s)
	}
}

// TestCover finds two boxes: A = {x0 > 0.7, x1 > 0.7} and B = {x0 < 0.25,
// x2 > 0.75}; each box must restrict exactly its own two inputs within
// ±0.05, and the coverages must add up to about 1. Peeling alone leaves
// chance restrictions on the box A (x1 < 0.97, x2 > 0.08, x3 > 0.16 at
// density 1); pasting must remove them.
func TestCover(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n := 3000
	x := make([][]float64, n)
	y := make([]bool, n)
	for i := range x {
		x[i] = []float64{r.Float64(), r.Float64(), r.Float64(), r.Float64()}
		y[i] = (x[i][0] > 0.7 && x[i][1] > 0.7) || (x[i][0] < 0.25 && x[i][2] > 0.75)
	}
	d := mustData(t, x, []string{"x0", "x1", "x2", "x3"}, y)
	found, err := d.Cover(Options{Paste: true}, 3, func(t *Trajectory) int { return t.BestDensity(0.3) })
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		for _, f := range found {
			t.Log(d.Sentence(f.Box, nil))
		}
		t.Fatalf("found %d boxes, want 2 (no third box has coverage ≥ 0.3)", len(found))
	}
	type want struct {
		in     [2]int
		limits [2]Limit
	}
	a := want{[2]int{0, 1}, [2]Limit{{0.7, 1}, {0.7, 1}}}
	b := want{[2]int{0, 2}, [2]Limit{{0, 0.25}, {0.75, 1}}}
	got := 0
	cov := 0.0
	for _, f := range found {
		cov += f.Box.Coverage
		rs := d.Restrictions(f.Box)
		if len(rs) != 2 {
			t.Errorf("box %s restricts %d inputs, want 2", d.Sentence(f.Box, nil), len(rs))
			continue
		}
		for k, w := range []want{a, b} {
			if rs[0].Input != w.in[0] || rs[1].Input != w.in[1] {
				continue
			}
			got |= 1 << k
			for q := 0; q < 2; q++ {
				l := f.Box.Limits[w.in[q]]
				if math.Abs(l.Lo-w.limits[q].Lo) > 0.05 || math.Abs(l.Hi-w.limits[q].Hi) > 0.05 {
					t.Errorf("box %s: input %d limits %v, want %v ± 0.05", d.Sentence(f.Box, nil), w.in[q], l, w.limits[q])
				}
			}
		}
	}
	if got != 3 {
		for _, f := range found {
			t.Log(d.Sentence(f.Box, nil))
		}
		t.Errorf("boxes found do not match A and B")
	}
	if cov < 0.9 || cov > 1+1e-12 {
		t.Errorf("coverages of the two boxes add to %v, want 0.9 to 1", cov)
	}
}

// TestTreeKnownBox grows a tree on the known-box data. Without noise the
// single leaf of interest must be the box within ±0.02 with share 1 and
// coverage 1; with 5 % noise the leaves of interest (share ≥ 0.5) must
// together cover ≥ 0.8 of the cases of interest, each lie within the box
// widened by 0.05, and their hull must match the box within ±0.05.
func TestTreeKnownBox(t *testing.T) {
	x, y := knownBox(2000, 0)
	d := mustData(t, x, names5, y)
	tree, err := d.Tree(TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaves := tree.LeavesOfInterest(0.5)
	if len(leaves) != 1 || leaves[0].Density != 1 || leaves[0].Coverage != 1 {
		t.Fatalf("leaves of interest %+v, want one pure leaf of coverage 1", leaves)
	}
	checkKnownBox(t, d, leaves[0], 0.02)

	x, y = knownBox(2000, 0.05)
	d = mustData(t, x, names5, y)
	if tree, err = d.Tree(TreeOptions{}); err != nil {
		t.Fatal(err)
	}
	leaves = tree.LeavesOfInterest(0.5)
	cov := 0.0
	hull := []Limit{{1, 0}, {1, 0}}
	for _, b := range leaves {
		cov += b.Coverage
		if b.Limits[0].Lo < 0.15 || b.Limits[0].Hi > 0.65 || b.Limits[1].Lo < 0.45 {
			t.Errorf("leaf %s lies outside the box ± 0.05", d.Sentence(b, nil))
		}
		for j := 0; j < 2; j++ {
			hull[j].Lo = math.Min(hull[j].Lo, b.Limits[j].Lo)
			hull[j].Hi = math.Max(hull[j].Hi, b.Limits[j].Hi)
		}
	}
	if cov < 0.8 {
		t.Errorf("leaves of interest cover %v, want ≥ 0.8", cov)
	}
	if math.Abs(hull[0].Lo-0.2) > 0.05 || math.Abs(hull[0].Hi-0.6) > 0.05 || math.Abs(hull[1].Lo-0.5) > 0.05 || hull[1].Hi != d.Bounds()[1].Hi {
		t.Errorf("hull of the leaves of interest %v, want [0.2,0.6]×[0.5,max] ± 0.05", hull)
	}
	// Every node's counts add up.
	for i, nd := range tree.Nodes {
		if nd.Input >= 0 {
			l, r := tree.Nodes[nd.Left], tree.Nodes[nd.Right]
			if l.N+r.N != nd.N || l.NInterest+r.NInterest != nd.NInterest {
				t.Errorf("node %d: children %d+%d cases, parent %d", i, l.N, r.N, nd.N)
			}
		}
	}
}

// TestMatrixInput checks that a gonum matrix gives the same trajectory as
// the same rows as slices.
func TestMatrixInput(t *testing.T) {
	x, y := knownBox(500, 0.05)
	m := mat.NewDense(len(x), 5, nil)
	for i, row := range x {
		m.SetRow(i, row)
	}
	dm, err := NewDataMatrix(m, names5, y)
	if err != nil {
		t.Fatal(err)
	}
	ds := mustData(t, x, names5, y)
	a, _ := dm.PRIM(Options{})
	b, _ := ds.PRIM(Options{})
	if len(a.Steps) != len(b.Steps) {
		t.Fatalf("%d steps from the matrix, %d from slices", len(a.Steps), len(b.Steps))
	}
	for i := range a.Steps {
		if dm.Sentence(a.Steps[i], nil) != ds.Sentence(b.Steps[i], nil) {
			t.Errorf("step %d differs", i)
		}
	}
}

// TestBinomialTail checks the quasi-p tail against a sum of gonum's
// binomial probabilities.
func TestBinomialTail(t *testing.T) {
	for _, c := range []struct {
		n, h int
		p    float64
	}{{4, 4, 0.4}, {10, 3, 0.2}, {50, 40, 0.6}, {200, 180, 0.19}, {7, 0, 0.5}, {7, 7, 1}} {
		b := distuv.Binomial{N: float64(c.n), P: c.p}
		want := 0.0
		for k := c.h; k <= c.n; k++ {
			want += b.Prob(float64(k))
		}
		got := binomialTail(c.n, c.h, c.p)
		if math.Abs(got-want) > 1e-12*math.Max(1, want) && math.Abs(got-want)/want > 1e-9 {
			t.Errorf("P(X ≥ %d | n=%d, p=%v) = %g, want %g", c.h, c.n, c.p, got, want)
		}
	}
}

func TestKnee(t *testing.T) {
	tr := &Trajectory{Steps: []Box{
		{Coverage: 1, Density: 0.2},
		{Coverage: 0.95, Density: 0.8},
		{Coverage: 0.5, Density: 0.9},
		{Coverage: 0.1, Density: 1},
	}}
	if k := tr.Knee(); k != 1 {
		t.Errorf("knee at step %d, want 1", k)
	}
	if i := tr.BestDensity(0.5); i != 2 {
		t.Errorf("best density at coverage ≥ 0.5 is step %d, want 2", i)
	}
	if i := tr.BestDensity(1.1); i != -1 {
		t.Errorf("best density at coverage ≥ 1.1 is step %d, want -1", i)
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0.40000001, "0.4"}, {3.2, "3.2"}, {12345, "12300"}, {0.000123456, "0.000123"}, {-2.71828, "-2.72"}, {0, "0"}, {1e-9, "1e-09"}} {
		if got := FormatValue(c.v, 3); got != c.want {
			t.Errorf("FormatValue(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestBadInput checks that bad input gives an error that says what to
// change, and no panic.
func TestBadInput(t *testing.T) {
	x, y := knownBox(12, 0)
	y[0] = true
	for _, c := range []struct {
		name  string
		make  func() (*Data, error)
		wants string
	}{
		{"short y", func() (*Data, error) { return NewData(x, names5, y[:5]) }, "5 outcomes for 12 cases"},
		{"names", func() (*Data, error) { return NewData(x, names5[:3], y) }, "3 input names for 5 inputs"},
		{"ragged", func() (*Data, error) {
			return NewData([][]float64{{1, 2}, {3}}, []string{"a", "b"}, []bool{true, false})
		}, "case 1 has 1 inputs"},
		{"empty", func() (*Data, error) { return NewData(nil, nil, nil) }, "no cases"},
		{"nil matrix", func() (*Data, error) { return NewDataMatrix(nil, nil, nil) }, "no cases"},
		{"no interest", func() (*Data, error) { return NewData(x, names5, make([]bool, 12)) }, "no case of interest among 12 cases"},
		{"nan", func() (*Data, error) {
			return NewData([][]float64{{1}, {math.NaN()}}, []string{"a"}, []bool{true, false})
		}, `input "a" of case 1 is NaN`},
	} {
		d, err := c.make()
		if err == nil || d != nil || !strings.Contains(err.Error(), c.wants) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.wants)
		}
	}
	d := mustData(t, x, names5, y)
	_, err := d.PRIM(Options{})
	if err == nil || !strings.Contains(err.Error(), "12 cases: too few for a box of at least 5 % with peel alpha 0.05; give at least 20 cases") {
		t.Errorf("PRIM on 12 cases: %v", err)
	}
	if _, err := d.Cover(Options{}, 2, nil); err == nil {
		t.Errorf("Cover on 12 cases gave no error")
	}
	d8 := mustData(t, x[:8], names5, y[:8])
	if _, err := d8.PRIM(Options{PeelAlpha: 0.1, MinMass: 0.1}); err == nil || !strings.Contains(err.Error(), "8 cases: too few for a box of at least 10 % with peel alpha 0.1; give at least 10 cases") {
		t.Errorf("PRIM on 8 cases with alpha 0.1 and mass 0.1: %v", err)
	}
	if _, err := d.PRIM(Options{PeelAlpha: 0.5}); err == nil || !strings.Contains(err.Error(), "peel alpha 0.5") {
		t.Errorf("peel alpha 0.5: %v", err)
	}
	if _, err := d.PRIM(Options{MinMass: 1.5}); err == nil {
		t.Errorf("minimum mass 1.5 gave no error")
	}
	if _, err := d.Paste(Box{}, Options{}); err == nil {
		t.Errorf("pasting an empty box gave no error")
	}
	if _, err := d.Tree(TreeOptions{MaxDepth: -1}); err == nil {
		t.Errorf("depth -1 gave no error")
	}
	if rs := d.Restrictions(Box{}); rs != nil {
		t.Errorf("restrictions of a box without limits: %v", rs)
	}
}
