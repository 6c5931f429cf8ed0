package sim_test

import (
	"fmt"
	"math"
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
			if s.Float64() < 0.5 {
				p.Audience = "contacts"
			}
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
			p.AdLoad = 1 + s.IntN(5)
			p.FirstAfter = s.IntN(4)
			p.OptOut = s.Float64() < 0.7
		}))
		cfg.Behaviour.AdOptOutRate = 0.05 * s.Float64()
	}
	// Entry points, drawn last so that the draws above stay as they were:
	// their conversations open windows and free entry windows too.
	cfg.Behaviour.EntryConversationsPerDay = 0.3 * s.Float64()
	cfg.Behaviour.EntrySizeElasticity = 2 * s.Float64()
	cfg.Behaviour.EntryAdShare = s.Float64()
	return cfg, ms
}

type pair struct{ u, b int32 }

// ruleChecker replays the audit trail and checks each rule on its own
// bookkeeping, independent of the engine's: the service window from the
// hours users wrote, the messaging tiers from the deliveries and blocks it
// saw, the caps from its own counts.
type ruleChecker struct {
	t        *testing.T
	pop      *sim.Population
	plat     *sim.Platform
	day      int32 // the day of the next batch of events
	windowH  int32
	follow   map[pair]bool
	blocked  map[pair]bool
	wrote    map[pair]bool
	perPair  map[string]int // (u, b, channel, period)
	perUser  map[string]int // (u, channel, period) and (u, channel, day)
	lastSend map[pair]int32
	// lastWrite is the hour of the user's last message to the business;
	// winSent counts the business's messages in the window it opened.
	lastWrite map[pair]int32
	winSent   map[pair]int
	// newConv: the last event was a write that opens a new window, so
	// the next must be the conversation it starts.
	newConv *pair
	rating  []bizRating
	// known: every business a user followed, wrote to, blocked or had a
	// message from; an upper bound on what the user's row holds.
	known   map[int32]map[int32]bool
	ads     map[[2]int32]int // (user, day) -> impressions
	optOut  map[int32]bool
	checked int
	// newConvs counts conversations the checker saw open; freshSlots the
	// engine's other new conversations: writes inside a window the engine
	// had forgotten, because the user's row had no room for the business.
	newConvs, freshSlots int
	adsChecked           int
	failures             int
	// followBlocks counts blocks of a business the user followed then.
	followBlocks int64
}

// bizRating is the checker's own quality rating and messaging tier of a
// business, by the rule of the model document: over the last 7 days,
// blocks per 1000 quality-rated messages at or above red (yellow) make a
// red (yellow) day; 7 red days in a row drop a tier; a green day on which
// the business reached at least half its tier's limit of unique users
// outside the service window raises it.
type bizRating struct {
	ch                      *sim.Channel // nil until its first delivery
	tier, redDays           int
	sends, blocks           [7]int64 // by day mod 7
	todaySends, todayBlocks int64
	outside                 map[int32]bool // users reached outside the window today
	red, yellow, green      int
	minTier, maxTier        int
	drops, rises            int // tier moves
	firstDay                int32
}

func newRuleChecker(t *testing.T, pop *sim.Population, plat *sim.Platform) *ruleChecker {
	c := &ruleChecker{t: t, pop: pop, plat: plat, follow: map[pair]bool{}, blocked: map[pair]bool{}, wrote: map[pair]bool{},
		perPair: map[string]int{}, perUser: map[string]int{}, lastSend: map[pair]int32{},
		windowH:   int32(math.Round(plat.Service.WindowHours)),
		lastWrite: map[pair]int32{}, winSent: map[pair]int{}, rating: make([]bizRating, pop.M),
		ads: map[[2]int32]int{}, optOut: map[int32]bool{}, known: map[int32]map[int32]bool{}}
	for u := 0; u < pop.N; u++ {
		for _, b := range pop.InitialFollows[u*pop.K : (u+1)*pop.K] {
			if b >= 0 {
				c.follow[pair{int32(u), b}] = true
				if c.known[int32(u)] == nil {
					c.known[int32(u)] = map[int32]bool{}
				}
				c.known[int32(u)][b] = true
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

// events checks one day's events, in the order they happened for each
// user, then rates the businesses as the day ends.
func (c *ruleChecker) events(evs []sim.AuditEvent) {
	for _, e := range evs {
		p := pair{e.User, e.Business}
		if e.Day != c.day {
			c.fail("an event of day %d among those of day %d", e.Day, c.day)
		}
		if want := c.newConv; want != nil {
			c.newConv = nil
			if e.Kind == sim.AuditConversation && p == *want {
				c.newConvs++
				c.winSent[p] = 0
				continue
			}
			c.fail("day %d: user %d wrote to business %d after its window shut, and no new conversation began", e.Day, want.u, want.b)
		}
		if e.Kind != sim.AuditAdImpression && e.Kind != sim.AuditAdOptOut { // an ad takes no slot
			if c.known[e.User] == nil {
				c.known[e.User] = map[int32]bool{}
			}
			c.known[e.User][e.Business] = true
		}
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
			c.rating[e.Business].todayBlocks++
		case sim.AuditWrite:
			now := e.Day*24 + e.Hour
			last, ok := c.lastWrite[p]
			if !ok || now >= last+c.windowH {
				c.newConv = &p
			}
			c.lastWrite[p] = now
			c.wrote[p] = true
		case sim.AuditConversation:
			// Not one the checker expected (those are handled above):
			// the engine forgot an open window, which it does only for
			// a business it has no room for in the user's row. It must
			// follow the write it counts.
			// A row has room for K businesses, so the user must have
			// dealt with K others at least.
			c.freshSlots++
			c.winSent[p] = 0
			if n := len(c.known[e.User]); n < c.pop.K {
				c.fail("day %d: user %d started a new conversation with business %d inside its window, with only %d businesses ever in a row of %d",
					e.Day, e.User, e.Business, n, c.pop.K)
			}
		case sim.AuditDeliver:
			c.deliver(e, p)
		case sim.AuditAdImpression:
			c.adsChecked++
			if c.optOut[e.User] {
				c.fail("day %d: user %d saw an ad after turning ads off", e.Day, e.User)
			}
			k := [2]int32{e.User, e.Day}
			c.ads[k]++
			if capDay := c.plat.Ads.FreqCapPerDay; capDay > 0 && c.ads[k] > capDay {
				c.fail("day %d: user %d saw %d ads, frequency cap %d a day", e.Day, e.User, c.ads[k], capDay)
			}
		case sim.AuditAdOptOut:
			if !c.plat.Ads.OptOut {
				c.fail("day %d: user %d turned ads off, which the scenario does not allow", e.Day, e.User)
			}
			if c.optOut[e.User] {
				c.fail("day %d: user %d turned ads off twice", e.Day, e.User)
			}
			c.optOut[e.User] = true
		}
	}
	if c.newConv != nil {
		c.fail("day %d: user %d wrote to business %d after its window shut, and no new conversation began", c.day, c.newConv.u, c.newConv.b)
		c.newConv = nil
	}
	c.rate()
	c.day++
}

// rate ends the day for every business that has a channel in use.
func (c *ruleChecker) rate() {
	ring := int(c.day) % 7
	for b := range c.rating {
		g := &c.rating[b]
		if g.ch == nil {
			continue
		}
		g.sends[ring], g.blocks[ring] = g.todaySends, g.todayBlocks
		g.todaySends, g.todayBlocks = 0, 0
		green := true
		if g.ch.Quality {
			var sends, blocks int64
			for i := range g.sends {
				sends += g.sends[i]
				blocks += g.blocks[i]
			}
			rate := 0.0
			if sends > 0 {
				rate = 1000 * float64(blocks) / float64(sends)
			}
			switch {
			case rate >= g.ch.RedPer1000:
				g.red++
				g.redDays++
				green = false
			case rate >= g.ch.YellowPer1000:
				g.yellow++
				g.redDays = 0
				green = false
			default:
				g.green++
				g.redDays = 0
			}
			if g.redDays >= 7 {
				g.redDays = 0
				if g.tier > 0 {
					g.tier--
					g.drops++
				}
			}
		}
		if n := len(g.ch.Tiers); n > 0 && green && g.tier < n && 2*len(g.outside) >= g.ch.Tiers[g.tier] {
			g.tier++
			g.rises++
		}
		g.outside = nil
		g.minTier, g.maxTier = min(g.minTier, g.tier), max(g.maxTier, g.tier)
	}
}

// limit is business b's limit of unique users a day outside the window
// on its tiered channel (-1: none, the top tier).
func (g *bizRating) limit() int32 {
	if g.tier < len(g.ch.Tiers) {
		return int32(g.ch.Tiers[g.tier])
	}
	return -1
}

// checkRatings compares the engine's summary of each business the checker
// rated with the checker's own ratings and tiers.
func (c *ruleChecker) checkRatings(res *sim.Result) (rated, red int) {
	for b := range c.rating {
		g := &c.rating[b]
		if g.ch == nil {
			continue
		}
		s := res.Businesses[b]
		if g.ch.Quality {
			// Before its first delivery a business sent nothing: green.
			g.green += int(g.firstDay)
		}
		rated++
		if g.red > 0 {
			red++
		}
		got := [6]int{s.DaysRed, s.DaysYellow, s.DaysGreen, s.FinalTier, s.MinTier, s.MaxTier}
		want := [6]int{g.red, g.yellow, g.green, g.tier, g.minTier, g.maxTier}
		if got != want {
			c.fail("business %d on %s: engine rates (red, yellow, green days; final, min, max tier) %v, the audit trail gives %v",
				b, g.ch.Name, got, want)
		}
	}
	return rated, red
}

func (c *ruleChecker) deliver(e sim.AuditEvent, p pair) {
	c.checked++
	ch := &c.plat.Channels[e.Channel]
	now := e.Day*24 + e.Hour
	last, wrote := c.lastWrite[p]
	open := wrote && now < last+c.windowH
	g := &c.rating[e.Business]
	if g.ch == nil {
		g.ch, g.tier, g.firstDay = ch, ch.StartTier, e.Day
		g.minTier, g.maxTier = ch.StartTier, ch.StartTier
	} else if g.ch != ch {
		c.fail("day %d: business %d sent on %s and on %s", e.Day, e.Business, g.ch.Name, ch.Name)
	}
	if ch.Quality {
		g.todaySends++
	}
	if c.blocked[p] {
		c.fail("day %d: %s delivered to user %d who blocked business %d", e.Day, ch.Name, e.User, e.Business)
	}
	// The engine may forget an open window (no room in the user's row)
	// and treat a message as outside it; it may never see a window that
	// is shut.
	if e.InWindow && !open {
		c.fail("day %d: %s delivered to user %d as inside the window, but the user last wrote to business %d at hour %d (window %d h, now %d)",
			e.Day, ch.Name, e.User, e.Business, last, c.windowH, now)
	}
	switch ch.Audience {
	case sim.Followers:
		if !c.follow[p] {
			c.fail("day %d: %s delivered to user %d who does not follow business %d", e.Day, ch.Name, e.User, e.Business)
		}
	case sim.Contacts:
		if !c.wrote[p] {
			c.fail("day %d: %s delivered to user %d who never wrote to business %d", e.Day, ch.Name, e.User, e.Business)
		}
	case sim.WindowOnly:
		if !open {
			c.fail("day %d: %s delivered outside the service window", e.Day, ch.Name)
		}
		if !c.follow[p] && !c.wrote[p] {
			c.fail("day %d: %s delivered to user %d who never wrote to business %d", e.Day, ch.Name, e.User, e.Business)
		}
	}
	if max := c.plat.Service.MaxMessagesPerWindow; e.InWindow && max > 0 {
		c.winSent[p]++
		if c.winSent[p] > max {
			c.fail("day %d: business %d sent user %d %d messages in one service window, at most %d", e.Day, e.Business, e.User, c.winSent[p], max)
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
	if last, ok := c.lastSend[p]; ok && ch.MinGapHours > 0 && float64(now-last) < ch.MinGapHours {
		c.fail("day %d: business %d wrote to user %d after %d h, minimum gap %g h", e.Day, e.Business, e.User, now-last, ch.MinGapHours)
	}
	c.lastSend[p] = now
	if len(ch.Tiers) > 0 && !e.InWindow {
		lim := g.limit()
		if e.Limit != lim {
			c.fail("day %d: business %d sent under a tier limit of %d users a day; its blocks and reach give %d", e.Day, e.Business, e.Limit, lim)
		}
		if g.outside == nil {
			g.outside = map[int32]bool{}
		}
		g.outside[e.User] = true
		if n := int32(len(g.outside)); lim >= 0 && n > lim {
			c.fail("day %d: business %d reached %d unique users outside the window, tier limit %d", e.Day, e.Business, n, lim)
		}
	}
}

// TestRulesNeverBroken runs random scenarios with tight rules and replays
// every event: no message outside what the models allow (audience, service
// window, messages per window, blocked markets), no cap exceeded (per pair
// and period, per user and period or day, minimum gap, the tier's unique
// users a day, ads a day), nothing delivered to a user who unfollowed or
// blocked, no ad after a user turned ads off. The window, the quality
// rating and the tier are worked out from the events themselves, and the
// engine's ratings and tiers of every business must match.
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
			if c.newConvs == 0 {
				t.Fatalf("no conversation under %v: the window was never checked", plat.Models)
			}
			if plat.Ads != nil && c.adsChecked == 0 {
				t.Fatalf("no ad shown under %v: the ad rules were never checked", plat.Models)
			}
			rated, red := c.checkRatings(res)
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
			if tot.Conversations != int64(c.newConvs+c.freshSlots) {
				t.Errorf("metrics count %d conversations, the audit trail %d", tot.Conversations, c.newConvs+c.freshSlots)
			}
			t.Logf("%v: %d deliveries checked, %d blocked by rules; %d blocks, %d of them by followers; "+
				"%d conversations (%d in a row with no room); %d ads; %d businesses rated, %d of them red some day",
				plat.Models, c.checked, sumBlocked(res), tot.Blocks, tot.FollowsBlocked,
				c.newConvs+c.freshSlots, c.freshSlots, c.adsChecked, rated, red)
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
	var bySource [sim.NumSources]sim.Micros
	for _, b := range res.Businesses {
		var s sim.Micros
		for src, v := range b.SpendBySource {
			s += v
			bySource[src] += v
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
	// Source by source, the platform earns what businesses paid from it;
	// beyond that only its share of users' channel subscriptions.
	for src, v := range bySource {
		extra := tot.PlatformRevenue[src] - v
		if extra < 0 || (extra > 0 && sim.Source(src) != sim.SourceSubscriptions) {
			t.Errorf("source %v: the platform earned %d µUSD, businesses paid %d", sim.Source(src), tot.PlatformRevenue[src], v)
		}
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
		if src := d.FollowsFromChat + d.FollowsFromAds + d.FollowsFromEntry + d.FollowsDiscovery + d.FollowsWOM; src != d.FollowsGained {
			t.Fatalf("day %d: %d follows gained, but their sources add up to %d", d.Day, d.FollowsGained, src)
		}
		if d.EntryAdConversations > d.EntryConversations || d.EntryConversations > d.Conversations {
			t.Fatalf("day %d: %d conversations, %d from entry points, %d of them from ads", d.Day, d.Conversations, d.EntryConversations, d.EntryAdConversations)
		}
	}
	for _, b := range res.Businesses {
		if got := b.FollowersStart + b.FollowsGained - b.Unfollows - b.FollowsBlocked; got != b.FollowersEnd {
			t.Errorf("business %d: %d followers at the start, +%d -%d -%d, gives %d; it ends with %d",
				b.Business, b.FollowersStart, b.FollowsGained, b.Unfollows, b.FollowsBlocked, got, b.FollowersEnd)
		}
	}
}
