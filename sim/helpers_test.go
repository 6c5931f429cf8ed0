package sim_test

import (
	"context"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// newModel makes a registered model with its defaults changed by edit.
func newModel[P any](tb testing.TB, name string, edit func(*P)) sim.Model {
	tb.Helper()
	f, ok := sim.Lookup(name)
	if !ok {
		tb.Fatalf("model %s not registered", name)
	}
	p := f.NewParams().(*P)
	if edit != nil {
		edit(p)
	}
	if err := sim.CheckRanges(p); err != nil {
		tb.Fatalf("model %s params: %v", name, err)
	}
	m, err := f.New(p)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// run builds the population and runs one arm.
func run(tb testing.TB, cfg sim.Config, seed uint64, spec sim.RunSpec, models ...sim.Model) (*sim.Population, *sim.Platform, *sim.Result) {
	tb.Helper()
	pop, err := sim.NewPopulation(&cfg, seed)
	if err != nil {
		tb.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, models...)
	if err != nil {
		tb.Fatal(err)
	}
	if spec.Seed == 0 {
		spec.Seed = seed
	}
	res, err := sim.Run(context.Background(), pop, plat, spec)
	if err != nil {
		tb.Fatal(err)
	}
	return pop, plat, res
}

// totals sums the daily rows of a run.
func totals(res *sim.Result) sim.Daily {
	var t sim.Daily
	for i := range res.Daily {
		t.Add(&res.Daily[i])
	}
	return t
}

// smallConfig is a quick population for tests.
func smallConfig(users, businesses, days int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = users, businesses, days
	return cfg
}

func runWithAudit(pop *sim.Population, plat *sim.Platform, seed uint64, audit func([]sim.AuditEvent)) (*sim.Result, error) {
	return sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: seed, Audit: audit})
}

func runWithSpec(pop *sim.Population, plat *sim.Platform, spec sim.RunSpec) (*sim.Result, error) {
	return sim.Run(context.Background(), pop, plat, spec)
}
