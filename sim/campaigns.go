package sim

// Campaigns: businesses' proactive messages. Each day a business plans its
// campaigns (planCampaigns); the day loop queues them per user, and campaign
// delivers one message if the business chooses the user and the channel's
// rules allow it (allowed).

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// campState is what the campaign process keeps for a run: each business's
// schedule on the channels it uses and its campaigns of the day.
type campState struct {
	chAud [MaxChannels]uint8 // the slot flags that put a user in channel i's audience
	winCh uint8              // bit i: channel i sends only inside the service window
	winH  int32              // the service window, hours
	audit bool               // the run keeps an audit log: every campaign of a slot in an audience and not blocked is queued
	due   []dueInfo          // what the daily scan needs of each business today
	// dueN is due[b].n, campaigns today, a byte a business: the table the
	// scan reads for every slot, 10 KB at 10,000 businesses.
	dueN []uint8
	// Today's campaigns of all businesses, b's at [due[b].off,
	// +due[b].n), one after another in business order, so that the few
	// thousand of a day fill a few cache lines, not one a business: the
	// event of each (its hour, channel and category, as an event of slot
	// 0: a user's is event.inSlot of it).
	campEv    []event
	campaigns int64 // campaigns planned today, all businesses
	// The running credit of the schedule per business and channel, at
	// [b*len(Channels)+i].
	sendCredit []float64
	// massSent is the campaigns sent in period massPeriod of the channel
	// (its SendsPerPeriod limit per business; nil when no channel has one).
	massSent   []int32
	massPeriod []int32
}

// initCampaigns allocates the campaign state; assignChannels then sets
// the schedules and audiences.
func (r *runner) initCampaigns() {
	c := &r.camp
	m, nch := r.m, len(r.plat.Channels)
	c.sendCredit = make([]float64, m*nch)
	for _, ch := range r.plat.Channels {
		if ch.SendsPerPeriod > 0 {
			c.massSent = make([]int32, m*nch)
			c.massPeriod = make([]int32, m*nch)
			break
		}
	}
	c.winH = r.windowH
	c.due = make([]dueInfo, m)
	c.dueN = make([]uint8, m)
	c.campEv = make([]event, m*maxCampaigns)
}

// assignChannels decides which of the arm's channels each business uses:
// channel i independently of the others, when the business's uniform for
// that channel's name falls below the channel's adoption. The uniform is a
// trait of the business (keyed by the population's seed and the channel's
// name), so a business that uses paid push in one arm uses it in every arm
// that offers paid push with the same adoption. It also sets the starting
// tier, send rates and unit prices.
func (r *runner) assignChannels() error {
	chs := r.plat.Channels
	nch := len(chs)
	base := streamBase(r.pop.seed, purposeAdoption)
	r.tierCh = make([]int8, r.m)
	capped := -1
	for i := range chs {
		ch := &chs[i]
		switch ch.Audience {
		case Followers:
			r.camp.chAud[i] = fFollowing
		case Contacts:
			r.camp.chAud[i] = fWrote
		case WindowOnly:
			r.camp.chAud[i] = fFollowing | fWrote
			r.camp.winCh |= 1 << i
		}
		if len(ch.Tiers) > 0 || ch.Quality {
			if r.rated >= 0 {
				return fmt.Errorf("sim: channels %s and %s both have messaging tiers or a quality rating; a business has one messaging limit, so at most one channel of an arm may set them", chs[r.rated].Name, ch.Name)
			}
			r.rated = i
		}
		if ch.CapPerPeriod > 0 {
			// The per-pair period counters live on the user's slot with
			// the business, one pair of them for all its channels.
			if capped >= 0 {
				return fmt.Errorf("sim: channels %s and %s both cap messages per business and user a period; the counters are shared, so at most one channel of an arm may set cap_per_period", chs[capped].Name, ch.Name)
			}
			capped = i
		}
	}
	names := make([]int, nch)
	for i, ch := range chs {
		names[i] = int(nameKey(ch.Name))
	}
	for b := 0; b < r.m; b++ {
		r.tierCh[b] = -1
		bs := newStream(base, b, 0)
		s := &r.sum[b]
		s.Business = b
		s.Category = r.plat.Categories[r.pop.Category[b]]
		s.Size = r.pop.Size[b]
		s.Advertiser = r.plat.Ads != nil && r.pop.Advertiser[b]
		var used []string
		for i := range chs {
			ch := &chs[i]
			x := bs.sub(names[i])
			if x.Float64() >= ch.Adoption {
				continue
			}
			r.uses[b] |= 1 << i
			used = append(used, ch.Name)
			k := b*nch + i
			r.camp.sendCredit[k] = float64(r.pop.SendPhase[b])
			r.dec.sendRate[k] = float64(r.pop.SendsPerWeek[b])
			if i == r.rated {
				r.tierCh[b] = int8(i)
				r.tiers.tier[b] = int8(ch.StartTier)
				s.FinalTier, s.MinTier, s.MaxTier = ch.StartTier, ch.StartTier, ch.StartTier
			}
		}
		s.Channel = strings.Join(used, "+")
	}
	// Period 0: each business sets its rates (adaptive) and planning
	// prices from its prior.
	for b := 0; b < r.m; b++ {
		r.revise(b, 0, -1)
		for i := range chs {
			if k := b*nch + i; r.uses[b]&(1<<i) != 0 {
				r.dec.chSum[k] = ChannelSummary{Business: b, Channel: chs[i].Name, SendsPerWeekStart: r.dec.sendRate[k]}
			}
		}
	}
	return nil
}

// nameKey hashes a channel name to a key for the adoption draws (FNV-1a,
// kept below 2^42 as stream entities are).
func nameKey(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h >> 22
}

// planCampaigns sets business b's campaigns of day d on each channel it
// uses, the share of its audience its budget lets it send to, and its tier
// quota.
func (r *runner) planCampaigns(b, d int) {
	r.tiers.limited[b] = false
	uses := r.uses[b]
	if uses == 0 {
		return
	}
	chs := r.plat.Channels
	nch := len(chs)
	n := 0
	off := int(r.camp.campaigns) // b's campaigns follow those of the businesses before it
	var s Stream
	util := r.pop.Cfg.Categories[r.pop.Category[b]].UtilityShare
	cost := 0.0 // expected cost a follower, dollars
	for ci := 0; ci < nch; ci++ {
		if uses&(1<<ci) == 0 {
			continue
		}
		k := b*nch + ci
		// Campaigns a day at a rate of sendRate a week: the whole part
		// of a running credit that starts at the business's phase.
		next := r.camp.sendCredit[k] + r.dec.sendRate[k]/7
		cnt := int(math.Floor(next))
		r.camp.sendCredit[k] = next - float64(cnt)
		cnt = min(cnt, maxChannelCampaigns, maxCampaigns-n)
		if lim := chs[ci].SendsPerPeriod; lim > 0 && cnt > 0 {
			// The platform's limit of mass sends per business and
			// period (WeChat: 4 a month per service account): the
			// campaigns beyond it are skipped, their credit spent, not
			// carried into the next period.
			if pi := int32(d / chs[ci].PeriodDays); r.camp.massPeriod[k] != pi {
				r.camp.massPeriod[k], r.camp.massSent[k] = pi, 0
			}
			cnt = min(cnt, lim-int(r.camp.massSent[k]))
			r.camp.massSent[k] += int32(max(cnt, 0))
		}
		if cnt <= 0 {
			continue
		}
		if n == 0 {
			s = newStream(r.sCamp, b, d)
		}
		for i := 0; i < cnt; i++ {
			c := off + n
			h := int32(campFirstHour + s.IntN(campHours))
			cat := Marketing
			if s.Float64() < util {
				cat = Utility
			}
			r.camp.campEv[c] = packEvent(h, evCampaign, 0, n, int32(b)).withCampaign(ci, cat)
			if r.audit != nil {
				r.auditCamp = append(r.auditCamp, AuditEvent{Day: int32(d), Hour: h, User: -1, Business: int32(b),
					Kind: AuditCampaign, Channel: int8(ci), Category: cat, Limit: -1})
			}
			n++
		}
		cost += float64(cnt) * r.dec.unitPrice[k]
	}
	if n > 0 {
		r.camp.due[b] = r.camp.masks(off, n)
	}
	r.camp.dueN[b] = uint8(n)
	r.camp.campaigns += int64(n)
	// Budget: send to a share of the audience so the expected cost
	// stays within the day's budget.
	r.camp.due[b].frac = 1
	cost *= float64(r.followers[b])
	if budget := r.pop.BudgetDaily[b].Dollars(); cost > budget {
		r.camp.due[b].frac = float32(budget / cost)
	}
	// Messaging tiers: share the day's limit of unique users out among
	// blocks by their followers, so the total never exceeds it. Quotas
	// apply even below the limit, since followers gained during the day
	// could otherwise take a business over it.
	if tc := r.tierCh[b]; tc >= 0 {
		ch := &chs[tc]
		if len(ch.Tiers) > 0 && int(r.tiers.tier[b]) < len(ch.Tiers) {
			r.tiers.limited[b] = true
			r.tiers.quotaOf = append(r.tiers.quotaOf, tierQuota{b: int32(b),
				lim: int64(ch.Tiers[r.tiers.tier[b]]), f: max(int64(r.followers[b]), 1)})
		}
	}
}

// Campaign hours: a campaign goes out at a uniform hour of
// [campFirstHour, campFirstHour+campHours).
const (
	campFirstHour = 8
	campHours     = 12
)

// dueInfo is what the daily scan of a user's slots reads of a business:
// 32 bytes (a power of two, for the index), so that the table of a few
// thousand businesses stays in the first- or second-level cache. The
// masks have bit c set for the business's campaign c of the day.
type dueInfo struct {
	// aud[f] is the campaigns whose channel's audience rule admits a slot
	// with flags&(fFollowing|fWrote) == f: followers need fFollowing,
	// contacts fWrote, a window-only channel either.
	aud [4]uint8
	// open[i] is the campaigns the service window lets through for a slot
	// whose window is open until just before hour campFirstHour+i of the
	// day (i from 0, shut at every campaign hour, to campHours, open at
	// all of them): every campaign of a channel that sends outside the
	// window too, and the window-only ones due before then.
	// open[campHours] is all of them.
	//
	// With an audit log every entry of both is all of the day's
	// campaigns, so that every campaign is queued (save a blocked slot's)
	// and the log lists each refusal at its hour.
	open [campHours + 1]uint8
	n    uint8 // campaigns today (0: none)
	_    [6]uint8
	off  int32 // the first of today's campaigns in campState.campEv
	// frac is the share of its audience the business sends to today (its
	// budget): here, since campaign reads it for every message and this
	// line of the business is in cache from the scan.
	frac float32
}

// masks returns the scan's masks of the n campaigns at campEv[off:].
func (c *campState) masks(off, n int) dueInfo {
	x := dueInfo{n: uint8(n), off: int32(off)}
	for i, e := range c.campEv[off : off+n] {
		bit := uint8(1) << i
		ci := e.channel()
		for f := range x.aud {
			if c.audit || uint8(f)&c.chAud[ci] != 0 {
				x.aud[f] |= bit
			}
		}
		for t := range x.open {
			if c.audit || c.winCh&(1<<ci) == 0 || e.hour() < int32(campFirstHour+t) {
				x.open[t] |= bit
			}
		}
	}
	return x
}

// today returns the events of business b's campaigns today (as events of
// slot 0).
func (c *campState) today(b int32) []event {
	x := &c.due[b]
	return c.campEv[x.off : x.off+int32(x.n)]
}

// dueSlots returns the mask of the slots in row whose business has a
// campaign today. It is a function of its own so that the loop keeps its
// values in registers.
//
//go:noinline
func dueSlots(row []slot, dueN []uint8) (cand uint64) {
	bit := uint64(1)
	for i := range row {
		if dueN[row[i].biz] != 0 {
			cand |= bit
		}
		bit <<= 1
	}
	return cand
}

// windowShift is what admits adds to a slot's lastUser on day d: the
// window is open at hour h of day d while d*24+h < lastUser+winH (never
// for noHour, which is far below any day's first hour), so the campaigns
// it lets through are open[lastUser+shift], clamped to the table. The scan
// finds it once a user-day.
func (c *campState) windowShift(d int) int { return int(c.winH) - d*24 - campFirstHour }

// admits returns, of business x's campaigns today, those in the audience
// of a slot with these flags and lastUser on the day of shift
// (windowShift; none if the slot is blocked), and of them those the
// service window lets through: the
// campaigns campaign would not turn away without a trace, and of those
// the ones the rules would not refuse for the closed window, by the same
// tests, whatever else happens before their hour that does not change the
// slot (settle sees to the rest). It has no branches: which way a slot
// goes depends on the user's history and is hard to predict.
func admits(x *dueInfo, flags uint8, lastUser int32, shift int) (aud, adm uint8) {
	keep := 0 - b2u8(flags&fBlocked == 0) // all ones, or none for a blocked slot
	aud = x.aud[flags&(fFollowing|fWrote)] & keep
	return aud, aud & x.open[min(max(int(lastUser)+shift, 0), campHours)]
}

// slotChanged is called after every change of slot j of u while the
// day's events are handled (u wrote, followed, unfollowed or blocked): if
// the scan kept campaigns of the slot back, settle settles them.
func (w *worker) slotChanged(u, j, d int) {
	if w.pend&(1<<j) != 0 {
		w.settle(u, j, d, w.ev[w.evPos])
	}
}

// insert queues e among the day's events still to come (after evPos), in
// key order.
func (w *worker) insert(e event) {
	w.ev = append(w.ev, e)
	i := len(w.ev) - 1
	for i > w.evPos+1 && w.ev[i-1] > e {
		w.ev[i] = w.ev[i-1]
		i--
	}
	w.ev[i] = e
}

// settle is called when slot j of u (in pend) may have changed while the
// day's events are handled (cur is the event being handled), after every
// such change: u wrote, followed, unfollowed or blocked. The campaigns the
// scan left out that are past (keys up to cur) ran under the slot's state
// before the change: those the rules refused for the closed window
// (pendWin) count as blocked, as keptBack has them; the others had no
// effect. Of those to come, the ones the slot's state now admits are
// queued in order, with the keys they would have had, so the day runs as
// if all had been queued from the start (events the scan queued and
// campaign turned away have no effect); the rest wait, and those of them
// the closed window refuses are counted again. A slot in pend keeps its
// business: one that goes to
// another business is settled by evict first.
func (w *worker) settle(u, j, d int, cur event) {
	r := w.r
	c := &r.camp
	sl := &r.slots[u*r.k+j]
	left := w.pastPend(j, sl.biz, cur)
	aud, adm := admits(&c.due[sl.biz], sl.flags, sl.lastUser, c.windowShift(d))
	evs := c.today(sl.biz)
	for m := left & adm; m != 0; m &= m - 1 {
		w.insert(evs[bits.TrailingZeros8(m)].inSlot(j))
	}
	left &^= adm
	w.pendEv[j], w.pendWin[j] = left, left&aud
	w.keptBack[sl.biz] += int32(bits.OnesCount8(left & aud))
	if left == 0 {
		w.pend &^= 1 << j
	}
}

// evict is called when slot j of u goes from business b to another while
// the day's events are handled: b's campaigns the slot kept back that are
// past stay as they were counted, and those to come, which the dispatch
// would drop, are taken out of keptBack.
func (w *worker) evict(u, j, d int, b int32) {
	if w.pend&(1<<j) != 0 {
		w.pastPend(j, b, w.ev[w.evPos])
		w.pend &^= 1 << j
	}
}

// pastPend takes the campaigns of business b that slot j of u kept back
// and are to come (keys after cur) out of keptBack, where the scan counted
// those the closed window refused, and returns them: they are settled
// under the slot's new state (settle) or dropped (evict). Those that are
// past ran under the slot's state before the change, and stay counted.
func (w *worker) pastPend(j int, b int32, cur event) (left uint8) {
	evs := w.r.camp.today(b)
	for m := w.pendEv[j]; m != 0; m &= m - 1 {
		if i := bits.TrailingZeros8(m); evs[i].inSlot(j) > cur {
			left |= 1 << i
		}
	}
	w.keptBack[b] -= int32(bits.OnesCount8(left & w.pendWin[j]))
	return left
}

// keptBackBlocked empties the workers' counts of business b's campaigns
// the scan kept back on day d and the closed window refused, and returns
// how many of them count as blocked: all, or, when the business sends to
// a share frac of its audience to stay within its budget, those it would
// not have left out. Each is one with probability frac, independently of
// the others (campaign's send coin), so their number is Binomial(n, frac),
// drawn once for the business and day: the same on any number of workers.
func (r *runner) keptBackBlocked(b, d int) int64 {
	n := 0
	for _, w := range r.ws {
		n += int(w.keptBack[b])
		w.keptBack[b] = 0
	}
	if n == 0 {
		return 0
	}
	frac := float64(r.camp.due[b].frac)
	if frac >= 1 {
		return int64(n)
	}
	s := newStream(r.sKept, b, d)
	return int64(distuv.Binomial{N: float64(n), P: frac, Src: &s}.Rand())
}

// campaign: business of slot j (sl) sends campaign e to u, if the
// business chooses u and the platform's rules allow it.
func (w *worker) campaign(u int, sl *slot, j int, e event, d int) {
	r := w.r
	if sl.flags&fBlocked != 0 {
		return
	}
	b := int(sl.biz)
	c, h, ci, cat := e.campaign(), e.hour(), e.channel(), e.category()
	ch := &r.plat.Channels[ci]
	ca := &w.ch[b*len(r.plat.Channels)+ci]
	following := sl.flags&fFollowing != 0
	switch ch.Audience {
	case Followers:
		if !following {
			return
		}
	case Contacts:
		if sl.flags&fWrote == 0 {
			return // never wrote: following alone does not open this door
		}
	case WindowOnly:
		if !following && sl.flags&fWrote == 0 {
			return
		}
	}
	// The message's coins are drawn only when they are needed; pairAt
	// gives each the value it has when all are drawn in order.
	var ms Stream
	xOpen := -1.0 // not drawn yet
	if frac := float64(r.camp.due[b].frac); frac < 1 {
		ms = w.msgStream(u, d, b*maxCampaigns+c)
		var xSend float64
		xSend, xOpen = ms.pairAt(1)
		if xSend >= frac {
			return // the business left u out to stay within its budget
		}
	}
	now := int32(d)*24 + h
	inWindow := sl.lastUser != noHour && now < sl.lastUser+r.windowH
	mk := int(r.pop.Market[u])
	if !w.allowed(u, sl, ch, ci, d, now, inWindow, cat, mk) {
		w.day.SendsBlocked++
		if r.audit != nil {
			w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditRefused,
				Channel: int8(ci), InWindow: inWindow, Category: cat, Limit: -1})
		}
		return
	}
	countTier := len(ch.Tiers) > 0 && !inWindow && !sl.tierDayIs(d)
	if countTier && r.tiers.limited[b] {
		q := &w.quota[b]
		if *q <= 0 {
			w.day.SendsBlocked++
			return
		}
		*q--
	}
	// Delivered.
	if countTier {
		sl.setTierDay(d)
		ca.uniqueOutside++
	}
	if ch.CapPerPeriod > 0 {
		sl.periods += slotSentUnit
	}
	if ch.UserCapPerPeriod > 0 {
		r.chanSent[u*MaxChannels+ci]++
	}
	if cat == Marketing {
		w.sent[ci]++
	}
	sl.lastSend = now
	if inWindow {
		sl.winMsgs++
	}
	price := ch.Price[mk][cat]
	if inWindow && (ch.FreeInWindow || (ch.FreeUtilityInWindow && cat == Utility)) {
		price = 0
	}
	if now < sl.freeUntil {
		price = 0 // a free entry point (after an ad click): every message is free
	}
	seg := &w.seg[r.pop.Segment[u]]
	if ch.ConversationHours > 0 {
		// Priced per business-initiated conversation: this message opens
		// one unless a conversation (the service window, or one the
		// business opened, or a free entry point) is open.
		if !inWindow && now >= sl.freeUntil {
			sl.freeUntil = now + int32(ch.ConversationHours)
			w.chargeMessage(b, price, ch.Source, true)
			ca.spend += price // before a monthly free allowance
			seg.MessageCharges += price
		}
	} else {
		w.chargeMessage(b, price, ch.Source, false)
		ca.spend += price
		seg.MessageCharges += price
	}
	ca.sends++
	w.gotMsg = true
	if r.us[u].flags&uReachedMsg == 0 {
		r.us[u].flags |= uReachedMsg
		w.day.ReachMessagesCum++
	}
	push := ch.Delivery == Push && sl.flags&fMuted == 0
	if r.audit != nil {
		limit := int32(-1)
		if countTier || (len(ch.Tiers) > 0 && !inWindow) {
			if int(r.tiers.tier[b]) < len(ch.Tiers) {
				limit = int32(ch.Tiers[r.tiers.tier[b]])
			}
		}
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditDeliver,
			Channel: int8(ci), InWindow: inWindow, Category: cat, Push: push, Limit: limit})
	}
	if xOpen < 0 {
		ms = w.msgStream(u, d, b*maxCampaigns+c)
		_, xOpen = ms.pairAt(1)
	}
	// The message's relevance and hour matter only to a read message or
	// a push (most folder messages go unread): found when needed.
	var rel float64
	var opened, annoyed bool
	var a, dx float64
	seg.MessagesReceived++
	if push {
		w.day.SendsPush++
		seg.PushesReceived++
		p := r.beh.ReadPush
		if r.beh.Attention > 0 {
			p *= attentionFactor(r.beh.Attention, w.got)
		}
		opened = xOpen < p
		rel = r.msgRelevance(u, b, cat)
		dx = r.beh.AnnoyPush * r.unwanted(rel)
		a = r.annoyAt(u, msgTime(d, h), dx)
		annoyed = true
		if opened {
			w.day.OpensPush++
		}
	} else {
		w.day.SendsFolder++
		p := r.beh.OpenFolder
		if r.beh.Attention > 0 {
			p *= attentionFactor(r.beh.Attention, w.got)
		}
		opened = xOpen < p
		if opened {
			w.day.OpensFolder++
			rel = r.msgRelevance(u, b, cat)
			dx = r.beh.AnnoyFolder * r.unwanted(rel)
			a = r.annoyAt(u, msgTime(d, h), dx)
			annoyed = true
		}
	}
	w.got++ // the next message of the day competes with this one
	if opened {
		ca.opens++
		xClick, xConv := ms.pairAt(2)
		pClick := r.clickPerRel * rel
		if cat == Utility {
			pClick = r.beh.UtilityClick
		}
		if xClick < pClick {
			w.day.Clicks++
			ca.clicks++
			if xConv < r.beh.Conversion*r.paymentsFactor(b) {
				w.convert(u, b)
				ca.conversions++
				ca.value += r.pop.ConvValue[b]
			}
			w.conversation(u, b, d, h, false)
		}
	}
	if !annoyed {
		return
	}
	if xReact, xKind := ms.pairAt(3); r.reacts(xReact, u, a, dx, r.beh.ReactRate, r.beh.ReactBase, r.beh.ReactShape) {
		switch {
		case xKind < r.beh.MuteShare && push:
			w.firstReaction(u)
			sl.flags |= fMuted
			ca.mutes++
			w.day.Mutes++
			seg.Mutes++
			if w.r.audit != nil {
				w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditMute, Channel: int8(ci)})
			}
		case xKind >= 1-r.beh.BlockShare:
			w.firstReaction(u)
			ca.blocks++ // for a rated channel, the rating's blocks: those its own messages caused
			w.block(u, j, d, h)
		case following:
			w.firstReaction(u)
			ca.unfollows++
			w.unfollow(u, j, d, h, true)
		}
	}
}

// msgRelevance is the relevance to u of a message of category cat from
// business b: the business's relevance to u for marketing, a fixed one for
// utility messages.
func (r *runner) msgRelevance(u, b int, cat MsgCategory) float64 {
	if cat == Utility {
		return r.beh.UtilityRelevance
	}
	return float64(r.pop.relevance(u, b))
}

// msgTime is hour h of day d in days, the clock annoyance decays on.
func msgTime(d int, h int32) float64 { return float64(d) + float64(h)/24 }

// attentionFactor is f(n) = 1/(1 + a·n), the share of its configured
// read or open probability that a message keeps when the user has already
// received n proactive messages that day (a = Behaviour.Attention): f(0) =
// 1, f falls with n, and the expected reads of a day of N messages,
// p·Σ_{n<N} f(n), still grow with N, by about p·ln(1 + a·N)/a
// (models/ODD.md, 7.7 step 6).
func attentionFactor(a float64, n int) float64 {
	return 1 / (1 + a*float64(n))
}

// firstReaction counts u in UsersReacted the first time a message makes u
// mute, block or unfollow a business: the survey's "turned push off"
// counts each user once, whatever the user did later.
func (w *worker) firstReaction(u int) {
	if w.r.us[u].flags&uReacted == 0 {
		w.r.us[u].flags |= uReacted
		w.day.UsersReacted++
	}
}

// msgStream is the stream of message e (business and campaign) to u on
// day d; the user-day part of its key is made once a day.
func (w *worker) msgStream(u, d, e int) Stream {
	if !w.msgOK {
		w.msgDay, w.msgOK = newStream(w.r.sMsg, u, d), true
	}
	return w.msgDay.sub(e)
}

// allowed checks the channel's rules for one message.
func (w *worker) allowed(u int, sl *slot, ch *Channel, ci, d int, now int32, inWindow bool, cat MsgCategory, mk int) bool {
	r := w.r
	if ch.Audience == WindowOnly && !inWindow {
		return false
	}
	if cat == Marketing && ch.MarketingBlocked[mk] {
		return false
	}
	if ch.CapPerPeriod > 0 {
		if sl.periodSent(d/ch.PeriodDays) >= ch.CapPerPeriod {
			return false
		}
	}
	if ch.UserCapPerPeriod > 0 {
		i := u*MaxChannels + ci
		pi := uint16(d / ch.PeriodDays)
		if r.chanIdx[i] != pi {
			r.chanIdx[i], r.chanSent[i] = pi, 0
		}
		if int(r.chanSent[i]) >= ch.UserCapPerPeriod {
			return false
		}
	}
	if ch.UserCapPerDay > 0 && cat == Marketing && !ch.UserCapExempt[mk] && w.sent[ci] >= ch.UserCapPerDay {
		return false
	}
	if ch.MinGapHours > 0 && sl.lastSend != noHour && float64(now-sl.lastSend) < ch.MinGapHours {
		return false
	}
	if inWindow && r.plat.Service.MaxMessagesPerWindow > 0 && int(sl.winMsgs) >= r.plat.Service.MaxMessagesPerWindow {
		return false
	}
	return true
}
