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
	maxCampaigns     = 2 * maxChannelCampaigns // proactive campaigns of one business in one day, all channels
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
	// Revisions, if set, is called at every adaptive business's revision
	// on every channel it uses, in business and channel order.
	Revisions func(Revision)
}

// Run simulates one arm: the population under the platform's rules for
// cfg.Days days. It stops at the end of a day when ctx is cancelled and
// returns ctx.Err().
//
// A run whose state is large ends with a garbage collection, which frees
// that state before the next run allocates its own: a process running
// arm after arm then peaks at the population and the runs at once, where
// the collector's pace (it waits until the heap is twice what was live)
// had let the last run's state and the next one's be held together, at 1 M
// users 1.2 GiB instead of 0.8. Its state is arrays without pointers, so
// the collection marks little.
func Run(ctx context.Context, pop *Population, plat *Platform, spec RunSpec) (*Result, error) {
	r, err := newRunner(pop, plat, spec)
	if err != nil {
		return nil, err
	}
	if MemoryEstimate(&pop.Cfg) >= collectAfter {
		defer runtime.GC()
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

// collectAfter is the size of a population and run (MemoryEstimate) from
// which Run collects its garbage as it ends.
const collectAfter = 64 << 20

// runner is one run of an arm: the day loop (prologue, parallelBlocks,
// epilogue), the users' and businesses' state that several processes
// share, and each process's own state, declared in the process's file.
type runner struct {
	pop         *Population
	plat        *Platform
	spec        RunSpec
	beh         Behaviour
	clickPerRel float64 // a read marketing message's click probability per unit of relevance
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
	// snap holds, K per user, the businesses each user followed at the
	// end of the day before (-1 for a slot not followed): what word of
	// mouth reads of a contact, whatever block the contact is in and
	// whether its day ran yet. It is brought up to date after each day's
	// blocks, for the users whose follows changed (worker.changed).
	snap []int32

	// followsStart is the follows at the start of the run, by segment.
	followsStart []int64

	// Businesses.
	followers []int32
	// uses has bit i set when business b uses channel i; tierCh is the
	// channel whose messaging tiers and quality rating apply to b (rated:
	// the arm's channel that has them, -1 for none).
	uses   []uint8
	tierCh []int8
	rated  int
	sum    []BusinessSummary

	// Streams.
	sConv, sStatus, sDisc, sMsg, sExpire, sCamp, sDecide, sKept uint64

	// The processes' own state.
	camp   campState     // campaigns (campaigns.go)
	conv   convState     // conversations (conversations.go)
	dec    decisionState // business decisions (decisions.go)
	status statusState   // Status ads (status.go)
	disc   discState     // discovery (discovery.go)
	entry  entryState    // entry points (entrypoints.go)
	bill   billState     // billing (billing.go)
	tiers  tierState     // quality ratings and messaging tiers (ratings.go)

	ws    []*worker
	audit [][]AuditEvent // per block
	// auditCamp is the day's planned campaigns (AuditCampaign), in
	// business order, reported before the blocks' events.
	auditCamp []AuditEvent
	day       Daily // ledger charges of the current day
	daily     []Daily
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
	ch   []chanDay // per business and channel, like decisionState.period
	ev   []event
	sent [MaxChannels]int // marketing messages a user got today, by channel
	// got is the proactive messages (any channel, business and category)
	// the current user has received so far today: the n of the attention
	// curve (attentionFactor). A user's day runs in one call of userDay,
	// so a counter per worker is all the state it needs.
	got int
	blk int
	// quota is each tier-limited business's unique users outside the
	// window left today in block blk (fillQuota).
	quota []int32
	// gotMsg and gotAd: the current user was reached today.
	gotMsg, gotAd bool
	// msgDay is the current user-day's message stream, made on the day's
	// first campaign (msgOK).
	msgDay Stream
	msgOK  bool
	// evPos is the event being handled in ev.
	evPos int
	// pend has bit j set when the scan left some of slot j's campaigns
	// today out (pendEv[j], by their place in the business's day): a
	// campaign whose channel's audience rule or closed service window
	// would have turned it away. Under the slot's state as of its last
	// change (see settle), pendWin[j] of them are in the audience and
	// refused for the closed window.
	pend    uint64
	pendEv  [64]uint8
	pendWin [64]uint8 // of pendEv[j], those the closed window refuses
	// keptBack is, per business, today's campaigns the scan kept back
	// that the closed window refuses (pendWin): counted when kept, and
	// taken back when the slot changes before their hour (pastPend). The
	// epilogue counts them as blocked (keptBackBlocked).
	keptBack []int32
	// conv counts each business's conversations of the day under a
	// monthly allowance of free ones (nil: none; charged at once).
	conv []convAcc
	// changed lists the users whose follows changed today, whose
	// snapshots (runner.snap) are rewritten when the day's blocks are done.
	changed []int32
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
	uReacted // muted, blocked or unfollowed after a message at least once
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
	r.clickPerRel = r.beh.Click / r.beh.ClickRelevance
	r.meanAct = math.Max(pop.Cfg.User.ActivityMean, 1e-9)
	seed := spec.Seed
	r.sConv = streamBase(seed, purposeConversation)
	r.sKept = streamBase(seed, purposeKeptBack)
	r.sStatus = streamBase(seed, purposeStatus)
	r.sDisc = streamBase(seed, purposeDiscovery)
	r.sMsg = streamBase(seed, purposeMessage)
	r.sExpire = streamBase(seed, purposeExpiry)
	r.sCamp = streamBase(seed, purposeCampaign)
	r.sDecide = streamBase(seed, purposeDecision)

	n, m, k := r.n, r.m, r.k
	if pop.Cfg.Days > maxSlotDays { // a slot's packed counters hold days in 12 bits
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
	r.followsStart = make([]int64, 3*len(pop.Cfg.Markets))
	r.uses = make([]uint8, m)
	r.rated = -1
	nch := len(plat.Channels)
	r.initCampaigns()
	r.initDecisions()
	r.initConversations()
	r.initTiers()
	r.sum = make([]BusinessSummary, m)

	if err := r.assignChannels(); err != nil {
		return nil, err
	}
	r.initFollows()
	r.initDiscovery()
	r.initAds()
	r.initUserConstants()
	r.initEntry()

	r.ws = make([]*worker, r.workers)
	for i := range r.ws {
		r.ws[i] = &worker{r: r, biz: make([]bizAcc, m), ch: make([]chanDay, m*nch), ev: make([]event, 0, 64),
			quota: make([]int32, m), keptBack: make([]int32, m),
			seg: padded[SegmentSummary](3 * len(pop.Cfg.Markets))}
		if plat.Service.FreeConversationsPerMonth > 0 {
			r.ws[i].conv = make([]convAcc, m)
		}
	}
	r.initBilling()
	if spec.Audit != nil {
		r.audit = make([][]AuditEvent, r.nblocks)
		r.camp.audit = true
	}
	return r, nil
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
	for u := 0; u < n; u++ {
		lp, lq := r.discoveryHazard(u)
		if t := lp + lq; t > 0 {
			r.disc.discProb[u] = float32(-math.Expm1(-t * float64(r.pop.FollowPropensity[u])))
			r.disc.discShare[u] = float32(lp / t)
		}
		s := newStream(r.sDisc, u, 0).sub(-1)
		r.us[u].nextDisc = dayOf(s.Geometric(float64(r.disc.discProb[u])) - 1)
	}
}

// prologue: business decisions and platform limits for day d, from the
// state at the end of day d-1.
func (r *runner) prologue(d int) {
	r.tiers.quotaOf = r.tiers.quotaOf[:0]
	r.camp.campaigns = 0
	r.auditCamp = r.auditCamp[:0]
	for b := 0; b < r.m; b++ {
		r.camp.due[b], r.camp.dueN[b] = dueInfo{}, 0
		r.planCampaigns(b, d)
		r.planService(b)
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
				w.fillQuota(k)
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
	for _, w := range r.ws {
		for _, u := range w.changed {
			r.writeSnapshot(int(u), r.snap)
		}
		w.changed = w.changed[:0]
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
	cand := dueSlots(row, r.camp.dueN)
	nch := len(r.plat.Channels)
	if int(st.nextLapse) <= d {
		var lapse uint64
		lapse, st.nextLapse = lapseSlots(row, d)
		for m := lapse; m != 0; m &= m - 1 {
			w.unfollow(u, bits.TrailingZeros64(m), d, 0, false)
		}
	}
	shift := r.camp.windowShift(d)
	for m := cand; m != 0; m &= m - 1 {
		// Each candidate's campaigns are queued, or wait in pend while
		// the rules would turn them away (admits); a blocked
		// slot gets nothing.
		j := bits.TrailingZeros64(m)
		sl := &row[j]
		x := &r.camp.due[sl.biz]
		aud, adm := admits(x, sl.flags, sl.lastUser, shift)
		all := x.open[campHours]
		if adm != 0 {
			// (A blocked slot admits nothing.) The message's counters of
			// its business and channel, far from u's own lines: on their
			// way while the day's events are drawn and sorted.
			evs := r.camp.campEv[x.off:][:x.n]
			e := evs[bits.TrailingZeros8(adm)]
			prefetch(uintptr(unsafe.Pointer(&w.ch[int(sl.biz)*nch+e.channel()])), 1)
			if adm == all {
				for _, e := range evs {
					ev = append(ev, e.inSlot(j))
				}
				continue
			}
			for a := adm; a != 0; a &= a - 1 {
				ev = append(ev, evs[bits.TrailingZeros8(a)].inSlot(j))
			}
		} else if sl.flags&fBlocked != 0 {
			continue
		}
		w.pend |= 1 << j
		w.pendEv[j], w.pendWin[j] = all&^adm, aud&^adm
		w.keptBack[sl.biz] += int32(bits.OnesCount8(aud &^ adm))
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
	if st.nextEntry < float64(d+1)*24 {
		ev = w.entryPoints(u, d, ev)
	}
	ss := newStream(r.sStatus, u, d)
	if ss.Float64() < st.statusP {
		ev = append(ev, packEvent(int32(ss.IntN(24)), evStatus, 0, 0, 0))
	}
	if len(ev) > 0 {
		sortEvents(ev)
		w.sent = [MaxChannels]int{}
		w.got = 0
		w.ev = ev
		for w.evPos = 0; w.evPos < len(w.ev); w.evPos++ {
			e := w.ev[w.evPos]
			switch e.kind() {
			case evConversation:
				if o := e.campaign(); o != originNeed {
					w.entryConversation(u, int(e.biz()), d, e.hour(), o == originEntryAd)
				} else {
					w.conversation(u, int(e.biz()), d, e.hour(), false)
				}
			case evStatus:
				w.status(u, d, e.hour(), &ss)
			case evCampaign:
				if sl := &r.slots[base+e.slot()]; sl.biz == e.biz() {
					w.campaign(u, sl, e.slot(), e, d)
				}
			}
		}
		ev = w.ev
	}
	w.ev = ev
	// The day is done: all that still wait are past, and those the closed
	// window refuses are in keptBack.
	w.pend = 0
	w.day.ReachMessages += b2i(w.gotMsg) // no branch on a coin's outcome
	w.day.ReachAds += b2i(w.gotAd)
	if w.gotMsg || w.gotAd {
		wk := uint16(d/7 + 1)
		if w.gotMsg && st.weekMsg != wk {
			st.weekMsg = wk
			w.day.ReachMessagesWeek++
		}
		if w.gotAd && st.weekAd != wk {
			st.weekAd = wk
			w.day.ReachAdsWeek++
		}
	}
	if r.pop.Graph == nil || st.nextDisc == int16(d) {
		w.discover(u, d)
	}
	if r.snap != nil && st.lastChange == int16(d) {
		w.changed = append(w.changed, int32(u))
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
func b2u8(b bool) uint8 {
	var x uint8
	if b {
		x = 1
	}
	return x
}

func b2i(b bool) int64 {
	var i int64
	if b {
		i = 1
	}
	return i
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
		day.SendsBlocked += r.keptBackBlocked(b, d)
		var a bizAcc
		for _, w := range r.ws {
			x := &w.biz[b]
			addBiz(&a, x)
			*x = bizAcc{}
		}
		r.bookMessages(&a, b)
		r.followers[b] += int32(a.followDelta)
		r.conv.convToday[b] = a.conversations
		if a.conversations > 0 || r.conv.loadEWMA[b] > 0 {
			if r.conv.loadEWMA[b] == 0 {
				r.conv.loadEWMA[b] = float64(a.conversations)
			} else {
				r.conv.loadEWMA[b] += (float64(a.conversations) - r.conv.loadEWMA[b]) / 28
			}
		}
		r.tiers.q7sends[b*7+ring] = int32(a.qualitySends)
		r.tiers.q7blocks[b*7+ring] = int32(a.qualityBlocks)
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
		r.closeChannels(b)
		if period, ok := r.revisionDue(b, d); ok {
			r.revise(b, period, d)
		}
	}
	day.Campaigns = r.camp.campaigns
	if r.bill.freeLeft != nil {
		r.settleConversations(d)
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
		all := append([]AuditEvent(nil), r.auditCamp...)
		for _, evs := range r.audit {
			all = append(all, evs...)
		}
		r.spec.Audit(all)
	}
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
	dst.qualityBlocks += x.qualityBlocks
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
	return &Result{Daily: r.daily, Businesses: r.sum, Channels: r.channels(), Segments: r.segments()}
}

// channels returns what each business did on each channel it used, in
// business order, then channel order.
func (r *runner) channels() []ChannelSummary {
	var out []ChannelSummary
	nch := len(r.plat.Channels)
	for b := 0; b < r.m; b++ {
		for ci := 0; ci < nch; ci++ {
			if r.uses[b]&(1<<ci) == 0 {
				continue
			}
			k := b*nch + ci
			c := r.dec.chSum[k]
			a := &r.dec.chRun[k]
			c.Sends, c.Opens, c.Clicks, c.Conversions = a.sends, a.opens, a.clicks, a.conversions
			c.Mutes, c.UnfollowsAnnoyed, c.Blocks = a.mutes, a.unfollows, a.blocks
			c.Revenue, c.Spend = a.value, a.spend
			c.SendsPerWeekEnd = r.dec.sendRate[k]
			st := &r.dec.chState[k]
			c.Exits, c.Trials = int64(st.exits), int64(st.trials)
			switch {
			case st.out:
				c.StateEnd = "out"
			case st.trial:
				c.StateEnd = "trial"
			default:
				c.StateEnd = "send"
			}
			out = append(out, c)
		}
	}
	return out
}

// segments sums the workers' segment counts and adds the users and the
// follows at the start and the end of the run.
func (r *runner) segments() []SegmentSummary {
	segs := make([]SegmentSummary, 3*len(r.pop.Cfg.Markets))
	for i := range segs {
		segs[i].Market = r.plat.Markets[i/3]
		segs[i].ToleranceBand = ToleranceBands[i%3]
		segs[i].FollowsStart = r.followsStart[i]
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
			s.MessageCharges += x.MessageCharges
			s.AdCharges += x.AdCharges
		}
	}
	for u := 0; u < r.n; u++ {
		s := &segs[r.pop.Segment[u]]
		s.Users++
		for j := 0; j < int(r.us[u].nslots); j++ {
			if r.slots[u*r.k+j].flags&fFollowing != 0 {
				s.FollowsEnd++
			}
		}
	}
	return segs
}
