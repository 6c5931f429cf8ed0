package sim_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// MemoryEstimate, used to refuse scenarios that would not fit, agrees with
// what a population and a run really allocate, within a factor of 1.5.
func TestMemoryEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 100k-user population")
	}
	cfg := smallConfig(100_000, 2_000, 2)
	cfg.User.FollowsAtStart = 6
	var before, afterPop, afterRun runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pop, err := sim.NewPopulation(&cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&afterPop)
	plat, err := sim.NewPlatform(&cfg, allModels(t)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&afterRun)
	popBytes := float64(afterPop.HeapAlloc) - float64(before.HeapAlloc)
	runBytes := float64(afterRun.TotalAlloc - afterPop.TotalAlloc)
	measured := popBytes + runBytes
	est := float64(sim.MemoryEstimate(&cfg))
	t.Logf("estimate %.0f MiB, measured %.0f MiB (population %.0f, run %.0f)", est/(1<<20), measured/(1<<20), popBytes/(1<<20), runBytes/(1<<20))
	if r := est / measured; r < 1/1.5 || r > 1.5 {
		t.Errorf("estimate %.0f MiB is %.2f times the measured %.0f MiB", est/(1<<20), r, measured/(1<<20))
	}
	runtime.KeepAlive(pop)
}
