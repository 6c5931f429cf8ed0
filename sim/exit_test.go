package sim_test

import (
	"math"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// A business whose messages earn nothing leaves the paid channel after
// exit_revisions revisions and pays nothing after, except in the trial
// periods it sends every trial_revisions revisions out, each of which it
// ends by leaving again. Half the businesses' messages are made worthless
// (relevance 0, so no marketing message is clicked; utility messages are
// not clicked either); their prior, which knows nothing of that, expects
// a message to pay, so they start sending. The other half keep sending
// on the channel for part of the run at least.
func TestWorthlessMessagesStopPaying(t *testing.T) {
	cfg := smallConfig(6000, 60, 365)
	cfg.Behaviour.UtilityClick = 0
	pop, err := sim.NewPopulation(&cfg, 21)
	if err != nil {
		t.Fatal(err)
	}
	worthless := func(b int) bool { return b%2 == 0 }
	for b := range pop.Relevance {
		if worthless(b) {
			pop.Relevance[b] = 0
		}
	}
	plat, err := sim.NewPlatform(&cfg, pricedPush(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	type bc struct{ b, ch int }
	revs := map[bc][]sim.Revision{}
	res, err := runWithSpec(pop, plat, sim.RunSpec{Seed: 3, Revisions: func(r sim.Revision) {
		revs[bc{r.Business, r.Channel}] = append(revs[bc{r.Business, r.Channel}], r)
	}})
	if err != nil {
		t.Fatal(err)
	}
	exitBy := cfg.Business.ExitRevisions
	var trials, others int
	for _, c := range res.Channels {
		rs := revs[bc{c.Business, 0}]
		var spend sim.Micros
		for _, r := range rs {
			spend += r.Spend
		}
		// Spend still to come after the last revision is the tail.
		if !worthless(c.Business) {
			if c.Sends > 0 {
				others++
			}
			continue
		}
		if len(rs) < exitBy+1 {
			t.Fatalf("business %d: %d revisions in a year", c.Business, len(rs))
		}
		if rs[0].State != "send" {
			// Its prior expected a loss: it never started.
			if c.Sends != 0 || c.Spend != 0 {
				t.Errorf("business %d did not start (its prior value %.4f, cost %.4f) but sent %d messages for %d µUSD", c.Business, rs[0].ExpValue, rs[0].ExpCost, c.Sends, c.Spend)
			}
			continue
		}
		// The exit: at the exit_revisions-th losing revision in a row
		// after period 0 whose period had messages of its own (one
		// without brings no evidence). The prior, worth 50 messages, can
		// outweigh a period of a few worthless ones, so a revision may
		// still expect a profit; at most two may, before the exit.
		exitAt, run, withMsgs := -1, 0, 0
		for i, r := range rs {
			if i > 0 && r.Value != 0 {
				t.Fatalf("business %d: its messages earned %d µUSD in period %d with relevance 0", c.Business, r.Value, r.Period)
			}
			if i == 0 || exitAt >= 0 || r.Sends == 0 {
				continue
			}
			withMsgs++
			if r.ExpValue >= r.ExpCost {
				run = 0
			} else {
				run++
			}
			if run < exitBy {
				if r.State != "send" {
					t.Errorf("business %d: %s after %d losing revisions, want to keep sending until %d", c.Business, r.State, run, exitBy)
				}
				continue
			}
			if r.State != "out" {
				t.Errorf("business %d: %s at revision %d, want out after %d losing revisions (value %.4f, cost %.4f a message)",
					c.Business, r.State, r.Period, exitBy, r.ExpValue, r.ExpCost)
			}
			exitAt = i
		}
		if exitAt >= 0 && withMsgs > exitBy+2 {
			t.Errorf("business %d left after %d revisions of worthless messages, want at most %d", c.Business, withMsgs, exitBy+2)
		}
		if exitAt < 0 {
			t.Errorf("business %d never had %d revisions of messages", c.Business, exitBy)
			continue
		}
		for i := exitAt + 1; i < len(rs); i++ {
			r := rs[i]
			if r.Spend == 0 {
				continue
			}
			// After the exit, a period with spend is a trial period
			// (the revision before it started one), and it ends out.
			if rs[i-1].State != "trial" {
				t.Errorf("business %d paid %d µUSD in period %d after leaving the channel, not in a trial (state before: %s)",
					c.Business, r.Spend, r.Period, rs[i-1].State)
			}
			if r.State != "out" {
				t.Errorf("business %d: its trial of period %d earned nothing and it is %s after, want out", c.Business, r.Period, r.State)
			}
			trials++
		}
		if c.Exits < 1 || c.StateEnd == "send" {
			t.Errorf("business %d: %d exits, %s at the end", c.Business, c.Exits, c.StateEnd)
		}
		if spend > c.Spend {
			t.Errorf("business %d: revisions count %d µUSD of spend, the run %d", c.Business, spend, c.Spend)
		}
	}
	if trials == 0 {
		t.Error("no trial period was sent in a year: the way back was never checked")
	}
	if others == 0 {
		t.Error("no business with relevant messages sent: nothing to compare")
	}
	t.Logf("%d trial periods of worthless businesses, each ended out; %d businesses of relevant messages sent", trials, others)
}

// At the end of a year of the default adaptive rule, no business still
// sends on the paid channel (not in a trial) whose own messages' realized
// margin (value of their conversions, less the followers they drove away
// at the business's own follower value, less the price paid) was below 0
// in each of its last exit_revisions revision periods, and over them by
// more than their noise: that is what the exit rule forbids, read from what the messages
// did rather than from the business's belief. The noise is two standard
// errors of the margin, conversions and followers lost counted as Poisson
// (sd √(conversions + 1) conversion values and √lost follower values):
// the rule itself sees only its belief, whose prior (50 messages) and
// memory (0.5) average over more. Such businesses are counted and must be
// at most 2 % of the business-channels still sending.
func TestNoBusinessKeepsPayingAtALoss(t *testing.T) {
	cfg := smallConfig(20000, 400, 365)
	type bc struct{ b, ch int }
	last := map[bc][]sim.Revision{}
	_, _, res := run(t, cfg, 17, sim.RunSpec{Revisions: func(r sim.Revision) {
		k := bc{r.Business, r.Channel}
		last[k] = append(last[k], r)
	}}, pricedPush(t, 1))
	n := cfg.Business.ExitRevisions
	var sending, losing, trial, out int
	for _, c := range res.Channels {
		switch c.StateEnd {
		case "trial":
			trial++
			continue
		case "out":
			out++
			continue
		}
		sending++
		rs := last[bc{c.Business, 0}]
		if len(rs) < n+1 {
			continue
		}
		var margin, conv, lost float64
		var cv, fv float64
		each := true
		for _, r := range rs[len(rs)-n:] {
			m := r.Value.Dollars() - float64(r.Lost)*r.FollowerValue - r.Spend.Dollars()
			each = each && r.Sends > 0 && m < 0
			margin += m
			conv += float64(r.Conversions)
			lost += float64(r.Lost)
			cv, fv = r.ConversionValue, r.FollowerValue
		}
		se := math.Sqrt((conv+1)*cv*cv + lost*fv*fv)
		if each && margin < -2*se {
			losing++
			t.Logf("business %d: margin $%.2f over its last %d periods (se $%.2f)", c.Business, margin, n, se)
		}
	}
	t.Logf("at the end of a year: %d business-channels sending, %d in a trial, %d out; %d sending with a margin over the last %d periods below 0 by more than two se",
		sending, trial, out, losing, n)
	if sending+trial == 0 {
		t.Fatal("no business sends at the end: nothing to check")
	}
	if limit := int(math.Ceil(0.02 * float64(sending))); losing > limit {
		t.Errorf("%d businesses still send after losing in each of their last %d periods, want at most %d (2 %% of %d sending)", losing, n, limit, sending)
	}
}
