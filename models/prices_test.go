package models

import (
	"math"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// TestRateCardMarkets: the default rate cards price more markets than a
// scenario may simulate; those rows are left out. A market a scenario
// gives that it does not have is still an error (most likely a typo).
func TestRateCardMarkets(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Markets = []sim.Market{{Code: "IN", Share: 0.5}, {Code: "BR", Share: 0.5}}
	for _, mk := range []func() sim.Model{
		func() sim.Model { return &PaidPush{P: *paidPushDefaults()} },
		func() sim.Model { return &StatusAds{P: *statusAdsDefaults()} },
	} {
		if m := mk(); func() error { _, err := sim.NewPlatform(&cfg, m); return err }() != nil {
			t.Fatalf("%s with its defaults fails on markets IN, BR", m.Name())
		}
	}
	pp := *paidPushDefaults()
	p, err := sim.NewPlatform(&cfg, &PaidPush{P: pp})
	if err != nil {
		t.Fatal(err)
	}
	// The card's own prices for the markets simulated, its default for none.
	ch := p.Channels[0]
	if got, want := ch.Price[p.MarketIndex("IN")][sim.Marketing], sim.USD(0.0118); got != want {
		t.Errorf("IN marketing price %d µUSD, want %d", got, want)
	}
	if ch.MarketingBlocked[p.MarketIndex("IN")] || ch.MarketingBlocked[p.MarketIndex("BR")] {
		t.Errorf("marketing blocked in a market the default list (US) does not name")
	}

	pp.PriceMarketing = Prices{"IN": 0.01, "BR": 0.02, "FR": 0.03}
	_, err = sim.NewPlatform(&cfg, &PaidPush{P: pp})
	if err == nil || !strings.Contains(err.Error(), "price_marketing.FR: unknown market") {
		t.Errorf("a price for FR, which the scenario lacks: got %v", err)
	}
	// The card's US price as a sum, or another spelling of the number,
	// may give it, a few ulp off the card's own float: the same price to
	// the micro-dollar, so still the card's row.
	pp = *paidPushDefaults()
	us := paidPushDefaults().PriceMarketing["US"]
	pp.PriceMarketing = Prices{"IN": 0.01, "BR": 0.02, "US": math.Nextafter(math.Nextafter(us, 1), 1)}
	if _, err := sim.NewPlatform(&cfg, &PaidPush{P: pp}); err != nil {
		t.Errorf("the card's US price, 2 ulp off: %v", err)
	}
	pp = *paidPushDefaults()
	pp.PriceMarketing = Prices{"IN": 0.01, "BR": 0.02, "US": 0.5} // not the card's US price
	_, err = sim.NewPlatform(&cfg, &PaidPush{P: pp})
	if err == nil || !strings.Contains(err.Error(), "price_marketing.US: unknown market") {
		t.Errorf("a changed price for US, which the scenario lacks: got %v", err)
	}
}
