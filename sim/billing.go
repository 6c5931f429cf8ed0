package sim

// Billing: what businesses and users pay the platform, booked so that money
// is conserved, and the Ledger that billers (periodic fees) see.

// charge books what business b pays the platform from source src: in its
// own books and in the day's.
func (w *worker) charge(b int, amount Micros, src Source) {
	if amount == 0 {
		return
	}
	w.chargeBusiness(b, amount, src)
	w.chargeDay(amount, src)
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

func (l ledger) Rand(b int) Stream {
	return newStream(streamBase(l.r.spec.Seed, purposeBilling), b, l.d)
}

func (l ledger) Channel(b int) string {
	if ci := l.r.channel[b]; ci >= 0 {
		return l.r.plat.Channels[ci].Name
	}
	return ""
}
