package models_test

import (
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// flatFee is a fifth model, defined here and nowhere in sim: a monthly
// platform fee per business plus a weekly pushed newsletter. It shows that a
// new model needs only a file in models/ and its test.
type flatFee struct{ fee float64 }

func (f *flatFee) Name() string { return "flat_fee" }

func (f *flatFee) Apply(p *sim.Platform) error {
	p.Billers = append(p.Billers, f)
	return p.AddChannel(sim.Channel{Name: "newsletter", Source: sim.SourceOther, Delivery: sim.Push,
		Audience: sim.Followers, CapPerPeriod: 1, PeriodDays: 7})
}

func (f *flatFee) Bill(l sim.Ledger) {
	if l.Day()%30 == 29 {
		for b := 0; b < l.Businesses(); b++ {
			l.ChargeBusiness(b, sim.USD(f.fee), sim.SourceOther)
		}
	}
}

type flatFeeParams struct {
	Fee float64 `yaml:"fee" range:"0,10000"`
}

func init() {
	sim.Register(sim.Factory{Name: "test_flat_fee", Summary: "test-only fifth model",
		NewParams: func() any { return &flatFeeParams{Fee: 50} },
		New:       func(p any) (sim.Model, error) { return &flatFee{fee: p.(*flatFeeParams).Fee}, nil }})
}

func TestFifthModelNeedsNoEngineChange(t *testing.T) {
	m := model[flatFeeParams](t, "test_flat_fee", nil)
	cfg := config()
	tr := simulate(t, cfg, m)
	// Two billing days in 60 days, every business pays 50 USD.
	want := sim.Micros(2*cfg.Businesses) * sim.USD(50)
	if got := tr.revenue(sim.SourceOther); got != want {
		t.Errorf("other revenue %d µUSD, want %d", got, want)
	}
	sends := map[[3]int32]int{}
	for _, e := range tr.events {
		if e.Kind == sim.AuditDeliver {
			k := [3]int32{e.User, e.Business, e.Day / 7}
			sends[k]++
			if sends[k] > 1 {
				t.Fatalf("newsletter sent twice in a week")
			}
		}
	}
	if len(sends) == 0 {
		t.Fatal("no newsletter delivered")
	}
}
