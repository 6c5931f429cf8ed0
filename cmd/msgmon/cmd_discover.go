package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/reports"
)

type discoverOptions struct {
	DB       string
	Batch    string
	Arm      string
	Than     string
	Metric   string
	Limits   []string
	Find     string
	Boxes    int
	Coverage float64
	NoReport bool
}

func newDiscoverCommand() *cobra.Command {
	var o discoverOptions
	c := &cobra.Command{
		Use:   "discover",
		Short: "Find where in the inputs of a robust study or sweep the answer holds or fails",
		Long: `Discover is scenario discovery (Bryant & Lempert 2010) over a batch already
in the database: a robust study (each slot a case: its behaviour vector and
the assumptions drawn from their ranges) or a sweep (each point a case).
It asks of every case whether --arm beats --than on --metric (the metric's
own direction: higher is better, or lower for users lost, reactions and
churn; "more" where neither is), from the means over the case's
replicates, and whether each --limit holds ("churn_messages_per_1000 <=
service + 50": at most the arm service's value plus 50; a plain number is
an absolute bound).

The cases where the answer fails (or holds, with --find holds; by default
the rarer answer) are the cases of interest. PRIM, the patient rule
induction method (Friedman & Fisher 1999), peels the inputs' ranges a
little at a time towards boxes dense in them; each box is the densest step
of its peeling trajectory that covers at least --coverage of the cases of
interest left, pasted back where that keeps it as dense, and the next box
is peeled from the cases outside it (covering, up to --boxes). Each box
is printed as a sentence ("... fails when user.tolerance_median below 2.1
and models.status_ads.cpm.default above 6.4: 81 % of the cases where it
fails (coverage), density 0.77"), with its limits, their quasi-p-values
(Bryant & Lempert's binomial test of each restriction) and its trajectory;
a classification tree (CART, Breiman et al. 1984) is a second view.

Every box, trajectory step and leaf is stored in table discovery. For a
robust study the discovery is added as a page to its report
(<study>.pdf next to the database); for a sweep it is written to
<batch>-<discovery id>.pdf; --no-report writes neither.`,
		Example: `  msgmon robust --vectors 64
  msgmon discover --batch robust-default-1a2b3c4d5e6f --arm service+paid_push --than service+subscription \
      --metric platform_revenue_per_user_year --limit "churn_messages_per_1000 <= service + 50"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiscover(cmd.Context(), &o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", defaultDB, "results database holding the batch")
	f.StringVar(&o.Batch, "batch", "", "the robust study or sweep (its id: robust-<scenario>-<hash> or sweep-<name>-<hash>; msgmon query \"SELECT sweep_id, design FROM sweeps\" lists them)")
	f.StringVar(&o.Arm, "arm", "", "the arm the question is about")
	f.StringVar(&o.Than, "than", "", "the arm it is compared with")
	f.StringVar(&o.Metric, "metric", "platform_revenue_per_user_year", "the metric it should beat the other arm on (a run_totals column)")
	f.StringArrayVar(&o.Limits, "limit", nil, `a condition on the arm's value, "metric <= number" or "metric <= arm + number" (>= for at least); repeatable`)
	f.StringVar(&o.Find, "find", "", "the cases of interest: fails or holds (default: the rarer answer)")
	f.IntVar(&o.Boxes, "boxes", 2, "the most boxes to find (covering), 1 to 10")
	f.Float64Var(&o.Coverage, "coverage", 0.7, "the least share of the cases of interest left a box must cover, in (0, 1]")
	f.BoolVar(&o.NoReport, "no-report", false, "do not write the PDF")
	return c
}

// question builds the question from the flags, checking what needs no
// database.
func (o *discoverOptions) question() (reports.Question, error) {
	var q reports.Question
	switch {
	case o.Batch == "":
		return q, usageErr("discover needs --batch: the id of a robust study or sweep in %s (msgmon query --db %s \"SELECT sweep_id, design, points FROM sweeps\" lists them)", o.DB, o.DB)
	case o.Arm == "" || o.Than == "":
		return q, usageErr("discover needs --arm and --than: the question is whether --arm beats --than on --metric")
	case o.Find != "" && o.Find != "fails" && o.Find != "holds":
		return q, usageErr("--find %s: give fails or holds", o.Find)
	case o.Boxes < 1 || o.Boxes > 10:
		return q, usageErr("--boxes %d: give 1 to 10", o.Boxes)
	case !(o.Coverage > 0 && o.Coverage <= 1):
		return q, usageErr("--coverage %v: give a share above 0 and at most 1, such as 0.7", o.Coverage)
	}
	k, ok := store.LookupKPI(o.Metric)
	if !ok {
		var cols []string
		for _, k := range store.KPIs() {
			cols = append(cols, k.Column)
		}
		return q, usageErr("--metric %s: unknown; the metrics are %s", o.Metric, strings.Join(cols, ", "))
	}
	q = reports.Question{Arm: o.Arm, Than: o.Than, Metric: k}
	for _, s := range o.Limits {
		l, err := reports.ParseLimit(s)
		if err != nil {
			return q, usageErr("--limit: %v", err)
		}
		q.Limits = append(q.Limits, l)
	}
	return q, nil
}

func runDiscover(ctx context.Context, o *discoverOptions, stdout, stderr io.Writer) error {
	q, err := o.question()
	if err != nil {
		return err
	}
	if err := checkPaths(nil, dbArgs(o.DB)); err != nil {
		return err
	}
	if !fileExists(o.DB) {
		return usageErr("discover: no results database at %s; run msgmon robust or msgmon sweep first, or pass --db", o.DB)
	}
	db, err := study.OpenStore(ctx, o.DB, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	cases, err := reports.LoadCases(ctx, db, o.Batch, q)
	if err != nil {
		return usageErr("discover: %v", err)
	}
	x, err := reports.Discover(cases, q, reports.DiscoverOptions{Find: o.Find, Boxes: o.Boxes, Coverage: o.Coverage})
	if err != nil {
		return usageErr("discover: %v", err)
	}
	x.Version = version()
	if err := db.WriteDiscovery(ctx, x.ID, x.StoreRows()); err != nil {
		return err
	}
	if err := x.Write(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nstored in %s: msgmon query --db %s \"SELECT kind, box, coverage, density, sentence FROM discovery WHERE discovery_id = '%s' AND kind <> 'step'\"\n",
		o.DB, o.DB, x.ID)
	if o.NoReport {
		return nil
	}
	dir := filepath.Dir(o.DB)
	if cases.Design == "robust" {
		r, err := reports.LoadRobustStudy(ctx, db, o.Batch)
		if err != nil {
			return err
		}
		r.Version = version()
		r.Discoveries = []*reports.Discovery{x}
		pdf := filepath.Join(dir, o.Batch+".pdf")
		if err := checkPaths(nil, []pathArg{fileArg("the robust report", pdf)}); err != nil {
			return err
		}
		if err := reports.SaveRobust(r, pdf, true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s (the robust report with this discovery's page)\n", pdf)
		return nil
	}
	pdf := filepath.Join(dir, o.Batch+"-"+x.ID+".pdf")
	if err := checkPaths(nil, []pathArg{fileArg("the discovery report", pdf)}); err != nil {
		return err
	}
	if err := reports.SaveDiscovery(x, pdf, true); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", pdf)
	return nil
}
