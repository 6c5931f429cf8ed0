package sim

// Ratings and tiers: each business's quality rating from its blocks, the
// messaging tier it moves through, and the share of the tier's limit each
// block of users may use in a day.

// tierQuota is a business under a tier limit today: lim unique users, shared
// among blocks by their followers (f in all).
type tierQuota struct {
	b   int32
	lim int64
	f   int64
}

// fillQuota sets block k's share of each tier limit: lim times the block's
// followers over all followers, rounded down, so that the shares never add
// up to more than the limit. It runs when a worker takes the block: only
// that worker reads or changes row k of blockFollowers and quota during a
// day, so the row is as the day before left it, and the blocks' rows are
// filled in parallel (at 1M users, one business at a time over all blocks
// had been a walk across the arrays, a cache miss per entry, every day).
func (r *runner) fillQuota(k int) {
	bf, q := r.blockFollowers[k*r.m:(k+1)*r.m], r.quota[k*r.m:(k+1)*r.m]
	for _, t := range r.quotaOf {
		q[t.b] = int32(t.lim * int64(bf[t.b]) / t.f)
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
			sends += int64(r.q7sends[b*7+i])
			blocks += int64(r.q7blocks[b*7+i])
		}
		rate := 0.0
		if sends > 0 {
			rate = 1000 * float64(blocks) / float64(sends)
		}
		switch {
		case rate >= ch.RedPer1000:
			s.DaysRed++
			r.redDays[b]++
			green = false
		case rate >= ch.YellowPer1000:
			s.DaysYellow++
			r.redDays[b] = 0
			green = false
		default:
			s.DaysGreen++
			r.redDays[b] = 0
		}
		if r.redDays[b] >= 7 {
			r.redDays[b] = 0
			if r.tier[b] > 0 {
				r.tier[b]--
			}
		}
	}
	if len(ch.Tiers) > 0 && green && int(r.tier[b]) < len(ch.Tiers) && 2*uniqueOutside >= int64(ch.Tiers[r.tier[b]]) {
		r.tier[b]++
	}
	t := int(r.tier[b])
	s.FinalTier = t
	s.MinTier = min(s.MinTier, t)
	s.MaxTier = max(s.MaxTier, t)
}
