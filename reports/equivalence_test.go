package reports

import (
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The Kolmogorov distribution's tail at its tabulated critical values
// (Smirnov 1948; Numerical Recipes 14.3): Q(1.224) = 0.10, Q(1.358) = 0.05,
// Q(1.628) = 0.01.
func TestKolmogorovQAtCriticalValues(t *testing.T) {
	for _, c := range []struct{ lambda, q float64 }{{1.224, 0.10}, {1.358, 0.05}, {1.628, 0.01}, {0.1, 1}} {
		if got := kolmogorovQ(c.lambda); math.Abs(got-c.q) > 0.001 {
			t.Errorf("Q(%v) = %.4f, want %.3f", c.lambda, got, c.q)
		}
	}
}

// smirnovExact against a count of every order of the pooled sample: for
// samples of m and n, each of the C(m+n, n) ways to interleave them gives
// one D; P(D ≥ d) is the share of those with D ≥ d.
func TestSmirnovExactAgainstEnumeration(t *testing.T) {
	for _, mn := range [][2]int{{3, 3}, {4, 6}, {5, 7}, {6, 6}} {
		m, n := mn[0], mn[1]
		var ds []float64
		// Every subset of size m of m+n positions: the first sample's.
		for mask := 0; mask < 1<<(m+n); mask++ {
			if bits.OnesCount(uint(mask)) != m {
				continue
			}
			i, j, d := 0, 0, 0.0
			for k := 0; k < m+n; k++ {
				if mask&(1<<k) != 0 {
					i++
				} else {
					j++
				}
				d = math.Max(d, math.Abs(float64(i)/float64(m)-float64(j)/float64(n)))
			}
			ds = append(ds, d)
		}
		for _, d := range ds {
			ge := 0
			for _, e := range ds {
				if e >= d-1e-12 {
					ge++
				}
			}
			want := float64(ge) / float64(len(ds))
			if got := smirnovExact(d, m, n); math.Abs(got-want) > 1e-12 {
				t.Fatalf("m=%d n=%d d=%v: P(D ≥ d) = %v, enumeration %v", m, n, d, got, want)
			}
		}
	}
	// m = n = 3, d = 1: the two orders with one sample wholly first.
	if got := smirnovExact(1, 3, 3); math.Abs(got-0.1) > 1e-12 {
		t.Errorf("P(D = 1) for 3 and 3 = %v, want 2/20", got)
	}
}

// Holm's step-down correction on a worked example: p = 0.01, 0.04, 0.03,
// 0.005 over m = 4 give 0.03, 0.06, 0.06, 0.02.
func TestHolm(t *testing.T) {
	cells := []EquivCell{{P: 0.01}, {P: 0.04}, {P: 0.03}, {P: 0.005}, {Test: "identical", P: 1}}
	holm(cells)
	for i, want := range []float64{0.03, 0.06, 0.06, 0.02, 1} {
		if math.Abs(cells[i].PHolm-want) > 1e-12 {
			t.Errorf("cell %d: Holm p = %v, want %v", i, cells[i].PHolm, want)
		}
	}
}

func normals(r *rand.Rand, n int, mu float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = mu + r.NormFloat64()
	}
	return x
}

// Under the null (two samples of 50 from one normal) Welch's and the
// paired t-test reject at 5 % in 5 % of 4,000 trials (binomial standard
// error 0.34 points: the band is ±4 of them), and the exact KS test, whose
// discrete statistic reaches 5 % only in steps, in at most that.
func TestEquivalenceTestsLevelAndPower(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const trials = 4000
	var welch, paired, ks int
	for range trials {
		a, b := normals(r, 50, 0), normals(r, 50, 0)
		var c EquivCell
		if testCell(&c, a, b, false); c.PT < 0.05 {
			welch++
		}
		if c.PKS < 0.05 {
			ks++
		}
		if testCell(&c, a, b, true); c.PT < 0.05 {
			paired++
		}
	}
	for name, n := range map[string]int{"welch": welch, "paired": paired} {
		if f := float64(n) / trials; math.Abs(f-0.05) > 4*math.Sqrt(0.05*0.95/trials) {
			t.Errorf("%s t-test rejects %.4f of true nulls, want 0.05", name, f)
		}
	}
	if f := float64(ks) / trials; f > 0.05+4*math.Sqrt(0.05*0.95/trials) || f < 0.01 {
		t.Errorf("KS rejects %.4f of true nulls, want a little under 0.05", f)
	}
	// Power at 1 % for a shift of one SD with n = 50 is 0.99 (noncentrality
	// 5 against a critical t of 2.63): at least 95 of 100 trials find it.
	found := 0
	for range 100 {
		var c EquivCell
		if testCell(&c, normals(r, 50, 0), normals(r, 50, 1), false); c.PT < 0.01 {
			found++
		}
	}
	if found < 95 {
		t.Errorf("a shift of one SD with n = 50 found at 1 %% in %d of 100 trials, want at least 95", found)
	}
}

func equivInput(path string, seeds []int, f func(seed int) float64) *EquivInput {
	in := &EquivInput{Path: path, Metrics: []string{"m"}}
	for _, s := range seeds {
		in.Runs = append(in.Runs, EquivRun{Scenario: "s", Arm: "a", Seed: strconv.Itoa(s), Users: 10, Businesses: 1, Days: 5, Hash: "h", Values: []float64{f(s)}})
	}
	return in
}

func TestCheckEquivalence(t *testing.T) {
	seeds := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	noise := func(seed int) float64 { return float64((seed*7919)%13) + 100 }
	// The same runs: identical, nothing tested, nothing differs.
	e, err := CheckEquivalence(equivInput("old", seeds, noise), equivInput("new", seeds, noise), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if tested, identical, differs, _ := e.Counts(); tested != 1 || identical != 1 || differs != 0 {
		t.Fatalf("same runs: tested %d, identical %d, differs %d", tested, identical, differs)
	}
	// The same seeds, a small shift common to every replicate: the paired
	// test finds it although it is far inside the spread between replicates.
	e, err = CheckEquivalence(equivInput("old", seeds, noise), equivInput("new", seeds, func(s int) float64 { return noise(s) + 0.5 + 0.01*float64(s%3) }), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Cells[0]; c.Test != "paired" || !c.Differs {
		t.Fatalf("paired shift: %+v", c)
	}
	if s := e.Summary(); len(s) != 1 || s[0].Cells != 1 || s[0].Differs != 1 || math.Abs(s[0].MaxDiff-e.Cells[0].Diff/e.Cells[0].MeanOld) > 1e-15 {
		t.Fatalf("summary of the paired shift: %+v", s)
	}
	// Other seeds: Welch, and the same shift is within sampling error.
	other := []int{21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}
	e, err = CheckEquivalence(equivInput("old", seeds, noise), equivInput("new", other, func(s int) float64 { return noise(s) + 0.5 }), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Cells[0]; c.Test != "welch" || c.Differs {
		t.Fatalf("unpaired small shift: %+v", c)
	}
	// Seeds that overlap in part: the shared ones are paired, and the
	// others named in a note.
	e, err = CheckEquivalence(equivInput("old", seeds, noise), equivInput("new", append(seeds[2:], 40, 41, 42), noise), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Cells[0]; c.Test != "identical" || c.NOld != 10 || len(e.Notes) != 1 || !strings.Contains(e.Notes[0], "5 runs have a seed the other database lacks") {
		t.Fatalf("partial overlap: %+v, notes %q", c, e.Notes)
	}
	// NULL on one side only is not identical, and is noted; a figure
	// NULL everywhere is not tested, and nothing tested is an error.
	withNull := equivInput("new", seeds, noise)
	withNull.Runs[3].Values[0] = math.NaN()
	e, err = CheckEquivalence(equivInput("old", seeds, noise), withNull, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Cells[0]; c.Test == "identical" || c.NOld != 11 || len(e.Notes) != 1 || !strings.Contains(e.Notes[0], "NULL (undefined) on one side only in 1 of 12") {
		t.Fatalf("one NULL: %+v, notes %q", c, e.Notes)
	}
	allNull := equivInput("new", seeds, func(int) float64 { return math.NaN() })
	var ee *EquivError
	if _, err := CheckEquivalence(equivInput("old", seeds, noise), allNull, 0.05); !errors.As(err, &ee) || !strings.Contains(err.Error(), "not tested") {
		t.Fatalf("nothing to test: %v", err)
	}
	// Two scenarios of one name on a side are refused.
	twoScen := equivInput("new", seeds, noise)
	twoScen.Runs[5].Hash = "other"
	if _, err := CheckEquivalence(equivInput("old", seeds, noise), twoScen, 0.05); !errors.As(err, &ee) || !strings.Contains(err.Error(), "two different scenarios") {
		t.Fatalf("two scenarios on a side: %v", err)
	}
	// Work of another size is refused, as are two batches of one seed.
	big := equivInput("new", seeds, noise)
	big.Runs[0].Users = 20
	if _, err := CheckEquivalence(equivInput("old", seeds, noise), big, 0.05); !errors.As(err, &ee) {
		t.Fatalf("size mismatch: %v", err)
	}
	if _, err := CheckEquivalence(equivInput("old", append(seeds, 1), noise), equivInput("new", seeds, noise), 0.05); !errors.As(err, &ee) {
		t.Fatalf("a seed twice: %v", err)
	}
}
