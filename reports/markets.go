package reports

import (
	"context"
	"fmt"
	"slices"

	"gonum.org/v1/plot/vg"

	"github.com/msgmon/msgmon/datasets/store"
)

// MarketRow is one arm's figures in one market (the market_summary view),
// each the mean over the arm's runs with its 95 % interval.
type MarketRow struct {
	Arm, Market string
	Runs        int
	// Users in the market; MessagesPerUserWeek the proactive messages
	// delivered to them per user and week; MessageCharges and AdCharges
	// what businesses were charged for those messages and for the ads
	// they saw (USD over the run), and the same per user and year.
	Users, MessagesPerUserWeek                      Estimate
	MessageCharges, AdCharges                       Estimate
	MessageChargesPerUserYear, AdChargesPerUserYear Estimate
}

// marketColumns are the market_summary columns of a MarketRow, in its
// field order after Runs.
var marketColumns = []string{"n_users", "messages_per_user_week", "message_charges", "ad_charges",
	"message_charges_per_user_year", "ad_charges_per_user_year"}

// Markets reads market_summary over the runs, by arm (in the order of
// arms) and market.
func Markets(ctx context.Context, db *store.DB, runIDs []int64, arms []string) ([]MarketRow, error) {
	sel := "arm, market"
	for _, c := range marketColumns {
		sel += ", CAST(" + c + " AS DOUBLE)"
	}
	t, err := db.Query(ctx, "SELECT "+sel+" FROM market_summary WHERE "+idList(runIDs)+" ORDER BY arm, market, run_id")
	if err != nil {
		return nil, err
	}
	type key struct{ arm, market string }
	values := map[key][][]float64{}
	var keys []key
	for _, row := range t.Rows {
		k := key{str(row[0]), str(row[1])}
		if values[k] == nil {
			keys = append(keys, k)
		}
		v := make([]float64, len(marketColumns))
		for i := range v {
			v[i] = toFloat(row[2+i])
		}
		values[k] = append(values[k], v)
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		ia, ib := slices.Index(arms, a.arm), slices.Index(arms, b.arm)
		if ia != ib {
			return ia - ib
		}
		switch {
		case a.market < b.market:
			return -1
		case a.market > b.market:
			return 1
		}
		return 0
	})
	var out []MarketRow
	for _, k := range keys {
		if len(arms) > 0 && !slices.Contains(arms, k.arm) {
			continue
		}
		runs := values[k]
		est := func(i int) Estimate {
			x := make([]float64, len(runs))
			for j, v := range runs {
				x[j] = v[i]
			}
			return estimate(x)
		}
		out = append(out, MarketRow{Arm: k.arm, Market: k.market, Runs: len(runs),
			Users: est(0), MessagesPerUserWeek: est(1), MessageCharges: est(2), AdCharges: est(3),
			MessageChargesPerUserYear: est(4), AdChargesPerUserYear: est(5)})
	}
	return out, nil
}

// writeMarkets writes the table of figures by market, if the runs have
// any.
func (r *Report) writeMarkets(d *pdfDoc) {
	if len(r.Markets) == 0 {
		return
	}
	d.space(14)
	d.room(vg.Points(100)) // the heading with the first rows of its table
	d.para(textStyle(titleFont, 13, inkColor), "By market: messages and what businesses were charged (mean ± 95 % confidence interval over replicates)", 0)
	d.space(4)
	header := []string{"arm", "market", "users", "messages per\nuser and week", "message charges\n(USD)", "ad charges\n(USD)",
		"message charges\n(USD per user-year)", "ad charges\n(USD per user-year)"}
	var rows [][]string
	for _, m := range r.Markets {
		rows = append(rows, []string{m.Arm, m.Market, fmtNum(m.Users.Mean, 0), fmtEst(m.MessagesPerUserWeek, 2),
			fmtEst(m.MessageCharges, 0), fmtEst(m.AdCharges, 0), fmtEst(m.MessageChargesPerUserYear, 3), fmtEst(m.AdChargesPerUserYear, 3)})
	}
	d.table(header, rows)
	d.space(4)
	d.para(textStyle(captionFont, 9, mutedColor), "From the market_summary view: each market's users over every tolerance band; message charges at the market's price, "+
		"before a monthly free allowance (settled on a business's total, so not split by market); subscription fees are charged per follower, not per message, "+
		"and are not among them; runs stored before schema version 6 have none (n/a).", 0)
}

// String is the row in words, for tests and logs.
func (m MarketRow) String() string {
	return fmt.Sprintf("%s %s: %s users, %s messages per user-week, %s USD message charges per user-year",
		m.Arm, m.Market, fmtNum(m.Users.Mean, 0), fmtEst(m.MessagesPerUserWeek, 2), fmtEst(m.MessageChargesPerUserYear, 3))
}
