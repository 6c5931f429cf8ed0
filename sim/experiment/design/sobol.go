package design

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/samplemv"
)

// BaseSampling chooses how the two base matrices A and B of a Saltelli
// design are drawn: together, as one sample of N points in 2k dimensions
// whose first k coordinates form A and last k form B.
type BaseSampling int

const (
	// HaltonBase uses gonum's Owen-scrambled Halton sequence
	// (samplemv.Halton), a randomised quasi-Monte Carlo sample that
	// covers the cube more evenly than independent draws. It is the
	// default. Halton sequences are limited to 1000 dimensions, so to
	// boxes of at most 500 parameters.
	HaltonBase BaseSampling = iota
	// RandomBase draws independent uniform points.
	RandomBase
	// LatinHypercubeBase draws a Latin hypercube sample in 2k dimensions.
	LatinHypercubeBase
)

// String returns the sampling's name.
func (s BaseSampling) String() string {
	switch s {
	case HaltonBase:
		return "halton"
	case RandomBase:
		return "random"
	case LatinHypercubeBase:
		return "latin-hypercube"
	}
	return fmt.Sprintf("BaseSampling(%d)", int(s))
}

// Sobol is a Saltelli design for estimating first-order and total Sobol
// indices of a model over a box of k parameters from N base samples. It has
// N·(k+2) points, in N blocks of k+2: for base row j, point j·(k+2) is A_j,
// point j·(k+2)+1+i is A_j with parameter i taken from B_j (the matrix
// A_B^i), and point j·(k+2)+k+1 is B_j. Evaluate the model at every point,
// in any order, and pass the outputs, in the same order, to Analyse.
//
// The error of the estimates shrinks as 1/sqrt(N) for random base samples
// and somewhat faster for Halton ones; N of a few thousand gives indices to
// within a few hundredths for smooth models (see the Ishigami test).
type Sobol struct {
	Box  Box
	N    int
	Base BaseSampling
	// Points holds the N·(k+2) design points in the box.
	Points [][]float64
}

// NewSobol returns the Saltelli design with n base samples of the box,
// drawn with the given base sampling and seed. The same arguments give the
// same points in the same order.
func NewSobol(b Box, n int, seed uint64, base BaseSampling) (*Sobol, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if n < 2 {
		return nil, fmt.Errorf("design: sobol needs ≥ 2 base samples, got %d", n)
	}
	k := len(b)
	ab := mat.NewDense(n, 2*k, nil)
	src := newSource(seed, streamSobol)
	switch base {
	case HaltonBase:
		if 2*k > 1000 {
			return nil, fmt.Errorf("design: sobol: halton base sampling allows at most 500 parameters, got %d", k)
		}
		samplemv.Halton{Kind: samplemv.Owen, Q: distmv.NewUnitUniform(2*k, nil), Src: src}.Sample(ab)
	case RandomBase:
		samplemv.IID{Dist: distmv.NewUnitUniform(2*k, src)}.Sample(ab)
	case LatinHypercubeBase:
		samplemv.LatinHypercube{Q: distmv.NewUnitUniform(2*k, nil), Src: src}.Sample(ab)
	default:
		return nil, fmt.Errorf("design: sobol: unknown base sampling %v", base)
	}
	s := &Sobol{Box: b, N: n, Base: base, Points: make([][]float64, 0, n*(k+2))}
	u := make([]float64, k)
	for j := 0; j < n; j++ {
		row := ab.RawRowView(j)
		a, bb := row[:k], row[k:]
		s.Points = append(s.Points, b.FromUnit(nil, a))
		for i := 0; i < k; i++ {
			copy(u, a)
			u[i] = bb[i]
			s.Points = append(s.Points, b.FromUnit(nil, u))
		}
		s.Points = append(s.Points, b.FromUnit(nil, bb))
	}
	return s, nil
}

// Bootstrap configures the confidence intervals of Sobol.Analyse. A nil
// *Bootstrap or zero fields mean the defaults.
type Bootstrap struct {
	// Resamples is the number of bootstrap resamples of the N base rows.
	// Zero means 1000; a negative value skips the bootstrap.
	Resamples int
	// Confidence is the coverage of the percentile intervals, in (0, 1).
	// Zero means 0.95.
	Confidence float64
	// Seed seeds the resampling.
	Seed uint64
}

// SobolResult holds Sobol indices of one output, indexed by parameter.
type SobolResult struct {
	// S1 is the first-order index: the share of the output's variance
	// explained by the parameter alone (Saltelli et al. 2010, eq. b).
	S1 []float64
	// ST is the total index: the share that involves the parameter,
	// alone or in interaction (Jansen 1999).
	ST []float64
	// S1Low, S1High, STLow and STHigh bound the bootstrap percentile
	// confidence intervals; they are nil if the bootstrap was skipped.
	S1Low, S1High []float64
	STLow, STHigh []float64
	// Variance is the output's variance over the A and B points.
	Variance float64
}

// Analyse estimates the Sobol indices from the outputs y, one per design
// point in the order of Points, with bootstrap confidence intervals
// configured by boot (nil for the defaults). It returns an error if len(y)
// is wrong, an output is NaN or infinite, or the output does not vary.
//
// Outputs are centred on their mean before estimating; this leaves the
// estimators unbiased and keeps a large mean from inflating the error of
// S1.
func (s *Sobol) Analyse(y []float64, boot *Bootstrap) (*SobolResult, error) {
	k := len(s.Box)
	if len(y) != s.N*(k+2) {
		return nil, fmt.Errorf("design: sobol: got %d outputs for %d points", len(y), s.N*(k+2))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("design: sobol: output %d is %v", i, v)
		}
	}
	var bs Bootstrap
	if boot != nil {
		bs = *boot
	}
	if bs.Resamples == 0 {
		bs.Resamples = 1000
	}
	if bs.Confidence == 0 {
		bs.Confidence = 0.95
	}
	if !(bs.Confidence > 0 && bs.Confidence < 1) {
		return nil, fmt.Errorf("design: sobol: confidence must be in (0, 1), got %v", bs.Confidence)
	}

	mean := stat.Mean(y, nil)
	c := make([]float64, len(y))
	for i, v := range y {
		c[i] = v - mean
	}
	rows := make([]int, s.N)
	for j := range rows {
		rows[j] = j
	}
	res := &SobolResult{S1: make([]float64, k), ST: make([]float64, k)}
	var ok bool
	res.Variance, ok = saltelli(c, k, rows, res.S1, res.ST)
	if !ok {
		return nil, fmt.Errorf("design: sobol: the output does not vary, so it has no indices")
	}
	if bs.Resamples < 0 {
		return res, nil
	}

	rnd := rand.New(newSource(bs.Seed, streamBootstrap))
	s1 := make([][]float64, k)
	st := make([][]float64, k)
	for i := range s1 {
		s1[i] = make([]float64, 0, bs.Resamples)
		st[i] = make([]float64, 0, bs.Resamples)
	}
	bs1 := make([]float64, k)
	bst := make([]float64, k)
	for b := 0; b < bs.Resamples; b++ {
		for j := range rows {
			rows[j] = rnd.IntN(s.N)
		}
		if _, ok := saltelli(c, k, rows, bs1, bst); !ok {
			continue // every row drawn the same and constant: no information
		}
		for i := range bs1 {
			s1[i] = append(s1[i], bs1[i])
			st[i] = append(st[i], bst[i])
		}
	}
	if len(s1[0]) == 0 {
		return res, nil
	}
	lo, hi := (1-bs.Confidence)/2, (1+bs.Confidence)/2
	res.S1Low, res.S1High = make([]float64, k), make([]float64, k)
	res.STLow, res.STHigh = make([]float64, k), make([]float64, k)
	for i := 0; i < k; i++ {
		slices.Sort(s1[i])
		slices.Sort(st[i])
		res.S1Low[i] = stat.Quantile(lo, stat.Empirical, s1[i], nil)
		res.S1High[i] = stat.Quantile(hi, stat.Empirical, s1[i], nil)
		res.STLow[i] = stat.Quantile(lo, stat.Empirical, st[i], nil)
		res.STHigh[i] = stat.Quantile(hi, stat.Empirical, st[i], nil)
	}
	return res, nil
}

// saltelli estimates the indices from the base rows listed in rows (with
// repeats, for the bootstrap), storing them in s1 and st. It returns the
// variance of the A and B outputs and false if that variance is zero.
func saltelli(y []float64, k int, rows []int, s1, st []float64) (variance float64, ok bool) {
	stride := k + 2
	var sum, sum2 float64
	for _, j := range rows {
		a, b := y[j*stride], y[j*stride+k+1]
		sum += a + b
		sum2 += a*a + b*b
	}
	n := float64(len(rows))
	m := sum / (2 * n)
	variance = sum2/(2*n) - m*m
	if !(variance > 0) {
		return variance, false
	}
	for i := 0; i < k; i++ {
		var first, total float64
		for _, j := range rows {
			a, ab, b := y[j*stride], y[j*stride+1+i], y[j*stride+k+1]
			first += b * (ab - a)
			total += (a - ab) * (a - ab)
		}
		s1[i] = first / n / variance
		st[i] = total / (2 * n) / variance
	}
	return variance, true
}
