package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/msgmon/msgmon/datasets/store"
)

// This file holds every query behind the report's charts: each function
// returns the series a chart draws, and the chart code only draws.

// Selection chooses the runs of a report. The first field set wins:
// RunIDs, then BatchID, then Scenario (its latest batch); with none set,
// the latest batch in the database.
type Selection struct {
	RunIDs   []int64
	BatchID  string
	Scenario string
	// Baseline is the arm the others are compared with; empty: the
	// scenario's baseline, else the first arm.
	Baseline string
}

// Run is one selected run.
type Run struct {
	ID        int64
	BatchID   string
	Arm       string
	Models    string
	Replicate int
	Seed      uint64
	Version   string
	Started   time.Time
	Finished  time.Time
	// Point is the run's point of a sweep (runs.params' "point"), -1
	// for a run of no sweep.
	Point int
	// ScenarioHash is the hash of the run's scenario.
	ScenarioHash string
}

// Runs are the selected runs and what they share.
type Runs struct {
	// BatchID is the batch of the runs, or "" when they span batches.
	BatchID      string
	Scenario     string // names joined by ", " when they differ
	ScenarioHash string // hashes joined by ", " when they differ
	Description  string // from the first run's scenario_json
	Baseline     string // from scenario_json compare.baseline, else the first arm
	// Users, Businesses and Days are the largest of the runs (the
	// population runs.users, businesses and days record, overrides such as
	// --users included); the Min fields the smallest.
	Users, MinUsers           int
	Businesses, MinBusinesses int
	Days, MinDays             int
	Replicates                int      // the most runs of any arm
	Arms                      []string // in order of their first run
	Runs                      []Run    // ordered by run_id
}

// IDs are the run ids in order.
func (r *Runs) IDs() []int64 {
	ids := make([]int64, len(r.Runs))
	for i, x := range r.Runs {
		ids[i] = x.ID
	}
	return ids
}

// where is the SQL condition selecting the runs (on a table or view with
// a run_id column).
func (r *Runs) where() string { return idList(r.IDs()) }

func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "run_id IN (" + strings.Join(s, ", ") + ")"
}

// SelectionError says a Selection matches no stored runs.
type SelectionError struct{ Msg string }

func (e *SelectionError) Error() string { return "reports: " + e.Msg }

// SelectRuns resolves sel to stored runs.
func SelectRuns(ctx context.Context, db *store.DB, sel Selection) (*Runs, error) {
	var where string
	switch {
	case len(sel.RunIDs) > 0:
		where = idList(sel.RunIDs)
	case sel.BatchID != "":
		where = "batch_id = " + quote(sel.BatchID)
	default:
		cond := ""
		if sel.Scenario != "" {
			cond = " WHERE scenario = " + quote(sel.Scenario)
		}
		// The latest batch: the one holding the highest run id.
		where = "batch_id = (SELECT arg_max(batch_id, run_id) FROM runs" + cond + ")"
	}
	t, err := db.Query(ctx, `SELECT run_id, batch_id, arm, models, replicate, CAST(seed AS VARCHAR), msgmon_version,
		started_at, finished_at, scenario, scenario_hash, CAST(scenario_json AS VARCHAR), users, businesses, days,
		coalesce(CAST(json_extract(params, '$.point') AS INTEGER), -1)
		FROM runs WHERE `+where+` ORDER BY run_id`)
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		switch {
		case len(sel.RunIDs) > 0:
			return nil, &SelectionError{fmt.Sprintf("none of the runs %v is in the database", sel.RunIDs)}
		case sel.BatchID != "":
			return nil, &SelectionError{"no runs in batch " + sel.BatchID}
		case sel.Scenario != "":
			return nil, &SelectionError{"no runs of scenario " + sel.Scenario}
		}
		return nil, &SelectionError{"the database holds no runs"}
	}
	if len(sel.RunIDs) > 0 && len(t.Rows) != len(sel.RunIDs) {
		found := map[int64]bool{}
		for _, row := range t.Rows {
			found[toInt(row[0])] = true
		}
		var missing []string
		for _, id := range sel.RunIDs {
			if !found[id] {
				missing = append(missing, strconv.FormatInt(id, 10))
			}
		}
		return nil, &SelectionError{"no run with id " + strings.Join(missing, ", ")}
	}
	r := &Runs{}
	var batches, scenarios, hashes []string
	perArm := map[string]int{}
	for i, row := range t.Rows {
		seed, _ := strconv.ParseUint(fmt.Sprint(row[5]), 10, 64)
		run := Run{ID: toInt(row[0]), BatchID: str(row[1]), Arm: str(row[2]), Models: str(row[3]),
			Replicate: int(toInt(row[4])), Seed: seed, Version: str(row[6])}
		run.Started, _ = row[7].(time.Time)
		run.Finished, _ = row[8].(time.Time)
		run.ScenarioHash, run.Point = str(row[10]), int(toInt(row[15]))
		r.Runs = append(r.Runs, run)
		addUnique(&batches, run.BatchID)
		addUnique(&scenarios, str(row[9]))
		addUnique(&hashes, str(row[10]))
		if perArm[run.Arm] == 0 {
			r.Arms = append(r.Arms, run.Arm)
		}
		perArm[run.Arm]++
		r.Replicates = max(r.Replicates, perArm[run.Arm])
		u, b, d := int(toInt(row[12])), int(toInt(row[13])), int(toInt(row[14]))
		if i == 0 {
			r.MinUsers, r.MinBusinesses, r.MinDays = u, b, d
		}
		r.Users, r.MinUsers = max(r.Users, u), min(r.MinUsers, u)
		r.Businesses, r.MinBusinesses = max(r.Businesses, b), min(r.MinBusinesses, b)
		r.Days, r.MinDays = max(r.Days, d), min(r.MinDays, d)
		if i == 0 {
			var sc struct {
				Description string `json:"description"`
				Compare     struct {
					Baseline string `json:"baseline"`
				} `json:"compare"`
			}
			if js := str(row[11]); js != "" {
				_ = json.Unmarshal([]byte(js), &sc) // the description is optional
			}
			r.Description = sc.Description
			r.Baseline = sc.Compare.Baseline
		}
	}
	if len(batches) == 1 {
		r.BatchID = batches[0]
	}
	r.Scenario = strings.Join(scenarios, ", ")
	r.ScenarioHash = strings.Join(hashes, ", ")
	if sel.Baseline != "" {
		if !slices.Contains(r.Arms, sel.Baseline) {
			return nil, &SelectionError{fmt.Sprintf("baseline %s is not an arm of the selected runs; their arms are %s",
				sel.Baseline, strings.Join(r.Arms, ", "))}
		}
		r.Baseline = sel.Baseline
	}
	if !slices.Contains(r.Arms, r.Baseline) {
		r.Baseline = r.Arms[0]
	}
	return r, nil
}

func addUnique(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Metric is a per-run daily quantity drawn over time.
type Metric struct {
	Name    string // file stem of its chart
	Title   string
	YLabel  string
	Caption string
	// expr is a SQL expression over a daily_usd row; cumulative metrics
	// are its running sum over the days of a run.
	expr       string
	cumulative bool
}

// The metrics drawn over time, in report order.
var (
	ActiveFollows = Metric{Name: "active-follows", Title: "Active follows",
		YLabel:  "active follows at end of day (count)",
		Caption: "Follows of businesses still active at the end of each day: mean over replicates per arm, shaded 95 % confidence band.",
		expr:    "active_follows"}
	ReachMessages = Metric{Name: "reach-messages", Title: "Daily reach of business messages",
		YLabel:  "users reached per day (count)",
		Caption: "Distinct users who received at least one business message on each day: mean per arm with 95 % band.",
		expr:    "reach_messages"}
	ReachAds = Metric{Name: "reach-ads", Title: "Daily reach of ads in Status",
		YLabel:  "users reached per day (count)",
		Caption: "Distinct users who saw at least one ad between statuses on each day: mean per arm with 95 % band.",
		expr:    "reach_ads"}
	CumulativeChurn = Metric{Name: "churn-cumulative", Title: "Cumulative follows ended",
		YLabel:  "follows ended since day 0",
		Caption: "Follows ended by users (unfollows, lapses and blocks of a followed business), summed from the first day: mean per arm with 95 % band.",
		// Runs stored before schema version 2 have no follows_blocked;
		// their blocks (all of them) stand in.
		expr: "unfollows + coalesce(follows_blocked, blocks)", cumulative: true}
	CumulativePlatformRevenue = Metric{Name: "platform-revenue-cumulative", Title: "Cumulative platform revenue",
		YLabel:  "platform revenue (USD)",
		Caption: "What the platform earned from businesses and users (all sources), summed from the first day: mean per arm with 95 % band.",
		expr:    "platform_revenue_usd", cumulative: true}
	CumulativeBusinessRevenue = Metric{Name: "business-revenue-cumulative", Title: "Cumulative business revenue",
		YLabel:  "business revenue since day 0 (USD)",
		Caption: "Sales of all businesses from conversions, summed from the first day: mean per arm with 95 % band.",
		expr:    "business_revenue", cumulative: true}
)

// TimeMetrics are the metrics of the over-time charts, in report order.
var TimeMetrics = []Metric{ActiveFollows, ReachMessages, ReachAds, CumulativeChurn,
	CumulativePlatformRevenue, CumulativeBusinessRevenue}

// Band is one arm's daily mean of a metric over replicates with the half
// width of its 95 % confidence interval (Student's t with n-1 degrees of
// freedom); HalfWidth is NaN where a day has one replicate.
type Band struct {
	Arm       string
	Day       []float64
	N         []int
	Mean      []float64
	HalfWidth []float64
}

// tHalfWidth is the half width of the 95 % t-interval of a mean of n values
// with sample standard deviation sd; NaN for n < 2.
func tHalfWidth(sd float64, n int) float64 {
	if n < 2 || math.IsNaN(sd) {
		return math.NaN()
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return t * sd / math.Sqrt(float64(n))
}

// Bands returns m per arm and day over the selected runs, in runs.Arms order.
func Bands(ctx context.Context, db *store.DB, runs *Runs, m Metric) ([]Band, error) {
	v := "CAST(" + m.expr + " AS DOUBLE)"
	if m.cumulative {
		v = "CAST(sum(" + m.expr + ") OVER (PARTITION BY run_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS DOUBLE)"
	}
	t, err := db.Query(ctx, `WITH v AS (SELECT run_id, day, `+v+` AS v FROM daily_usd WHERE `+runs.where()+`)
		SELECT r.arm, v.day, count(*), avg(v.v), stddev_samp(v.v)
		FROM v JOIN runs r USING (run_id) GROUP BY r.arm, v.day ORDER BY r.arm, v.day`)
	if err != nil {
		return nil, err
	}
	byArm := map[string]*Band{}
	for _, row := range t.Rows {
		arm := str(row[0])
		b := byArm[arm]
		if b == nil {
			b = &Band{Arm: arm}
			byArm[arm] = b
		}
		n := int(toInt(row[2]))
		b.Day = append(b.Day, float64(toInt(row[1])))
		b.N = append(b.N, n)
		b.Mean = append(b.Mean, toFloat(row[3]))
		b.HalfWidth = append(b.HalfWidth, tHalfWidth(toFloat(row[4]), n))
	}
	var out []Band
	for _, a := range runs.Arms {
		if b := byArm[a]; b != nil {
			out = append(out, *b)
		}
	}
	return out, nil
}

// Outcomes are one arm's business outcomes, one value per business and
// run (pooled over replicates).
type Outcomes struct {
	Arm string
	// FollowerChange is followers_end - followers_start.
	FollowerChange []float64
	// ReturnOnSpend is the return on messaging spend, (attributed revenue
	// - spend) / spend, for businesses whose messaging cost something
	// (spend > 0) only. Attributed revenue is that of the conversions a
	// click on one of the business's messages caused at once (the
	// business_channels rows' revenue_micros, summed over the business's
	// channels); service conversions no message caused are not in it.
	// Messaging spend is what the business paid for messages and
	// subscriptions (spend_messages_micros + spend_subscriptions_micros):
	// a subscription's per-follower fee pays for its messages too.
	ReturnOnSpend []float64
	// TotalRevenueOnSpend is the business's total revenue (every
	// conversion, caused by a message or not) per dollar of messaging
	// spend, for the same businesses: not a return on the spend, kept for
	// comparison.
	TotalRevenueOnSpend []float64
}

// BusinessOutcomes returns the business outcomes per arm, in runs.Arms order.
func BusinessOutcomes(ctx context.Context, db *store.DB, runs *Runs) ([]Outcomes, error) {
	t, err := db.Query(ctx, `WITH c AS (SELECT run_id, business_id, sum(revenue_micros) AS revenue
			FROM business_channels WHERE `+runs.where()+` GROUP BY run_id, business_id),
		b AS (SELECT *, spend_messages_micros + spend_subscriptions_micros AS spend FROM business_summary WHERE `+runs.where()+`)
		SELECT r.arm, CAST(b.followers_end - b.followers_start AS DOUBLE),
		CASE WHEN b.spend > 0 THEN CAST(coalesce(c.revenue, 0) - b.spend AS DOUBLE) / CAST(b.spend AS DOUBLE) END,
		CASE WHEN b.spend > 0 THEN CAST(b.revenue_micros AS DOUBLE) / CAST(b.spend AS DOUBLE) END
		FROM b JOIN runs r USING (run_id) LEFT JOIN c USING (run_id, business_id)
		ORDER BY b.run_id, b.business_id`)
	if err != nil {
		return nil, err
	}
	byArm := map[string]*Outcomes{}
	for _, a := range runs.Arms {
		byArm[a] = &Outcomes{Arm: a}
	}
	for _, row := range t.Rows {
		o := byArm[str(row[0])]
		o.FollowerChange = append(o.FollowerChange, toFloat(row[1]))
		if row[2] != nil {
			o.ReturnOnSpend = append(o.ReturnOnSpend, toFloat(row[2]))
			o.TotalRevenueOnSpend = append(o.TotalRevenueOnSpend, toFloat(row[3]))
		}
	}
	out := make([]Outcomes, len(runs.Arms))
	for i, a := range runs.Arms {
		out[i] = *byArm[a]
	}
	return out, nil
}

// ParetoPoint is one arm's (or one sweep point and arm's) final churn and
// platform revenue.
type ParetoPoint struct {
	Arm            string
	Label          string   // drawn next to the point; "" draws Arm
	Churn, Revenue Estimate // paretoChurn (churn caused by messages per 1,000 follows); paretoRevenue (platform revenue per user and year)
	// Runs are the point's runs, replicate by replicate: what its paired
	// differences to another point are computed from.
	Runs       []ParetoRun
	OnFrontier bool
}

// ParetoRun is one run of a Pareto point: its churn and revenue, and the
// key that pairs it with the run of another point on the same population
// and random numbers (batch and replicate in a comparison; replicate and
// seed over a sweep's points).
type ParetoRun struct {
	Pair           string
	Churn, Revenue float64
}

func (p ParetoPoint) label() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Arm
}

// Pareto takes each arm's churn caused by messages per 1,000 follows and
// platform revenue per user and year from a comparison, with each arm's
// runs, and marks the arms no other arm dominates (Dominates).
func Pareto(c *Comparison) []ParetoPoint {
	ci, ri := c.kpiIndex(paretoChurn), c.kpiIndex(paretoRevenue)
	pts := make([]ParetoPoint, len(c.Rows))
	for i, r := range c.Rows {
		pts[i] = ParetoPoint{Arm: r.Arm, Churn: r.KPI[ci], Revenue: r.KPI[ri]}
		for _, s := range r.Samples {
			pts[i].Runs = append(pts[i].Runs, ParetoRun{Pair: s.Pair, Churn: s.KPI[ci], Revenue: s.KPI[ri]})
		}
	}
	markFrontier(pts)
	return pts
}

// PairedDiff is the paired difference a − b of churn and of revenue over
// the runs the two points share (the same pairing key), each with its
// 95 % interval (Student's t); N is the number of pairs, and with fewer
// than 2 the interval is NaN.
func PairedDiff(a, b ParetoPoint) (churn, revenue Estimate) {
	var dc, dr []float64
	for _, x := range a.Runs {
		for _, y := range b.Runs {
			if x.Pair == y.Pair {
				dc, dr = append(dc, x.Churn-y.Churn), append(dr, x.Revenue-y.Revenue)
				break
			}
		}
	}
	return estimate(dc), estimate(dr)
}

// Dominates reports whether a dominates b: on both criteria (churn lower,
// revenue higher) a is no worse, and on at least one it is better, where
// better and worse need the paired difference's 95 % interval to exclude
// 0. Where the interval includes 0 the two are tied on that criterion, so
// a difference within the replicates' noise (churn −0.7 ± 0.8) makes no
// arm dominated; so does an interval that cannot be computed (fewer than
// 2 runs in common, a figure that is not a number).
func Dominates(a, b ParetoPoint) bool {
	churn, revenue := PairedDiff(a, b)
	// sign is +1 where a is better, −1 where worse, 0 for a tie.
	sign := func(d Estimate, higherBetter bool) int {
		switch {
		case math.IsNaN(d.HalfWidth) || !(d.Lo() > 0 || d.Hi() < 0):
			return 0
		case (d.Lo() > 0) == higherBetter:
			return 1
		}
		return -1
	}
	c, r := sign(churn, false), sign(revenue, true)
	return c >= 0 && r >= 0 && (c > 0 || r > 0)
}

// markFrontier marks the points no other point dominates.
func markFrontier(pts []ParetoPoint) {
	for i := range pts {
		pts[i].OnFrontier = true
		for j := range pts {
			if j != i && Dominates(pts[j], pts[i]) {
				pts[i].OnFrontier = false
				break
			}
		}
	}
}

// Frontier returns the points on the Pareto frontier ordered by churn.
func Frontier(pts []ParetoPoint) []ParetoPoint {
	var f []ParetoPoint
	for _, p := range pts {
		if p.OnFrontier {
			f = append(f, p)
		}
	}
	slices.SortStableFunc(f, func(a, b ParetoPoint) int {
		switch {
		case a.Churn.Mean < b.Churn.Mean:
			return -1
		case a.Churn.Mean > b.Churn.Mean:
			return 1
		}
		return 0
	})
	return f
}

// The Pareto charts weigh the platform's revenue against the churn the
// messages cause (natural lapse left out: no model changes it), both
// headline figures of the registry.
const (
	paretoChurn   = "churn_messages_per_1000"
	paretoRevenue = "platform_revenue_per_user_year"
)

func (c *Comparison) kpiIndex(column string) int { return kpiIndex(c.KPIs, column) }

// kpiIndex is the index of column in kpis.
func kpiIndex(kpis []KPI, column string) int {
	for i, k := range kpis {
		if k.Column == column {
			return i
		}
	}
	panic("reports: no KPI column " + column)
}
