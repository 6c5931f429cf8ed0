package datasets_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

var updateFingerprints = flag.Bool("update-fingerprints", false, "rewrite testdata/fingerprints.json from this build")

// Every arm of every embedded preset, shrunk to 5,000 users, 80
// businesses and 90 days, gives results whose every field (daily rows,
// businesses, channels, segments) hashes as pinned in
// testdata/fingerprints.json, on one worker and on three: the regression
// table of the whole model. A change to the engine that is meant to keep
// the model's meaning (a faster day loop, a smaller state) must leave it
// as it is; one that changes the numbers on purpose rewrites it (go test
// ./datasets -run Fingerprints -update-fingerprints) and says why.
func TestPresetFingerprints(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every preset's arms")
	}
	got := map[string]string{}
	for _, name := range datasets.EmbeddedNames() {
		sc, err := datasets.Embedded(name)
		if err != nil {
			t.Fatal(err)
		}
		sc.Users, sc.Businesses, sc.Days, sc.Replicates = 5000, 80, 90, 1
		if err := sc.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
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
		for _, a := range spec.Arms {
			key := name + "/" + a.Name
			for _, workers := range []int{1, 3} {
				plat, err := sim.NewPlatform(&spec.Config, a.Models...)
				if err != nil {
					t.Fatal(err)
				}
				res, err := sim.Run(context.Background(), pop, plat, sim.RunSpec{Seed: runSeed, Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				h := fmt.Sprintf("%x", sha256.Sum256(b))
				if workers == 1 {
					got[key] = h
				} else if got[key] != h {
					t.Errorf("%s: the results on 3 workers differ from those on 1", key)
				}
			}
		}
	}
	path := filepath.Join("testdata", "fingerprints.json")
	if *updateFingerprints {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update-fingerprints)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(got)+len(want))
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch g, w := got[k], want[k]; {
		case w == "":
			t.Errorf("%s is not pinned in %s: run with -update-fingerprints", k, path)
		case g == "":
			t.Errorf("%s pins %s, which this build does not run", path, k)
		case g != w:
			t.Errorf("%s: results changed (hash %s, pinned %s)", k, g[:12], w[:12])
		}
	}
	if len(got) < 20 {
		t.Errorf("only %d arms ran: the table pins too little", len(got))
	}
}
