package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/datasets"
)

// scenarioOptions choose a scenario: a file argument or --preset.
type scenarioOptions struct {
	Preset     string
	Replicates int
	Seed       uint64
	Days       int
	Users      int
	Businesses int
	Overlay    string
	// msgmon robust: --replicates sets robust.replicates (runs per arm
	// and plausible vector) instead of the scenario's replicates, and
	// --vectors and --plausible set the rest of robust:.
	robust      bool
	Vectors     int
	Plausible   string
	Assumptions bool

	flags *pflag.FlagSet // to tell a flag set to 0 from one not given

	// scaledFrom are the scenario's users and businesses when --users
	// alone scaled them (zero otherwise).
	scaledFrom [2]int
}

func (o *scenarioOptions) AddFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.Preset, "preset", "", "embedded scenario to use (see msgmon presets); default: \"default\"")
	if o.robust {
		f.IntVar(&o.Replicates, "replicates", 0, "runs per arm and plausible vector (overrides the scenario's robust.replicates; default 2)")
		f.IntVar(&o.Vectors, "vectors", 0, "plausible vectors to draw (overrides robust.vectors; default 20)")
		f.StringVar(&o.Plausible, "plausible", "", "plausible set: an embedded one (msgmon robust --help lists them) or a CSV file (overrides robust.plausible; default scorecard)")
		f.BoolVar(&o.Assumptions, "assumptions", true, "draw each slot's assumptions from their ranges as well as its behaviour (overrides robust.assumptions; --assumptions=false: behaviour only)")
	} else {
		f.IntVar(&o.Replicates, "replicates", 0, "override the scenario's replicates")
	}
	f.Uint64Var(&o.Seed, "seed", 0, "override the scenario's seed")
	f.IntVar(&o.Days, "days", 0, "override the scenario's days")
	f.IntVar(&o.Users, "users", 0, "override the scenario's users; without --businesses the businesses scale with them, keeping the scenario's users per business")
	f.IntVar(&o.Businesses, "businesses", 0, "override the scenario's businesses (default with --users: scaled to keep the scenario's users per business)")
	f.StringVar(&o.Overlay, "overlay", "", "apply this overlay (scenario keys and values, e.g. from calibrate --save) on top of the scenario")
}

// load returns the scenario of the arguments and flags, with overrides
// applied and checked.
func (o *scenarioOptions) load(args []string) (*datasets.Scenario, error) {
	var sc *datasets.Scenario
	var err error
	switch {
	case len(args) > 0 && o.Preset != "":
		return nil, usageErr("give a scenario file or --preset, not both")
	case len(args) > 0:
		sc, err = datasets.Load(args[0])
		var se *datasets.ScenarioError
		if err != nil && !errors.As(err, &se) {
			// Missing, unreadable or a folder: the argument is wrong.
			return nil, usageErr("%v; give a scenario file (msgmon presets show default > my.yaml writes one) or --preset", clipPathError(err))
		}
	case o.Preset != "":
		if !slices.Contains(datasets.EmbeddedNames(), o.Preset) {
			return nil, usageErr("--preset %s: no such preset; the embedded ones are %s (msgmon presets lists them)",
				datasets.Clip(o.Preset), strings.Join(datasets.EmbeddedNames(), ", "))
		}
		sc, err = datasets.Embedded(o.Preset)
	default:
		sc, err = datasets.DefaultScenario()
	}
	if err == nil && o.Overlay != "" {
		if err := readableFile("--overlay", o.Overlay, "an overlay file (calibrate --save writes one)"); err != nil {
			return nil, err
		}
		var ov *datasets.Overlay
		if ov, err = datasets.ReadOverlay(o.Overlay); err == nil {
			file, preset := "", o.Preset
			if len(args) > 0 {
				file = args[0]
			} else if preset == "" {
				preset = "default"
			}
			sc, err = datasets.LoadWithOverlay(file, preset, ov)
		}
	}
	if err != nil {
		return nil, err
	}
	// A flag given overrides, whatever its value: 0 or less is checked
	// like a value in the file, not taken as "not given".
	given := map[string]flagValue{} // YAML key -> the flag that set it
	set := func(name string) bool { return o.flags != nil && o.flags.Changed(name) }
	switch {
	case set("replicates") && o.robust:
		sc.Robust.Replicates, given["robust.replicates"] = o.Replicates, flagValue{"replicates", o.Replicates}
	case set("replicates"):
		sc.Replicates, given["replicates"] = o.Replicates, flagValue{"replicates", o.Replicates}
	}
	if set("vectors") {
		sc.Robust.Vectors, given["robust.vectors"] = o.Vectors, flagValue{"vectors", o.Vectors}
	}
	if set("assumptions") {
		sc.Robust.Assumptions = o.Assumptions
	}
	if set("plausible") {
		sc.Robust.Plausible, given["robust.plausible"] = o.Plausible, flagValue{"plausible", o.Plausible}
	}
	if set("seed") {
		sc.Seed, given["seed"] = o.Seed, flagValue{"seed", o.Seed}
	}
	if set("days") {
		sc.Days, given["days"] = o.Days, flagValue{"days", o.Days}
	}
	// --users alone keeps the scenario's users per business: the
	// businesses scale with the users (datasets.ScaledBusinesses), so a
	// smaller run is a smaller market, not one of smaller businesses.
	if set("users") {
		if !set("businesses") {
			o.scaledFrom = [2]int{sc.Users, sc.Businesses}
		}
		sc.SetUsers(o.Users, set("businesses"))
		given["users"] = flagValue{"users", o.Users}
		if !set("businesses") {
			// A problem of the scaled businesses is one of --users.
			given["businesses"] = flagValue{"users", o.Users}
		}
	}
	if set("businesses") {
		sc.Businesses, given["businesses"] = o.Businesses, flagValue{"businesses", o.Businesses}
	}
	if len(given) > 0 {
		if err := sc.Validate(); err != nil {
			return nil, blameFlags(err, given)
		}
	}
	return sc, nil
}

// flagValue is a flag given on the command line and its value.
type flagValue struct {
	name  string
	value any
}

// blameFlags rewrites the problems of overridden fields to name the flag
// that set them (the file holds another value).
func blameFlags(err error, given map[string]flagValue) error {
	var se *datasets.ScenarioError
	if !errors.As(err, &se) {
		return err
	}
	out := &datasets.ScenarioError{}
	for _, p := range se.Problems {
		if v, ok := given[p.Path]; ok {
			p = datasets.Problem{File: fmt.Sprintf("--%s %v", v.name, v.value), Msg: p.Msg}
		}
		out.Problems = append(out.Problems, p)
	}
	return out
}

// population is the line that says what population a command runs: its
// users and businesses with the users per business, and where --users
// alone scaled the businesses, from what.
func (o *scenarioOptions) population(sc *datasets.Scenario) string {
	upb := datasets.UsersPerBusiness(sc.Users, sc.Businesses)
	scaled := ""
	if f := o.scaledFrom; f != [2]int{} && (f[0] != sc.Users || f[1] != sc.Businesses) {
		scaled = fmt.Sprintf(", the scenario's: --users scaled its %s businesses for %s users; --businesses sets them",
			thousands(f[1]), thousands(f[0]))
	}
	return fmt.Sprintf("Population: %s users and %s businesses (%s users per business%s), %s days",
		thousands(sc.Users), thousands(sc.Businesses), strconv.FormatFloat(math.Round(upb*10)/10, 'f', -1, 64), scaled, thousands(sc.Days))
}

// thousands formats n with thousands separators: 20,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
