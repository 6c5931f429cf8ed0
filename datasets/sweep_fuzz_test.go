package datasets_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

// FuzzParseSweep feeds ParseSweep arbitrary bytes, on the embedded default
// scenario as the base: it must never panic, every error must name the
// sweep file, and an accepted sweep must give points that each load or fail
// with a message naming the file. Run it with
//
//	go test ./datasets -run '^$' -fuzz FuzzParseSweep -fuzztime 1m
func FuzzParseSweep(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("studies", "*.yaml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"scenario: default\nparameters:\n  - {path: users, values: [1000, 2000]}\n",
		"scenario: default\nparameters:\n  - {path: users, values: [-5]}\n",
		"scenario: default\nparameters:\n  - {path: markets.0.share, min: 0, max: .nan, levels: 2}\n",
		"scenario: default\ndesign: lhs\npoints: 3\nparameters:\n  - {path: a.b.c, min: 1, max: 2}\n",
		"scenario: default\nset: {users: [1, 2]}\nparameters:\n  - {path: users, values: [1]}\n",
		"scenario: default\ndesign: morris\npoints: 2\nlevels: 3\nparameters:\n  - {path: days, min: 1, max: 9}\n",
		"scenario: ../../etc/passwd\nparameters:\n  - {path: users, values: [1]}\n",
		"",
		"\x00\xff",
	} {
		f.Add([]byte(s))
	}
	base := func(name string) (string, []byte, error) {
		b, err := datasets.EmbeddedYAML(name)
		return "datasets/scenarios/" + name + ".yaml", b, err
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sw, err := datasets.ParseSweep("fuzz.yaml", data, base)
		if err != nil {
			var se *datasets.ScenarioError
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the sweep file: %T %v", err, err)
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("recovered from a panic: %v", err)
			}
			return
		}
		if sw.NumPoints() > 2000 {
			return // large designs: checked by size above, too slow to build here
		}
		pts, err := sw.PointsOf()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Errorf("points error does not name the sweep file: %v", err)
			}
			return
		}
		for _, p := range pts[:min(len(pts), 5)] {
			if _, err := sw.Scenario(p); err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Errorf("point error does not name the sweep file: %v", err)
			}
		}
	})
}
