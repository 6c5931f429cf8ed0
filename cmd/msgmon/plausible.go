package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	"gonum.org/v1/gonum/stat"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/reports"
	"github.com/msgmon/msgmon/sim/experiment/design"
)

// abcOptions are calibrate's flags for the plausible set: approximate
// Bayesian computation after the fit.
type abcOptions struct {
	Plausible     int
	Epsilon       float64
	Generations   int
	ABCBudget     int
	ABCScale      float64
	SavePlausible string
}

func (o *abcOptions) AddFlags(f *pflag.FlagSet) {
	f.IntVar(&o.Plausible, "plausible", 0, "after the fit, draw this many plausible parameter vectors by ABC (at least 2; 0: none)")
	f.Float64Var(&o.Epsilon, "epsilon", 1, "ABC accepts a vector when every target is within epsilon times its tolerance")
	f.IntVar(&o.Generations, "generations", 2, "ABC generations at least (population Monte Carlo steps)")
	f.IntVar(&o.ABCBudget, "abc-budget", 0, "ABC evaluations at most (0: 20 x plausible x generations)")
	f.Float64Var(&o.ABCScale, "abc-scale", 0.05, "ABC's first proposal: standard deviation around the fit, as a share of each parameter's range (log range for scale: log)")
	f.StringVar(&o.SavePlausible, "save-plausible", "", "write the plausible set to this CSV file (msgmon robust --plausible FILE reads it)")
}

// check refuses settings ABC cannot use, before anything runs, and marks
// the study as one that draws a plausible set.
func (o *abcOptions) check(sw *datasets.Sweep, force bool) error {
	if o.Plausible == 0 {
		if o.SavePlausible != "" {
			return usageErr("--save-plausible needs --plausible N (the number of plausible vectors to draw)")
		}
		return nil
	}
	switch {
	case o.Plausible < 2:
		return usageErr("--plausible %d: draw at least 2 plausible vectors (one shows no spread)", o.Plausible)
	case !(o.Epsilon > 0) || math.IsInf(o.Epsilon, 0):
		return usageErr("--epsilon %v: must be a number above 0 (1: every target within its tolerance)", o.Epsilon)
	case o.Generations < 1:
		return usageErr("--generations %d: at least 1", o.Generations)
	case o.ABCBudget < 0 || (o.ABCBudget > 0 && o.ABCBudget < o.Plausible):
		return usageErr("--abc-budget %d: at least the %d vectors of one generation (0: the default)", o.ABCBudget, o.Plausible)
	case !(o.ABCScale > 0 && o.ABCScale <= 1):
		return usageErr("--abc-scale %v: must be in (0, 1]", o.ABCScale)
	}
	if o.SavePlausible != "" && !force {
		if _, err := os.Stat(o.SavePlausible); err == nil {
			return usageErr("%s exists; choose another --save-plausible path or overwrite it with --force", o.SavePlausible)
		}
	}
	for i, p := range sw.Box() {
		if p.Integer {
			return usageErr("%s: parameters[%d] (%s) is an integer; ABC (--plausible) draws continuous parameters only, so drop integer: true or the --plausible flag",
				sw.File(), i, p.Name)
		}
	}
	for i, t := range sw.Targets {
		if !(t.Tolerance > 0) {
			return usageErr("%s:%d: targets[%d].tolerance: target %s has none; ABC (--plausible) measures each target in units of its tolerance, so give every target one",
				sw.File(), sw.TargetLine(i), i, datasets.ClipQ(t.Name))
		}
	}
	sw.WithABC(datasets.ABCSpec{Particles: o.Plausible, Generations: o.Generations, Budget: o.ABCBudget, Epsilon: o.Epsilon, StartScale: o.ABCScale})
	return nil
}

// settings are the ABC settings of the flags; nil without --plausible.
func (o *abcOptions) settings() *design.ABCSettings {
	if o.Plausible == 0 {
		return nil
	}
	return &design.ABCSettings{Epsilon: o.Epsilon, Particles: o.Plausible, Generations: o.Generations,
		MaxEvaluations: o.ABCBudget, StartScale: o.ABCScale}
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

// drawPlausible runs ABC from the calibration's point (the fit, or the
// scenario's values for a check), with the study's seed.
func (c *calibration) drawPlausible(s *design.ABCSettings, stderr io.Writer) error {
	box := c.sw.Box()
	if !box.Contains(c.fit.X) {
		var parts []string
		for i, p := range box {
			parts = append(parts, fmt.Sprintf("%s = %g in [%g, %g]", p.Name, c.fit.X[i], p.Lo, p.Hi))
		}
		return usageErr("%s: ABC starts from the scenario's values, and they are outside the study's ranges (%s); widen the ranges under parameters:",
			c.sw.File(), strings.Join(parts, ", "))
	}
	set := *s
	set.Start = slices.Clone(c.fit.X)
	set.Seed = c.sw.Seed
	t0 := time.Now()
	res, err := design.ABC(box, c.model, abcDistance(c.sw), &set)
	if err != nil {
		return err
	}
	c.abc, c.abcSet, c.abcTime = res, &set, time.Since(t0)
	if !res.Converged {
		fmt.Fprintf(stderr, "calibrate: ABC ran out of its budget of %d evaluations; the plausible set has %d of the %d vectors asked for (raise --abc-budget)\n",
			res.Evaluations, len(res.Final()), set.Particles)
	}
	return nil
}

// weightedQuantiles are the weighted q-quantiles of x.
func weightedQuantiles(x, w []float64, qs ...float64) []float64 {
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = design.WeightedQuantile(x, w, q)
	}
	return out
}

// printPlausible prints the plausible set: how it was drawn and each
// parameter's and target's weighted spread over it.
func (c *calibration) printPlausible(w io.Writer) {
	res, fin := c.abc, c.abc.Final()
	from := "the fit"
	if c.check {
		from = "the scenario's values"
	}
	fmt.Fprintf(w, "\nPlausible set (approximate Bayesian computation, population Monte Carlo from %s): %d vectors in %d generations, %d evaluations in %s, effective sample size %.0f\n",
		from, len(fin), len(res.Epsilons), res.Evaluations, c.abcTime.Round(time.Second), res.ESS())
	fmt.Fprintf(w, "accepted: every target within %g x its tolerance; prior uniform over the ranges (log-uniform for scale: log)\n\n", c.abcSet.Epsilon)
	wt := make([]float64, len(fin))
	for i, p := range fin {
		wt[i] = p.Weight
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parameter\tat the fit\tweighted mean\t5 %\t95 %\tmin\tmax\t")
	for i, p := range c.sw.Parameters {
		x := make([]float64, len(fin))
		for k, q := range fin {
			x[k] = q.X[i]
		}
		qs := weightedQuantiles(x, wt, 0.05, 0.95)
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t\n", p.Path, c.fit.X[i], stat.Mean(x, wt), qs[0], qs[1], slices.Min(x), slices.Max(x))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tobserved\ttolerance\t5 %\t95 %\t")
	for i, t := range c.sw.Targets {
		y := make([]float64, len(fin))
		for k, q := range fin {
			y[k] = q.Outputs[i]
		}
		qs := weightedQuantiles(y, wt, 0.05, 0.95)
		fmt.Fprintf(tw, "%s\t%.4g\t±%.3g\t%.4g\t%.4g\t\n", t.Name, t.Value, t.Tolerance, qs[0], qs[1])
	}
	tw.Flush()
}

// plausibleRows are the rows of plausible_vectors: every evaluation.
func (c *calibration) plausibleRows() []store.PlausibleRow {
	last := c.abc.FinalGeneration
	var rows []store.PlausibleRow
	for i, p := range c.abc.Particles {
		params, outs := map[string]float64{}, map[string]any{}
		for k, sp := range c.sw.Parameters {
			params[sp.Path] = p.X[k]
		}
		for k, t := range c.sw.Targets {
			if v := p.Outputs[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				outs[t.Name] = v
			} else {
				outs[t.Name] = nil
			}
		}
		pj, _ := json.Marshal(params)
		oj, _ := json.Marshal(outs)
		rows = append(rows, store.PlausibleRow{Name: c.sw.Name, Particle: i, Generation: p.Generation,
			Epsilon: c.abc.Epsilons[p.Generation-1], Distance: p.Distance, Accepted: p.Accepted,
			Final: p.Generation == last && p.Accepted, Weight: p.Weight, Parameters: string(pj), Outputs: string(oj), Version: version()})
	}
	return rows
}

// plausibleSet is the plausible set as msgmon robust reads it: the final
// generation's vectors, each with its weight and distance, named by its
// particle number in plausible_vectors plus one, and the provenance in
// comments.
func (c *calibration) plausibleSet() *datasets.PlausibleSet {
	res, s := c.abc, c.abcSet
	from := "the fit"
	if c.check {
		from = "the scenario's values (calibrate --check)"
	}
	ps := &datasets.PlausibleSet{Comments: []string{
		"msgmon plausible behaviour vectors: approximate Bayesian computation by population Monte Carlo",
		"(Beaumont, Cornuet, Marin and Robert 2009), models/ODD.md \"Calibration and validation\".",
		fmt.Sprintf("Study %s (sweep %s), msgmon %s, %s.", c.file, c.id, version(), time.Now().UTC().Format("2006-01-02")),
		fmt.Sprintf("Accepted: every target within %g x its tolerance (distance: the largest |model - observed| / tolerance).", s.Epsilon),
		"Prior: uniform over the study's ranges (log-uniform for scale: log):",
	}}
	for i, p := range c.sw.Parameters {
		b := c.sw.Box()[i]
		ps.Comments = append(ps.Comments, fmt.Sprintf("  %s in [%g, %g], %s", p.Path, b.Lo, b.Hi, b.Scale))
	}
	ps.Comments = append(ps.Comments,
		fmt.Sprintf("First proposal: normal around %s, sd %g of each range; then %d generations in all (thresholds %s),",
			from, s.StartScale, len(res.Epsilons), fmtFloats(res.Epsilons)),
		fmt.Sprintf("%d evaluations of %d targets x %d replicates; %d vectors, effective sample size %.1f.",
			res.Evaluations, len(c.sw.Targets), c.sw.Replicates, len(res.Final()), res.ESS()),
		"Weights are importance weights (prior / proposal), normalised: draw vectors in proportion to them.")
	for _, p := range c.sw.Parameters {
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

// savePlausible writes the plausible set's CSV, checked by reading it
// back.
func (c *calibration) savePlausible(path string) error {
	var b bytes.Buffer
	ps := c.plausibleSet()
	if err := ps.WriteCSV(&b); err != nil {
		return err
	}
	if _, err := datasets.ParsePlausible(path, b.Bytes()); err != nil {
		return fmt.Errorf("calibrate: the plausible set does not read back: %w", err)
	}
	return reports.WriteBytes(path, b.Bytes())
}
