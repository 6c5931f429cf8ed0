package models

import (
	"fmt"
	"math"

	"github.com/msgmon/msgmon/sim"
)

// Subscription: users follow a business, which may send each follower at
// most N messages a period, into a folder (WeChat subscription accounts: 1
// a day, not pushed) or as pushes (WeChat service accounts: 4 a month from
// each account), and may be limited to M mass sends a period however many
// followers each reaches (WeChat service accounts: 4 a month per account).
// The business may pay a monthly fee per follower;
// users may pay a monthly channel subscription of which the platform keeps
// a share (WhatsApp channel subscriptions, 2025).
type Subscription struct{ P SubscriptionParams }

// SubscriptionParams are the scenario keys under models.subscription.
type SubscriptionParams struct {
	MessagesPerPeriod int `yaml:"messages_per_period" range:"1,250" doc:"messages a business may send each follower per period"`
	PeriodDays        int `yaml:"period_days" range:"1,365" doc:"length of the period, days"`
	// UserCapPerPeriod caps what a user receives from all businesses
	// together. WeChat's service accounts have no such cap: a follower
	// gets at most 4 a month from each account, which is
	// messages_per_period (a cap per business and user).
	UserCapPerPeriod int `yaml:"user_cap_per_period" range:"0,250" doc:"messages a user receives per period from all businesses together (0: no cap); a cap per business and user is messages_per_period"`
	// SendsPerPeriod limits the mass sends (campaigns, each to all the
	// business's followers) one business may make per period, however
	// many followers each reaches (WeChat service accounts: 4 a month per
	// account). Campaigns beyond it are skipped, not deferred.
	SendsPerPeriod int    `yaml:"sends_per_period" range:"0,250" doc:"mass sends (campaigns to all followers) a business may make per period (0: no limit); campaigns beyond it are skipped"`
	Delivery       string `yaml:"delivery" enum:"folder,push" doc:"folder (pull) or push"`
	// PricePerMessage: USD per delivered message, by market (0: free).
	PricePerMessage Prices `yaml:"price_per_message" range:"0,100" doc:"USD per delivered message, by market"`
	// FeePerFollower: USD a month a business pays per follower.
	FeePerFollower float64 `yaml:"fee_per_follower_monthly" range:"0,100" doc:"USD per follower per month, paid by the business"`
	// Channel subscriptions paid by users.
	UserFeeMonthly float64 `yaml:"user_fee_monthly" range:"0,1000" doc:"USD a month a paying follower pays"`
	PayingShare    float64 `yaml:"paying_share" range:"0,1" doc:"share of followers who pay the user fee"`
	PlatformShare  float64 `yaml:"platform_share" range:"0,1" doc:"platform's share of user fees"`
	Adoption       float64 `yaml:"adoption" range:"0,1" doc:"share of businesses using subscriptions"`
}

const subscriptionChannel = "subscription"

func init() {
	sim.Register(sim.Factory{
		Name:    "subscription",
		Summary: "users follow; businesses send at most N messages a period into a folder or as push; fees per follower or user subscriptions",
		NewParams: func() any {
			return &SubscriptionParams{MessagesPerPeriod: 1, PeriodDays: 1, Delivery: "folder",
				PricePerMessage: Prices{"default": 0}, FeePerFollower: 0.002, PlatformShare: 0.1, Adoption: 1}
		},
		New: func(p any) (sim.Model, error) {
			sp := *p.(*SubscriptionParams)
			if sp.UserFeeMonthly > 0 && sp.PayingShare == 0 {
				return nil, &sim.FieldError{Path: "models.subscription.paying_share", Msg: "must be > 0 when user_fee_monthly is set"}
			}
			return &Subscription{P: sp}, nil
		},
	})
}

func (m *Subscription) Name() string { return "subscription" }

func (m *Subscription) Apply(p *sim.Platform) error {
	price, err := perMarket(p, m.P.PricePerMessage, nil, "models.subscription.price_per_message")
	if err != nil {
		return err
	}
	ch := sim.Channel{
		Name: subscriptionChannel, Source: sim.SourceSubscriptions, Delivery: sim.Folder, Audience: sim.Followers,
		CapPerPeriod: m.P.MessagesPerPeriod, PeriodDays: m.P.PeriodDays, UserCapPerPeriod: m.P.UserCapPerPeriod,
		SendsPerPeriod: m.P.SendsPerPeriod,
		Adoption:       m.P.Adoption,
	}
	if m.P.Delivery == "push" {
		ch.Delivery = sim.Push
	}
	for i := range p.Markets {
		ch.Price[i][sim.Marketing] = price[i]
		ch.Price[i][sim.Utility] = price[i]
	}
	if err := p.AddChannel(ch); err != nil {
		return fmt.Errorf("models.subscription: %w", err)
	}
	if m.P.FeePerFollower > 0 || m.P.UserFeeMonthly > 0 {
		p.Billers = append(p.Billers, &subscriptionBiller{p: m.P})
	}
	return nil
}

// subscriptionBiller charges the monthly fees on the last day of each
// 30-day month, on the followers of subscription businesses that day.
type subscriptionBiller struct{ p SubscriptionParams }

func (s *subscriptionBiller) Bill(l sim.Ledger) {
	if l.Day()%30 != 29 {
		return
	}
	for b := 0; b < l.Businesses(); b++ {
		if !l.Uses(b, subscriptionChannel) {
			continue
		}
		f := float64(l.Followers(b))
		if s.p.FeePerFollower > 0 {
			l.ChargeBusiness(b, sim.USD(s.p.FeePerFollower*f), sim.SourceSubscriptions)
		}
		if s.p.UserFeeMonthly > 0 {
			paying := float64(payingFollowers(f*s.p.PayingShare, l.Rand(b)))
			amount := sim.USD(s.p.UserFeeMonthly * paying)
			l.ChargeUsers(b, amount, sim.USD(s.p.UserFeeMonthly*paying*s.p.PlatformShare), sim.SourceSubscriptions)
		}
	}
}

// payingFollowers turns the expected number of paying followers x (followers
// × paying_share) into a whole number whose expectation is x: ⌊x⌋, plus one
// with probability x − ⌊x⌋. Rounding down instead billed no one at a
// business with fewer than 1/paying_share followers, and billed every
// business short by its fractional part: small populations, whose
// businesses have few followers, were billed furthest short. Of the integer rules with the right expectation this one varies
// least (variance (x−⌊x⌋)(1−x+⌊x⌋) ≤ 1/4 per business and month); the
// engine keeps no state of who pays, so drawing each follower's payment
// would add noise and no mechanism.
func payingFollowers(x float64, s sim.Stream) int64 {
	n := math.Floor(x)
	if s.Float64() < x-n {
		n++
	}
	return int64(n)
}
