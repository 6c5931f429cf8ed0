package datasets

import (
	"fmt"
	"math"
	"strconv"

	"github.com/msgmon/msgmon/sim"
	"gopkg.in/yaml.v3"
)

// Users per business is a property of the scenario, not of its size: a
// change of users alone keeps it. Businesses have rules and traits counted
// per business in absolute numbers (budgets in USD a month, messaging
// tiers in unique users a day, a monthly allowance of free conversations),
// so a population of fewer users for the same businesses is a market of
// smaller businesses, not a smaller market (models/ODD.md, 5 Initialization, "Population
// size"). A scenario file that gives users: without businesses: has the
// default users per business (sim.DefaultConfig: 20,000 and 400, 50
// each); `--users N` without `--businesses`, and a study's set: (or a
// sweep's point, or a calibration target's set:) that changes users:
// without businesses:, scale the businesses with the users; naming
// businesses too keeps the number given.

// ScaledBusinesses is the number of businesses that keeps a scenario of
// users and businesses at its users per business with n users:
// round(n × businesses / users), at least 1.
func ScaledBusinesses(n, users, businesses int) int {
	if users <= 0 || businesses <= 0 {
		return businesses
	}
	b := math.Round(float64(n) * float64(businesses) / float64(users))
	return int(max(1, min(b, math.MaxInt32)))
}

// SetUsers sets the scenario's users to n; unless keepBusinesses, it
// scales the businesses with them (ScaledBusinesses).
func (s *Scenario) SetUsers(n int, keepBusinesses bool) {
	if !keepBusinesses {
		s.Businesses = ScaledBusinesses(n, s.Users, s.Businesses)
	}
	s.Users = n
}

// UsersPerBusiness is users / businesses (NaN without businesses).
func UsersPerBusiness(users, businesses int) float64 {
	if businesses <= 0 {
		return math.NaN()
	}
	return float64(users) / float64(businesses)
}

// FewUsersPerBusiness is what is wrong with a population whose users per
// business fall below 1 (every business needs users to follow it, and
// the per-business rules would describe no market), and what to change;
// "" when there is at least one user per business.
func FewUsersPerBusiness(users, businesses int) string {
	if businesses <= users || users <= 0 {
		return ""
	}
	def := sim.DefaultConfig()
	return fmt.Sprintf("%d businesses for %d users is %.3g users per business, below 1; give at most %d businesses or at least %d users (the default scenario has %g users per business)",
		businesses, users, UsersPerBusiness(users, businesses), users, businesses, UsersPerBusiness(def.Users, def.Businesses))
}

// withScaledBusinesses returns the overrides, with one more that sets
// the businesses when users are given without them: users: in the file
// without businesses: take the default users per business
// (sim.DefaultConfig), and overrides that change users: but not
// businesses: keep the file's users per business (the businesses the
// file gives, for the users it gives or the default users). The last
// users: value counts.
func withScaledBusinesses(root *yaml.Node, overrides []Override) []Override {
	users := -1
	for _, o := range overrides {
		switch o.Path {
		case "businesses":
			return overrides
		case "users":
			users = wholeNumber(o.Value)
			if users < 0 {
				return overrides // refused as a value of users
			}
		}
	}
	def := sim.DefaultConfig()
	refUsers, refBusinesses := def.Users, def.Businesses
	fileUsers := -1
	if n := valueOf(root, "users"); n != nil {
		if fileUsers = intScalar(n); fileUsers < 0 {
			return overrides // the file's own problem, reported as such
		}
	}
	if n := valueOf(root, "businesses"); n != nil {
		if users < 0 {
			return overrides // the file gives both
		}
		if refBusinesses = intScalar(n); refBusinesses <= 0 {
			return overrides
		}
		if fileUsers > 0 {
			refUsers = fileUsers
		}
	}
	if users < 0 {
		users = fileUsers
	}
	if users < 0 {
		return overrides // the defaults' own users and businesses
	}
	return append(append([]Override(nil), overrides...),
		Override{Path: "businesses", Value: ScaledBusinesses(users, refUsers, refBusinesses)})
}

// wholeNumber is an override's value as a non-negative whole number, or -1.
func wholeNumber(v any) int {
	switch x := v.(type) {
	case int:
		if x >= 0 {
			return x
		}
	case int64:
		if x >= 0 && x <= math.MaxInt32 {
			return int(x)
		}
	case float64:
		if x >= 0 && x == math.Trunc(x) && x <= math.MaxInt32 {
			return int(x)
		}
	}
	return -1
}

// intScalar is a plain integer scalar's value, or -1.
func intScalar(n *yaml.Node) int {
	if n.Kind != yaml.ScalarNode || (n.Tag != "" && n.ShortTag() != "!!int") {
		return -1
	}
	x, err := strconv.ParseInt(n.Value, 0, 32)
	if err != nil || x < 0 {
		return -1
	}
	return int(x)
}
