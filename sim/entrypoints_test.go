package sim_test

import (
	"math"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// entryOnly is a population whose users start conversations only from
// entry points: no service needs, no Status ads, no message clicks, no
// discovery; every user has the mean traits, so each has the same rate.
func entryOnly(users, businesses, days int, perDay, elasticity, adShare float64) sim.Config {
	cfg := smallConfig(users, businesses, days)
	cfg.User.Homogeneous = true
	cfg.Behaviour.ConversationsPerDay = 0
	cfg.Behaviour.Click, cfg.Behaviour.UtilityClick = 0, 0
	cfg.Behaviour.BassP, cfg.Behaviour.BassQ = 0, 0
	cfg.Behaviour.EntryConversationsPerDay = perDay
	cfg.Behaviour.EntrySizeElasticity = elasticity
	cfg.Behaviour.EntryAdShare = adShare
	return cfg
}

// chiSquare is Σ (O−E)²/E of the counts per business against the shares
// Size^elasticity / Σ Size^elasticity of their total.
func chiSquare(counts []int64, size []float64, elasticity float64) float64 {
	var n int64
	var wsum float64
	for b, c := range counts {
		n += c
		wsum += math.Pow(size[b], elasticity)
	}
	x := 0.0
	for b, c := range counts {
		e := float64(n) * math.Pow(size[b], elasticity) / wsum
		x += (float64(c) - e) * (float64(c) - e) / e
	}
	return x
}

// TestEntryPointsBySize: with entry points the only way users write, the
// messages each business gets (recounted from the audit trail) are a
// multinomial sample with shares ∝ Size^elasticity, and their total is
// Poisson with mean rate × users × days. The χ² statistic over the
// businesses must stay below its mean m−1 plus 4 standard deviations
// √(2(m−1)) (p < 10⁻³); the same counts tested against Size^1 must fail
// it, so the test can tell elasticities apart. The total must be within 4
// standard deviations √μ of μ. The day's counts are recounted too: every
// new conversation is an entry point's, the ad share is within 4 binomial
// standard deviations of entry_ad_share, and every follow is counted in
// FollowsFromEntry.
func TestEntryPointsBySize(t *testing.T) {
	const users, m, days, rate, elast, adShare = 10000, 100, 30, 0.3, 0.5, 0.25
	cfg := entryOnly(users, m, days, rate, elast, adShare)
	pop, err := sim.NewPopulation(&cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	writes := make([]int64, m)
	var convs, follows int64
	res, err := runWithAudit(pop, plat, 7, func(evs []sim.AuditEvent) {
		for _, e := range evs {
			switch e.Kind {
			case sim.AuditWrite:
				writes[e.Business]++
			case sim.AuditConversation:
				convs++
			case sim.AuditFollow:
				follows++
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range writes {
		total += c
	}
	mu := float64(rate * users * days)
	t.Logf("entry-point messages %d, expected %.0f ± %.0f", total, mu, math.Sqrt(mu))
	if math.Abs(float64(total)-mu) > 4*math.Sqrt(mu) {
		t.Errorf("entry-point messages %d, want %.0f within 4 sd (%.0f)", total, mu, 4*math.Sqrt(mu))
	}
	limit := float64(m-1) + 4*math.Sqrt(2*float64(m-1))
	x := chiSquare(writes, pop.Size, elast)
	wrong := chiSquare(writes, pop.Size, 1)
	t.Logf("χ² against Size^%g: %.1f; against Size^1: %.1f; limit %.1f (%d businesses)", elast, x, wrong, limit, m)
	if x > limit {
		t.Errorf("χ² %.1f against Size^%g exceeds %.1f: counts are not proportional to size^elasticity", x, elast, limit)
	}
	if wrong <= limit {
		t.Errorf("χ² %.1f against Size^1 is below %.1f: the test cannot tell elasticities apart", wrong, limit)
	}

	tot := totals(res)
	if tot.EntryConversations != convs || tot.Conversations != convs {
		t.Errorf("entry conversations %d, conversations %d; the audit trail has %d", tot.EntryConversations, tot.Conversations, convs)
	}
	p := float64(tot.EntryAdConversations) / float64(tot.EntryConversations)
	sd := math.Sqrt(adShare * (1 - adShare) / float64(tot.EntryConversations))
	t.Logf("from ads: %d of %d conversations (%.4f, want %.2f ± %.4f)", tot.EntryAdConversations, tot.EntryConversations, p, adShare, sd)
	if math.Abs(p-adShare) > 4*sd {
		t.Errorf("share from ads %.4f, want %.2f within 4 sd (%.4f)", p, adShare, 4*sd)
	}
	t.Logf("follows from entry points %d, audited follows %d", tot.FollowsFromEntry, follows)
	if tot.FollowsFromEntry == 0 || tot.FollowsFromEntry != follows || tot.FollowsGained != follows {
		t.Errorf("follows from entry %d, gained %d; the audit trail has %d follows", tot.FollowsFromEntry, tot.FollowsGained, follows)
	}
	if tot.FollowsFromChat != 0 || tot.FollowsFromAds != 0 {
		t.Errorf("follows from chat %d and from Status ads %d, want 0 with entry points only", tot.FollowsFromChat, tot.FollowsFromAds)
	}
}

// TestEntryAdOpensFreeWindow: a message delivered to a user within the
// free entry window after the user wrote from a click-to-chat ad is free.
// The test replays the audit trail: with every entry point an ad and no
// other way to write, each write opens a free window of free_entry_hours;
// a paid channel's revenue must be its price times the deliveries outside
// every such window, exactly. With 72 h (WhatsApp) and 168 h (Messenger)
// some deliveries fall inside; with no ads none is free.
func TestEntryAdOpensFreeWindow(t *testing.T) {
	const price = sim.Micros(10_000)
	for _, c := range []struct {
		name    string
		hours   float64
		adShare float64
	}{{"whatsapp 72 h", 72, 1}, {"messenger 168 h", 168, 1}, {"no ads", 72, 0}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := entryOnly(3000, 30, 40, 0.2, 1, c.adShare)
			cfg.MaxFollows = 64 // every write finds a slot, so every ad opens its window
			cfg.User.FollowsAtStart = 4
			cfg.Business.SendsPerWeekMean = 7
			cfg.Business.BudgetMonthlyMedian = 1e6
			// The billing of the window is checked, not whether the
			// messages pay: the businesses keep their schedule.
			cfg.Business.SendPolicy = "fixed"
			pop, err := sim.NewPopulation(&cfg, 11)
			if err != nil {
				t.Fatal(err)
			}
			plat, err := sim.NewPlatform(&cfg)
			if err != nil {
				t.Fatal(err)
			}
			plat.Service.FreeEntryHours = c.hours
			ch := sim.Channel{Name: "paid", Source: sim.SourceMessages, Delivery: sim.Push, Audience: sim.Followers, Adoption: 1}
			for i := range ch.Price {
				ch.Price[i] = [sim.NumMsgCategories]sim.Micros{price, price}
			}
			if err := plat.AddChannel(ch); err != nil {
				t.Fatal(err)
			}
			freeUntil := map[pair]int32{}
			var delivered, free int64
			res, err := runWithAudit(pop, plat, 11, func(evs []sim.AuditEvent) {
				for _, e := range evs {
					p := pair{e.User, e.Business}
					now := e.Day*24 + e.Hour
					switch e.Kind {
					case sim.AuditWrite:
						if c.adShare == 1 {
							freeUntil[p] = now + int32(c.hours)
						}
					case sim.AuditDeliver:
						delivered++
						if until, ok := freeUntil[p]; ok && now < until {
							free++
						}
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			tot := totals(res)
			got := tot.PlatformRevenue[sim.SourceMessages]
			want := price * sim.Micros(delivered-free)
			t.Logf("%d deliveries, %d inside a free entry window; revenue %d µUSD, recount %d", delivered, free, got, want)
			if got != want {
				t.Errorf("revenue %d µUSD, want %d (%d deliveries of which %d free)", got, want, delivered, free)
			}
			if c.adShare == 1 && free == 0 {
				t.Error("no delivery fell inside a free entry window: the test checks nothing")
			}
			if c.adShare == 1 && tot.EntryAdConversations != tot.EntryConversations {
				t.Errorf("%d of %d entry conversations from ads, want all", tot.EntryAdConversations, tot.EntryConversations)
			}
		})
	}
}

// TestEntryPointsLeaveOtherDrawsAlone: entry points draw from a stream of
// their own, so turning them on changes nothing the other processes draw
// where the conversations cannot reach: without ads, the statuses viewed
// each day are the same numbers.
func TestEntryPointsLeaveOtherDrawsAlone(t *testing.T) {
	cfg := smallConfig(3000, 40, 20)
	_, _, off := run(t, cfg, 3, sim.RunSpec{})
	cfg.Behaviour.EntryConversationsPerDay = 0.5
	_, _, on := run(t, cfg, 3, sim.RunSpec{})
	if e := totals(on).EntryConversations; e == 0 {
		t.Fatal("no entry-point conversations: the comparison would prove nothing")
	}
	if totals(on).Conversations == totals(off).Conversations {
		t.Error("entry points added no conversations")
	}
	for d := range off.Daily {
		if a, b := off.Daily[d].StatusViews, on.Daily[d].StatusViews; a != b {
			t.Fatalf("day %d: status views %d without entry points, %d with", d, a, b)
		}
	}
}
