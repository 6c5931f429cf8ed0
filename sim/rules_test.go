package sim_test

import (
	"fmt"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// randomArm draws a scenario and a combination of models with tight,
// random rules, so that every cap binds somewhere.
func randomArm(t *testing.T, i int) (sim.Config, []sim.Model) {
	s := sim.NewStream(uint64(1000+i), 1, 0, 0)
	cfg := smallConfig(1500+s.IntN(1500), 20+s.IntN(40), 40+s.IntN(30))
	cfg.Business.SendsPerWeekMean = 2 + 8*s.Float64()
	cfg.User.FollowsAtStart = 1 + 4*s.Float64()
	cfg.Behaviour.ConversationsPerDay = 0.1 + 0.5*s.Float64()
	cfg.Behaviour.ReactRate = 0.5 * s.Float64()
	var ms []sim.Model
	if s.Float64() < 0.6 {
		ms = append(ms, newModel(t, "service_only", func(p *models.ServiceOnlyParams) {
			p.WindowHours = []float64{24, 48, 72}[s.IntN(3)]
			p.MaxMessagesPerWindow = s.IntN(4)
			p.Adoption = 0.2 + 0.8*s.Float64()
		}))
	}
	if s.Float64() < 0.6 {
		ms = append(ms, newModel(t, "subscription", func(p *models.SubscriptionParams) {
			p.MessagesPerPeriod = 1 + s.IntN(3)
			p.PeriodDays = 1 + s.IntN(10)
			p.UserCapPerPeriod = s.IntN(5)
			p.Delivery = []string{"folder", "push"}[s.IntN(2)]
			p.UserFeeMonthly = float64(s.IntN(2)) * 1.99
			p.PayingShare = 0.05
			p.Adoption = 0.2 + 0.8*s.Float64()
		}))
	}
	if s.Float64() < 0.7 || len(ms) == 0 {
		ms = append(ms, newModel(t, "paid_push", func(p *models.PaidPushParams) {
			p.Tiers = []int{3 + s.IntN(5), 20 + s.IntN(20), 200}
			p.UserCapPerDay = s.IntN(3)
			p.MinGapHours = float64(s.IntN(3) * 12)
			p.BlockedMarkets = [][]string{nil, {"US"}, {"US", "DE"}}[s.IntN(3)]
			p.YellowPer1000, p.RedPer1000 = 1, 2
			p.Adoption = 0.2 + 0.8*s.Float64()
		}))
	}
	if s.Float64() < 0.5 {
		ms = append(ms, newModel(t, "status_ads", func(p *models.StatusAdsParams) {
			p.FreqCapPerDay = s.IntN(4)
		}))
	}
	return cfg, ms
}

type pair struct{ u, b int32 }

// ruleChecker replays the audit trail and checks each rule on its own
// bookkeeping, independent of the engine's.
type ruleChecker struct {
	t        *testing.T
	pop      *sim.Population
	plat     *sim.Platform
	follow   map[pair]bool
	blocked  map[pair]bool
	wrote    map[pair]bool
	perPair  map[string]int // (u, b, channel, period)
	perUser  map[string]int // (u, channel, period) and (u, channel, day)
	lastSend map[pair]int32
	tierDay  map[string]map[int32]bool // (b, day) -> users outside window
	limit    map[string]int32
	checked  int
	failures int
	// followBlocks counts blocks of a business the user followed then.
	followBlocks int64
}

func newRuleChecker(t *testing.T, pop *sim.Population, plat *sim.Platform) *ruleChecker {
	c := &ruleChecker{t: t, pop: pop, plat: plat, follow: map[pair]bool{}, blocked: map[pair]bool{}, wrote: map[pair]bool{},
		perPair: map[string]int{}, perUser: map[string]int{}, lastSend: map[pair]int32{},
		tierDay: map[string]map[int32]bool{}, limit: map[string]int32{}}
	for u := 0; u < pop.N; u++ {
		for _, b := range pop.InitialFollows[u*pop.K : (u+1)*pop.K] {
			if b >= 0 {
				c.follow[pair{int32(u), b}] = true
			}
		}
	}
	return c
}

func (c *ruleChecker) fail(format string, args ...any) {
	c.failures++
	if c.failures <= 10 {
		c.t.Errorf(format, args...)
	}
}

func (c *ruleChecker) events(evs []sim.AuditEvent) {
	for _, e := range evs {
		p := pair{e.User, e.Business}
		switch e.Kind {
		case sim.AuditFollow:
			if c.blocked[p] {
				c.fail("day %d: user %d followed business %d it had blocked", e.Day, e.User, e.Business)
			}
			c.follow[p] = true
		case sim.AuditUnfollow:
			if !c.follow[p] {
				c.fail("day %d: user %d unfollowed business %d it did not follow", e.Day, e.User, e.Business)
			}
			c.follow[p] = false
		case sim.AuditBlock:
			if c.follow[p] {
				c.followBlocks++
			}
			c.follow[p] = false
			c.blocked[p] = true
		case sim.AuditConversation:
			c.wrote[p] = true
		case sim.AuditDeliver:
			c.deliver(e, p)
		}
	}
}

func (c *ruleChecker) deliver(e sim.AuditEvent, p pair) {
	c.checked++
	ch := &c.plat.Channels[e.Channel]
	if c.blocked[p] {
		c.fail("day %d: %s delivered to user %d who blocked business %d", e.Day, ch.Name, e.User, e.Business)
	}
	switch ch.Audience {
	case sim.Followers:
		if !c.follow[p] {
			c.fail("day %d: %s delivered to user %d who does not follow business %d", e.Day, ch.Name, e.User, e.Business)
		}
	case sim.WindowOnly:
		if !e.InWindow {
			c.fail("day %d: %s delivered outside the service window", e.Day, ch.Name)
		}
		if !c.follow[p] && !c.wrote[p] {
			c.fail("day %d: %s delivered to user %d who never wrote to business %d", e.Day, ch.Name, e.User, e.Business)
		}
	}
	mk := c.pop.Market[e.User]
	if e.Category == sim.Marketing && ch.MarketingBlocked[mk] {
		c.fail("day %d: marketing delivered to market %s", e.Day, c.plat.Markets[mk])
	}
	if ch.CapPerPeriod > 0 {
		k := fmt.Sprint(e.User, e.Business, e.Channel, int(e.Day)/ch.PeriodDays)
		c.perPair[k]++
		if c.perPair[k] > ch.CapPerPeriod {
			c.fail("day %d: business %d sent user %d %d messages in a period, cap %d", e.Day, e.Business, e.User, c.perPair[k], ch.CapPerPeriod)
		}
	}
	if ch.UserCapPerPeriod > 0 {
		k := fmt.Sprint("p", e.User, e.Channel, int(e.Day)/ch.PeriodDays)
		c.perUser[k]++
		if c.perUser[k] > ch.UserCapPerPeriod {
			c.fail("day %d: user %d got %d messages in a period on %s, cap %d", e.Day, e.User, c.perUser[k], ch.Name, ch.UserCapPerPeriod)
		}
	}
	if ch.UserCapPerDay > 0 && e.Category == sim.Marketing {
		k := fmt.Sprint("d", e.User, e.Channel, e.Day)
		c.perUser[k]++
		if c.perUser[k] > ch.UserCapPerDay {
			c.fail("day %d: user %d got %d marketing messages on %s, cap %d a day", e.Day, e.User, c.perUser[k], ch.Name, ch.UserCapPerDay)
		}
	}
	now := e.Day*24 + e.Hour
	if last, ok := c.lastSend[p]; ok && ch.MinGapHours > 0 && float64(now-last) < ch.MinGapHours {
		c.fail("day %d: business %d wrote to user %d after %d h, minimum gap %g h", e.Day, e.Business, e.User, now-last, ch.MinGapHours)
	}
	c.lastSend[p] = now
	if len(ch.Tiers) > 0 && !e.InWindow && e.Limit >= 0 {
		k := fmt.Sprint(e.Business, "/", e.Day)
		if c.tierDay[k] == nil {
			c.tierDay[k] = map[int32]bool{}
		}
		c.tierDay[k][e.User] = true
		if n := int32(len(c.tierDay[k])); n > e.Limit {
			c.fail("day %d: business %d reached %d unique users outside the window, tier limit %d", e.Day, e.Business, n, e.Limit)
		}
	}
}

// TestRulesNeverBroken runs random scenarios with tight rules and replays
// every event: no message outside what the models allow, no cap exceeded,
// nothing delivered to a user who unfollowed or blocked.
func TestRulesNeverBroken(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 4
	}
	for i := 0; i < n; i++ {
		cfg, ms := randomArm(t, i)
		t.Run(fmt.Sprintf("scenario%d", i), func(t *testing.T) {
			pop, err := sim.NewPopulation(&cfg, uint64(i+1))
			if err != nil {
				t.Fatal(err)
			}
			plat, err := sim.NewPlatform(&cfg, ms...)
			if err != nil {
				t.Fatal(err)
			}
			c := newRuleChecker(t, pop, plat)
			res, err := runWithAudit(pop, plat, uint64(i+7), c.events)
			if err != nil {
				t.Fatal(err)
			}
			if c.checked == 0 {
				t.Fatalf("no message delivered under %v: the check checked nothing", plat.Models)
			}
			tot := totals(res)
			if got := tot.SendsPush + tot.SendsFolder; got != int64(c.checked) {
				t.Errorf("metrics count %d deliveries, the audit trail %d", got, c.checked)
			}
			if tot.FollowsBlocked != c.followBlocks {
				t.Errorf("metrics count %d blocks that ended a follow, the audit trail %d", tot.FollowsBlocked, c.followBlocks)
			}
			checkMoney(t, res)
			checkSegments(t, pop, res)
			checkFollows(t, pop, res)
			t.Logf("%v: %d deliveries checked, %d blocked by rules; %d blocks, %d of them by followers",
				plat.Models, c.checked, sumBlocked(res), tot.Blocks, tot.FollowsBlocked)
		})
	}
}

func sumBlocked(res *sim.Result) int64 {
	var n int64
	for _, d := range res.Daily {
		n += d.SendsBlocked
	}
	return n
}

// checkMoney: what businesses pay equals what the platform earns from
// them, and what users pay goes to businesses or the platform, to the
// micro-dollar, per day and per business.
func checkMoney(t *testing.T, res *sim.Result) {
	t.Helper()
	var bizSpend, bizRevenue sim.Micros
	for _, b := range res.Businesses {
		var s sim.Micros
		for _, v := range b.SpendBySource {
			s += v
		}
		if s != b.Spend {
			t.Errorf("business %d: spend by source adds to %d, total %d", b.Business, s, b.Spend)
		}
		bizSpend += b.Spend
		bizRevenue += b.Revenue
	}
	tot := totals(res)
	platform := tot.PlatformTotal()
	if bizSpend != tot.BusinessSpend {
		t.Errorf("businesses' own books say they paid %d µUSD, the daily rows %d", bizSpend, tot.BusinessSpend)
	}
	if bizRevenue != tot.BusinessRevenue {
		t.Errorf("businesses' own books say they earned %d µUSD, the daily rows %d", bizRevenue, tot.BusinessRevenue)
	}
	if platform != tot.BusinessSpend+tot.UserSpend-tot.BusinessRevenue {
		t.Errorf("platform revenue %d != business spend %d + user spend %d - business revenue %d",
			platform, tot.BusinessSpend, tot.UserSpend, tot.BusinessRevenue)
	}
}

// checkSegments: the segments partition the users, and their counts add
// up to the daily totals.
func checkSegments(t *testing.T, pop *sim.Population, res *sim.Result) {
	t.Helper()
	var sum sim.SegmentSummary
	for _, g := range res.Segments {
		sum.Users += g.Users
		sum.FollowsEnd += g.FollowsEnd
		sum.FollowsGained += g.FollowsGained
		sum.Unfollows += g.Unfollows
		sum.UnfollowsAnnoyed += g.UnfollowsAnnoyed
		sum.Blocks += g.Blocks
		sum.FollowsBlocked += g.FollowsBlocked
		sum.Mutes += g.Mutes
		sum.MessagesReceived += g.MessagesReceived
		sum.PushesReceived += g.PushesReceived
		sum.AdImpressions += g.AdImpressions
		sum.AdOptOuts += g.AdOptOuts
		sum.Conversions += g.Conversions
		sum.Purchases += g.Purchases
	}
	tot := totals(res)
	last := res.Daily[len(res.Daily)-1]
	want := sim.SegmentSummary{Users: int64(pop.N), FollowsEnd: last.ActiveFollows, FollowsGained: tot.FollowsGained,
		Unfollows: tot.Unfollows, UnfollowsAnnoyed: tot.UnfollowsAnnoyed, Blocks: tot.Blocks, FollowsBlocked: tot.FollowsBlocked,
		Mutes: tot.Mutes, MessagesReceived: tot.SendsPush + tot.SendsFolder, PushesReceived: tot.SendsPush,
		AdImpressions: tot.AdImpressions, AdOptOuts: tot.AdOptOuts, Conversions: tot.Conversions}
	// User spend also holds channel subscriptions: purchases are part of it.
	if sum.Purchases > tot.UserSpend || (sum.Conversions > 0) != (sum.Purchases > 0) {
		t.Errorf("segments' purchases %d µUSD, users spent %d in all", sum.Purchases, tot.UserSpend)
	}
	sum.Purchases = 0
	if sum != want {
		t.Errorf("segments add up to\n%+v\ndaily totals give\n%+v", sum, want)
	}
}

// checkFollows: follows are conserved. Each day the active follows change
// by the follows gained less the unfollows and the blocks that ended a
// follow, starting from the population's initial follows; the businesses'
// follower counts move the same way.
func checkFollows(t *testing.T, pop *sim.Population, res *sim.Result) {
	t.Helper()
	var active int64
	for _, b := range pop.InitialFollows {
		if b >= 0 {
			active++
		}
	}
	for _, d := range res.Daily {
		active += d.FollowsGained - d.Unfollows - d.FollowsBlocked
		if d.ActiveFollows != active {
			t.Fatalf("day %d: %d active follows, but gains less unfollows and blocked follows give %d",
				d.Day, d.ActiveFollows, active)
		}
		if d.FollowsBlocked > d.Blocks {
			t.Fatalf("day %d: %d blocks ended a follow, only %d blocks in all", d.Day, d.FollowsBlocked, d.Blocks)
		}
	}
	for _, b := range res.Businesses {
		if got := b.FollowersStart + b.FollowsGained - b.Unfollows - b.FollowsBlocked; got != b.FollowersEnd {
			t.Errorf("business %d: %d followers at the start, +%d -%d -%d, gives %d; it ends with %d",
				b.Business, b.FollowersStart, b.FollowsGained, b.Unfollows, b.FollowsBlocked, got, b.FollowersEnd)
		}
	}
}
