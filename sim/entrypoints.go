package sim

// Entry points: users start conversations not only from service needs and
// Status-ad clicks but from a business's click-to-chat links (wa.me,
// m.me), QR codes and website buttons, and from click-to-Messenger or
// click-to-WhatsApp ads (DOMAIN "Entry points", seeds 000 and 002). A
// business's share of them grows with its size; a conversation from an ad
// opens the free entry window of the platform's rules (72 h WhatsApp,
// 7 days Messenger: ServiceRules.FreeEntryHours).
//
// Each user has a Poisson process in hours of rate
// entry_conversations_per_day · Activity_u / activity_mean a day, drawn as
// waiting times (the next one's hour kept per user, so a day with none due
// costs one comparison); each event picks its business from an alias table
// over Size^entry_size_elasticity and is from an ad with probability
// entry_ad_share. The events are queued at their hours among the user's
// other events and run the ordinary conversation (7.6 of models/ODD.md).
// The draws come from a stream of their own (purposeEntry), so the other
// processes draw the same numbers whatever the entry rate.

import "math"

// Origins of a conversation event, kept in the campaign field of its key
// (a conversation has no campaign): a service need, an entry point, an
// entry point that is an ad.
const (
	originNeed = iota
	originEntry
	originEntryAd
)

// entryState is what the entry-point process keeps for a run.
type entryState struct {
	stream uint64 // stream base of purposeEntry
	biz    alias  // businesses by Size^entry_size_elasticity
}

// initEntry sets every user's first entry-point hour and the alias table
// of businesses; with a zero rate no user ever has one.
func (r *runner) initEntry() {
	e := &r.entry
	e.stream = streamBase(r.spec.Seed, purposeEntry)
	if r.beh.EntryConversationsPerDay <= 0 {
		for u := range r.us {
			r.us[u].nextEntry = math.Inf(1)
		}
		return
	}
	w := make([]float64, r.m)
	for b := range w {
		w[b] = math.Pow(r.pop.Size[b], r.beh.EntrySizeElasticity)
	}
	e.biz = newAlias(w)
	for u := range r.us {
		s := newStream(e.stream, u, 0).sub(-1)
		r.us[u].nextEntry = s.hoursUntil(r.entryRate(u))
	}
}

// entryRate is u's expected entry-point conversations a day.
func (r *runner) entryRate(u int) float64 {
	return r.beh.EntryConversationsPerDay * float64(r.pop.Activity[u]) / r.meanAct
}

// entryPoints queues u's entry-point conversations due on day d as
// conversation events at their hours. The caller checks that one is due.
func (w *worker) entryPoints(u, d int, ev []event) []event {
	r := w.r
	st := &r.us[u]
	start, end := float64(d)*24, float64(d+1)*24
	s := newStream(r.entry.stream, u, d)
	rate := r.entryRate(u)
	for st.nextEntry < end {
		h := int32(st.nextEntry - start)
		st.nextEntry += s.hoursUntil(rate)
		b := int32(r.entry.biz.pick(s.Float64()))
		origin := originEntry
		if s.Float64() < r.beh.EntryAdShare {
			origin = originEntryAd
		}
		ev = append(ev, packEvent(h, evConversation, 0, origin, b))
	}
	return ev
}

// entryConversation: u writes to b at hour h through one of b's entry
// points; from an ad, it opens the free entry window. It is the ordinary
// conversation, with its new conversations and opt-ins counted as entry
// points' (the opt-in moves from FollowsFromChat or FollowsFromAds, where
// the conversation books it, to FollowsFromEntry).
func (w *worker) entryConversation(u, b, d int, h int32, fromAd bool) {
	conv, chat, ads := w.day.Conversations, w.day.FollowsFromChat, w.day.FollowsFromAds
	w.conversation(u, b, d, h, fromAd)
	if w.day.Conversations > conv {
		w.day.EntryConversations++
		if fromAd {
			w.day.EntryAdConversations++
		}
	}
	if n := w.day.FollowsFromChat - chat; n > 0 {
		w.day.FollowsFromChat -= n
		w.day.FollowsFromEntry += n
	}
	if n := w.day.FollowsFromAds - ads; n > 0 {
		w.day.FollowsFromAds -= n
		w.day.FollowsFromEntry += n
	}
}
