package sim

// Billing: what businesses and users pay the platform, booked so that money
// is conserved, and the Ledger that billers (periodic fees) see.

import "math/bits"

// billState is what billing keeps for a run besides the day's and the
// businesses' books.
type billState struct {
	// freeLeft is each business's free conversations left this month
	// (only with a monthly allowance).
	freeLeft []int64
}

// initBilling allocates the billing state: the monthly allowances when the
// platform gives one (settleConversations fills them on each month's
// first day).
func (r *runner) initBilling() {
	if r.plat.Service.FreeConversationsPerMonth > 0 {
		r.bill.freeLeft = make([]int64, r.m)
	}
}

// charge books what business b pays the platform from source src: in its
// own books and in the day's.
func (w *worker) charge(b int, amount Micros, src Source) {
	if amount == 0 {
		return
	}
	w.chargeBusiness(b, amount, src)
	w.chargeDay(amount, src)
}

// chargeMessage books the price of a business's proactive message (or of
// the conversation it opens, conv) for the day's revenue. What the business
// pays is taken from its channel counts (chanDay.spend) when the day ends
// (bookMessages), save a conversation under a monthly allowance, which
// settleConversations charges.
func (w *worker) chargeMessage(b int, amount Micros, src Source, conv bool) {
	if conv && w.conv != nil {
		w.chargeConversation(b, amount, src) // into the day's count under the allowance
		return
	}
	if amount != 0 {
		w.chargeDay(amount, src)
	}
}

// chargeConversation books a conversation business b opens at price
// amount: at once, or, when the platform gives a monthly allowance of free
// conversations, into the worker's count of b's conversations of the day,
// which the epilogue settles (settleConversations).
func (w *worker) chargeConversation(b int, amount Micros, src Source) {
	if w.conv == nil {
		w.charge(b, amount, src)
		return
	}
	c := &w.conv[b]
	c.n++
	c.due[src] += amount
}

// convAcc is one business's conversations of a day in one worker, under a
// monthly allowance: how many, and what they would cost by source.
type convAcc struct {
	n   int64
	due [NumSources]Micros
}

// settleConversations charges each business for its conversations of day
// d under the monthly allowance, in business order. With k of the month's
// free conversations left and n conversations today, k' = min(k, n) are
// free, and the business pays, source by source, due·(n−k')/n rounded down
// to the micro-dollar: on the day the allowance runs out, the bill a
// random k' of the day's conversations being free would give on average.
// Counts and sums are integers, so the result does not depend on which
// worker saw which conversation.
func (r *runner) settleConversations(d int) {
	if d%30 == 0 {
		for b := range r.bill.freeLeft {
			r.bill.freeLeft[b] = int64(r.plat.Service.FreeConversationsPerMonth)
		}
	}
	l := ledger{r: r, d: d}
	for b := 0; b < r.m; b++ {
		var a convAcc
		for _, w := range r.ws {
			x := &w.conv[b]
			a.n += x.n
			for s, v := range x.due {
				a.due[s] += v
			}
			*x = convAcc{}
		}
		if a.n == 0 {
			continue
		}
		free := min(r.bill.freeLeft[b], a.n)
		r.bill.freeLeft[b] -= free
		for s, v := range a.due {
			l.ChargeBusiness(b, ProRata(v, a.n-free, a.n), Source(s))
		}
	}
}

// ProRata is amount·k/n rounded down, exact for any int64 amount ≥ 0 and
// 0 ≤ k ≤ n.
func ProRata(amount Micros, k, n int64) Micros {
	if k == n {
		return amount
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(k))
	q, _ := bits.Div64(hi, lo, uint64(n))
	return Micros(q)
}

// chargeBusiness and chargeDay are the two halves of charge, for callers
// that book many charges of one price at once (a Status visit's ads).
func (w *worker) chargeBusiness(b int, amount Micros, src Source) { w.biz[b].spend[src] += amount }

func (w *worker) chargeDay(amount Micros, src Source) {
	w.day.PlatformRevenue[src] += amount
	w.day.BusinessSpend += amount
}

// ledger is the Ledger a Biller sees on one day.
type ledger struct {
	r *runner
	d int
}

func (l ledger) Day() int { return l.d }

func (l ledger) Businesses() int { return l.r.m }

func (l ledger) Followers(b int) int { return int(l.r.followers[b]) }

func (l ledger) ChargeBusiness(b int, amount Micros, src Source) {
	if amount == 0 {
		return
	}
	r := l.r
	r.sum[b].Spend += amount
	r.sum[b].SpendBySource[src] += amount
	r.day.PlatformRevenue[src] += amount
	r.day.BusinessSpend += amount
}

func (l ledger) ChargeUsers(b int, amount, platformShare Micros, src Source) {
	if amount == 0 {
		return
	}
	r := l.r
	r.day.UserSpend += amount
	r.day.PlatformRevenue[src] += platformShare
	r.day.BusinessRevenue += amount - platformShare
	r.sum[b].Revenue += amount - platformShare
}

func (l ledger) Uses(b int, channel string) bool {
	for i, ch := range l.r.plat.Channels {
		if ch.Name == channel {
			return l.r.uses[b]&(1<<i) != 0
		}
	}
	return false
}

func (l ledger) Rand(b int) Stream {
	return newStream(streamBase(l.r.spec.Seed, purposeBilling), b, l.d)
}
