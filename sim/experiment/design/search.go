package design

import (
	"encoding/binary"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// badValue stands for an objective that could not be computed (NaN,
// infinite, or an evaluation error). It is finite because gonum's
// Nelder–Mead refuses an infinite starting value, and large enough that any
// real value beats it.
const badValue = 1e300

// pointKey returns a map key holding the exact bits of x.
func pointKey(x []float64) string {
	b := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return string(b)
}

// unitSearch minimises a function of the box's points with gonum's
// Nelder–Mead working in unit-cube coordinates z. A vertex outside the cube
// is evaluated at its clamped image and charged for the distance, so the
// simplex is pushed back inside without ever asking for a point outside the
// box. Integer parameters are floored by Box.FromUnit, so the function sees
// only whole numbers.
type unitSearch struct {
	box Box
	// value returns the quantity to minimise at a point of the box.
	value func(x []float64) (float64, error)
	// exhausted reports that the evaluation budget is spent.
	exhausted func() bool

	simplex float64 // initial simplex edge, in unit coordinates
	tol     float64 // function convergence tolerance
	calls   int     // limit on calls per run, cache hits included

	err error // first error from value; stops the search
	x   []float64
}

// objective is the function Nelder–Mead minimises.
func (s *unitSearch) objective(z []float64) float64 {
	if s.err != nil {
		return badValue
	}
	if s.x == nil {
		s.x = make([]float64, len(z))
	}
	var dist float64
	for i, v := range z {
		c := clamp(v, 0, 1)
		dist += (v - c) * (v - c)
		s.x[i] = s.box[i].FromUnit(c)
	}
	v, err := s.value(s.x)
	if err != nil {
		s.err = err
		return badValue
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v >= badValue {
		return badValue
	}
	if dist > 0 {
		v += math.Sqrt(dist) * (1 + math.Abs(v))
	}
	return v
}

// status stops gonum's Minimize on an error or a spent budget.
func (s *unitSearch) status() (optimize.Status, error) {
	if s.err != nil {
		return optimize.Failure, s.err
	}
	if s.exhausted() {
		return optimize.FunctionEvaluationLimit, nil
	}
	return optimize.NotTerminated, nil
}

// run performs one Nelder–Mead search from z0 and returns the best point
// found, its value and gonum's status.
func (s *unitSearch) run(z0 []float64) (z []float64, f float64, status optimize.Status, err error) {
	k := len(z0)
	// Build the starting simplex here rather than let gonum step by a
	// fixed amount: each edge points into the cube, and an integer
	// parameter's edge spans at least one and a half of its values so the
	// simplex does not start on a plateau.
	verts := make([][]float64, k+1)
	vals := make([]float64, k+1)
	verts[0] = append([]float64(nil), z0...)
	vals[0] = s.objective(verts[0])
	for i := 0; i < k; i++ {
		step := s.simplex
		if p := s.box[i]; p.Integer {
			step = math.Max(step, 1.5/(p.Hi-p.Lo+1))
		}
		step = math.Min(step, 0.5)
		v := append([]float64(nil), z0...)
		if v[i]+step <= 1 {
			v[i] += step
		} else {
			v[i] -= step
		}
		verts[i+1] = v
		vals[i+1] = s.objective(v)
	}
	if s.err != nil {
		return z0, vals[0], optimize.Failure, s.err
	}
	settings := &optimize.Settings{
		FuncEvaluations: s.calls,
		Converger: &optimize.FunctionConverge{
			Absolute:   s.tol,
			Relative:   s.tol,
			Iterations: 10 * (k + 1),
		},
	}
	prob := optimize.Problem{Func: s.objective, Status: s.status}
	nm := &optimize.NelderMead{InitialVertices: verts, InitialValues: vals}
	res, err := optimize.Minimize(prob, z0, settings, nm)
	if s.err != nil {
		err = s.err
	}
	if res == nil {
		return z0, vals[0], optimize.Failure, err
	}
	return res.X, res.F, res.Status, err
}

// converged reports whether a gonum status means the search settled rather
// than ran out of budget or failed.
func converged(st optimize.Status) bool {
	switch st {
	case optimize.FunctionConvergence, optimize.MethodConverge, optimize.Success,
		optimize.FunctionThreshold, optimize.StepConvergence, optimize.GradientThreshold:
		return true
	}
	return false
}
