package datasets

import (
	"errors"
	"strings"
	"testing"
)

func TestScaledBusinesses(t *testing.T) {
	for _, c := range []struct{ n, users, businesses, want int }{
		{5000, 20000, 400, 100},
		{80000, 20000, 400, 1600},
		{20000, 20000, 400, 400},
		{1234, 20000, 400, 25}, // 24.68
		{1225, 20000, 400, 25}, // 24.5 rounds up
		{10, 20000, 400, 1},    // 0.2: at least 1
		{0, 20000, 400, 1},     // refused as users, not here
		{15000, 15000, 300, 300},
		{100, 100, 100, 100},
	} {
		if got := ScaledBusinesses(c.n, c.users, c.businesses); got != c.want {
			t.Errorf("ScaledBusinesses(%d, %d, %d) = %d, want %d", c.n, c.users, c.businesses, got, c.want)
		}
	}
}

// users: without businesses: keeps the scenario's users per business, in
// every path that changes a scenario's users: set:, a sweep's point, a
// target's set:, and a file that gives users: alone.
func TestUsersScaleBusinesses(t *testing.T) {
	_, def, err := embeddedBase("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		data      string
		overrides []Override
		users     int
		want      int
	}{
		{"users alone", string(def), []Override{{Path: "users", Value: 5000}}, 5000, 100},
		{"users as a float", string(def), []Override{{Path: "users", Value: 80000.0}}, 80000, 1600},
		{"businesses given after", string(def), []Override{{Path: "users", Value: 5000}, {Path: "businesses", Value: 400}}, 5000, 400},
		{"businesses given before", string(def), []Override{{Path: "businesses", Value: 7}, {Path: "users", Value: 5000}}, 5000, 7},
		{"the last users counts", string(def), []Override{{Path: "users", Value: 1000}, {Path: "users", Value: 40000}}, 40000, 800},
		{"no users: the file's", string(def), []Override{{Path: "days", Value: 3}}, 20000, 400},
		{"a file of 15,000 and 300", "users: 15000\nbusinesses: 300\nmodels: {paid_push: {}}\n", []Override{{Path: "users", Value: 3000}}, 3000, 60},
		{"a file of users alone", "users: 5000\nmodels: {paid_push: {}}\n", nil, 5000, 100},
		{"a file of businesses alone", "businesses: 100\nmodels: {paid_push: {}}\n", []Override{{Path: "users", Value: 2000}}, 2000, 10},
		{"a file of neither", "models: {paid_push: {}}\n", []Override{{Path: "users", Value: 1000}}, 1000, 20},
	} {
		s, err := ParseWith("s.yaml", []byte(c.data), c.overrides)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s.Users != c.users || s.Businesses != c.want {
			t.Errorf("%s: %d users and %d businesses, want %d and %d", c.name, s.Users, s.Businesses, c.users, c.want)
		}
	}

	// A sweep over users, and a study whose set: gives users alone.
	sw, err := ParseSweep("s.yaml", []byte(`name: s
scenario: default
set: {days: 3}
parameters:
  - path: users
    values: [5000, 80000]
`), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := sw.PointsOf()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{100, 1600} {
		s, err := sw.Scenario(pts[i])
		if err != nil {
			t.Fatal(err)
		}
		if s.Businesses != want {
			t.Errorf("sweep point users=%d: %d businesses, want %d", s.Users, s.Businesses, want)
		}
	}
	// A calibration target's set: after the study's (ScenarioWith's
	// extra changes): the last users, the base's users per business.
	s, err := sw.ScenarioWith(pts[0], []Override{{Path: "users", Value: 2000}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Businesses != 40 {
		t.Errorf("a target's users 2000: %d businesses, want 40", s.Businesses)
	}
}

// A scenario whose users per business fall below 1 is refused at the
// line of its businesses, saying what to change.
func TestFewUsersPerBusinessRefused(t *testing.T) {
	_, err := Parse("few.yaml", []byte("users: 100\nbusinesses: 200\nmodels: {paid_push: {}}\n"))
	var se *ScenarioError
	if !errors.As(err, &se) || len(se.Problems) != 1 {
		t.Fatalf("got %v, want one problem", err)
	}
	p := se.Problems[0]
	if p.Line != 2 || p.Path != "businesses" || !strings.Contains(p.Msg, "below 1") || !strings.Contains(p.Msg, "at most 100 businesses") {
		t.Errorf("got %s, want few.yaml:2: businesses: ... below 1 ... at most 100 businesses", p)
	}
	if _, err := Parse("one.yaml", []byte("users: 100\nbusinesses: 100\nmodels: {paid_push: {}}\n")); err != nil {
		t.Errorf("one user per business: %v", err)
	}
	// Changed after loading (a flag), Validate says the same.
	s, err := Parse("ok.yaml", []byte("users: 100\nbusinesses: 2\nmodels: {paid_push: {}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.Businesses = 101
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "businesses: 101 businesses for 100 users") {
		t.Errorf("Validate: %v", err)
	}
}
