package design

import (
	"math"
	"slices"
	"testing"
)

func TestGrid(t *testing.T) {
	b := Box{
		{Name: "price", Lo: 1, Hi: 3},
		{Name: "rate", Lo: 0.01, Hi: 1, Scale: Log},
		{Name: "cap", Lo: 0, Hi: 10, Integer: true},
	}
	pts, err := Grid(b, []int{3, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 3*3*2 {
		t.Fatalf("%d points, want 18", len(pts))
	}
	// Row-major: the last parameter changes fastest.
	want := [][]float64{
		{1, 0.01, 0}, {1, 0.01, 10}, {1, 0.1, 0}, {1, 0.1, 10}, {1, 1, 0}, {1, 1, 10},
		{2, 0.01, 0}, {2, 0.01, 10},
	}
	for i, w := range want {
		for j := range w {
			if math.Abs(pts[i][j]-w[j]) > 1e-12 {
				t.Fatalf("point %d = %v, want %v", i, pts[i], w)
			}
		}
	}
	if last := pts[len(pts)-1]; !slices.Equal(last, []float64{3, 1, 10}) {
		t.Errorf("last point %v, want the upper corner", last)
	}
	// Every combination appears exactly once.
	seen := map[[3]float64]bool{}
	for _, p := range pts {
		k := [3]float64{p[0], p[1], p[2]}
		if seen[k] {
			t.Errorf("point %v repeated", p)
		}
		seen[k] = true
	}

	// One level is the middle of the range; integers round.
	pts, err = Grid(Box{{Lo: 0, Hi: 4}, {Lo: 0, Hi: 10, Integer: true}}, []int{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{}
	for _, p := range pts {
		if p[0] != 2 {
			t.Errorf("single level %v, want 2", p[0])
		}
		got = append(got, p[1])
	}
	if !slices.Equal(got, []float64{0, 3, 7, 10}) {
		t.Errorf("integer levels %v, want [0 3 7 10]", got)
	}

	for _, bad := range []struct {
		b      Box
		levels []int
	}{
		{Box{{Lo: 0, Hi: 1}}, []int{2, 2}},
		{Box{{Lo: 0, Hi: 1}}, []int{0}},
		{Box{{Lo: 0, Hi: 2, Integer: true}}, []int{4}},
		{Box{{Lo: 1, Hi: 0}}, []int{2}},
	} {
		if _, err := Grid(bad.b, bad.levels); err == nil {
			t.Errorf("Grid(%v, %v): no error", bad.b, bad.levels)
		}
	}
}

func TestGridValues(t *testing.T) {
	pts, err := GridValues([][]float64{{5, 1}, {7}, {0, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{5, 7, 0}, {5, 7, 2}, {5, 7, 1}, {1, 7, 0}, {1, 7, 2}, {1, 7, 1}}
	if len(pts) != len(want) {
		t.Fatalf("%d points, want %d", len(pts), len(want))
	}
	for i := range want {
		if !slices.Equal(pts[i], want[i]) {
			t.Errorf("point %d = %v, want %v", i, pts[i], want[i])
		}
	}
	// Points do not alias one another.
	pts[0] = append(pts[0], 99)
	if pts[1][0] != 5 || len(pts[1]) != 3 {
		t.Errorf("appending to one point changed the next: %v", pts[1])
	}
	for _, bad := range [][][]float64{nil, {{1}, {}}, {{math.NaN()}}} {
		if _, err := GridValues(bad); err == nil {
			t.Errorf("GridValues(%v): no error", bad)
		}
	}
}

var sampleBox = Box{
	{Name: "a", Lo: -1, Hi: 3},
	{Name: "b", Lo: 0.001, Hi: 10, Scale: Log},
	{Name: "c", Lo: 100, Hi: 101},
}

func TestLatinHypercubeStrata(t *testing.T) {
	for _, n := range []int{1, 2, 7, 50, 333} {
		pts, err := LatinHypercube(sampleBox, n, 42)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != n {
			t.Fatalf("n=%d: %d points", n, len(pts))
		}
		for j, p := range sampleBox {
			count := make([]int, n)
			for _, x := range pts {
				if x[j] < p.Lo || x[j] > p.Hi {
					t.Fatalf("n=%d: %s = %v outside [%v, %v]", n, p.Name, x[j], p.Lo, p.Hi)
				}
				s := int(math.Floor(p.ToUnit(x[j]) * float64(n)))
				count[min(s, n-1)]++
			}
			for s, c := range count {
				if c != 1 {
					t.Errorf("n=%d: %s stratum %d holds %d points, want 1", n, p.Name, s, c)
				}
			}
		}
	}
}

func TestSamplesReproducible(t *testing.T) {
	for _, s := range []struct {
		name   string
		sample func(Box, int, uint64) ([][]float64, error)
	}{{"LatinHypercube", LatinHypercube}, {"Random", Random}} {
		a, _ := s.sample(sampleBox, 20, 7)
		b, _ := s.sample(sampleBox, 20, 7)
		c, _ := s.sample(sampleBox, 20, 8)
		same, differ := true, false
		for i := range a {
			same = same && slices.Equal(a[i], b[i])
			differ = differ || !slices.Equal(a[i], c[i])
		}
		if !same {
			t.Errorf("%s: the same seed gave different points", s.name)
		}
		if !differ {
			t.Errorf("%s: seeds 7 and 8 gave the same points", s.name)
		}
		if _, err := s.sample(sampleBox, 0, 1); err == nil {
			t.Errorf("%s: n=0 gave no error", s.name)
		}
		if _, err := s.sample(Box{{Lo: 1, Hi: 0}}, 3, 1); err == nil {
			t.Errorf("%s: invalid box gave no error", s.name)
		}
	}
	// Latin hypercube and random samples from one seed share no numbers.
	lhs, _ := LatinHypercube(sampleBox, 5, 1)
	rnd, _ := Random(sampleBox, 5, 1)
	if slices.Equal(lhs[0], rnd[0]) {
		t.Errorf("LatinHypercube and Random share a stream")
	}
}

func TestRandomPrefixAndMean(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: 10, Hi: 20}}
	long, _ := Random(b, 10000, 3)
	short, _ := Random(b, 10, 3)
	for i := range short {
		if !slices.Equal(short[i], long[i]) {
			t.Fatalf("point %d differs between n=10 and n=10000", i)
		}
	}
	// The mean of n uniforms has standard deviation sqrt(1/12/n) of the
	// range; allow four of them.
	tol := 4 * math.Sqrt(1.0/12/float64(len(long)))
	for j, p := range b {
		var s float64
		for _, x := range long {
			s += (x[j] - p.Lo) / (p.Hi - p.Lo)
		}
		if m := s / float64(len(long)); math.Abs(m-0.5) > tol {
			t.Errorf("parameter %d: mean fraction %.4f, want 0.5 ± %.4f", j, m, tol)
		}
	}
}
