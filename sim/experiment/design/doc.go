// Package design builds experimental designs over a box of model parameters
// and analyses the outputs a caller computes at the design's points:
// grids, Latin hypercube and random samples, Morris elementary effects,
// Sobol indices, constrained maximisation of a noisy objective and
// least-squares calibration.
//
// The package knows nothing of the simulator. Every design is split in two:
// a function that returns the points, in a deterministic order fixed by the
// specification and a caller-supplied seed, and an analysis of the outputs
// at those points. A point's index is its identity, so a caller may evaluate
// the points in any order, in parallel, store them, resume a sweep, or
// average replicates before analysing.
//
// Random numbers come from math/rand/v2 PCG sources built from the seed;
// nothing here reads a global or time-seeded generator.
package design // import "github.com/msgmon/msgmon/sim/experiment/design"
