package sim

import (
	"math"
	"unsafe"
)

// noHour marks "never" in hour fields.
const noHour int32 = math.MinInt32 / 2

// Slot flags.
const (
	fFollowing uint8 = 1 << iota // opted in
	fWrote                       // the user has written to the business
	fMuted                       // push turned off for this business
	fBlocked                     // the user blocked the business
)

// slot is one relationship of a user with a business: a follow, a contact
// (the user wrote), or a block. Slots live in one flat array, K per user
// (a row), and a slot keeps all its fields together (24 bytes): the daily
// scan reads a user's row, which runner.parallelBlocks prefetches a few
// users ahead, and the campaigns and conversations that follow find the
// rest of the slot already in cache. (Kept apart, the fields only messages
// read cost a cache miss per delivered message: about 5 % of a run at
// 100k users.)
type slot struct {
	biz      int32
	lastUser int32  // hour of the user's last message to the business (noHour: never)
	expire   uint16 // day the follow lapses by itself (noDay: not in this run, or not a follow)
	flags    uint8
	winMsgs  uint8 // business messages in the current service window

	freeUntil int32 // end hour of a free entry point (after an ad click)
	lastSend  int32 // hour of the business's last proactive message
	// periods packs three counters of a slot's rules into 32 bits, since
	// days fit in 12 (a run has at most 3,650): 1 + the day the user last
	// counted against the business's tier (0: never; bits 0-11), the
	// period of the channel's cap per business and user (bits 12-23), and
	// the messages delivered in it (bits 24-31; the cap is at most 255).
	periods uint32
}

const (
	tierDayBits  = 0xfff
	periodShift  = 12
	periodBits   = 0xfff << periodShift
	sentShift    = 24
	maxSlotDays  = tierDayBits - 1 // the last day the packed counters can hold
	slotSentUnit = 1 << sentShift
)

// tierDayIs reports whether the user counted against the business's tier on
// day d.
func (s *slot) tierDayIs(d int) bool { return s.periods&tierDayBits == uint32(d+1) }

func (s *slot) setTierDay(d int) { s.periods = s.periods&^tierDayBits | uint32(d+1) }

// periodSent returns the messages delivered in period pi of the channel's
// cap per business and user, starting the period's count when pi is a new
// one.
func (s *slot) periodSent(pi int) int {
	if p := uint32(pi) << periodShift; s.periods&periodBits != p {
		s.periods = s.periods&tierDayBits | p
	}
	return int(s.periods >> sentShift)
}

// freshSlot is a slot of business b with no history.
func freshSlot(b int32) slot {
	return slot{biz: b, lastUser: noHour, expire: noDay, freeUntil: noHour, lastSend: noHour}
}

// userState is what the day loop reads of a user every day, and what most
// of the user's events update, in one record: a user-day starts with one
// cache line instead of a line from each of several arrays.
type userState struct {
	nextConv   float64 // hour of u's next service need (a Poisson process)
	nextEntry  float64 // hour of u's next entry-point conversation (+Inf: none)
	statusP    float64 // probability of a visit to the Updates tab a day
	convRate   float32 // service needs a day
	annoy      float32 // annoyance from messages,
	annoyT     float32 // and the time (days) of its last update
	nextDisc   int16   // day of u's next discovery event (graph mode; at most maxDay)
	lastChange int16   // last day u's follows changed (for the snapshot; -1: none)
	nslots     uint8   // slots in use
	flags      uint8   // uReachedMsg, uReachedAd, uAdOptOut, uReacted
	// nextLapse is at or before the first day one of u's follows lapses
	// by itself (noDay: none): the day loop looks for lapses only from
	// then, and a follow that ends otherwise leaves it early, not late.
	nextLapse uint16
	// weekMsg and weekAd are 1 + the last week (day/7) u was reached by a
	// message and by an ad (0: never), for the weekly reach.
	weekMsg, weekAd uint16
}

// viewer is what a visit to the Updates tab reads and writes of a user,
// in one record: a visit touches one cache line instead of six arrays
// among the many the day loop walks through.
type viewer struct {
	viewsP0, supplyP0 float64 // exp(-views), exp(-supply): P(0) of each
	views             float32 // statuses u wants to see in a visit (mean)
	supply            float32 // statuses u's contacts post a day (mean)
	adAnnoy, adT      float32 // annoyance from ads and when it was last updated (day)
}

// noDay is a day after the last day of any run (days are at most 3650).
const noDay = math.MaxUint16

// expireDay stores the day a follow lapses, which may be Never.
func expireDay(d int32) uint16 {
	if d >= noDay {
		return noDay
	}
	return uint16(d)
}

const slotBytes = 24

// AuditKind is the kind of an audited event.
type AuditKind uint8

const (
	AuditDeliver AuditKind = iota
	AuditFollow
	AuditUnfollow
	AuditBlock
	AuditMute
	AuditConversation
	AuditAdImpression
	AuditAdOptOut
	// AuditWrite is every message a user writes to a business (a need, a
	// click on an ad or a message); it opens or extends the service
	// window, unless the user's row has no room for the business (then
	// there is no window, and every write is a new conversation). One that
	// starts a new conversation is followed at once by an
	// AuditConversation of the same pair.
	AuditWrite
	// AuditReply is the business's answer to a new conversation: one
	// business message in the window the conversation opened (it counts
	// against the messages a window allows).
	AuditReply
	// AuditRefused is a message the channel's rules refused (campaign asked
	// allowed, which said no); Channel, InWindow and Category are set.
	// Refusals for the tier quota and the window-only channel's campaigns
	// the day loop never queued (they count in SendsBlocked) are not
	// audited.
	AuditRefused
	// AuditCampaign is a campaign (a mass send) a business planned for
	// the day: Business, Channel, Hour and Category are set, User is -1.
	// A campaign skipped for the channel's limit of sends per business and
	// period (Channel.SendsPerPeriod) is not planned, so not audited. The
	// day's campaigns come first among its events, in business order.
	AuditCampaign
)

// AuditEvent is one event of a run, reported to RunSpec.Audit so tests can
// check the rules against everything that happened.
type AuditEvent struct {
	Day      int32
	Hour     int32 // hour of the day, 0..23
	User     int32
	Business int32
	Kind     AuditKind
	Channel  int8 // channel index for deliveries, -1 otherwise
	InWindow bool // delivery inside the service window
	Category MsgCategory
	Push     bool // delivered as a push (not folder, not muted)
	Annoyed  bool // for unfollows: a reaction, not a lapse
	// FromAd, for writes: the user came from a click on a Status ad (a
	// free entry point). NoRoom, for writes: the user's row had no room
	// for the business, so the write has no window (a new conversation).
	FromAd, NoRoom bool
	// Limit is, for deliveries outside the window on a tiered channel, the
	// business's limit of unique users that day; -1 otherwise.
	Limit int32
}

type eventKind uint8

const (
	evConversation eventKind = iota
	evStatus
	evCampaign
)

// event is one event of a user's day packed into a sort key: hour (5 bits,
// 0-23), kind (2), slot (7), campaign (3), business (32), then a campaign's
// channel (3) and message category (1). Sorting the keys orders events by
// hour, then kind, slot, campaign and business: a fixed order. The channel
// and category follow from the business and campaign, so they order
// nothing; they ride along so that delivering a campaign's message reads
// them from the event instead of from a table of the day's campaigns.
type event uint64

const (
	evHourShift = 59
	evKindShift = 57
	evSlotShift = 50
	evCampShift = 47
	evBizShift  = 15
	evChanShift = 1
)

// The channel and category fit their 3 and 1 bits.
var (
	_ = [1]struct{}{}[MaxChannels/9]
	_ = [1]struct{}{}[NumMsgCategories/3]
)

func packEvent(hour int32, kind eventKind, slot, campaign int, biz int32) event {
	return event(uint64(hour)<<evHourShift | uint64(kind)<<evKindShift | uint64(slot)<<evSlotShift |
		uint64(campaign)<<evCampShift | uint64(uint32(biz))<<evBizShift)
}

// withCampaign is e with the channel and category of its campaign.
func (e event) withCampaign(ch int, cat MsgCategory) event {
	return e | event(ch)<<evChanShift | event(cat)
}

func (e event) hour() int32 { return int32(e >> evHourShift) }

// inSlot is e, an event of slot 0, as an event of slot j.
func (e event) inSlot(j int) event    { return e | event(j)<<evSlotShift }
func (e event) kind() eventKind       { return eventKind(e>>evKindShift) & 3 }
func (e event) slot() int             { return int(e>>evSlotShift) & 127 }
func (e event) campaign() int         { return int(e>>evCampShift) & 7 }
func (e event) biz() int32            { return int32(uint32(e >> evBizShift)) }
func (e event) channel() int          { return int(e>>evChanShift) & 7 }
func (e event) category() MsgCategory { return MsgCategory(e & 1) }

func sortEvents(ev []event) {
	for i := 1; i < len(ev); i++ {
		x := ev[i]
		j := i - 1
		for j >= 0 && x < ev[j] {
			ev[j+1] = ev[j]
			j--
		}
		ev[j+1] = x
	}
}

// bizAcc collects one business's counts in one worker for one day. All
// fields are integers, so the sum over workers does not depend on which
// worker handled which block. Counts bounded by a small multiple of the
// users are int32: messages (at most maxCampaigns to a user a day), their
// opens and clicks, follow changes and unique users. Impressions (a visit
// may show hundreds of ads), conversations (every ad click may start one)
// and their conversions are int64, as is money: at 50 M users these
// reach 2^31 in a day. The narrower counts keep a worker's accumulators
// for 10,000 businesses at 128 bytes each, 1.3 MB instead of 1.7 MB.
type bizAcc struct {
	sends, opens, clicks                     int32
	follows, unfollows, blocks, mutes        int32
	uniqueOutside, followDelta, qualitySends int32
	qualityBlocks                            int32 // blocks after a message on the rated channel
	followsBlocked                           int32
	impressions, conversations, conversions  int64
	spend                                    [NumSources]Micros
	revenue, serviceCost                     Micros
}

// A slot is 24 bytes: 12 slots a user are 288.
var _ = [1]struct{}{}[unsafe.Sizeof(slot{})-slotBytes]

// maxDay stands for a day after any run's last (a run has at most 3,650);
// dayOf stores a day in 16 bits, those past maxDay as maxDay.
const maxDay = math.MaxInt16

func dayOf(d int32) int16 { return int16(min(d, maxDay)) }

// userState is 48 bytes.
var _ = [1]struct{}{}[unsafe.Sizeof(userState{})-48]
