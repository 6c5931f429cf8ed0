package sim

// Conversations: users write to businesses (a service need, a click on a
// message or an ad), which opens or extends the service window; businesses
// answer within their capacity, and answered conversations may convert and
// lead to a follow.

import "math"

// convState is what the conversation process keeps of each business for a
// run: the load it answers under.
type convState struct {
	answerProb []float32 // the probability that it answers a conversation today
	loadEWMA   []float64 // 28-day EWMA of its conversations a day
	convToday  []int64   // its conversations of the last day
}

// initConversations allocates the conversation state, with no load yet.
func (r *runner) initConversations() {
	r.conv.answerProb = make([]float32, r.m)
	r.conv.loadEWMA = make([]float64, r.m)
	r.conv.convToday = make([]int64, r.m)
}

// planService sets the probability that business b answers a
// conversation today, from its capacity and yesterday's load.
func (r *runner) planService(b int) {
	// Service capacity: staffed for Capacity[b] times the usual load.
	r.conv.answerProb[b] = 1
	if y := float64(r.conv.convToday[b]); y > 0 && r.conv.loadEWMA[b] > 0 {
		capacity := r.pop.Capacity[b] * math.Max(r.conv.loadEWMA[b], 1)
		if y > capacity {
			r.conv.answerProb[b] = float32(capacity / y)
		}
	}
}

// need queues a service need of u at hour h: with a business u follows
// (known_business_share) or one drawn by interest and size.
func (w *worker) need(u int, h int32, ns int, cs *Stream, ev []event) []event {
	r := w.r
	var b int32 = -1
	if ns > 0 && cs.Float64() < r.beh.KnownBusinessShare {
		sl := &r.slots[u*r.k+cs.IntN(ns)]
		if sl.flags&fFollowing != 0 {
			b = sl.biz
		}
	}
	if b < 0 {
		b = r.pop.pickBusiness(u, cs)
	}
	if b >= 0 {
		ev = append(ev, packEvent(h, evConversation, 0, 0, b))
	}
	return ev
}

// conversation: u writes to b at hour h (a need, or a click on an ad or a
// message). It opens or extends the service window.
func (w *worker) conversation(u, b, d int, h int32, fromAd bool) {
	r := w.r
	now := int32(d)*24 + h
	j := r.findSlot(u, int32(b))
	if j < 0 {
		var prev int32
		if j, prev = r.newSlot(u, int32(b), now); prev >= 0 {
			w.evict(u, j, d, prev)
		}
	}
	isNew := true
	var sl *slot
	if j >= 0 {
		sl = &r.slots[u*r.k+j]
		isNew = sl.lastUser == noHour || now >= sl.lastUser+r.windowH
		sl.lastUser = now
		sl.flags |= fWrote
		w.slotChanged(u, j, d)
		if isNew {
			sl.winMsgs = 0
		}
		if fromAd && r.freeEntryH > 0 {
			sl.freeUntil = now + r.freeEntryH
		}
	}
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditWrite, Channel: -1,
			FromAd: fromAd, NoRoom: j < 0})
	}
	if !isNew {
		return
	}
	mk := r.pop.Market[u]
	w.day.Conversations++
	w.biz[b].conversations++
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditConversation, Channel: -1})
	}
	free := sl != nil && now < sl.freeUntil
	if !free {
		w.chargeConversation(b, r.plat.Service.PricePerConversation[mk], SourceService)
	}
	s := newStream(r.sConv, u, d).sub(b + 1)
	xAnswer, xBot := s.Pair()
	xConv, xOpt := s.Pair()
	if xAnswer >= float64(r.conv.answerProb[b]) {
		r.annoyAt(u, float64(d)+float64(h)/24, r.beh.AnnoyUnanswered)
		return
	}
	w.day.ConversationsAnswered++
	if sl != nil {
		// The answer is a business message in the window it opened
		// (WeChat: 5 a window, replies included).
		sl.winMsgs++
	}
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditReply, Channel: -1})
	}
	cost := r.pop.Cfg.Business.AgentCost
	if xBot < float64(r.pop.BotLevel[b]) {
		cost = r.pop.Cfg.Business.BotCost
	}
	c := USD(cost)
	w.biz[b].serviceCost += c
	w.day.ServiceCost += c
	pc := r.beh.ServiceConversion
	if r.pop.Payments[b] {
		pc *= r.pop.Cfg.Business.PaymentsUplift
	}
	if xConv < pc {
		w.convert(u, b)
	}
	if j >= 0 && xOpt < float64(r.pop.OptIn[u]) {
		src := &w.day.FollowsFromChat
		if fromAd {
			src = &w.day.FollowsFromAds
		}
		w.follow(u, j, d, h, src)
	}
}

func (w *worker) convert(u, b int) {
	v := w.r.pop.ConvValue[b]
	seg := &w.seg[w.r.pop.Segment[u]]
	seg.Conversions++
	seg.Purchases += v
	w.day.Conversions++
	w.day.UserSpend += v
	w.day.BusinessRevenue += v
	w.biz[b].conversions++
	w.biz[b].revenue += v
}

func (r *runner) paymentsFactor(b int) float64 {
	if r.pop.Payments[b] {
		return r.pop.Cfg.Business.PaymentsUplift
	}
	return 1
}
