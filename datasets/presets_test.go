package datasets_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// presets are the embedded scenarios that model a platform; default is the
// workbench's own starting point, whose numbers are sim.DefaultConfig and
// the models' defaults (sourced in models/ODD.md), not a preset.
func presets(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, n := range datasets.EmbeddedNames() {
		if n != "default" {
			names = append(names, n)
		}
	}
	want := []string{"broadcast-lists", "hybrid-2026", "messenger-service-contacts", "wechat-service",
		"wechat-subscription", "whatsapp-business-2018", "whatsapp-business-2025", "whatsapp-status-ads"}
	if !slices.Equal(names, want) {
		t.Fatalf("presets %v, want %v", names, want)
	}
	return names
}

// structural are the keys whose numbers size and seed a run rather than
// describe a platform: they need no calibration row. Market and category
// shares would be structure too, but no preset sets them (they keep the
// default scenario's).
var structural = map[string]bool{
	"name": true, "description": true, "seed": true, "replicates": true, "users": true,
	"businesses": true, "days": true, "max_follows": true, "graph.edges_per_user": true,
}

// TestPresetNumbersAreCalibrated: every number in a preset file is either a
// !cal tag naming a row of the calibration tables or a structural key, so
// every number can be traced to a row and its source.
func TestPresetNumbersAreCalibrated(t *testing.T) {
	cal, err := datasets.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range presets(t) {
		data, err := datasets.EmbeddedYAML(name)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		tagged := 0
		var walk func(n *yaml.Node, path string)
		walk = func(n *yaml.Node, path string) {
			switch n.Kind {
			case yaml.DocumentNode:
				for _, c := range n.Content {
					walk(c, path)
				}
			case yaml.SequenceNode:
				for i, c := range n.Content {
					walk(c, fmt.Sprintf("%s[%d]", path, i))
				}
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					p := n.Content[i].Value
					if path != "" {
						p = path + "." + p
					}
					walk(n.Content[i+1], p)
				}
			case yaml.AliasNode:
				t.Errorf("%s:%d: %s: aliases make numbers hard to trace; write !cal <id>", name, n.Line, path)
			case yaml.ScalarNode:
				switch tag := n.ShortTag(); {
				case tag == datasets.CalTag:
					tagged++
					if _, ok := cal.Lookup(n.Value); !ok {
						t.Errorf("%s:%d: %s: unknown calibration id %q", name, n.Line, path, n.Value)
					}
				case (tag == "!!int" || tag == "!!float") && !structural[path]:
					t.Errorf("%s:%d: %s: number %s without a calibration row; write !cal <id>", name, n.Line, path, n.Value)
				}
			}
		}
		walk(&doc, "")
		if tagged == 0 {
			t.Errorf("%s: no !cal number at all", name)
		}
	}
}

// run is one arm of a preset, run with an audit trail.
type run struct {
	arm    string
	pop    *sim.Population
	plat   *sim.Platform
	res    *sim.Result
	events []sim.AuditEvent
}

func (r *run) channel(e sim.AuditEvent) string {
	if e.Channel < 0 {
		return ""
	}
	return r.plat.Channels[e.Channel].Name
}

func (r *run) revenue(src sim.Source) sim.Micros {
	var v sim.Micros
	for _, d := range r.res.Daily {
		v += d.PlatformRevenue[src]
	}
	return v
}

// runPreset loads a preset, shrinks it and runs each of its arms once on
// the same population and seed.
func runPreset(t *testing.T, name string) []*run {
	t.Helper()
	sc, err := datasets.Embedded(name)
	if err != nil {
		t.Fatal(err)
	}
	sc.Users, sc.Businesses, sc.Days, sc.Replicates = 2500, 60, 60, 1
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	spec, err := sc.Spec()
	if err != nil {
		t.Fatal(err)
	}
	popSeed, runSeed := experiment.SeedOf(spec.Seed, 0)
	pop, err := sim.NewPopulation(&spec.Config, popSeed)
	if err != nil {
		t.Fatal(err)
	}
	var runs []*run
	for _, a := range spec.Arms {
		plat, err := sim.NewPlatform(&spec.Config, a.Models...)
		if err != nil {
			t.Fatal(err)
		}
		r := &run{arm: a.Name, pop: pop, plat: plat}
		r.res, err = sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: runSeed,
			Audit: func(e []sim.AuditEvent) { r.events = append(r.events, e...) }})
		if err != nil {
			t.Fatal(err)
		}
		checkMoney(t, r)
		runs = append(runs, r)
	}
	return runs
}

// checkMoney: what the platform earns is what businesses and users paid,
// less what businesses earned from users.
func checkMoney(t *testing.T, r *run) {
	t.Helper()
	var platform, spend, user, bizRev sim.Micros
	for _, d := range r.res.Daily {
		platform += d.PlatformTotal()
		spend += d.BusinessSpend
		user += d.UserSpend
		bizRev += d.BusinessRevenue
	}
	if platform != spend+user-bizRev {
		t.Errorf("arm %s: platform revenue %d µUSD != business spend %d + user spend %d - business revenue %d",
			r.arm, platform, spend, user, bizRev)
	}
	if user == 0 {
		t.Errorf("arm %s: no user spend at all: money conservation checked nothing", r.arm)
	}
}

// arm returns the run of the named arm.
func arm(t *testing.T, runs []*run, name string) *run {
	t.Helper()
	for _, r := range runs {
		if r.arm == name {
			return r
		}
	}
	t.Fatalf("no arm %s", name)
	return nil
}

// saw fails the test when a rule check examined nothing.
func saw(t *testing.T, what string, n int) {
	t.Helper()
	if n == 0 {
		t.Errorf("%s: the check saw no event", what)
	}
}

type pair struct{ u, b int32 }

func TestPresetWeChatService(t *testing.T) {
	runs := runPreset(t, "wechat-service")
	type um struct{ u, month int32 }
	type win struct {
		p     pair
		start int32 // hour the window opened
	}
	broadcasts, inWindow := 0, 0
	for _, r := range runs {
		perMonth := map[um]int{}
		lastUser := map[pair]int32{} // hour of the user's last message
		opened := map[pair]int32{}   // hour the current window opened
		perWindow := map[win]int{}
		for _, e := range r.events {
			now := e.Day*24 + e.Hour
			p := pair{e.User, e.Business}
			switch e.Kind {
			case sim.AuditConversation:
				// A conversation event is a new window (48 h after the last).
				opened[p] = now
				lastUser[p] = now
			case sim.AuditDeliver:
				if r.channel(e) == "subscription" {
					broadcasts++
					k := um{e.User, e.Day / 30}
					perMonth[k]++
					if perMonth[k] > 4 {
						t.Fatalf("arm %s: user %d got %d broadcasts in month %d", r.arm, e.User, perMonth[k], k.month)
					}
				}
				if e.InWindow {
					inWindow++
					w := win{p, opened[p]}
					perWindow[w]++
					if perWindow[w] > 5 {
						t.Fatalf("arm %s: %d business messages in one 48 h window of user %d with business %d", r.arm, perWindow[w], e.User, e.Business)
					}
				}
			}
		}
	}
	saw(t, "broadcasts a month", broadcasts)
	saw(t, "messages in a window", inWindow)
}

func TestPresetWeChatSubscription(t *testing.T) {
	runs := runPreset(t, "wechat-subscription")
	folder := 0
	for _, r := range runs {
		for _, d := range r.res.Daily {
			if d.SendsPush != 0 {
				t.Fatalf("arm %s day %d: %d pushes", r.arm, d.Day, d.SendsPush)
			}
		}
		type pd struct {
			p   pair
			day int32
		}
		perDay := map[pd]int{}
		for _, e := range r.events {
			if e.Kind != sim.AuditDeliver {
				continue
			}
			folder++
			if e.Push {
				t.Fatalf("arm %s day %d: a pushed message", r.arm, e.Day)
			}
			k := pd{pair{e.User, e.Business}, e.Day}
			perDay[k]++
			if perDay[k] > 1 {
				t.Fatalf("arm %s day %d: business %d sent user %d %d messages", r.arm, e.Day, e.Business, e.User, perDay[k])
			}
		}
	}
	saw(t, "folder messages", folder)
}

func TestPresetMessengerServiceContacts(t *testing.T) {
	runs := runPreset(t, "messenger-service-contacts")
	outside := 0
	for _, r := range runs {
		// Initial follows never wrote: they must get nothing.
		wrote := map[pair]bool{}
		for _, e := range r.events {
			p := pair{e.User, e.Business}
			switch e.Kind {
			case sim.AuditConversation:
				wrote[p] = true
			case sim.AuditDeliver:
				if !wrote[p] {
					t.Fatalf("arm %s day %d: business %d wrote to user %d, who never wrote to it", r.arm, e.Day, e.Business, e.User)
				}
				if !e.InWindow {
					outside++
				}
			}
		}
	}
	saw(t, "messages outside the window to service contacts", outside)
	checkEntryPoints(t, arm(t, runs, "service_contacts"), 168)
}

// checkEntryPoints: the seed presets (000, 002) let users start
// conversations from entry points, some from click-to-chat ads, whose free
// window is the platform's (hours).
func checkEntryPoints(t *testing.T, r *run, hours float64) {
	t.Helper()
	var tot sim.Daily
	for i := range r.res.Daily {
		tot.Add(&r.res.Daily[i])
	}
	if tot.EntryConversations == 0 || tot.EntryAdConversations == 0 || tot.EntryAdConversations >= tot.EntryConversations {
		t.Errorf("arm %s: %d entry-point conversations, %d from ads; want some of each", r.arm, tot.EntryConversations, tot.EntryAdConversations)
	}
	if got := r.plat.Service.FreeEntryHours; got != hours {
		t.Errorf("arm %s: free entry window %g h, want %g h", r.arm, got, hours)
	}
}

func TestPresetWhatsAppBusiness2025(t *testing.T) {
	runs := runPreset(t, "whatsapp-business-2025")
	var marketing, tiered, freeUtil, capped int
	for _, r := range runs {
		us := r.plat.MarketIndex("US")
		if us < 0 {
			t.Fatal("no US market")
		}
		type bd struct{ b, day int32 }
		type ud struct{ u, day int32 }
		unique := map[bd]map[int32]bool{}
		perUser := map[ud]int{}
		var want sim.Micros // rate card over the priced deliveries
		for _, e := range r.events {
			if e.Kind != sim.AuditDeliver || r.channel(e) != "paid_push" {
				continue
			}
			mk := int(r.pop.Market[e.User])
			if e.Category == sim.Marketing {
				marketing++
				if mk == us {
					t.Fatalf("arm %s day %d: marketing message delivered to a US number", r.arm, e.Day)
				}
				k := ud{e.User, e.Day}
				perUser[k]++
				capped++
				if perUser[k] > 2 {
					t.Fatalf("arm %s day %d: user %d got %d marketing messages", r.arm, e.Day, e.User, perUser[k])
				}
			}
			if !e.InWindow {
				tiered++
				if e.Limit < 0 {
					t.Fatalf("arm %s day %d: delivery outside the window without a tier limit", r.arm, e.Day)
				}
				k := bd{e.Business, e.Day}
				if unique[k] == nil {
					unique[k] = map[int32]bool{}
				}
				unique[k][e.User] = true
				if len(unique[k]) > int(e.Limit) {
					t.Fatalf("arm %s day %d: business %d reached %d unique users outside the window, limit %d", r.arm, e.Day, e.Business, len(unique[k]), e.Limit)
				}
			}
			if e.InWindow && e.Category == sim.Utility {
				freeUtil++
				continue
			}
			want += r.plat.Channels[e.Channel].Price[mk][e.Category]
		}
		got := r.revenue(sim.SourceMessages)
		switch r.arm {
		case "paid_push":
			// No ads, so no free entry point: every priced delivery pays the rate card.
			if got != want {
				t.Errorf("arm %s: message revenue %d µUSD, rate card gives %d", r.arm, got, want)
			}
		case "paid_push_ads":
			// Deliveries inside a free entry point pay nothing.
			if got > want || got == 0 {
				t.Errorf("arm %s: message revenue %d µUSD, want in (0, %d]", r.arm, got, want)
			}
		}
		if s := r.revenue(sim.SourceService); s != 0 {
			t.Errorf("arm %s: service replies earned %d µUSD, want free", r.arm, s)
		}
	}
	saw(t, "marketing messages", marketing)
	saw(t, "deliveries outside the window (tiers)", tiered)
	saw(t, "utility messages inside the window", freeUtil)
	saw(t, "per-user marketing cap", capped)
}

func TestPresetWhatsAppBusiness2018(t *testing.T) {
	runs := runPreset(t, "whatsapp-business-2018")
	delivered := 0
	for _, r := range runs {
		following := initialFollows(r)
		for _, e := range r.events {
			p := pair{e.User, e.Business}
			switch e.Kind {
			case sim.AuditFollow:
				following[p] = true
			case sim.AuditUnfollow, sim.AuditBlock:
				following[p] = false
			case sim.AuditDeliver:
				delivered++
				if !following[p] {
					t.Fatalf("arm %s day %d: real-time message to user %d, who did not opt in to business %d", r.arm, e.Day, e.User, e.Business)
				}
			}
		}
		if s := r.revenue(sim.SourceService); s != 0 {
			t.Errorf("arm %s: chat earned %d µUSD, want free", r.arm, s)
		}
	}
	if arm(t, runs, "real_time_messages").revenue(sim.SourceMessages) == 0 {
		t.Error("real-time messages earned nothing")
	}
	saw(t, "real-time messages", delivered)
	checkEntryPoints(t, arm(t, runs, "service"), 72)
}

// initialFollows returns the follows of day 0.
func initialFollows(r *run) map[pair]bool {
	m := map[pair]bool{}
	k := r.pop.K
	for u := 0; u < r.pop.N; u++ {
		for _, b := range r.pop.InitialFollows[u*k : (u+1)*k] {
			if b >= 0 {
				m[pair{int32(u), b}] = true
			}
		}
	}
	return m
}

func TestPresetWhatsAppStatusAds(t *testing.T) {
	runs := runPreset(t, "whatsapp-status-ads")
	r := arm(t, runs, "status_ads")
	capPerDay := r.plat.Ads.FreqCapPerDay
	if capPerDay <= 0 {
		t.Fatalf("no frequency cap")
	}
	type ud struct{ u, day int32 }
	perDay := map[ud]int{}
	optedOut := map[int32]bool{}
	impressions := 0
	for _, e := range r.events {
		switch e.Kind {
		case sim.AuditAdImpression:
			impressions++
			if optedOut[e.User] {
				t.Fatalf("day %d: user %d saw an ad after turning ads off", e.Day, e.User)
			}
			k := ud{e.User, e.Day}
			perDay[k]++
			if perDay[k] > capPerDay {
				t.Fatalf("day %d: user %d saw %d ads, cap %d", e.Day, e.User, perDay[k], capPerDay)
			}
		case sim.AuditAdOptOut:
			optedOut[e.User] = true
		}
	}
	saw(t, "ad impressions", impressions)
	if r.revenue(sim.SourceAds) == 0 {
		t.Error("Status ads earned nothing")
	}
}

func TestPresetBroadcastLists(t *testing.T) {
	runs := runPreset(t, "broadcast-lists")
	delivered := 0
	for _, r := range runs {
		following := initialFollows(r)
		for _, e := range r.events {
			p := pair{e.User, e.Business}
			switch e.Kind {
			case sim.AuditFollow:
				following[p] = true
			case sim.AuditUnfollow, sim.AuditBlock:
				following[p] = false
			case sim.AuditDeliver:
				delivered++
				if !following[p] {
					t.Fatalf("arm %s day %d: broadcast to user %d, who did not save business %d", r.arm, e.Day, e.User, e.Business)
				}
			}
		}
		for _, d := range r.res.Daily {
			if d.BusinessSpend != 0 {
				t.Fatalf("arm %s day %d: businesses paid %d µUSD for free broadcasts", r.arm, d.Day, d.BusinessSpend)
			}
		}
	}
	saw(t, "broadcasts", delivered)
}

func TestPresetHybrid2026(t *testing.T) {
	runs := runPreset(t, "hybrid-2026")
	if len(runs) != 5 {
		t.Fatalf("%d arms, want each of the 4 models alone and all together", len(runs))
	}
	h := arm(t, runs, "hybrid")
	for _, src := range []sim.Source{sim.SourceService, sim.SourceMessages, sim.SourceAds, sim.SourceSubscriptions} {
		if h.revenue(src) == 0 {
			t.Errorf("hybrid arm: no %s revenue", src)
		}
	}
	channels := map[string]int{}
	for _, e := range h.events {
		if e.Kind == sim.AuditDeliver {
			channels[h.channel(e)]++
		}
	}
	for _, ch := range []string{"service_followup", "subscription", "paid_push"} {
		saw(t, "hybrid deliveries on "+ch, channels[ch])
	}
}
