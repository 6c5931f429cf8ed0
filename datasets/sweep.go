package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/msgmon/msgmon/sim/experiment/design"
)

// A Sweep is a base scenario and parameters to vary: the points of a grid,
// a Latin hypercube or random sample, each a scenario of its own run with
// the same seeds (common random numbers), so that differences between
// points are the parameters' and not chance.
//
// A sweep file:
//
//	name: pushes-per-week
//	scenario: default          # an embedded scenario, or a file relative to this one
//	set:                       # fixed changes to the base, by key path
//	  users: 5000              # without businesses: keeps the base's users per business
//	arms: [service_only, paid_push]   # the base's arms to run (default: all)
//	replicates: 4              # default: the scenario's
//	design: grid               # grid (default), lhs or random
//	points: 20                 # lhs and random: how many
//	seed: 1                    # lhs and random: the design's seed
//	parameters:
//	  - path: business.sends_per_week_mean
//	    values: [0.5, 1, 2, 4, 8]
//	  - path: user.tolerance_median
//	    min: 1
//	    max: 5
//	    levels: 3              # grid only
//	    scale: log             # linear (default) or log
//	    integer: false
//
// users: in set:, as a parameter or in a target's set: scales the
// businesses with the users, keeping the base's users per business,
// unless one of the point's changes (set:, its parameters, the target's
// set:) names businesses: (withScaledBusinesses).
type Sweep struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Base        string       `yaml:"scenario"`
	Set         yaml.Node    `yaml:"set"`
	Arms        []string     `yaml:"arms"`
	Replicates  int          `yaml:"replicates"`
	Design      string       `yaml:"design"`
	Points      int          `yaml:"points"`
	Levels      int          `yaml:"levels"`
	Seed        uint64       `yaml:"seed"`
	Parameters  []SweepParam `yaml:"parameters"`
	// For design: optimize.
	Objective   Objective    `yaml:"objective"`
	Constraints []Constraint `yaml:"constraints"`
	// For design: calibrate.
	Targets []Target `yaml:"targets"`
	// Budget bounds the evaluations of optimize and calibrate.
	Budget int `yaml:"budget"`
	// Facts, for design: calibrate, adds the facts of a facts file (the
	// scorecard) measured on the study's scenario as targets: each fact's
	// value, with its band's wider half as the tolerance.
	Facts *FactsRef `yaml:"facts"`
	// Curve, for design: calibrate, draws the model's dose–response at
	// the fitted values over more doses than the targets have: target
	// Target's set: with Path at each of Values.
	Curve *Curve `yaml:"curve"`

	file     string     // as given
	set      []Override // Set, flattened in file order
	baseName string     // the base scenario's name in problems
	baseData []byte
	check    bool // a calibration's check (AsCheck): its own ID
	abc      *ABCSpec
}

// ABCSpec are the settings of a calibration's plausible set (msgmon
// calibrate --plausible). They decide which vectors it evaluates after the
// fit, so they are part of the sweep's ID.
type ABCSpec struct {
	Particles, Generations, Budget int
	Epsilon, StartScale            float64
}

// WithABC marks a calibration as one that goes on to draw a plausible set
// with these settings: its runs are stored under an ID of their own.
func (sw *Sweep) WithABC(a ABCSpec) { sw.abc = &a }

// AsCheck marks a calibration as its check (targets measured at the
// scenario's values, no search), which stores its runs under an ID of its
// own, apart from the search's points.
func (sw *Sweep) AsCheck() { sw.check = true }

// Objective is what design: optimize maximises or minimises: an SQL
// expression over run_totals columns (e.g. platform_revenue_usd), averaged
// over the replicates of the sweep's arm.
type Objective struct {
	Maximize string `yaml:"maximize"`
	Minimize string `yaml:"minimize"`
}

// Constraint bounds an output of design: optimize: its 95 % confidence
// bound over the replicates (the upper one for max:, the lower one for
// min:) must lie within, so that a policy found holds on fresh seeds too.
type Constraint struct {
	Output string   `yaml:"output"`
	Max    *float64 `yaml:"max"`
	Min    *float64 `yaml:"min"`
	line   int
}

// Target is one row of a calibration's target table: with set: applied on
// top of the point, the output (an SQL expression over run_totals columns,
// averaged over replicates) should equal value within tolerance.
//
// value: and tolerance: take a number or `!cal <row id>`, a row of the
// calibration tables (datasets/calibration/*.csv); a value read with !cal
// takes the row's source unless source: says otherwise. arm: is the arm
// measured (default: the sweep's last). horizon_days: measures the output
// over the first that many days of the run (default: all of them), so a
// target states its period and a study can vary it; it may not exceed the
// target's days.
type Target struct {
	Name    string    `yaml:"name"`
	Set     yaml.Node `yaml:"set" json:"-"`
	Arm     string    `yaml:"arm"`
	Horizon int       `yaml:"horizon_days"`
	Output  string    `yaml:"output"`
	// Dose is an optional second expression, the dose the target's run
	// delivered (e.g. messages per follow-week): printed, stored and the
	// x of the dose–response chart.
	Dose string `yaml:"dose"`
	// DoseValue is the dose the target's source states (e.g. 5 pushes a
	// week), the x of its point on the chart.
	DoseValue     *float64  `yaml:"dose_value"`
	ValueNode     yaml.Node `yaml:"value" json:"-"`
	ToleranceNode yaml.Node `yaml:"tolerance" json:"-"`
	Source        string    `yaml:"source"`
	// Value and Tolerance are value: and tolerance: read (from the
	// calibration tables when tagged !cal); ValueRow and ToleranceRow the
	// rows' ids, if any.
	Value, Tolerance       float64 `yaml:"-"`
	ValueRow, ToleranceRow string  `yaml:"-"`
	set                    []Override
	line                   int
	outputLine             int
	doseLine               int
	horizonLine            int
	// at names the target in problems (default targets[i]): a scorecard's
	// targets are facts of a facts file; again marks a second run of the
	// same output (a ratio's against run), checked once.
	at    string
	again bool
	// against, of a fact's ratio target: the changes of the run its
	// output is divided by (on the same seeds); ratio says it is one.
	against []Override
	ratio   bool
}

// TargetRatio reports whether target i is a ratio: its output over the
// output of the run with AgainstOverrides(i).
func (sw *Sweep) TargetRatio(i int) bool { return sw.Targets[i].ratio }

// AgainstOverrides are the changes of the run target i is divided by.
func (sw *Sweep) AgainstOverrides(i int) []Override { return sw.Targets[i].against }

// Curve is a calibration's dose–response curve: the target (by index)
// whose runs it repeats, the key path it varies and the values.
type Curve struct {
	Target int       `yaml:"target"`
	Path   string    `yaml:"path"`
	Values []float64 `yaml:"values"`
}

// CurveOverrides are the changes of the curve's point k: its target's
// set: with the curve's path at its k-th value.
func (sw *Sweep) CurveOverrides(k int) []Override {
	c := sw.Curve
	return append(append([]Override(nil), sw.Targets[c.Target].set...), Override{Path: c.Path, Value: c.Values[k]})
}

// TargetOverrides are the changes target i makes on top of a point.
func (sw *Sweep) TargetOverrides(i int) []Override { return sw.Targets[i].set }

// SweepParam is one parameter of a sweep: a key path and either a list of
// values or a range.
type SweepParam struct {
	Path    string    `yaml:"path"`
	Values  []any     `yaml:"values"`
	Min     *float64  `yaml:"min"`
	Max     *float64  `yaml:"max"`
	Levels  int       `yaml:"levels"`
	Scale   string    `yaml:"scale"`
	Integer bool      `yaml:"integer"`
	line    int       // of the entry in the sweep file
	column  string    // column name in the sweep's views
	values  []any     // Values, checked: float64, string or bool
	nums    []float64 // Values as numbers when all are numbers
}

// Limits on a sweep's size, so that a typo does not start a month of runs.
const (
	MaxSweepPoints = 100000
	maxSweepParams = 64
)

// SweepPoint is one point of a sweep: its index (its identity: the same
// sweep file gives the same points in the same order) and the value of
// each parameter, in the order of Parameters.
type SweepPoint struct {
	Index  int
	Values []any
}

// LoadSweep reads a sweep file and its base scenario. A base given as a
// path is read relative to the sweep file.
func LoadSweep(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return ParseSweep(path, data, func(name string) (string, []byte, error) {
		if !strings.ContainsAny(name, `/\`) && !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
			b, err := EmbeddedYAML(name)
			return "datasets/scenarios/" + name + ".yaml", b, err
		}
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil, fmt.Errorf("no scenario file %s", p)
		}
		return p, b, err
	})
}

// ParseSweep parses a sweep file; base reads the scenario it names (an
// embedded name or a file) and returns the name to use in problems.
func ParseSweep(file string, data []byte, base func(name string) (string, []byte, error)) (*Sweep, error) {
	ps := &problems{file: file}
	root := parseDocument(data, ps)
	if root == nil {
		return nil, ps.err()
	}
	sw := &Sweep{file: file, Design: "grid", Seed: 1}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sw); err != nil && !errors.Is(err, io.EOF) {
		addYAMLError(ps, err)
		return nil, ps.err()
	}
	line := func(path string) int { return lineOf(root, path) }
	params := valueOf(root, "parameters")
	if sw.Name == "" {
		base := filepath.Base(file)
		sw.Name = NameFromFile(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	if !safeName.MatchString(sw.Name) {
		ps.add(line("name"), "name", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got %s", ClipQ(sw.Name))
	}
	if sw.Base == "" {
		ps.add(0, "scenario", "missing; name an embedded scenario (%s) or a scenario file", strings.Join(EmbeddedNames(), ", "))
	}
	switch sw.Design {
	case "grid":
		if sw.Points != 0 {
			ps.add(line("points"), "points", "a grid has one point per combination of values; points: is for lhs and random")
		}
	case "lhs", "random":
		if sw.Points < 1 || sw.Points > MaxSweepPoints {
			ps.add(line("points"), "points", "design %s needs points: between 1 and %d, got %d", sw.Design, MaxSweepPoints, sw.Points)
		}
	case "morris":
		if sw.Points < 2 || sw.Points > 10000 {
			ps.add(line("points"), "points", "design morris needs points: (trajectories) between 2 and 10000, got %d", sw.Points)
		}
		if sw.Levels == 0 {
			sw.Levels = 4
		}
		if sw.Levels < 2 || sw.Levels%2 != 0 || sw.Levels > 100 {
			ps.add(line("levels"), "levels", "design morris needs an even number of grid levels from 2 to 100 (default 4), got %d", sw.Levels)
		}
	case "optimize", "calibrate":
		if sw.Points != 0 {
			ps.add(line("points"), "points", "design %s chooses its own points; give budget: (evaluations) instead", sw.Design)
		}
		if sw.Budget == 0 {
			sw.Budget = 60
		}
		if sw.Budget < 2 || sw.Budget > 10000 {
			ps.add(line("budget"), "budget", "must be between 2 and 10000 evaluations, got %d", sw.Budget)
		}
		if sw.Design == "optimize" && (sw.Objective.Maximize == "") == (sw.Objective.Minimize == "") {
			ps.add(line("objective"), "objective", "give one of maximize: or minimize:, an output such as platform_revenue_usd")
		}
		if sw.Design == "calibrate" && sw.Facts != nil {
			factTargets(sw, root, ps)
		}
		if sw.Design == "calibrate" && len(sw.Targets) == 0 {
			ps.add(line("targets"), "targets", "list the target table: rows with set:, output: and value:")
		}
	case "sobol":
		if sw.Points < 2 || sw.Points > MaxSweepPoints {
			ps.add(line("points"), "points", "design sobol needs points: (base samples N; it runs N x (parameters + 2) points) between 2 and %d, got %d", MaxSweepPoints, sw.Points)
		}
	default:
		ps.add(line("design"), "design", "must be grid, lhs, random, morris, sobol, optimize or calibrate, got %q", sw.Design)
	}
	if sw.Design != "optimize" && (sw.Objective != Objective{} || len(sw.Constraints) > 0) {
		ps.add(line("objective"), "objective", "objective: and constraints: are for design: optimize")
	}
	if c := sw.Curve; c != nil {
		switch {
		case sw.Design != "calibrate":
			ps.add(line("curve"), "curve", "curve: is for design: calibrate")
		case c.Target < 0 || c.Target >= len(sw.Targets) || sw.Targets[c.Target].Dose == "":
			ps.add(line("curve.target"), "curve.target", "must be the index of a target with dose: (0 to %d), got %d", len(sw.Targets)-1, c.Target)
		case c.Path == "" || len(c.Values) == 0 || len(c.Values) > 100:
			ps.add(line("curve"), "curve", "give path: (the key that sets the dose, e.g. business.sends_per_week_mean) and 1 to 100 values:")
		}
	}
	if sw.Design != "calibrate" && len(sw.Targets) > 0 {
		ps.add(line("targets"), "targets", "targets: are for design: calibrate")
	}
	if sw.Design != "optimize" && sw.Design != "calibrate" && sw.Budget != 0 {
		ps.add(line("budget"), "budget", "budget: is for design: optimize and calibrate")
	}
	if cs := valueOf(root, "constraints"); cs != nil {
		for i := range sw.Constraints {
			if i < len(cs.Content) {
				sw.Constraints[i].line = cs.Content[i].Line
			}
			c := sw.Constraints[i]
			if c.Output == "" || (c.Max == nil) == (c.Min == nil) {
				ps.add(c.line, fmt.Sprintf("constraints[%d]", i), "give output: and one of max: or min:")
			}
			for j, b := range []*float64{c.Max, c.Min} {
				key := []string{"max", "min"}[j]
				if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
					ps.add(c.line, fmt.Sprintf("constraints[%d].%s", i, key), "must be a finite number (the bound the output's 95 %% confidence bound must keep), got %v", *b)
				}
			}
		}
	}
	if ts := valueOf(root, "targets"); ts != nil {
		for i := range sw.Targets {
			if sw.Targets[i].at != "" {
				continue // a fact's, checked with its facts file
			}
			tg := &sw.Targets[i]
			if i < len(ts.Content) {
				tg.line = ts.Content[i].Line
			}
			if i < len(ts.Content) {
				tg.outputLine = lineOf(ts.Content[i], "output")
				tg.doseLine = lineOf(ts.Content[i], "dose")
				tg.horizonLine = lineOf(ts.Content[i], "horizon_days")
			}
			if tg.Output == "" {
				ps.add(tg.line, fmt.Sprintf("targets[%d]", i), "output: missing; an SQL expression over run_totals columns")
			}
			at := fmt.Sprintf("targets[%d]", i)
			tg.Value, tg.ValueRow = targetNumber(&tg.ValueNode, at+".value", true, ps)
			tg.Tolerance, tg.ToleranceRow = targetNumber(&tg.ToleranceNode, at+".tolerance", false, ps)
			if tg.Tolerance < 0 {
				ps.add(tg.ToleranceNode.Line, at+".tolerance", "must be ≥ 0, got %v", tg.Tolerance)
			}
			if tg.Source == "" && tg.ValueRow != "" {
				if cal, err := Calibration(); err == nil {
					row, _ := cal.Lookup(tg.ValueRow)
					tg.Source = row.Source + " (" + tg.ValueRow + ")"
				}
			}
			if tg.Horizon < 0 {
				ps.add(tg.horizonLine, at+".horizon_days", "must be ≥ 1 (0 or absent: all the run's days), got %d", tg.Horizon)
			}
			if tg.Name == "" {
				tg.Name = fmt.Sprintf("target %d", i)
			}
			if tg.Set.Kind == yaml.MappingNode {
				flattenSet(&tg.Set, "", ps, &tg.set, 0)
			} else if tg.Set.Kind != 0 {
				ps.add(tg.line, fmt.Sprintf("targets[%d].set", i), "must be a mapping of key paths to values")
			}
		}
	}
	if sw.Levels != 0 && sw.Design != "morris" {
		ps.add(line("levels"), "levels", "a sweep-wide levels: is for design morris; a grid takes levels: per parameter")
	}
	if sw.Replicates < 0 || sw.Replicates > 1000 {
		ps.add(line("replicates"), "replicates", "must be between 1 and 1000 (0: the scenario's), got %d", sw.Replicates)
	}
	if len(sw.Parameters) == 0 {
		ps.add(line("parameters"), "parameters", "missing; list at least one parameter with path: and values: or min: and max:")
	}
	if len(sw.Parameters) > maxSweepParams {
		ps.add(line("parameters"), "parameters", "at most %d parameters, got %d", maxSweepParams, len(sw.Parameters))
	}
	// set: a mapping of key paths, flattened in file order.
	if sw.Set.Kind != 0 {
		if sw.Set.Kind != yaml.MappingNode {
			ps.add(sw.Set.Line, "set", "must be a mapping of key paths to values, e.g. users: 5000")
		} else {
			flattenSet(&sw.Set, "", ps, &sw.set, 0)
		}
	}
	seen := map[string]bool{}
	for i := range sw.Parameters {
		p := &sw.Parameters[i]
		at := fmt.Sprintf("parameters[%d]", i)
		if params != nil && i < len(params.Content) {
			p.line = params.Content[i].Line
		}
		bad := func(format string, args ...any) { ps.add(p.line, at, format, args...) }
		switch {
		case p.Path == "":
			bad("path: missing; name the scenario key to vary, e.g. business.sends_per_week_mean")
			continue
		case seen[p.Path]:
			bad("path %s is swept twice", Clip(p.Path))
		}
		seen[p.Path] = true
		for _, o := range sw.set {
			if o.Path == p.Path {
				bad("path %s is both set: and swept", Clip(p.Path))
			}
		}
		switch p.Scale {
		case "", "linear", "log":
		default:
			bad("scale: must be linear or log, got %q", p.Scale)
		}
		if len(p.Values) > 0 && (sw.Design == "morris" || sw.Design == "sobol" || sw.Design == "optimize" || sw.Design == "calibrate") {
			bad("design %s needs a range (min:, max:) for every parameter, not values:", sw.Design)
			continue
		}
		if len(p.Values) > 0 {
			if p.Min != nil || p.Max != nil || p.Levels != 0 || p.Scale != "" || p.Integer {
				bad("give either values: or a range (min:, max:, levels:, scale:, integer:), not both")
			}
			allNum := true
			for j, v := range p.Values {
				switch x := v.(type) {
				case int:
					p.values = append(p.values, float64(x))
				case float64:
					if math.IsNaN(x) || math.IsInf(x, 0) {
						bad("values[%d]: must be a finite number, got %v", j, x)
					}
					p.values = append(p.values, x)
				case string, bool:
					p.values = append(p.values, x)
					allNum = false
				default:
					bad("values[%d]: must be a number, text or true/false, got %v", j, v)
					allNum = false
				}
			}
			if allNum {
				for _, v := range p.values {
					p.nums = append(p.nums, v.(float64))
				}
			}
			continue
		}
		switch {
		case p.Min == nil || p.Max == nil:
			bad("give values: [...] or both min: and max:")
			continue
		case !(*p.Min < *p.Max) || math.IsInf(*p.Min, 0) || math.IsInf(*p.Max, 0):
			bad("min: must be below max: and both finite, got %v and %v", *p.Min, *p.Max)
		case p.Scale == "log" && *p.Min <= 0:
			bad("scale: log needs min: > 0, got %v", *p.Min)
		case p.Integer && (*p.Min != math.Trunc(*p.Min) || *p.Max != math.Trunc(*p.Max)):
			bad("integer: true needs whole min: and max:, got %v and %v", *p.Min, *p.Max)
		}
		switch {
		case sw.Design == "grid" && (p.Levels < 1 || p.Levels > 1000):
			bad("levels: a grid needs 1 to 1000 levels for a range, got %d", p.Levels)
		case sw.Design != "grid" && p.Levels != 0:
			bad("levels: is for grids; design %s draws %d points", sw.Design, sw.Points)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	columns(sw.Parameters)
	if n := sw.NumPoints(); n > MaxSweepPoints {
		ps.add(line("parameters"), "parameters", "the grid has %d points, more than %d; use fewer levels or design: lhs", n, MaxSweepPoints)
		return nil, ps.err()
	}
	name, b, err := base(sw.Base)
	if err != nil {
		ps.add(line("scenario"), "scenario", "%v", err)
		return nil, ps.err()
	}
	sw.baseName, sw.baseData = name, b
	// Check the base with the fixed changes, and the arms.
	s, err := ParseWith(name, b, sw.set)
	if err != nil {
		// A problem with a key that set: changes is the sweep file's: name
		// its line there. Any other is the base scenario's.
		var se *ScenarioError
		var rest []string
		if errors.As(err, &se) {
			for _, p := range se.Problems {
				if o, ok := setFor(sw.set, p.Path); ok {
					ps.add(setLine(&sw.Set, o), "set."+p.Path, "%s", p.Msg)
				} else {
					rest = append(rest, p.String())
				}
			}
		} else {
			rest = append(rest, err.Error())
		}
		if len(rest) > 0 {
			ps.add(line("scenario"), "scenario", "the base scenario with set: does not load:\n%s", strings.Join(rest, "\n"))
		}
		return nil, ps.err()
	}
	have := map[string]bool{}
	var names []string
	for _, a := range s.Arms() {
		have[a.Name] = true
		names = append(names, a.Name)
	}
	for i, a := range sw.Arms {
		if !have[a] {
			ps.add(line("arms"), fmt.Sprintf("arms[%d]", i), "the scenario has no arm %q; its arms: %s", a, strings.Join(names, ", "))
		}
	}
	runs := names
	if len(sw.Arms) > 0 {
		runs = sw.Arms
	}
	for i := range sw.Targets {
		tg := &sw.Targets[i]
		at := fmt.Sprintf("targets[%d]", i)
		if tg.Arm != "" && !slices.Contains(runs, tg.Arm) {
			ps.add(line(at+".arm"), at+".arm", "the sweep runs no arm %q; name one of %s (arms:)", tg.Arm, strings.Join(runs, ", "))
		}
		if tg.Horizon > 0 {
			days := s.Config.Days
			for _, o := range tg.set {
				if o.Path == "days" {
					if v, ok := o.Value.(float64); ok {
						days = int(v)
					}
				}
			}
			if tg.Horizon > days {
				ps.add(tg.horizonLine, at+".horizon_days", "%d days is longer than the target's run of %d days; shorten the horizon or set days: ≥ %d (in set: or the target's set:)", tg.Horizon, days, tg.Horizon)
			}
		}
	}
	return sw, ps.err()
}

// targetNumber reads a target's value: or tolerance: node, a number or
// `!cal <row id>`; it returns the number and the row's id (empty for a
// plain number). need: the node must be there.
func targetNumber(n *yaml.Node, path string, need bool, ps *problems) (float64, string) {
	if n.Kind == 0 {
		if need {
			ps.add(0, path, "missing; give a number or %s <row id> of datasets/calibration/", CalTag)
		}
		return 0, ""
	}
	if n.Kind != yaml.ScalarNode {
		ps.add(n.Line, path, "must be a number or %s <row id>, got %s", CalTag, describe(n))
		return 0, ""
	}
	if n.Tag == CalTag {
		id := strings.TrimSpace(n.Value)
		cal, err := Calibration()
		if err != nil {
			ps.add(n.Line, path, "%v", err)
			return 0, ""
		}
		row, ok := cal.Lookup(id)
		if !ok {
			ps.add(n.Line, path, "%s", cal.unknownID(id))
			return 0, ""
		}
		return row.Value, id
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		ps.add(n.Line, path, "must be a finite number or %s <row id>, got %q", CalTag, n.Value)
		return 0, ""
	}
	return v, ""
}

// sqlWords are the words of an output expression that are not columns.
var sqlWords = map[string]bool{"and": true, "or": true, "not": true, "case": true, "when": true, "then": true,
	"else": true, "end": true, "null": true, "as": true, "is": true, "in": true, "between": true, "true": true,
	"false": true, "double": true, "integer": true, "bigint": true, "float": true, "decimal": true, "real": true,
	"varchar": true, "distinct": true, "like": true, "e": true}

// CheckOutputs refuses targets whose output names a column not in columns
// (run_totals' columns), with file:line:field and the columns there are.
// Functions (a word before '(') and SQL words are not columns.
func (sw *Sweep) CheckOutputs(columns []string) error {
	ps := &problems{file: sw.file}
	have := map[string]bool{}
	for _, c := range columns {
		have[strings.ToLower(c)] = true
	}
	for i, tg := range sw.Targets {
		at := tg.at
		if at == "" {
			at = fmt.Sprintf("targets[%d]", i)
		}
		if tg.again {
			continue
		}
		for _, w := range outputWords(tg.Output) {
			if !have[strings.ToLower(w)] {
				ps.add(tg.outputLine, at+".output", "no column %q in run_totals; the columns: %s", w, strings.Join(columns, ", "))
			}
		}
		for _, w := range outputWords(tg.Dose) {
			if !have[strings.ToLower(w)] {
				ps.add(tg.doseLine, at+".dose", "no column %q in run_totals; the columns: %s", w, strings.Join(columns, ", "))
			}
		}
	}
	return ps.err()
}

// outputWords are the identifiers of an SQL expression that name columns:
// not in quotes, not followed by '(', not after '::', not SQL words.
func outputWords(expr string) []string {
	var out []string
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(expr[i+1:], '\'')
			if j < 0 {
				return out
			}
			i += j + 2
		case c == '"':
			j := strings.IndexByte(expr[i+1:], '"')
			if j < 0 {
				return out
			}
			out = append(out, expr[i+1:i+1+j])
			i += j + 2
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (expr[i] >= '0' && expr[i] <= '9' || expr[i] == '.' || expr[i] == 'e' || expr[i] == 'E') {
				i++
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(expr) && (expr[j] == '_' || expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			w := expr[i:j]
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			cast := i >= 2 && expr[i-2:i] == "::"
			if !(k < len(expr) && expr[k] == '(') && !cast && !sqlWords[strings.ToLower(w)] {
				out = append(out, w)
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// valueOf is the value node of key in mapping m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

func flattenSet(m *yaml.Node, prefix string, ps *problems, out *[]Override, depth int) {
	if depth > 16 {
		ps.add(m.Line, "set."+prefix, "nested too deep (an alias that contains itself?); write key paths such as user.tolerance_median")
		return
	}
	if len(*out) > 10000 {
		ps.add(m.Line, "set", "more than 10000 keys; set: is for a few fixed changes")
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if k.Tag == "!!merge" && v.Kind == yaml.MappingNode {
			// `<<: *common`: the anchored mapping's keys, then this one's
			// (later keys win).
			flattenSet(v, prefix, ps, out, depth+1)
			continue
		}
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		switch v.Kind {
		case yaml.MappingNode:
			flattenSet(v, path, ps, out, depth+1)
		case yaml.ScalarNode:
			val, err := resolvedScalar(v)
			if err != nil {
				ps.add(v.Line, "set."+path, "%v", err)
				continue
			}
			switch x := val.(type) {
			case int:
				val = float64(x)
			case float64, string, bool:
			default:
				ps.add(v.Line, "set."+path, "must be a number, text or true/false")
				continue
			}
			*out = append(*out, Override{Path: path, Value: val})
		default:
			ps.add(v.Line, "set."+path, "set: takes single values; a list cannot be set (edit the scenario file)")
		}
	}
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// columns names each parameter's column in the sweep's views: the last key
// of its path when no other parameter ends the same, else the whole path
// with dots as underscores.
func columns(ps []SweepParam) {
	count := map[string]int{}
	for _, p := range ps {
		count[lastKey(p.Path)]++
	}
	for i := range ps {
		c := lastKey(ps[i].Path)
		if count[c] > 1 {
			c = ps[i].Path
		}
		ps[i].column = nonIdent.ReplaceAllString(c, "_")
	}
}

func lastKey(path string) string { return path[strings.LastIndex(path, ".")+1:] }

// File is the sweep file's name as given.
func (sw *Sweep) File() string { return sw.file }

// Columns are the parameters' column names in the sweep's views, in order.
func (sw *Sweep) Columns() []string {
	cs := make([]string, len(sw.Parameters))
	for i, p := range sw.Parameters {
		cs[i] = p.column
	}
	return cs
}

// NumPoints is the number of points of the design.
func (sw *Sweep) NumPoints() int {
	switch sw.Design {
	case "morris":
		return sw.Points * (len(sw.Parameters) + 1)
	case "sobol":
		return sw.Points * (len(sw.Parameters) + 2)
	case "lhs", "random":
		return sw.Points
	case "optimize", "calibrate":
		return 0
	}
	n := 1
	for _, p := range sw.Parameters {
		k := p.Levels
		if len(p.values) > 0 {
			k = len(p.values)
		}
		if n > MaxSweepPoints {
			return n
		}
		n *= max(k, 1)
	}
	return n
}

// Box is the space optimize and calibrate search: the parameters' ranges.
func (sw *Sweep) Box() design.Box { return sw.box() }

// box is the design space: a range parameter as it is, a value list as
// an integer index into it.
func (sw *Sweep) box() design.Box {
	b := make(design.Box, len(sw.Parameters))
	for i, p := range sw.Parameters {
		if len(p.values) > 0 {
			b[i] = design.Parameter{Name: p.Path, Lo: 0, Hi: float64(len(p.values) - 1), Integer: true}
			continue
		}
		b[i] = design.Parameter{Name: p.Path, Lo: *p.Min, Hi: *p.Max, Integer: p.Integer}
		if p.Scale == "log" {
			b[i].Scale = design.Log
		}
	}
	return b
}

// PointsOf returns the sweep's points in their fixed order.
func (sw *Sweep) PointsOf() ([]SweepPoint, error) {
	var coords [][]float64
	var err error
	switch sw.Design {
	case "grid":
		lists := make([][]float64, len(sw.Parameters))
		for i, p := range sw.Parameters {
			if len(p.values) > 0 {
				for j := range p.values {
					lists[i] = append(lists[i], float64(j))
				}
				continue
			}
			one := sw.box()[i : i+1]
			g, err := design.Grid(one, []int{p.Levels})
			if err != nil {
				return nil, fmt.Errorf("%s:%d: parameters[%d]: %v", sw.file, p.line, i, err)
			}
			for _, x := range g {
				lists[i] = append(lists[i], x[0])
			}
		}
		coords, err = design.GridValues(lists)
	case "morris":
		var m *design.Morris
		if m, err = sw.Morris(); err == nil {
			coords = m.Points
		}
	case "sobol":
		var so *design.Sobol
		if so, err = sw.Sobol(); err == nil {
			coords = so.Points
		}
	case "lhs", "random":
		b := sw.box()
		// A one-value list is a constant, which a box cannot hold.
		var fixed []int
		var vary design.Box
		for i, p := range b {
			if p.Lo == p.Hi {
				fixed = append(fixed, i)
			} else {
				vary = append(vary, p)
			}
		}
		var pts [][]float64
		if len(vary) > 0 {
			if sw.Design == "lhs" {
				pts, err = design.LatinHypercube(vary, sw.Points, sw.Seed)
			} else {
				pts, err = design.Random(vary, sw.Points, sw.Seed)
			}
		} else {
			pts = make([][]float64, sw.Points)
		}
		for _, q := range pts {
			full := make([]float64, 0, len(b))
			k := 0
			for i := range b {
				if slices.Contains(fixed, i) {
					full = append(full, b[i].Lo)
					continue
				}
				full = append(full, q[k])
				k++
			}
			coords = append(coords, full)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", sw.file, err)
	}
	points := make([]SweepPoint, len(coords))
	for i, c := range coords {
		vals := make([]any, len(c))
		for j, x := range c {
			p := sw.Parameters[j]
			if len(p.values) > 0 {
				vals[j] = p.values[int(math.Round(x))]
			} else {
				vals[j] = x
			}
		}
		points[i] = SweepPoint{Index: i, Values: vals}
	}
	return points, nil
}

// Morris is the sweep's Morris design (design: morris): points:
// trajectories on levels: grid levels, drawn with seed:.
func (sw *Sweep) Morris() (*design.Morris, error) {
	if sw.Design != "morris" {
		return nil, fmt.Errorf("%s: design is %s, not morris", sw.file, sw.Design)
	}
	return design.NewMorris(sw.box(), sw.Points, sw.Levels, sw.Seed)
}

// Sobol is the sweep's Saltelli design (design: sobol) with points: base
// samples from a scrambled Halton sequence seeded with seed:.
func (sw *Sweep) Sobol() (*design.Sobol, error) {
	if sw.Design != "sobol" {
		return nil, fmt.Errorf("%s: design is %s, not sobol", sw.file, sw.Design)
	}
	return design.NewSobol(sw.box(), sw.Points, sw.Seed, design.HaltonBase)
}

// Overrides are the changes a point makes to the base scenario: set:
// first, then the point's parameters.
func (sw *Sweep) Overrides(pt SweepPoint) []Override {
	os := append([]Override(nil), sw.set...)
	for i, p := range sw.Parameters {
		os = append(os, Override{Path: p.Path, Value: pt.Values[i]})
	}
	return os
}

// Scenario is the point's scenario: the base with set: and the point's
// values, restricted to the sweep's arms and replicates, named after the
// sweep. Problems say which point and values they come from.
func (sw *Sweep) Scenario(pt SweepPoint) (*Scenario, error) {
	return sw.ScenarioWith(pt, nil)
}

// ScenarioWith is Scenario with extra changes after the point's, such as a
// calibration target's set:.
func (sw *Sweep) ScenarioWith(pt SweepPoint, extra []Override) (*Scenario, error) {
	s, err := ParseWith(sw.baseName, sw.baseData, append(sw.Overrides(pt), extra...))
	if err != nil {
		var parts []string
		for i, p := range sw.Parameters {
			parts = append(parts, Override{Path: p.Path, Value: pt.Values[i]}.String())
		}
		line := 0
		for i, p := range sw.Parameters {
			var se *ScenarioError
			if errors.As(err, &se) {
				for _, pr := range se.Problems {
					if pr.Path == p.Path || strings.HasPrefix(pr.Path, p.Path+".") || strings.HasPrefix(pr.Path, p.Path+"[") {
						line = sw.Parameters[i].line
					}
				}
			}
		}
		where := sw.file
		if line > 0 {
			where = fmt.Sprintf("%s:%d", sw.file, line)
		}
		return nil, &SweepError{Msg: fmt.Sprintf("%s: point %d (%s) is not a valid scenario; narrow the parameter's range or values:\n%v",
			where, pt.Index, strings.Join(parts, ", "), err)}
	}
	s.Name = sw.Name
	if sw.Replicates > 0 {
		s.Replicates = sw.Replicates
	}
	if len(sw.Arms) > 0 {
		keep := map[string]bool{}
		for _, a := range sw.Arms {
			keep[a] = true
		}
		var arms []Arm
		for _, a := range s.Arms() {
			if keep[a.Name] {
				arms = append(arms, a)
			}
		}
		// The arms kept, each with all its models: they stand alone now.
		baseline := s.Baseline()
		s.Compare.Base = nil
		s.Compare.Arms = arms
		s.Compare.Baseline = baseline
		if !keep[baseline] {
			s.Compare.Baseline = arms[0].Name
		}
	}
	return s, nil
}

// SweepError is a sweep whose points do not all make valid scenarios.
type SweepError struct{ Msg string }

func (e *SweepError) Error() string { return e.Msg }

// PointParams is the JSON stored with every run of a point (runs.params):
// the sweep's name and id, the point's index and each parameter's value
// under its column name.
func (sw *Sweep) PointParams(id string, pt SweepPoint) string {
	m := map[string]any{"sweep": sw.Name, "sweep_id": id, "point": pt.Index}
	for i, p := range sw.Parameters {
		m[p.column] = pt.Values[i]
	}
	b, _ := json.Marshal(m) // keys sorted: the same point, the same text
	return string(b)
}

// ID is the sweep's identity: its name and a hash of everything that
// decides its runs (the sweep file's content as parsed and the base
// scenario's text). Running the same sweep again finds its runs under the
// same ID and resumes; a changed sweep gets a new one.
func (sw *Sweep) ID() string {
	h := sha256.New()
	spec := struct {
		Name       string
		Set        []Override
		Arms       []string
		Replicates int
		Design     string
		Points     int
		Levels     int
		Seed       uint64
		Params     []SweepParam
		Values     [][]any
		Objective  Objective
		Cons       []Constraint
		Targets    []Target
		TargetSets [][]Override
		Budget     int
		Check      bool     `json:",omitempty"`
		Curve      *Curve   `json:",omitempty"`
		ABC        *ABCSpec `json:",omitempty"`
	}{sw.Name, sw.set, sw.Arms, sw.Replicates, sw.Design, sw.Points, sw.Levels, sw.Seed, sw.Parameters, nil,
		sw.Objective, sw.Constraints, sw.Targets, nil, sw.Budget, sw.check, sw.Curve, sw.abc}
	for _, t := range sw.Targets {
		spec.TargetSets = append(spec.TargetSets, t.set)
	}
	for _, p := range sw.Parameters {
		spec.Values = append(spec.Values, p.values)
	}
	b, _ := json.Marshal(spec)
	h.Write(b)
	h.Write([]byte{0})
	h.Write(sw.baseData)
	return "sweep-" + sw.Name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// setFor returns the path of the set: override that a problem at path is
// about: the same key, or a key under it.
func setFor(set []Override, path string) (string, bool) {
	if path == "" {
		return "", false
	}
	for _, o := range set {
		if o.Path == path || isUnder(path, o.Path) {
			return o.Path, true
		}
	}
	return "", false
}

// setLine is the line of key path p in the set: mapping, written flat
// (business.sends_per_week_mean: 7) or nested.
func setLine(set *yaml.Node, p string) int {
	for i := 0; i+1 < len(set.Content); i += 2 {
		if set.Content[i].Value == p {
			return set.Content[i].Line
		}
	}
	if l := lineOf(set, p); l > 0 {
		return l
	}
	return set.Line
}

// BaseValues are the values the base scenario (with set:) gives the
// parameters, as numbers: the point a calibration's check evaluates, so
// that `msgmon calibrate --check` measures the scenario as it is.
func (sw *Sweep) BaseValues() ([]float64, error) {
	s, err := ParseWith(sw.baseName, sw.baseData, sw.set)
	if err != nil {
		return nil, err
	}
	js, err := s.JSON()
	if err != nil {
		return nil, err
	}
	var root any
	if err := json.Unmarshal(js, &root); err != nil {
		return nil, err
	}
	out := make([]float64, len(sw.Parameters))
	for i, p := range sw.Parameters {
		v := root
		for _, seg := range strings.Split(p.Path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[seg]
		}
		x, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("%s:%d: parameters[%d]: %s has no numeric value in the scenario", sw.file, p.line, i, p.Path)
		}
		out[i] = x
	}
	return out, nil
}

// TargetLine is the line of target i in the study file, for problems
// found after loading.
func (sw *Sweep) TargetLine(i int) int { return sw.Targets[i].line }
