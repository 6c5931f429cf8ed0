package study_test

import (
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim"
)

// The seeds the studies derive are those every stored study was made
// with: a robust slot's seed is the first draw of the stream of purpose
// 0x0b057a11, and optimize's fresh seeds differ by 0x5eed5eed.
func TestSeedsAreFixed(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		k    int
	}{{1, 0}, {1, 1}, {42, 7}} {
		s := sim.NewStream(c.seed, 0x0b05_7a11, c.k, 0)
		if got, want := study.SlotSeed(c.seed, c.k), s.Uint64(); got != want {
			t.Errorf("SlotSeed(%d, %d) = %d, want %d", c.seed, c.k, got, want)
		}
	}
	if study.SlotSeed(1, 0) == study.SlotSeed(1, 1) || study.SlotSeed(1, 0) == study.SlotSeed(2, 0) {
		t.Error("slots share seeds")
	}
	if sim.FreshSeedXOR != 0x5eed5eed {
		t.Errorf("sim.FreshSeedXOR = %#x: optimize's fresh-seed figures would change", sim.FreshSeedXOR)
	}
}

// PointRuns keeps the arms asked for in their order, leaves out names
// the scenario lacks, skips the stored runs under its prefix only, and
// its sink stores what it was given.
func TestPointRuns(t *testing.T) {
	sc, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	arms := sc.Arms()
	if len(arms) < 2 {
		t.Fatalf("the default scenario has %d arms", len(arms))
	}
	want := []string{arms[1].Name, arms[0].Name}
	pt, sink, err := study.PointRuns(sc, study.PointSetup{Batch: "b", Prefix: "s/p3/", Params: `{"point":3}`, Version: "v",
		Arms: append(want, "no-such-arm"), Workers: 3, Stored: map[string]bool{"s/p3/k": true, "k2": true}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range pt.Spec.Arms {
		got = append(got, a.Name)
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("arms %v, want %v", got, want)
	}
	hash, _ := sc.Hash()
	if pt.Hash != hash || pt.Spec.Workers != 3 || pt.Spec.Replicates != sc.Replicates || pt.Sink != sink {
		t.Errorf("point: hash %s workers %d replicates %d", pt.Hash, pt.Spec.Workers, pt.Spec.Replicates)
	}
	if !pt.Spec.Skip("k") || pt.Spec.Skip("k2") {
		t.Error("Skip should skip the stored runs under the point's prefix, and only those")
	}
	if sink.BatchID != "b" || sink.KeyPrefix != "s/p3/" || sink.Params != `{"point":3}` || sink.Version != "v" || sink.Scenario != sc.Name || sink.ScenarioHash != hash {
		t.Errorf("sink: %+v", sink)
	}
	all, _, err := study.PointRuns(sc, study.PointSetup{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Spec.Arms) != len(arms) || all.Spec.Skip != nil {
		t.Errorf("without arms or stored keys: %d arms, skip %v", len(all.Spec.Arms), all.Spec.Skip != nil)
	}
}

// A number of runs at a time or of workers given is kept; 0 chooses one
// at least.
func TestRunsAtOnce(t *testing.T) {
	sc, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	if p, w := study.RunsAtOnce(3, 2, 10, &sc.Config); p != 3 || w != 2 {
		t.Errorf("given 3 and 2: %d, %d", p, w)
	}
	if p, w := study.RunsAtOnce(0, 0, 1, &sc.Config); p != 1 || w < 1 {
		t.Errorf("one run: %d at a time, %d workers", p, w)
	}
	if study.PeakMemory(&sc.Config) <= 0 {
		t.Error("PeakMemory is not positive")
	}
}
