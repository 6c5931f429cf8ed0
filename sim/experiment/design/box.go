package design

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Scale says how a parameter's range is spread over the unit interval.
type Scale int

const (
	// Linear spaces values evenly between Lo and Hi.
	Linear Scale = iota
	// Log spaces values evenly in log(x); Lo must be positive.
	Log
)

// String returns "linear" or "log".
func (s Scale) String() string {
	switch s {
	case Linear:
		return "linear"
	case Log:
		return "log"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// Parameter is one dimension of a Box: a name and the closed range
// [Lo, Hi] it may take.
type Parameter struct {
	Name   string
	Lo, Hi float64
	// Integer restricts the parameter to the integers Lo, Lo+1, ..., Hi,
	// each given an equal share of the unit interval.
	Integer bool
	// Scale is Linear (the zero value) or Log.
	Scale Scale
}

// Box is the space a design covers: one Parameter per dimension, in the
// order points list their coordinates.
type Box []Parameter

// Dim returns the number of parameters.
func (b Box) Dim() int { return len(b) }

// Validate returns an error naming the first parameter whose range cannot be
// used: empty box, non-finite or reversed bounds, non-integral bounds on an
// integer parameter, or a non-positive lower bound on a log-scaled one.
func (b Box) Validate() error {
	if len(b) == 0 {
		return fmt.Errorf("design: box has no parameters")
	}
	seen := make(map[string]bool, len(b))
	for i, p := range b {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		} else if seen[name] {
			return fmt.Errorf("design: parameter %q appears twice", name)
		}
		seen[name] = true
		switch {
		case math.IsNaN(p.Lo) || math.IsInf(p.Lo, 0) || math.IsNaN(p.Hi) || math.IsInf(p.Hi, 0):
			return fmt.Errorf("design: parameter %s: bounds must be finite, got [%v, %v]", name, p.Lo, p.Hi)
		case !(p.Lo < p.Hi):
			return fmt.Errorf("design: parameter %s: hi must be > lo, got [%v, %v]", name, p.Lo, p.Hi)
		case p.Integer && (p.Lo != math.Trunc(p.Lo) || p.Hi != math.Trunc(p.Hi)):
			return fmt.Errorf("design: parameter %s: integer bounds must be whole numbers, got [%v, %v]", name, p.Lo, p.Hi)
		case p.Scale != Linear && p.Scale != Log:
			return fmt.Errorf("design: parameter %s: unknown scale %v", name, p.Scale)
		case p.Scale == Log && !(p.Lo > 0):
			return fmt.Errorf("design: parameter %s: log scale needs lo > 0, got %v", name, p.Lo)
		}
	}
	return nil
}

// FromUnit maps u in the unit interval to the parameter's range. Values of u
// outside [0, 1] are clamped; NaN gives NaN. An integer parameter with m = Hi-Lo+1 values
// gives each value an interval of width 1/m, so u uniform on [0, 1] gives
// every integer the same probability and u = 0 and u = 1 give Lo and Hi.
func (p Parameter) FromUnit(u float64) float64 {
	u = clamp(u, 0, 1)
	hi := p.Hi
	if p.Integer {
		hi++
	}
	var x float64
	switch p.Scale {
	case Log:
		x = math.Exp(math.Log(p.Lo) + u*(math.Log(hi)-math.Log(p.Lo)))
	default:
		x = p.Lo + u*(hi-p.Lo)
	}
	if p.Integer {
		x = math.Floor(x)
	}
	return clamp(x, p.Lo, p.Hi)
}

// ToUnit is the inverse of FromUnit for x in [Lo, Hi]; values outside are
// clamped. For an integer parameter it returns the middle of the interval
// that FromUnit maps to x, so FromUnit(ToUnit(x)) == x for every integer x.
func (p Parameter) ToUnit(x float64) float64 {
	x = clamp(x, p.Lo, p.Hi)
	hi := p.Hi
	if p.Integer {
		x = math.Floor(x) + 0.5
		hi++
	}
	var u float64
	switch p.Scale {
	case Log:
		u = (math.Log(x) - math.Log(p.Lo)) / (math.Log(hi) - math.Log(p.Lo))
	default:
		u = (x - p.Lo) / (hi - p.Lo)
	}
	return clamp(u, 0, 1)
}

// FromUnit maps a point of the unit cube to the box, coordinate by
// coordinate, storing the result in dst, which is allocated if nil.
// FromUnit panics if len(u) or a non-nil dst differ from b.Dim().
func (b Box) FromUnit(dst, u []float64) []float64 {
	if len(u) != len(b) {
		panic("design: point length mismatch")
	}
	if dst == nil {
		dst = make([]float64, len(b))
	}
	if len(dst) != len(b) {
		panic("design: destination length mismatch")
	}
	for i, p := range b {
		dst[i] = p.FromUnit(u[i])
	}
	return dst
}

// ToUnit maps a point of the box to the unit cube, storing the result in
// dst, which is allocated if nil. ToUnit panics on a length mismatch.
func (b Box) ToUnit(dst, x []float64) []float64 {
	if len(x) != len(b) {
		panic("design: point length mismatch")
	}
	if dst == nil {
		dst = make([]float64, len(b))
	}
	if len(dst) != len(b) {
		panic("design: destination length mismatch")
	}
	for i, p := range b {
		dst[i] = p.ToUnit(x[i])
	}
	return dst
}

// Contains reports whether x lies in the box, with integer parameters at
// whole numbers.
func (b Box) Contains(x []float64) bool {
	if len(x) != len(b) {
		return false
	}
	for i, p := range b {
		if !(x[i] >= p.Lo && x[i] <= p.Hi) {
			return false
		}
		if p.Integer && x[i] != math.Trunc(x[i]) {
			return false
		}
	}
	return true
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Streams keep the designs drawn from one seed independent of one another:
// a Latin hypercube and a random sample with the same seed share no numbers.
const (
	streamLatinHypercube uint64 = 0x6c6873 + iota
	streamRandom
	streamMorris
	streamSobol
	streamBootstrap
	streamABC
)

// newSource returns the PCG source for a seed and a design's stream.
func newSource(seed, stream uint64) *rand.PCG {
	return rand.NewPCG(seed, stream)
}
