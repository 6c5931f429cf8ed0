package discover

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Data holds a batch of cases: the continuous inputs of each case, the names
// of the inputs and whether each case is of interest. A Data is read-only
// once made and may be shared between goroutines.
type Data struct {
	names     []string
	cols      [][]float64 // cols[j][i] is input j of case i
	y         []bool
	bounds    []Limit // data minimum and maximum of each input
	nInterest int
}

// Limit is the closed interval [Lo, Hi] of one input.
type Limit struct {
	Lo, Hi float64
}

// NewData returns the cases in x, one row per case and one column per input,
// with the input names and the outcome y (true for a case of interest).
// It returns an error when the lengths do not match, when there are no cases
// or no inputs, when a value is NaN or infinite, or when no case is of
// interest. The data are copied.
func NewData(x [][]float64, names []string, y []bool) (*Data, error) {
	if len(x) == 0 {
		return nil, errors.New("discover: no cases: give at least one row of inputs")
	}
	d := len(x[0])
	for i, row := range x {
		if len(row) != d {
			return nil, fmt.Errorf("discover: case %d has %d inputs but case 0 has %d: give every case the same inputs", i, len(row), d)
		}
	}
	return newData(len(x), d, func(i, j int) float64 { return x[i][j] }, names, y)
}

// NewDataMatrix is like NewData with the cases as the rows of a matrix.
func NewDataMatrix(x mat.Matrix, names []string, y []bool) (*Data, error) {
	if x == nil {
		return nil, errors.New("discover: no cases: the matrix is nil")
	}
	r, c := x.Dims()
	return newData(r, c, x.At, names, y)
}

func newData(n, d int, at func(i, j int) float64, names []string, y []bool) (*Data, error) {
	if n == 0 {
		return nil, errors.New("discover: no cases: give at least one row of inputs")
	}
	if d == 0 {
		return nil, errors.New("discover: the cases have no inputs: give at least one input column")
	}
	if len(names) != d {
		return nil, fmt.Errorf("discover: %d input names for %d inputs: give one name per input column", len(names), d)
	}
	if len(y) != n {
		return nil, fmt.Errorf("discover: %d outcomes for %d cases: give one outcome per case", len(y), n)
	}
	data := &Data{
		names:  append([]string(nil), names...),
		cols:   make([][]float64, d),
		y:      append([]bool(nil), y...),
		bounds: make([]Limit, d),
	}
	for j := 0; j < d; j++ {
		col := make([]float64, n)
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i < n; i++ {
			v := at(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("discover: input %q of case %d is %v: give finite values only", names[j], i, v)
			}
			col[i] = v
			lo = math.Min(lo, v)
			hi = math.Max(hi, v)
		}
		data.cols[j] = col
		data.bounds[j] = Limit{lo, hi}
	}
	for _, b := range y {
		if b {
			data.nInterest++
		}
	}
	if data.nInterest == 0 {
		return nil, fmt.Errorf("discover: no case of interest among %d cases: the outcome must be true for at least one case", n)
	}
	return data, nil
}

// Len returns the number of cases.
func (d *Data) Len() int { return len(d.y) }

// Inputs returns the number of inputs.
func (d *Data) Inputs() int { return len(d.cols) }

// Names returns a copy of the input names.
func (d *Data) Names() []string { return append([]string(nil), d.names...) }

// Interest returns the number of cases of interest.
func (d *Data) Interest() int { return d.nInterest }

// Bounds returns the data minimum and maximum of every input: the
// unrestricted box.
func (d *Data) Bounds() []Limit { return append([]Limit(nil), d.bounds...) }

// inBox reports whether case i lies inside the limits.
func (d *Data) inBox(i int, lim []Limit) bool {
	for j, l := range lim {
		v := d.cols[j][i]
		if v < l.Lo || v > l.Hi {
			return false
		}
	}
	return true
}

// members returns the cases of pool (all cases if pool is nil) inside lim.
func (d *Data) members(pool []int, lim []Limit) []int {
	var in []int
	if pool == nil {
		for i := range d.y {
			if d.inBox(i, lim) {
				in = append(in, i)
			}
		}
		return in
	}
	for _, i := range pool {
		if d.inBox(i, lim) {
			in = append(in, i)
		}
	}
	return in
}

func (d *Data) countInterest(idx []int) int {
	h := 0
	for _, i := range idx {
		if d.y[i] {
			h++
		}
	}
	return h
}

// restricted returns the number of inputs whose limits lie inside the data
// minimum or maximum.
func (d *Data) restricted(lim []Limit) int {
	r := 0
	for j, l := range lim {
		if l.Lo > d.bounds[j].Lo || l.Hi < d.bounds[j].Hi {
			r++
		}
	}
	return r
}

// box returns a Box with the statistics of the cases idx of pool inside lim.
func (d *Data) box(lim []Limit, idx, pool []int) Box {
	h := d.countInterest(idx)
	n := len(d.y)
	b := Box{
		Limits:     append([]Limit(nil), lim...),
		N:          len(idx),
		NInterest:  h,
		Coverage:   float64(h) / float64(d.nInterest),
		Mass:       float64(len(idx)) / float64(n),
		Restricted: d.restricted(lim),
		pool:       pool,
	}
	if len(idx) > 0 {
		b.Density = float64(h) / float64(len(idx))
	}
	return b
}

// Box is a hyper-rectangle of the input space with the statistics of the
// cases inside it. A case is inside when Limits[j].Lo ≤ x_j ≤ Limits[j].Hi for
// every input j.
type Box struct {
	// Limits holds the interval of every input, in input order. An input
	// whose interval equals the data minimum and maximum is unrestricted.
	Limits []Limit
	// N is the number of cases inside the box and NInterest the number of
	// those that are of interest.
	N, NInterest int
	// Coverage is NInterest over the number of all cases of interest.
	Coverage float64
	// Density is NInterest over N.
	Density float64
	// Mass is N over the number of all cases.
	Mass float64
	// Restricted is the number of restricted inputs.
	Restricted int

	// pool holds the cases the box was found among (nil for all cases);
	// covering finds later boxes among the cases that earlier boxes left.
	pool []int
}
