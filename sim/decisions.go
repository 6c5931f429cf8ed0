package sim

// Business decisions: how much a business sends on each channel it uses.
// Under the fixed policy a business keeps its SendsPerWeek trait all run;
// under the adaptive policy it revises each channel's rate every ReviseDays
// days from what that channel's messages returned in the period (see
// revise, and models/ODD.md, "Business decisions").

import (
	"math"
	"unsafe"
)

const (
	// maxChannelCampaigns is the most campaigns a business plans on one
	// channel in one day; maxCampaigns (all channels) is twice it.
	maxChannelCampaigns = 4
	// minRate bounds a rate away from 0 only so that its logarithm is
	// finite: a campaign in about 20,000 years, no floor in practice.
	// A business that should not send leaves the channel (exit).
	minRate = 1e-6
)

// decisionState is what the decision process keeps for a run: what each
// business decided and learnt on each channel it uses.
type decisionState struct {
	// Per business and channel, at [b*len(Channels)+i]: campaigns a week,
	// the price per message a business expects (dollars), what it has
	// learnt and where it stands, and what its messages did in the
	// current revision period and in the run.
	sendRate  []float64
	unitPrice []float64
	meanPrice []float64 // per channel, over the population's markets and categories
	belief    []belief
	chState   []channelState
	period    []chanAcc
	chRun     []chanAcc
	chSum     []ChannelSummary
}

// initDecisions allocates the decision state and sets each channel's mean
// price, which the revisions of period 0 (assignChannels) plan with.
func (r *runner) initDecisions() {
	chs := r.plat.Channels
	nch := len(chs)
	m := r.m
	r.dec.sendRate = make([]float64, m*nch)
	r.dec.unitPrice = make([]float64, m*nch)
	r.dec.period = make([]chanAcc, m*nch)
	r.dec.belief = make([]belief, m*nch)
	r.dec.chState = make([]channelState, m*nch)
	r.dec.chRun = make([]chanAcc, m*nch)
	r.dec.chSum = make([]ChannelSummary, m*nch)
	// Mean price per message of each channel over markets and categories:
	// what a business expects to pay before it has paid for messages of
	// its own.
	r.dec.meanPrice = make([]float64, nch)
	for i := range chs {
		ch := &chs[i]
		v := 0.0
		for mk, mc := range r.pop.Cfg.Markets {
			for _, cat := range r.pop.Cfg.Categories {
				share := mc.Share * cat.Share
				v += share * ((1-cat.UtilityShare)*ch.Price[mk][Marketing].Dollars() + cat.UtilityShare*ch.Price[mk][Utility].Dollars())
			}
		}
		r.dec.meanPrice[i] = v
	}
}

// channelState is where a business stands on one channel under the
// adaptive policy: sending, out of it, or sending a trial period to see
// whether it pays again.
type channelState struct {
	losing uint16 // consecutive revisions whose expected margin was negative
	outFor uint16 // revisions since it left the channel or ended a trial
	out    bool   // left the channel: sends nothing
	trial  bool   // sending its trial period
	exits  int32  // times it left the channel in the run
	trials int32  // trial periods it sent
}

// Revision is one business's revision on one channel (RunSpec.Revisions):
// what the period's messages did, what the business now expects of a
// message, and what it decided.
type Revision struct {
	Day, Period       int // the revision's day (at its end) and number; period 0 is before day 0 (Day -1), on the prior alone
	Business, Channel int
	// The period's messages: delivered, the value of the conversions
	// their clicks caused, followers they drove away, price paid.
	Sends, Conversions, Lost int64
	Value, Spend             Micros
	// ConversionValue is what one of its conversions is worth (dollars).
	ConversionValue float64
	// Expected per message (dollars): value, and cost (price plus the
	// value of followers lost).
	ExpValue, ExpCost float64
	// FollowerValue is what the business counts a follower lost as, in dollars.
	FollowerValue float64
	// State after the revision: "send", "trial" or "out"; Rate its new
	// campaigns a week (0 when out).
	State string
	Rate  float64
}

// chanAcc collects what one business's messages on one channel did, in
// one worker for one day (integers, so the sum over workers does not
// depend on scheduling), or over a revision period, or over the run.
type chanAcc struct {
	// int64: over a year a large business's sends on one channel can
	// pass 2^31 at tens of millions of users.
	sends, opens, clicks, conversions int64
	mutes, unfollows, blocks          int64
	value, spend                      Micros // conversions' value, price paid
}

// chanDay is what one business's messages on one channel did in one
// worker's day: chanAcc's counts, in 32 bits, and the unique users outside
// the service window its tier counted, in one 64-byte cache line, the only
// line of its business a delivered message writes (campaign). The
// business's own day counts of messages (bizAcc) are its channels' sums,
// made when the day ends (bookMessages). A count stays below 2^31: a
// worker's day holds at most maxChannelCampaigns messages a user on one
// channel, 2·10^8 at 50 M users.
type chanDay struct {
	sends, opens, clicks, conversions int32
	mutes, unfollows, blocks          int32
	uniqueOutside                     int32
	value, spend                      Micros // conversions' value, price paid
	_                                 [2]int64
}

// chanDay is one cache line.
var _ = [1]struct{}{}[unsafe.Sizeof(chanDay{})-cacheLine]

func (a *chanAcc) add(x *chanDay) {
	a.sends += int64(x.sends)
	a.opens += int64(x.opens)
	a.clicks += int64(x.clicks)
	a.conversions += int64(x.conversions)
	a.mutes += int64(x.mutes)
	a.unfollows += int64(x.unfollows)
	a.blocks += int64(x.blocks)
	a.value += x.value
	a.spend += x.spend
}

// bookMessages adds to a, business b's day in all workers, what its
// messages did on each channel it uses: their sends, opens, clicks, mutes,
// unique users outside the window, the rated channel's sends and blocks,
// and what the business pays for them (all but conversations under a
// monthly allowance, which settleConversations charges).
func (r *runner) bookMessages(a *bizAcc, b int) {
	nch := len(r.plat.Channels)
	for ci := range nch {
		if r.uses[b]&(1<<ci) == 0 {
			continue
		}
		ch := &r.plat.Channels[ci]
		book := ch.ConversationHours == 0 || r.plat.Service.FreeConversationsPerMonth <= 0
		for _, w := range r.ws {
			x := &w.ch[b*nch+ci]
			a.sends += x.sends
			a.opens += x.opens
			a.clicks += x.clicks
			a.mutes += x.mutes
			a.uniqueOutside += x.uniqueOutside
			if ch.Quality {
				a.qualitySends += x.sends
				a.qualityBlocks += x.blocks
			}
			if book {
				a.spend[ch.Source] += x.spend
			}
		}
	}
}

// belief is what a business has learned of its messages on one channel:
// sums over past revision periods, each period weighing beliefMemory times
// the one after it.
type belief struct {
	sends, value, lost, spend float64 // messages, dollars of conversions, followers lost, dollars paid
}

const (
	// beliefMemory is the weight of a period's evidence one period later.
	beliefMemory = 0.5
	// priorMessages is how many messages' worth of evidence a business's
	// prior expectation counts for.
	priorMessages = 50
)

// adaptive reports whether businesses revise their send rates.
func (r *runner) adaptive() bool { return r.pop.Cfg.Business.SendPolicy == "adaptive" }

// maxRate is the most campaigns a week an adaptive business plans on
// channel ci: max_sends_per_week, and no more than the channel's cap per
// period allows one user to receive or its limit of mass sends per period
// allows the business to send.
func (r *runner) maxRate(ci int) float64 {
	x := r.pop.Cfg.Business.MaxSendsPerWeek
	ch := &r.plat.Channels[ci]
	if ch.CapPerPeriod > 0 {
		x = math.Min(x, 7*float64(ch.CapPerPeriod)/float64(ch.PeriodDays))
	}
	if ch.SendsPerPeriod > 0 {
		x = math.Min(x, 7*float64(ch.SendsPerPeriod)/float64(ch.PeriodDays))
	}
	return math.Max(x, minRate)
}

// closeChannels adds the workers' per-channel counts of the day to the
// period's and the run's, in worker order.
func (r *runner) closeChannels(b int) {
	nch := len(r.plat.Channels)
	for ci := 0; ci < nch; ci++ {
		k := b*nch + ci
		if r.uses[b]&(1<<ci) == 0 {
			continue
		}
		for _, w := range r.ws {
			x := &w.ch[k]
			r.dec.period[k].add(x)
			r.dec.chRun[k].add(x)
			*x = chanDay{}
		}
	}
}

// revisionDue reports whether business b revises its rates at the end of
// day d, and the number of that revision. Each business revises every
// revise_days days on a day of its own (its offset is its SendPhase trait
// times revise_days), so that a population's revisions are spread over
// the period rather than all on one day.
func (r *runner) revisionDue(b, d int) (period int, ok bool) {
	n := r.pop.Cfg.Business.ReviseDays
	t := d + 1 + int(float64(r.pop.SendPhase[b])*float64(n))
	return t / n, t%n == 0
}

// priorValue is what business b expects a message on channel ci to earn
// before it has sent any: the chance it is opened (read for a push, opened
// for a folder message), clicked and converts at the population's rates,
// times the business's own conversion value. The open rate is the one of a
// message that meets no competition for attention (f(0) = 1 of
// attentionFactor): a business does not see how many messages its
// followers get from others. What that competition costs its messages
// reaches it through its evidence, the value of the conversions its
// messages' clicks caused, which the attenuated opens already thin
// (revise).
func (r *runner) priorValue(b, ci int) float64 {
	open := r.beh.ReadPush
	if r.plat.Channels[ci].Delivery == Folder {
		open = r.beh.OpenFolder
	}
	return open * r.beh.Click * r.beh.Conversion * r.paymentsFactor(b) * r.pop.ConvValue[b].Dollars()
}

// revise is business b's revision of its send rate on each channel it
// uses, at the start of the run (period 0, on its prior alone) and at the
// end of every revision period (revisionDue). The business adds the period's evidence to
// what it has learned (belief) and estimates, per message on the channel,
//
//	value v = (value of the conversions its messages' clicks caused + 50·v₀) / (messages + 50)
//	cost  c = (price paid + 50·p₀) / (messages + 50) + (followers lost / (messages + 50)) · F
//
// where v₀ is its prior value (priorValue), p₀ the mean price of a message
// over the population's markets (its planning price), and F the value of a
// follower (follower_value_conversions times its conversion value);
// followers lost are the mutes, annoyed unfollows and blocks its messages
// caused. A revision with v < c is a losing one.
//
// Sending, after exit_revisions losing revisions in a row it leaves the
// channel (rate 0). Otherwise its target is its SendsPerWeek trait times
// (v/c)^adapt_elasticity times a log-normal error of sigma adapt_noise,
// and the new rate goes (1 − adapt_inertia) of the log distance from the
// old rate to the target, at most maxRate; at period 0 the old rate is
// the SendsPerWeek trait, the business's habit. At price 0 with no
// follower lost the target is maxRate: then only the rules and caps limit
// what it sends. Out of the channel, after trial_revisions revisions it
// sends one period at its habit (a trial); at the trial's end it stays if
// that revision is not a losing one and leaves again if it is. No floor
// keeps a losing business sending.
//
// Under the fixed policy only the planning price is updated (to the
// observed price per message), so budgets are planned alike.
func (r *runner) revise(b, period, day int) {
	nch := len(r.plat.Channels)
	bt := &r.pop.Cfg.Business
	for ci := 0; ci < nch; ci++ {
		k := b*nch + ci
		if r.uses[b]&(1<<ci) == 0 {
			continue
		}
		p := r.dec.period[k]
		r.dec.period[k] = chanAcc{}
		bel := &r.dec.belief[k]
		bel.sends = beliefMemory*bel.sends + float64(p.sends)
		bel.value = beliefMemory*bel.value + p.value.Dollars()
		bel.lost = beliefMemory*bel.lost + float64(p.mutes+p.unfollows+p.blocks)
		bel.spend = beliefMemory*bel.spend + p.spend.Dollars()
		n := bel.sends + priorMessages
		price := (bel.spend + priorMessages*r.dec.meanPrice[ci]) / n
		r.dec.unitPrice[k] = price
		if !r.adaptive() {
			continue
		}
		fv := bt.FollowerValue * r.pop.ConvValue[b].Dollars()
		value := (bel.value + priorMessages*r.priorValue(b, ci)) / n
		cost := price + bel.lost/n*fv
		hi := r.maxRate(ci)
		habit := math.Min(math.Max(float64(r.pop.SendsPerWeek[b]), minRate), hi)
		st := &r.dec.chState[k]
		// A revision is a losing one when a message is expected to cost
		// more than it earns; sending, one whose period had no message
		// of its own brings no evidence and leaves the count as it was.
		losing := cost > 0 && value < cost
		evidence := p.sends > 0 || period == 0 || st.out
		// rateTo moves the rate from `from` towards the target: trait ×
		// (v/c)^elasticity × noise, (1 − inertia) of the way in logs.
		rateTo := func(from float64) float64 {
			target := hi
			if cost > 0 {
				s := newStream(r.sDecide, b, period).sub(ci)
				trait := math.Max(float64(r.pop.SendsPerWeek[b]), minRate)
				target = trait * math.Pow(value/cost, bt.AdaptElasticity) * math.Exp(bt.AdaptNoise*s.Normal())
			}
			target = math.Min(math.Max(target, minRate), hi)
			from = math.Min(math.Max(from, minRate), hi)
			x := math.Exp(bt.AdaptInertia*math.Log(from) + (1-bt.AdaptInertia)*math.Log(target))
			return math.Min(math.Max(x, minRate), hi)
		}
		switch {
		case period == 0 && losing:
			// Its prior expects a message to cost more than it
			// earns (the price alone is known): it does not start.
			st.out = true
			r.dec.sendRate[k] = 0
		case st.out:
			st.outFor++
			if int(st.outFor) >= bt.TrialRevisions && !losing {
				// Out long enough for its evidence to fade, it
				// expects a message to pay again: a trial period,
				// from its habit.
				st.out, st.trial, st.outFor = false, true, 0
				st.trials++
				r.dec.sendRate[k] = rateTo(habit)
			}
		case st.trial && losing:
			// The trial did not pay: out again.
			st.out, st.trial, st.outFor = true, false, 0
			r.dec.sendRate[k] = 0
		default:
			from := r.dec.sendRate[k] // its habit at period 0 (set by assignChannels)
			if st.trial {
				st.trial, st.losing = false, 0
			}
			switch {
			case !evidence:
			case losing:
				st.losing++
			default:
				st.losing = 0
			}
			if int(st.losing) >= bt.ExitRevisions {
				st.out, st.outFor, st.losing = true, 0, 0
				st.exits++
				r.dec.sendRate[k] = 0
				break
			}
			r.dec.sendRate[k] = rateTo(from)
		}
		if r.spec.Revisions != nil {
			state := "send"
			switch {
			case st.out:
				state = "out"
			case st.trial:
				state = "trial"
			}
			r.spec.Revisions(Revision{Day: day, Period: period, Business: b, Channel: ci,
				Sends: p.sends, Conversions: p.conversions, Lost: p.mutes + p.unfollows + p.blocks, Value: p.value, Spend: p.spend,
				ConversionValue: r.pop.ConvValue[b].Dollars(),
				ExpValue:        value, ExpCost: cost, FollowerValue: fv, State: state, Rate: r.dec.sendRate[k]})
		}
	}
}
