package study

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

// ABCOptions are the settings of a calibration's plausible set:
// approximate Bayesian computation after the fit (calibrate --plausible
// and the flags beside it).
type ABCOptions struct {
	Plausible     int     // vectors to draw (0: no plausible set)
	Epsilon       float64 // accept a vector with every target within Epsilon times its tolerance
	Generations   int     // population Monte Carlo steps at least
	Budget        int     // evaluations at most (0: design.ABC's default)
	Scale         float64 // the first proposal's standard deviation, as a share of each range
	SavePlausible string  // the CSV file the set is written to ("": none)
}

// Check refuses settings ABC cannot use, before anything runs (an
// InputError naming the flag), and marks the study as one that draws a
// plausible set. force: an existing SavePlausible file may be written
// over.
func (o ABCOptions) Check(sw *datasets.Sweep, force bool) error {
	if o.Plausible == 0 {
		if o.SavePlausible != "" {
			return InputErrorf("--save-plausible needs --plausible N (the number of plausible vectors to draw)")
		}
		return nil
	}
	switch {
	case o.Plausible < 2:
		return InputErrorf("--plausible %d: draw at least 2 plausible vectors (one shows no spread)", o.Plausible)
	case !(o.Epsilon > 0) || math.IsInf(o.Epsilon, 0):
		return InputErrorf("--epsilon %v: must be a number above 0 (1: every target within its tolerance)", o.Epsilon)
	case o.Generations < 1:
		return InputErrorf("--generations %d: at least 1", o.Generations)
	case o.Budget < 0 || (o.Budget > 0 && o.Budget < o.Plausible):
		return InputErrorf("--abc-budget %d: at least the %d vectors of one generation (0: the default)", o.Budget, o.Plausible)
	case !(o.Scale > 0 && o.Scale <= 1):
		return InputErrorf("--abc-scale %v: must be in (0, 1]", o.Scale)
	}
	if o.SavePlausible != "" && !force {
		if _, err := os.Stat(o.SavePlausible); err == nil {
			return InputErrorf("%s exists; choose another --save-plausible path or overwrite it with --force", o.SavePlausible)
		}
	}
	for i, p := range sw.Box() {
		if p.Integer {
			return InputErrorf("%s: parameters[%d] (%s) is an integer; ABC (--plausible) draws continuous parameters only, so drop integer: true or the --plausible flag",
				sw.File(), i, p.Name)
		}
	}
	for i, t := range sw.Targets {
		if !(t.Tolerance > 0) {
			return InputErrorf("%s:%d: targets[%d].tolerance: target %s has none; ABC (--plausible) measures each target in units of its tolerance, so give every target one",
				sw.File(), sw.TargetLine(i), i, datasets.ClipQ(t.Name))
		}
	}
	sw.WithABC(datasets.ABCSpec{Particles: o.Plausible, Generations: o.Generations, Budget: o.Budget, Epsilon: o.Epsilon, StartScale: o.Scale})
	return nil
}

// Settings are ABC's settings; nil without a plausible set.
func (o ABCOptions) Settings() *design.ABCSettings {
	if o.Plausible == 0 {
		return nil
	}
	return &design.ABCSettings{Epsilon: o.Epsilon, Particles: o.Plausible, Generations: o.Generations,
		MaxEvaluations: o.Budget, StartScale: o.Scale}
}

// abcDistance is the largest |model − observed| / tolerance over the
// targets: with threshold 1, a vector is plausible when every target is
// inside its tolerance.
func abcDistance(sw *datasets.Sweep) func(y []float64) float64 {
	return func(y []float64) float64 {
		var d float64
		for i, t := range sw.Targets {
			r := math.Abs(y[i]-t.Value) / t.Tolerance
			if math.IsNaN(r) {
				return math.Inf(1)
			}
			d = max(d, r)
		}
		return d
	}
}

// DrawPlausible runs ABC with settings s from the calibration's point
// (the fit, or the scenario's values for a check), with the study's
// seed, measuring with the evaluator Calibrate was given. A set short of
// its vectors (the budget ran out) is noted on log.
func (c *Calibration) DrawPlausible(s *design.ABCSettings, log io.Writer) error {
	box := c.Sweep.Box()
	if !box.Contains(c.Fit.X) {
		var parts []string
		for i, p := range box {
			parts = append(parts, fmt.Sprintf("%s = %g in [%g, %g]", p.Name, c.Fit.X[i], p.Lo, p.Hi))
		}
		return InputErrorf("%s: ABC starts from the scenario's values, and they are outside the study's ranges (%s); widen the ranges under parameters:",
			c.Sweep.File(), strings.Join(parts, ", "))
	}
	set := *s
	set.Start = slices.Clone(c.Fit.X)
	set.Seed = c.Sweep.Seed
	t0 := time.Now()
	res, err := design.ABC(box, c.model, abcDistance(c.Sweep), &set)
	if err != nil {
		return err
	}
	c.ABC, c.ABCSettings, c.ABCTime = res, &set, time.Since(t0)
	if !res.Converged && log != nil {
		fmt.Fprintf(log, "calibrate: ABC ran out of its budget of %d evaluations; the plausible set has %d of the %d vectors asked for (raise --abc-budget)\n",
			res.Evaluations, len(res.Final()), set.Particles)
	}
	return nil
}

// WeightedQuantiles are the weighted q-quantiles of x.
func WeightedQuantiles(x, w []float64, qs ...float64) []float64 {
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = design.WeightedQuantile(x, w, q)
	}
	return out
}

// PlausibleRows are the rows of plausible_vectors: every evaluation ABC
// made.
func (c *Calibration) PlausibleRows() []store.PlausibleRow {
	last := c.ABC.FinalGeneration
	var rows []store.PlausibleRow
	for i, p := range c.ABC.Particles {
		params, outs := map[string]float64{}, map[string]any{}
		for k, sp := range c.Sweep.Parameters {
			params[sp.Path] = p.X[k]
		}
		for k, t := range c.Sweep.Targets {
			if v := p.Outputs[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				outs[t.Name] = v
			} else {
				outs[t.Name] = nil
			}
		}
		pj, _ := json.Marshal(params)
		oj, _ := json.Marshal(outs)
		rows = append(rows, store.PlausibleRow{Name: c.Sweep.Name, Particle: i, Generation: p.Generation,
			Epsilon: c.ABC.Epsilons[p.Generation-1], Distance: p.Distance, Accepted: p.Accepted,
			Final: p.Generation == last && p.Accepted, Weight: p.Weight, Parameters: string(pj), Outputs: string(oj), Version: c.Version})
	}
	return rows
}

// PlausibleSet is the plausible set as msgmon robust reads it: the final
// generation's vectors, each with its weight and distance, named by its
// particle number in plausible_vectors plus one, and the provenance in
// comments.
func (c *Calibration) PlausibleSet() *datasets.PlausibleSet {
	res, s := c.ABC, c.ABCSettings
	from := "the fit"
	if c.Check {
		from = "the scenario's values (calibrate --check)"
	}
	ps := &datasets.PlausibleSet{Comments: []string{
		"msgmon plausible behaviour vectors: approximate Bayesian computation by population Monte Carlo",
		"(Beaumont, Cornuet, Marin and Robert 2009), models/ODD.md \"Calibration and validation\".",
		fmt.Sprintf("Study %s (sweep %s), msgmon %s, %s.", c.File, c.ID, c.Version, time.Now().UTC().Format("2006-01-02")),
		fmt.Sprintf("Accepted: every target within %g x its tolerance (distance: the largest |model - observed| / tolerance).", s.Epsilon),
		"Prior: uniform over the study's ranges (log-uniform for scale: log):",
	}}
	for i, p := range c.Sweep.Parameters {
		b := c.Sweep.Box()[i]
		ps.Comments = append(ps.Comments, fmt.Sprintf("  %s in [%g, %g], %s", p.Path, b.Lo, b.Hi, b.Scale))
	}
	ps.Comments = append(ps.Comments,
		fmt.Sprintf("First proposal: normal around %s, sd %g of each range; then %d generations in all (thresholds %s),",
			from, s.StartScale, len(res.Epsilons), fmtFloats(res.Epsilons)),
		fmt.Sprintf("%d evaluations of %d targets x %d replicates; %d vectors, effective sample size %.1f.",
			res.Evaluations, len(c.Sweep.Targets), c.Sweep.Replicates, len(res.Final()), res.ESS()),
		"Weights are importance weights (prior / proposal), normalised: draw vectors in proportion to them.")
	for _, p := range c.Sweep.Parameters {
		ps.Paths = append(ps.Paths, p.Path)
	}
	last := res.FinalGeneration
	for i, p := range res.Particles {
		if p.Generation == last && p.Accepted {
			ps.Vectors = append(ps.Vectors, datasets.PlausibleVector{ID: i + 1, Weight: p.Weight, Distance: p.Distance, Values: slices.Clone(p.X)})
		}
	}
	return ps
}

func fmtFloats(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%.3g", x))
	}
	return strings.Join(parts, ", ")
}

// PlausibleCSV is the plausible set's CSV, to be saved at path (named in
// a problem): checked by reading it back.
func (c *Calibration) PlausibleCSV(path string) ([]byte, error) {
	var b bytes.Buffer
	ps := c.PlausibleSet()
	if err := ps.WriteCSV(&b); err != nil {
		return nil, err
	}
	if _, err := datasets.ParsePlausible(path, b.Bytes()); err != nil {
		return nil, fmt.Errorf("calibrate: the plausible set does not read back: %w", err)
	}
	return b.Bytes(), nil
}
