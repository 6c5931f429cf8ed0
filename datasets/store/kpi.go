package store

import (
	"fmt"
	"slices"
)

// Direction says which way a KPI is better.
type Direction int8

const (
	// HigherBetter: more is better (reach, revenue).
	HigherBetter Direction = iota + 1
	// LowerBetter: less is better (users lost, reactions, churn).
	LowerBetter
	// NoBetter: neither way is better by itself (messages per user: more
	// earns more and annoys more); "more" is reported, not "better".
	NoBetter
)

func (d Direction) String() string {
	switch d {
	case HigherBetter:
		return "higher is better"
	case LowerBetter:
		return "lower is better"
	case NoBetter:
		return "neither way is better"
	}
	return fmt.Sprintf("Direction(%d)", int8(d))
}

// KPI is one figure per run, a column of run_totals: the one definition
// msgmon compare's table, its CSV and JSON, sweep's and robust's tables,
// the reports' tables and charts and the sweep views all read.
type KPI struct {
	// Column is its name in run_totals (and in the comparison's CSV and
	// JSON, the sweeps' summary views as mean_<Column> and sd_<Column>,
	// arm_summary the same, and robust_results.metric).
	Column string
	// Label is a short name for text tables ("reach msgs/wk").
	Label string
	// Title names it in charts and the PDF's tables.
	Title string
	// Unit is what a value counts ("users a week", "USD per user and year").
	Unit string
	// SQL computes it from run_totals' other columns (those before the
	// KPIs; see runTotalsSelect). Empty for one of run_totals' own sums,
	// which the view defines.
	SQL string
	// Digits are the decimals shown.
	Digits int
	// Better is which way is better.
	Better Direction
	// Beats finishes "<arm> Beats <other arm>" when the arm's value is the
	// better one (the higher one for NoBetter): "reaches more users a week
	// with messages than".
	Beats string
	// Definition is one line saying what it is, with its formula.
	Definition string
	// Headline marks the figures compare, sweep, robust and the reports
	// show; the others are in run_totals and the views for analysts.
	Headline bool
}

// LowerIsBetter reports whether a lower value is the better one.
func (k KPI) LowerIsBetter() bool { return k.Better == LowerBetter }

// registry is the KPI registry, headline figures first in the order of the tables.
var registry = []KPI{
	{
		Column: "reach_messages_weekly", Label: "reach msgs/wk", Title: "Weekly reach of messages", Unit: "users a week",
		SQL:    "CAST(reach_messages_user_weeks AS DOUBLE) / nullif(reach_weeks, 0)",
		Digits: 0, Better: HigherBetter, Beats: "reaches more users a week with messages than", Headline: true,
		Definition: "distinct users who got at least one proactive message in a week (days 7w to 7w+6), mean over the run's complete weeks " +
			"(over its days when it is shorter than a week): reach_messages_user_weeks / reach_weeks",
	},
	{
		Column: "reach_ads_weekly", Label: "reach ads/wk", Title: "Weekly reach of ads", Unit: "users a week",
		SQL:    "CAST(reach_ads_user_weeks AS DOUBLE) / nullif(reach_weeks, 0)",
		Digits: 0, Better: HigherBetter, Beats: "reaches more users a week with ads than", Headline: true,
		Definition: "distinct users who saw at least one Status ad in a week, mean over the run's complete weeks " +
			"(over its days when it is shorter than a week): reach_ads_user_weeks / reach_weeks",
	},
	{
		Column: "push_per_user_week", Label: "push/user/wk", Title: "Push messages per user and week", Unit: "messages per user and week",
		SQL:    "7 * CAST(sends_push AS DOUBLE) / nullif(CAST(users AS DOUBLE) * days_recorded, 0)",
		Digits: 2, Better: NoBetter, Beats: "sends more push messages per user than", Headline: true,
		Definition: "proactive messages delivered as push per user and week: sends_push / users / (days / 7)",
	},
	{
		Column: "folder_per_user_week", Label: "folder/user/wk", Title: "Folder messages per user and week", Unit: "messages per user and week",
		SQL:    "7 * CAST(sends_folder AS DOUBLE) / nullif(CAST(users AS DOUBLE) * days_recorded, 0)",
		Digits: 2, Better: NoBetter, Beats: "puts more messages per user into folders than", Headline: true,
		Definition: "proactive messages delivered into a folder (without a notification) per user and week: sends_folder / users / (days / 7)",
	},
	{
		Column: "users_lost_pct", Label: "users lost %", Title: "Users lost to messages", Unit: "% of users",
		SQL:    "100 * CAST(users_reacted AS DOUBLE) / nullif(users, 0)",
		Digits: 2, Better: LowerBetter, Beats: "loses fewer users to messages than", Headline: true,
		Definition: "share of users who muted, unfollowed out of annoyance or blocked a business at least once in the run, in %: " +
			"100 × users_reacted / users (each user counts once)",
	},
	{
		Column: "reactions_per_1000_msgs", Label: "neg/1000 msgs", Title: "Negative reactions per 1,000 messages", Unit: "per 1,000 messages delivered",
		SQL:    "1000 * CAST(mutes + unfollows_annoyed + blocks AS DOUBLE) / nullif(sends_push + sends_folder, 0)",
		Digits: 2, Better: LowerBetter, Beats: "draws fewer negative reactions per message than", Headline: true,
		Definition: "mutes, annoyed unfollows and blocks per 1,000 proactive messages delivered: " +
			"1000 × (mutes + unfollows_annoyed + blocks) / (sends_push + sends_folder); every block follows a message",
	},
	{
		Column: "churn_messages_per_1000", Label: "msg churn/1000", Title: "Churn caused by messages", Unit: "per 1,000 follows",
		SQL:    "1000 * CAST(unfollows_annoyed + follows_blocked AS DOUBLE) / nullif(follows_exposed, 0)",
		Digits: 1, Better: LowerBetter, Beats: "loses fewer follows to messages than", Headline: true,
		Definition: "follows ended by an annoyed unfollow or a block per 1,000 follows that existed during the run, natural lapse left out: " +
			"1000 × (unfollows_annoyed + follows_blocked) / follows_exposed",
	},
	{
		Column: "platform_revenue_per_user_year", Label: "platform $/user/yr", Title: "Platform revenue per user and year", Unit: "USD per user and year",
		SQL:    "CAST(platform_revenue_usd AS DOUBLE) * 365 / nullif(CAST(users AS DOUBLE) * days_recorded, 0)",
		Digits: 3, Better: HigherBetter, Beats: "earns the platform more per user than", Headline: true,
		Definition: "platform revenue from every source per user and year: platform_revenue_usd / users × 365 / days",
	},
	{
		Column: "business_net_value", Label: "business net $", Title: "Business net value", Unit: "USD",
		SQL:    "CAST(business_revenue - business_spend - service_cost AS DECIMAL(18,6))",
		Digits: 0, Better: HigherBetter, Beats: "leaves businesses more net value than", Headline: true,
		Definition: "what businesses earned from users less what they paid the platform and the cost of answering conversations, " +
			"over the run: business_revenue − business_spend − service_cost (exact USD)",
	},

	// For analysts: in run_totals, arm_summary and the sweep views.
	{
		Column: "business_net_per_user_year", Label: "business net $/user/yr", Title: "Business net value per user and year", Unit: "USD per user and year",
		SQL:    "CAST(business_revenue - business_spend - service_cost AS DOUBLE) * 365 / nullif(CAST(users AS DOUBLE) * days_recorded, 0)",
		Digits: 3, Better: HigherBetter, Beats: "leaves businesses more net value per user than",
		Definition: "business net value per user and year: business_net_value / users × 365 / days",
	},
	{
		Column: "lapse_per_1000", Label: "lapse/1000", Title: "Natural lapse", Unit: "per 1,000 follows",
		SQL:    "1000 * CAST(unfollows - unfollows_annoyed AS DOUBLE) / nullif(follows_exposed, 0)",
		Digits: 1, Better: LowerBetter, Beats: "has fewer follows lapse than",
		Definition: "follows ended by the assumed natural lapse (no message involved) per 1,000 follows that existed during the run: " +
			"1000 × (unfollows − unfollows_annoyed) / follows_exposed",
	},
	{
		Column: "churn_per_1000", Label: "churn/1000", Title: "Churn", Unit: "per 1,000 follows",
		Digits: 1, Better: LowerBetter, Beats: "has lower churn than",
		Definition: "follows ended by lapse, unfollow or block per 1,000 follows that existed during the run: " +
			"1000 × (follows_exposed − active_follows_end) / follows_exposed = lapse_per_1000 + churn_messages_per_1000",
	},
	{
		Column: "reach_messages_cum", Label: "reach msgs", Title: "Reach of messages", Unit: "users",
		Digits: 0, Better: HigherBetter, Beats: "reaches more users with messages than",
		Definition: "distinct users who got at least one proactive message in the whole run (cumulative reach on the last day)",
	},
	{
		Column: "reach_ads_cum", Label: "reach ads", Title: "Reach of ads", Unit: "users",
		Digits: 0, Better: HigherBetter, Beats: "reaches more users with ads than",
		Definition: "distinct users who saw at least one Status ad in the whole run (cumulative reach on the last day)",
	},
	{
		Column: "active_follows_end", Label: "follows end", Title: "Active follows at the end", Unit: "follows",
		Digits: 0, Better: HigherBetter, Beats: "keeps more follows than",
		Definition: "follows active at the end of the last day",
	},
	{
		Column: "platform_revenue_usd", Label: "platform $", Title: "Platform revenue", Unit: "USD",
		Digits: 0, Better: HigherBetter, Beats: "earns more platform revenue than",
		Definition: "platform revenue from every source over the run (exact USD)",
	},
	{
		Column: "business_revenue", Label: "business rev $", Title: "Business revenue (sales)", Unit: "USD",
		Digits: 0, Better: HigherBetter, Beats: "earns businesses more sales than",
		Definition: "what businesses earned from users over the run: conversion values plus user fees less the platform's share (exact USD)",
	},
	{
		Column: "business_spend", Label: "business spend $", Title: "Business spend", Unit: "USD",
		Digits: 0, Better: NoBetter, Beats: "has businesses spend more than",
		Definition: "what businesses paid the platform over the run (exact USD)",
	},
	{
		Column: "user_spend", Label: "user spend $", Title: "User spend", Unit: "USD",
		Digits: 0, Better: NoBetter, Beats: "has users spend more than",
		Definition: "what users paid over the run: conversion values plus subscription fees (exact USD)",
	},
}

// KPIs are every figure of the registry, headline figures first.
func KPIs() []KPI { return slices.Clone(registry) }

// HeadlineKPIs are the figures compare, sweep, robust and the reports
// show, in the order of their tables.
func HeadlineKPIs() []KPI {
	var out []KPI
	for _, k := range registry {
		if k.Headline {
			out = append(out, k)
		}
	}
	return out
}

// LookupKPI is the registry's KPI of a run_totals column.
func LookupKPI(column string) (KPI, bool) {
	for _, k := range registry {
		if k.Column == column {
			return k, true
		}
	}
	return KPI{}, false
}

// MustKPI is LookupKPI for a column the code names: it panics on a
// column the registry does not have.
func MustKPI(column string) KPI {
	k, ok := LookupKPI(column)
	if !ok {
		panic("store: no KPI " + column)
	}
	return k
}
