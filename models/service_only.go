package models

import "github.com/msgmon/msgmon/sim"

// ServiceOnly: users start conversations (a need, a click-to-chat link or
// ad); businesses answer inside the customer-service window and may follow
// up there, free; outside the window they cannot write, unless the audience
// is contacts: then they may write to everyone who ever wrote to them
// (Facebook Messenger's service contacts, 2016), at a price per message
// outside the window. A business may pay per conversation (WhatsApp's
// pre-2025 service conversations), by market.
type ServiceOnly struct{ P ServiceOnlyParams }

// ServiceOnlyParams are the scenario keys under models.service_only.
type ServiceOnlyParams struct {
	// WindowHours: WhatsApp and Messenger 24 h, WeChat 48 h (DOMAIN: platform rules).
	WindowHours float64 `yaml:"window_hours" range:"1,720" doc:"customer-service window after each user message, hours"`
	// FreeEntryHours: WhatsApp's free entry point after a click-to-WhatsApp ad, 72 h.
	FreeEntryHours float64 `yaml:"free_entry_hours" range:"0,720" doc:"free window after a click on an ad, hours"`
	// MaxMessagesPerWindow: WeChat allows 5 business messages per 48 h window.
	MaxMessagesPerWindow int `yaml:"max_messages_per_window" range:"0,255" doc:"business messages per window (0: no cap; at most 255, the slot's 8-bit count)"`
	// PricePerConversation: USD per user-started conversation; service
	// replies are free on WhatsApp (pricing since 1 Jul 2025, DOMAIN), hence 0.
	PricePerConversation Prices `yaml:"price_per_conversation" range:"0,100" doc:"USD per user-started conversation, by market"`
	// FreeConversationsPerMonth: WhatsApp 2022 gave each business its
	// first 1,000 conversations a month free, user- or business-initiated
	// (DOMAIN); 0 (none) since service replies are free anyway.
	FreeConversationsPerMonth int `yaml:"free_conversations_per_month" range:"0,100000000" doc:"conversations a business opens free each 30-day month, user-started and business-initiated together (0: none)"`
	// FollowUps: businesses may send their campaigns to users whose window
	// is open, free.
	FollowUps bool `yaml:"follow_ups" doc:"businesses may send campaigns inside an open window"`
	// Adoption: share of businesses that follow up in the window.
	Adoption float64 `yaml:"adoption" range:"0,1" doc:"share of businesses using in-window follow-ups"`
	// Audience of the follow-ups: window (users whose window is open) or
	// contacts (users who ever wrote to the business, window open or not).
	Audience string `yaml:"audience" enum:"window,contacts" doc:"follow-ups to users with an open window (window) or to everyone who ever wrote (contacts)"`
	// PricePerMessage: USD per follow-up delivered outside the window (only
	// with audience contacts; inside the window follow-ups are free).
	PricePerMessage Prices `yaml:"price_per_message" range:"0,100" doc:"USD per follow-up outside the window (audience contacts), by market"`
}

func init() {
	sim.Register(sim.Factory{
		Name:    "service_only",
		Summary: "users start conversations; businesses reply and follow up inside the service window, free outside paid conversations",
		NewParams: func() any {
			return &ServiceOnlyParams{WindowHours: 24, FreeEntryHours: 72, FollowUps: true, Adoption: 1,
				PricePerConversation: Prices{"default": 0}, Audience: "window", PricePerMessage: Prices{"default": 0}}
		},
		New: func(p any) (sim.Model, error) { return &ServiceOnly{P: *p.(*ServiceOnlyParams)}, nil },
	})
}

func (m *ServiceOnly) Name() string { return "service_only" }

func (m *ServiceOnly) Apply(p *sim.Platform) error {
	price, err := perMarket(p, m.P.PricePerConversation, nil, "models.service_only.price_per_conversation")
	if err != nil {
		return err
	}
	perMsg, err := perMarket(p, m.P.PricePerMessage, nil, "models.service_only.price_per_message")
	if err != nil {
		return err
	}
	p.Service.WindowHours = m.P.WindowHours
	p.Service.FreeEntryHours = m.P.FreeEntryHours
	p.Service.MaxMessagesPerWindow = m.P.MaxMessagesPerWindow
	p.Service.PricePerConversation = price
	p.Service.FreeConversationsPerMonth = m.P.FreeConversationsPerMonth
	if !m.P.FollowUps || m.P.Adoption == 0 {
		return nil
	}
	ch := sim.Channel{
		Name: "service_followup", Source: sim.SourceService, Delivery: sim.Push,
		Audience: sim.WindowOnly, FreeInWindow: true, Adoption: m.P.Adoption,
	}
	if m.P.Audience == "contacts" {
		ch.Audience = sim.Contacts
		for i := range p.Markets {
			ch.Price[i][sim.Marketing] = perMsg[i]
			ch.Price[i][sim.Utility] = perMsg[i]
		}
	}
	return p.AddChannel(ch)
}
