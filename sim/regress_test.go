package sim_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

var update = flag.Bool("update", false, "rewrite testdata/regress.json from this build")

// headline is what the regression table pins for each model.
type headline struct {
	ActiveFollowsEnd int64
	ReachMessagesCum int64
	ReachAdsCum      int64
	Unfollows        int64
	Blocks           int64
	Mutes            int64
	Conversations    int64
	PlatformRevenue  sim.Micros
	BusinessRevenue  sim.Micros
	BusinessSpend    sim.Micros
}

// TestRegressionTable pins the headline numbers of one small scenario for
// each model alone and for all of them in one arm, like math/rand/v2's regress_test: any change to the engine's
// numbers shows here and must be a deliberate one (go test ./sim -run
// Regression -update).
func TestRegressionTable(t *testing.T) {
	cfg := smallConfig(3000, 50, 60)
	got := map[string]headline{}
	arm := func(name string, ms ...sim.Model) {
		cfg := cfg
		if name == "all models, fixed schedules" {
			cfg.Business.SendPolicy = "fixed"
		}
		_, _, res := run(t, cfg, 2026, sim.RunSpec{}, ms...)
		tot := totals(res)
		last := res.Daily[len(res.Daily)-1]
		got[name] = headline{
			ActiveFollowsEnd: last.ActiveFollows, ReachMessagesCum: last.ReachMessagesCum, ReachAdsCum: last.ReachAdsCum,
			Unfollows: tot.Unfollows, Blocks: tot.Blocks, Mutes: tot.Mutes, Conversations: tot.Conversations,
			PlatformRevenue: tot.PlatformTotal(),
			BusinessRevenue: tot.BusinessRevenue, BusinessSpend: tot.BusinessSpend,
		}
	}
	for _, f := range sim.Registered() {
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		arm(f.Name, m)
	}
	// Every model in one arm, as the benchmark and most scenarios run
	// them: the models' interplay (businesses on several channels; ads
	// and messages annoying the same users) is pinned too, with adaptive
	// and with fixed schedules.
	arm("all models", allModels(t)...)
	arm("all models, fixed schedules", allModels(t)...)
	path := filepath.Join("testdata", "regress.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	var want map[string]headline
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s pins %q, which this build does not run: run with -update if the model is gone for good", path, name)
		}
	}
	for name, g := range got {
		w, ok := want[name]
		if !ok {
			t.Errorf("model %s is not in %s: run with -update", name, path)
			continue
		}
		if g != w {
			t.Errorf("model %s:\n got %s\nwant %s", name, fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w))
		}
	}
}
