package design

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/samplemv"
)

// Grid returns the full factorial design with levels[i] evenly spaced values
// of parameter i, from Lo to Hi inclusive (evenly in log(x) for Log
// parameters, rounded for Integer ones). It has the product of the levels
// points, in row-major order: the last parameter changes fastest.
//
// A parameter with one level is held at the middle of its range. An integer
// parameter asked for more levels than it has values, or levels whose
// rounding would repeat a value, is an error.
func Grid(b Box, levels []int) ([][]float64, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if len(levels) != len(b) {
		return nil, fmt.Errorf("design: grid needs %d level counts, one per parameter, got %d", len(b), len(levels))
	}
	values := make([][]float64, len(b))
	for i, p := range b {
		n := levels[i]
		if n < 1 {
			return nil, fmt.Errorf("design: grid: parameter %s: levels must be ≥ 1, got %d", p.Name, n)
		}
		v := make([]float64, n)
		for j := range v {
			u := 0.5
			if n > 1 {
				u = float64(j) / float64(n-1)
			}
			v[j] = p.gridValue(u)
			if j > 0 && v[j] == v[j-1] {
				return nil, fmt.Errorf("design: grid: parameter %s: %d levels repeat values in [%v, %v]", p.Name, n, p.Lo, p.Hi)
			}
		}
		values[i] = v
	}
	return GridValues(values)
}

// gridValue returns the value a fraction u of the way from Lo to Hi, both
// included, rounded to the nearest integer for an integer parameter.
func (p Parameter) gridValue(u float64) float64 {
	var x float64
	switch p.Scale {
	case Log:
		x = math.Exp(math.Log(p.Lo) + u*(math.Log(p.Hi)-math.Log(p.Lo)))
	default:
		x = p.Lo + u*(p.Hi-p.Lo)
	}
	switch {
	case u == 0:
		x = p.Lo
	case u == 1:
		x = p.Hi
	}
	if p.Integer {
		x = math.Round(x)
	}
	return clamp(x, p.Lo, p.Hi)
}

// GridValues returns the full factorial design over explicit value lists,
// one list per parameter, in row-major order: the last parameter changes
// fastest. The lists are used as given, neither sorted nor deduplicated.
func GridValues(values [][]float64) ([][]float64, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("design: grid has no parameters")
	}
	n := 1
	for i, v := range values {
		if len(v) == 0 {
			return nil, fmt.Errorf("design: grid: parameter #%d has no values", i)
		}
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("design: grid: parameter #%d: values must be finite, got %v", i, x)
			}
		}
		if n > math.MaxInt32/len(v) {
			return nil, fmt.Errorf("design: grid has more than %d points", math.MaxInt32)
		}
		n *= len(v)
	}
	k := len(values)
	pts := make([][]float64, n)
	flat := make([]float64, n*k)
	idx := make([]int, k)
	for r := range pts {
		p := flat[r*k : (r+1)*k : (r+1)*k]
		for i := range p {
			p[i] = values[i][idx[i]]
		}
		pts[r] = p
		for i := k - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(values[i]) {
				break
			}
			idx[i] = 0
		}
	}
	return pts, nil
}

// LatinHypercube returns n points of a Latin hypercube sample of the box:
// for every parameter, each of the n equal slices of the unit interval
// (before mapping through Parameter.FromUnit) holds exactly one point.
// The same box, n and seed give the same points in the same order.
func LatinHypercube(b Box, n int, seed uint64) ([][]float64, error) {
	u, err := unitSample(b, n, func(m *mat.Dense) {
		samplemv.LatinHypercube{
			Q:   distmv.NewUnitUniform(len(b), nil),
			Src: newSource(seed, streamLatinHypercube),
		}.Sample(m)
	})
	if err != nil {
		return nil, err
	}
	return mapRows(b, u), nil
}

// Random returns n points drawn independently and uniformly from the unit
// cube and mapped into the box. The same box, n and seed give the same
// points in the same order, and the first m points of Random(b, n, seed)
// are Random(b, m, seed) for m < n.
func Random(b Box, n int, seed uint64) ([][]float64, error) {
	u, err := unitSample(b, n, func(m *mat.Dense) {
		samplemv.IID{Dist: distmv.NewUnitUniform(len(b), newSource(seed, streamRandom))}.Sample(m)
	})
	if err != nil {
		return nil, err
	}
	return mapRows(b, u), nil
}

// unitSample validates the request and fills an n×k matrix with sample.
func unitSample(b Box, n int, sample func(*mat.Dense)) (*mat.Dense, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("design: sample size must be ≥ 1, got %d", n)
	}
	m := mat.NewDense(n, len(b), nil)
	sample(m)
	return m, nil
}

// mapRows maps every row of the unit-cube matrix u into the box.
func mapRows(b Box, u *mat.Dense) [][]float64 {
	n, k := u.Dims()
	pts := make([][]float64, n)
	flat := make([]float64, n*k)
	for i := range pts {
		pts[i] = b.FromUnit(flat[i*k:(i+1)*k:(i+1)*k], u.RawRowView(i))
	}
	return pts
}
