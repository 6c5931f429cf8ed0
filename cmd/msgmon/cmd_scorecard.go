package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/reports"
)

type scorecardOptions struct {
	sweepOptions
	Facts      string
	IDs        []string
	Scale      float64
	Replicates int
	Overlay    string
	NoReport   bool
}

// factFailedError: a fact of the scorecard failed. The table is printed,
// stored and drawn all the same.
type factFailedError struct{ error }

func (e factFailedError) Unwrap() error { return e.error }

func newScorecardCommand() *cobra.Command {
	var o scorecardOptions
	c := &cobra.Command{
		Use:   "scorecard",
		Short: "Hold the model against what the world reports, fact by fact",
		Long: `Scorecard runs the scenarios a facts file needs and measures each fact the way
its source measured it: platform revenue from paid messaging per user and
year on the world preset, the push-disable survey, business conversations
and the Updates tab's daily share, the folder open rate, directions (open
rates fall as users follow more accounts; a per-user cap lowers volume and
raises the read rate) and the order of opt-outs per message across
channels, and checks of the rate card loaded. Without --facts it uses the
embedded scorecard (datasets/facts/scorecard.yaml).

Per fact it prints and stores (table scorecard) the value the source
reports, the band within which the model agrees, the model's figure (mean
over the replicates, common random numbers, with its 95 % interval) and
pass or fail, and writes a PDF page with the table and a chart next to the
database (--no-report skips it). A fact with against: is a ratio of two
runs on the same seeds; significant: asks that its interval lie inside the
band too.

--scale f runs every fact's scenario at f times its users and businesses
(a small world for CI; sampling noise grows as the size falls). --overlay
applies a calibrated overlay (calibrate --save) to every scenario first.

Exit code 5: a fact failed (after the table is printed, stored and drawn).
Every run is stored; an interrupted scorecard resumes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScorecard(cmd.Context(), &o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database (created if missing)")
	f.StringVar(&o.Facts, "facts", "", "facts file (default: the embedded datasets/facts/scorecard.yaml)")
	f.StringArrayVar(&o.IDs, "fact", nil, "measure only this fact (repeat for more)")
	f.Float64Var(&o.Scale, "scale", 1, "run every fact at this multiple of its users and businesses (0.01 to 10)")
	f.IntVar(&o.Replicates, "replicates", 0, "runs per measured arm (0: the facts file's replicates:)")
	f.StringVar(&o.Overlay, "overlay", "", "apply this overlay (calibrate --save) to every scenario first")
	f.IntVar(&o.Parallel, "parallel", 0, "runs at a time (0: one per core, fewer if memory is short)")
	f.IntVar(&o.Workers, "workers", 0, "worker goroutines per run (0: cores / parallel)")
	f.BoolVar(&o.NoReport, "no-report", false, "skip the PDF report")
	return c
}

// factResult is a fact with the model's figure.
type factResult struct {
	fact      *datasets.Fact
	model, se float64
	n         int
	half      float64 // 95 % half-width
	pass      bool
	sweepID   string
	measure   string
	markets   []reports.MarketShare // by_market: charges by market
}

func runScorecard(ctx context.Context, o *scorecardOptions, stdout, stderr io.Writer) error {
	if !(o.Scale >= 0.01 && o.Scale <= 10) {
		return usageErr("--scale %v: must be between 0.01 and 10 (a multiple of every fact's users and businesses)", o.Scale)
	}
	if o.Replicates != 0 && (o.Replicates < 2 || o.Replicates > 1000) {
		return usageErr("--replicates %d: must be between 2 and 1000 (0: the facts file's)", o.Replicates)
	}
	var reads []pathArg
	if o.Facts != "" {
		if err := readableFile("--facts", o.Facts, "a facts file (datasets/facts/scorecard.yaml is one)"); err != nil {
			return err
		}
		reads = append(reads, fileArg("--facts "+o.Facts, o.Facts))
	}
	if o.Overlay != "" {
		if err := readableFile("--overlay", o.Overlay, "an overlay file (calibrate --save writes one)"); err != nil {
			return err
		}
		reads = append(reads, fileArg("--overlay "+o.Overlay, o.Overlay))
	}
	writes := dbArgs(o.DB)
	if !o.NoReport {
		writes = append(writes, pathArg{name: "the scorecard report (scorecard-*.pdf next to --db)", path: filepath.Dir(o.DB),
			folder: true, writes: matching("scorecard-*.pdf")})
	}
	if err := checkPaths(reads, writes); err != nil {
		return err
	}
	var facts *datasets.Facts
	var err error
	if o.Facts == "" {
		facts, err = datasets.DefaultFacts()
	} else {
		facts, err = datasets.LoadFacts(o.Facts)
	}
	if err != nil {
		return inputErrorOf(err)
	}
	if facts, err = facts.Select(o.IDs); err != nil {
		return usageErr("--fact: %v", err)
	}
	if o.Replicates > 0 {
		facts.Replicates = o.Replicates
	}
	var ov *datasets.Overlay
	if o.Overlay != "" {
		if ov, err = datasets.ReadOverlay(o.Overlay); err != nil {
			return err
		}
	}
	results := make([]factResult, len(facts.Facts))
	for i := range facts.Facts {
		results[i] = factResult{fact: &facts.Facts[i], model: math.NaN(), se: math.NaN(), half: math.NaN()}
	}
	// Input facts: read from the loaded scenario.
	for i, ft := range facts.Facts {
		if ft.Input == "" {
			continue
		}
		s, err := facts.ScenarioFor(i)
		if err != nil {
			return inputErrorOf(err)
		}
		v, err := inputQuantity(ft.Input, s)
		if err != nil {
			return usageErr("%s:%d: facts[%d].input: %v", facts.File(), facts.Line(i), i, err)
		}
		results[i].model, results[i].measure, results[i].n = v, "input", 0
	}
	var db *store.DB
	for _, sc := range facts.Scenarios() {
		sw, ms, err := facts.Study(sc, o.Scale)
		if err != nil {
			return inputErrorOf(err)
		}
		if sw == nil {
			continue // input facts only
		}
		if err := sw.CheckOutputs(store.RunTotalsColumns()); err != nil {
			return err
		}
		if ov != nil {
			if _, err := ov.ApplyWith(sw.BaseName(), sw.BaseData(), sw.SetOverrides()); err != nil {
				return err
			}
			sw.ApplyOverlay(ov)
		}
		ev, err := study.NewEvaluator(ctx, studyOptions(o.DB, o.Parallel, o.Workers, false, nil, stderr), sw, []store.SweepColumn{{Path: "target", Column: "target", Type: "VARCHAR"}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "scorecard: %s: %d runs of %d arms (sweep %s)\n", sc, len(sw.Targets)*facts.Replicates, len(sw.Targets), ev.ID)
		var extras [][]datasets.Override
		var labels []string
		var exprs [][]string
		ev.TargetArms = make([]string, len(sw.Targets))
		ev.Horizons = make([]int, len(sw.Targets))
		ev.Reps = true
		for i, t := range sw.Targets {
			extras = append(extras, sw.TargetOverrides(i))
			labels = append(labels, t.Name)
			exprs = append(exprs, []string{t.Output})
			ev.TargetArms[i], ev.Horizons[i] = t.Arm, t.Horizon
		}
		own := map[int][]float64{}
		got, err := ev.Measure(ctx, nil, extras, labels, exprs)
		if err != nil {
			ev.DB.Close()
			return err
		}
		for _, m := range ms {
			if ft := &facts.Facts[m.Fact]; ft.ByMarket && !m.Against {
				t, err := ev.DB.QueryReadOnly(ctx, fmt.Sprintf(`SELECT market, avg(n_users)::DOUBLE AS users,
	sum(message_charges) / nullif(sum(sum(message_charges)) OVER (), 0) AS share,
	avg(message_charges_per_user_year) AS per_user_year, avg(messages_per_user_week) AS per_user_week
FROM market_summary WHERE batch_id = '%s' AND run_id IN (SELECT run_id FROM runs WHERE params->>'target' = '%s')
GROUP BY market ORDER BY share DESC NULLS LAST, market`, ev.ID, strings.ReplaceAll(ft.ID, "'", "''")))
				if err != nil {
					ev.DB.Close()
					return err
				}
				for _, row := range t.Rows {
					f := func(v any) float64 {
						x, ok := v.(float64)
						if !ok {
							return math.NaN()
						}
						return x
					}
					results[m.Fact].markets = append(results[m.Fact].markets, reports.MarketShare{Market: fmt.Sprint(row[0]),
						Users: f(row[1]), Share: f(row[2]), PerUserYear: f(row[3]), PerUserWeek: f(row[4])})
				}
			}
		}
		ev.DB.Close()
		// The fact's own run, then (for a ratio) the run it is divided by.
		for j, m := range ms {
			r := &results[m.Fact]
			mean, sd, n := got[j].Mean[0], got[j].SD[0], got[j].N
			se := math.NaN()
			if n > 1 {
				se = sd / math.Sqrt(float64(n))
			}
			r.sweepID = ev.ID
			if !m.Against {
				r.model, r.se, r.n, r.measure = mean, se, n, "value"
				own[m.Fact] = got[j].Reps[0]
				continue
			}
			// A ratio on the same seeds: the ratio of the means, with the
			// standard error of the replicates' own ratios (paired: the
			// population and random numbers cancel, the changes remain).
			r.model, r.measure = r.model/mean, "ratio"
			var ratios []float64
			for k, v := range own[m.Fact] {
				if k < len(got[j].Reps[0]) {
					ratios = append(ratios, v/got[j].Reps[0][k])
				}
			}
			r.n = len(ratios)
			r.se = math.NaN()
			if r.n > 1 {
				r.se = stat.StdDev(ratios, nil) / math.Sqrt(float64(r.n))
			}
		}
	}
	failed := 0
	for i := range results {
		r := &results[i]
		b := r.fact.Band
		if r.n > 1 && !math.IsNaN(r.se) {
			r.half = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(r.n - 1)}.Quantile(0.975) * r.se
		} else if r.measure == "input" {
			r.half = 0
		}
		r.pass = b.Contains(r.model)
		if r.pass && b.Significant {
			r.pass = !math.IsNaN(r.half) && b.Contains(r.model-r.half) && b.Contains(r.model+r.half)
		}
		if !r.pass {
			failed++
		}
	}
	id := scorecardID(facts, o.Scale, o.Overlay)
	printScorecard(stdout, results, facts, o.Scale)
	if db, err = study.OpenStore(ctx, o.DB, stderr); err != nil {
		return err
	}
	defer db.Close()
	var rows []store.ScorecardRow
	var view []reports.ScorecardFact
	for _, r := range results {
		ft := r.fact
		rows = append(rows, store.ScorecardRow{ScorecardID: id, Fact: ft.ID, Quantity: ft.Quantity, Unit: ft.Unit, Scenario: ft.Scenario,
			Arm: ft.Arm, Measure: r.measure, Output: ft.Output, Horizon: ft.Horizon, Observed: ft.Value,
			Low: ft.Band.LowOr(math.NaN()), High: ft.Band.HighOr(math.NaN()), Significant: ft.Band.Significant, Basis: ft.Band.Basis,
			Model: r.model, SE: r.se, Replicates: r.n, Pass: r.pass, Source: ft.Source, SourceDate: ft.SourceDate,
			SweepID: r.sweepID, FactsFile: facts.File(), Scale: o.Scale, Version: version()})
		view = append(view, reports.ScorecardFact{ID: ft.ID, Quantity: ft.Quantity, Unit: ft.Unit, Scenario: ft.Scenario, Arm: ft.Arm,
			Measure: r.measure, Observed: ft.Value, Low: ft.Band.LowOr(math.Inf(-1)), High: ft.Band.HighOr(math.Inf(1)),
			Significant: ft.Band.Significant, Basis: ft.Band.Basis, Model: r.model, Half: r.half, Pass: r.pass, Source: ft.Source + ", " + ft.SourceDate,
			Markets: r.markets})
	}
	if err := db.WriteScorecard(ctx, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nStored in %s (table scorecard, scorecard_id '%s').\n", o.DB, id)
	if !o.NoReport {
		pdf := filepath.Join(filepath.Dir(o.DB), id+".pdf")
		size := "at the facts' own sizes"
		if o.Scale != 1 {
			size = fmt.Sprintf("at %g times their users and businesses", o.Scale)
		}
		summary := fmt.Sprintf("%d of %d facts pass, measured on %s %s, %d replicates each (common random numbers).",
			len(results)-failed, len(results), strings.Join(facts.Scenarios(), ", "), size, facts.Replicates)
		if o.Overlay != "" {
			summary += " Overlay: " + o.Overlay + "."
		}
		rep := &reports.ScorecardReport{ID: id, Version: version(), DB: o.DB, File: facts.File(), Summary: summary, Facts: view}
		if err := reports.SaveScorecard(rep, pdf, true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Report: %s\n", pdf)
	}
	if failed > 0 {
		var ids []string
		for _, r := range results {
			if !r.pass {
				ids = append(ids, r.fact.ID)
			}
		}
		return factFailedError{fmt.Errorf("scorecard: %d of %d facts fail: %s", failed, len(results), strings.Join(ids, ", "))}
	}
	return nil
}

// inputErrorOf marks a facts file's problem as bad input (exit 2).
func inputErrorOf(err error) error {
	var se *datasets.ScenarioError
	if errors.As(err, &se) {
		return err
	}
	return inputError{Err: err}
}

// scorecardID names a scorecard by what decides its figures: the facts
// (file bytes and selection), the scale, the overlay and the version.
func scorecardID(f *datasets.Facts, scale float64, overlay string) string {
	h := sha256.New()
	h.Write(f.Data())
	for _, ft := range f.Facts {
		fmt.Fprintf(h, "\x00%s", ft.ID)
	}
	fmt.Fprintf(h, "\x00%g\x00%d\x00%s\x00%s", scale, f.Replicates, overlay, version())
	return "scorecard-" + hex.EncodeToString(h.Sum(nil))[:12]
}

func printScorecard(w io.Writer, rs []factResult, f *datasets.Facts, scale float64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "fact\tscenario\tobserved\tband\tmodel (95 %)\t")
	for _, r := range rs {
		obs := "direction"
		if !math.IsNaN(r.fact.Value) {
			obs = fmt.Sprintf("%.4g", r.fact.Value)
		}
		model := "n/a"
		if !math.IsNaN(r.model) {
			model = fmt.Sprintf("%.4g", r.model)
			if r.half > 0 {
				model += fmt.Sprintf(" ± %.2g", r.half)
			}
		}
		band := r.fact.Band.String()
		if r.fact.Band.Significant {
			band += " *"
		}
		pass := "FAIL"
		if r.pass {
			pass = "pass"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.fact.ID, r.fact.Scenario, obs, band, model, pass)
	}
	tw.Flush()
	for _, r := range rs {
		if len(r.markets) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s by market (%s, %s; what businesses were charged for messages):\n", r.fact.ID, r.fact.Scenario, r.fact.Arm)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "market\tusers\tshare of charges\tUSD per user and year\tmessages per user and week\t")
		for _, m := range r.markets {
			fmt.Fprintf(tw, "%s\t%.0f\t%.1f %%\t%.3f\t%.2f\t\n", m.Market, m.Users, 100*m.Share, m.PerUserYear, m.PerUserWeek)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\n* the 95 %% interval must lie inside the band too. Facts from %s, %d replicates, scale %g.\n", f.File(), f.Replicates, scale)
}

// inputQuantity computes a quantity of the loaded scenario that an input
// fact names (datasets.InputQuantities).
func inputQuantity(name string, s *datasets.Scenario) (float64, error) {
	switch name {
	case "marketing_over_utility_price":
		var pp *models.PaidPushParams
		for _, m := range s.Models {
			if m.Name == "paid_push" {
				pp, _ = m.Params.(*models.PaidPushParams)
			}
		}
		if pp == nil {
			return 0, fmt.Errorf("the scenario %s has no paid_push model, whose rate card %s reads", s.Name, name)
		}
		price := func(t models.Prices, code string) float64 {
			if v, ok := t[code]; ok {
				return v
			}
			return t["default"]
		}
		var mk, ut float64
		for _, m := range s.Config.Markets {
			mk += m.Share * price(pp.PriceMarketing, m.Code)
			ut += m.Share * price(pp.PriceUtility, m.Code)
		}
		if ut == 0 {
			return math.Inf(1), nil
		}
		return mk / ut, nil
	}
	return 0, fmt.Errorf("msgmon cannot measure %q", name)
}
