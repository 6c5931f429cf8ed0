package sim_test

import (
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// pricedPush is paid push with the default rate card times k.
func pricedPush(tb testing.TB, k float64) sim.Model {
	return newModel(tb, "paid_push", func(p *models.PaidPushParams) {
		for m, v := range p.PriceMarketing {
			p.PriceMarketing[m] = v * k
		}
		for m, v := range p.PriceUtility {
			p.PriceUtility[m] = v * k
		}
	})
}

// Raising the price of a message lowers the volume businesses send and the
// follows their messages end, monotonically over a grid of prices (the
// default rate card times k), with common random numbers: every point runs
// the same population with the same seed. Platform revenue is zero at
// price 0, rises, peaks inside the grid and falls at every step after the
// peak, as businesses leave a channel that no longer pays (or never start
// on it); no constant places the peak. The log reports the arc elasticity
// of messages delivered at the rate card (between ×0.5 and ×2).
func TestPriceLowersVolumeAndChurn(t *testing.T) {
	cfg := smallConfig(10000, 200, 365)
	ks := []float64{0, 0.25, 0.5, 1, 2, 4, 8, 16}
	type point struct {
		sends, churn int64
		revenue      sim.Micros
	}
	var pts []point
	for _, k := range ks {
		_, _, res := run(t, cfg, 7, sim.RunSpec{}, pricedPush(t, k))
		tot := totals(res)
		p := point{sends: tot.SendsPush + tot.SendsFolder, churn: tot.UnfollowsAnnoyed + tot.FollowsBlocked, revenue: tot.PlatformTotal()}
		pts = append(pts, p)
		out := 0
		for _, c := range res.Channels {
			if c.StateEnd == "out" {
				out++
			}
		}
		t.Logf("price x%-4g: %8d messages delivered, %6d follows ended by annoyance, %5d mutes, platform $%9.2f, %3d of %d businesses out of the channel at the end",
			k, p.sends, p.churn, tot.Mutes, p.revenue.Dollars(), out, len(res.Channels))
	}
	best := 0
	for i := 1; i < len(pts); i++ {
		if pts[i].sends >= pts[i-1].sends && pts[i-1].sends > 0 {
			t.Errorf("price x%g delivers %d messages, price x%g %d: volume must fall as the price rises", ks[i], pts[i].sends, ks[i-1], pts[i-1].sends)
		}
		if pts[i].churn >= pts[i-1].churn && pts[i-1].churn > 0 {
			t.Errorf("price x%g ends %d follows by annoyance, price x%g %d: churn must fall as the price rises", ks[i], pts[i].churn, ks[i-1], pts[i-1].churn)
		}
		if pts[i].revenue > pts[best].revenue {
			best = i
		}
	}
	if pts[0].revenue != 0 {
		t.Errorf("platform revenue at price 0: %d µUSD, want 0", pts[0].revenue)
	}
	if best == 0 || best == len(pts)-1 {
		t.Errorf("platform revenue peaks at the edge of the grid (price x%g): no interior maximum", ks[best])
	}
	for i := best + 1; i < len(pts); i++ {
		if pts[i].revenue >= pts[i-1].revenue && pts[i-1].revenue > 0 {
			t.Errorf("platform revenue $%.2f at price x%g, $%.2f at x%g: past the peak (x%g) a higher price must earn less",
				pts[i].revenue.Dollars(), ks[i], pts[i-1].revenue.Dollars(), ks[i-1], ks[best])
		}
	}
	lo, hi := slices.Index(ks, 0.5), slices.Index(ks, 2)
	e := math.Log(float64(pts[hi].sends)/float64(pts[lo].sends)) / math.Log(ks[hi]/ks[lo])
	t.Logf("platform revenue peaks at price x%g of the rate card ($%.2f; x16 earns %.1f %% of it); price elasticity of messages at the rate card (arc, x0.5 to x2) %.2f",
		ks[best], pts[best].revenue.Dollars(), 100*pts[len(pts)-1].revenue.Dollars()/pts[best].revenue.Dollars(), e)
	if !(e < 0) {
		t.Errorf("price elasticity of messages %.2f, want below 0", e)
	}
}

// At price 0, a business that puts no value on followers it loses sees no
// cost in a message: its target is the most the channel and
// max_sends_per_week allow, so after its P revisions (day 0 and every
// revise_days from its own offset) its rate is, in logs, inertia^P of the way from its habit
// to that maximum; and its budget never binds (runs with no budget and
// with a huge one are the same run).
func TestPriceZeroOnlyRulesLimit(t *testing.T) {
	cfg := smallConfig(3000, 60, 90)
	cfg.Business.FollowerValue = 0
	hi := cfg.Business.MaxSendsPerWeek
	var ref *sim.Result
	for _, budget := range []float64{0, 1e6} {
		cfg.Business.BudgetMonthlyMedian = budget
		pop, _, res := run(t, cfg, 11, sim.RunSpec{}, pricedPush(t, 0))
		for _, c := range res.Channels {
			habit := math.Min(float64(pop.SendsPerWeek[c.Business]), hi)
			// Day 0, then every revise_days from the business's own
			// offset (its phase times revise_days).
			off := int(float64(pop.SendPhase[c.Business]) * float64(cfg.Business.ReviseDays))
			revisions := 1 + (cfg.Days+off)/cfg.Business.ReviseDays
			want := math.Exp(math.Log(hi) - math.Pow(cfg.Business.AdaptInertia, float64(revisions))*(math.Log(hi)-math.Log(habit)))
			if math.Abs(c.SendsPerWeekEnd-want) > 1e-9*want {
				t.Fatalf("business %d ends at %g campaigns a week on %s at price 0, want %g (from %g towards the most allowed, %g)",
					c.Business, c.SendsPerWeekEnd, c.Channel, want, habit, hi)
			}
		}
		if ref == nil {
			ref = res
			continue
		}
		if a, b := totals(ref), totals(res); a != b {
			t.Errorf("at price 0 the budget changed the run:\n no budget %+v\n huge      %+v", a, b)
		}
	}
	if tot := totals(ref); tot.SendsPush == 0 || tot.SendsBlocked == 0 {
		t.Errorf("%d pushes, %d stopped by the rules: nothing to check", tot.SendsPush, tot.SendsBlocked)
	}
}

// Businesses whose messages convert better send more: across businesses,
// the rate an adaptive business sets, averaged over its revisions (0 while
// out of the channel) and relative to its own SendsPerWeek trait (where
// it would be if a message's value equalled its cost), rises with the
// value its messages earned per message (Spearman's rank correlation,
// which must be clearly positive). The average, not the end rate: with
// the exit rule most businesses are out at any one time.
func TestBetterConvertingSendMore(t *testing.T) {
	cfg := smallConfig(20000, 200, 180)
	sum := map[int]float64{}
	cnt := map[int]int{}
	pop, _, res := run(t, cfg, 5, sim.RunSpec{Revisions: func(r sim.Revision) {
		sum[r.Business] += r.Rate
		cnt[r.Business]++
	}}, pricedPush(t, 1))
	var xs, ys []float64
	for _, c := range res.Channels {
		if c.Sends < 200 {
			continue // too few messages to know what they earn
		}
		xs = append(xs, c.Revenue.Dollars()/float64(c.Sends))
		ys = append(ys, sum[c.Business]/float64(cnt[c.Business])/float64(pop.SendsPerWeek[c.Business]))
	}
	if len(xs) < 30 {
		t.Fatalf("only %d businesses sent 200 messages or more", len(xs))
	}
	rho := spearman(xs, ys)
	// Under no relation, rho's sd is about 1/sqrt(n-1).
	se := 1 / math.Sqrt(float64(len(xs)-1))
	t.Logf("%d businesses: Spearman's rho between value per message and mean send rate (relative to trait) %.2f (sd under no relation %.2f)", len(xs), rho, se)
	if rho < 4*se {
		t.Errorf("rho %.2f: businesses whose messages earn more do not clearly send more (want above %.2f)", rho, 4*se)
	}
}

func spearman(x, y []float64) float64 {
	rank := func(v []float64) []float64 {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
		r := make([]float64, len(v))
		for i := 0; i < len(idx); {
			j := i
			for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
				j++
			}
			for k := i; k <= j; k++ {
				r[idx[k]] = float64(i+j) / 2
			}
			i = j + 1
		}
		return r
	}
	rx, ry := rank(x), rank(y)
	var mx, my float64
	for i := range rx {
		mx += rx[i]
		my += ry[i]
	}
	mx /= float64(len(rx))
	my /= float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// The fixed policy keeps every business at its SendsPerWeek trait.
func TestFixedScheduleKeepsTraitRate(t *testing.T) {
	cfg := smallConfig(3000, 50, 60)
	cfg.Business.SendPolicy = "fixed"
	pop, _, res := run(t, cfg, 3, sim.RunSpec{}, pricedPush(t, 8))
	if len(res.Channels) != cfg.Businesses {
		t.Fatalf("%d channel rows, want one per business (%d)", len(res.Channels), cfg.Businesses)
	}
	for _, c := range res.Channels {
		want := float64(pop.SendsPerWeek[c.Business])
		if c.SendsPerWeekStart != want || c.SendsPerWeekEnd != want {
			t.Errorf("business %d: %g then %g campaigns a week, want its trait %g", c.Business, c.SendsPerWeekStart, c.SendsPerWeekEnd, want)
		}
	}
}

// Each channel is adopted on its own: at adoption 1 every business uses
// every channel of the arm (one row per business and channel, and the
// business's channel list names them all), and at adoption a the share of
// adopters is a within binomial error; a business adopting a channel in one
// arm adopts it in another arm that offers it too.
func TestChannelsAdoptedPerChannel(t *testing.T) {
	cfg := smallConfig(2000, 400, 14)
	all := []sim.Model{
		newModel[models.ServiceOnlyParams](t, "service_only", nil),
		newModel(t, "subscription", func(p *models.SubscriptionParams) { p.Adoption = 1 }),
		newModel(t, "paid_push", func(p *models.PaidPushParams) { p.Adoption = 1 }),
	}
	_, plat, res := run(t, cfg, 9, sim.RunSpec{}, all...)
	if got, want := len(res.Channels), cfg.Businesses*len(plat.Channels); got != want {
		t.Fatalf("%d business-channel rows at adoption 1, want %d businesses x %d channels", got, cfg.Businesses, len(plat.Channels))
	}
	for _, b := range res.Businesses {
		if b.Channel != "service_followup+subscription+paid_push" {
			t.Fatalf("business %d uses %q at adoption 1, want every channel", b.Business, b.Channel)
		}
	}
	const a = 0.3
	half := func(extra ...sim.Model) map[int]bool {
		ms := append([]sim.Model{newModel(t, "paid_push", func(p *models.PaidPushParams) { p.Adoption = a })}, extra...)
		_, _, res := run(t, cfg, 9, sim.RunSpec{}, ms...)
		got := map[int]bool{}
		for _, c := range res.Channels {
			if c.Channel == "paid_push" {
				got[c.Business] = true
			}
		}
		return got
	}
	alone, withSub := half(), half(newModel[models.SubscriptionParams](t, "subscription", nil))
	n := float64(cfg.Businesses)
	share, sd := float64(len(alone))/n, math.Sqrt(a*(1-a)/n)
	t.Logf("adoption %g: %d of %d businesses use paid push (%.3f, sd %.3f)", a, len(alone), cfg.Businesses, share, sd)
	if math.Abs(share-a) > 4*sd {
		t.Errorf("share of adopters %.3f, want %g within 4 sd (%.3f)", share, a, 4*sd)
	}
	if len(alone) != len(withSub) {
		t.Fatalf("%d adopters of paid push alone, %d beside subscriptions: adoption must not depend on the other channels", len(alone), len(withSub))
	}
	for b := range alone {
		if !withSub[b] {
			t.Fatalf("business %d adopts paid push alone but not beside subscriptions", b)
		}
	}
}

// A business's messages on each channel add up to its own totals.
func TestChannelRowsAddUp(t *testing.T) {
	cfg := smallConfig(3000, 60, 60)
	_, _, res := run(t, cfg, 4, sim.RunSpec{}, allModels(t)...)
	type sums struct{ sends, opens, clicks, mutes int64 }
	by := map[int]sums{}
	for _, c := range res.Channels {
		s := by[c.Business]
		s.sends += c.Sends
		s.opens += c.Opens
		s.clicks += c.Clicks
		s.mutes += c.Mutes
		by[c.Business] = s
	}
	var total int64
	for _, b := range res.Businesses {
		got, want := by[b.Business], sums{b.Sends, b.Opens, b.Clicks, b.Mutes}
		if got != want {
			t.Errorf("business %d: channel rows add up to %+v, its summary says %+v", b.Business, got, want)
		}
		total += b.Sends
	}
	if total == 0 {
		t.Fatal("no message sent")
	}
}

// Two channels that cap messages per business and user a period share one
// pair of counters on the user's slot: an arm with two is refused, as one
// with two tiered or rated channels is.
func TestTwoCappedChannelsRefused(t *testing.T) {
	cfg := smallConfig(500, 10, 5)
	pop, err := sim.NewPopulation(&cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"weekly", "monthly"} {
		if err := plat.AddChannel(sim.Channel{Name: name, Delivery: sim.Push, Audience: sim.Followers, CapPerPeriod: 1, PeriodDays: 7}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = runWithSpec(pop, plat, sim.RunSpec{Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "channels weekly and monthly both cap messages per business and user a period") {
		t.Errorf("two capped channels: error %v", err)
	}
}
