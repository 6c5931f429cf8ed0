package datasets_test

import (
	"fmt"

	"github.com/msgmon/msgmon/sim"
)

// Fake models for the tests; the real ones live in package models, which
// datasets must not import.

// testParams exercises every kind of parameter a model may have.
type testParams struct {
	PricePerMessage float64            `yaml:"price_per_message" range:"0,10" doc:"USD per delivered message"`
	Cap             int                `yaml:"cap" range:"0,100" doc:"messages per period"`
	Mode            string             `yaml:"mode" enum:"push,folder" doc:"delivery"`
	Price           map[string]float64 `yaml:"price" range:"0,1" doc:"price by market"`
	Tiers           []int              `yaml:"tiers" doc:"messaging tiers"`
	Window          struct {
		Hours float64 `yaml:"hours" range:"0,168" doc:"window length"`
	} `yaml:"window"`
	MinGap float64 `yaml:"min_gap" range:"0,100"`
	MaxGap float64 `yaml:"max_gap" range:"0,100"`
	Label  any     `yaml:"label"`
}

type otherParams struct {
	Rate float64 `yaml:"rate" range:"0,1"`
}

type fakeModel struct{ name string }

func (m fakeModel) Name() string                { return m.name }
func (m fakeModel) Apply(p *sim.Platform) error { return nil }

func init() {
	sim.Register(sim.Factory{
		Name:    "test_model",
		Summary: "a model for the tests",
		NewParams: func() any {
			p := &testParams{PricePerMessage: 0.1, Cap: 4, Mode: "push", Price: map[string]float64{"DE": 0.1, "IN": 0.05},
				Tiers: []int{250, 1000}, MinGap: 1, MaxGap: 2}
			p.Window.Hours = 24
			return p
		},
		New: func(params any) (sim.Model, error) {
			p := params.(*testParams)
			if p.MinGap > p.MaxGap {
				return nil, &sim.FieldError{Path: "max_gap", Msg: fmt.Sprintf("must be >= min_gap (%g), got %g", p.MinGap, p.MaxGap)}
			}
			return fakeModel{"test_model"}, nil
		},
	})
	sim.Register(sim.Factory{
		Name:      "test_other",
		NewParams: func() any { return &otherParams{Rate: 0.5} },
		New:       func(any) (sim.Model, error) { return fakeModel{"test_other"}, nil },
	})
	sim.Register(sim.Factory{
		Name: "test_plain", // takes no parameters
		New:  func(any) (sim.Model, error) { return fakeModel{"test_plain"}, nil },
	})
}

func lookupPaidPush() (sim.Factory, bool) { return sim.Lookup("paid_push") }
