package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/msgmon/msgmon/sim"
)

// schemaVersion is stored in the schema_version table. Bump it when the
// schema changes; Open refuses files with a newer version and brings older
// ones up to date (see addMissingColumns).
//
// Versions:
//
//   - 1: the first.
//
//   - 2: daily, business_summary and segment_summary gain follows_blocked
//     (blocks that ended a follow), and churn_per_1000 counts those blocks
//     only. Rows stored under version 1 hold NULL there, so their runs
//     have NULL follows_blocked, follows_exposed and churn_per_1000.
//
//   - 3: daily gains campaigns (campaigns businesses planned on the day);
//     the business_channels table (one row per business and channel it
//     used: its messages, what they caused and its send rates) is new,
//     and business_summary.channel lists every channel a business used,
//     joined by "+". Runs stored before have no business_channels rows.
//
//   - 3: daily gains entry_conversations, entry_ad_conversations and
//     follows_from_entry (conversations users start from click-to-chat
//     links, QR codes, website buttons and click-to-chat ads; those from
//     ads; the opt-ins after them), summed in run_totals. Rows stored
//     under an older version hold NULL there, and so do their runs'
//     totals: those runs had no entry points.
//
//   - 4: daily gains users_reacted (users whose first mute, block or
//     annoyed unfollow after a message fell on the day, each user once a
//     run) and status_visits (visits to the Updates tab), which the
//     calibration measures; run_totals sums them, with the messages
//     delivered and opened by delivery, conversations and follow_days
//     (active follows summed over days, for doses per follow-week). Rows
//     stored before hold NULL in the new daily columns.
//
//   - 5: the robust_results table (msgmon robust's summary per study, arm
//     and metric) and the plausible_vectors table (every vector msgmon
//     calibrate --plausible evaluated, with its distance and weight) are
//     new; older files gain them empty.
//
//   - 6: daily gains reach_messages_week and reach_ads_week (users reached
//     for the first time in the run's week on the day: a week's sum is its
//     distinct users reached); segment_summary gains
//     message_charges_micros and ad_charges_micros (what businesses were
//     charged for the segment's users' messages, before a monthly free
//     allowance, and ad impressions), for revenue by market. Rows stored
//     before hold NULL there.
//
//   - 7: business_channels gains exits, trials and state_end (the times an
//     adaptive business left the channel, the trial periods it sent after,
//     and send, trial or out at the end: models/ODD.md 7.17). Rows stored
//     before hold NULL there.
//
// Columns are only ever added, and only at the end of a table, so that a
// table made by an older msgmon is a prefix of the current one.
const schemaVersion = 7

// kind is the storage type of one column.
type kind uint8

const (
	kInt32   kind = iota // INTEGER (Go int fields: day, ids, day counts, tiers)
	kInt64               // BIGINT (counts and money in micro-USD)
	kFloat64             // DOUBLE
	kBool                // BOOLEAN
	kString              // VARCHAR
)

func (k kind) sqlType() string {
	switch k {
	case kInt32:
		return "INTEGER"
	case kInt64:
		return "BIGINT"
	case kFloat64:
		return "DOUBLE"
	case kBool:
		return "BOOLEAN"
	default:
		return "VARCHAR"
	}
}

func (k kind) arrowType() arrow.DataType {
	switch k {
	case kInt32:
		return arrow.PrimitiveTypes.Int32
	case kInt64:
		return arrow.PrimitiveTypes.Int64
	case kFloat64:
		return arrow.PrimitiveTypes.Float64
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	default:
		return arrow.BinaryTypes.String
	}
}

// column is one stored field of a row type T (sim.Daily or
// sim.BusinessSummary). The tables dailyColumns and businessColumns are the
// single source of the SQL DDL, the Arrow schema, the appender rows, the
// USD views and the tests' round-trip checks. Exactly one getter is set,
// matching kind.
type column[T any] struct {
	name  string
	kind  kind
	money bool // BIGINT micro-USD; name ends in _micros
	i32   func(*T) int32
	i64   func(*T) int64
	f64   func(*T) float64
	b     func(*T) bool
	str   func(*T) string
}

func intCol[T any](name string, f func(*T) int) column[T] {
	return column[T]{name: name, kind: kInt32, i32: func(r *T) int32 { return int32(f(r)) }}
}

func cnt[T any](name string, f func(*T) int64) column[T] {
	return column[T]{name: name, kind: kInt64, i64: f}
}

func money[T any](name string, f func(*T) sim.Micros) column[T] {
	if !strings.HasSuffix(name, "_micros") {
		panic("store: money column without _micros suffix: " + name)
	}
	return column[T]{name: name, kind: kInt64, money: true, i64: func(r *T) int64 { return int64(f(r)) }}
}

func f64Col[T any](name string, f func(*T) float64) column[T] {
	return column[T]{name: name, kind: kFloat64, f64: f}
}

func boolCol[T any](name string, f func(*T) bool) column[T] {
	return column[T]{name: name, kind: kBool, b: f}
}

func strCol[T any](name string, f func(*T) string) column[T] {
	return column[T]{name: name, kind: kString, str: f}
}

// value returns the column's value of r boxed for the appender.
func (c *column[T]) value(r *T) any {
	switch c.kind {
	case kInt32:
		return c.i32(r)
	case kInt64:
		return c.i64(r)
	case kFloat64:
		return c.f64(r)
	case kBool:
		return c.b(r)
	default:
		return c.str(r)
	}
}

// sourceCols expands a per-source money array into one column per
// sim.Source: prefix_<source>_micros.
func sourceCols[T any](prefix string, f func(*T) *[sim.NumSources]sim.Micros) []column[T] {
	out := make([]column[T], 0, sim.NumSources)
	for s := sim.Source(0); s < sim.NumSources; s++ {
		out = append(out, money(prefix+"_"+s.String()+"_micros", func(r *T) sim.Micros { return f(r)[s] }))
	}
	return out
}

func concat[T any](parts ...[]column[T]) []column[T] {
	var out []column[T]
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// dailyColumns: every field of sim.Daily, in struct order. The daily table
// is run_id followed by these columns.
var dailyColumns = concat(
	[]column[sim.Daily]{
		intCol("day", func(d *sim.Daily) int { return d.Day }),
		cnt("reach_messages", func(d *sim.Daily) int64 { return d.ReachMessages }),
		cnt("reach_messages_cum", func(d *sim.Daily) int64 { return d.ReachMessagesCum }),
		cnt("reach_ads", func(d *sim.Daily) int64 { return d.ReachAds }),
		cnt("reach_ads_cum", func(d *sim.Daily) int64 { return d.ReachAdsCum }),
		cnt("sends_push", func(d *sim.Daily) int64 { return d.SendsPush }),
		cnt("sends_folder", func(d *sim.Daily) int64 { return d.SendsFolder }),
		cnt("opens_push", func(d *sim.Daily) int64 { return d.OpensPush }),
		cnt("opens_folder", func(d *sim.Daily) int64 { return d.OpensFolder }),
		cnt("clicks", func(d *sim.Daily) int64 { return d.Clicks }),
		cnt("sends_blocked", func(d *sim.Daily) int64 { return d.SendsBlocked }),
		cnt("status_views", func(d *sim.Daily) int64 { return d.StatusViews }),
		cnt("ad_impressions", func(d *sim.Daily) int64 { return d.AdImpressions }),
		cnt("ad_clicks", func(d *sim.Daily) int64 { return d.AdClicks }),
		cnt("conversations", func(d *sim.Daily) int64 { return d.Conversations }),
		cnt("conversations_answered", func(d *sim.Daily) int64 { return d.ConversationsAnswered }),
		cnt("conversions", func(d *sim.Daily) int64 { return d.Conversions }),
		cnt("follows_gained", func(d *sim.Daily) int64 { return d.FollowsGained }),
		cnt("follows_from_chat", func(d *sim.Daily) int64 { return d.FollowsFromChat }),
		cnt("follows_from_ads", func(d *sim.Daily) int64 { return d.FollowsFromAds }),
		cnt("follows_discovery", func(d *sim.Daily) int64 { return d.FollowsDiscovery }),
		cnt("follows_wom", func(d *sim.Daily) int64 { return d.FollowsWOM }),
		cnt("unfollows", func(d *sim.Daily) int64 { return d.Unfollows }),
		cnt("unfollows_annoyed", func(d *sim.Daily) int64 { return d.UnfollowsAnnoyed }),
		cnt("blocks", func(d *sim.Daily) int64 { return d.Blocks }),
		cnt("mutes", func(d *sim.Daily) int64 { return d.Mutes }),
		cnt("ad_opt_outs", func(d *sim.Daily) int64 { return d.AdOptOuts }),
		cnt("active_follows", func(d *sim.Daily) int64 { return d.ActiveFollows }),
	},
	sourceCols("platform_revenue", func(d *sim.Daily) *[sim.NumSources]sim.Micros { return &d.PlatformRevenue }),
	[]column[sim.Daily]{
		money("business_spend_micros", func(d *sim.Daily) sim.Micros { return d.BusinessSpend }),
		money("user_spend_micros", func(d *sim.Daily) sim.Micros { return d.UserSpend }),
		money("business_revenue_micros", func(d *sim.Daily) sim.Micros { return d.BusinessRevenue }),
		money("service_cost_micros", func(d *sim.Daily) sim.Micros { return d.ServiceCost }),
		cnt("follows_blocked", func(d *sim.Daily) int64 { return d.FollowsBlocked }),              // version 2
		cnt("campaigns", func(d *sim.Daily) int64 { return d.Campaigns }),                         // version 3
		cnt("entry_conversations", func(d *sim.Daily) int64 { return d.EntryConversations }),      // version 3
		cnt("entry_ad_conversations", func(d *sim.Daily) int64 { return d.EntryAdConversations }), // version 3
		cnt("follows_from_entry", func(d *sim.Daily) int64 { return d.FollowsFromEntry }),         // version 3
		cnt("users_reacted", func(d *sim.Daily) int64 { return d.UsersReacted }),                  // version 4
		cnt("status_visits", func(d *sim.Daily) int64 { return d.StatusVisits }),                  // version 4
		cnt("reach_messages_week", func(d *sim.Daily) int64 { return d.ReachMessagesWeek }),       // version 6
		cnt("reach_ads_week", func(d *sim.Daily) int64 { return d.ReachAdsWeek }),                 // version 6
	},
)

// businessColumns: every field of sim.BusinessSummary, in struct order.
// The business_summary table is run_id followed by these columns.
var businessColumns = concat(
	[]column[sim.BusinessSummary]{
		intCol("business_id", func(b *sim.BusinessSummary) int { return b.Business }),
		strCol("category", func(b *sim.BusinessSummary) string { return b.Category }),
		f64Col("size", func(b *sim.BusinessSummary) float64 { return b.Size }),
		strCol("channel", func(b *sim.BusinessSummary) string { return b.Channel }),
		boolCol("advertiser", func(b *sim.BusinessSummary) bool { return b.Advertiser }),
		cnt("followers_start", func(b *sim.BusinessSummary) int64 { return b.FollowersStart }),
		cnt("followers_end", func(b *sim.BusinessSummary) int64 { return b.FollowersEnd }),
		cnt("sends", func(b *sim.BusinessSummary) int64 { return b.Sends }),
		cnt("opens", func(b *sim.BusinessSummary) int64 { return b.Opens }),
		cnt("clicks", func(b *sim.BusinessSummary) int64 { return b.Clicks }),
		cnt("conversations", func(b *sim.BusinessSummary) int64 { return b.Conversations }),
		cnt("conversions", func(b *sim.BusinessSummary) int64 { return b.Conversions }),
		cnt("follows_gained", func(b *sim.BusinessSummary) int64 { return b.FollowsGained }),
		cnt("unfollows", func(b *sim.BusinessSummary) int64 { return b.Unfollows }),
		cnt("blocks", func(b *sim.BusinessSummary) int64 { return b.Blocks }),
		cnt("mutes", func(b *sim.BusinessSummary) int64 { return b.Mutes }),
		cnt("ad_impressions", func(b *sim.BusinessSummary) int64 { return b.AdImpressions }),
		money("spend_micros", func(b *sim.BusinessSummary) sim.Micros { return b.Spend }),
	},
	sourceCols("spend", func(b *sim.BusinessSummary) *[sim.NumSources]sim.Micros { return &b.SpendBySource }),
	[]column[sim.BusinessSummary]{
		money("revenue_micros", func(b *sim.BusinessSummary) sim.Micros { return b.Revenue }),
		money("service_cost_micros", func(b *sim.BusinessSummary) sim.Micros { return b.ServiceCost }),
		intCol("days_green", func(b *sim.BusinessSummary) int { return b.DaysGreen }),
		intCol("days_yellow", func(b *sim.BusinessSummary) int { return b.DaysYellow }),
		intCol("days_red", func(b *sim.BusinessSummary) int { return b.DaysRed }),
		intCol("final_tier", func(b *sim.BusinessSummary) int { return b.FinalTier }),
		intCol("min_tier", func(b *sim.BusinessSummary) int { return b.MinTier }),
		intCol("max_tier", func(b *sim.BusinessSummary) int { return b.MaxTier }),
		cnt("follows_blocked", func(b *sim.BusinessSummary) int64 { return b.FollowsBlocked }), // version 2
	},
)

// channelColumns: every field of sim.ChannelSummary, in struct order. The
// business_channels table (version 3) is run_id followed by these columns.
var channelColumns = []column[sim.ChannelSummary]{
	intCol("business_id", func(c *sim.ChannelSummary) int { return c.Business }),
	strCol("channel", func(c *sim.ChannelSummary) string { return c.Channel }),
	cnt("sends", func(c *sim.ChannelSummary) int64 { return c.Sends }),
	cnt("opens", func(c *sim.ChannelSummary) int64 { return c.Opens }),
	cnt("clicks", func(c *sim.ChannelSummary) int64 { return c.Clicks }),
	cnt("conversions", func(c *sim.ChannelSummary) int64 { return c.Conversions }),
	money("revenue_micros", func(c *sim.ChannelSummary) sim.Micros { return c.Revenue }),
	money("spend_micros", func(c *sim.ChannelSummary) sim.Micros { return c.Spend }),
	cnt("mutes", func(c *sim.ChannelSummary) int64 { return c.Mutes }),
	cnt("unfollows_annoyed", func(c *sim.ChannelSummary) int64 { return c.UnfollowsAnnoyed }),
	cnt("blocks", func(c *sim.ChannelSummary) int64 { return c.Blocks }),
	f64Col("sends_per_week_start", func(c *sim.ChannelSummary) float64 { return c.SendsPerWeekStart }),
	f64Col("sends_per_week_end", func(c *sim.ChannelSummary) float64 { return c.SendsPerWeekEnd }),
	cnt("exits", func(c *sim.ChannelSummary) int64 { return c.Exits }),            // version 7
	cnt("trials", func(c *sim.ChannelSummary) int64 { return c.Trials }),          // version 7
	strCol("state_end", func(c *sim.ChannelSummary) string { return c.StateEnd }), // version 7
}

// columnNames returns run_id followed by the names of cols.
func columnNames[T any](cols []column[T]) []string {
	out := []string{"run_id"}
	for _, c := range cols {
		out = append(out, c.name)
	}
	return out
}

// segmentColumns: every field of sim.SegmentSummary, in struct order. The
// segment_summary table is run_id followed by these columns.
var segmentColumns = []column[sim.SegmentSummary]{
	strCol("market", func(g *sim.SegmentSummary) string { return g.Market }),
	strCol("tolerance_band", func(g *sim.SegmentSummary) string { return g.ToleranceBand }),
	cnt("n_users", func(g *sim.SegmentSummary) int64 { return g.Users }), // not "users": runs has that column
	cnt("follows_start", func(g *sim.SegmentSummary) int64 { return g.FollowsStart }),
	cnt("follows_end", func(g *sim.SegmentSummary) int64 { return g.FollowsEnd }),
	cnt("follows_gained", func(g *sim.SegmentSummary) int64 { return g.FollowsGained }),
	cnt("unfollows", func(g *sim.SegmentSummary) int64 { return g.Unfollows }),
	cnt("unfollows_annoyed", func(g *sim.SegmentSummary) int64 { return g.UnfollowsAnnoyed }),
	cnt("blocks", func(g *sim.SegmentSummary) int64 { return g.Blocks }),
	cnt("mutes", func(g *sim.SegmentSummary) int64 { return g.Mutes }),
	cnt("messages_received", func(g *sim.SegmentSummary) int64 { return g.MessagesReceived }),
	cnt("pushes_received", func(g *sim.SegmentSummary) int64 { return g.PushesReceived }),
	cnt("ad_impressions", func(g *sim.SegmentSummary) int64 { return g.AdImpressions }),
	cnt("ad_opt_outs", func(g *sim.SegmentSummary) int64 { return g.AdOptOuts }),
	cnt("conversions", func(g *sim.SegmentSummary) int64 { return g.Conversions }),
	money("purchases_micros", func(g *sim.SegmentSummary) sim.Micros { return g.Purchases }),
	cnt("follows_blocked", func(g *sim.SegmentSummary) int64 { return g.FollowsBlocked }),               // version 2
	money("message_charges_micros", func(g *sim.SegmentSummary) sim.Micros { return g.MessageCharges }), // version 6
	money("ad_charges_micros", func(g *sim.SegmentSummary) sim.Micros { return g.AdCharges }),           // version 6
}

// createTableSQL is the DDL of a child table (daily, business_summary).
func createTableSQL[T any](table string, cols []column[T]) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n\trun_id BIGINT NOT NULL", table)
	for _, c := range cols {
		fmt.Fprintf(&b, ",\n\t%s %s NOT NULL", c.name, c.kind.sqlType())
	}
	b.WriteString("\n)")
	return b.String()
}

// arrowSchema is the Arrow schema of a child table: run_id then cols.
func arrowSchema[T any](cols []column[T]) *arrow.Schema {
	fields := []arrow.Field{{Name: "run_id", Type: arrow.PrimitiveTypes.Int64}}
	for _, c := range cols {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.kind.arrowType()})
	}
	return arrow.NewSchema(fields, nil)
}

// usd is the SQL expression converting an integer micro-USD expression to
// an exact DECIMAL(18,6) amount of US dollars. DECIMAL(18,0) * DECIMAL(7,6)
// is an exact DECIMAL(25,6) product (no floating point involved); the final
// cast is exact for amounts below one trillion dollars.
func usd(expr string) string {
	return fmt.Sprintf("CAST(CAST(%s AS DECIMAL(18,0)) * CAST(0.000001 AS DECIMAL(7,6)) AS DECIMAL(18,6))", expr)
}

// usdName drops the _micros suffix of a money column.
func usdName(micros string) string { return strings.TrimSuffix(micros, "_micros") }

const runsDDL = `CREATE TABLE IF NOT EXISTS runs (
	run_id         BIGINT PRIMARY KEY,
	batch_id       VARCHAR NOT NULL,
	run_key        VARCHAR NOT NULL,
	scenario       VARCHAR NOT NULL,
	scenario_hash  VARCHAR NOT NULL,
	scenario_json  JSON,
	arm            VARCHAR NOT NULL,
	models         VARCHAR NOT NULL,
	replicate      INTEGER NOT NULL,
	seed           UBIGINT NOT NULL,
	users          INTEGER NOT NULL,
	businesses     INTEGER NOT NULL,
	days           INTEGER NOT NULL,
	workers        INTEGER NOT NULL,
	msgmon_version VARCHAR NOT NULL,
	started_at     TIMESTAMP,
	finished_at    TIMESTAMP,
	status         VARCHAR NOT NULL,
	params         JSON NOT NULL
)`

// runMetaCols are the runs columns repeated in run_totals.
const runMetaCols = `r.run_id, r.batch_id, r.run_key, r.scenario, r.scenario_hash, r.arm, r.models,
	r.replicate, r.seed, r.users, r.businesses, r.days, r.workers, r.msgmon_version,
	r.started_at, r.finished_at, r.status, r.params`

// dailyUSDView: daily with every money column as exact DECIMAL(18,6) US
// dollars, named without the _micros suffix, plus platform_revenue_usd (the
// total over all sources).
func dailyUSDView() string {
	var sel, total []string
	sel = append(sel, "run_id")
	for _, c := range dailyColumns {
		if c.money {
			sel = append(sel, fmt.Sprintf("%s AS %s", usd(c.name), usdName(c.name)))
			if strings.HasPrefix(c.name, "platform_revenue_") {
				total = append(total, c.name)
			}
		} else {
			sel = append(sel, c.name)
		}
	}
	sel = append(sel, fmt.Sprintf("%s AS platform_revenue_usd", usd(strings.Join(total, " + "))))
	return "CREATE OR REPLACE VIEW daily_usd AS SELECT\n\t" + strings.Join(sel, ",\n\t") + "\nFROM daily"
}

// runTotalsView: one row per run (runs without daily rows have NULL KPIs).
//
// "Day 0" is the first stored day of the run (min(day); normally 0), "end"
// the last stored day.
//
//   - reach_messages_cum, reach_ads_cum: the cumulative reach at the end.
//   - follows_gained, unfollows, blocks, follows_blocked, mutes,
//     unfollows_annoyed: sums over all days. blocks counts every block;
//     follows_blocked only those that ended a follow (a contact who never
//     followed may block a business too).
//   - entry_conversations, entry_ad_conversations, follows_from_entry:
//     sums over all days (NULL for runs stored before schema version 3).
//   - users_reacted, status_visits, sends_push, sends_folder, opens_push,
//     opens_folder, conversations: sums over all days; follow_days: active
//     follows summed over the days (follow-weeks are follow_days / 7).
//     users_reacted and status_visits are NULL for runs stored before
//     schema version 4.
//   - active_follows_start: the follows active when the run started,
//     before day 0 (the sum of the businesses' followers_start);
//     active_follows_end: active follows at the end of the last day. The
//     follow identity holds exactly: active_follows_start plus
//     follows_gained minus unfollows and follows_blocked is
//     active_follows_end. (Before schema
//     version 3 this view had active_follows_day0, the count at the end of
//     day 0, for which it did not hold.)
//   - follows_exposed = the follows before day 0 (the sum of the
//     businesses' followers_start) plus every follow gained during the run:
//     the follows that existed at some time during the run.
//   - churn_per_1000 = 1000 * (follows_exposed - active_follows_end) /
//     follows_exposed, as DOUBLE: the share of follows that ended, by
//     lapse, unfollow or a block by the follower; NULL when follows_exposed
//     is 0. Follows move only by gains, unfollows and blocked follows, so
//     the numerator is unfollows + follows_blocked; computed this way it
//     holds for runs stored under schema version 1 too, whose
//     follows_blocked is NULL. Blocks by contacts who never followed end
//     no follow and are not churn.
//   - money: sums over all days as exact DECIMAL(18,6) USD, named like the
//     daily_usd columns; platform_revenue_usd is the total of all sources.
//   - reach_messages_user_weeks, reach_ads_user_weeks: the sums of
//     reach_messages_week (reach_ads_week) over the days of the run's
//     complete weeks (weeks 7w to 7w+6 with all seven days stored), each
//     week's sum its distinct users reached; over all its days when the
//     run is shorter than a week. reach_weeks: the weeks summed (1 for a
//     run shorter than a week). NULL for runs stored before schema
//     version 6.
//   - then every KPI of the registry with an SQL expression (KPIs: the
//     headline figures, weekly reach, messages per user and week, users
//     lost, reactions per 1,000 messages, churn caused by messages,
//     platform revenue per user and year, business net value, and
//     lapse_per_1000 and business_net_per_user_year), computed from the
//     columns above.
//
// It also returns the names of the KPI columns, which arm_summary
// summarises.
func runTotalsView() (view string, kpis []string) {
	q, kpis := runTotalsSelect(-1)
	return "CREATE OR REPLACE VIEW run_totals AS\n" + q, kpis
}

// RunTotalsUntil is a subquery with the columns of run_totals over the days
// before day horizon only (days 0 … horizon-1): the totals a run of that
// many days would have had, for measures stated at a horizon shorter than
// the run.
func RunTotalsUntil(horizon int) string {
	q, _ := runTotalsSelect(horizon)
	return "(" + q + ")"
}

// RunTotalsColumns are the names of run_totals' columns, in order.
func RunTotalsColumns() []string {
	_, kpis := runTotalsSelect(-1)
	var out []string
	for _, c := range strings.Split(runMetaCols, ",") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(c), "r."))
	}
	out = append(out, "days_recorded")
	return append(out, kpis...)
}

// DailyCounts are the counts of the daily table whose sum over a run's days
// run_totals does not have (clicks, sends_blocked, ad_impressions and the
// like), in the table's order: figures of a run too, as
// (SELECT sum(c) FROM daily WHERE run_id = ...). Left out are the money
// columns (run_totals has them in USD), and the levels and running counts
// whose sum means nothing or run_totals already reads (active_follows, the
// cumulative and weekly reach).
func DailyCounts() []string {
	have := RunTotalsColumns()
	var out []string
	for _, c := range dailyColumns {
		if c.kind != kInt64 || c.money || c.name == "active_follows" ||
			strings.HasSuffix(c.name, "_cum") || strings.HasSuffix(c.name, "_week") || slices.Contains(have, c.name) {
			continue
		}
		out = append(out, c.name)
	}
	return out
}

// runTotalsSelect is run_totals' query, over the days before horizon when
// horizon ≥ 0.
func runTotalsSelect(horizon int) (query string, kpis []string) {
	var agg []string
	add := func(expr, name string) {
		agg = append(agg, expr+" AS "+name)
		kpis = append(kpis, name)
	}
	agg = append(agg, "count(*) AS days_recorded")
	add("arg_max(reach_messages_cum, day)", "reach_messages_cum")
	add("arg_max(reach_ads_cum, day)", "reach_ads_cum")
	// Sums of BIGINT are HUGEINT in DuckDB; counts are cast back to BIGINT.
	add("CAST(sum(follows_gained) AS BIGINT)", "follows_gained")
	add("CAST(sum(unfollows) AS BIGINT)", "unfollows")
	add("CAST(sum(blocks) AS BIGINT)", "blocks")
	add("CAST(sum(follows_blocked) AS BIGINT)", "follows_blocked")
	add("CAST(sum(mutes) AS BIGINT)", "mutes")
	add("CAST(sum(unfollows_annoyed) AS BIGINT)", "unfollows_annoyed")
	add("CAST(sum(entry_conversations) AS BIGINT)", "entry_conversations")
	add("CAST(sum(entry_ad_conversations) AS BIGINT)", "entry_ad_conversations")
	add("CAST(sum(follows_from_entry) AS BIGINT)", "follows_from_entry")
	add("CAST(sum(users_reacted) AS BIGINT)", "users_reacted")
	add("CAST(sum(status_visits) AS BIGINT)", "status_visits")
	add("CAST(sum(sends_push) AS BIGINT)", "sends_push")
	add("CAST(sum(sends_folder) AS BIGINT)", "sends_folder")
	add("CAST(sum(opens_push) AS BIGINT)", "opens_push")
	add("CAST(sum(opens_folder) AS BIGINT)", "opens_folder")
	add("CAST(sum(conversations) AS BIGINT)", "conversations")
	add("CAST(sum(active_follows) AS BIGINT)", "follow_days")
	add("arg_max(active_follows, day)", "active_follows_end")
	var total []string
	for _, c := range dailyColumns {
		if c.money {
			add(usd("sum("+c.name+")"), usdName(c.name))
			if strings.HasPrefix(c.name, "platform_revenue_") {
				total = append(total, "sum("+c.name+")")
			}
		}
	}
	add(usd(strings.Join(total, " + ")), "platform_revenue_usd")
	// Follows that existed during the run and those that ended, from the
	// follows before day 0 (the businesses' followers at the start), the
	// gains and the follows at the end: exact for runs of every schema
	// version, since follows move only by gains, unfollows and blocked
	// follows.
	exposed := "CAST(s.follows_start + t.follows_gained AS BIGINT)"
	outer := []string{
		"CAST(s.follows_start AS BIGINT) AS active_follows_start",
		exposed + " AS follows_exposed",
		fmt.Sprintf("CASE WHEN %[1]s = 0 THEN NULL ELSE 1000.0 * (%[1]s - t.active_follows_end) / %[1]s END AS churn_per_1000", exposed),
	}
	kpis = append(kpis, "active_follows_start", "follows_exposed", "churn_per_1000")
	where := ""
	if horizon >= 0 {
		where = fmt.Sprintf(" WHERE day < %d", horizon)
	}
	// Weekly reach: a week's sum of reach_*_week is its distinct users
	// reached; the complete weeks (all 7 days stored) are summed, or the
	// one week there is when the run is shorter than a week.
	weekly := func(col string) string {
		return fmt.Sprintf("CAST(CASE WHEN count(*) FILTER (WHERE n = 7) = 0 THEN sum(%[1]s) ELSE sum(%[1]s) FILTER (WHERE n = 7) END AS BIGINT)", col)
	}
	outer = append(outer,
		"w.reach_messages_user_weeks", "w.reach_ads_user_weeks", "w.reach_weeks")
	kpis = append(kpis, "reach_messages_user_weeks", "reach_ads_user_weeks", "reach_weeks")
	var derived []string
	for _, k := range registry {
		if k.SQL != "" {
			derived = append(derived, k.SQL+" AS "+k.Column)
			kpis = append(kpis, k.Column)
		}
	}
	return "WITH t AS (SELECT run_id,\n\t" + strings.Join(agg, ",\n\t") +
		"\nFROM daily" + where + " GROUP BY run_id),\ns AS (SELECT run_id, sum(followers_start) AS follows_start FROM business_summary GROUP BY run_id)," +
		"\nwk AS (SELECT run_id, count(*) AS n, sum(reach_messages_week) AS m, sum(reach_ads_week) AS a FROM daily" + where + " GROUP BY run_id, day // 7)," +
		"\nw AS (SELECT run_id, " + weekly("m") + " AS reach_messages_user_weeks, " + weekly("a") + " AS reach_ads_user_weeks,\n\t" +
		"greatest(count(*) FILTER (WHERE n = 7), 1) AS reach_weeks FROM wk GROUP BY run_id)," +
		"\nb AS (SELECT " + runMetaCols + ",\n\tt.* EXCLUDE (run_id),\n\t" + strings.Join(outer, ",\n\t") +
		"\nFROM runs r LEFT JOIN t USING (run_id) LEFT JOIN s USING (run_id) LEFT JOIN w USING (run_id))" +
		"\nSELECT b.*,\n\t" + strings.Join(derived, ",\n\t") + "\nFROM b", kpis
}

// armSummaryView: per scenario_hash, batch_id, sweep point (NULL for runs
// of no sweep) and arm, the number of runs and the mean and sample
// standard deviation (NULL for one run) of every run_totals KPI as DOUBLE,
// ordered by batch, scenario, point and arm. Runs of different scenarios
// or points are never summarised together: they are not replicates.
func armSummaryView(kpis []string) string {
	sel := []string{"scenario_hash", "batch_id", "CAST(json_extract(params, '$.point') AS INTEGER) AS point", "arm",
		"min(scenario) AS scenario", "count(*) AS n_runs"}
	for _, k := range kpis {
		sel = append(sel,
			fmt.Sprintf("avg(CAST(%[1]s AS DOUBLE)) AS mean_%[1]s", k),
			fmt.Sprintf("stddev_samp(CAST(%[1]s AS DOUBLE)) AS sd_%[1]s", k))
	}
	return "CREATE OR REPLACE VIEW arm_summary AS SELECT\n\t" + strings.Join(sel, ",\n\t") +
		"\nFROM run_totals GROUP BY scenario_hash, batch_id, point, arm ORDER BY batch_id, scenario_hash, point NULLS FIRST, arm"
}

// marketSummaryView: per run and market (over its tolerance bands), from
// segment_summary: the users, the proactive messages delivered to them
// (all, and as push), what businesses were charged for those messages and
// for the Status ads the users saw (exact USD; message charges are at the
// market's price before a monthly free allowance, which is settled on a
// business's total and so is not split by market), and the same per user
// and week (messages) or per user and year (charges) over the run's days.
// Runs stored before schema version 6 have NULL charges.
func marketSummaryView() string {
	perUser := "nullif(CAST(sum(g.n_users) AS DOUBLE) * r.days, 0)"
	return `CREATE OR REPLACE VIEW market_summary AS SELECT
	g.run_id, r.batch_id, r.scenario, r.arm, r.replicate, g.market,
	CAST(sum(g.n_users) AS BIGINT) AS n_users,
	CAST(sum(g.messages_received) AS BIGINT) AS messages_delivered,
	CAST(sum(g.pushes_received) AS BIGINT) AS pushes_delivered,
	CAST(sum(g.ad_impressions) AS BIGINT) AS ad_impressions,
	` + usd("sum(g.message_charges_micros)") + ` AS message_charges,
	` + usd("sum(g.ad_charges_micros)") + ` AS ad_charges,
	7 * CAST(sum(g.messages_received) AS DOUBLE) / ` + perUser + ` AS messages_per_user_week,
	CAST(sum(g.message_charges_micros) AS DOUBLE) / 1e6 * 365 / ` + perUser + ` AS message_charges_per_user_year,
	CAST(sum(g.ad_charges_micros) AS DOUBLE) / 1e6 * 365 / ` + perUser + ` AS ad_charges_per_user_year
FROM segment_summary g JOIN runs r USING (run_id)
GROUP BY g.run_id, r.batch_id, r.scenario, r.arm, r.replicate, r.days, g.market
ORDER BY g.run_id, g.market`
}

// schemaSQL is every statement creating the schema, in order. All are
// idempotent.
func schemaSQL() []string {
	runTotals, kpis := runTotalsView()
	return []string{
		`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, created_at TIMESTAMP NOT NULL)`,
		runsDDL,
		createTableSQL("daily", dailyColumns),
		createTableSQL("business_summary", businessColumns),
		createTableSQL("segment_summary", segmentColumns),
		createTableSQL("business_channels", channelColumns),
		sweepsDDL,
		sweepPointsDDL,
		studiesDDL,
		studyRunsDDL,
		studyShardsDDL,
		calibrationDDL,
		scorecardDDL,
		robustDDL,
		robustSensitivityDDL,
		discoveryDDL,
		plausibleDDL,
		dailyUSDView(),
		runTotals,
		armSummaryView(kpis),
		marketSummaryView(),
	}
}

// upgrade brings the tables of a file made by an older msgmon up to the
// current columns, inside the caller's transaction. Columns are only ever
// added at the end of a table, so an older table's columns must be a
// prefix of the current ones; the missing ones are added as nullable
// columns, NULL in the rows already stored (the views treat those runs as
// not having the measure).
func upgrade(ctx context.Context, conn *sql.Conn) error {
	if err := addMissingColumns(ctx, conn, "daily", dailyColumns); err != nil {
		return err
	}
	if err := addMissingColumns(ctx, conn, "business_summary", businessColumns); err != nil {
		return err
	}
	if err := addMissingColumns(ctx, conn, "segment_summary", segmentColumns); err != nil {
		return err
	}
	return addMissingColumns(ctx, conn, "business_channels", channelColumns)
}

func addMissingColumns[T any](ctx context.Context, conn *sql.Conn, table string, cols []column[T]) error {
	rows, err := conn.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return err
	}
	var have []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have = append(have, name)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(have) == 0 {
		return nil // not there yet: the schema statements create it whole
	}
	missing, err := missingColumns(table, have, cols)
	if err != nil {
		return err
	}
	for _, c := range missing {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", table, c.name, c.kind.sqlType())); err != nil {
			return err
		}
	}
	return nil
}

// missingColumns are the columns of cols after those a table made by an
// older msgmon has (have, run_id first), which must begin them.
func missingColumns[T any](table string, have []string, cols []column[T]) ([]column[T], error) {
	want := columnNames(cols)
	if len(have) == 0 || len(have) > len(want) || !slices.Equal(have, want[:len(have)]) {
		return nil, fmt.Errorf("table %s has the columns (%s), which do not begin the columns this msgmon writes (%s)",
			table, strings.Join(have, ", "), strings.Join(want, ", "))
	}
	return cols[len(have)-1:], nil // have includes run_id
}

// olderSchemaSQL are the statements that present a file of an older
// schema version as the current schema, read-only, in a connection's
// temporary catalog (which DuckDB searches before the file's): each table
// that gained columns since as a view with them NULL (as an upgrade leaves
// them), each table added since empty, and every view, each sweep's too,
// made anew over those. db is the file opened read-only.
func olderSchemaSQL(ctx context.Context, db *sql.DB) ([]string, error) {
	var catalog string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&catalog); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
		WHERE c.table_catalog = ? AND c.table_schema = 'main' AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`, catalog)
	if err != nil {
		return nil, err
	}
	have := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			rows.Close()
			return nil, err
		}
		have[table] = append(have[table], col)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	// A table's own name would be the view's in the temporary catalog:
	// name the file's table with its catalog.
	file := func(table string) string { return ident(catalog) + ".main." + table }
	grown := map[string]func() ([]string, error){
		"daily": func() ([]string, error) { return nullColumns("daily", have["daily"], dailyColumns) },
		"business_summary": func() ([]string, error) {
			return nullColumns("business_summary", have["business_summary"], businessColumns)
		},
		"segment_summary": func() ([]string, error) {
			return nullColumns("segment_summary", have["segment_summary"], segmentColumns)
		},
		"business_channels": func() ([]string, error) {
			return nullColumns("business_channels", have["business_channels"], channelColumns)
		},
	}
	var out []string
	for _, q := range schemaSQL()[1:] {
		if m := tableDDL.FindStringSubmatch(q); m != nil {
			table := m[1]
			if _, ok := have[table]; !ok {
				out = append(out, strings.Replace(q, "CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", 1))
				continue
			}
			if f := grown[table]; f != nil {
				add, err := f()
				if err != nil {
					return nil, err
				}
				if len(add) > 0 {
					out = append(out, fmt.Sprintf("CREATE TEMP VIEW %s AS SELECT *, %s FROM %s", table, strings.Join(add, ", "), file(table)))
				}
			}
			continue
		}
		out = append(out, tempView(q))
	}
	if _, ok := have["sweeps"]; ok {
		metas, err := sweepMetas(ctx, db)
		if err != nil {
			return nil, err
		}
		for _, m := range metas {
			for _, q := range sweepViews(m) {
				out = append(out, tempView(q))
			}
		}
	}
	return out, nil
}

// tableDDL matches the statements of schemaSQL that create a table.
var tableDDL = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS (\w+)`)

// tempView makes a CREATE OR REPLACE VIEW statement one of a temporary view.
func tempView(q string) string {
	if !strings.HasPrefix(q, "CREATE OR REPLACE VIEW ") {
		panic("store: not a view's statement: " + q)
	}
	return strings.Replace(q, "CREATE OR REPLACE VIEW ", "CREATE OR REPLACE TEMP VIEW ", 1)
}

// nullColumns are the select items that add the columns a table made by an
// older msgmon lacks, as NULL of their types.
func nullColumns[T any](table string, have []string, cols []column[T]) ([]string, error) {
	missing, err := missingColumns(table, have, cols)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range missing {
		out = append(out, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.kind.sqlType(), c.name))
	}
	return out, nil
}
