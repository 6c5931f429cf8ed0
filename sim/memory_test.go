package sim_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// MemoryEstimate, used to refuse scenarios that would not fit, agrees with
// what a population and a run really allocate, within a factor of 1.25.
func TestMemoryEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 100k-user population")
	}
	cfg := smallConfig(100_000, 2_000, 2)
	cfg.User.FollowsAtStart = 6
	popBytes, runBytes := allocated(t, cfg)
	measured := popBytes + runBytes
	est := float64(sim.MemoryEstimate(&cfg))
	t.Logf("estimate %.0f MiB, measured %.0f MiB (population %.0f, run %.0f)", est/(1<<20), measured/(1<<20), popBytes/(1<<20), runBytes/(1<<20))
	if r := est / measured; r < 1/1.25 || r > 1.25 {
		t.Errorf("estimate %.0f MiB is %.2f times the measured %.0f MiB", est/(1<<20), r, measured/(1<<20))
	}
}

// allocated returns the live heap of a population of cfg and everything a
// run of all four models on it allocates (bytes).
func allocated(tb testing.TB, cfg sim.Config) (popBytes, runBytes float64) {
	tb.Helper()
	var before, afterPop, afterRun runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pop, err := sim.NewPopulation(&cfg, 1)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&afterPop)
	plat, err := sim.NewPlatform(&cfg, allModels(tb)...)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	runtime.ReadMemStats(&afterRun)
	runtime.KeepAlive(pop)
	return float64(afterPop.HeapAlloc) - float64(before.HeapAlloc), float64(afterRun.TotalAlloc - afterPop.TotalAlloc)
}
