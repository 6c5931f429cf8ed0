package sim_test

import (
	"fmt"
	"math"
	"math/big"
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
			if s.Float64() < 0.4 {
				// Conversations priced by market, a few free a month.
				p.PricePerConversation = models.Prices{"IN": 0.004, "DE": 0.0819, "default": 0.01}
				p.FreeConversationsPerMonth = s.IntN(40)
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
			p.UserCapExempt = [][]string{nil, {"DE"}, {"DE", "UK", "IN"}, models.CapExemptMarkets()}[s.IntN(4)]
			switch s.IntN(3) {
			case 1:
				p.Charge = "conversation"
			case 2:
				p.MarketingTemplates, p.FreeInWindow = false, true // 2018-2021 notifications
			}
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
	// A limit of mass sends per business and period on the subscription
	// channel, and fixed schedules in some scenarios (an adaptive business
	// plans within the limits, a fixed one runs into them), drawn after
	// the entry points for the same reason.
	for _, m := range ms {
		if sub, ok := m.(*models.Subscription); ok {
			sub.P.SendsPerPeriod = s.IntN(4)
		}
	}
	if s.Float64() < 0.3 {
		cfg.Business.SendPolicy = "fixed"
	}
	return cfg, ms
}

// eraArm is one of the fixed scenarios of the rules test: a WeChat
// service account (4 mass sends a month per account, each follower
// receiving at most 4 a month from each account; 5 messages a 48 h
// window, replies included; fixed schedules of about 17 campaigns a
// month, so that the account's limit binds), WhatsApp since 2025 (a per-user marketing cap
// but in DE and UK), WhatsApp's 2018 notifications (utility
// templates only, free in the window, a price per message outside it) and
// WhatsApp's 2022 conversations (a price per business- and user-initiated
// conversation by market, a monthly allowance of free conversations, free
// conversations from ads).
func eraArm(t *testing.T, era string) (sim.Config, []sim.Model) {
	cfg := smallConfig(2500, 40, 70)
	cfg.Business.SendsPerWeekMean = 4
	cfg.User.FollowsAtStart = 3
	cfg.Behaviour.ConversationsPerDay = 0.3
	cfg.Behaviour.ReactRate = 0.05
	switch era {
	case "wechat-service":
		cfg.Business.SendPolicy = "fixed"
		return cfg, []sim.Model{
			newModel(t, "service_only", func(p *models.ServiceOnlyParams) {
				p.WindowHours, p.MaxMessagesPerWindow = 48, 5
			}),
			newModel(t, "subscription", func(p *models.SubscriptionParams) {
				p.Delivery, p.MessagesPerPeriod, p.PeriodDays, p.UserCapPerPeriod = "push", 4, 30, 0
				p.SendsPerPeriod = 4
			}),
		}
	case "whatsapp-2018":
		return cfg, []sim.Model{
			newModel(t, "service_only", func(p *models.ServiceOnlyParams) { p.FollowUps = false }),
			newModel(t, "paid_push", func(p *models.PaidPushParams) {
				p.MarketingTemplates, p.FreeInWindow, p.UserCapPerDay = false, true, 0
				p.BlockedMarkets = nil
				p.Tiers = nil
			}),
		}
	case "whatsapp-2025":
		// The rate card's defaults: a per-user cap of 2 marketing messages
		// a day, off in DE and UK; many campaigns so that it binds.
		cfg.Business.SendsPerWeekMean = 14
		return cfg, []sim.Model{
			newModel(t, "service_only", func(p *models.ServiceOnlyParams) { p.FollowUps = false }),
			newModel[models.PaidPushParams](t, "paid_push", nil),
		}
	case "whatsapp-2022":
		return cfg, []sim.Model{
			newModel(t, "service_only", func(p *models.ServiceOnlyParams) {
				p.FollowUps = false
				p.PricePerConversation = models.Prices{"US": 0.0088, "DE": 0.0819, "BR": 0.03, "IN": 0.004, "UK": 0.0388, "default": 0.02}
				p.FreeConversationsPerMonth = 60
			}),
			newModel(t, "paid_push", func(p *models.PaidPushParams) {
				p.Charge, p.UserCapPerDay, p.BlockedMarkets = "conversation", 0, nil
				p.PriceMarketing = models.Prices{"US": 0.0147, "DE": 0.1365, "BR": 0.05, "IN": 0.0066, "UK": 0.0647, "default": 0.03}
				p.PriceUtility = p.PriceMarketing
			}),
			newModel(t, "status_ads", func(p *models.StatusAdsParams) { p.CTR = 0.05 }),
		}
	}
	t.Fatalf("no era %s", era)
	return cfg, nil
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
	// sentOn has bit i set for a business that delivered on channel i.
	sentOn map[int32]uint8
	// lastDelivered is the last delivery: its pair and whether its
	// channel is quality-rated.
	lastDelivered struct {
		u, b    int32
		quality bool
	}

	// Money, recounted from the rate cards: freeUntil is the end of a free
	// entry point or of a business-initiated conversation; conv counts the
	// day's conversations of each business under a monthly allowance and
	// what they would cost by source; spend is what each business should
	// have paid by source (ads and subscription fees aside).
	freeUntil map[pair]int32
	convN     []int64
	convDue   [][sim.NumSources]sim.Micros
	freeLeft  []int64
	spend     [][sim.NumSources]sim.Micros
	// lastConv is the last new conversation and whether it had no room.
	lastConv       pair
	lastConvNoRoom bool
	replies        int
	// Refusals checked; those whose rule was the daily marketing cap; and
	// user-days in markets exempt from that cap with more marketing than
	// it allows.
	refused, refusedDayCap, exemptOverCap int
	// allowanceUsed: conversations free under the monthly allowance;
	// ranOut: business-days on which it ran out part-way.
	allowanceUsed, ranOut int64
	// acrossAccounts is, per channel with a cap per business and user,
	// the most messages a user got from all businesses in one period.
	acrossAccounts map[int8]int
	// massSends counts the campaigns (mass sends) of each business on
	// each channel in each period of the channel; mostMass is the most
	// in one period by one business, per channel; planned holds the
	// day's campaigns (business, channel, hour), which every delivery
	// and refusal must belong to.
	massSends map[[3]int32]int
	mostMass  map[int8]int
	planned   map[[3]int32]bool
}

// bizRating is the checker's own quality rating and messaging tier of a
// business, by the rule of the model document: over the last 7 days,
// blocks per 1000 quality-rated messages at or above red (yellow) make a
// red (yellow) day; 7 red days in a row drop a tier; a green day on which
// the business reached at least half its tier's limit of unique users
// outside the service window raises it.
type bizRating struct {
	ch                      *sim.Channel // the rated channel; nil until its first delivery there
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
		ads: map[[2]int32]int{}, optOut: map[int32]bool{}, known: map[int32]map[int32]bool{},
		freeUntil: map[pair]int32{}, convN: make([]int64, pop.M), convDue: make([][sim.NumSources]sim.Micros, pop.M),
		freeLeft: make([]int64, pop.M), spend: make([][sim.NumSources]sim.Micros, pop.M), acrossAccounts: map[int8]int{},
		massSends: map[[3]int32]int{}, mostMass: map[int8]int{}, planned: map[[3]int32]bool{}}
	for u := 0; u < pop.N; u++ {
		for _, b := range pop.InitialFollows(u, nil) {
			c.follow[pair{int32(u), b}] = true
			if c.known[int32(u)] == nil {
				c.known[int32(u)] = map[int32]bool{}
			}
			c.known[int32(u)][b] = true
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
				c.conversation(e, p)
				continue
			}
			c.fail("day %d: user %d wrote to business %d after its window shut, and no new conversation began", e.Day, want.u, want.b)
		}
		if e.Kind == sim.AuditCampaign {
			c.campaign(e)
			continue
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
			// The rating counts the blocks its own channel's messages
			// caused: a block follows at once the delivery it reacts to.
			if last := c.lastDelivered; last.u == e.User && last.b == e.Business && last.quality {
				c.rating[e.Business].todayBlocks++
			}
		case sim.AuditWrite:
			now := e.Day*24 + e.Hour
			c.wrote[p] = true
			if e.NoRoom {
				// No room for the business in the user's row: no window,
				// always a new conversation. A row has room for K
				// businesses, so the user must have dealt with K others.
				c.freshSlots++
				c.newConv = &p
				if n := len(c.known[e.User]); n < c.pop.K {
					c.fail("day %d: user %d had no room for business %d with only %d businesses ever in a row of %d",
						e.Day, e.User, e.Business, n, c.pop.K)
				}
				c.lastConvNoRoom = true
				break
			}
			c.lastConvNoRoom = false
			if e.FromAd && c.plat.Service.FreeEntryHours > 0 {
				c.freeUntil[p] = now + int32(math.Round(c.plat.Service.FreeEntryHours))
			}
			last, ok := c.lastWrite[p]
			if !ok || now >= last+c.windowH {
				c.newConv = &p
			}
			c.lastWrite[p] = now
		case sim.AuditConversation:
			// Not one the checker expected (those are handled above):
			// a new conversation inside an open window.
			c.fail("day %d: user %d started a new conversation with business %d inside its window", e.Day, e.User, e.Business)
		case sim.AuditReply:
			c.replies++
			if p != c.lastConv {
				c.fail("day %d: business %d answered user %d, who started no conversation", e.Day, e.Business, e.User)
			}
			if max := c.plat.Service.MaxMessagesPerWindow; max > 0 && !c.lastConvNoRoom {
				c.winSent[p]++
				if c.winSent[p] > max {
					c.fail("day %d: business %d sent user %d %d messages in one service window (the reply included), at most %d", e.Day, e.Business, e.User, c.winSent[p], max)
				}
			}
		case sim.AuditRefused:
			c.refusal(e, p)
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
	c.settle()
	c.rate()
	c.day++
	clear(c.planned)
}

// campaign counts a mass send of a business on a channel: at most the
// channel's SendsPerPeriod in each of its periods (WeChat: 4 a month per
// service account), however many followers each reached.
func (c *ruleChecker) campaign(e sim.AuditEvent) {
	if e.User != -1 || e.Channel < 0 || int(e.Channel) >= len(c.plat.Channels) {
		c.fail("day %d: a campaign of business %d with user %d and channel %d", e.Day, e.Business, e.User, e.Channel)
		return
	}
	ch := &c.plat.Channels[e.Channel]
	c.planned[[3]int32{e.Business, int32(e.Channel), e.Hour}] = true
	period := int32(0)
	if ch.PeriodDays > 0 {
		period = e.Day / int32(ch.PeriodDays)
	}
	k := [3]int32{e.Business, int32(e.Channel), period}
	c.massSends[k]++
	n := c.massSends[k]
	c.mostMass[e.Channel] = max(c.mostMass[e.Channel], n)
	if lim := ch.SendsPerPeriod; lim > 0 && n > lim {
		c.fail("day %d: business %d made its mass send number %d on %s in period %d (%d days), at most %d",
			e.Day, e.Business, n, ch.Name, period, ch.PeriodDays, lim)
	}
}

// fromCampaign checks that a message on a channel belongs to a campaign
// its business planned on that channel for that hour of the day.
func (c *ruleChecker) fromCampaign(e sim.AuditEvent) {
	if !c.planned[[3]int32{e.Business, int32(e.Channel), e.Hour}] {
		c.fail("day %d: a message of business %d to user %d on %s at hour %d, with no campaign of the business then",
			e.Day, e.Business, e.User, c.plat.Channels[e.Channel].Name, e.Hour)
	}
}

// conversation books a new conversation of the pair: the window it opens
// has had no business message yet, and unless a free entry point or a
// business-initiated conversation is open (with a slot for the pair), it
// is charged the user-initiated price of the user's market.
func (c *ruleChecker) conversation(e sim.AuditEvent, p pair) {
	c.lastConv = p
	if c.lastConvNoRoom {
		c.chargeConv(e.Business, c.plat.Service.PricePerConversation[c.pop.Market[e.User]], sim.SourceService)
		return
	}
	c.winSent[p] = 0
	if now := e.Day*24 + e.Hour; now < c.freeUntil[p] {
		return
	}
	c.chargeConv(e.Business, c.plat.Service.PricePerConversation[c.pop.Market[e.User]], sim.SourceService)
}

// chargeConv books a conversation of business b at price v: at once, or
// under the monthly allowance at the end of the day.
func (c *ruleChecker) chargeConv(b int32, v sim.Micros, src sim.Source) {
	if c.plat.Service.FreeConversationsPerMonth == 0 {
		c.spend[b][src] += v
		return
	}
	c.convN[b]++
	c.convDue[b][src] += v
}

// settle ends the day's conversations under the monthly allowance, by the
// rule of the model document: the month's first FreeConversationsPerMonth
// conversations of a business are free; on the day they run out, with k
// free of the day's n, the business pays due·(n−k)/n rounded down (worked
// out here with big integers).
func (c *ruleChecker) settle() {
	if c.plat.Service.FreeConversationsPerMonth == 0 {
		return
	}
	if c.day%30 == 0 {
		for b := range c.freeLeft {
			c.freeLeft[b] = int64(c.plat.Service.FreeConversationsPerMonth)
		}
	}
	for b, n := range c.convN {
		if n == 0 {
			continue
		}
		k := min(c.freeLeft[b], n)
		c.freeLeft[b] -= k
		c.allowanceUsed += k
		if k > 0 && k < n {
			c.ranOut++
		}
		for src, due := range c.convDue[b] {
			x := new(big.Int).Mul(big.NewInt(int64(due)), big.NewInt(n-k))
			c.spend[b][src] += sim.Micros(x.Quo(x, big.NewInt(n)).Int64())
		}
		c.convN[b], c.convDue[b] = 0, [sim.NumSources]sim.Micros{}
	}
}

// refusal checks that a message the engine refused breaks a rule by the
// checker's own counts, as they stand before it.
func (c *ruleChecker) refusal(e sim.AuditEvent, p pair) {
	c.refused++
	c.fromCampaign(e)
	ch := &c.plat.Channels[e.Channel]
	now := e.Day*24 + e.Hour
	last, wrote := c.lastWrite[p]
	if open := wrote && now < last+c.windowH; open != e.InWindow {
		c.fail("day %d: a message of business %d to user %d refused as in window %v; the user's writes say %v", e.Day, e.Business, e.User, e.InWindow, open)
	}
	mk := c.pop.Market[e.User]
	marketing := e.Category == sim.Marketing
	dayCap := ch.UserCapPerDay > 0 && marketing && !ch.UserCapExempt[mk] &&
		c.perUser[fmt.Sprint("d", e.User, e.Channel, e.Day)] >= ch.UserCapPerDay
	lastSend, sent := c.lastSend[p]
	why := (ch.Audience == sim.WindowOnly && !e.InWindow) ||
		(marketing && ch.MarketingBlocked[mk]) ||
		(ch.CapPerPeriod > 0 && c.perPair[fmt.Sprint(e.User, e.Business, e.Channel, int(e.Day)/ch.PeriodDays)] >= ch.CapPerPeriod) ||
		(ch.UserCapPerPeriod > 0 && c.perUser[fmt.Sprint("p", e.User, e.Channel, int(e.Day)/ch.PeriodDays)] >= ch.UserCapPerPeriod) ||
		dayCap ||
		(ch.MinGapHours > 0 && sent && float64(now-lastSend) < ch.MinGapHours) ||
		(e.InWindow && c.plat.Service.MaxMessagesPerWindow > 0 && c.winSent[p] >= c.plat.Service.MaxMessagesPerWindow)
	if dayCap {
		c.refusedDayCap++
	}
	if !why {
		c.fail("day %d: %s refused a %s message of business %d to user %d (market %s, in window %v) that no rule forbids",
			e.Day, ch.Name, [...]string{"marketing", "utility"}[e.Category], e.Business, e.User, c.plat.Markets[mk], e.InWindow)
	}
}

// eraChecks checks what each fixed scenario is there to show.
func (c *ruleChecker) eraChecks(name string, res *sim.Result, paid sim.Micros) {
	tot := totals(res)
	switch name {
	case "wechat-service":
		// 4 a month from each account, not 4 from all of them together.
		ci := int8(-1)
		for i, ch := range c.plat.Channels {
			if ch.Name == "subscription" {
				ci = int8(i)
			}
		}
		if got := c.acrossAccounts[ci]; got <= 4 {
			c.fail("no user got more than 4 broadcasts a month from all accounts together (most %d): the cap is per account", got)
		}
		if c.replies == 0 {
			c.fail("no reply: the window's cap of 5, replies included, was not checked")
		}
		// 4 mass sends a month per account: the fixed schedules ask for
		// more, so some account must have reached the limit.
		over := 0
		for _, s := range res.Channels {
			if s.Channel == "subscription" && s.SendsPerWeekStart*30/7 > 4 {
				over++
			}
		}
		if got := c.mostMass[ci]; got != 4 || over == 0 {
			c.fail("most mass sends by one account in a month %d, want the limit 4; %d accounts scheduled more than 4 a month", got, over)
		}
		c.t.Logf("%d accounts scheduled more than 4 mass sends a month; the most one sent in a month: %d", over, c.mostMass[ci])
	case "whatsapp-2018":
		if tot.PlatformRevenue[sim.SourceMessages] == 0 || paid == 0 {
			c.fail("notifications earned nothing")
		}
		if c.refused == 0 {
			c.fail("no marketing message refused: the non-promotional rule was not checked")
		}
	case "whatsapp-2025":
		if c.refusedDayCap == 0 || c.exemptOverCap == 0 {
			c.fail("the daily marketing cap refused %d messages, and %d user-days in DE and UK went over it: not checked", c.refusedDayCap, c.exemptOverCap)
		}
	case "whatsapp-2022":
		if tot.PlatformRevenue[sim.SourceMessages] == 0 || tot.PlatformRevenue[sim.SourceService] == 0 {
			c.fail("business-initiated (%d µUSD) or user-initiated (%d µUSD) conversations earned nothing",
				tot.PlatformRevenue[sim.SourceMessages], tot.PlatformRevenue[sim.SourceService])
		}
		if c.allowanceUsed == 0 || c.ranOut == 0 {
			c.fail("the monthly allowance gave %d free conversations and ran out on %d business-days: not checked", c.allowanceUsed, c.ranOut)
		}
		c.t.Logf("%d conversations free under the allowance; it ran out part-way through %d business-days", c.allowanceUsed, c.ranOut)
	}
}

// checkSpend compares what each business paid for messages and service
// with the checker's recount from the rate cards.
func (c *ruleChecker) checkSpend(res *sim.Result) (total sim.Micros) {
	for b, s := range res.Businesses {
		for _, src := range []sim.Source{sim.SourceService, sim.SourceMessages} {
			total += c.spend[b][src]
			if got, want := s.SpendBySource[src], c.spend[b][src]; got != want {
				c.fail("business %d paid %d µUSD for %v; the rate cards and the audit trail give %d", b, got, src, want)
			}
		}
	}
	return total
}

// rate ends the day for every business that has a channel in use.
func (c *ruleChecker) rate() {
	ring := int(c.day) % 7
	for b := range c.rating {
		g := &c.rating[b]
		// The 7-day ring runs from day 0 for every business: blocks
		// its messages on other channels caused before its first rated
		// message count in its rating too.
		g.sends[ring], g.blocks[ring] = g.todaySends, g.todayBlocks
		g.todaySends, g.todayBlocks = 0, 0
		if g.ch == nil {
			continue
		}
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

// price books what a delivery costs by the channel's rate card: nothing
// inside the window when the channel makes it free, nothing inside a free
// entry point or an open business-initiated conversation; on a channel
// priced per conversation, a delivery outside all of these opens one.
func (c *ruleChecker) price(e sim.AuditEvent, p pair, ch *sim.Channel, open bool, now int32) {
	mk := c.pop.Market[e.User]
	v := ch.Price[mk][e.Category]
	if ch.ConversationHours > 0 {
		if !open && now >= c.freeUntil[p] {
			c.freeUntil[p] = now + int32(ch.ConversationHours)
			c.chargeConv(e.Business, v, ch.Source)
		}
		return
	}
	if (open && (ch.FreeInWindow || (ch.FreeUtilityInWindow && e.Category == sim.Utility))) || now < c.freeUntil[p] {
		v = 0
	}
	c.spend[e.Business][ch.Source] += v
}

func (c *ruleChecker) deliver(e sim.AuditEvent, p pair) {
	c.checked++
	c.fromCampaign(e)
	if c.sentOn == nil {
		c.sentOn = map[int32]uint8{}
	}
	c.sentOn[e.Business] |= 1 << e.Channel
	c.lastDelivered.u, c.lastDelivered.b = e.User, e.Business
	c.lastDelivered.quality = c.plat.Channels[e.Channel].Quality
	ch := &c.plat.Channels[e.Channel]
	now := e.Day*24 + e.Hour
	last, wrote := c.lastWrite[p]
	open := wrote && now < last+c.windowH
	g := &c.rating[e.Business]
	// A business may use several channels; the one with messaging tiers
	// or a quality rating (at most one an arm) rates it.
	if rated := len(ch.Tiers) > 0 || ch.Quality; rated && g.ch == nil {
		g.ch, g.tier, g.firstDay = ch, ch.StartTier, e.Day
		g.minTier, g.maxTier = ch.StartTier, ch.StartTier
	} else if rated && g.ch != ch {
		c.fail("day %d: business %d sent on %s and on %s, two channels with tiers or ratings", e.Day, e.Business, g.ch.Name, ch.Name)
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
	if e.InWindow != open {
		c.fail("day %d: %s delivered to user %d as inside the window %v, but the user last wrote to business %d at hour %d (window %d h, now %d)",
			e.Day, ch.Name, e.User, e.InWindow, e.Business, last, c.windowH, now)
	}
	c.price(e, p, ch, open, now)
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
		// From all businesses together: a cap per account is no cap
		// across accounts (WeChat: 4 a month from each).
		ka := fmt.Sprint("a", e.User, e.Channel, int(e.Day)/ch.PeriodDays)
		c.perUser[ka]++
		c.acrossAccounts[e.Channel] = max(c.acrossAccounts[e.Channel], c.perUser[ka])
	}
	if ch.UserCapPerPeriod > 0 {
		k := fmt.Sprint("p", e.User, e.Channel, int(e.Day)/ch.PeriodDays)
		c.perUser[k]++
		if c.perUser[k] > ch.UserCapPerPeriod {
			c.fail("day %d: user %d got %d messages in a period on %s, cap %d", e.Day, e.User, c.perUser[k], ch.Name, ch.UserCapPerPeriod)
		}
	}
	if ch.UserCapPerDay > 0 && e.Category == sim.Marketing {
		// The cap holds in every market but those exempt from it.
		k := fmt.Sprint("d", e.User, e.Channel, e.Day)
		c.perUser[k]++
		switch {
		case ch.UserCapExempt[mk]:
			if c.perUser[k] == ch.UserCapPerDay+1 {
				c.exemptOverCap++
			}
		case c.perUser[k] > ch.UserCapPerDay:
			c.fail("day %d: user %d of market %s got %d marketing messages on %s, cap %d a day",
				e.Day, e.User, c.plat.Markets[mk], c.perUser[k], ch.Name, ch.UserCapPerDay)
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
// engine's ratings and tiers of every business must match. Businesses use
// any subset of their arm's channels, and some of them must deliver on
// several, so that the rules are checked for them too.
func TestRulesNeverBroken(t *testing.T) {
	n := 12
	if testing.Short() {
		n = 4
	}
	eras := []string{"wechat-service", "whatsapp-2018", "whatsapp-2022", "whatsapp-2025"}
	multi := 0 // businesses that delivered on several channels, all scenarios
	defer func() {
		if multi == 0 && !t.Failed() {
			t.Error("no business delivered on more than one channel: the rules were never checked for multi-channel businesses")
		}
	}()
	for i := 0; i < n+len(eras); i++ {
		name := fmt.Sprintf("scenario%d", i)
		var cfg sim.Config
		var ms []sim.Model
		if i < n {
			cfg, ms = randomArm(t, i)
		} else {
			name = eras[i-n]
			cfg, ms = eraArm(t, name)
		}
		t.Run(name, func(t *testing.T) {
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
			if tot.Conversations != int64(c.newConvs) {
				t.Errorf("metrics count %d conversations, the audit trail %d", tot.Conversations, c.newConvs)
			}
			if tot.ConversationsAnswered != int64(c.replies) {
				t.Errorf("metrics count %d answered conversations, the audit trail %d replies", tot.ConversationsAnswered, c.replies)
			}
			several := 0
			for _, m := range c.sentOn {
				if m&(m-1) != 0 {
					several++
				}
			}
			multi += several
			paid := c.checkSpend(res)
			c.eraChecks(name, res, paid)
			t.Logf("%v: %d deliveries checked, %d blocked by rules (%d refusals checked, %d by the daily marketing cap, "+
				"%d user-days over it in exempt markets); %d blocks, %d of them by followers; "+
				"%d conversations (%d in a row with no room), %d replies; %d ads; %d businesses rated, %d of them red some day; "+
				"%d µUSD for messages and service recounted; most from all accounts in a period %v; most mass sends by one business in a period %v; %d businesses delivered on several channels",
				plat.Models, c.checked, sumBlocked(res), c.refused, c.refusedDayCap, c.exemptOverCap, tot.Blocks, tot.FollowsBlocked,
				c.newConvs, c.freshSlots, c.replies, c.adsChecked, rated, red, paid, c.acrossAccounts, c.mostMass, several)
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
		sum.MessageCharges += g.MessageCharges
		sum.AdCharges += g.AdCharges
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
	// Message charges are booked where the channels' spend is (the same
	// price, before a monthly allowance), ad charges where the platform's
	// ad revenue is: both recount to the micro-dollar.
	var chSpend sim.Micros
	for _, c := range res.Channels {
		chSpend += c.Spend
	}
	if sum.MessageCharges != chSpend {
		t.Errorf("segments' message charges %d µUSD, the channels' spend %d", sum.MessageCharges, chSpend)
	}
	if sum.AdCharges != tot.PlatformRevenue[sim.SourceAds] {
		t.Errorf("segments' ad charges %d µUSD, the platform's ad revenue %d", sum.AdCharges, tot.PlatformRevenue[sim.SourceAds])
	}
	sum.MessageCharges, sum.AdCharges = 0, 0
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
	for u := 0; u < pop.N; u++ {
		active += int64(len(pop.InitialFollows(u, nil)))
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
