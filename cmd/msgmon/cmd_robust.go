package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/reports"
)

type robustOptions struct {
	runOptions
	Baseline string
	Ranges   string
	List     bool
	NoReport bool
	Format   string
	Shard    shardOptions
}

func newRobustCommand() *cobra.Command {
	var o robustOptions
	o.robust = true
	c := &cobra.Command{
		Use:   "robust [scenario.yaml]",
		Short: "Compare the arms over every plausible user behaviour, not one fit",
		Long: `Robust runs a scenario's comparison over behaviour vectors drawn from a
plausible set, the weighted parameter vectors a calibration by approximate
Bayesian computation found consistent with the surveys, and says how far
the comparison's conclusions hold across them.

It draws robust.vectors vectors (default 20) in proportion to their
weights (systematic resampling seeded by the scenario's seed). Each drawn
vector is a slot k = 0..N-1: the scenario with the vector's values set (on
top of --overlay) and a seed of its own, derived from the scenario's seed
and k alone (a counter-based stream), so every slot has its own
population and random numbers; within a slot every arm runs
robust.replicates times (default 2) on the same ones, as in compare.

Each slot also draws the scenario's assumptions, every number no public
source gives (datasets/ranges/assumptions.csv: a low, a high, a
distribution and how the range was chosen), from a Latin hypercube over
the slots keyed by the scenario's seed and the number of slots: each of
the N equal slices of every range holds one slot. --list-assumptions shows
them; the scenario's robust: section holds some at its values (fix: [key
paths]), draws only some (draw: [...]) or none (assumptions: false, or
--assumptions=false: behaviour alone, as before assumptions had ranges).
Slot k is exactly msgmon compare with the vector and its assumptions as an
overlay (on top of any --overlay; sweep_points.params has them), --seed
the slot's seed (runs.scenario_json shows it) and --replicates R.

For each arm and metric (compare's headline figures: weekly reach of
messages and of ads, push and folder messages per user and week, users lost
to messages, negative reactions per 1,000 messages, churn caused by
messages, platform revenue per user and year, business net value) the
difference to the baseline in slot k is the mean over replicates of arm
minus baseline, replicate by replicate.
Over the slots it reports the mean difference; the 90 % plausible range
(5th to 95th percentile of the slot differences, linear interpolation);
P(better), the share of slots where the arm beats the baseline (each
figure's direction is the registry's: lower is better for users lost,
reactions and churn; for messages per user neither is, and P counts the
slots where the arm sends more; a slot with no difference at all is a tie,
not better, and the ties are counted); the median standard error within a slot, the
replicate noise in that spread ("-" with one replicate); and per metric
the probability that a slot ranks all the arms as their overall means do.
Then, per arm pair and metric, the inputs the difference depends on most:
Spearman's rank correlation of each input (a vector's parameter or an
assumption) with the slot differences (Helton & Davis 2003), * where it
is significant at 5 % after Bonferroni over the inputs (table
robust_sensitivity has every input). msgmon discover then finds where in
the inputs an answer holds or fails.

The plausible set is an embedded one (datasets/plausible/<name>.csv:
` + strings.Join(datasets.EmbeddedPlausibleNames(), ", ") + `) or a CSV file, relative to the scenario file when
named in it (robust.plausible) and to the current folder with --plausible.
Its format: comment lines starting with #, then the header
vector,weight,distance,<key path>,... and one line per vector.

Every run is stored (batch = the study id, runs.params = the slot's point
and vector; view sweep_robust_<scenario>), the summary goes to the
robust_results table and a PDF with a forest plot to <study>.pdf
next to the database unless --no-report. The study id comes from every
slot's scenario and the arms, so running the same command again resumes
(runs already stored are skipped) and --shard I/N splits the runs; after
msgmon merge, run the same command on the merged database to analyse it.`,
		Example: `  msgmon robust                                  # default scenario, 20 vectors x 2 replicates
  msgmon robust --users 2000 --days 60 --vectors 4 --replicates 2
  msgmon robust scenario.yaml --plausible my-abc.csv --baseline service --format csv
  msgmon robust --shard 1/2 && msgmon robust --shard 2/2 && msgmon merge msgmon-out/results.duckdb msgmon-out/results.shard-*-of-2.duckdb`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Shard.apply(&o.DB, cmd.ErrOrStderr()); err != nil {
				return err
			}
			return runRobust(cmd.Context(), &o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	addFormatFlag(c.Flags(), &o.Format)
	o.AddFlags(c.Flags())
	o.Shard.AddFlags(c.Flags())
	c.Flags().StringVar(&o.Baseline, "baseline", "", "arm the others are compared with (default: the scenario's baseline)")
	c.Flags().BoolVar(&o.NoReport, "no-report", false, "do not write the PDF report")
	c.Flags().StringVar(&o.Ranges, "ranges", "", "a CSV of your own ranges for some assumptions, in the format of datasets/ranges/assumptions.csv (key,cal,low,high,distribution,basis)")
	c.Flags().BoolVar(&o.List, "list-assumptions", false, "list the scenario's assumptions, their ranges and what a slot draws, and run nothing")
	return c
}

// listAssumptions prints the scenario's assumptions: those a slot draws,
// those it holds and why.
func listAssumptions(w io.Writer, plan *study.RobustPlan) error {
	_, fixed, err := plan.Scenario.Assumptions()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Scenario %s: each of the %d slots draws %d assumptions from their ranges (%s; a Latin hypercube over the slots) and the plausible set's %d parameters (%s):\n\n",
		plan.Scenario.Name, len(plan.Slots), len(plan.Assumptions), datasets.RangesFile, len(plan.Set.Paths), strings.Join(plan.Set.Paths, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "assumption\tvalue\tlow\thigh\tdistribution\tfrom\thow the range was chosen\t")
	for _, a := range plan.Assumptions {
		v, _ := plan.Scenario.Number(a.Path)
		from := a.Range.Where()
		if a.Cal != "" {
			from = "!cal " + a.Cal
		}
		fmt.Fprintf(tw, "%s\t%g\t%g\t%g\t%s\t%s\t%s\t\n", a.Path, v, a.Range.Low, a.Range.High, a.Range.Distribution, from, a.Range.Basis)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(fixed) > 0 {
		fmt.Fprintf(w, "\nHeld at the scenario's values (not drawn):\n")
		for _, a := range fixed {
			fmt.Fprintf(w, "  %s: %s\n", a.Path, a.Range.Basis)
		}
	}
	if s := plan.Scenario.Robust; !s.Assumptions || len(s.Draw) > 0 || len(s.Fix) > 0 {
		fmt.Fprintf(w, "\nThe scenario's robust: section (or --assumptions) chooses: assumptions %v, draw %v, fix %v.\n", s.Assumptions, s.Draw, s.Fix)
	}
	return nil
}

func runRobust(ctx context.Context, o *robustOptions, args []string, stdout, stderr io.Writer) error {
	plan, err := planRobust(o, args)
	if err != nil {
		return err
	}
	if o.List {
		return listAssumptions(stdout, plan)
	}
	if err := checkPaths(robustReads(o, plan, args), robustWrites(o, plan)); err != nil {
		return err
	}
	db, err := study.ExecuteRobust(ctx, studyOptions(o.DB, o.Parallel, o.Workers, o.Quiet, &o.Shard, stderr), plan)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.Shard.run != nil {
		o.Shard.shardDone(stdout, o.DB)
		fmt.Fprintf(stdout, "then analyse it: the same msgmon robust command with --db on the merged database (it runs nothing new)\n")
		return nil
	}
	data, err := reports.LoadRobust(ctx, db, plan.ID, plan.Baseline, plan.Arms, len(plan.Slots), plan.Scenario.Robust.Replicates, reports.RobustMetrics())
	if err != nil {
		return err
	}
	data.Inputs, data.Assumptions = plan.Paths, len(plan.Assumptions)
	data.ArmModels = map[string][]string{}
	for _, a := range plan.Scenario.Arms() {
		data.ArmModels[a.Name] = a.Models
	}
	for k := range plan.Slots {
		data.X = append(data.X, plan.X(k))
	}
	r, err := reports.AnalyseRobust(*data)
	if err != nil {
		return err
	}
	r.StudyID, r.Scenario, r.Plausible, r.Version = plan.ID, plan.Scenario.Name, plan.Set.File, version()
	r.SetVectors, r.ESS = len(plan.Set.Vectors), plan.Set.ESS()
	if err := db.WriteRobust(ctx, plan.ID, r.StoreRows()); err != nil {
		return err
	}
	if err := db.WriteRobustSensitivity(ctx, plan.ID, r.SensitivityRows()); err != nil {
		return err
	}
	if err := r.WriteFormat(stdout, o.Format); err != nil {
		return err
	}
	note := notes(o.Format, stdout, stderr)
	runs := len(plan.Slots) * len(plan.Arms) * plan.Scenario.Robust.Replicates
	fmt.Fprintf(note, "\n%d runs stored in %s (study %s); query them with: msgmon query --db %s \"SELECT * FROM %s\" (one row per run, with its slot and vector) or \"SELECT * FROM robust_results WHERE study_id = '%s'\"\n",
		runs, o.DB, plan.ID, o.DB, store.SweepView(plan.Name), plan.ID)
	if o.NoReport {
		return nil
	}
	pdf := filepath.Join(filepath.Dir(o.DB), plan.ID+".pdf") // robust-<scenario>-<hash>.pdf
	if err := reports.SaveRobust(r, pdf, true); err != nil {
		return err
	}
	fmt.Fprintf(note, "report: %s\n", pdf)
	return nil
}

// scenarioSource is the text of the scenario the arguments name and its
// name in problems.
func (o *scenarioOptions) scenarioSource(args []string) (string, []byte, error) {
	if len(args) > 0 {
		data, err := os.ReadFile(args[0])
		return args[0], data, err
	}
	preset := o.Preset
	if preset == "" {
		preset = "default"
	}
	data, err := datasets.EmbeddedYAML(preset)
	return "datasets/scenarios/" + preset + ".yaml", data, err
}

// loadPlausible finds the plausible set value names: an embedded set, or a
// file relative to the scenario file (relTo; "" for the current folder).
// from says where the value came from, for the user.
func loadPlausible(value, relTo, from string) (*datasets.PlausibleSet, error) {
	if slices.Contains(datasets.EmbeddedPlausibleNames(), value) {
		return datasets.EmbeddedPlausible(value)
	}
	path := value
	if relTo != "" && !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(relTo), path)
	}
	set, err := datasets.ReadPlausible(path)
	var se *datasets.ScenarioError
	switch {
	case err == nil || errors.As(err, &se):
		return set, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageErr("%s %s: no such embedded plausible set (%s) or file %s", from, datasets.Clip(value), strings.Join(datasets.EmbeddedPlausibleNames(), ", "), datasets.Clip(path))
	}
	return nil, inputError{Err: fmt.Errorf("%s %s: %w", from, datasets.Clip(value), clipPathError(err))}
}

// planRobust checks the command line's arms and baseline, loads the
// plausible set and plans the study.
func planRobust(o *robustOptions, args []string) (*study.RobustPlan, error) {
	sc, err := o.load(args)
	if err != nil {
		return nil, err
	}
	// An arm that does not exist first: that it leaves out the baseline
	// is beside the point.
	if err := checkArmNames(sc, o.Arms); err != nil {
		return nil, err
	}
	base := o.Baseline
	if base == "" {
		base = sc.Baseline()
		if len(o.Arms) > 0 && !slices.Contains(o.Arms, base) {
			return nil, usageErr("--arm %s leaves out the baseline %s the others are compared with; add --arm %s, or name another with --baseline",
				strings.Join(o.Arms, " --arm "), base, base)
		}
	}
	if err := checkBaseline(sc, o.Arms, base); err != nil {
		return nil, err
	}
	var arms []string
	for _, a := range sc.Arms() {
		if len(o.Arms) == 0 || slices.Contains(o.Arms, a.Name) {
			arms = append(arms, a.Name)
		}
	}
	if len(arms) < 2 {
		if len(sc.Arms()) < 2 {
			return nil, usageErr("scenario %s has one arm (%s): robust compares arms, so enable another model or list arms under compare:", sc.Name, base)
		}
		return nil, usageErr("robust compares arms with %s: choose at least one other arm (--arm)", base)
	}
	var set *datasets.PlausibleSet
	if o.flags.Changed("plausible") {
		set, err = loadPlausible(sc.Robust.Plausible, "", "--plausible")
	} else {
		relTo, from := "", "robust.plausible"
		if len(args) > 0 {
			relTo, from = args[0], args[0]+": robust.plausible"
		}
		set, err = loadPlausible(sc.Robust.Plausible, relTo, from)
	}
	if err != nil {
		return nil, err
	}
	name, data, err := o.scenarioSource(args)
	if err != nil {
		return nil, err
	}
	file := "preset " + o.Preset
	if len(args) > 0 {
		file = args[0]
	} else if o.Preset == "" {
		file = "preset default"
	}
	var ranges *datasets.Ranges
	if o.Ranges != "" {
		user, err := datasets.ReadRanges(o.Ranges)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErr("--ranges %s: no such file", datasets.Clip(o.Ranges))
		}
		if err != nil {
			return nil, usageErr("--ranges: %v", err)
		}
		embedded, err := datasets.AssumptionRanges()
		if err != nil {
			return nil, err
		}
		if ranges, err = embedded.With(user); err != nil {
			return nil, usageErr("--ranges: %v", err)
		}
	}
	return study.PlanRobust(study.RobustOptions{Scenario: sc, Set: set, Arms: arms, Baseline: base,
		Source: name, Data: data, Overlay: o.Overlay, File: file, Ranges: ranges})
}
