package datasets

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func embeddedBase(name string) (string, []byte, error) {
	b, err := EmbeddedYAML(name)
	return "datasets/scenarios/" + name + ".yaml", b, err
}

func TestOverrideSetsKeys(t *testing.T) {
	base := []byte(`name: o
users: 1000
days: 10
user: &u
  tolerance_median: 3
markets:
  - {code: IN, share: 0.5}
  - {code: BR, share: 0.5}
models:
  paid_push: {}
`)
	s, err := ParseWith("o.yaml", base, []Override{
		{Path: "users", Value: 2000.0},
		{Path: "user.tolerance_median", Value: 5.5},
		{Path: "markets.1.share", Value: 0.5},
		{Path: "business.sends_per_week_mean", Value: 7.0}, // a section the file lacks
		{Path: "models.paid_push.delivery", Value: "folder"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Users != 2000 || s.User.ToleranceMedian != 5.5 || s.Business.SendsPerWeekMean != 7 || s.Markets[1].Share != 0.5 {
		t.Errorf("overrides not applied: users %d, tolerance %v, sends %v, share %v", s.Users, s.User.ToleranceMedian, s.Business.SendsPerWeekMean, s.Markets[1].Share)
	}
	m, _ := s.Model("paid_push")
	if got := fmt.Sprint(m.Params); !strings.Contains(got, "folder") {
		t.Errorf("paid_push params %s, want delivery folder", got)
	}
	for _, c := range []struct {
		o    Override
		want string
	}{
		{Override{Path: "users", Value: 2.5}, "users"},
		{Override{Path: "userz", Value: 1.0}, `userz`},
		{Override{Path: "markets.7.share", Value: 0.5}, "markets is a list of 2"},
		{Override{Path: "users.x", Value: 1.0}, "users is"},
		{Override{Path: "a..b", Value: 1.0}, "empty key"},
		{Override{Path: "user.tolerance_median", Value: -1.0}, "user.tolerance_median"},
	} {
		_, err := ParseWith("o.yaml", base, []Override{c.o})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error mentioning %q", c.o, err, c.want)
		}
	}
}

func TestSweepPointsAndID(t *testing.T) {
	src := `name: g
scenario: default
set: {users: 1000, days: 10}
parameters:
  - path: business.sends_per_week_mean
    values: [1, 2, 4]
  - path: user.tolerance_median
    min: 1
    max: 4
    levels: 2
  - path: models.paid_push.delivery
    values: [push, folder]
`
	sw, err := ParseSweep("g.yaml", []byte(src), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := sw.PointsOf()
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 12 || sw.NumPoints() != 12 {
		t.Fatalf("%d points (NumPoints %d), want 3 x 2 x 2", len(pts), sw.NumPoints())
	}
	// The last parameter changes fastest.
	want := [][]any{{1.0, 1.0, "push"}, {1.0, 1.0, "folder"}, {1.0, 4.0, "push"}}
	for i, w := range want {
		if fmt.Sprint(pts[i].Values) != fmt.Sprint(w) {
			t.Errorf("point %d = %v, want %v", i, pts[i].Values, w)
		}
	}
	if fmt.Sprint(pts[11].Values) != fmt.Sprint([]any{4.0, 4.0, "folder"}) {
		t.Errorf("last point %v", pts[11].Values)
	}
	s, err := sw.Scenario(pts[11])
	if err != nil {
		t.Fatal(err)
	}
	if s.Users != 1000 || s.Business.SendsPerWeekMean != 4 || s.User.ToleranceMedian != 4 || s.Name != "g" {
		t.Errorf("point scenario: users %d sends %v tolerance %v name %s", s.Users, s.Business.SendsPerWeekMean, s.User.ToleranceMedian, s.Name)
	}
	if got := sw.PointParams("id", pts[1]); got != `{"delivery":"folder","point":1,"sends_per_week_mean":1,"sweep":"g","sweep_id":"id","tolerance_median":1}` {
		t.Errorf("PointParams = %s", got)
	}
	// The same file gives the same id; a changed one another.
	again, _ := ParseSweep("elsewhere/g.yaml", []byte(src), embeddedBase)
	changed, _ := ParseSweep("g.yaml", []byte(strings.Replace(src, "[1, 2, 4]", "[1, 2, 5]", 1)), embeddedBase)
	if sw.ID() != again.ID() || sw.ID() == changed.ID() || !strings.HasPrefix(sw.ID(), "sweep-g-") {
		t.Errorf("ids: %s, same file %s, changed file %s", sw.ID(), again.ID(), changed.ID())
	}
}

func TestSweepLatinHypercube(t *testing.T) {
	src := `name: l
scenario: default
design: lhs
points: 10
seed: 5
parameters:
  - path: business.sends_per_week_mean
    min: 0.5
    max: 8
    scale: log
  - path: max_follows
    min: 2
    max: 20
    integer: true
  - path: models.paid_push.delivery
    values: [push, folder]
`
	sw, err := ParseSweep("l.yaml", []byte(src), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := sw.PointsOf()
	b, _ := sw.PointsOf()
	if len(a) != 10 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("points not reproducible: %v vs %v", a, b)
	}
	seen := map[string]int{}
	for _, p := range a {
		x, n := p.Values[0].(float64), p.Values[1].(float64)
		if x < 0.5 || x > 8 || n != float64(int(n)) || n < 2 || n > 20 {
			t.Errorf("point %d out of its box: %v", p.Index, p.Values)
		}
		seen[p.Values[2].(string)]++
	}
	// A Latin hypercube gives each half of the index range 5 of 10 points.
	if seen["push"] != 5 || seen["folder"] != 5 {
		t.Errorf("delivery values %v, want 5 and 5", seen)
	}
}

// Every study file shipped in datasets/studies loads and makes valid
// scenarios at its first point.
func TestStudiesLoad(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("studies", "*.yaml"))
	if len(files) < 4 {
		t.Fatalf("%d study files", len(files))
	}
	for _, f := range files {
		sw, err := LoadSweep(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		pts, err := sw.PointsOf()
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(pts) == 0 {
			pts = []SweepPoint{{Values: make([]any, len(sw.Parameters))}}
			for i, p := range sw.Box() {
				pts[0].Values[i] = p.Lo
			}
		}
		if _, err := sw.Scenario(pts[0]); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSweepSetProblemsNameTheSweepFile: a typo or a bad value under set:
// is reported at its line in the sweep file, not as a problem of the
// base scenario (which has no such line).
func TestSweepSetProblemsNameTheSweepFile(t *testing.T) {
	src := `name: typo
scenario: default
set:
  users: 2000
  dayz: 30
  user:
    tolerance_mediann: 3
  behaviour.react_rate: -1
parameters:
  - path: business.sends_per_week_mean
    values: [1, 2]
`
	_, err := ParseSweep("t.yaml", []byte(src), embeddedBase)
	if err == nil {
		t.Fatal("no problem found")
	}
	for _, want := range []string{
		"t.yaml:5: set.dayz: unknown key (did you mean days?)",
		"t.yaml:7: set.user.tolerance_mediann: unknown key (did you mean tolerance_median?)",
		"t.yaml:8: set.behaviour.react_rate: must be in [0, 100], got -1",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "default.yaml") {
		t.Errorf("the problems name the base scenario:\n%v", err)
	}
}

// A constraint's bound is a finite number: NaN compares false with every
// value, so `max: .nan` would pass every point, and an infinite bound is
// no bound; both are refused with the file, line and field.
func TestConstraintBoundFinite(t *testing.T) {
	for _, c := range []struct{ bound, want string }{
		{"max: .nan", "c.yaml:8: constraints[0].max: must be a finite number"},
		{"min: .inf", "c.yaml:8: constraints[0].min: must be a finite number"},
		{"max: -.inf", "c.yaml:8: constraints[0].max: must be a finite number"},
	} {
		src := `name: c
scenario: default
design: optimize
budget: 4
objective: {maximize: platform_revenue_usd}
arms: [service+paid_push]
constraints:
  - {output: churn_per_1000, ` + c.bound + `}
parameters:
  - {path: business.sends_per_week_mean, min: 0.1, max: 8}
`
		_, err := ParseSweep("c.yaml", []byte(src), embeddedBase)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.bound, err, c.want)
		}
	}
	ok := strings.Replace(`name: c
scenario: default
design: optimize
budget: 4
objective: {maximize: platform_revenue_usd}
arms: [service+paid_push]
constraints:
  - {output: churn_per_1000, max: 50}
parameters:
  - {path: business.sends_per_week_mean, min: 0.1, max: 8}
`, "\t", "", -1)
	if _, err := ParseSweep("c.yaml", []byte(ok), embeddedBase); err != nil {
		t.Errorf("a finite bound is refused: %v", err)
	}
}

// A sweep's name and paths are echoed clipped: a 40,000-character name
// gives an error of a few hundred characters that still says what to do.
func TestSweepLongNameClipped(t *testing.T) {
	long := strings.Repeat("x", 40000)
	src := "name: \"" + long + "!\"\nscenario: default\nparameters:\n  - path: business.sends_per_week_mean\n    values: [1, 2]\n"
	_, err := ParseSweep("l.yaml", []byte(src), embeddedBase)
	if err == nil || !strings.Contains(err.Error(), "l.yaml:1: name: must be 1 to 64 letters") {
		t.Fatalf("%.300v; want the name refused", err)
	}
	if n := len(err.Error()); n > 1000 {
		t.Errorf("the error echoes %d characters", n)
	}
}
