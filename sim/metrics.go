package sim

// Daily is one day of one run. Every field is defined in models/ODD.md
// ("Metrics"). Counts are events on the day unless named Cum (cumulative
// since day 0) or Active (state at the end of the day). Money is in Micros.
type Daily struct {
	Day int

	// Reach: users who got at least one business message (proactive, any
	// channel) or Status ad on the day, and since day 0.
	ReachMessages    int64
	ReachMessagesCum int64
	ReachAds         int64
	ReachAdsCum      int64

	// Proactive messages delivered and opened, by delivery.
	SendsPush   int64
	SendsFolder int64
	OpensPush   int64
	OpensFolder int64
	Clicks      int64
	// SendsBlocked counts messages a business meant to send that the rules
	// stopped (caps, windows, tiers, blocked markets).
	SendsBlocked int64

	// Status.
	StatusViews   int64
	AdImpressions int64
	AdClicks      int64

	// Service.
	Conversations         int64
	ConversationsAnswered int64
	Conversions           int64

	// Follows.
	FollowsGained    int64
	FollowsFromChat  int64 // opt-in after a conversation
	FollowsFromAds   int64 // opt-in after a Status-ad click
	FollowsDiscovery int64 // Bass innovation (p)
	FollowsWOM       int64 // Bass imitation (q), word of mouth
	Unfollows        int64 // all unfollows: lapsed and annoyed
	UnfollowsAnnoyed int64
	Blocks           int64 // all blocks, by followers and by contacts who did not follow
	Mutes            int64
	AdOptOuts        int64
	ActiveFollows    int64

	// Money. PlatformRevenue[s] is what the platform earned from source s;
	// BusinessSpend is what businesses paid the platform; UserSpend is what
	// users paid (channel subscriptions and purchases); BusinessRevenue is
	// what businesses earned from users; ServiceCost is what answering
	// conversations cost businesses (not platform revenue).
	PlatformRevenue [NumSources]Micros
	BusinessSpend   Micros
	UserSpend       Micros
	BusinessRevenue Micros
	ServiceCost     Micros

	// FollowsBlocked counts the blocks that ended a follow (the others
	// come from contacts who did not follow). Active follows change by
	// FollowsGained - Unfollows - FollowsBlocked a day. It is the last
	// field because it is the last column of the daily table (schema
	// version 2 added it).
	FollowsBlocked int64

	// Campaigns is the campaigns businesses planned on the day, all
	// channels (schema version 3): under the adaptive send policy it
	// follows the businesses' decisions.
	Campaigns int64
	// Entry points (schema version 3): new conversations started from a
	// click-to-chat link, QR code, website button or click-to-chat ad
	// (part of Conversations); of which from an ad (they open the free
	// entry window); and the opt-ins after an entry-point conversation
	// (part of FollowsGained, not of FollowsFromChat or FollowsFromAds).
	EntryConversations   int64
	EntryAdConversations int64
	FollowsFromEntry     int64

	// Calibration measures (schema version 4). UsersReacted counts the
	// users whose first reaction to a message (a mute, a block or an
	// annoyed unfollow, whichever came first) fell on the day: each user
	// once per run, as a survey counts respondents. StatusVisits counts
	// visits to the Updates tab (at most one per user a day).
	UsersReacted int64
	StatusVisits int64

	// Weekly reach (schema version 6): users reached by a message (by an
	// ad) for the first time in the run's week (days 7w to 7w+6) on the
	// day, so that a week's sum is the distinct users reached in it.
	ReachMessagesWeek int64
	ReachAdsWeek      int64
}

// Add adds x's counts and money to d (the Day is left alone).
func (dst *Daily) Add(x *Daily) {
	dst.ReachMessages += x.ReachMessages
	dst.ReachMessagesCum += x.ReachMessagesCum
	dst.ReachAds += x.ReachAds
	dst.ReachAdsCum += x.ReachAdsCum
	dst.SendsPush += x.SendsPush
	dst.SendsFolder += x.SendsFolder
	dst.OpensPush += x.OpensPush
	dst.OpensFolder += x.OpensFolder
	dst.Clicks += x.Clicks
	dst.SendsBlocked += x.SendsBlocked
	dst.StatusViews += x.StatusViews
	dst.AdImpressions += x.AdImpressions
	dst.AdClicks += x.AdClicks
	dst.Conversations += x.Conversations
	dst.ConversationsAnswered += x.ConversationsAnswered
	dst.Conversions += x.Conversions
	dst.FollowsGained += x.FollowsGained
	dst.FollowsFromChat += x.FollowsFromChat
	dst.FollowsFromAds += x.FollowsFromAds
	dst.FollowsDiscovery += x.FollowsDiscovery
	dst.FollowsWOM += x.FollowsWOM
	dst.Unfollows += x.Unfollows
	dst.UnfollowsAnnoyed += x.UnfollowsAnnoyed
	dst.Blocks += x.Blocks
	dst.Mutes += x.Mutes
	dst.AdOptOuts += x.AdOptOuts
	dst.ActiveFollows += x.ActiveFollows
	for i := range dst.PlatformRevenue {
		dst.PlatformRevenue[i] += x.PlatformRevenue[i]
	}
	dst.BusinessSpend += x.BusinessSpend
	dst.UserSpend += x.UserSpend
	dst.BusinessRevenue += x.BusinessRevenue
	dst.ServiceCost += x.ServiceCost
	dst.FollowsBlocked += x.FollowsBlocked
	dst.Campaigns += x.Campaigns
	dst.EntryConversations += x.EntryConversations
	dst.EntryAdConversations += x.EntryAdConversations
	dst.FollowsFromEntry += x.FollowsFromEntry
	dst.UsersReacted += x.UsersReacted
	dst.StatusVisits += x.StatusVisits
	dst.ReachMessagesWeek += x.ReachMessagesWeek
	dst.ReachAdsWeek += x.ReachAdsWeek
}

// PlatformTotal is the platform's revenue from all sources.
func (d *Daily) PlatformTotal() Micros {
	var t Micros
	for _, v := range d.PlatformRevenue {
		t += v
	}
	return t
}

// BusinessSummary is one business over one run.
type BusinessSummary struct {
	Business       int
	Category       string
	Size           float64
	Channel        string // the proactive channels it used, joined by "+" in the arm's order ("" for none)
	Advertiser     bool
	FollowersStart int64
	FollowersEnd   int64
	Sends          int64
	Opens          int64
	Clicks         int64
	Conversations  int64
	Conversions    int64
	FollowsGained  int64
	Unfollows      int64
	Blocks         int64
	Mutes          int64
	AdImpressions  int64
	Spend          Micros // paid to the platform, all sources
	SpendBySource  [NumSources]Micros
	Revenue        Micros // earned from users
	ServiceCost    Micros
	// Quality rating path (only for channels with a quality rating).
	DaysGreen, DaysYellow, DaysRed int
	FinalTier, MinTier, MaxTier    int
	// FollowsBlocked: blocks by followers, which ended a follow (last:
	// schema version 2 added the column).
	FollowsBlocked int64
}

// ChannelSummary is what one business did on one channel it used over one
// run: its messages and what they caused. Conversions and Revenue are those
// of clicks on the channel's messages; Mutes, UnfollowsAnnoyed and Blocks
// the reactions its messages caused; Spend what it paid for them at the
// channel's price (for per-conversation pricing, before a monthly free
// allowance, which is settled on the business's total). The send
// rates are campaigns a week at the start and the end of the run (they
// differ under the adaptive send policy).
type ChannelSummary struct {
	Business          int
	Channel           string
	Sends             int64
	Opens             int64
	Clicks            int64
	Conversions       int64
	Revenue           Micros
	Spend             Micros
	Mutes             int64
	UnfollowsAnnoyed  int64
	Blocks            int64
	SendsPerWeekStart float64
	SendsPerWeekEnd   float64
	// Under the adaptive policy: the times the business left the channel
	// (exit_revisions losing revisions in a row), the trial periods it
	// sent after, and where it stood at the end: "send", "trial" or
	// "out" ("send" under the fixed policy).
	Exits, Trials int64
	StateEnd      string
}

// SegmentSummary is one user segment over one run: the users of a market
// in a tolerance band (ToleranceBands: the terciles of the tolerance
// distribution). Counts are events over the run; money is in Micros.
type SegmentSummary struct {
	Market           string
	ToleranceBand    string
	Users            int64
	FollowsStart     int64 // active follows at the start of day 0
	FollowsEnd       int64 // active follows at the end of the run
	FollowsGained    int64
	Unfollows        int64 // lapsed and annoyed
	UnfollowsAnnoyed int64
	Blocks           int64
	Mutes            int64
	MessagesReceived int64 // proactive messages delivered, push or folder
	PushesReceived   int64
	AdImpressions    int64
	AdOptOuts        int64
	Conversions      int64
	Purchases        Micros // what the segment's users paid for conversions
	// FollowsBlocked: blocks by followers, which ended a follow (last:
	// schema version 2 added the column).
	FollowsBlocked int64
	// What businesses were charged for the segment's users (schema
	// version 6): MessageCharges for proactive messages at the channel's
	// price for the user's market (a per-conversation price when the
	// message opened a conversation, before a monthly free allowance,
	// which is settled on the business's total); AdCharges for Status
	// ad impressions.
	MessageCharges Micros
	AdCharges      Micros
}

// ToleranceBands name the terciles of users' tolerance to messages.
var ToleranceBands = [3]string{"low", "mid", "high"}

// Result is what one run produces.
type Result struct {
	Daily      []Daily
	Businesses []BusinessSummary
	// Channels has a row for each channel each business used, in
	// business order, then the arm's channel order.
	Channels []ChannelSummary
	Segments []SegmentSummary // market-major, then tolerance band
}
