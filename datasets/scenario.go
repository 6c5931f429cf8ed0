package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/msgmon/msgmon/sim"
	"gopkg.in/yaml.v3"
)

// Scenario is one scenario file resolved: the population and behaviour
// (sim.Config, whose keys are top-level keys of the file), the monetization
// models with their parameters and the arms to compare.
type Scenario struct {
	Name        string `yaml:"name" doc:"scenario name (defaults to the file name)"`
	Description string `yaml:"description" doc:"what the scenario is for"`
	Seed        uint64 `yaml:"seed" doc:"seed of the population and of all random streams"`
	Replicates  int    `yaml:"replicates" range:"1,1000" doc:"runs per arm with different seeds"`

	sim.Config `yaml:",inline"`

	// Models are the entries of the models: mapping in file order.
	Models []ModelSpec `yaml:"models" doc:"monetization models by name, each with its parameters"`
	// Compare names the arms; when it gives none, every enabled model is an
	// arm of its own.
	Compare CompareSpec `yaml:"compare" doc:"the arms to compare and the baseline"`
	// Robust is how msgmon robust runs the comparison over plausible
	// behaviours; it changes no run, so JSON and Hash leave it out.
	Robust RobustSpec `yaml:"robust" doc:"msgmon robust: the comparison over behaviour vectors drawn from a plausible set"`

	file string // for problems found after loading
	// calKeys: the calibration row id of every key path read with !cal.
	calKeys map[string]string
}

// ModelSpec is one entry of the models: mapping.
type ModelSpec struct {
	Name string
	// Params is the pointer returned by the factory's NewParams, with the
	// file's values decoded into it (nil if the model takes none).
	Params any `yaml:"-"`
	// Enabled is false when the entry says enabled: false; a disabled
	// model is checked but takes part in no arm.
	Enabled bool
}

// CompareSpec is the compare: section.
//
// Comparisons are increments over a base: with a base, every arm runs the
// base's models and then its own, so the paired difference of an arm to the
// base is what its models add. An arm with standalone: true runs only its
// own models. Arms without a base are stand-alone (the form of files
// written before bases existed).
type CompareSpec struct {
	Baseline string `yaml:"baseline" doc:"arm the others are compared with (default: the base, else the first arm)"`
	Base     *Arm   `yaml:"base" doc:"the base arm, e.g. {name: service, models: [service_only]}: every other arm runs the base's models and then its own, unless it says standalone: true (default without compare: arms: service = service_only, if enabled)"`
	Arms     []Arm  `yaml:"arms" doc:"arms of the comparison (default: the base + each other enabled model, named <base>+<model>; without a base, one arm per enabled model)"`
}

// Arm is one platform of a comparison: the models applied together, in
// order. In the compare: section an arm lists what it adds to the base;
// Scenario.Arms returns every arm with all the models it runs.
type Arm struct {
	Name       string   `yaml:"name" doc:"arm name"`
	Models     []string `yaml:"models" doc:"enabled models applied together, in order; with a base, the models the arm adds to it"`
	Standalone bool     `yaml:"standalone" doc:"run only this arm's models, without the base's (the arm replaces the base instead of adding to it)"`
	// Channels, when given, is the subset of the proactive channels the
	// arm's models install that its businesses may use (each still
	// adopted by its own adoption share); the others are left out.
	Channels []string `yaml:"channels" doc:"proactive channels of the arm's models its businesses may use (default: all)"`
}

// RobustSpec is the robust: section: how many behaviour vectors msgmon
// robust draws from which plausible set, and how many runs each arm makes
// per vector.
type RobustSpec struct {
	Vectors    int    `yaml:"vectors" doc:"plausible vectors drawn from the set in proportion to their weights (2 to 1000)"`
	Replicates int    `yaml:"replicates" range:"1,1000" doc:"runs per arm and vector, with common random numbers across the arms"`
	Plausible  string `yaml:"plausible" doc:"plausible set: an embedded one (datasets/plausible/<name>.csv, e.g. scorecard) or a CSV file, relative to the scenario file"`
	// Assumptions, Draw and Fix choose the assumptions each slot draws
	// from their ranges (datasets/ranges/assumptions.csv) besides its
	// behaviour vector: all of the scenario's (Scenario.Assumptions) by
	// default, only Draw's when given, never Fix's.
	Assumptions bool     `yaml:"assumptions" doc:"draw each slot's assumptions from their ranges (datasets/ranges/assumptions.csv) as well as its behaviour vector (default true; false: behaviour only)"`
	Draw        []string `yaml:"draw" doc:"draw only these assumptions (key paths, e.g. user.tolerance_median); the others keep the scenario's values"`
	Fix         []string `yaml:"fix" doc:"hold these assumptions (key paths) at the scenario's values"`
}

// Defaults of the robust: section.
const (
	DefaultRobustVectors    = 20
	DefaultRobustReplicates = 2
	DefaultPlausible        = "scorecard"
	MaxRobustVectors        = 1000
)

// DefaultBaseName is the name of the base arm a scenario without a compare:
// arms or base gets: service messaging (service_only), which every real
// platform keeps.
const DefaultBaseName = "service"

// DefaultBaseModel is the model of the default base arm.
const DefaultBaseModel = "service_only"

// ArmJoin joins a base's name and a model's in the name of a default arm:
// service+paid_push is the base service plus paid_push.
const ArmJoin = "+"

// Defaults of a scenario when the file does not set them.
const (
	DefaultSeed       = 1
	DefaultReplicates = 8
)

// newScenario returns a scenario holding the defaults.
func newScenario() *Scenario {
	return &Scenario{Seed: DefaultSeed, Replicates: DefaultReplicates, Config: sim.DefaultConfig(),
		Robust: RobustSpec{Vectors: DefaultRobustVectors, Replicates: DefaultRobustReplicates, Plausible: DefaultPlausible, Assumptions: true}}
}

// maxFileSize bounds a scenario file; scenarios are hand-written.
const maxFileSize = 4 << 20

// Load reads and parses a scenario file. Problems name the path as given.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses a scenario from data; name is the file name used in problems
// and, without directory and extension, the scenario name when the file
// gives none. On failure the error is a *ScenarioError listing every problem.
func Parse(name string, data []byte) (s *Scenario, err error) {
	return ParseWith(name, data, nil)
}

// ParseWith parses a scenario as Parse does after setting each override in
// the file's YAML, as if the file said so: a sweep's point is its base
// scenario with some keys changed. An override's problems (an unknown key, a
// value out of range) name its path, like a problem of the file.
func ParseWith(name string, data []byte, overrides []Override) (s *Scenario, err error) {
	if name == "" {
		name = "scenario"
	}
	ps := &problems{file: name}
	defer func() {
		// A panic here is a bug, but a user's file must never crash the
		// program: report it as a problem of the file.
		if r := recover(); r != nil {
			ps.add(0, "", "internal error while reading the scenario: %v (please report this)", r)
			s, err = nil, ps.err()
		}
	}()
	root := parseWith(data, overrides, ps)
	if root == nil {
		return nil, ps.err()
	}
	return fromRoot(name, root, ps)
}

// fromRoot decodes and checks the scenario of the YAML mapping root (the
// file name, with the overrides set), collecting problems in ps. The
// caller recovers from a panic, as ParseWith does.
func fromRoot(name string, root *yaml.Node, ps *problems) (*Scenario, error) {
	s := newScenario()
	s.file = name
	d := &decoder{ps: ps}
	d.calibrate(root, "", 0)
	s.calKeys = d.calKeys
	d.hooks = map[reflect.Type]func(*yaml.Node, reflect.Value, string){
		reflect.TypeFor[[]ModelSpec](): d.models,
	}
	d.structure(root, reflect.ValueOf(s).Elem(), "")
	if s.Name == "" {
		base := filepath.Base(name)
		s.Name = NameFromFile(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	s.check(ps, root)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if _, err := s.JSON(); err != nil {
		ps.add(0, "", "%v", err)
		return nil, ps.err()
	}
	return s, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// parseDocument parses data into the root mapping node of its single
// document, reporting empty files, syntax errors, several documents and a
// top level that is not a mapping.
func parseDocument(data []byte, ps *problems) *yaml.Node {
	if len(data) > maxFileSize {
		ps.add(0, "", "file too large (more than %d bytes); a scenario is a short YAML file", maxFileSize)
		return nil
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		ps.add(0, "", "not a YAML text file (binary or not UTF-8); a scenario is a YAML mapping of keys such as users: and models:")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDocDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			ps.add(0, "", "empty file: a scenario needs at least a models: section")
			return nil
		}
		addYAMLError(ps, err)
		return nil
	}
	var extra yaml.Node
	switch err := safeDocDecode(dec, &extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		addYAMLError(ps, err)
		return nil
	default:
		ps.add(extra.Line, "", "a second YAML document (after ---); a scenario file holds exactly one")
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		ps.add(0, "", "empty file: a scenario needs at least a models: section")
		return nil
	}
	root := resolve(doc.Content[0])
	if root == nil || root.Kind != yaml.MappingNode {
		line := 0
		if root != nil {
			line = root.Line
		}
		what := "nothing"
		if root != nil {
			what = describe(root)
		}
		ps.add(line, "", "the top level must be a mapping of keys such as users: and models:, got %s", what)
		return nil
	}
	return root
}

func safeDocDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

// addYAMLError turns a yaml syntax error into a problem with its line.
func addYAMLError(ps *problems, err error) {
	for _, msg := range strings.Split(yamlMessage(err), "\n") {
		msg = strings.TrimSpace(msg)
		if msg == "" {
			continue
		}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			ps.add(line, "", "not valid YAML: %s", m[2])
			continue
		}
		ps.add(0, "", "not valid YAML: %s", msg)
	}
}

// models decodes the models: mapping into the []ModelSpec v.
func (d *decoder) models(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		v.Set(reflect.Zero(v.Type()))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.ps.add(n.Line, path, "must be a mapping from model name to its parameters (e.g. paid_push: {}), got %s", describe(n))
		return
	}
	var specs []ModelSpec
	d.pairs(n, path, func(k, val *yaml.Node) {
		name, p := k.Value, joinPath(path, k.Value)
		f, ok := sim.Lookup(name)
		if !ok {
			d.ps.add(k.Line, p, "%s", unknownModel(name))
			return
		}
		spec := ModelSpec{Name: name, Enabled: true}
		if f.NewParams != nil {
			spec.Params = f.NewParams()
		}
		val = resolve(val)
		if val == nil || d.calBad[val] || !d.step(val) {
			return
		}
		var params *yaml.Node // the mapping without enabled:
		switch {
		case isNull(val):
		case val.Kind != yaml.MappingNode:
			d.ps.add(val.Line, p, "must be a mapping of the model's parameters ({} for the defaults), got %s", describe(val))
			return
		default:
			params = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: val.Line, Column: val.Column}
			enabledAt := 0
			for i := 0; i+1 < len(val.Content); i += 2 {
				k := resolve(val.Content[i])
				if k == nil || k.Kind != yaml.ScalarNode || k.Value != "enabled" {
					params.Content = append(params.Content, val.Content[i], val.Content[i+1])
					continue
				}
				if enabledAt > 0 {
					d.ps.add(k.Line, joinPath(p, "enabled"), "duplicate key (first at line %d); keep only one", enabledAt)
					continue
				}
				enabledAt = k.Line
				d.decode(val.Content[i+1], reflect.ValueOf(&spec.Enabled).Elem(), joinPath(p, "enabled"), "")
			}
		}
		if params != nil && len(params.Content) > 0 {
			if spec.Params == nil {
				d.ps.add(params.Content[0].Line, joinPath(p, params.Content[0].Value), "unknown key: model %s takes no parameters", name)
			} else if pv := reflect.ValueOf(spec.Params); pv.Kind() != reflect.Pointer || pv.IsNil() {
				d.ps.add(k.Line, p, "model %s cannot be configured: its NewParams returns %T, not a pointer (a bug in the model)", name, spec.Params)
			} else {
				d.decode(params, pv.Elem(), p, "")
			}
		}
		specs = append(specs, spec)
	})
	v.Set(reflect.ValueOf(specs))
}

func unknownModel(name string) string {
	names := registeredNames()
	if len(names) == 0 {
		return "unknown model: no models are registered (the program must import package models)"
	}
	msg := "unknown model"
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return msg + "; registered models: " + strings.Join(names, ", ")
}

func registeredNames() []string {
	var names []string
	for _, f := range sim.Registered() {
		names = append(names, f.Name)
	}
	return names
}

// Model returns the entry of the named model.
func (s *Scenario) Model(name string) (ModelSpec, bool) {
	for _, m := range s.Models {
		if m.Name == name {
			return m, true
		}
	}
	return ModelSpec{}, false
}

// Base returns the base arm: Compare.Base if given; otherwise, when the
// file names no arms and service_only is enabled, the default base
// (DefaultBaseName running service_only). ok is false when the comparison
// has no base (its arms are stand-alone).
func (s *Scenario) Base() (base Arm, ok bool) {
	if b := s.Compare.Base; b != nil {
		return Arm{Name: b.Name, Models: slices.Clone(b.Models)}, true
	}
	if len(s.Compare.Arms) > 0 {
		return Arm{}, false
	}
	if m, found := s.Model(DefaultBaseModel); found && m.Enabled {
		return Arm{Name: DefaultBaseName, Models: []string{DefaultBaseModel}}, true
	}
	return Arm{}, false
}

// Arms returns the arms of the comparison, each with every model it runs
// (Standalone is false in the result). With a base: the base first, then
// each of Compare.Arms with the base's models before its own (only its own
// if it is stand-alone), or, when the file gives no arms, one arm per
// enabled model not in the base, named <base>+<model>, in file order.
// Without a base: Compare.Arms as given, or one arm per enabled model
// named after it.
func (s *Scenario) Arms() []Arm {
	base, hasBase := s.Base()
	var arms []Arm
	if hasBase {
		arms = append(arms, base)
	}
	if len(s.Compare.Arms) > 0 {
		for _, a := range s.Compare.Arms {
			ms := slices.Clone(a.Models)
			if hasBase && !a.Standalone {
				ms = append(slices.Clone(base.Models), a.Models...)
			}
			arms = append(arms, Arm{Name: a.Name, Models: ms, Channels: slices.Clone(a.Channels)})
		}
		return arms
	}
	for _, m := range s.Models {
		if !m.Enabled {
			continue
		}
		if !hasBase {
			arms = append(arms, Arm{Name: m.Name, Models: []string{m.Name}})
			continue
		}
		if slices.Contains(base.Models, m.Name) {
			continue
		}
		arms = append(arms, Arm{Name: base.Name + ArmJoin + m.Name, Models: append(slices.Clone(base.Models), m.Name)})
	}
	return arms
}

// Baseline returns the name of the baseline arm: Compare.Baseline, else
// the base, else the first arm.
func (s *Scenario) Baseline() string {
	if s.Compare.Baseline != "" {
		return s.Compare.Baseline
	}
	if b, ok := s.Base(); ok {
		return b.Name
	}
	if arms := s.Arms(); len(arms) > 0 {
		return arms[0].Name
	}
	return ""
}

// NewModels makes the models of an arm from the scenario's parameters, in
// the arm's order.
func (s *Scenario) NewModels(arm Arm) ([]sim.Model, error) {
	var ms []sim.Model
	for _, name := range arm.Models {
		spec, ok := s.Model(name)
		if !ok || !spec.Enabled {
			return nil, fmt.Errorf("datasets: arm %s: %s is not an enabled model of scenario %s", arm.Name, name, s.Name)
		}
		f, ok := sim.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("datasets: arm %s: %s", arm.Name, unknownModel(name))
		}
		m, err := f.New(spec.Params)
		if err != nil {
			return nil, fmt.Errorf("datasets: arm %s: model %s: %w", arm.Name, name, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// Validate checks a scenario that was changed after loading (a sweep point,
// say) as Parse does: ranges, sim.Config.Validate (which this method
// shadows), the models' checks and the arms. Problems carry no line numbers.
func (s *Scenario) Validate() error {
	name := s.file
	if name == "" {
		name = s.Name
	}
	ps := &problems{file: name}
	s.check(ps, nil)
	return ps.err()
}

// check runs the range checks of every field, the relations of the config,
// the models' own checks and the rules of arms, adding problems that are not
// already explained by a decoding problem at the same path.
func (s *Scenario) check(ps *problems, root *yaml.Node) {
	decoded := &problems{file: ps.file, list: append([]Problem(nil), ps.list...)}
	add := func(path, msg string) {
		if decoded.has(path) {
			return
		}
		ps.list = append(ps.list, Problem{File: ps.file, Line: lineOf(root, path), Path: path, Msg: msg})
	}
	addErr := func(err error, prefix string) {
		var fes sim.FieldErrors
		var fe *sim.FieldError
		switch {
		case errors.As(err, &fes):
			for _, e := range fes {
				add(fieldPath(e.Path, prefix), e.Msg)
			}
		case errors.As(err, &fe):
			add(fieldPath(fe.Path, prefix), fe.Msg)
		default:
			add(prefix, err.Error())
		}
	}

	// Ranges and enums of the scenario and its config. sim.CheckRanges
	// names the inline Config "config"; the file has its keys at the top.
	rangeErr := sim.CheckRanges(s)
	if rangeErr != nil {
		addErr(rangeErr, "")
	}
	configOK := true
	var fes sim.FieldErrors
	if errors.As(rangeErr, &fes) {
		for _, e := range fes {
			if strings.HasPrefix(e.Path, "config.") {
				configOK = false
			}
		}
	}
	if configOK {
		if err := s.Config.Validate(); err != nil {
			addErr(err, "")
			configOK = false
		}
	}
	if msg := FewUsersPerBusiness(s.Users, s.Businesses); configOK && msg != "" {
		add("businesses", msg)
	}

	// Models: ranges of the parameters, then the model's own checks.
	for i, m := range s.Models {
		p := "models." + m.Name
		f, ok := sim.Lookup(m.Name)
		if !ok {
			add(p, unknownModel(m.Name))
			continue
		}
		for _, prev := range s.Models[:i] {
			if prev.Name == m.Name {
				add(p, "listed twice; keep only one")
			}
		}
		if m.Params != nil {
			if err := sim.CheckRanges(m.Params, p); err != nil {
				addErr(err, p)
				continue
			}
		}
		if !m.Enabled {
			continue
		}
		model, err := newModel(f, m.Params)
		if err != nil {
			addErr(err, p)
			continue
		}
		// What the model checks against the scenario's markets and
		// categories (price tables, blocked markets) shows when it is
		// applied to a platform: do it here, not first in a run.
		if configOK {
			if err := applyModel(&s.Config, f, model); err != nil {
				addErr(err, p)
			}
		}
	}
	s.checkArms(add)
	if v := s.Robust.Vectors; v < 2 || v > MaxRobustVectors {
		add("robust.vectors", fmt.Sprintf("must be at least 2 (one behaviour shows no spread) and at most %d, got %d", MaxRobustVectors, v))
	}
	s.checkRobustAssumptions(add)
	if strings.TrimSpace(s.Robust.Plausible) == "" {
		add("robust.plausible", fmt.Sprintf("empty; name an embedded plausible set (%s) or a CSV file", strings.Join(EmbeddedPlausibleNames(), ", ")))
	}
}

// fieldPath maps a path from sim's checks to a path of the file: the
// embedded config's keys are top-level, and a model's own field errors are
// put under its models.<name> prefix.
func fieldPath(path, prefix string) string {
	path = strings.TrimPrefix(path, "config.")
	if prefix == "" || path == prefix || isUnder(path, prefix) {
		return path
	}
	if path == "" {
		return prefix
	}
	return joinPath(prefix, path)
}

// newModel calls a factory, turning a panic into an error.
func newModel(f sim.Factory, params any) (m sim.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model %s failed on these parameters: %v (a bug in the model, please report it)", f.Name, r)
		}
	}()
	if f.New == nil {
		return nil, fmt.Errorf("model %s cannot be made (no New function)", f.Name)
	}
	return f.New(params)
}

// applyModel applies a model to a platform of cfg, turning a panic into
// an error as newModel does.
func applyModel(cfg *sim.Config, f sim.Factory, m sim.Model) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model %s failed on these parameters and markets: %v (a bug in the model, please report it)", f.Name, r)
		}
	}()
	_, err = sim.NewPlatform(cfg, m)
	return err
}

// checkArms checks the compare: section.
// safeName is what scenario and arm names may hold: they become folder
// names of exported partitions and report files, so no path separators or
// dots leading out of a folder.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const safeNameRule = "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

// NameFromFile turns a file's base name into a safe scenario name: other
// characters become '-', and a name that starts with neither a letter nor a
// digit gets "scenario-" in front.
func NameFromFile(base string) string {
	b := []byte(base)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	n := string(b)
	if n == "" || !safeName.MatchString(n[:1]) {
		n = "scenario-" + n
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// armName is what an arm name may hold: a safe name, and '+' for the
// default arms (service+paid_push).
var armName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

const armNameRule = "use 1 to 64 letters, digits, '.', '_', '-' or '+', starting with a letter or digit"

func (s *Scenario) checkArms(add func(path, msg string)) {
	if !safeName.MatchString(s.Name) {
		add("name", fmt.Sprintf("%s: %s", ClipQ(s.Name), safeNameRule))
	}
	var enabled []string
	isEnabled := map[string]bool{}
	for _, m := range s.Models {
		if m.Enabled {
			enabled = append(enabled, m.Name)
			isEnabled[m.Name] = true
		}
	}
	enabledList := strings.Join(enabled, ", ")
	if enabledList == "" {
		enabledList = "none"
	}
	names := map[string]bool{}
	checkName := func(p, name string) {
		switch {
		case name == "":
			add(p, "every arm needs a name")
		case names[name]:
			add(p, fmt.Sprintf("duplicate arm name %s; arm names must be unique (the base's too)", ClipQ(name)))
		case !armName.MatchString(name):
			add(p, fmt.Sprintf("%s: %s", ClipQ(name), armNameRule))
		}
		names[name] = true
	}
	// checkModels checks the models of the base or of an arm at p; inBase
	// holds the base's models when the arm adds to the base.
	checkModels := func(p string, models []string, inBase map[string]bool, baseName string) {
		inArm := map[string]bool{}
		for j, m := range models {
			mp := fmt.Sprintf("%s.models[%d]", p, j)
			switch {
			case inArm[m]:
				add(mp, fmt.Sprintf("model %s listed twice in the arm", m))
			case !isEnabled[m]:
				if spec, ok := s.Model(m); ok && !spec.Enabled {
					add(mp, fmt.Sprintf("model %s is disabled (enabled: false under models.%s); enable it or drop it from the arm", m, m))
				} else {
					add(mp, fmt.Sprintf("%s is not a model of this scenario; enabled models: %s", ClipQ(m), enabledList))
				}
			case inBase[m]:
				add(mp, fmt.Sprintf("model %s is already in the base %s (compare.base.models): an arm lists only the models it adds to the base; drop it, or set standalone: true to run the arm without the base", m, baseName))
			}
			inArm[m] = true
		}
	}
	var inBase map[string]bool
	base := s.Compare.Base
	if base != nil {
		checkName("compare.base.name", base.Name)
		if base.Standalone {
			add("compare.base.standalone", "the base arm is the one the others add to; drop standalone: from compare.base")
		}
		checkModels("compare.base", base.Models, nil, "")
		inBase = map[string]bool{}
		for _, m := range base.Models {
			inBase[m] = true
		}
	}
	for i, a := range s.Compare.Arms {
		p := fmt.Sprintf("compare.arms[%d]", i)
		checkName(p+".name", a.Name)
		if base == nil || a.Standalone {
			checkModels(p, a.Models, nil, "")
			continue
		}
		checkModels(p, a.Models, inBase, base.Name)
		if len(a.Models) == 0 {
			add(p+".models", fmt.Sprintf("the arm adds no model to the base %s, so it is the base again: list the models it adds (e.g. models: [paid_push]), or set standalone: true for an arm of its own", base.Name))
		}
	}
	arms := s.Arms()
	if len(arms) == 0 {
		add("models", "no arms to compare: enable at least one model under models: (e.g. service_only: {}) or list arms under compare.arms")
		return
	}
	if base != nil && len(s.Compare.Arms) == 0 && armName.MatchString(base.Name) {
		// The default arms are named <base>+<model>.
		for _, a := range arms[1:] {
			if !armName.MatchString(a.Name) {
				add("compare.base.name", fmt.Sprintf("the default arm %s (base + model) is not a valid arm name: %s; shorten the base's name or list the arms under compare.arms", ClipQ(a.Name), armNameRule))
				break
			}
		}
	}
	s.checkChannels(arms, add)
	if b := s.Compare.Baseline; b != "" {
		found := false
		var armNames []string
		for _, a := range arms {
			found = found || a.Name == b
			armNames = append(armNames, a.Name)
		}
		if !found {
			add("compare.baseline", fmt.Sprintf("no arm named %s; arms: %s", ClipQ(b), strings.Join(armNames, ", ")))
		}
	}
}

// JSON returns the canonical JSON of the resolved scenario: every key with
// its value after defaults, in the order of the file format, the enabled
// models' parameters keyed by model name in the order the arms use them,
// and the resolved arms and baseline. It is itself a valid scenario.
func (s *Scenario) JSON() ([]byte, error) {
	top := object{}
	v := reflect.ValueOf(s).Elem()
	for _, f := range fieldsOf(v.Type()).list {
		if f.name == "models" || f.name == "compare" || f.name == "robust" {
			continue
		}
		x, err := canonical(v.FieldByIndex(f.index), f.name)
		if err != nil {
			return nil, err
		}
		top = append(top, member{f.name, x})
	}
	models := object{}
	added := map[string]bool{}
	addModel := func(name string) error {
		spec, ok := s.Model(name)
		if added[name] || !ok || !spec.Enabled {
			return nil
		}
		added[name] = true
		x, err := canonical(reflect.ValueOf(spec.Params), "models."+name)
		if err != nil {
			return err
		}
		if x == nil {
			x = object{}
		}
		models = append(models, member{name, x})
		return nil
	}
	arms := s.Arms()
	for _, a := range arms {
		for _, m := range a.Models {
			if err := addModel(m); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range s.Models {
		if err := addModel(m.Name); err != nil {
			return nil, err
		}
	}
	armList := make([]any, len(arms))
	for i, a := range arms {
		ms := make([]any, len(a.Models))
		for j, m := range a.Models {
			ms[j] = m
		}
		armList[i] = object{{"name", a.Name}, {"models", ms}}
	}
	top = append(top,
		member{"models", models},
		member{"compare", object{{"baseline", s.Baseline()}, {"arms", armList}}})
	return top.MarshalJSON()
}

// Hash returns the hex SHA-256 of JSON: two scenarios with the same hash
// run the same simulation.
func (s *Scenario) Hash() (string, error) {
	b, err := s.JSON()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// checkChannels checks each arm's channels: subset against the channels its
// models install. An arm whose models cannot be made is left to the other
// checks.
func (s *Scenario) checkChannels(arms []Arm, add func(path, msg string)) {
	offset := 0
	if _, ok := s.Base(); ok {
		offset = 1
		if b := s.Compare.Base; b != nil && len(b.Channels) > 0 {
			s.checkArmChannels(arms[0], "compare.base", add)
		}
	}
	for i, a := range s.Compare.Arms {
		if len(a.Channels) == 0 || i+offset >= len(arms) {
			continue
		}
		s.checkArmChannels(arms[i+offset], fmt.Sprintf("compare.arms[%d]", i), add)
	}
}

func (s *Scenario) checkArmChannels(arm Arm, p string, add func(path, msg string)) {
	ms, err := s.NewModels(arm)
	if err != nil {
		return
	}
	plat, err := sim.NewPlatform(&s.Config, ms...)
	if err != nil {
		return
	}
	var offered []string
	for _, ch := range plat.Channels {
		offered = append(offered, ch.Name)
	}
	list := strings.Join(offered, ", ")
	if list == "" {
		list = "none"
	}
	seen := map[string]bool{}
	for j, name := range arm.Channels {
		cp := fmt.Sprintf("%s.channels[%d]", p, j)
		switch {
		case seen[name]:
			add(cp, fmt.Sprintf("channel %s listed twice", Clip(name)))
		case !slices.Contains(offered, name):
			add(cp, fmt.Sprintf("%s is not a channel of this arm's models (%s); channels offered: %s", ClipQ(name), strings.Join(arm.Models, ", "), list))
		}
		seen[name] = true
	}
}
