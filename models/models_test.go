package models_test

import (
	"context"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

func model[P any](t *testing.T, name string, edit func(*P)) sim.Model {
	t.Helper()
	f, ok := sim.Lookup(name)
	if !ok {
		t.Fatalf("%s not registered", name)
	}
	p := f.NewParams().(*P)
	if edit != nil {
		edit(p)
	}
	m, err := f.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type trail struct {
	pop    *sim.Population
	plat   *sim.Platform
	res    *sim.Result
	events []sim.AuditEvent
}

func simulate(t *testing.T, cfg sim.Config, ms ...sim.Model) *trail {
	t.Helper()
	pop, err := sim.NewPopulation(&cfg, 17)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, ms...)
	if err != nil {
		t.Fatal(err)
	}
	tr := &trail{pop: pop, plat: plat}
	tr.res, err = sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: 3,
		Audit: func(e []sim.AuditEvent) { tr.events = append(tr.events, e...) }})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (tr *trail) revenue(src sim.Source) sim.Micros {
	var v sim.Micros
	for _, d := range tr.res.Daily {
		v += d.PlatformRevenue[src]
	}
	return v
}

func config() sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 3000, 50, 60
	return cfg
}

// Service only: businesses write only inside the window; a price per
// conversation earns exactly price x conversations.
func TestServiceOnly(t *testing.T) {
	tr := simulate(t, config(), model(t, "service_only", func(p *models.ServiceOnlyParams) {
		p.PricePerConversation = models.Prices{"default": 0.01}
	}))
	var deliveries, conversations int64
	for _, e := range tr.events {
		switch e.Kind {
		case sim.AuditDeliver:
			deliveries++
			if !e.InWindow {
				t.Fatalf("day %d: message outside the service window", e.Day)
			}
		case sim.AuditConversation:
			conversations++
		}
	}
	if deliveries == 0 || conversations == 0 {
		t.Fatalf("%d deliveries, %d conversations: nothing to check", deliveries, conversations)
	}
	if got, want := tr.revenue(sim.SourceService), sim.Micros(conversations)*sim.USD(0.01); got != want {
		t.Errorf("service revenue %d µUSD, want %d conversations x 0.01 USD = %d", got, conversations, want)
	}
}

// Service only with audience contacts (Messenger service contacts, 2016):
// businesses write to users who ever wrote to them, window open or not;
// follow-ups outside the window cost price_per_message, inside it nothing.
// Follows come only from conversations here (none at start, no discovery),
// so every follow-up must go to a user who wrote to that business before.
func TestServiceOnlyContacts(t *testing.T) {
	cfg := config()
	cfg.User.FollowsAtStart, cfg.Behaviour.BassP, cfg.Behaviour.BassQ = 0, 0, 0
	tr := simulate(t, cfg, model(t, "service_only", func(p *models.ServiceOnlyParams) {
		p.Audience = "contacts"
		p.PricePerMessage = models.Prices{"default": 0.02}
	}))
	type pair struct{ u, b int32 }
	wrote := map[pair]bool{}
	var outside, inside int64
	for _, e := range tr.events {
		switch e.Kind {
		case sim.AuditConversation:
			wrote[pair{e.User, e.Business}] = true
		case sim.AuditDeliver:
			if !wrote[pair{e.User, e.Business}] {
				t.Fatalf("day %d: follow-up to user %d, who never wrote to business %d", e.Day, e.User, e.Business)
			}
			if e.InWindow {
				inside++
			} else {
				outside++
			}
		}
	}
	if outside == 0 || inside == 0 {
		t.Fatalf("%d follow-ups outside the window, %d inside: nothing to check", outside, inside)
	}
	if got, want := tr.revenue(sim.SourceService), sim.Micros(outside)*sim.USD(0.02); got != want {
		t.Errorf("service revenue %d µUSD, want %d outside-window follow-ups x 0.02 USD = %d", got, outside, want)
	}
}

// Subscription: folder delivery means no push at all; the per-follower fee
// is charged monthly on the day's followers.
func TestSubscription(t *testing.T) {
	tr := simulate(t, config(), model(t, "subscription", func(p *models.SubscriptionParams) {
		p.FeePerFollower = 0.01
	}))
	var folder int64
	for _, d := range tr.res.Daily {
		if d.SendsPush != 0 {
			t.Fatalf("day %d: %d pushes from folder subscriptions", d.Day, d.SendsPush)
		}
		folder += d.SendsFolder
	}
	if folder == 0 {
		t.Fatal("no folder message delivered")
	}
	// 60 days: fees on day 29 and 59, 0.01 USD per follower. Followers are
	// those of businesses on the channel (all, at adoption 1).
	var fees sim.Micros
	for _, d := range []int{29, 59} {
		fees += sim.Micros(tr.res.Daily[d].ActiveFollows) * sim.USD(0.01)
	}
	if got := tr.revenue(sim.SourceSubscriptions); got != fees {
		t.Errorf("subscription revenue %d µUSD, want %d from followers on billing days", got, fees)
	}
}

// Paid push: no marketing reaches a blocked market; revenue is the rate
// card applied to every delivered message.
func TestPaidPush(t *testing.T) {
	tr := simulate(t, config(), model[models.PaidPushParams](t, "paid_push", nil))
	ch := tr.plat.Channels[0]
	us := tr.plat.MarketIndex("US")
	var want sim.Micros
	n := 0
	for _, e := range tr.events {
		if e.Kind != sim.AuditDeliver {
			continue
		}
		n++
		mk := int(tr.pop.Market[e.User])
		if mk == us && e.Category == sim.Marketing {
			t.Fatalf("day %d: marketing message delivered to a US number", e.Day)
		}
		if !(e.InWindow && e.Category == sim.Utility) {
			want += ch.Price[mk][e.Category]
		}
	}
	if n == 0 {
		t.Fatal("nothing delivered")
	}
	if got := tr.revenue(sim.SourceMessages); got != want {
		t.Errorf("message revenue %d µUSD, rate card over %d deliveries gives %d", got, n, want)
	}
}

// Status ads: revenue is CPM/1000 per impression by market; no user sees
// more ads a day than the cap, nor any after opting out.
func TestStatusAds(t *testing.T) {
	tr := simulate(t, config(), model(t, "status_ads", func(p *models.StatusAdsParams) {
		p.FreqCapPerDay = 2
	}))
	type ud struct{ u, d int32 }
	perDay := map[ud]int{}
	optedOut := map[int32]bool{}
	var want sim.Micros
	for _, e := range tr.events {
		switch e.Kind {
		case sim.AuditAdImpression:
			if optedOut[e.User] {
				t.Fatalf("day %d: user %d saw an ad after opting out", e.Day, e.User)
			}
			perDay[ud{e.User, e.Day}]++
			if perDay[ud{e.User, e.Day}] > 2 {
				t.Fatalf("day %d: user %d saw more than 2 ads", e.Day, e.User)
			}
			want += tr.plat.Ads.PricePerImpression[tr.pop.Market[e.User]]
		case sim.AuditAdOptOut:
			optedOut[e.User] = true
		}
	}
	if len(perDay) == 0 {
		t.Fatal("no impressions")
	}
	if got := tr.revenue(sim.SourceAds); got != want {
		t.Errorf("ad revenue %d µUSD, want %d", got, want)
	}
}
