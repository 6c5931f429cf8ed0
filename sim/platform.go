package sim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Micros is an amount of money in millionths of a US dollar. All money in
// the engine is integer, so that what businesses pay and what the platform
// earns agree to the micro-dollar.
type Micros int64

// USD converts a dollar amount to Micros, rounding to the nearest micro.
func USD(x float64) Micros { return Micros(math.Round(x * 1e6)) }

// Dollars returns the amount in dollars.
func (m Micros) Dollars() float64 { return float64(m) / 1e6 }

// Source is where platform revenue comes from; each has its own column in
// the results.
type Source uint8

const (
	SourceService       Source = iota // conversations and messages a business pays for in service
	SourceMessages                    // proactive messages (paid push, broadcasts)
	SourceAds                         // Status ads
	SourceSubscriptions               // follower fees and channel subscriptions
	SourceOther                       // anything else a model charges
	NumSources
)

var sourceNames = [NumSources]string{"service", "messages", "ads", "subscriptions", "other"}

func (s Source) String() string {
	if s < NumSources {
		return sourceNames[s]
	}
	return fmt.Sprintf("Source(%d)", uint8(s))
}

// Delivery is how a proactive message reaches the user.
type Delivery uint8

const (
	Push   Delivery = iota // a push notification
	Folder                 // waits in a folder until the user opens it
)

// Audience says whom a channel may message.
type Audience uint8

const (
	// Followers: users who follow (opted in to) the business.
	Followers Audience = iota
	// Contacts: users who ever wrote to the business, following or not.
	Contacts
	// WindowOnly: only users whose service window with the business is open.
	WindowOnly
)

// MsgCategory is the pricing category of a proactive message.
type MsgCategory uint8

const (
	Marketing MsgCategory = iota
	Utility
	NumMsgCategories
)

// Channel is one way businesses send proactive messages, with the rules and
// prices a monetization model sets. Caps of zero mean no cap.
type Channel struct {
	Name     string
	Source   Source
	Delivery Delivery
	Audience Audience

	// CapPerPeriod is the most messages one business may deliver to one user
	// in a period of PeriodDays days (periods start on day 0).
	CapPerPeriod int
	PeriodDays   int
	// UserCapPerPeriod is the most messages a user receives on this channel,
	// from all businesses together, in a period of PeriodDays days.
	UserCapPerPeriod int
	// SendsPerPeriod is the most campaigns (mass sends, each to the
	// channel's whole audience) one business may send on this channel in
	// a period of PeriodDays days, however many users each reaches
	// (WeChat service accounts: 4 a month per account). A campaign beyond
	// it is not sent: it is skipped, not deferred to the next period.
	SendsPerPeriod int
	// UserCapPerDay is the most marketing messages a user receives on this
	// channel from all businesses together in a day, except in the markets
	// of UserCapExempt (WhatsApp: off in the EEA, the UK, Japan and Korea).
	UserCapPerDay int
	UserCapExempt [MaxMarkets]bool
	// MinGapHours is the least time between two messages of one business
	// to one user.
	MinGapHours float64

	// Price is what the business pays per delivered message, by user market
	// and message category. Utility messages inside the service window are
	// free when FreeUtilityInWindow is set; every message inside the window
	// is free when FreeInWindow is set.
	Price               [MaxMarkets][NumMsgCategories]Micros
	FreeUtilityInWindow bool
	FreeInWindow        bool
	// ConversationHours > 0 prices business-initiated conversations instead
	// of messages (WhatsApp, Feb 2022 – May 2023): a message delivered
	// outside the service window and outside an open conversation opens a
	// conversation of this many hours and pays Price; messages inside it,
	// and user messages inside it, are free. Messages inside the service
	// window are free as well.
	ConversationHours float64
	// MarketingBlocked[m] set: marketing messages are not delivered to
	// users of market m.
	MarketingBlocked [MaxMarkets]bool

	// Tiers, when not empty, are the messaging limits: unique users a
	// business may message outside the service window in a day. A business
	// starts at tier StartTier and moves up a tier on a day it uses half its
	// limit with a green quality rating.
	Tiers     []int
	StartTier int
	// Quality, when set, rates businesses green, yellow or red from the
	// blocks per 1,000 delivered messages over the last 7 days; 7 red days in
	// a row drop a tier.
	Quality       bool
	YellowPer1000 float64
	RedPer1000    float64

	// Adoption is the share of businesses that use this channel. Each
	// channel is adopted on its own, so a business may use any subset of
	// an arm's channels; a business that adopts a channel in one arm
	// adopts it in every arm that offers it at the same or a higher
	// adoption (the draw is a trait of the business and the channel's
	// name).
	Adoption float64
}

// ServiceRules are the rules of user-started conversations.
type ServiceRules struct {
	// WindowHours: after each user message the business may answer and send
	// for this long.
	WindowHours float64
	// FreeEntryHours: after a click on a Status ad the conversation is free
	// for this long.
	FreeEntryHours float64
	// MaxMessagesPerWindow caps business messages inside one window (0: no cap).
	MaxMessagesPerWindow int
	// PricePerConversation is paid by the business for each user-started
	// conversation outside a free entry, by user market.
	PricePerConversation [MaxMarkets]Micros
	// FreeConversationsPerMonth (0: none) is how many conversations a
	// business may open each 30-day month without paying: user-started
	// ones and business-initiated ones of a channel with ConversationHours
	// together (WhatsApp 2022: the first 1,000). Conversations inside a
	// free entry point neither pay nor count. The engine settles the
	// allowance at the end of each day (see models/ODD.md, 7.13).
	FreeConversationsPerMonth int
}

// StatusAds are ads between the statuses of a user's contacts.
type StatusAds struct {
	// AdLoad: an ad after every AdLoad statuses, the first after FirstAfter.
	AdLoad     int
	FirstAfter int
	// FreqCapPerDay is the most ads a user sees in a day.
	FreqCapPerDay int
	// PricePerImpression is CPM/1000, by user market.
	PricePerImpression [MaxMarkets]Micros
	// CTR is the click probability of an ad of mean relevance; a click opens
	// a conversation with the advertiser (a free entry point).
	CTR float64
	// Targeting in [0, 1]: the share of ads matched to the user's interests.
	Targeting float64
	// OptOut: users may turn Status ads off.
	OptOut bool
}

// Ledger is what a Biller sees and does once a day: read follower counts and
// charge businesses or users. Every charge is booked as platform revenue of
// its source, so money is conserved.
type Ledger interface {
	Day() int
	Businesses() int
	// Followers is the business's active follows at the end of the day.
	Followers(b int) int
	// Uses reports whether business b uses the proactive channel of that
	// name.
	Uses(b int, channel string) bool
	// ChargeBusiness books amount paid by business b to the platform.
	ChargeBusiness(b int, amount Micros, src Source)
	// ChargeUsers books amount paid by users to business b, of which
	// platformShare goes to the platform as revenue of src.
	ChargeUsers(b int, amount, platformShare Micros, src Source)
	// Rand is the random stream of business b on this day, keyed by the
	// run's seed, b and the day (not by the arm: every arm of a replicate
	// draws the same numbers). A biller that draws, for instance who of
	// a business's followers pay, takes its draws from here.
	Rand(b int) Stream
}

// Biller charges periodic fees; it runs once a day, after the users.
type Biller interface {
	Bill(l Ledger)
}

// Platform is the rule book of one arm of a comparison: the sum of what its
// monetization models install. The zero value is a platform on which users
// may talk to businesses and nothing is charged or pushed.
type Platform struct {
	Markets    []string
	Categories []string
	Service    ServiceRules
	Channels   []Channel
	Ads        *StatusAds
	Billers    []Biller
	// Models names the models applied, in order.
	Models []string
}

// MarketIndex returns the index of a market code, or -1.
func (p *Platform) MarketIndex(code string) int {
	for i, m := range p.Markets {
		if m == code {
			return i
		}
	}
	return -1
}

// AddChannel adds a proactive channel, checking it.
func (p *Platform) AddChannel(c Channel) error {
	if len(p.Channels) >= MaxChannels {
		return fmt.Errorf("sim: at most %d proactive channels in one arm", MaxChannels)
	}
	if c.CapPerPeriod < 0 || c.UserCapPerPeriod < 0 || c.SendsPerPeriod < 0 {
		return fmt.Errorf("sim: channel %s: caps per period must be >= 0 (0: no cap), got %d per pair, %d per user, %d sends per business",
			c.Name, c.CapPerPeriod, c.UserCapPerPeriod, c.SendsPerPeriod)
	}
	if c.CapPerPeriod > 0 || c.UserCapPerPeriod > 0 || c.SendsPerPeriod > 0 {
		if c.PeriodDays <= 0 {
			return fmt.Errorf("sim: channel %s: a cap per period needs period days > 0", c.Name)
		}
	}
	if c.CapPerPeriod > 255 || c.UserCapPerPeriod > 255 {
		return fmt.Errorf("sim: channel %s: caps per period above 255 are not supported (the counters are 8-bit)", c.Name)
	}
	if c.Adoption <= 0 {
		c.Adoption = 1
	}
	p.Channels = append(p.Channels, c)
	return nil
}

// KeepChannels keeps only the named proactive channels, in their order:
// the subset of its models' channels an arm's businesses may use. A name
// no model installed is an error that lists the channels there are.
func (p *Platform) KeepChannels(names []string) error {
	var kept []Channel
	var have []string
	for _, ch := range p.Channels {
		have = append(have, ch.Name)
		if slices.Contains(names, ch.Name) {
			kept = append(kept, ch)
		}
	}
	for _, n := range names {
		if !slices.Contains(have, n) {
			return fmt.Errorf("sim: no channel %q on this platform; its models install: %s", n, strings.Join(have, ", "))
		}
	}
	p.Channels = kept
	return nil
}

// Model is a monetization model: it installs rules and prices on a platform.
// Models implement it in package models and register a Factory.
type Model interface {
	Name() string
	Apply(p *Platform) error
}

// Factory makes a model from its scenario parameters.
type Factory struct {
	// Name is the key under "models:" in a scenario.
	Name    string
	Summary string
	// NewParams returns a pointer to the model's parameter struct filled
	// with defaults; the scenario loader decodes YAML into it and checks its
	// range tags.
	NewParams func() any
	// New makes the model from decoded parameters.
	New func(params any) (Model, error)
}

var (
	registryMu sync.Mutex
	registry   = map[string]Factory{}
)

// Register makes a model known under its name. It panics on a duplicate
// name (a programming error).
func Register(f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[f.Name]; dup {
		panic("sim: model registered twice: " + f.Name)
	}
	registry[f.Name] = f
}

// Lookup returns the factory of a model name.
func Lookup(name string) (Factory, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	f, ok := registry[name]
	return f, ok
}

// Registered returns the registered models sorted by name.
func Registered() []Factory {
	registryMu.Lock()
	defer registryMu.Unlock()
	fs := make([]Factory, 0, len(registry))
	for _, f := range registry {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// PlatformWindowHours is the service window of a platform before any model
// is applied: the window of an arm without service_only (whose window_hours
// replaces it). Users write, businesses answer for this long after each
// user message, free, with no follow-ups and no free entry point. 24 h is
// WhatsApp's and Messenger's customer-service window (DOMAIN: calibration
// row whatsapp.service_window_hours).
const PlatformWindowHours = 24

// NewPlatform applies models in order to an empty platform for cfg's
// markets and categories; its service window is PlatformWindowHours until
// a model sets another.
func NewPlatform(cfg *Config, models ...Model) (*Platform, error) {
	p := &Platform{Service: ServiceRules{WindowHours: PlatformWindowHours}}
	for _, m := range cfg.Markets {
		p.Markets = append(p.Markets, m.Code)
	}
	for _, c := range cfg.Categories {
		p.Categories = append(p.Categories, c.Name)
	}
	for _, m := range models {
		if err := m.Apply(p); err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name(), err)
		}
		p.Models = append(p.Models, m.Name())
	}
	if n := p.Service.MaxMessagesPerWindow; n < 0 || n > 255 {
		return nil, fmt.Errorf("sim: business messages per window must be 0 (no cap) to 255 (a slot counts them in 8 bits), got %d", n)
	}
	return p, nil
}
