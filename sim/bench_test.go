package sim_test

import (
	"context"
	"testing"

	_ "github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// allModels returns every registered model with its default parameters.
func allModels(tb testing.TB) []sim.Model {
	tb.Helper()
	var ms []sim.Model
	for _, f := range sim.Registered() {
		m, err := f.New(f.NewParams())
		if err != nil {
			tb.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// benchRun measures one run of all four models together on a population
// of the given size; it reports user-days per second.
func benchRun(b *testing.B, users, businesses, days int) {
	benchConfig(b, users, businesses, days, 0, nil)
}

// benchConfig is benchRun with the default configuration changed by set,
// on the given number of workers (0: GOMAXPROCS), of the given models (none:
// all four).
func benchConfig(b *testing.B, users, businesses, days, workers int, set func(*sim.Config), models ...sim.Model) {
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = users, businesses, days
	if set != nil {
		set(&cfg)
	}
	pop, err := sim.NewPopulation(&cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	if len(models) == 0 {
		models = allModels(b)
	}
	plat, err := sim.NewPlatform(&cfg, models...)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: uint64(i), Workers: workers}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(users)*float64(days)*float64(b.N)/b.Elapsed().Seconds(), "user-days/s")
}

// BenchmarkRun100k is the yardstick: 100k users, 365 days, all
// four models in one arm.
func BenchmarkRun100k(b *testing.B) { benchRun(b, 100_000, 2_000, 365) }

// BenchmarkRunSmall is the default scenario's size, for quick comparisons.
func BenchmarkRunSmall(b *testing.B) { benchRun(b, 20_000, 400, 180) }

// BenchmarkRun100kWithout says where a year's time goes: the yardstick's
// run on one worker, whole and with one process switched off at a time
// (Status visits, service conversations, proactive campaigns, discovery
// and word of mouth). A process's share is 1 - whole/without, the time the
// run saves without it; the shares overlap (conversations make the contacts
// that campaigns then scan), so they do not add up to one.
func BenchmarkRun100kWithout(b *testing.B) {
	b.Run("nothing", func(b *testing.B) { benchConfig(b, 100_000, 2_000, 365, 1, nil) })
	for _, name := range sim.SwitchableProcesses() {
		b.Run(name, func(b *testing.B) {
			benchConfig(b, 100_000, 2_000, 365, 1, func(c *sim.Config) {
				if err := sim.SwitchOff(c, name); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkMemory100k reports what a population of 100k users and a run
// of all four models on it allocate, per user (B/user: the population's
// live heap and everything the run allocates, as TestMemoryEstimate
// measures them), beside sim.MemoryEstimate's figure (est-B/user). The
// businesses' share (2,000) is included in both.
func BenchmarkMemory100k(b *testing.B) {
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 100_000, 2_000, 10
	var perUser float64
	for i := 0; i < b.N; i++ {
		popBytes, runBytes := allocated(b, cfg)
		perUser = (popBytes + runBytes) / float64(cfg.Users)
	}
	b.ReportMetric(perUser, "B/user")
	b.ReportMetric(float64(sim.MemoryEstimate(&cfg))/float64(cfg.Users), "est-B/user")
}

// BenchmarkArm100k runs the arms of the default comparison one at a time
// on one worker (service_only alone, then with each other model, each at
// its default parameters), 100k users for 120 days: which arm a
// comparison's time goes to.
func BenchmarkArm100k(b *testing.B) {
	var service sim.Model
	var others []sim.Model
	for _, m := range allModels(b) {
		if m.Name() == "service_only" {
			service = m
		} else {
			others = append(others, m)
		}
	}
	arms := [][]sim.Model{{service}}
	for _, m := range others {
		arms = append(arms, []sim.Model{service, m})
	}
	for _, arm := range arms {
		name := arm[len(arm)-1].Name()
		b.Run(name, func(b *testing.B) { benchConfig(b, 100_000, 2_000, 120, 1, nil, arm...) })
	}
}
