package design

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
)

// Morris is a Morris (1991) elementary-effects screening design: r
// trajectories of k+1 points on a grid of p levels per parameter in the
// unit cube, each trajectory moving one parameter at a time by Delta.
//
// Points lists the trajectories one after another: point t*(k+1)+j is step
// j of trajectory t. Evaluate the model at every point, in any order, and
// pass the outputs, in the same order, to Analyse.
type Morris struct {
	Box          Box
	Trajectories int // r
	Levels       int // p, even
	// Delta is the step as a fraction of each parameter's unit interval:
	// p/(2(p-1)).
	Delta float64

	// Points holds the design points in the box, and Unit the same points
	// in the unit cube, before mapping through Box.FromUnit.
	Points [][]float64
	Unit   [][]float64

	// Factor[t][j] is the parameter that changes between steps j and j+1
	// of trajectory t; Up[t][j] reports whether it increases.
	Factor [][]int
	Up     [][]bool
}

// NewMorris returns r trajectories over the box on a grid of levels values
// per parameter (levels even and ≥ 2; 4 to 8 is usual). Each trajectory
// starts at a random grid point, takes its direction for every parameter at
// random, and moves the parameters in random order. The same box, r, levels
// and seed give the same design.
func NewMorris(b Box, r, levels int, seed uint64) (*Morris, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if r < 2 {
		return nil, fmt.Errorf("design: morris needs ≥ 2 trajectories to estimate sigma, got %d", r)
	}
	if levels < 2 || levels%2 != 0 {
		return nil, fmt.Errorf("design: morris levels must be even and ≥ 2, got %d", levels)
	}
	k := len(b)
	half := levels / 2 // Delta in grid steps
	m := &Morris{
		Box:          b,
		Trajectories: r,
		Levels:       levels,
		Delta:        float64(half) / float64(levels-1),
		Points:       make([][]float64, 0, r*(k+1)),
		Unit:         make([][]float64, 0, r*(k+1)),
		Factor:       make([][]int, r),
		Up:           make([][]bool, r),
	}
	rnd := rand.New(newSource(seed, streamMorris))
	level := make([]int, k)
	up := make([]bool, k)
	for t := 0; t < r; t++ {
		// Start low for the parameters that go up, high for those that
		// go down, so every step stays on the grid.
		for i := range level {
			level[i] = rnd.IntN(half)
			up[i] = rnd.IntN(2) == 0
			if !up[i] {
				level[i] += half
			}
		}
		order := rnd.Perm(k)
		m.Factor[t] = order
		m.Up[t] = make([]bool, k)
		m.add(level)
		for j, i := range order {
			m.Up[t][j] = up[i]
			if up[i] {
				level[i] += half
			} else {
				level[i] -= half
			}
			m.add(level)
		}
	}
	return m, nil
}

// add appends the grid point at the given levels.
func (m *Morris) add(level []int) {
	u := make([]float64, len(level))
	for i, l := range level {
		u[i] = float64(l) / float64(m.Levels-1)
	}
	m.Unit = append(m.Unit, u)
	m.Points = append(m.Points, m.Box.FromUnit(nil, u))
}

// MorrisResult holds the elementary-effects statistics of one output,
// indexed by parameter. Effects are per unit fraction of a parameter's range:
// for f = c·x on a linear parameter, every effect is c·(Hi-Lo).
type MorrisResult struct {
	// Mu is the mean elementary effect; effects of opposite sign cancel.
	Mu []float64
	// MuStar is the mean absolute elementary effect (Campolongo et al.
	// 2007), the usual measure of overall influence.
	MuStar []float64
	// Sigma is the standard deviation of the elementary effects (n-1
	// denominator); large Sigma marks non-linearity or interaction.
	Sigma []float64
	// Effects[i] holds the r elementary effects of parameter i, one per
	// trajectory.
	Effects [][]float64
}

// Analyse computes the elementary effects of the outputs y, one per design
// point in the order of Points, and their statistics. It returns an error if
// len(y) is wrong or an output is NaN or infinite.
func (m *Morris) Analyse(y []float64) (*MorrisResult, error) {
	k := len(m.Box)
	if len(y) != len(m.Points) {
		return nil, fmt.Errorf("design: morris: got %d outputs for %d points", len(y), len(m.Points))
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("design: morris: output %d is %v", i, v)
		}
	}
	res := &MorrisResult{
		Mu:      make([]float64, k),
		MuStar:  make([]float64, k),
		Sigma:   make([]float64, k),
		Effects: make([][]float64, k),
	}
	for i := range res.Effects {
		res.Effects[i] = make([]float64, m.Trajectories)
	}
	for t := 0; t < m.Trajectories; t++ {
		base := t * (k + 1)
		for j, i := range m.Factor[t] {
			d := y[base+j+1] - y[base+j]
			if !m.Up[t][j] {
				d = -d
			}
			res.Effects[i][t] = d / m.Delta
		}
	}
	abs := make([]float64, m.Trajectories)
	for i, ee := range res.Effects {
		res.Mu[i], res.Sigma[i] = stat.MeanStdDev(ee, nil)
		for t, e := range ee {
			abs[t] = math.Abs(e)
		}
		res.MuStar[i] = stat.Mean(abs, nil)
	}
	return res, nil
}
