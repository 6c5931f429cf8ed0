package design_test

import (
	"fmt"
	"math"

	"github.com/msgmon/msgmon/sim/experiment/design"
)

// A Sobol study in two steps: the design's points, evaluated however the
// caller likes (here in a loop), then the analysis of the outputs in point
// order.
func ExampleSobol() {
	box := design.Box{
		{Name: "x1", Lo: -math.Pi, Hi: math.Pi},
		{Name: "x2", Lo: -math.Pi, Hi: math.Pi},
		{Name: "x3", Lo: -math.Pi, Hi: math.Pi},
	}
	s, err := design.NewSobol(box, 4096, 1, design.HaltonBase)
	if err != nil {
		panic(err)
	}
	y := make([]float64, len(s.Points))
	for i, x := range s.Points { // Ishigami function
		y[i] = math.Sin(x[0]) + 7*math.Pow(math.Sin(x[1]), 2) + 0.1*math.Pow(x[2], 4)*math.Sin(x[0])
	}
	res, err := s.Analyse(y, &design.Bootstrap{Seed: 1})
	if err != nil {
		panic(err)
	}
	for i, p := range box {
		fmt.Printf("%s S1 %.2f ST %.2f\n", p.Name, res.S1[i], res.ST[i])
	}
	// Output:
	// x1 S1 0.31 ST 0.56
	// x2 S1 0.45 ST 0.44
	// x3 S1 -0.00 ST 0.25
}

// Morris screening: x2 acts alone (sigma 0; mu* is 0.5 times its range),
// x0 and x1 only through their product (sigma > 0), and x3 not at all.
func ExampleMorris() {
	box := design.Box{{Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}, {Lo: 0, Hi: 10}, {Lo: 0, Hi: 1}}
	m, err := design.NewMorris(box, 20, 4, 1)
	if err != nil {
		panic(err)
	}
	y := make([]float64, len(m.Points))
	for i, x := range m.Points {
		y[i] = x[0]*x[1] + 0.5*x[2]
	}
	res, err := m.Analyse(y)
	if err != nil {
		panic(err)
	}
	for i := range box {
		fmt.Printf("x%d mu* %.2f sigma %.2f\n", i, res.MuStar[i], res.Sigma[i])
	}
	// Output:
	// x0 mu* 0.60 sigma 0.40
	// x1 mu* 0.33 sigma 0.24
	// x2 mu* 5.00 sigma 0.00
	// x3 mu* 0.00 sigma 0.00
}

// Constrained maximisation: the peak at (2, 1) breaks x + y ≤ 2, so the
// optimum is its projection on the constraint.
func ExampleMaximize() {
	box := design.Box{{Name: "x", Lo: 0, Hi: 3}, {Name: "y", Lo: 0, Hi: 3}}
	opt, err := design.Maximize(box, func(x []float64) (float64, []float64, error) {
		f := -(x[0]-2)*(x[0]-2) - (x[1]-1)*(x[1]-1)
		return f, []float64{x[0] + x[1] - 2}, nil
	}, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("x %.3f f %.3f feasible %v converged %v\n", opt.X, opt.F, opt.Feasible, opt.Converged)
	// Output:
	// x [1.500 0.500] f -0.500 feasible true converged true
}
