package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
)

// The memory estimate that refuses runs too large for the machine is
// within 15 % of the peak resident memory msgmon run really reaches, for
// two user-heavy scenarios (150,000 and 1 M users) and a business-heavy
// one (one user per business, the fewest allowed), the last without the
// table of followers by block and business (the figures are logged;
// nothing is timed).
func TestMemoryEstimateMatchesPeak(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	for _, c := range []struct{ users, businesses int }{{150_000, 2_000}, {1_000_000, 10_000}, {150_000, 150_000}} {
		name := fmt.Sprintf("u%d-b%d", c.users, c.businesses)
		scen := writeFile(t, dir, name+".yaml", fmt.Sprintf(`name: %s
seed: 1
replicates: 1
users: %d
businesses: %d
days: 5
models:
  service_only: {}
  subscription: {}
  paid_push: {}
  status_ads: {}
`, name, c.users, c.businesses))
		sc, err := datasets.Load(scen)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := sc.Spec()
		if err != nil {
			t.Fatal(err)
		}
		est := float64(study.PeakMemory(&spec.Config))
		cmd := exec.Command(bin, "run", scen, "--db", filepath.Join(dir, name+".duckdb"), "-q")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		peak := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) * 1024 // KiB on Linux
		t.Logf("%s: estimate %.0f MiB, peak RSS %.0f MiB (%.2f)", name, est/(1<<20), peak/(1<<20), est/peak)
		if r := est / peak; r < 0.85 || r > 1.15 {
			t.Errorf("%s: estimate %.0f MiB is %.2f times the peak %.0f MiB", name, est/(1<<20), r, peak/(1<<20))
		}
	}
}
