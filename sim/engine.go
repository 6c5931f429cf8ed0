package sim

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	// prefetchAhead: while user u's day runs, the row of slots of user
	// u+prefetchAhead is fetched into the cache. The hardware does not
	// foresee it (a row is K slots, of which the scan reads only those in
	// use), and the scan would otherwise wait for memory at every user
	// once the population outgrows the caches: msgmon bench --workers 1
	// ran 10-17 % faster with it at 100k users.
	prefetchAhead    = 8
	defaultBlockSize = 2048
	maxCampaigns     = 4 // proactive campaigns of one business in one day
	contactMemory    = 30 * 24
)

// RunSpec is how to run: the seed of the run's random streams and how many
// workers to use. The results do not depend on Workers or BlockSize... of
// which only Workers is meant to be changed; BlockSize is fixed per run so
// that tier quotas are shared out the same way on any machine.
type RunSpec struct {
	Seed    uint64
	Workers int // 0: GOMAXPROCS
	// Progress, if set, is called after each day.
	Progress func(day int)
	// Audit, if set, is called once a day with every event of the day, in
	// a fixed order.
	Audit func(events []AuditEvent)
}

// Run simulates one arm: the population under the platform's rules for
// cfg.Days days. It stops at the end of a day when ctx is cancelled and
// returns ctx.Err().
func Run(ctx context.Context, pop *Population, plat *Platform, spec RunSpec) (*Result, error) {
	r, err := newRunner(pop, plat, spec)
	if err != nil {
		return nil, err
	}
	for d := 0; d < pop.Cfg.Days; d++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.prologue(d)
		r.parallelBlocks(d)
		r.epilogue(d)
		if spec.Progress != nil {
			spec.Progress(d)
		}
	}
	return r.result(), nil
}

type runner struct {
	pop         *Population
	plat        *Platform
	spec        RunSpec
	beh         Behaviour
	n, m, k, c  int
	bs, nblocks int
	workers     int
	windowH     int32
	freeEntryH  int32
	decay       float64 // annoyance decay rate per day
	meanAct     float64

	// Users.
	slots    []slot
	us       []userState // what the day loop reads of u every day
	view     []viewer    // what a visit to the Updates tab reads
	chanIdx  []uint16    // N*MaxChannels, per-user period caps
	chanSent []uint8
	snapPrev []int32
	snapNext []int32
	// The probability of a discovery or word-of-mouth event a day (graph
	// mode), and the share of it that is discovery.
	discProb  []float32
	discShare []float32

	// Businesses.
	followers []int32
	// blockFollowers and quota hold, at [k*m+b], the followers of business
	// b in block k and b's tier quota there today: block-major, so that
	// workers on different blocks do not write to the same cache lines.
	blockFollowers []int32
	quota          []int32
	limited        []bool
	// quotaOf lists today's businesses under a tier limit, with the limit
	// and the followers it is shared by; the worker that takes block k
	// fills row k of quota from them (fillQuota).
	quotaOf    []tierQuota
	channel    []int8
	audMask    []uint8   // slot flags that put a user in b's audience (0: any)
	due        []dueInfo // what the daily scan needs of each business today
	campCount  []uint8
	campHour   []int32
	campCat    []MsgCategory
	sendFrac   []float32
	avgPrice   []float64 // per channel, dollars per message
	answerProb []float32
	loadEWMA   []float64
	convToday  []int64
	tier       []int8
	redDays    []int16
	q7sends    []int32
	q7blocks   []int32
	sum        []BusinessSummary

	// Discovery.
	discCat   []float64 // per category, hazard per day of interest weight 1
	discAlias []alias
	discW     []float64
	discP     []float64 // p part of each business's weight (for attribution)
	womRate   float64

	// Status ads.
	advAlias []alias   // per category, advertisers by size
	advBiz   [][]int32 // per category
	advCat   alias     // categories by number of advertisers

	// Streams.
	sConv, sStatus, sDisc, sMsg, sExpire, sCamp uint64

	ws    []*worker
	audit [][]AuditEvent // per block
	day   Daily          // ledger charges of the current day
	daily []Daily
}

type worker struct {
	// The workers of a run are allocated one after another, and each
	// writes its day counts and per-user fields all the time: the pads
	// keep one worker's fields off the cache lines of the next, so that
	// the cores do not take lines from each other (false sharing).
	_    [cacheLine]byte
	r    *runner
	day  Daily
	biz  []bizAcc
	ev   []event
	sent [MaxChannels]int // marketing messages a user got today, by channel
	blk  int
	// gotMsg and gotAd: the current user was reached today.
	gotMsg, gotAd bool
	// msgDay is the current user-day's message stream, made on the day's
	// first campaign (msgOK).
	msgDay Stream
	msgOK  bool
	// evPos is the event being handled in ev; skipped has bit j set when
	// slot j has campaigns today that the scan left out because the
	// audience rule excluded the user then (see wake).
	evPos   int
	skipped uint64
	// skipWin has bit j set when slot j's campaigns today were left out
	// because its business sends only inside the service window and the
	// window is closed at all of their hours. Such a campaign is refused
	// by the rules (a blocked send) unless u writes first, which opens the
	// window: wake then queues those still to come and counts the past
	// ones as blocked; the rest are counted when the day's events are done.
	skipWin uint64
	// seg counts events by user segment over the whole run (integers:
	// their sum over workers does not depend on scheduling).
	seg []SegmentSummary
	_   [cacheLine]byte
}

// cacheLine is the size of a cache line on the machines msgmon runs on (64
// bytes on amd64 and most arm64), or a multiple of it.
const cacheLine = 64

const (
	uReachedMsg uint8 = 1 << iota
	uReachedAd
	uAdOptOut
)

func newRunner(pop *Population, plat *Platform, spec RunSpec) (*runner, error) {
	if len(plat.Markets) != len(pop.Cfg.Markets) || len(plat.Categories) != pop.C {
		return nil, fmt.Errorf("sim: platform was made for another population (markets %d vs %d)", len(plat.Markets), len(pop.Cfg.Markets))
	}
	r := &runner{pop: pop, plat: plat, spec: spec, beh: pop.Cfg.Behaviour,
		n: pop.N, m: pop.M, k: pop.K, c: pop.C, bs: defaultBlockSize}
	r.nblocks = (r.n + r.bs - 1) / r.bs
	r.workers = spec.Workers
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	if r.workers > r.nblocks {
		r.workers = r.nblocks
	}
	r.windowH = int32(math.Round(plat.Service.WindowHours))
	r.freeEntryH = int32(math.Round(plat.Service.FreeEntryHours))
	r.decay = math.Ln2 / r.beh.AnnoyHalfLife
	r.meanAct = math.Max(pop.Cfg.User.ActivityMean, 1e-9)
	seed := spec.Seed
	r.sConv = streamBase(seed, purposeConversation)
	r.sStatus = streamBase(seed, purposeStatus)
	r.sDisc = streamBase(seed, purposeDiscovery)
	r.sMsg = streamBase(seed, purposeMessage)
	r.sExpire = streamBase(seed, purposeExpiry)
	r.sCamp = streamBase(seed, purposeCampaign)

	n, m, k := r.n, r.m, r.k
	if pop.Cfg.Days >= math.MaxInt16 { // tierDay is an int16
		return nil, fmt.Errorf("sim: %d days is more than a run can hold", pop.Cfg.Days)
	}
	r.slots = make([]slot, n*k)
	adviseHuge(r.slots)
	r.us = make([]userState, n)
	adviseHuge(r.us)
	needUserPeriods := false
	for _, ch := range plat.Channels {
		needUserPeriods = needUserPeriods || ch.UserCapPerPeriod > 0
	}
	if needUserPeriods {
		r.chanIdx = make([]uint16, n*MaxChannels)
		r.chanSent = make([]uint8, n*MaxChannels)
	}
	r.followers = make([]int32, m)
	r.blockFollowers = make([]int32, r.nblocks*m)
	r.quota = make([]int32, r.nblocks*m)
	r.limited = make([]bool, m)
	r.channel = make([]int8, m)
	r.audMask = make([]uint8, m)
	r.due = make([]dueInfo, m)
	r.campCount = make([]uint8, m)
	r.campHour = make([]int32, m*maxCampaigns)
	r.campCat = make([]MsgCategory, m*maxCampaigns)
	r.sendFrac = make([]float32, m)
	r.answerProb = make([]float32, m)
	r.loadEWMA = make([]float64, m)
	r.convToday = make([]int64, m)
	r.tier = make([]int8, m)
	r.redDays = make([]int16, m)
	r.q7sends = make([]int32, m*7)
	r.q7blocks = make([]int32, m*7)
	r.sum = make([]BusinessSummary, m)

	r.assignChannels()
	r.initFollows()
	r.initDiscovery()
	r.initAds()
	r.initUserConstants()

	r.ws = make([]*worker, r.workers)
	for i := range r.ws {
		r.ws[i] = &worker{r: r, biz: make([]bizAcc, m), ev: make([]event, 0, 64),
			seg: padded[SegmentSummary](3 * len(pop.Cfg.Markets))}
	}
	if spec.Audit != nil {
		r.audit = make([][]AuditEvent, r.nblocks)
	}
	return r, nil
}

// assignChannels gives each business at most one proactive channel, drawn
// by the channels' adoption shares from the business's own uniform, and
// its starting tier.
func (r *runner) assignChannels() {
	chs := r.plat.Channels
	total := 0.0
	for _, ch := range chs {
		total += ch.Adoption
	}
	scale := math.Max(total, 1)
	for b := 0; b < r.m; b++ {
		r.channel[b] = -1
		x := float64(r.pop.ChannelDraw[b]) * scale
		for i, ch := range chs {
			x -= ch.Adoption
			if x < 0 {
				r.channel[b] = int8(i)
				switch ch.Audience {
				case Followers:
					r.audMask[b] = fFollowing
				case Contacts:
					r.audMask[b] = fWrote
				case WindowOnly:
					r.audMask[b] = fFollowing | fWrote
				}
				r.tier[b] = int8(ch.StartTier)
				break
			}
		}
		s := &r.sum[b]
		s.Business = b
		s.Category = r.plat.Categories[r.pop.Category[b]]
		s.Size = r.pop.Size[b]
		if r.channel[b] >= 0 {
			s.Channel = chs[r.channel[b]].Name
			s.FinalTier, s.MinTier, s.MaxTier = int(r.tier[b]), int(r.tier[b]), int(r.tier[b])
		}
		s.Advertiser = r.plat.Ads != nil && r.pop.Advertiser[b]
	}
	// Mean price per message of each channel over markets and categories,
	// for businesses to plan within their budgets.
	r.avgPrice = make([]float64, len(chs))
	for i := range chs {
		ch := &chs[i]
		v := 0.0
		for mk, mc := range r.pop.Cfg.Markets {
			for ci, cat := range r.pop.Cfg.Categories {
				share := mc.Share * cat.Share
				v += share * ((1-cat.UtilityShare)*ch.Price[mk][Marketing].Dollars() + cat.UtilityShare*ch.Price[mk][Utility].Dollars())
				_ = ci
			}
		}
		r.avgPrice[i] = v
	}
}

func (r *runner) initFollows() {
	k := r.k
	for u := 0; u < r.n; u++ {
		row := r.pop.InitialFollows[u*k : (u+1)*k]
		blk := u / r.bs
		r.us[u].nextLapse = noDay
		for j, b := range row {
			if b < 0 {
				break
			}
			es := newStream(r.sExpire, u, 0).sub(int(b))
			sl := freshSlot(b)
			sl.flags, sl.expire = fFollowing, expireDay(es.Geometric(r.beh.NaturalUnfollow))
			r.slots[u*k+j] = sl
			r.us[u].nextLapse = min(r.us[u].nextLapse, sl.expire)
			r.us[u].nslots++
			r.followers[b]++
			r.blockFollowers[blk*r.m+int(b)]++
		}
	}
	for b := 0; b < r.m; b++ {
		r.sum[b].FollowersStart = int64(r.followers[b])
	}
	if r.pop.Graph != nil {
		r.snapPrev = make([]int32, r.n*k)
		r.snapNext = make([]int32, r.n*k)
		adviseHuge(r.snapPrev)
		adviseHuge(r.snapNext)
		for u := 0; u < r.n; u++ {
			r.writeSnapshot(u, r.snapPrev)
			r.writeSnapshot(u, r.snapNext)
		}
	}
}

func (r *runner) writeSnapshot(u int, dst []int32) {
	k := r.k
	row := dst[u*k : (u+1)*k]
	for j := range row {
		row[j] = -1
		if j < int(r.us[u].nslots) {
			sl := &r.slots[u*k+j]
			if sl.flags&fFollowing != 0 {
				row[j] = sl.biz
			}
		}
	}
}

func (r *runner) initDiscovery() {
	r.discCat = make([]float64, r.c)
	r.discAlias = make([]alias, r.c)
	r.discW = make([]float64, r.m)
	r.discP = make([]float64, r.m)
	for b := 0; b < r.m; b++ {
		r.discP[b] = r.beh.BassP * r.pop.Potential[b] / 365
	}
	// Word of mouth samples a contact's slot: the rate per user-day that
	// makes the adoption hazard q * (share of contacts following) * (interest/0.5).
	r.womRate = 2 * r.beh.BassQ / 365 * float64(r.k)
	if r.pop.Graph != nil {
		r.rebuildDiscovery(false)
	}
}

// rebuildDiscovery sets each category's total discovery hazard and the
// alias table of its businesses. With mixed set (no graph) the imitation
// term q * followers/N is included, from yesterday's follower counts.
func (r *runner) rebuildDiscovery(mixed bool) {
	for c := 0; c < r.c; c++ {
		bs := r.pop.catBiz[c]
		w := r.discW[:len(bs)]
		total := 0.0
		for i, b := range bs {
			x := r.discP[b]
			if mixed {
				x += r.beh.BassQ / 365 * float64(r.followers[b]) / float64(r.n)
			}
			w[i] = x
			total += x
		}
		r.discCat[c] = total
		r.discAlias[c].rebuild(w)
	}
}

func (r *runner) initUserConstants() {
	n := r.n
	r.view = make([]viewer, n)
	adviseHuge(r.view)
	for u := 0; u < n; u++ {
		rate := r.beh.ConversationsPerDay * float64(r.pop.Activity[u]) / r.meanAct
		r.us[u].convRate = float32(rate)
		r.us[u].statusP = r.beh.StatusDailyShare * float64(r.pop.Activity[u]) / r.meanAct
		v := &r.view[u]
		v.views, v.supply = r.pop.StatusViews[u], r.pop.StatusSupply[u]
		v.viewsP0 = math.Exp(-float64(v.views))
		v.supplyP0 = math.Exp(-float64(v.supply))
		s := newStream(r.sConv, u, 0).sub(-1)
		r.us[u].nextConv = s.hoursUntil(rate)
	}
	if r.pop.Graph == nil {
		return
	}
	r.discProb = make([]float32, n)
	r.discShare = make([]float32, n)
	for u := 0; u < n; u++ {
		lp, lq := r.discoveryHazard(u)
		if t := lp + lq; t > 0 {
			r.discProb[u] = float32(-math.Expm1(-t * float64(r.pop.FollowPropensity[u])))
			r.discShare[u] = float32(lp / t)
		}
		s := newStream(r.sDisc, u, 0).sub(-1)
		r.us[u].nextDisc = s.Geometric(float64(r.discProb[u])) - 1
	}
}

// discoveryHazard returns u's daily hazards of a discovery (Bass p) and a
// word-of-mouth (Bass q, graph mode) event, before u's propensity to follow
// (a factor on both) is applied.
func (r *runner) discoveryHazard(u int) (lp, lq float64) {
	for c, x := range r.pop.Interest[u*r.c : (u+1)*r.c] {
		lp += 2 * float64(x) * r.discCat[c]
	}
	if g := r.pop.Graph; g != nil && g.Degree(u) > 0 {
		lq = r.womRate
	}
	return lp, lq
}

func (r *runner) initAds() {
	if r.plat.Ads == nil {
		return
	}
	r.advAlias = make([]alias, r.c)
	r.advBiz = make([][]int32, r.c)
	counts := make([]float64, r.c)
	for c := 0; c < r.c; c++ {
		var w []float64
		for _, b := range r.pop.catBiz[c] {
			if r.pop.Advertiser[b] {
				r.advBiz[c] = append(r.advBiz[c], b)
				w = append(w, r.pop.Size[b])
			}
		}
		r.advAlias[c] = newAlias(w)
		counts[c] = float64(len(w))
	}
	r.advCat = newAlias(counts)
}

// prologue: business decisions and platform limits for day d, from the
// state at the end of day d-1.
func (r *runner) prologue(d int) {
	chs := r.plat.Channels
	r.quotaOf = r.quotaOf[:0]
	for b := 0; b < r.m; b++ {
		r.campCount[b], r.due[b] = 0, dueInfo{shutBefore: math.MinInt32}
		ci := r.channel[b]
		if ci >= 0 {
			spw := float64(r.pop.SendsPerWeek[b])
			ph := float64(r.pop.SendPhase[b])
			cnt := int(math.Floor(float64(d+1)*spw/7+ph) - math.Floor(float64(d)*spw/7+ph))
			if cnt > maxCampaigns {
				cnt = maxCampaigns
			}
			if cnt > 0 {
				s := newStream(r.sCamp, b, d)
				util := r.pop.Cfg.Categories[r.pop.Category[b]].UtilityShare
				first := int32(24)
				for i := 0; i < cnt; i++ {
					r.campHour[b*maxCampaigns+i] = int32(8 + s.IntN(12))
					first = min(first, r.campHour[b*maxCampaigns+i])
					if s.Float64() < util {
						r.campCat[b*maxCampaigns+i] = Utility
					} else {
						r.campCat[b*maxCampaigns+i] = Marketing
					}
				}
				r.campCount[b] = uint8(cnt)
				r.due[b].due, r.due[b].aud = 1, r.audMask[b]
				if chs[ci].Audience == WindowOnly {
					// The window is shut at every campaign of the day
					// for a user whose last message came this early
					// (or who never wrote: noHour).
					r.due[b].shutBefore = int32(d)*24 + first - r.windowH
				}
			}
			// Budget: send to a share of the audience so the expected
			// cost stays within the day's budget.
			r.sendFrac[b] = 1
			cost := float64(cnt) * float64(r.followers[b]) * r.avgPrice[ci]
			if budget := r.pop.BudgetDaily[b].Dollars(); cost > budget {
				r.sendFrac[b] = float32(budget / cost)
			}
			// Messaging tiers: share the day's limit of unique users out
			// among blocks by their followers, so the total never exceeds it.
			ch := &chs[ci]
			// Quotas apply even below the limit, since followers gained
			// during the day could otherwise take a business over it.
			r.limited[b] = false
			if len(ch.Tiers) > 0 && int(r.tier[b]) < len(ch.Tiers) {
				r.limited[b] = true
				r.quotaOf = append(r.quotaOf, tierQuota{b: int32(b),
					lim: int64(ch.Tiers[r.tier[b]]), f: max(int64(r.followers[b]), 1)})
			}
		}
		// Service capacity: staffed for Capacity[b] times the usual load.
		r.answerProb[b] = 1
		if y := float64(r.convToday[b]); y > 0 && r.loadEWMA[b] > 0 {
			capacity := r.pop.Capacity[b] * math.Max(r.loadEWMA[b], 1)
			if y > capacity {
				r.answerProb[b] = float32(capacity / y)
			}
		}
	}
	if r.pop.Graph == nil {
		r.rebuildDiscovery(true)
	}
}

func (r *runner) parallelBlocks(d int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, w := range r.ws {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= r.nblocks {
					return
				}
				w.blk = k
				r.fillQuota(k)
				if r.audit != nil {
					r.audit[k] = r.audit[k][:0]
				}
				lo, hi := k*r.bs, min((k+1)*r.bs, r.n)
				rowBytes := uintptr(r.k) * unsafe.Sizeof(slot{})
				for u := lo; u < hi; u++ {
					if u+prefetchAhead < hi {
						prefetch(uintptr(unsafe.Pointer(&r.slots[(u+prefetchAhead)*r.k])), rowBytes)
					}
					w.userDay(u, d)
				}
			}
		}(w)
	}
	wg.Wait()
}

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

func (w *worker) emit(e AuditEvent) {
	r := w.r
	if r.audit != nil {
		r.audit[w.blk] = append(r.audit[w.blk], e)
	}
}

// userDay is the per-user inner loop: lapses, then the day's events in
// hour order (conversations, Status visits, campaigns), then discovery.
func (w *worker) userDay(u, d int) {
	r := w.r
	k := r.k
	base := u * k
	ev := w.ev[:0]
	w.gotMsg, w.gotAd, w.msgOK = false, false, false
	st := &r.us[u]
	ns := int(st.nslots)
	row := r.slots[base : base+ns]
	// One tight pass marks the slots whose business has a campaign today,
	// and on the rare days when one of u's follows may lapse, another the
	// follows that lapse today (only a follow has an expiry). Both look at
	// the row as the day starts; the marked slots are handled after, in
	// slot order.
	cand := dueSlots(row, r.due)
	if int(st.nextLapse) <= d {
		var lapse uint64
		lapse, st.nextLapse = lapseSlots(row, d)
		for m := lapse; m != 0; m &= m - 1 {
			w.unfollow(u, bits.TrailingZeros64(m), d, 0, false)
		}
	}
	for m := cand; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		sl := &row[j]
		b := sl.biz
		x := r.due[b]
		// Each candidate is queued, left for wake or skipped for good.
		// The tests are combined without branches: which way each goes
		// depends on the user's history and is hard to predict.
		//  - a blocked slot gets nothing;
		//  - a slot outside the audience (followers or contacts only)
		//    would be turned away unless it joins the audience before the
		//    campaigns are due: wake queues them then (skipped);
		//  - a window-only channel whose window is shut at every campaign
		//    of the day is refused unless u writes first (skipWin).
		blocked := b2i(sl.flags&fBlocked != 0)
		outside := b2i(x.aud != 0) & b2i(sl.flags&x.aud == 0) &^ blocked
		shut := b2i(sl.lastUser <= x.shutBefore) &^ (blocked | outside)
		w.skipped |= uint64(outside) << j
		w.skipWin |= uint64(shut) << j
		if blocked|outside|shut != 0 {
			continue
		}
		for c := 0; c < int(r.campCount[b]); c++ {
			ev = append(ev, packEvent(r.campHour[int(b)*maxCampaigns+c], evCampaign, j, c, b))
		}
	}
	if end := float64(d+1) * 24; st.nextConv < end {
		cs := newStream(r.sConv, u, d)
		rate := float64(st.convRate)
		for st.nextConv < end {
			h := int32(st.nextConv - float64(d)*24)
			st.nextConv += cs.hoursUntil(rate)
			ev = w.need(u, h, ns, &cs, ev)
		}
	}
	ss := newStream(r.sStatus, u, d)
	if ss.Float64() < st.statusP {
		ev = append(ev, packEvent(int32(ss.IntN(24)), evStatus, 0, 0, 0))
	}
	if len(ev) > 0 {
		sortEvents(ev)
		w.sent = [MaxChannels]int{}
		w.ev = ev
		for w.evPos = 0; w.evPos < len(w.ev); w.evPos++ {
			e := w.ev[w.evPos]
			switch e.kind() {
			case evConversation:
				w.conversation(u, int(e.biz()), d, e.hour(), false)
			case evStatus:
				w.status(u, d, e.hour(), &ss)
			case evCampaign:
				if r.slots[base+e.slot()].biz == e.biz() {
					w.campaign(u, e.slot(), e.campaign(), d, e.hour())
				}
			}
		}
		ev = w.ev
	}
	w.ev = ev
	w.skipped = 0
	for m := w.skipWin; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		w.blockedBefore(u, j, d, r.slots[base+j].biz, math.MaxUint64)
	}
	w.skipWin = 0
	w.day.ReachMessages += b2i(w.gotMsg) // no branch on a coin's outcome
	w.day.ReachAds += b2i(w.gotAd)
	if r.pop.Graph == nil || st.nextDisc == int32(d) {
		w.discover(u, d)
	}
	if r.snapNext != nil && st.lastChange >= int32(d-1) {
		r.writeSnapshot(u, r.snapNext)
	}
}

// padded returns a slice of n zero values that shares no cache line with
// any other object: for counters one worker writes all the time.
func padded[T any](n int) []T {
	var zero T
	pad := (cacheLine + int(unsafe.Sizeof(zero)) - 1) / max(int(unsafe.Sizeof(zero)), 1)
	return make([]T, n+2*pad)[pad : pad+n : pad+n]
}

// b2i is 1 for true and 0 for false; the compiler makes it a move.
func b2i(b bool) int64 {
	var i int64
	if b {
		i = 1
	}
	return i
}

// dueInfo is what the daily scan of a user's slots reads of a business:
// 8 bytes, so that the table of a few thousand businesses stays in the
// first-level cache.
type dueInfo struct {
	due uint8 // 1: campaigns today
	aud uint8 // slot flags that put a user in the audience (0: any)
	_   [2]uint8
	// shutBefore: a window-only channel's window is shut at every
	// campaign today for a slot whose lastUser is at or before it;
	// math.MinInt32 for other channels (and lastUser never is).
	shutBefore int32
}

// dueSlots returns the mask of the slots in row whose business has a
// campaign today. It is a function of its own so that the loop keeps its
// values in registers.
//
//go:noinline
func dueSlots(row []slot, due []dueInfo) (cand uint64) {
	bit := uint64(1)
	for i := range row {
		if due[row[i].biz].due != 0 {
			cand |= bit
		}
		bit <<= 1
	}
	return cand
}

// lapseSlots returns the mask of the slots in row whose follow lapses by
// day d, and the first day after d on which another does (noDay: none).
func lapseSlots(row []slot, d int) (lapse uint64, next uint16) {
	next = noDay
	for i := range row {
		if e := row[i].expire; int(e) <= d {
			lapse |= 1 << i
		} else {
			next = min(next, e)
		}
	}
	return lapse, next
}

// inAudience reports whether the audience rule of b's channel admits a
// slot with these flags (campaign's first test, blocks aside): followers
// need fFollowing, contacts fWrote, window either.
func (r *runner) inAudience(b int32, flags uint8) bool {
	m := r.audMask[b]
	return m == 0 || flags&m != 0
}

// wake is called when slot j of u may have joined its business's audience
// (u wrote or followed) while the day's events are handled. If the scan
// left the slot's campaigns out, those still to come are queued in order
// now, with the keys they would have had: events the scan queued and
// campaign turned away had no effect, so the day runs as if all had been
// queued from the start.
//
// A slot in skipWin is woken when its window opens (u wrote): the
// campaigns already past were refused and count as blocked, those to come
// are queued.
func (w *worker) wake(u, j, d int) {
	r := w.r
	bit := uint64(1) << j
	if (w.skipped|w.skipWin)&bit == 0 {
		return
	}
	sl := &r.slots[u*r.k+j]
	b := sl.biz
	cur := w.ev[w.evPos]
	if w.skipWin&bit != 0 {
		if sl.lastUser+r.windowH <= int32(d)*24+cur.hour() {
			return // still closed
		}
		w.skipWin &^= bit
		w.blockedBefore(u, j, d, b, cur)
	} else {
		if sl.flags&fBlocked != 0 || !r.inAudience(b, sl.flags) {
			return
		}
		w.skipped &^= bit
	}
	for c := 0; c < int(r.campCount[b]); c++ {
		e := packEvent(r.campHour[int(b)*maxCampaigns+c], evCampaign, j, c, b)
		if e <= cur {
			continue // past: it was turned away
		}
		w.ev = append(w.ev, e)
		i := len(w.ev) - 1
		for i > w.evPos+1 && w.ev[i-1] > e {
			w.ev[i] = w.ev[i-1]
			i--
		}
		w.ev[i] = e
	}
}

// blockedBefore counts as blocked the campaigns of business b in
// window-skipped slot j with keys up to last: the rules refused them (the
// window was closed), save those the business left out for its budget,
// which campaign drops before asking the rules.
func (w *worker) blockedBefore(u, j, d int, b int32, last event) {
	r := w.r
	frac := float64(r.sendFrac[b])
	if frac >= 1 && last == math.MaxUint64 {
		w.day.SendsBlocked += int64(r.campCount[b]) // all of them
		return
	}
	for c := 0; c < int(r.campCount[b]); c++ {
		e := packEvent(r.campHour[int(b)*maxCampaigns+c], evCampaign, j, c, b)
		if e > last {
			continue
		}
		if frac < 1 {
			ms := w.msgStream(u, d, int(b)*maxCampaigns+c)
			if xSend, _ := ms.pairAt(1); xSend >= frac {
				continue
			}
		}
		w.day.SendsBlocked++
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

// findSlot returns the slot of u with business b, or -1.
func (r *runner) findSlot(u int, b int32) int {
	base := u * r.k
	for j := 0; j < int(r.us[u].nslots); j++ {
		if r.slots[base+j].biz == b {
			return j
		}
	}
	return -1
}

// newSlot returns a slot for a new relationship with b: a fresh one, or the
// least recently used contact that is neither followed nor blocked and
// whose window closed over 30 days ago; -1 when all are taken. prev is the
// business the slot held before (-1: none).
func (r *runner) newSlot(u int, b int32, now int32) (j int, prev int32) {
	base := u * r.k
	j, prev = int(r.us[u].nslots), -1
	if j < r.k {
		r.us[u].nslots++
	} else {
		j = -1
		oldest := now - contactMemory
		// The oldest contact, found without branches (which slots
		// qualify is hard to predict): c is 1 for a contact older than
		// the best so far, and selects it by multiplication.
		for i, sl := range r.slots[base : base+r.k] {
			last := max(sl.lastUser, sl.lastSend)
			c := b2i(sl.flags&(fFollowing|fBlocked) == 0) & b2i(last < oldest)
			j += int(c) * (i - j)
			oldest += int32(c) * (last - oldest)
		}
		if j < 0 {
			return -1, -1
		}
		prev = r.slots[base+j].biz
	}
	r.slots[base+j] = freshSlot(b)
	return j, prev
}

func (w *worker) follow(u, j, d int, hour int32, src *int64) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	if sl.flags&(fFollowing|fBlocked) != 0 {
		return
	}
	sl.flags = (sl.flags | fFollowing) &^ fMuted
	w.wake(u, j, d)
	es := newStream(r.sExpire, u, d).sub(int(sl.biz))
	sl.expire = expireDay(int32(d) + es.Geometric(r.beh.NaturalUnfollow))
	r.us[u].nextLapse = min(r.us[u].nextLapse, sl.expire)
	b := int(sl.biz)
	r.blockFollowers[w.blk*r.m+b]++
	w.biz[b].followDelta++
	w.biz[b].follows++
	w.day.FollowsGained++
	w.seg[r.pop.Segment[u]].FollowsGained++
	*src++
	r.us[u].lastChange = int32(d)
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: int32(b), Kind: AuditFollow, Channel: -1})
	}
}

func (w *worker) endFollow(u, j, d int) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	b := int(sl.biz)
	sl.flags &^= fFollowing | fMuted
	sl.expire = noDay
	r.blockFollowers[w.blk*r.m+b]--
	w.biz[b].followDelta--
	r.us[u].lastChange = int32(d)
}

func (w *worker) unfollow(u, j, d int, hour int32, annoyed bool) {
	sl := &w.r.slots[u*w.r.k+j]
	w.endFollow(u, j, d)
	w.biz[sl.biz].unfollows++
	w.day.Unfollows++
	seg := &w.seg[w.r.pop.Segment[u]]
	seg.Unfollows++
	if annoyed {
		w.day.UnfollowsAnnoyed++
		seg.UnfollowsAnnoyed++
	}
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: sl.biz, Kind: AuditUnfollow, Channel: -1, Annoyed: annoyed})
	}
}

func (w *worker) block(u, j, d int, hour int32) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	seg := &w.seg[r.pop.Segment[u]]
	if sl.flags&fFollowing != 0 {
		w.endFollow(u, j, d)
		w.biz[sl.biz].followsBlocked++
		w.day.FollowsBlocked++
		seg.FollowsBlocked++
	}
	sl.flags |= fBlocked
	w.biz[sl.biz].blocks++
	w.day.Blocks++
	seg.Blocks++
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: sl.biz, Kind: AuditBlock, Channel: -1})
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

// chargeBusiness and chargeDay are the two halves of charge, for callers
// that book many charges of one price at once (a Status visit's ads).
func (w *worker) chargeBusiness(b int, amount Micros, src Source) { w.biz[b].spend[src] += amount }

func (w *worker) chargeDay(amount Micros, src Source) {
	w.day.PlatformRevenue[src] += amount
	w.day.BusinessSpend += amount
}

// annoyAt decays u's annoyance to time t (days) and adds x; it returns the
// new level.
func (r *runner) annoyAt(u int, t float64, x float64) float64 {
	a := float64(r.us[u].annoy) * fastExp(-r.decay*(t-float64(r.us[u].annoyT)))
	a += x
	r.us[u].annoy = float32(a)
	r.us[u].annoyT = float32(t)
	return a
}

// adAnnoyAt is annoyAt for the annoyance from ads, kept in u's viewer
// record.
func (r *runner) adAnnoyAt(v *viewer, t float64, x float64) float64 {
	a := float64(v.adAnnoy) * fastExp(-r.decay*(t-float64(v.adT)))
	a += x
	v.adAnnoy = float32(a)
	v.adT = float32(t)
	return a
}

// reacts reports whether the uniform x falls below the reaction
// probability 1 - exp(-rate·(a/tolerance)^shape) of user u at annoyance a.
// Since 1 - exp(-z) <= z, an x at or above z is no reaction without
// computing the exp: the answer is the same, and that is the usual case.
func (r *runner) reacts(x float64, u int, a, rate float64) bool {
	y := a / float64(r.pop.Tolerance[u])
	if r.beh.ReactShape == 2 {
		y *= y
	} else {
		y = math.Pow(y, r.beh.ReactShape)
	}
	z := rate * y
	if x >= z {
		return false
	}
	return x < -math.Expm1(-z)
}

func (r *runner) unwanted(rel float64) float64 {
	return r.beh.AnnoyBase + (1-r.beh.AnnoyBase)*(1-rel)
}

// conversation: u writes to b at hour h (a need, or a click on an ad or a
// message). It opens or extends the service window.
func (w *worker) conversation(u, b, d int, h int32, fromAd bool) {
	r := w.r
	now := int32(d)*24 + h
	j := r.findSlot(u, int32(b))
	if j < 0 {
		var prev int32
		j, prev = r.newSlot(u, int32(b), now)
		if j >= 0 && (w.skipped|w.skipWin)&(1<<j) != 0 {
			// Another business's slot before: the dispatch would drop
			// its campaigns still to come, and the rules refused those
			// past.
			if w.skipWin&(1<<j) != 0 {
				w.blockedBefore(u, j, d, prev, w.ev[w.evPos])
			}
			w.skipped &^= 1 << j
			w.skipWin &^= 1 << j
		}
	}
	isNew := true
	var sl *slot
	if j >= 0 {
		sl = &r.slots[u*r.k+j]
		isNew = sl.lastUser == noHour || now >= sl.lastUser+r.windowH
		sl.lastUser = now
		sl.flags |= fWrote
		w.wake(u, j, d)
		if isNew {
			sl.winMsgs = 0
		}
		if fromAd && r.freeEntryH > 0 {
			sl.freeUntil = now + r.freeEntryH
		}
	}
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditWrite, Channel: -1})
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
		w.charge(b, r.plat.Service.PricePerConversation[mk], SourceService)
	}
	s := newStream(r.sConv, u, d).sub(b + 1)
	xAnswer, xBot := s.Pair()
	xConv, xOpt := s.Pair()
	if xAnswer >= float64(r.answerProb[b]) {
		r.annoyAt(u, float64(d)+float64(h)/24, r.beh.AnnoyUnanswered)
		return
	}
	w.day.ConversationsAnswered++
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

// campaign: business of slot j sends campaign c to u at hour h, if the
// business chooses u and the platform's rules allow it.
func (w *worker) campaign(u, j, c, d int, h int32) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	if sl.flags&fBlocked != 0 {
		return
	}
	b := int(sl.biz)
	ci := int(r.channel[b])
	ch := &r.plat.Channels[ci]
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
	if frac := float64(r.sendFrac[b]); frac < 1 {
		ms = w.msgStream(u, d, b*maxCampaigns+c)
		var xSend float64
		xSend, xOpen = ms.pairAt(1)
		if xSend >= frac {
			return // the business left u out to stay within its budget
		}
	}
	now := int32(d)*24 + h
	inWindow := sl.lastUser != noHour && now < sl.lastUser+r.windowH
	cat := r.campCat[b*maxCampaigns+c]
	mk := int(r.pop.Market[u])
	if !w.allowed(u, sl, ch, ci, d, now, inWindow, cat, mk) {
		w.day.SendsBlocked++
		return
	}
	countTier := len(ch.Tiers) > 0 && !inWindow && sl.tierDay != int16(d)
	if countTier && r.limited[b] {
		q := &r.quota[w.blk*r.m+b]
		if *q <= 0 {
			w.day.SendsBlocked++
			return
		}
		*q--
	}
	// Delivered.
	if countTier {
		sl.tierDay = int16(d)
		w.biz[b].uniqueOutside++
	}
	if ch.CapPerPeriod > 0 {
		sl.periodSent++
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
	w.charge(b, price, ch.Source)
	w.biz[b].sends++
	if ch.Quality {
		w.biz[b].qualitySends++
	}
	w.gotMsg = true
	if r.us[u].flags&uReachedMsg == 0 {
		r.us[u].flags |= uReachedMsg
		w.day.ReachMessagesCum++
	}
	push := ch.Delivery == Push && sl.flags&fMuted == 0
	if r.audit != nil {
		limit := int32(-1)
		if countTier || (len(ch.Tiers) > 0 && !inWindow) {
			if int(r.tier[b]) < len(ch.Tiers) {
				limit = int32(ch.Tiers[r.tier[b]])
			}
		}
		w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditDeliver,
			Channel: int8(ci), InWindow: inWindow, Category: cat, Push: push, Limit: limit})
	}
	if xOpen < 0 {
		ms = w.msgStream(u, d, b*maxCampaigns+c)
		_, xOpen = ms.pairAt(1)
	}
	rel := float64(r.pop.relevance(u, b))
	if cat == Utility {
		rel = r.beh.UtilityRelevance
	}
	t := float64(d) + float64(h)/24
	var opened, annoyed bool
	var a float64
	w.seg[r.pop.Segment[u]].MessagesReceived++
	if push {
		w.day.SendsPush++
		w.seg[r.pop.Segment[u]].PushesReceived++
		opened = xOpen < r.beh.ReadPush
		a = r.annoyAt(u, t, r.beh.AnnoyPush*r.unwanted(rel))
		annoyed = true
		if opened {
			w.day.OpensPush++
		}
	} else {
		w.day.SendsFolder++
		opened = xOpen < r.beh.OpenFolder
		if opened {
			w.day.OpensFolder++
			a = r.annoyAt(u, t, r.beh.AnnoyFolder*r.unwanted(rel))
			annoyed = true
		}
	}
	if opened {
		w.biz[b].opens++
		xClick, xConv := ms.pairAt(2)
		if xClick < r.beh.Click*rel/r.pop.meanRel {
			w.day.Clicks++
			w.biz[b].clicks++
			if xConv < r.beh.Conversion*r.paymentsFactor(b) {
				w.convert(u, b)
			}
			w.conversation(u, b, d, h, false)
		}
	}
	if !annoyed {
		return
	}
	if xReact, xKind := ms.pairAt(3); r.reacts(xReact, u, a, r.beh.ReactRate) {
		switch {
		case xKind < r.beh.MuteShare && push:
			sl.flags |= fMuted
			w.biz[b].mutes++
			w.day.Mutes++
			w.seg[r.pop.Segment[u]].Mutes++
			if w.r.audit != nil {
				w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditMute, Channel: int8(ci)})
			}
		case xKind >= 1-r.beh.BlockShare:
			w.block(u, j, d, h)
		case following:
			w.unfollow(u, j, d, h, true)
		}
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

func (r *runner) paymentsFactor(b int) float64 {
	if r.pop.Payments[b] {
		return r.pop.Cfg.Business.PaymentsUplift
	}
	return 1
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
		pi := uint16(d / ch.PeriodDays)
		if sl.periodIdx != pi {
			sl.periodIdx, sl.periodSent = pi, 0
		}
		if int(sl.periodSent) >= ch.CapPerPeriod {
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
	if ch.UserCapPerDay > 0 && cat == Marketing && w.sent[ci] >= ch.UserCapPerDay {
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

// status: u opens the Updates tab at hour h, views statuses of contacts,
// and sees ads between them.
func (w *worker) status(u, d int, h int32, s *Stream) {
	r := w.r
	t := float64(d) + float64(h)/24
	var adA float64
	vw := &r.view[u]
	mw, pw := float64(vw.views), vw.viewsP0
	if vw.adAnnoy > 0 {
		adA = r.adAnnoyAt(vw, t, 0)
		if r.beh.AdViewDrop > 0 {
			mw *= fastExp(-r.beh.AdViewDrop * adA)
			pw = fastExp(-mw)
		}
	}
	// Viewed: the least of statuses wanted and statuses available.
	v := s.minPoisson(mw, pw, float64(vw.supply), vw.supplyP0)
	w.day.StatusViews += int64(v)
	ads := r.plat.Ads
	if ads == nil || r.us[u].flags&uAdOptOut != 0 || v == 0 || v < ads.FirstAfter || ads.AdLoad <= 0 {
		return
	}
	n := (v-ads.FirstAfter)/ads.AdLoad + 1
	if ads.FreqCapPerDay > 0 && n > ads.FreqCapPerDay {
		n = ads.FreqCapPerDay
	}
	price := ads.PricePerImpression[r.pop.Market[u]]
	seg := &w.seg[r.pop.Segment[u]]
	in := r.pop.Interest[u*r.c : (u+1)*r.c]
	// The day's and the segment's tallies take the visit's impressions at
	// once (the price is the same for all); each business its own.
	shown := int64(0)
	for i := 0; i < n; i++ {
		xTarget, xBiz := s.Pair()
		xClick, xOpt := s.Pair()
		// The category's uniform is xTarget given which side of
		// targeting it fell on, rescaled: uniform again, 31 bits or more.
		var c int
		if xTarget < ads.Targeting {
			c = r.pop.pickCategory(u, xTarget/ads.Targeting)
		} else {
			c = r.advCat.pick((xTarget - ads.Targeting) / (1 - ads.Targeting))
		}
		if c < 0 || len(r.advBiz[c]) == 0 {
			continue
		}
		b := int(r.advBiz[c][r.advAlias[c].pick(xBiz)])
		w.biz[b].impressions++
		w.chargeBusiness(b, price, SourceAds)
		shown++
		if w.r.audit != nil {
			w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditAdImpression, Channel: -1})
		}
		rel := float64(in[c])
		// Within one visit the time does not move: add without decay
		// (the level is stored when the visit ends; nothing reads it
		// before).
		adA += r.beh.AnnoyAd * r.unwanted(rel)
		if xClick < ads.CTR*rel/0.5 {
			w.day.AdClicks++
			w.conversation(u, b, d, h, true)
		}
		if ads.OptOut && r.reacts(xOpt, u, adA, r.beh.AdOptOutRate*float64(r.pop.AdOptOutPropensity[u])) {
			r.us[u].flags |= uAdOptOut
			w.day.AdOptOuts++
			seg.AdOptOuts++
			if w.r.audit != nil {
				w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditAdOptOut, Channel: -1})
			}
			break
		}
	}
	if shown > 0 {
		w.day.AdImpressions += shown
		seg.AdImpressions += shown
		w.chargeDay(Micros(shown)*price, SourceAds)
		vw.adAnnoy, vw.adT = float32(adA), float32(t)
		w.gotAd = true
		if r.us[u].flags&uReachedAd == 0 {
			r.us[u].flags |= uReachedAd
			w.day.ReachAdsCum++
		}
	}
}

// discover: new follows by Bass diffusion, p from discovery and q from word
// of mouth (contacts' follows yesterday, or everyone's on a mixed population).
func (w *worker) discover(u, d int) {
	r := w.r
	in := r.pop.Interest[u*r.c : (u+1)*r.c]
	g := r.pop.Graph
	var prob, share, lp float64
	var s Stream
	if g != nil {
		if r.us[u].nextDisc != int32(d) {
			return
		}
		s = newStream(r.sDisc, u, d)
		r.us[u].nextDisc = int32(d) + s.Geometric(float64(r.discProb[u]))
		share = float64(r.discShare[u])
	} else {
		lp, _ = r.discoveryHazard(u)
		if lp <= 0 {
			return
		}
		prob, share = -math.Expm1(-lp*float64(r.pop.FollowPropensity[u])), 1
		s = newStream(r.sDisc, u, d)
		if s.Float64() >= prob {
			return
		}
	}
	x, y, z := s.Float64(), s.Float64(), s.Float64()
	var b int32 = -1
	wom := false
	if x < share {
		if g != nil {
			lp, _ = r.discoveryHazard(u)
		}
		// Category by interest times hazard, then business by hazard.
		t := y * lp
		c := len(in) - 1
		for i, v := range in {
			t -= 2 * float64(v) * r.discCat[i]
			if t < 0 {
				c = i
				break
			}
		}
		bs := r.pop.catBiz[c]
		if len(bs) == 0 {
			return
		}
		b = bs[r.discAlias[c].pick(z)]
		if g == nil {
			// Mixed population: attribute to word of mouth by the share of
			// the q term in the business's hazard.
			q := r.beh.BassQ / 365 * float64(r.followers[b]) / float64(r.n)
			wom = s.Float64()*(q+r.discP[b]) < q
		}
	} else {
		cs := g.Contacts(u)
		v := int(cs[int(y*float64(len(cs)))%len(cs)])
		b = r.snapPrev[v*r.k+int(z*float64(r.k))%r.k]
		if b < 0 || s.Float64() >= float64(in[r.pop.Category[b]]) {
			return
		}
		wom = true
	}
	now := int32(d)*24 + 23
	j := r.findSlot(u, b)
	if j < 0 {
		j, _ = r.newSlot(u, b, now)
		if j < 0 {
			return
		}
	}
	src := &w.day.FollowsDiscovery
	if wom {
		src = &w.day.FollowsWOM
	}
	w.follow(u, j, d, 23, src)
}

// epilogue: reduce the workers in a fixed order, bill, rate quality, and
// write the day's metrics.
func (r *runner) epilogue(d int) {
	day := r.day
	r.day = Daily{}
	day.Day = d
	for _, w := range r.ws {
		day.Add(&w.day)
		w.day = Daily{}
	}
	ring := d % 7
	for b := 0; b < r.m; b++ {
		var a bizAcc
		for _, w := range r.ws {
			x := &w.biz[b]
			addBiz(&a, x)
			*x = bizAcc{}
		}
		r.followers[b] += int32(a.followDelta)
		r.convToday[b] = a.conversations
		if a.conversations > 0 || r.loadEWMA[b] > 0 {
			if r.loadEWMA[b] == 0 {
				r.loadEWMA[b] = float64(a.conversations)
			} else {
				r.loadEWMA[b] += (float64(a.conversations) - r.loadEWMA[b]) / 28
			}
		}
		r.q7sends[b*7+ring] = int32(a.qualitySends)
		r.q7blocks[b*7+ring] = int32(a.blocks)
		s := &r.sum[b]
		s.Sends += int64(a.sends)
		s.Opens += int64(a.opens)
		s.Clicks += int64(a.clicks)
		s.Conversations += a.conversations
		s.Conversions += a.conversions
		s.FollowsGained += int64(a.follows)
		s.Unfollows += int64(a.unfollows)
		s.Blocks += int64(a.blocks)
		s.FollowsBlocked += int64(a.followsBlocked)
		s.Mutes += int64(a.mutes)
		s.AdImpressions += a.impressions
		for i, v := range a.spend {
			s.SpendBySource[i] += v
			s.Spend += v
		}
		s.Revenue += a.revenue
		s.ServiceCost += a.serviceCost
		r.rate(b, int64(a.uniqueOutside))
	}
	for _, bl := range r.plat.Billers {
		bl.Bill(ledger{r: r, d: d})
	}
	day.Add(&r.day)
	r.day = Daily{}
	var active int64
	for _, f := range r.followers {
		active += int64(f)
	}
	day.ActiveFollows = active
	// Cumulative reach was counted as first-time reach; make it cumulative.
	if d > 0 {
		prev := &r.daily[d-1]
		day.ReachMessagesCum += prev.ReachMessagesCum
		day.ReachAdsCum += prev.ReachAdsCum
	}
	r.daily = append(r.daily, day)
	if r.audit != nil {
		var all []AuditEvent
		for _, evs := range r.audit {
			all = append(all, evs...)
		}
		r.spec.Audit(all)
	}
	if r.snapNext != nil {
		r.snapPrev, r.snapNext = r.snapNext, r.snapPrev
	}
}

// rate updates the quality rating and messaging tier of business b at the
// end of a day.
func (r *runner) rate(b int, uniqueOutside int64) {
	ci := r.channel[b]
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

func addBiz(dst, x *bizAcc) {
	dst.sends += x.sends
	dst.opens += x.opens
	dst.clicks += x.clicks
	dst.conversations += x.conversations
	dst.conversions += x.conversions
	dst.follows += x.follows
	dst.unfollows += x.unfollows
	dst.blocks += x.blocks
	dst.followsBlocked += x.followsBlocked
	dst.mutes += x.mutes
	dst.impressions += x.impressions
	dst.uniqueOutside += x.uniqueOutside
	dst.followDelta += x.followDelta
	dst.qualitySends += x.qualitySends
	for i := range dst.spend {
		dst.spend[i] += x.spend[i]
	}
	dst.revenue += x.revenue
	dst.serviceCost += x.serviceCost
}

func (r *runner) result() *Result {
	for b := range r.sum {
		r.sum[b].FollowersEnd = int64(r.followers[b])
	}
	return &Result{Daily: r.daily, Businesses: r.sum, Segments: r.segments()}
}

// segments sums the workers' segment counts and adds the users and the
// follows at the start and the end of the run.
func (r *runner) segments() []SegmentSummary {
	segs := make([]SegmentSummary, 3*len(r.pop.Cfg.Markets))
	for i := range segs {
		segs[i].Market = r.plat.Markets[i/3]
		segs[i].ToleranceBand = ToleranceBands[i%3]
		for _, w := range r.ws {
			x := &w.seg[i]
			s := &segs[i]
			s.FollowsGained += x.FollowsGained
			s.Unfollows += x.Unfollows
			s.UnfollowsAnnoyed += x.UnfollowsAnnoyed
			s.Blocks += x.Blocks
			s.FollowsBlocked += x.FollowsBlocked
			s.Mutes += x.Mutes
			s.MessagesReceived += x.MessagesReceived
			s.PushesReceived += x.PushesReceived
			s.AdImpressions += x.AdImpressions
			s.AdOptOuts += x.AdOptOuts
			s.Conversions += x.Conversions
			s.Purchases += x.Purchases
		}
	}
	for u := 0; u < r.n; u++ {
		s := &segs[r.pop.Segment[u]]
		s.Users++
		for _, b := range r.pop.InitialFollows[u*r.k : (u+1)*r.k] {
			if b >= 0 {
				s.FollowsStart++
			}
		}
		for j := 0; j < int(r.us[u].nslots); j++ {
			if r.slots[u*r.k+j].flags&fFollowing != 0 {
				s.FollowsEnd++
			}
		}
	}
	return segs
}

// ledger is the Ledger a Biller sees on one day.
type ledger struct {
	r *runner
	d int
}

func (l ledger) Day() int            { return l.d }
func (l ledger) Businesses() int     { return l.r.m }
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

func (l ledger) Channel(b int) string {
	if ci := l.r.channel[b]; ci >= 0 {
		return l.r.plat.Channels[ci].Name
	}
	return ""
}
