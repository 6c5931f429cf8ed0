package models

import "github.com/msgmon/msgmon/sim"

// StatusAds: full-screen, skippable ads between the statuses of a user's
// contacts; advertisers pay per thousand impressions; a click opens a
// conversation with a free entry point; users may turn ads off.
type StatusAds struct{ P StatusAdsParams }

// StatusAdsParams are the scenario keys under models.status_ads.
type StatusAdsParams struct {
	AdLoad        int     `yaml:"ad_load" range:"1,1000" doc:"statuses between two ads"`
	FirstAfter    int     `yaml:"first_after" range:"0,1000" doc:"statuses before the first ad"`
	FreqCapPerDay int     `yaml:"freq_cap_per_day" range:"0,1000" doc:"ads a user sees a day at most (0: no cap)"`
	CPM           Prices  `yaml:"cpm" range:"0,1000" doc:"USD per thousand impressions, by market"`
	CTR           float64 `yaml:"ctr" range:"0,1" doc:"click probability of an ad of mean relevance"`
	Targeting     float64 `yaml:"targeting" range:"0,1" doc:"share of ads matched to the user's interests"`
	OptOut        bool    `yaml:"opt_out" doc:"users may turn Status ads off"`
}

func init() {
	sim.Register(sim.Factory{
		Name:      "status_ads",
		Summary:   "ads between contacts' statuses, paid per thousand impressions, with a frequency cap and opt-out",
		NewParams: func() any { return statusAdsDefaults() },
		New:       func(p any) (sim.Model, error) { return &StatusAds{P: *p.(*StatusAdsParams)}, nil },
	})
}

func (m *StatusAds) Name() string { return "status_ads" }

// statusAdsDefaults are the parameters of a scenario that sets none.
func statusAdsDefaults() *StatusAdsParams {
	return &StatusAdsParams{
		// Press reports of the 2026 roll-out: "after a few statuses";
		// the load and cap are assumptions to sweep.
		AdLoad: 4, FirstAfter: 3, FreqCapPerDay: 6,
		// DOMAIN: Stories CPM about 5 USD, lower in emerging markets
		// (the IN and BR figures are assumptions within that range).
		CPM: Prices{"default": 5, "IN": 1.5, "BR": 2.5},
		// Not in DOMAIN: assumption to sweep.
		CTR: 0.008, Targeting: 0.7, OptOut: true,
	}
}

func (m *StatusAds) Apply(p *sim.Platform) error {
	cpm, err := perMarket(p, m.P.CPM, statusAdsDefaults().CPM, "models.status_ads.cpm")
	if err != nil {
		return err
	}
	ads := &sim.StatusAds{AdLoad: m.P.AdLoad, FirstAfter: m.P.FirstAfter, FreqCapPerDay: m.P.FreqCapPerDay,
		CTR: m.P.CTR, Targeting: m.P.Targeting, OptOut: m.P.OptOut}
	for i := range p.Markets {
		// Charged per impression: CPM/1000, in whole micro-dollars.
		ads.PricePerImpression[i] = (cpm[i] + 500) / 1000
	}
	p.Ads = ads
	return nil
}
