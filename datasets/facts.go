package datasets

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// A facts file is the scorecard: what the world reports (the platforms'
// results, surveys, benchmarks), each fact as its source measured it, the
// band within which the model's figure counts as agreeing, and how to
// measure that figure in the model (a scenario, an arm, changes, an SQL
// expression over run_totals, the horizon). msgmon scorecard runs them;
// models/ODD.md, "Calibration and validation", says how the bands are set.
//
//	replicates: 4
//	facts:
//	  - id: whatsapp.paid_messaging_per_user_year
//	    quantity: platform revenue from paid messaging per monthly user and year
//	    value: 0.67
//	    band: {low: 0.4, high: 1.1, basis: the run rate's and the users' uncertainty}
//	    source: Meta Q4 2025 earnings call (press summaries)
//	    source_date: 2026-01-28
//	    scenario: world-2025
//	    arm: service+paid_push
//	    set: {days: 182}
//	    output: 365.0 * (platform_revenue_messages + platform_revenue_service) / (users * days_recorded)
//
// A fact with against: is a direction (a cap lowers volume): the model's
// figure is the output of its run over the output of the against run, on
// the same seeds. A fact with input: is a check of the scenario as loaded
// (no run): a quantity computed from its rate card.

//go:embed facts/*.yaml
var factsFS embed.FS

// FactsFile is the embedded scorecard's name, as problems name it.
const FactsFile = "datasets/facts/scorecard.yaml"

// Facts is a facts file.
type Facts struct {
	// Replicates is the runs per measured arm (default 4).
	Replicates int    `yaml:"replicates"`
	Facts      []Fact `yaml:"facts"`

	file string
	data []byte
}

// Fact is one row of the scorecard.
type Fact struct {
	ID string `yaml:"id"`
	// Quantity is what the source measured, in its words.
	Quantity string `yaml:"quantity"`
	// ValueNode is the figure the source reports (a number or !cal row).
	ValueNode yaml.Node `yaml:"value" json:"-"`
	Value     float64   `yaml:"-"`
	ValueRow  string    `yaml:"-"`
	Unit      string    `yaml:"unit"`
	Band      FactBand  `yaml:"band"`
	// Source and SourceDate: where the figure comes from and when; a
	// press report of a call says so.
	Source     string `yaml:"source"`
	SourceDate string `yaml:"source_date"`
	// Scenario is an embedded scenario's name; Arm the arm measured
	// (default: the scenario's last).
	Scenario string `yaml:"scenario"`
	Arm      string `yaml:"arm"`
	// Horizon: the figure over the run's first days (0: the whole run).
	Horizon int       `yaml:"horizon_days"`
	Set     yaml.Node `yaml:"set" json:"-"`
	// Output is an SQL expression over run_totals columns, averaged over
	// the replicates.
	Output string `yaml:"output"`
	// Against makes the fact a ratio: Output of this run over Output of
	// the against run (its arm and changes), on the same seeds.
	Against *FactRun `yaml:"against"`
	// Input names a quantity of the loaded scenario (no run): one of
	// InputQuantities.
	Input string `yaml:"input"`
	// ByMarket: the scorecard also shows what businesses were charged by
	// market in the fact's runs (view market_summary), the breakdown that
	// explains a revenue figure.
	ByMarket bool `yaml:"by_market"`

	set        []Override
	line       int
	outputLine int
}

// FactRun is the other run of a ratio fact.
type FactRun struct {
	Arm string    `yaml:"arm"`
	Set yaml.Node `yaml:"set" json:"-"`
	set []Override
}

// FactBand is the acceptance band: the model's figure passes when it is
// within [Low, High] (an absent bound is open). With Significant, its 95 %
// interval must lie inside too: a direction must be shown, not be a draw.
type FactBand struct {
	Low  *float64 `yaml:"low"`
	High *float64 `yaml:"high"`
	// Within sets both: value ± within (a number or !cal row, e.g. a
	// tolerance row of datasets/calibration/).
	Within      yaml.Node `yaml:"within" json:"-"`
	WithinRow   string    `yaml:"-"`
	Significant bool      `yaml:"significant"`
	// Basis says how the band was set.
	Basis string `yaml:"basis"`
}

// Contains reports whether x is inside the band.
func (b FactBand) Contains(x float64) bool {
	if math.IsNaN(x) {
		return false
	}
	return (b.Low == nil || x >= *b.Low) && (b.High == nil || x <= *b.High)
}

// LowOr and HighOr are the bounds, or def when open.
func (b FactBand) LowOr(def float64) float64 {
	if b.Low == nil {
		return def
	}
	return *b.Low
}

func (b FactBand) HighOr(def float64) float64 {
	if b.High == nil {
		return def
	}
	return *b.High
}

// String is the band as [low, high], open ends as −∞ and ∞.
func (b FactBand) String() string {
	lo, hi := "−∞", "∞"
	if b.Low != nil {
		lo = fmt.Sprintf("%.4g", *b.Low)
	}
	if b.High != nil {
		hi = fmt.Sprintf("%.4g", *b.High)
	}
	return "[" + lo + ", " + hi + "]"
}

// InputQuantities are the quantities of a scenario a fact's input: may
// name, with what they are.
var InputQuantities = map[string]string{
	"marketing_over_utility_price": "the user-weighted mean price of a marketing message over that of a utility message (models.paid_push rate card, weighted by markets' user shares)",
}

// File is the file the facts were read from.
func (f *Facts) File() string { return f.file }

// Data is the file's bytes (stored with the scorecard).
func (f *Facts) Data() []byte { return f.data }

// Line is the line of fact i in its file.
func (f *Facts) Line(i int) int { return f.Facts[i].line }

// DefaultFacts is the embedded scorecard.
func DefaultFacts() (*Facts, error) {
	b, err := fs.ReadFile(factsFS, "facts/scorecard.yaml")
	if err != nil {
		return nil, err
	}
	return ParseFacts(FactsFile, b)
}

// LoadFacts reads a facts file.
func LoadFacts(path string) (*Facts, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return ParseFacts(path, b)
}

// ParseFacts parses and checks a facts file: every problem with its line
// and field, and what to change.
func ParseFacts(file string, data []byte) (*Facts, error) {
	ps := &problems{file: file}
	root := parseDocument(data, ps)
	if root == nil {
		return nil, ps.err()
	}
	f := &Facts{file: file, data: data}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		addYAMLError(ps, err)
		return nil, ps.err()
	}
	if f.Replicates == 0 {
		f.Replicates = 4
	}
	if f.Replicates < 2 || f.Replicates > 1000 {
		ps.add(lineOf(root, "replicates"), "replicates", "must be between 2 and 1000 (a fact's figure needs its sampling error), got %d", f.Replicates)
	}
	list := valueOf(root, "facts")
	if len(f.Facts) == 0 {
		ps.add(lineOf(root, "facts"), "facts", "missing; list the facts, each with id:, quantity:, value:, band:, source:, source_date:, scenario: and output: (or input:)")
	}
	seen := map[string]int{}
	for i := range f.Facts {
		ft := &f.Facts[i]
		at := fmt.Sprintf("facts[%d]", i)
		var node *yaml.Node
		if list != nil && i < len(list.Content) {
			node = list.Content[i]
			ft.line = node.Line
			ft.outputLine = lineOf(node, "output")
		}
		ln := func(key string) int {
			if l := lineOf(node, key); l > 0 {
				return l
			}
			return ft.line
		}
		if !safeName.MatchString(ft.ID) {
			ps.add(ln("id"), at+".id", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got %s", ClipQ(ft.ID))
		} else if l, dup := seen[ft.ID]; dup {
			ps.add(ln("id"), at+".id", "%s is the id of the fact at line %d too; ids name a fact once", ClipQ(ft.ID), l)
		} else {
			seen[ft.ID] = ft.line
		}
		if strings.TrimSpace(ft.Quantity) == "" {
			ps.add(ft.line, at+".quantity", "missing; say what the source measured, in its words")
		}
		switch {
		case ft.ValueNode.Kind != 0:
			ft.Value, ft.ValueRow = targetNumber(&ft.ValueNode, at+".value", true, ps)
		case ft.Against == nil:
			ps.add(ft.line, at+".value", "missing; give the figure the source reports, a number or %s <row id> of datasets/calibration/ (only a direction, with against:, has none)", CalTag)
			ft.Value = math.NaN()
		default:
			ft.Value = math.NaN() // a direction: the band says which
		}
		if ft.Source == "" && ft.ValueRow != "" {
			if cal, err := Calibration(); err == nil {
				row, _ := cal.Lookup(ft.ValueRow)
				ft.Source = row.Source + " (" + ft.ValueRow + ")"
				if ft.SourceDate == "" {
					ft.SourceDate = row.SourceDate
				}
			}
		}
		if strings.TrimSpace(ft.Source) == "" {
			ps.add(ft.line, at+".source", "missing; name where the figure comes from (a press report of a call says so), or take value: from a row of datasets/calibration/ with !cal <row id>")
		}
		if strings.TrimSpace(ft.SourceDate) == "" {
			ps.add(ft.line, at+".source_date", "missing; give the date of the source (YYYY, YYYY-MM or YYYY-MM-DD)")
		}
		if ft.Band.Within.Kind != 0 {
			w, row := targetNumber(&ft.Band.Within, at+".band.within", true, ps)
			switch {
			case ft.Band.Low != nil || ft.Band.High != nil:
				ps.add(ln("band"), at+".band", "give within: or low: and high:, not both")
			case w < 0:
				ps.add(ft.Band.Within.Line, at+".band.within", "must be ≥ 0, got %v", w)
			case math.IsNaN(ft.Value):
				ps.add(ft.Band.Within.Line, at+".band.within", "within: is value ± within; give value: or low: and high:")
			default:
				lo, hi := ft.Value-w, ft.Value+w
				ft.Band.Low, ft.Band.High, ft.Band.WithinRow = &lo, &hi, row
			}
		}
		b := ft.Band
		for _, x := range []struct {
			v   *float64
			key string
		}{{b.Low, "low"}, {b.High, "high"}} {
			if x.v != nil && (math.IsNaN(*x.v) || math.IsInf(*x.v, 0)) {
				ps.add(ln("band"), at+".band."+x.key, "must be a finite number (leave it out for an open end), got %v", *x.v)
			}
		}
		switch {
		case b.Low == nil && b.High == nil:
			ps.add(ln("band"), at+".band", "give low:, high: or both: the range within which the model's figure agrees with the fact")
		case b.Low != nil && b.High != nil && *b.Low > *b.High:
			ps.add(ln("band"), at+".band", "low %v is above high %v; swap them", *b.Low, *b.High)
		}
		if strings.TrimSpace(b.Basis) == "" {
			ps.add(ln("band"), at+".band.basis", "missing; say how the band was set (a sampling interval, the source's own range, a stated allowance)")
		}
		if ft.Horizon < 0 {
			ps.add(ln("horizon_days"), at+".horizon_days", "must be ≥ 1 (0 or absent: all the run's days), got %d", ft.Horizon)
		}
		switch {
		case ft.Input != "":
			if _, ok := InputQuantities[ft.Input]; !ok {
				ps.add(ln("input"), at+".input", "msgmon cannot measure %s; inputs it can: %s", ClipQ(ft.Input), strings.Join(inputNames(), ", "))
			}
			if ft.Output != "" || ft.Against != nil {
				ps.add(ln("input"), at+".input", "an input fact is read from the scenario; drop output: and against:")
			}
		case ft.Output == "":
			ps.add(ft.line, at+".output", "missing; an SQL expression over run_totals columns (or input: for a quantity of the scenario)")
		}
		if ft.Scenario == "" {
			ps.add(ft.line, at+".scenario", "missing; name an embedded scenario (%s)", strings.Join(EmbeddedNames(), ", "))
			continue
		}
		base, err := EmbeddedYAML(ft.Scenario)
		if err != nil {
			ps.add(ln("scenario"), at+".scenario", "no embedded scenario %s; embedded: %s", ClipQ(ft.Scenario), strings.Join(EmbeddedNames(), ", "))
			continue
		}
		ft.set = factSet(&ft.Set, ps, at)
		s := checkFactRun(ps, ft.Scenario, base, ft.set, &ft.Set, at, ft.line)
		if s == nil {
			continue
		}
		checkFactArm(ps, s, ft.Arm, ln("arm"), at+".arm")
		if ft.Horizon > 0 && ft.Horizon > s.Config.Days {
			ps.add(ln("horizon_days"), at+".horizon_days", "%d days is longer than the fact's run of %d days; shorten the horizon or set days: ≥ %d in set:", ft.Horizon, s.Config.Days, ft.Horizon)
		}
		if a := ft.Against; a != nil {
			aat := at + ".against"
			a.set = factSet(&a.Set, ps, aat)
			if as := checkFactRun(ps, ft.Scenario, base, a.set, &a.Set, aat, ln("against")); as != nil {
				checkFactArm(ps, as, a.Arm, ln("against"), aat+".arm")
			}
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func inputNames() []string {
	var out []string
	for k := range InputQuantities {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func factSet(n *yaml.Node, ps *problems, at string) []Override {
	var out []Override
	if n.Kind == yaml.AliasNode {
		n = resolve(n)
	}
	switch n.Kind {
	case 0:
	case yaml.MappingNode:
		sub := &problems{file: ps.file}
		flattenSet(n, "", sub, &out, 0)
		for _, p := range sub.list {
			ps.add(p.Line, at+"."+p.Path, "%s", p.Msg)
		}
	default:
		ps.add(n.Line, at+".set", "must be a mapping of key paths to values, e.g. days: 182")
	}
	return out
}

// checkFactRun loads the fact's scenario with its changes; a problem with
// a changed key is named at its line in the facts file.
func checkFactRun(ps *problems, name string, base []byte, set []Override, node *yaml.Node, at string, line int) *Scenario {
	s, err := ParseWith("datasets/scenarios/"+name+".yaml", base, set)
	if err == nil {
		return s
	}
	var se *ScenarioError
	if errors.As(err, &se) {
		for _, p := range se.Problems {
			if o, ok := setFor(set, p.Path); ok {
				ps.add(setLine(node, o), at+".set."+p.Path, "%s", p.Msg)
			} else {
				ps.add(line, at+".set", "the scenario %s with these changes does not load: %s", name, p.String())
			}
		}
	} else {
		ps.add(line, at+".set", "the scenario %s with these changes does not load: %v", name, err)
	}
	return nil
}

func checkFactArm(ps *problems, s *Scenario, arm string, line int, at string) {
	if arm == "" {
		return
	}
	var names []string
	for _, a := range s.Arms() {
		if a.Name == arm {
			return
		}
		names = append(names, a.Name)
	}
	ps.add(line, at, "the scenario %s has no arm %q; its arms: %s", s.Name, arm, strings.Join(names, ", "))
}

// Select keeps the facts whose id is in ids (all when ids is empty); an
// unknown id is an error naming the ids there are.
func (f *Facts) Select(ids []string) (*Facts, error) {
	if len(ids) == 0 {
		return f, nil
	}
	out := *f
	out.Facts = nil
	for _, id := range ids {
		i := slices.IndexFunc(f.Facts, func(ft Fact) bool { return ft.ID == id })
		if i < 0 {
			var have []string
			for _, ft := range f.Facts {
				have = append(have, ft.ID)
			}
			return nil, fmt.Errorf("%s has no fact %s; its facts: %s", f.file, ClipQ(id), strings.Join(have, ", "))
		}
		out.Facts = append(out.Facts, f.Facts[i])
	}
	return &out, nil
}

// Scenarios are the scenarios the facts are measured on, in first use.
func (f *Facts) Scenarios() []string {
	var out []string
	for _, ft := range f.Facts {
		if !slices.Contains(out, ft.Scenario) {
			out = append(out, ft.Scenario)
		}
	}
	return out
}

// FactMeasure is one run a scorecard measures: fact Fact's own run or, with
// Against, the run it is divided by.
type FactMeasure struct {
	Fact    int
	Against bool
}

// Study is the calibration study that measures the facts on scenario:
// one target per run a fact needs (its own, and its against run), in the
// order of the returned measures, each run at scale times its users and
// businesses (at least 1 of each and 1 user per business). The study's
// name is scorecard-<scenario>; its problems name the facts file's lines.
// A scenario with input facts only has no study (nil).
func (f *Facts) Study(scenario string, scale float64) (*Sweep, []FactMeasure, error) {
	base, err := EmbeddedYAML(scenario)
	if err != nil {
		return nil, nil, err
	}
	sw := &Sweep{file: f.file, Name: "scorecard-" + scenario, Base: scenario, Design: "calibrate", Seed: 1,
		Replicates: f.Replicates, Budget: 2, baseName: "datasets/scenarios/" + scenario + ".yaml", baseData: base}
	var ms []FactMeasure
	add := func(tg Target, m FactMeasure) error {
		if scale != 1 {
			s, err := ParseWith(sw.baseName, base, tg.set)
			if err != nil {
				return fmt.Errorf("%s:%d: facts %s: %w", f.file, tg.line, tg.Name, err)
			}
			u := max(1, int(math.Round(float64(s.Config.Users)*scale)))
			b := max(1, min(u, int(math.Round(float64(s.Config.Businesses)*scale))))
			tg.set = append(slices.Clone(tg.set), Override{Path: "users", Value: float64(u)}, Override{Path: "businesses", Value: float64(b)})
			if _, err := ParseWith(sw.baseName, base, tg.set); err != nil {
				return fmt.Errorf("%s:%d: facts %s: at --scale %g (%d users, %d businesses) the run does not load: %w", f.file, tg.line, tg.Name, scale, u, b, err)
			}
		}
		sw.Targets = append(sw.Targets, tg)
		ms = append(ms, m)
		return nil
	}
	for i, ft := range f.Facts {
		if ft.Scenario != scenario || ft.Input != "" {
			continue
		}
		tg := Target{Name: ft.ID, Arm: ft.Arm, Horizon: ft.Horizon, Output: ft.Output, Value: ft.Value, Source: ft.Source,
			ValueRow: ft.ValueRow, set: ft.set, line: ft.line, outputLine: ft.outputLine, at: fmt.Sprintf("facts[%d]", i)}
		if err := add(tg, FactMeasure{Fact: i}); err != nil {
			return nil, nil, err
		}
		if a := ft.Against; a != nil {
			arm := a.Arm
			if arm == "" {
				arm = ft.Arm
			}
			tg := Target{Name: ft.ID + " (against)", Arm: arm, Horizon: ft.Horizon, Output: ft.Output, Source: ft.Source,
				set: a.set, line: ft.line, outputLine: ft.outputLine, at: fmt.Sprintf("facts[%d].against", i), again: true}
			if err := add(tg, FactMeasure{Fact: i, Against: true}); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(sw.Targets) == 0 {
		return nil, nil, nil
	}
	return sw, ms, nil
}

// ScenarioFor loads the fact's scenario with its changes (for input facts).
func (f *Facts) ScenarioFor(i int) (*Scenario, error) {
	ft := f.Facts[i]
	base, err := EmbeddedYAML(ft.Scenario)
	if err != nil {
		return nil, err
	}
	return ParseWith(filepath.Join("datasets", "scenarios", ft.Scenario+".yaml"), base, ft.set)
}

// FactsRef is a calibration study's facts: key: the facts file (relative
// to the study; empty: the embedded scorecard) and the ids of the facts to
// fit (empty: every fact measured on the study's scenario that has a value
// and a closed band).
type FactsRef struct {
	File string   `yaml:"file"`
	IDs  []string `yaml:"ids"`
}

// factTargets appends the study's facts to its targets. A fact is a
// target with its value and, as tolerance, the wider half of its band, so
// that a fit inside every tolerance is inside every band; directions
// (against:) and inputs are checks, not targets.
func factTargets(sw *Sweep, root *yaml.Node, ps *problems) {
	ref := sw.Facts
	line := lineOf(root, "facts")
	var f *Facts
	var err error
	if ref.File == "" {
		f, err = DefaultFacts()
	} else {
		p := ref.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(sw.file), p)
		}
		f, err = LoadFacts(p)
	}
	if err != nil {
		ps.add(line, "facts.file", "%v", err)
		return
	}
	all := len(ref.IDs) == 0
	if f, err = f.Select(ref.IDs); err != nil {
		ps.add(lineOf(root, "facts.ids"), "facts.ids", "%v", err)
		return
	}
	n := 0
	for i, ft := range f.Facts {
		at := fmt.Sprintf("facts.ids[%d]", i)
		closed := ft.Band.Low != nil && ft.Band.High != nil
		usable := ft.Scenario == sw.Base && ft.Input == "" && closed
		if !usable {
			if !all {
				ps.add(lineOf(root, "facts.ids"), at, "fact %s cannot be a target of this study: a target is a fact measured on the study's scenario (%s; the fact's: %s) with a closed band, not an input",
					ft.ID, sw.Base, ft.Scenario)
			}
			continue
		}
		// A direction with a closed band aims at the band's middle.
		v := ft.Value
		if math.IsNaN(v) {
			v = (*ft.Band.Low + *ft.Band.High) / 2
		}
		tol := math.Max(v-*ft.Band.Low, *ft.Band.High-v)
		tg := Target{Name: ft.ID, Arm: ft.Arm, Horizon: ft.Horizon, Output: ft.Output, Value: v,
			Tolerance: tol, Source: ft.Source + ", " + ft.SourceDate, ValueRow: ft.ValueRow, ToleranceRow: ft.Band.WithinRow,
			set: ft.set, line: line, outputLine: line, horizonLine: line, at: "facts " + ft.ID}
		if a := ft.Against; a != nil {
			if a.Arm != "" && a.Arm != ft.Arm {
				ps.add(line, at, "fact %s divides by a run of another arm (%s); a calibration target's ratio runs one arm", ft.ID, a.Arm)
				continue
			}
			tg.against, tg.ratio = a.set, true
		}
		sw.Targets = append(sw.Targets, tg)
		n++
	}
	if n == 0 {
		ps.add(line, "facts", "no fact of %s is measured on %s with a value and a closed band; name the study's scenario after the facts' or list ids:", f.File(), sw.Base)
	}
}
