package sim

// Ratings and tiers: each business's quality rating from its blocks, the
// messaging tier it moves through, and the share of the tier's limit each
// block of users may use in a day.

// tierState is the ratings and tiers process's state: each business's
// quality over the last 7 days, its messaging tier, and today's limits.
type tierState struct {
	tier    []int8  // each business's messaging tier (index into the channel's tiers)
	redDays []int16 // consecutive red days
	// q7sends and q7blocks are each business's messages and the blocks
	// they caused on the rated channel, on each of the last 7 days (a ring,
	// at [b*7+day%7]).
	q7sends  []int32
	q7blocks []int32
	limited  []bool // under a tier limit today
	// blockFollowers holds, at [k*m+b], the followers of business b in
	// block k (nil when the table would be large: see fillQuota).
	// Block-major, so that workers on different blocks do not write to the
	// same cache lines. A block's users follow a business at most once
	// each, so a count fits in 16 bits.
	blockFollowers []uint16
	// quotaOf lists today's businesses under a tier limit, with the limit
	// and the followers it is shared by; the worker that takes block k
	// fills its quota for the block from them (fillQuota).
	quotaOf []tierQuota
}

func (r *runner) initTiers() {
	m := r.m
	t := &r.tiers
	t.tier = make([]int8, m)
	t.redDays = make([]int16, m)
	t.q7sends = make([]int32, m*7)
	t.q7blocks = make([]int32, m*7)
	t.limited = make([]bool, m)
	if keepBlockFollowers(r.nblocks, m, r.n) {
		t.blockFollowers = make([]uint16, r.nblocks*m)
	}
}

// tierQuota is a business under a tier limit today: lim unique users, shared
// among blocks by their followers (f in all).
type tierQuota struct {
	b   int32
	lim int64
	f   int64
}

// fillQuota sets block k's share of each tier limit in the worker's quota:
// lim times the block's followers over all followers, rounded down, so
// that the shares never add up to more than the limit. It runs when a
// worker takes the block, before any of its users' days, so the block's
// followers are those the rows had as the day before left them.
//
// They are kept in blockFollowers when that table (blocks × businesses)
// is small, and otherwise counted anew in one pass over the block's
// slots: the table is 18 GB at 30 M users and 600,000 businesses, and the
// pass cost about 7 % of a run (msgmon bench at 20,000 users, side by
// side, 4 rounds). Both give the same counts, so the same results.
func (w *worker) fillQuota(k int) {
	r := w.r
	if len(r.tiers.quotaOf) == 0 {
		return
	}
	q := w.quota
	if r.tiers.blockFollowers != nil {
		bf := r.tiers.blockFollowers[k*r.m : (k+1)*r.m]
		for _, t := range r.tiers.quotaOf {
			q[t.b] = int32(t.lim * int64(bf[t.b]) / t.f)
		}
		return
	}
	for _, t := range r.tiers.quotaOf {
		q[t.b] = 0
	}
	lim := r.tiers.limited
	for u, hi := k*r.bs, min((k+1)*r.bs, r.n); u < hi; u++ {
		for _, sl := range r.slots[u*r.k : u*r.k+int(r.us[u].nslots)] {
			if sl.flags&fFollowing != 0 && lim[sl.biz] {
				q[sl.biz]++
			}
		}
	}
	for _, t := range r.tiers.quotaOf {
		q[t.b] = int32(t.lim * int64(q[t.b]) / t.f)
	}
}

// rate updates the quality rating and messaging tier of business b at the
// end of a day.
func (r *runner) rate(b int, uniqueOutside int64) {
	ci := r.tierCh[b]
	if ci < 0 {
		return
	}
	ch := &r.plat.Channels[ci]
	s := &r.sum[b]
	green := true
	if ch.Quality {
		var sends, blocks int64
		for i := 0; i < 7; i++ {
			sends += int64(r.tiers.q7sends[b*7+i])
			blocks += int64(r.tiers.q7blocks[b*7+i])
		}
		rate := 0.0
		if sends > 0 {
			rate = 1000 * float64(blocks) / float64(sends)
		}
		switch {
		case rate >= ch.RedPer1000:
			s.DaysRed++
			r.tiers.redDays[b]++
			green = false
		case rate >= ch.YellowPer1000:
			s.DaysYellow++
			r.tiers.redDays[b] = 0
			green = false
		default:
			s.DaysGreen++
			r.tiers.redDays[b] = 0
		}
		if r.tiers.redDays[b] >= 7 {
			r.tiers.redDays[b] = 0
			if r.tiers.tier[b] > 0 {
				r.tiers.tier[b]--
			}
		}
	}
	if len(ch.Tiers) > 0 && green && int(r.tiers.tier[b]) < len(ch.Tiers) && 2*uniqueOutside >= int64(ch.Tiers[r.tiers.tier[b]]) {
		r.tiers.tier[b]++
	}
	t := int(r.tiers.tier[b])
	s.FinalTier = t
	s.MinTier = min(s.MinTier, t)
	s.MaxTier = max(s.MaxTier, t)
}

// blockFollowerBytes is the most the table of followers by block and
// business may take per user (bytes) before fillQuota counts them anew
// instead: a var so that tests can run both ways.
var blockFollowerBytes = 32

// keepBlockFollowers reports whether runs of n users and m businesses in
// nblocks blocks keep the table of followers by block and business.
func keepBlockFollowers(nblocks, m, n int) bool {
	return int64(nblocks)*int64(m)*2 <= int64(blockFollowerBytes)*int64(n)
}

// A block's followers of a business, at most its users, fit in a uint16.
const _ = uint16(defaultBlockSize)
