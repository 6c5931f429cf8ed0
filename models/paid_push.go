package models

import (
	"fmt"

	"github.com/msgmon/msgmon/sim"
)

// PaidPush: businesses push messages to users who opted in and pay per
// delivered message by market and category (WhatsApp Business Platform
// since July 2025); unique users a day are limited by messaging tiers that
// rise with use and fall with a red quality rating; a per-user cap limits
// marketing across businesses, except in the markets exempt from it; some
// markets get no marketing. Older WhatsApp pricing is a setting: utility
// templates only and every message free in the window (2018–2021), or a
// price per business-initiated 24 h conversation (Feb 2022 – May 2023).
type PaidPush struct{ P PaidPushParams }

// PaidPushParams are the scenario keys under models.paid_push.
type PaidPushParams struct {
	PriceMarketing      Prices   `yaml:"price_marketing" range:"0,100" doc:"USD per delivered marketing message, by market"`
	PriceUtility        Prices   `yaml:"price_utility" range:"0,100" doc:"USD per delivered utility message outside the window, by market"`
	FreeUtilityInWindow bool     `yaml:"free_utility_in_window" doc:"utility messages inside the service window are free"`
	Tiers               []int    `yaml:"tiers" range:"1,100000000" doc:"messaging tiers: unique users a day outside the window; above the last, unlimited"`
	StartTier           int      `yaml:"start_tier" range:"0,10" doc:"tier a business starts at (index into tiers)"`
	Quality             bool     `yaml:"quality" doc:"rate quality from blocks; 7 red days drop a tier"`
	YellowPer1000       float64  `yaml:"quality_yellow_per_1000" range:"0,1000" doc:"blocks per 1,000 messages over 7 days for a yellow rating"`
	RedPer1000          float64  `yaml:"quality_red_per_1000" range:"0,1000" doc:"blocks per 1,000 messages over 7 days for a red rating"`
	UserCapPerDay       int      `yaml:"user_marketing_cap_per_day" range:"0,100" doc:"marketing messages a user gets a day from all businesses (0: no cap)"`
	UserCapExempt       []string `yaml:"user_marketing_cap_exempt_markets" doc:"markets where the per-user marketing cap is off (default: the EEA, UK, JP and KR markets of the scenario)"`
	MinGapHours         float64  `yaml:"min_gap_hours" range:"0,8760" doc:"least hours between two messages of one business to one user"`
	BlockedMarkets      []string `yaml:"marketing_blocked_markets" doc:"markets that receive no marketing messages"`
	Delivery            string   `yaml:"delivery" enum:"push,folder" doc:"push (default) or folder"`
	MarketingTemplates  bool     `yaml:"marketing_templates" doc:"businesses may send marketing (promotional) messages; false: utility only (WhatsApp 2018–2021)"`
	FreeInWindow        bool     `yaml:"free_in_window" doc:"every message inside the service window is free (WhatsApp 2018–2023), not only utility"`
	Charge              string   `yaml:"charge" enum:"message,conversation" doc:"pay per delivered message (default) or per business-initiated conversation (WhatsApp 2022)"`
	ConversationHours   float64  `yaml:"conversation_hours" range:"1,720" doc:"length of a business-initiated conversation, hours (charge: conversation)"`
	Adoption            float64  `yaml:"adoption" range:"0,1" doc:"share of businesses using paid push"`
}

func init() {
	sim.Register(sim.Factory{
		Name:      "paid_push",
		Summary:   "businesses push to opted-in users and pay per delivered message by market and category, within tiers, quality and caps",
		NewParams: func() any { return paidPushDefaults() },
		New: func(p any) (sim.Model, error) {
			pp := *p.(*PaidPushParams)
			if len(pp.Tiers) > 0 && pp.StartTier > len(pp.Tiers) {
				return nil, &sim.FieldError{Path: "models.paid_push.start_tier", Msg: fmt.Sprintf("must be at most %d (the number of tiers)", len(pp.Tiers))}
			}
			for i := 1; i < len(pp.Tiers); i++ {
				if pp.Tiers[i] <= pp.Tiers[i-1] {
					return nil, &sim.FieldError{Path: fmt.Sprintf("models.paid_push.tiers[%d]", i), Msg: "tiers must increase"}
				}
			}
			if pp.Quality && pp.YellowPer1000 <= 0 {
				// The rating compares with >=: at 0 a business with no
				// blocks, or no messages, would be yellow every day.
				return nil, &sim.FieldError{Path: "models.paid_push.quality_yellow_per_1000",
					Msg: "must be above 0 while quality is on (a rate of 0 blocks would already be yellow); set quality: false for no rating"}
			}
			if pp.Quality && pp.RedPer1000 < pp.YellowPer1000 {
				return nil, &sim.FieldError{Path: "models.paid_push.quality_red_per_1000", Msg: "must be at least quality_yellow_per_1000"}
			}
			return &PaidPush{P: pp}, nil
		},
	})
}

func (m *PaidPush) Name() string { return "paid_push" }

// paidPushDefaults are the parameters of a scenario that sets none.
func paidPushDefaults() *PaidPushParams {
	return &PaidPushParams{
		// Meta USD rate card effective 1 Jul 2026 (DOMAIN); "default"
		// (markets without a row) is an assumption to sweep.
		PriceMarketing:      Prices{"US": 0.025, "DE": 0.1365, "BR": 0.0625, "IN": 0.0118, "UK": 0.0635, "default": 0.05},
		PriceUtility:        Prices{"US": 0.0034, "DE": 0.055, "BR": 0.0068, "IN": 0.0014, "UK": 0.022, "default": 0.01},
		FreeUtilityInWindow: true,
		// Meta messaging-limits doc: 250, 2,000, 10,000, 100,000, unlimited.
		Tiers: []int{250, 2000, 10000, 100000}, Quality: true,
		// Not public (DOMAIN): assumptions to sweep.
		YellowPer1000: 3, RedPer1000: 8, UserCapPerDay: 2,
		// Meta per-user limits doc: no marketing to US numbers since 1 Apr 2025.
		BlockedMarkets: []string{"US"},
		// Meta per-user limits doc: the per-user marketing cap is off in
		// the EEA, the UK, Japan and Korea (calibration rows
		// whatsapp.user_marketing_cap_per_day.EEA/UK/JP/KR); the list
		// names them by the codes a scenario may use, and only those
		// the scenario has apply.
		UserCapExempt: CapExemptMarkets(),
		Delivery:      "push", Adoption: 1,
		// WhatsApp since 1 Jul 2025 (DOMAIN): per delivered message,
		// marketing allowed; a conversation is 24 h (DOMAIN, 2022 pricing).
		MarketingTemplates: true, Charge: "message", ConversationHours: 24,
	}
}

// eeaMarkets are the country codes of the European Economic Area: the EU
// 27 and Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2; Greece
// also as EL, the EU's own code), plus "EEA" for a scenario market that
// stands for the whole area.
var eeaMarkets = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE",
	"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EEA", "EU"}

// CapExemptMarkets is the default list of markets without WhatsApp's
// per-user marketing cap: the EEA, the UK (as UK and GB), Japan and Korea.
func CapExemptMarkets() []string {
	return append(append([]string{}, eeaMarkets...), "UK", "GB", "JP", "KR")
}

func (m *PaidPush) Apply(p *sim.Platform) error {
	def := paidPushDefaults()
	mkt, err := perMarket(p, m.P.PriceMarketing, def.PriceMarketing, "models.paid_push.price_marketing")
	if err != nil {
		return err
	}
	util, err := perMarket(p, m.P.PriceUtility, def.PriceUtility, "models.paid_push.price_utility")
	if err != nil {
		return err
	}
	blocked, err := markets(p, m.P.BlockedMarkets, def.BlockedMarkets, "models.paid_push.marketing_blocked_markets")
	if err != nil {
		return err
	}
	exempt, err := markets(p, m.P.UserCapExempt, def.UserCapExempt, "models.paid_push.user_marketing_cap_exempt_markets")
	if err != nil {
		return err
	}
	if !m.P.MarketingTemplates {
		for i := range p.Markets {
			blocked[i] = true // non-promotional templates only
		}
	}
	ch := sim.Channel{
		Name: "paid_push", Source: sim.SourceMessages, Delivery: sim.Push, Audience: sim.Followers,
		FreeUtilityInWindow: m.P.FreeUtilityInWindow, MarketingBlocked: blocked,
		Tiers: m.P.Tiers, StartTier: m.P.StartTier,
		Quality: m.P.Quality, YellowPer1000: m.P.YellowPer1000, RedPer1000: m.P.RedPer1000,
		UserCapPerDay: m.P.UserCapPerDay, UserCapExempt: exempt, MinGapHours: m.P.MinGapHours, Adoption: m.P.Adoption,
		FreeInWindow: m.P.FreeInWindow,
	}
	if m.P.Charge == "conversation" {
		ch.ConversationHours = m.P.ConversationHours
		ch.FreeInWindow = true // the service window is a conversation too
	}
	if m.P.Delivery == "folder" {
		ch.Delivery = sim.Folder
	}
	for i := range p.Markets {
		ch.Price[i][sim.Marketing] = mkt[i]
		ch.Price[i][sim.Utility] = util[i]
	}
	return p.AddChannel(ch)
}
