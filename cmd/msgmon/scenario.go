package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/datasets"
)

// scenarioOptions choose a scenario: a file argument or --preset.
type scenarioOptions struct {
	Preset     string
	Replicates int
	Seed       int64
	Days       int
	Users      int
}

func (o *scenarioOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Preset, "preset", "", "embedded scenario to use (see msgmon presets); default: \"default\"")
	f.IntVar(&o.Replicates, "replicates", 0, "override the scenario's replicates")
	f.Int64Var(&o.Seed, "seed", -1, "override the scenario's seed")
	f.IntVar(&o.Days, "days", 0, "override the scenario's days")
	f.IntVar(&o.Users, "users", 0, "override the scenario's users")
}

// load returns the scenario of the arguments and flags, with overrides
// applied and checked.
func (o *scenarioOptions) load(args []string) (*datasets.Scenario, error) {
	var sc *datasets.Scenario
	var err error
	switch {
	case len(args) > 0 && o.Preset != "":
		return nil, usageErr("give a scenario file or --preset, not both")
	case len(args) > 0:
		sc, err = datasets.Load(args[0])
	case o.Preset != "":
		if !slices.Contains(datasets.EmbeddedNames(), o.Preset) {
			return nil, usageErr("--preset %s: no such preset; the embedded ones are %s (msgmon presets lists them)",
				o.Preset, strings.Join(datasets.EmbeddedNames(), ", "))
		}
		sc, err = datasets.Embedded(o.Preset)
	default:
		sc, err = datasets.DefaultScenario()
	}
	if err != nil {
		return nil, err
	}
	changed := false
	if o.Replicates > 0 {
		sc.Replicates, changed = o.Replicates, true
	}
	if o.Seed >= 0 {
		sc.Seed, changed = uint64(o.Seed), true
	}
	if o.Days > 0 {
		sc.Days, changed = o.Days, true
	}
	if o.Users > 0 {
		sc.Users, changed = o.Users, true
	}
	if changed {
		if err := sc.Validate(); err != nil {
			return nil, err
		}
	}
	return sc, nil
}
