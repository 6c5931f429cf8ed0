package store

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/msgmon/msgmon/models" // registers the models
	"github.com/msgmon/msgmon/sim"
)

// TestKPIRegistryComplete: every KPI of the registry has a label, a
// title, a unit, a direction, a phrase for robust and a one-line
// definition; columns are unique and each is a column of run_totals, of
// arm_summary (mean_ and sd_) and of a sweep's summary view; the headline
// figures come first.
func TestKPIRegistryComplete(t *testing.T) {
	cols := RunTotalsColumns()
	seen := map[string]bool{}
	headline := true
	for _, k := range KPIs() {
		if k.Column == "" || k.Label == "" || k.Title == "" || k.Unit == "" || k.Beats == "" || k.Definition == "" {
			t.Errorf("%s: a field is empty: %+v", k.Column, k)
		}
		if k.Better != HigherBetter && k.Better != LowerBetter && k.Better != NoBetter {
			t.Errorf("%s: no direction (%v)", k.Column, k.Better)
		}
		if strings.Contains(k.Definition, "\n") {
			t.Errorf("%s: the definition is more than one line", k.Column)
		}
		if seen[k.Column] {
			t.Errorf("%s twice in the registry", k.Column)
		}
		seen[k.Column] = true
		if !slices.Contains(cols, k.Column) || !IsRunTotal(k.Column) {
			t.Errorf("%s is not a column of run_totals", k.Column)
		}
		if k.Headline && !headline {
			t.Errorf("%s: a headline figure after the others", k.Column)
		}
		headline = k.Headline
		if got := MustKPI(k.Column); got.Column != k.Column {
			t.Errorf("MustKPI(%s) = %s", k.Column, got.Column)
		}
	}
	if n := len(HeadlineKPIs()); n != 9 {
		t.Errorf("%d headline figures, want 9", n)
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := SweepMeta{ID: "sweep-k-1", Name: "k", File: "k.yaml", Design: "grid", Replicates: 1, Spec: "{}",
		Columns: []SweepColumn{{Path: "users", Column: "users_set", Type: "DOUBLE"}}, Points: []string{`{"point": 0, "users_set": 1000}`}}
	if _, err := db.RegisterSweep(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{"arm_summary", "sweep_k_summary"} {
		tb, err := db.Query(ctx, "SELECT column_name FROM information_schema.columns WHERE table_name = '"+view+"'")
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, r := range tb.Rows {
			have[r[0].(string)] = true
		}
		for _, k := range KPIs() {
			if !have["mean_"+k.Column] || !have["sd_"+k.Column] {
				t.Errorf("%s has no mean_%[2]s or sd_%[2]s", view, k.Column)
			}
		}
	}
}

// kpiRun simulates a small run of the given days with service, paid push
// and Status ads, so that every figure has something to count.
func kpiRun(t *testing.T, users, businesses, days int, seed uint64) (*sim.Config, *sim.Result) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = users, businesses, days
	var ms []sim.Model
	for _, name := range []string{"service_only", "paid_push", "status_ads"} {
		f, ok := sim.Lookup(name)
		if !ok {
			t.Fatalf("model %s not registered", name)
		}
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	pop, err := sim.NewPopulation(&cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, ms...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &cfg, res
}

// kpisInGo computes every KPI of the registry from a run's result, in Go,
// as the registry's definitions say, without the store's SQL.
func kpisInGo(cfg *sim.Config, res *sim.Result) map[string]float64 {
	var tot sim.Daily
	for i := range res.Daily {
		tot.Add(&res.Daily[i])
	}
	last := res.Daily[len(res.Daily)-1]
	days := float64(len(res.Daily))
	users := float64(cfg.Users)
	// Weekly reach: the complete weeks, or the days there are.
	weeks := len(res.Daily) / 7
	var msgWeeks, adWeeks int64
	for _, d := range res.Daily {
		if weeks == 0 || d.Day < 7*weeks {
			msgWeeks += d.ReachMessagesWeek
			adWeeks += d.ReachAdsWeek
		}
	}
	weeks = max(weeks, 1)
	var followsStart int64
	for _, b := range res.Businesses {
		followsStart += b.FollowersStart
	}
	exposed := float64(followsStart + tot.FollowsGained)
	usd := func(m sim.Micros) float64 { return float64(m) / 1e6 }
	net := usd(tot.BusinessRevenue - tot.BusinessSpend - tot.ServiceCost)
	return map[string]float64{
		"reach_messages_weekly":          float64(msgWeeks) / float64(weeks),
		"reach_ads_weekly":               float64(adWeeks) / float64(weeks),
		"push_per_user_week":             float64(tot.SendsPush) / users / (days / 7),
		"folder_per_user_week":           float64(tot.SendsFolder) / users / (days / 7),
		"users_lost_pct":                 100 * float64(tot.UsersReacted) / users,
		"reactions_per_1000_msgs":        1000 * float64(tot.Mutes+tot.UnfollowsAnnoyed+tot.Blocks) / float64(tot.SendsPush+tot.SendsFolder),
		"churn_messages_per_1000":        1000 * float64(tot.UnfollowsAnnoyed+tot.FollowsBlocked) / exposed,
		"platform_revenue_per_user_year": usd(tot.PlatformTotal()) / users * 365 / days,
		"business_net_value":             net,
		"business_net_per_user_year":     net / users * 365 / days,
		"lapse_per_1000":                 1000 * float64(tot.Unfollows-tot.UnfollowsAnnoyed) / exposed,
		"churn_per_1000":                 1000 * float64(tot.Unfollows+tot.FollowsBlocked) / exposed,
		"reach_messages_cum":             float64(last.ReachMessagesCum),
		"reach_ads_cum":                  float64(last.ReachAdsCum),
		"active_follows_end":             float64(last.ActiveFollows),
		"platform_revenue_usd":           usd(tot.PlatformTotal()),
		"business_revenue":               usd(tot.BusinessRevenue),
		"business_spend":                 usd(tot.BusinessSpend),
		"user_spend":                     usd(tot.UserSpend),
	}
}

// TestKPISQLMatchesGo: for small runs of 17 days (two complete weeks and
// three days the weekly reach leaves out) and of 5 days (shorter than a
// week: its days are the week), each KPI's value in run_totals, computed
// by the registry's SQL, is what Go computes from the run's result by the
// definition; and market_summary's figures are the segments' sums.
func TestKPISQLMatchesGo(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, days := range []int{17, 5} {
		cfg, res := kpiRun(t, 800, 16, days, uint64(11+i))
		meta := testMeta(i)
		meta.Users, meta.Businesses, meta.Days = cfg.Users, cfg.Businesses, cfg.Days
		id, err := db.WriteRun(ctx, meta, res)
		if err != nil {
			t.Fatal(err)
		}
		want := kpisInGo(cfg, res)
		if want["push_per_user_week"] == 0 || want["reach_ads_weekly"] == 0 || want["reactions_per_1000_msgs"] == 0 || want["platform_revenue_per_user_year"] == 0 {
			t.Fatalf("%d days: the run has nothing to count: %v", days, want)
		}
		var sel []string
		for _, k := range KPIs() {
			sel = append(sel, "CAST("+k.Column+" AS DOUBLE)")
		}
		tb, err := db.Query(ctx, fmt.Sprintf("SELECT %s FROM run_totals WHERE run_id = %d", strings.Join(sel, ", "), id))
		if err != nil {
			t.Fatal(err)
		}
		for j, k := range KPIs() {
			w, ok := want[k.Column]
			if !ok {
				t.Errorf("%s: no Go computation in this test", k.Column)
				continue
			}
			got, _ := tb.Rows[0][j].(float64)
			if math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("%d days: %s = %v in SQL, %v in Go", days, k.Column, got, w)
			}
		}
		if w := want["reach_messages_weekly"]; days == 17 && w > want["reach_messages_cum"] {
			t.Errorf("weekly reach %v above the cumulative %v", w, want["reach_messages_cum"])
		}

		// market_summary: the segments of each market added up.
		type market struct {
			users, msgs         int64
			msgCharge, adCharge sim.Micros
		}
		mk := map[string]*market{}
		for _, g := range res.Segments {
			m := mk[g.Market]
			if m == nil {
				m = &market{}
				mk[g.Market] = m
			}
			m.users += g.Users
			m.msgs += g.MessagesReceived
			m.msgCharge += g.MessageCharges
			m.adCharge += g.AdCharges
		}
		tb, err = db.Query(ctx, fmt.Sprintf(`SELECT market, n_users, messages_delivered, CAST(message_charges AS DOUBLE), CAST(ad_charges AS DOUBLE),
			messages_per_user_week, message_charges_per_user_year, ad_charges_per_user_year FROM market_summary WHERE run_id = %d`, id))
		if err != nil {
			t.Fatal(err)
		}
		if len(tb.Rows) != len(mk) || len(mk) < 2 {
			t.Fatalf("%d markets in market_summary, %d in the result", len(tb.Rows), len(mk))
		}
		var charged sim.Micros
		for _, r := range tb.Rows {
			m := mk[r[0].(string)]
			charged += m.msgCharge + m.adCharge
			wantRow := []float64{float64(m.users), float64(m.msgs), m.msgCharge.Dollars(), m.adCharge.Dollars(),
				7 * float64(m.msgs) / float64(m.users) / float64(days),
				m.msgCharge.Dollars() * 365 / float64(m.users) / float64(days), m.adCharge.Dollars() * 365 / float64(m.users) / float64(days)}
			for j, w := range wantRow {
				var got float64
				switch v := r[1+j].(type) {
				case int64:
					got = float64(v)
				case float64:
					got = v
				}
				if math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("%d days, market %s, column %d: %v in SQL, %v in Go", days, r[0], j+1, got, w)
				}
			}
		}
		if charged == 0 {
			t.Errorf("%d days: no market was charged anything", days)
		}
	}
}
