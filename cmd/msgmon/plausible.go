package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	"gonum.org/v1/gonum/stat"

	"github.com/msgmon/msgmon/datasets/study"
)

// abcOptions are calibrate's flags for the plausible set: approximate
// Bayesian computation after the fit.
type abcOptions struct{ study.ABCOptions }

func (o *abcOptions) AddFlags(f *pflag.FlagSet) {
	f.IntVar(&o.Plausible, "plausible", 0, "after the fit, draw this many plausible parameter vectors by ABC (at least 2; 0: none)")
	f.Float64Var(&o.Epsilon, "epsilon", 1, "ABC accepts a vector when every target is within epsilon times its tolerance")
	f.IntVar(&o.Generations, "generations", 2, "ABC generations at least (population Monte Carlo steps)")
	f.IntVar(&o.Budget, "abc-budget", 0, "ABC evaluations at most (0: 20 x plausible x generations)")
	f.Float64Var(&o.Scale, "abc-scale", 0.05, "ABC's first proposal: standard deviation around the fit, as a share of each parameter's range (log range for scale: log)")
	f.StringVar(&o.SavePlausible, "save-plausible", "", "write the plausible set to this CSV file (msgmon robust --plausible FILE reads it)")
}

// printPlausible prints the plausible set: how it was drawn and each
// parameter's and target's weighted spread over it.
func printPlausible(c *study.Calibration, w io.Writer) {
	res, fin := c.ABC, c.ABC.Final()
	from := "the fit"
	if c.Check {
		from = "the scenario's values"
	}
	fmt.Fprintf(w, "\nPlausible set (approximate Bayesian computation, population Monte Carlo from %s): %d vectors in %d generations, %d evaluations in %s, effective sample size %.0f\n",
		from, len(fin), len(res.Epsilons), res.Evaluations, c.ABCTime.Round(time.Second), res.ESS())
	fmt.Fprintf(w, "accepted: every target within %g x its tolerance; prior uniform over the ranges (log-uniform for scale: log)\n\n", c.ABCSettings.Epsilon)
	wt := make([]float64, len(fin))
	for i, p := range fin {
		wt[i] = p.Weight
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parameter\tat the fit\tweighted mean\t5 %\t95 %\tmin\tmax\t")
	for i, p := range c.Sweep.Parameters {
		x := make([]float64, len(fin))
		for k, q := range fin {
			x[k] = q.X[i]
		}
		qs := study.WeightedQuantiles(x, wt, 0.05, 0.95)
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t\n", p.Path, c.Fit.X[i], stat.Mean(x, wt), qs[0], qs[1], slices.Min(x), slices.Max(x))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tobserved\ttolerance\t5 %\t95 %\t")
	for i, t := range c.Sweep.Targets {
		y := make([]float64, len(fin))
		for k, q := range fin {
			y[k] = q.Outputs[i]
		}
		qs := study.WeightedQuantiles(y, wt, 0.05, 0.95)
		fmt.Fprintf(tw, "%s\t%.4g\t±%.3g\t%.4g\t%.4g\t\n", t.Name, t.Value, t.Tolerance, qs[0], qs[1])
	}
	tw.Flush()
}
