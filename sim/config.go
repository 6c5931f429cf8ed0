package sim

import (
	"fmt"
	"strings"
)

// Config describes the population and the behaviour of users and
// businesses: everything about a scenario except the monetization models.
// The zero value is not useful; start from DefaultConfig and change fields.
// Field tags: yaml names the scenario key, range the allowed closed interval
// checked by Validate and by the scenario loader, doc is a one-line meaning
// used by msgmon schema. Sources of the defaults are in models/ODD.md and
// the embedded default scenario.
type Config struct {
	Users      int `yaml:"users" range:"10,50000000" doc:"number of users"`
	Businesses int `yaml:"businesses" range:"1,1000000" doc:"number of businesses"`
	Days       int `yaml:"days" range:"1,3650" doc:"simulated days"`
	// MaxFollows is the number of relationship slots per user (follows and
	// contacts); a user at the limit makes no new ones.
	MaxFollows int `yaml:"max_follows" range:"1,64" doc:"relationship slots per user (follows and contacts)"`

	Markets    []Market   `yaml:"markets" doc:"user markets (countries) with their population shares"`
	Categories []Category `yaml:"categories" doc:"business categories with their shares of businesses"`

	Graph     GraphConfig    `yaml:"graph"`
	User      UserTraits     `yaml:"user"`
	Business  BusinessTraits `yaml:"business"`
	Behaviour Behaviour      `yaml:"behaviour"`
}

// Market is a country or region; prices and some rules depend on the user's
// market.
type Market struct {
	Code  string  `yaml:"code" doc:"market code, e.g. DE"`
	Share float64 `yaml:"share" range:"0,1" doc:"share of users"`
}

// Category is a business category (retail, travel, ...).
type Category struct {
	Name  string  `yaml:"name" doc:"category name"`
	Share float64 `yaml:"share" range:"0,1" doc:"share of businesses"`
	// UtilityShare is the share of the category's proactive messages that
	// are utility (order and delivery updates) rather than marketing.
	UtilityShare float64 `yaml:"utility_share" range:"0,1" doc:"share of proactive messages that are utility updates"`
}

// GraphConfig chooses the social graph among users.
type GraphConfig struct {
	// Kind is "clustered_scale_free" (Holme–Kim) or "fully_mixed" (no graph:
	// word of mouth and Status supply use population averages).
	Kind string `yaml:"kind" enum:"clustered_scale_free,fully_mixed" doc:"social graph model"`
	// EdgesPerUser is m of the Holme–Kim process: mean degree is about 2m.
	EdgesPerUser int `yaml:"edges_per_user" range:"1,100" doc:"edges added per new user (mean degree about 2x)"`
	// Triad is the probability of closing a triangle after each attachment.
	Triad float64 `yaml:"triad" range:"0,1" doc:"triad-formation probability (clustering)"`
}

// UserTraits are the distributions users' traits are drawn from.
type UserTraits struct {
	// Activity is the daily probability of using the app: Beta with this mean
	// and concentration.
	ActivityMean          float64 `yaml:"activity_mean" range:"0.01,1" doc:"mean daily probability of using the app"`
	ActivityConcentration float64 `yaml:"activity_concentration" range:"0.1,1000" doc:"Beta concentration of activity"`
	// Tolerance scales how much annoyance a user bears: log-normal.
	ToleranceMedian float64 `yaml:"tolerance_median" range:"0.01,1000" doc:"median annoyance tolerance"`
	ToleranceSigma  float64 `yaml:"tolerance_sigma" range:"0,5" doc:"log-normal sigma of tolerance"`
	// InterestConcentration: interest in each category is Beta(mean 0.5);
	// higher concentration makes users more alike.
	InterestConcentration float64 `yaml:"interest_concentration" range:"0.1,1000" doc:"Beta concentration of category interest (mean 0.5)"`
	// StatusViews is the mean number of statuses a user wants to see on a day
	// the Updates tab is opened (log-normal across users).
	StatusViewsMean  float64 `yaml:"status_views_mean" range:"0,500" doc:"mean statuses viewed per Updates visit"`
	StatusViewsSigma float64 `yaml:"status_views_sigma" range:"0,5" doc:"log-normal sigma of statuses viewed"`
	// StatusPostsMean is the mean number of status items a user posts a day;
	// a user's contacts' posts are the statuses the user can view.
	StatusPostsMean float64 `yaml:"status_posts_mean" range:"0,50" doc:"mean status items a user posts a day"`
	// OptIn is the mean probability of following a business after a
	// conversation with it (Beta across users, concentration 4).
	OptInMean float64 `yaml:"opt_in_mean" range:"0,1" doc:"mean probability of opting in after a conversation"`
	// FollowPropensitySigma spreads users' propensity to follow a
	// business they discover or hear of: a log-normal factor with mean 1
	// on the discovery and word-of-mouth hazards.
	FollowPropensitySigma float64 `yaml:"follow_propensity_sigma" range:"0,3" doc:"log-normal sigma of the propensity to follow (mean 1)"`
	// AdOptOutSigma spreads users' propensity to turn Status ads off: a
	// log-normal factor with mean 1 on the ad opt-out hazard.
	AdOptOutSigma float64 `yaml:"ad_opt_out_sigma" range:"0,3" doc:"log-normal sigma of the propensity to turn Status ads off (mean 1)"`
	// FollowsAtStart is the mean number of businesses a user follows on day 0.
	FollowsAtStart float64 `yaml:"follows_at_start" range:"0,64" doc:"mean follows per user on day 0"`
	// Homogeneous gives every user the mean of every trait (used by the
	// closed-form tests).
	Homogeneous bool `yaml:"homogeneous" doc:"give every user the mean traits"`
}

// BusinessTraits are the distributions businesses' traits are drawn from.
type BusinessTraits struct {
	// Size is Pareto with this tail index (heavy tail for small alpha);
	// attractiveness for discovery and service needs is proportional to it.
	SizeAlpha float64 `yaml:"size_alpha" range:"0.5,10" doc:"Pareto tail index of business size"`
	// SendsPerWeek: proactive campaigns a week a business intends to send,
	// log-normal across businesses with this mean.
	SendsPerWeekMean  float64 `yaml:"sends_per_week_mean" range:"0,50" doc:"mean proactive campaigns a week"`
	SendsPerWeekSigma float64 `yaml:"sends_per_week_sigma" range:"0,3" doc:"log-normal sigma of campaigns a week"`
	// Relevance of a business's content, Beta with this mean (concentration 4).
	RelevanceMean float64 `yaml:"relevance_mean" range:"0,1" doc:"mean relevance of content"`
	// Personalised is the mean share of messages personalised through a CRM;
	// a personalised message is as relevant as the business's content can be
	// for the user regardless of the user's category interest.
	PersonalisedMean float64 `yaml:"personalised_mean" range:"0,1" doc:"mean share of CRM-personalised messages"`
	// BudgetMonthly is the median monthly budget (USD) for paid messages.
	BudgetMonthlyMedian float64 `yaml:"budget_monthly_median" range:"0,100000000" doc:"median monthly messaging budget, USD"`
	BudgetMonthlySigma  float64 `yaml:"budget_monthly_sigma" range:"0,5" doc:"log-normal sigma of the budget"`
	// ServiceCapacity: conversations a business answers a day, as a multiple
	// of its usual daily load (1 = staffed exactly for the average day): the
	// median across businesses, which differ by ServiceCapacitySigma.
	ServiceCapacity float64 `yaml:"service_capacity" range:"0,100" doc:"service capacity relative to mean load"`
	// ServiceCapacitySigma spreads that multiple across businesses:
	// log-normal with median ServiceCapacity.
	ServiceCapacitySigma float64 `yaml:"service_capacity_sigma" range:"0,3" doc:"log-normal sigma of service capacity across businesses (median service_capacity)"`
	// BotLevel is the mean share of conversations answered by a bot.
	BotLevelMean float64 `yaml:"bot_level_mean" range:"0,1" doc:"mean share of conversations a bot answers"`
	// Costs of answering a conversation (USD): by a bot and by a person.
	BotCost   float64 `yaml:"bot_cost" range:"0,100" doc:"cost of a bot-answered conversation, USD"`
	AgentCost float64 `yaml:"agent_cost" range:"0,100" doc:"cost of a person-answered conversation, USD"`
	// ConversionValue: mean value of a conversion (USD), log-normal sigma 0.5.
	ConversionValueMean float64 `yaml:"conversion_value_mean" range:"0,100000" doc:"mean value of a conversion, USD"`
	// PaymentsShare: share of businesses that take payments in the chat,
	// which multiplies their conversion probability by PaymentsUplift.
	PaymentsShare  float64 `yaml:"payments_share" range:"0,1" doc:"share of businesses with payments in chat"`
	PaymentsUplift float64 `yaml:"payments_uplift" range:"1,10" doc:"conversion multiplier of payments in chat"`
	// AdvertiserShare: share of businesses that buy Status ads.
	AdvertiserShare float64 `yaml:"advertiser_share" range:"0,1" doc:"share of businesses buying Status ads"`

	// SendPolicy is how a business sets its campaigns a week on each
	// channel it uses: "fixed" keeps its SendsPerWeek trait all run;
	// "adaptive" sets it from what a message is worth to the business
	// and what it costs, revised every ReviseDays days from what its
	// messages returned (models/ODD.md, "Business decisions").
	SendPolicy string `yaml:"send_policy" enum:"fixed,adaptive" doc:"fixed schedule, or revise the send rate from observed value and cost per message"`
	// ReviseDays is the period of an adaptive business's revision.
	ReviseDays int `yaml:"revise_days" range:"1,365" doc:"days between two revisions of an adaptive send rate"`
	// AdaptElasticity: an adaptive business aims at its SendsPerWeek
	// trait times (value / cost of a message) to this power.
	AdaptElasticity float64 `yaml:"adapt_elasticity" range:"0,10" doc:"elasticity of the target send rate to a message's value over its cost"`
	// AdaptNoise is the log-normal sigma of the target's random error at a
	// revision (trial and error).
	AdaptNoise float64 `yaml:"adapt_noise" range:"0,5" doc:"log-normal sigma of the error in an adaptive business's target rate"`
	// AdaptInertia is the share of the log distance to the target that a
	// revision leaves (0: jump to the target; 1: never move).
	AdaptInertia float64 `yaml:"adapt_inertia" range:"0,1" doc:"share of the way to the target rate a revision does not go"`
	// FollowerValue is what a business counts a follower its messages
	// drove away (mute, annoyed unfollow, block) as losing, in
	// conversions of its own conversion value.
	FollowerValue float64 `yaml:"follower_value_conversions" range:"0,1000" doc:"value a business puts on a follower it loses, in conversions"`
	// ExitRevisions is how many revisions in a row whose expected
	// margin per message is negative (value below price plus followers
	// lost) make an adaptive business leave a channel; TrialRevisions is
	// how many revisions it then stays out before it sends one trial
	// period at its habit, after which it stays only if the trial paid.
	ExitRevisions  int `yaml:"exit_revisions" range:"1,1000" doc:"losing revisions in a row after which an adaptive business leaves a channel"`
	TrialRevisions int `yaml:"trial_revisions" range:"1,1000" doc:"revisions out of a channel before an adaptive business sends a trial period on it"`
	// MaxSendsPerWeek bounds an adaptive business's campaigns a week on
	// one channel (also bounded by the channel's own cap).
	MaxSendsPerWeek float64 `yaml:"max_sends_per_week" range:"0.1,28" doc:"most campaigns a week an adaptive business plans on one channel"`
}

// Behaviour holds the behavioural parameters of the process.
type Behaviour struct {
	// Service needs.
	ConversationsPerDay float64 `yaml:"conversations_per_day" range:"0,50" doc:"user-started business conversations per user per day"`
	KnownBusinessShare  float64 `yaml:"known_business_share" range:"0,1" doc:"share of conversations with a business the user already follows"`
	ServiceConversion   float64 `yaml:"service_conversion" range:"0,1" doc:"probability an answered conversation converts"`

	// Proactive messages.
	ReadPush   float64 `yaml:"read_push" range:"0,1" doc:"probability a pushed message is read"`
	OpenFolder float64 `yaml:"open_folder" range:"0,1" doc:"probability a folder message is opened"`
	// Attention makes a day's proactive messages compete for the user's
	// attention: a message is read (push) or opened (folder) with
	// read_push or open_folder times 1/(1 + Attention·n), where n is the
	// proactive messages (push or folder, from any business) the user has
	// already received that day. 0: no competition, every message at the
	// configured rate. models/ODD.md, 7.7 step 6.
	Attention float64 `yaml:"attention" range:"0,10" doc:"competition for attention: a message is read or opened with the configured rate times 1/(1 + attention*n), n the proactive messages the user already got that day"`
	// Click is the probability that a read marketing message of relevance
	// ClickRelevance is clicked; the probability is proportional to the
	// message's relevance (capped at 1), so more relevant content,
	// personalisation and better-matched followers give more clicks.
	Click float64 `yaml:"click" range:"0,1" doc:"probability a read marketing message of relevance click_relevance is clicked"`
	// ClickRelevance is the relevance at which Click holds: the mean
	// relevance of the marketing messages delivered in the default
	// comparison, so that there clicks per read marketing message are
	// Click.
	ClickRelevance float64 `yaml:"click_relevance" range:"0.01,1" doc:"relevance of a marketing message clicked with probability click"`
	// UtilityClick is the probability that a read utility message (an
	// order or delivery update) is clicked, whatever the business's
	// marketing relevance.
	UtilityClick     float64 `yaml:"utility_click" range:"0,1" doc:"probability a read utility message is clicked"`
	Conversion       float64 `yaml:"conversion" range:"0,1" doc:"probability a click converts"`
	UtilityRelevance float64 `yaml:"utility_relevance" range:"0,1" doc:"relevance of utility messages (for annoyance)"`

	// Annoyance.
	AnnoyPush       float64 `yaml:"annoy_push" range:"0,100" doc:"annoyance of an irrelevant pushed message"`
	AnnoyFolder     float64 `yaml:"annoy_folder" range:"0,100" doc:"annoyance of an irrelevant folder message, when opened"`
	AnnoyAd         float64 `yaml:"annoy_ad" range:"0,100" doc:"annoyance of an irrelevant Status ad"`
	AnnoyUnanswered float64 `yaml:"annoy_unanswered" range:"0,100" doc:"annoyance of an unanswered conversation"`
	AnnoyBase       float64 `yaml:"annoy_base" range:"0,1" doc:"share of the annoyance a fully relevant message still causes"`
	AnnoyHalfLife   float64 `yaml:"annoy_half_life_days" range:"0.01,3650" doc:"half-life of annoyance, days"`

	// Reactions: after an unwanted message that added annoyance x to the
	// level A the user reacts with probability
	// 1 - exp(-(ReactBase*x/tolerance + ReactRate*(A/tolerance)^ReactShape)).
	ReactRate       float64 `yaml:"react_rate" range:"0,100" doc:"scale of the reaction hazard of the annoyance built up"`
	ReactShape      float64 `yaml:"react_shape" range:"0.1,10" doc:"shape of the reaction hazard of the annoyance built up"`
	ReactBase       float64 `yaml:"react_base" range:"0,100" doc:"reaction hazard of a message's own annoyance (per unit, relative to tolerance)"`
	MuteShare       float64 `yaml:"mute_share" range:"0,1" doc:"share of reactions that mute (push off for the business)"`
	BlockShare      float64 `yaml:"block_share" range:"0,1" doc:"share of reactions that block; the rest unfollow"`
	AdOptOutRate    float64 `yaml:"ad_opt_out_rate" range:"0,100" doc:"scale of the Status-ad opt-out hazard"`
	AdOptOutShape   float64 `yaml:"ad_opt_out_shape" range:"0.1,10" doc:"shape of the Status-ad opt-out hazard"`
	AdViewDrop      float64 `yaml:"ad_view_drop" range:"0,100" doc:"drop in statuses viewed per unit of ad annoyance"`
	NaturalUnfollow float64 `yaml:"natural_unfollow" range:"0,1" doc:"daily probability a follow lapses regardless of messages"`

	// Follow growth: Bass diffusion per business (per year).
	BassP            float64 `yaml:"bass_p" range:"0,10" doc:"Bass innovation coefficient p, per year"`
	BassQ            float64 `yaml:"bass_q" range:"0,10" doc:"Bass imitation coefficient q, per year"`
	PotentialFollows float64 `yaml:"potential_follows" range:"0,1000" doc:"businesses per user in reach of discovery (sum of market potentials)"`

	// Status.
	StatusDailyShare float64 `yaml:"status_daily_share" range:"0,1" doc:"share of users opening the Updates tab a day"`

	// Entry points: conversations users start from a business's
	// click-to-chat links (wa.me, m.me), QR codes, website buttons and
	// click-to-Messenger/WhatsApp ads, besides service needs and Status-ad
	// clicks. A user's rate is EntryConversationsPerDay times the user's
	// activity relative to the mean; the business is drawn with probability
	// proportional to Size^EntrySizeElasticity.
	EntryConversationsPerDay float64 `yaml:"entry_conversations_per_day" range:"0,50" doc:"conversations a user starts a day from entry points (links, QR codes, website buttons, click-to-chat ads), on average"`
	EntrySizeElasticity      float64 `yaml:"entry_size_elasticity" range:"0,3" doc:"a business's entry-point conversations are proportional to its size to this power"`
	EntryAdShare             float64 `yaml:"entry_ad_share" range:"0,1" doc:"share of entry-point conversations from click-to-chat ads, which open the free entry window"`
}

// DefaultConfig returns the defaults documented in models/ODD.md.
func DefaultConfig() Config {
	return Config{
		Users: 20000, Businesses: 400, Days: 180, MaxFollows: 12,
		Markets: []Market{
			{Code: "IN", Share: 0.35}, {Code: "BR", Share: 0.2}, {Code: "US", Share: 0.15},
			{Code: "DE", Share: 0.1}, {Code: "UK", Share: 0.1}, {Code: "OTHER", Share: 0.1},
		},
		Categories: []Category{
			{Name: "retail", Share: 0.35, UtilityShare: 0.3},
			{Name: "travel", Share: 0.15, UtilityShare: 0.5},
			{Name: "mobility", Share: 0.1, UtilityShare: 0.6},
			{Name: "media", Share: 0.2, UtilityShare: 0.05},
			{Name: "finance", Share: 0.2, UtilityShare: 0.4},
		},
		Graph: GraphConfig{Kind: "clustered_scale_free", EdgesPerUser: 5, Triad: 0.5},
		User: UserTraits{
			ActivityMean: 0.8, ActivityConcentration: 4,
			ToleranceMedian: 3, ToleranceSigma: 0.6,
			InterestConcentration: 2,
			StatusViewsMean:       12, StatusViewsSigma: 0.8, StatusPostsMean: 1.5,
			OptInMean: 0.15, FollowsAtStart: 2,
			FollowPropensitySigma: 0.5, AdOptOutSigma: 0.5,
		},
		Business: BusinessTraits{
			SizeAlpha: 1.2, SendsPerWeekMean: 2, SendsPerWeekSigma: 0.7,
			RelevanceMean: 0.5, PersonalisedMean: 0.2,
			BudgetMonthlyMedian: 200, BudgetMonthlySigma: 1.5,
			ServiceCapacity: 1.2, ServiceCapacitySigma: 0.4, BotLevelMean: 0.4, BotCost: 0.05, AgentCost: 1.5,
			ConversionValueMean: 30, PaymentsShare: 0.2, PaymentsUplift: 1.3,
			AdvertiserShare: 0.3,
			SendPolicy:      "adaptive", ReviseDays: 30, AdaptElasticity: 1, AdaptNoise: 0.2, AdaptInertia: 0.5,
			FollowerValue: 0.5, MaxSendsPerWeek: 14, ExitRevisions: 3, TrialRevisions: 6,
		},
		Behaviour: Behaviour{
			// Calibrated (datasets/calibration/fitted.csv, rows
			// msgmon.fit.*; models/ODD.md "Calibration and validation"):
			// ConversationsPerDay, ReactRate, ReactShape, ReactBase.
			ConversationsPerDay: 0.185, KnownBusinessShare: 0.5, ServiceConversion: 0.05,
			ReadPush: 0.8, OpenFolder: 0.0339, Attention: 0.868, Click: 0.1, ClickRelevance: 0.41, UtilityClick: 0.15,
			Conversion: 0.05, UtilityRelevance: 0.9,
			AnnoyPush: 1, AnnoyFolder: 0.2, AnnoyAd: 0.3, AnnoyUnanswered: 0.5, AnnoyBase: 0.1,
			AnnoyHalfLife: 7,
			ReactRate:     0.00188, ReactShape: 3.98, ReactBase: 0.095, MuteShare: 0.5, BlockShare: 0.1,
			AdOptOutRate: 0.002, AdOptOutShape: 2, AdViewDrop: 0.05,
			NaturalUnfollow: 0.001,
			BassP:           0.03, BassQ: 0.38, PotentialFollows: 3,
			StatusDailyShare: 0.5,
			// Entry points are off by default: the calibrated
			// conversations_per_day (0.2 a user-day, Meta) already counts every
			// user-started conversation, whatever its door.
			EntryConversationsPerDay: 0, EntrySizeElasticity: 1, EntryAdShare: 0.25,
		},
	}
}

// Validate checks the relations between fields that a range cannot express.
// Field ranges are checked by CheckRanges. Errors name the field path.
func (c *Config) Validate() error {
	if err := CheckRanges(c); err != nil {
		return err
	}
	if len(c.Markets) == 0 || len(c.Markets) > MaxMarkets {
		return &FieldError{Path: "markets", Msg: fmt.Sprintf("must list 1 to %d markets, got %d", MaxMarkets, len(c.Markets))}
	}
	if err := checkShares("markets", len(c.Markets), func(i int) (string, float64) { return c.Markets[i].Code, c.Markets[i].Share }); err != nil {
		return err
	}
	if len(c.Categories) == 0 || len(c.Categories) > MaxCategories {
		return &FieldError{Path: "categories", Msg: fmt.Sprintf("must list 1 to %d categories, got %d", MaxCategories, len(c.Categories))}
	}
	if err := checkShares("categories", len(c.Categories), func(i int) (string, float64) { return c.Categories[i].Name, c.Categories[i].Share }); err != nil {
		return err
	}
	if c.Graph.Kind == "clustered_scale_free" && c.Users <= c.Graph.EdgesPerUser {
		return &FieldError{Path: "graph.edges_per_user", Msg: fmt.Sprintf("must be less than users (%d), got %d", c.Users, c.Graph.EdgesPerUser)}
	}
	if c.Behaviour.MuteShare+c.Behaviour.BlockShare > 1 {
		return &FieldError{Path: "behaviour.block_share", Msg: fmt.Sprintf("mute_share + block_share must be <= 1, got %g", c.Behaviour.MuteShare+c.Behaviour.BlockShare)}
	}
	if c.Days >= 1<<20 {
		return &FieldError{Path: "days", Msg: "too many days"}
	}
	return nil
}

func checkShares(path string, n int, at func(int) (string, float64)) error {
	sum := 0.0
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		name, share := at(i)
		if name == "" {
			return &FieldError{Path: fmt.Sprintf("%s[%d]", path, i), Msg: "needs a name"}
		}
		if seen[name] {
			return &FieldError{Path: fmt.Sprintf("%s[%d]", path, i), Msg: fmt.Sprintf("duplicate %q", name)}
		}
		seen[name] = true
		sum += share
	}
	if sum < 0.999 || sum > 1.001 {
		return &FieldError{Path: path, Msg: fmt.Sprintf("shares must add up to 1, got %g", sum)}
	}
	return nil
}

// Limits of the fixed-size per-user arrays.
const (
	MaxMarkets    = 16
	MaxCategories = 16
	MaxChannels   = 4
)

// switchable are the processes SwitchOff turns off, each by its rate.
var switchable = []struct {
	name string
	off  func(*Config)
}{
	{"status", func(c *Config) { c.Behaviour.StatusDailyShare = 0 }},
	{"conversations", func(c *Config) { c.Behaviour.ConversationsPerDay = 0 }},
	{"campaigns", func(c *Config) { c.Business.SendsPerWeekMean = 0 }},
	{"discovery", func(c *Config) { c.Behaviour.BassP, c.Behaviour.BassQ = 0, 0 }},
}

// SwitchableProcesses names the processes SwitchOff can turn off.
func SwitchableProcesses() []string {
	names := make([]string, len(switchable))
	for i, s := range switchable {
		names[i] = s.name
	}
	return names
}

// SwitchOff turns the named process off in c by setting its rate to zero:
// status (visits to the Updates tab, and the ads in them), conversations
// (the users' service needs), campaigns (the businesses' proactive
// messages) or discovery (new follows by discovery and word of mouth).
// It is for measuring what a process costs (msgmon bench --without,
// BenchmarkRun100kWithout): what the others do then is no scenario's.
func SwitchOff(c *Config, name string) error {
	for _, s := range switchable {
		if s.name == name {
			s.off(c)
			return nil
		}
	}
	return fmt.Errorf("no process %q to switch off: one of %s", name, strings.Join(SwitchableProcesses(), ", "))
}
