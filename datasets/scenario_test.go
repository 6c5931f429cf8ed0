package datasets_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/sim"
	"gopkg.in/yaml.v3"
)

// good is a valid scenario; the broken cases below edit single lines of it,
// so the line numbers in their expectations are those of this text.
const good = `name: good
seed: 7
replicates: 4
users: 1000
businesses: 50
markets:
  - code: DE
    share: 0.6
  - code: IN
    share: 0.4
behaviour:
  react_rate: 0.05
models:
  test_model:
    price_per_message: 0.5
    price: {DE: 0.2}
  test_other: {}
  test_plain:
    enabled: false
`

// edit returns good with line n (1-based) replaced by text.
func edit(n int, text string) string {
	lines := strings.Split(good, "\n")
	lines[n-1] = text
	return strings.Join(lines, "\n")
}

func mustParse(t *testing.T, name, text string) *datasets.Scenario {
	t.Helper()
	s, err := datasets.Parse(name, []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func TestParseGood(t *testing.T) {
	s := mustParse(t, "good.yaml", good)
	def := sim.DefaultConfig()

	if s.Name != "good" || s.Seed != 7 || s.Replicates != 4 || s.Users != 1000 || s.Businesses != 50 {
		t.Errorf("top-level keys: got name %q seed %d replicates %d users %d businesses %d", s.Name, s.Seed, s.Replicates, s.Users, s.Businesses)
	}
	// Lists replace the default list.
	wantMarkets := []sim.Market{{Code: "DE", Share: 0.6}, {Code: "IN", Share: 0.4}}
	if !reflect.DeepEqual(s.Markets, wantMarkets) {
		t.Errorf("markets = %v, want %v", s.Markets, wantMarkets)
	}
	// Keys not given keep their defaults, next to keys given in the same section.
	if s.Behaviour.ReactRate != 0.05 {
		t.Errorf("react_rate = %g, want 0.05", s.Behaviour.ReactRate)
	}
	wantBehaviour := def.Behaviour
	wantBehaviour.ReactRate = 0.05
	if s.Behaviour != wantBehaviour {
		t.Errorf("behaviour = %+v, want defaults but react_rate", s.Behaviour)
	}
	if s.Days != def.Days || s.MaxFollows != def.MaxFollows || s.Graph != def.Graph || s.User != def.User || s.Business != def.Business {
		t.Errorf("sections not in the file lost their defaults")
	}
	if !reflect.DeepEqual(s.Categories, def.Categories) {
		t.Errorf("categories = %v, want the defaults", s.Categories)
	}

	// Models in file order, params decoded over their defaults.
	var names []string
	for _, m := range s.Models {
		names = append(names, m.Name)
	}
	if want := []string{"test_model", "test_other", "test_plain"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("models = %v, want %v", names, want)
	}
	p, ok := s.Models[0].Params.(*testParams)
	if !ok {
		t.Fatalf("test_model params are %T, want *testParams", s.Models[0].Params)
	}
	if p.PricePerMessage != 0.5 || p.Cap != 4 || p.Mode != "push" || p.Window.Hours != 24 {
		t.Errorf("test_model params = %+v", p)
	}
	// A map in the file replaces the default map whole (the default has
	// IN: 0.05, which must be gone).
	if want := map[string]float64{"DE": 0.2}; !reflect.DeepEqual(p.Price, want) {
		t.Errorf("price = %v, want %v", p.Price, want)
	}
	if o := s.Models[1].Params.(*otherParams); o.Rate != 0.5 {
		t.Errorf("test_other: {} should keep the default rate, got %g", o.Rate)
	}
	if !s.Models[0].Enabled || !s.Models[1].Enabled || s.Models[2].Enabled {
		t.Errorf("enabled = %v %v %v, want true true false", s.Models[0].Enabled, s.Models[1].Enabled, s.Models[2].Enabled)
	}
}

func TestParseDefaults(t *testing.T) {
	s := mustParse(t, "dir/minimal.yaml", "models:\n  test_other: ~\n")
	if s.Name != "minimal" {
		t.Errorf("name = %q, want the file's base name", s.Name)
	}
	if s.Seed != datasets.DefaultSeed || s.Replicates != datasets.DefaultReplicates {
		t.Errorf("seed %d replicates %d, want the defaults", s.Seed, s.Replicates)
	}
	if !reflect.DeepEqual(s.Config, sim.DefaultConfig()) {
		t.Errorf("config differs from sim.DefaultConfig()")
	}
	if o := s.Models[0].Params.(*otherParams); o.Rate != 0.5 {
		t.Errorf("test_other: ~ should keep the default rate, got %g", o.Rate)
	}
	if r := s.Robust; r.Vectors != 20 || r.Replicates != 2 || r.Plausible != "scorecard" {
		t.Errorf("robust: %+v, want 20 vectors, 2 replicates, scorecard", r)
	}
	part := mustParse(t, "dir/minimal.yaml", "models:\n  test_other: ~\nrobust: {vectors: 4}\n")
	if r := part.Robust; r.Vectors != 4 || r.Replicates != 2 || r.Plausible != "scorecard" {
		t.Errorf("robust: {vectors: 4} gives %+v, want the other keys' defaults", r)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // each must be one of the lines of the error
	}{
		{"unknown key with suggestion", edit(12, "  react_rat: 0.05"),
			[]string{"bad.yaml:12: behaviour.react_rat: unknown key (did you mean react_rate?)"}},
		{"unknown top-level key lists the keys", edit(1, "colour: blue"),
			[]string{"bad.yaml:1: colour: unknown key; valid keys: behaviour, business, businesses, categories, compare, days, description, graph, markets, max_follows, models, name, replicates, robust, seed, user, users"}},
		{"unknown model param", edit(15, "    price_per_mesage: 0.5"),
			[]string{"bad.yaml:15: models.test_model.price_per_mesage: unknown key (did you mean price_per_message?)"}},
		{"unknown key in a list item", edit(8, "    shar: 0.6"),
			[]string{"bad.yaml:8: markets[0].shar: unknown key (did you mean share?)"}},
		{"model param out of range", edit(15, "    price_per_message: -1"),
			[]string{"bad.yaml:15: models.test_model.price_per_message: must be in [0, 10], got -1"}},
		{"map value out of range", edit(16, "    price: {DE: 0.2, BR: 3}"),
			[]string{"bad.yaml:16: models.test_model.price.BR: must be in [0, 1], got 3"}},
		{"enum", edit(15, "    mode: pigeon"),
			[]string{`bad.yaml:15: models.test_model.mode: must be one of push, folder, got "pigeon"`}},
		{"model's own check, key absent: line of the model", edit(15, "    min_gap: 5"),
			[]string{"bad.yaml:14: models.test_model.max_gap: must be >= min_gap (5), got 2"}},
		{"attention negative", edit(12, "  attention: -0.1"),
			[]string{"bad.yaml:12: behaviour.attention: must be in [0, 10], got -0.1"}},
		{"attention above its range", edit(12, "  attention: 11"),
			[]string{"bad.yaml:12: behaviour.attention: must be in [0, 10], got 11"}},
		{"NaN", edit(12, "  react_rate: .nan"),
			[]string{"bad.yaml:12: behaviour.react_rate: must be a finite number in [0, 100], got NaN"}},
		{"infinity", edit(12, "  react_rate: -.inf"),
			[]string{"bad.yaml:12: behaviour.react_rate: must be a finite number in [0, 100], got -Inf"}},
		{"NaN in a field without range", edit(16, "    label: .nan"),
			[]string{"bad.yaml:16: models.test_model.label: must be a finite number, got .nan"}},
		{"int above range", edit(4, "users: 9000000000"),
			[]string{"bad.yaml:4: users: must be in [10, 5e+07], got 9e+09"}},
		{"int beyond int64", edit(4, "users: 99999999999999999999999"),
			[]string{"bad.yaml:4: users: must be in [10, 50000000], got 99999999999999999999999"}},
		{"uint64 beyond int64", edit(4, "users: 18446744073709551615"),
			[]string{"bad.yaml:4: users: must be in [10, 50000000], got 18446744073709551615"}},
		{"seed beyond uint64", edit(2, "seed: 99999999999999999999999"),
			[]string{"bad.yaml:2: seed: must be a whole number >= 0 that fits the field, got 99999999999999999999999"}},
		{"negative seed", edit(2, "seed: -3"),
			[]string{"bad.yaml:2: seed: must be >= 0, got -3"}},
		{"replicates out of range", edit(3, "replicates: 0"),
			[]string{"bad.yaml:3: replicates: must be in [1, 1000], got 0"}},
		{"text for a number", edit(3, "replicates: many"),
			[]string{`bad.yaml:3: replicates: must be a whole number, got "many"`}},
		{"fraction for a whole number", edit(3, "replicates: 2.5"),
			[]string{"bad.yaml:3: replicates: must be a whole number, got 2.5"}},
		{"quoted number", edit(12, `  react_rate: "0.05"`),
			[]string{`bad.yaml:12: behaviour.react_rate: must be a number, got "0.05"`}},
		{"missing value", edit(12, "  react_rate:"),
			[]string{"bad.yaml:12: behaviour.react_rate: missing value: write a number, or remove the key to keep the default"}},
		{"list for a mapping", edit(16, "    price: [1, 2]"),
			[]string{"bad.yaml:16: models.test_model.price: must be a mapping (key: value per line), got a list"}},
		{"scalar for a section", edit(11, "behaviour: 3") + "", // line 12 then belongs to nothing: YAML error
			[]string{"bad.yaml:12: not valid YAML: mapping values are not allowed in this context"}},
		{"scalar for a list", edit(6, "markets: DE") + "",
			[]string{"bad.yaml:7: not valid YAML: mapping values are not allowed in this context"}},
		{"duplicate key", edit(5, "users: 2000"),
			[]string{"bad.yaml:5: users: duplicate key (first at line 4); keep only one"}},
		{"duplicate model", edit(17, "  test_model: {}"),
			[]string{"bad.yaml:17: models.test_model: duplicate key (first at line 14); keep only one"}},
		{"duplicate model param", edit(16, "    price_per_message: 1"),
			[]string{"bad.yaml:16: models.test_model.price_per_message: duplicate key (first at line 15); keep only one"}},
		{"unknown model", edit(17, "  test_othr: {}"),
			[]string{"bad.yaml:17: models.test_othr: unknown model (did you mean test_other?); registered models: "}},
		{"params for a model without any", edit(19, "    colour: red"),
			[]string{"bad.yaml:19: models.test_plain.colour: unknown key: model test_plain takes no parameters"}},
		{"enabled not a bool", edit(19, "    enabled: maybe"),
			[]string{`bad.yaml:19: models.test_plain.enabled: must be true or false, got "maybe"`}},
		{"model entry not a mapping", edit(17, "  test_other: 3"),
			[]string{"bad.yaml:17: models.test_other: must be a mapping of the model's parameters ({} for the defaults), got 3"}},
		{"share out of range", edit(10, "    share: 1.4"),
			[]string{"bad.yaml:10: markets[1].share: must be in [0, 1], got 1.4"}},
		{"shares do not add up: line of the list", edit(8, "    share: 0.7"),
			[]string{"bad.yaml:6: markets: shares must add up to 1, got 1.1"}},
		{"relation between keys", edit(12, "  block_share: 0.6"),
			[]string{"bad.yaml:12: behaviour.block_share: mute_share + block_share must be <= 1, got 1.1"}},
		{"relation with a default key: nearest parent", edit(12, "  mute_share: 0.95"),
			[]string{"bad.yaml:11: behaviour.block_share: mute_share + block_share must be <= 1, got 1.05"}},
		{"graph enum", edit(12, "graph: {kind: ring}"),
			[]string{`bad.yaml:12: graph.kind: must be one of clustered_scale_free, fully_mixed, got "ring"`}},
		{"merge keys", edit(12, "  <<: {react_rate: 1}"),
			[]string{"bad.yaml:12: behaviour: merge keys (<<) are not supported; write the keys out"}},
		{"yaml syntax", edit(8, "    share: [0.6"),
			[]string{"bad.yaml:7: not valid YAML: did not find expected ',' or ']'"}},
		{"tab indentation", edit(12, "\treact_rate: 0.05"),
			[]string{"bad.yaml:12: not valid YAML: found character that cannot start any token"}},
		{"several problems, all reported in line order", edit(3, "replicates: 0") + "bogus: 1\n",
			[]string{"bad.yaml:3: replicates: must be in [1, 1000], got 0", "bad.yaml:20: bogus: unknown key"}},
		{"robust: one vector", good + "robust:\n  vectors: 1\n",
			[]string{"bad.yaml:21: robust.vectors: must be at least 2 (one behaviour shows no spread) and at most 1000, got 1"}},
		{"robust: too many vectors", good + "robust: {vectors: 1001}\n",
			[]string{"bad.yaml:20: robust.vectors: must be at least 2 (one behaviour shows no spread) and at most 1000, got 1001"}},
		{"robust: no replicate", good + "robust:\n  replicates: 0\n",
			[]string{"bad.yaml:21: robust.replicates: must be in [1, 1000], got 0"}},
		{"robust: empty plausible set", good + "robust:\n  plausible: \"\"\n",
			[]string{"bad.yaml:21: robust.plausible: empty; name an embedded plausible set (scorecard"}},
		{"robust: unknown key", good + "robust:\n  vector: 3\n",
			[]string{"bad.yaml:21: robust.vector: unknown key (did you mean vectors?)"}},
		{"empty file", "", []string{"bad.yaml: empty file: a scenario needs at least a models: section"}},
		{"comments only", "# nothing here\n\n", []string{"bad.yaml: empty file: a scenario needs at least a models: section"}},
		{"null document", "~\n", []string{"bad.yaml:1: the top level must be a mapping of keys such as users: and models:, got nothing"}},
		{"top-level list", "- users: 10\n", []string{"bad.yaml:1: the top level must be a mapping of keys such as users: and models:, got a list"}},
		{"top-level text", "hello world\n", []string{`bad.yaml:1: the top level must be a mapping of keys such as users: and models:, got "hello world"`}},
		{"binary junk", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", []string{"bad.yaml: not a YAML text file (binary or not UTF-8)"}},
		{"two documents", good + "---\nusers: 10\n", []string{"bad.yaml:20: a second YAML document (after ---); a scenario file holds exactly one"}},
		{"no models", "users: 100\n", []string{"bad.yaml: models: no arms to compare: enable at least one model under models:"}},
		{"all models disabled", "models:\n  test_other: {enabled: false}\n", []string{"bad.yaml:1: models: no arms to compare"}},
		{"alias bomb", aliasBomb(), []string{"bad.yaml:4: scenario too large: more than 100000 YAML nodes after expanding aliases"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := datasets.Parse("bad.yaml", []byte(tc.text))
			if err == nil {
				t.Fatalf("Parse accepted the scenario (%+v)", s.Behaviour)
			}
			var se *datasets.ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, want *datasets.ScenarioError", err)
			}
			lines := strings.Split(err.Error(), "\n")
			for _, want := range tc.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, want)
				}
				if !found {
					t.Errorf("error lacks a line starting with\n\t%s\ngot:\n\t%s", want, strings.Join(lines, "\n\t"))
				}
			}
			if len(tc.want) == 1 && len(se.Problems) != 1 {
				t.Errorf("want 1 problem, got %d:\n%v", len(se.Problems), err)
			}
			for _, p := range se.Problems {
				if p.File != "bad.yaml" {
					t.Errorf("problem names file %q", p.File)
				}
			}
		})
	}
}

// aliasBomb is a billion-laughs document: each level names the previous
// one ten times.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("models:\n  test_model:\n    label:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("      a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestArms(t *testing.T) {
	const models = "models:\n  test_model: {}\n  test_other: {}\n  test_plain: {enabled: false}\n"
	tests := []struct {
		name     string
		compare  string
		arms     []datasets.Arm
		baseline string
		problem  string // a line of the error, "" if valid
	}{
		{name: "one arm per enabled model, first is baseline",
			arms:     []datasets.Arm{{Name: "test_model", Models: []string{"test_model"}}, {Name: "test_other", Models: []string{"test_other"}}},
			baseline: "test_model"},
		{name: "baseline names a default arm", compare: "compare:\n  baseline: test_other\n",
			arms:     []datasets.Arm{{Name: "test_model", Models: []string{"test_model"}}, {Name: "test_other", Models: []string{"test_other"}}},
			baseline: "test_other"},
		{name: "given arms",
			compare:  "compare:\n  arms:\n    - {name: none, models: []}\n    - {name: both, models: [test_other, test_model]}\n",
			arms:     []datasets.Arm{{Name: "none", Models: []string{}}, {Name: "both", Models: []string{"test_other", "test_model"}}},
			baseline: "none"},
		{name: "given baseline",
			compare:  "compare:\n  baseline: both\n  arms:\n    - {name: one, models: [test_model]}\n    - {name: both, models: [test_model, test_other]}\n",
			arms:     []datasets.Arm{{Name: "one", Models: []string{"test_model"}}, {Name: "both", Models: []string{"test_model", "test_other"}}},
			baseline: "both"},
		{name: "baseline not an arm", compare: "compare:\n  baseline: nope\n",
			problem: `arms.yaml:6: compare.baseline: no arm named "nope"; arms: test_model, test_other`},
		{name: "disabled model in an arm", compare: "compare:\n  arms:\n    - {name: a, models: [test_plain]}\n",
			problem: "arms.yaml:7: compare.arms[0].models[0]: model test_plain is disabled (enabled: false under models.test_plain); enable it or drop it from the arm"},
		{name: "unknown model in an arm", compare: "compare:\n  arms:\n    - name: a\n      models:\n        - test_model\n        - paid_pushh\n",
			problem: `arms.yaml:10: compare.arms[0].models[1]: "paid_pushh" is not a model of this scenario; enabled models: test_model, test_other`},
		{name: "model twice in an arm", compare: "compare:\n  arms:\n    - {name: a, models: [test_model, test_model]}\n",
			problem: "arms.yaml:7: compare.arms[0].models[1]: model test_model listed twice in the arm"},
		{name: "duplicate arm names", compare: "compare:\n  arms:\n    - {name: a, models: [test_model]}\n    - name: a\n      models: [test_other]\n",
			problem: `arms.yaml:8: compare.arms[1].name: duplicate arm name "a"; arm names must be unique`},
		{name: "arm without a name", compare: "compare:\n  arms:\n    - models: [test_model]\n",
			problem: "arms.yaml:7: compare.arms[0].name: every arm needs a name"},
		{name: "arm with an unknown key", compare: "compare:\n  arms:\n    - {name: a, model: [test_model]}\n",
			problem: "arms.yaml:7: compare.arms[0].model: unknown key (did you mean models?)"},

		// With a base, an arm runs the base's models and then its own.
		{name: "base and nested arms",
			compare: "compare:\n  base: {name: svc, models: [test_model]}\n  arms:\n    - {name: svc+other, models: [test_other]}\n" +
				"    - {name: other_alone, models: [test_other], standalone: true}\n",
			arms: []datasets.Arm{{Name: "svc", Models: []string{"test_model"}}, {Name: "svc+other", Models: []string{"test_model", "test_other"}},
				{Name: "other_alone", Models: []string{"test_other"}}},
			baseline: "svc"},
		{name: "base without arms: base + each other enabled model",
			compare:  "compare:\n  base: {name: b, models: [test_other]}\n",
			arms:     []datasets.Arm{{Name: "b", Models: []string{"test_other"}}, {Name: "b+test_model", Models: []string{"test_other", "test_model"}}},
			baseline: "b"},
		{name: "baseline other than the base",
			compare:  "compare:\n  baseline: x\n  base: {name: b, models: [test_model]}\n  arms: [{name: x, models: [test_other]}]\n",
			arms:     []datasets.Arm{{Name: "b", Models: []string{"test_model"}}, {Name: "x", Models: []string{"test_model", "test_other"}}},
			baseline: "x"},
		{name: "a base without models is the bare platform",
			compare:  "compare:\n  base: {name: bare, models: []}\n  arms: [{name: m, models: [test_model]}]\n",
			arms:     []datasets.Arm{{Name: "bare", Models: []string{}}, {Name: "m", Models: []string{"test_model"}}},
			baseline: "bare"},
		{name: "arm repeats a model of the base",
			compare: "compare:\n  base: {name: b, models: [test_model]}\n  arms:\n    - name: both\n      models: [test_other, test_model]\n",
			problem: "arms.yaml:9: compare.arms[0].models[1]: model test_model is already in the base b (compare.base.models): an arm lists only the models it adds to the base; drop it, or set standalone: true"},
		{name: "a stand-alone arm may repeat the base's model",
			compare:  "compare:\n  base: {name: b, models: [test_model]}\n  arms:\n    - {name: own, models: [test_model, test_other], standalone: true}\n",
			arms:     []datasets.Arm{{Name: "b", Models: []string{"test_model"}}, {Name: "own", Models: []string{"test_model", "test_other"}}},
			baseline: "b"},
		{name: "arm adds nothing to the base",
			compare: "compare:\n  base: {name: b, models: [test_model]}\n  arms:\n    - {name: same, models: []}\n",
			problem: "arms.yaml:8: compare.arms[0].models: the arm adds no model to the base b, so it is the base again"},
		{name: "unknown model in the base",
			compare: "compare:\n  base:\n    name: b\n    models: [servce_only]\n",
			problem: `arms.yaml:8: compare.base.models[0]: "servce_only" is not a model of this scenario; enabled models: test_model, test_other`},
		{name: "disabled model in the base",
			compare: "compare:\n  base: {name: b, models: [test_plain]}\n",
			problem: "arms.yaml:6: compare.base.models[0]: model test_plain is disabled"},
		{name: "base without a name",
			compare: "compare:\n  base: {models: [test_model]}\n",
			problem: "arms.yaml:6: compare.base.name: every arm needs a name"},
		{name: "base marked stand-alone",
			compare: "compare:\n  base: {name: b, models: [test_model], standalone: true}\n",
			problem: "arms.yaml:6: compare.base.standalone: the base arm is the one the others add to; drop standalone: from compare.base"},
		{name: "arm named like the base",
			compare: "compare:\n  base: {name: b, models: [test_model]}\n  arms:\n    - {name: b, models: [test_other]}\n",
			problem: `arms.yaml:8: compare.arms[0].name: duplicate arm name "b"; arm names must be unique (the base's too)`},
		{name: "base that is not a mapping",
			compare: "compare:\n  base: [test_model]\n",
			problem: "arms.yaml:6: compare.base: must be a mapping"},
		{name: "default arm name too long",
			compare: "compare:\n  base: {name: " + strings.Repeat("b", 60) + ", models: [test_model]}\n",
			problem: "compare.base.name: the default arm \"" + strings.Repeat("b", 60) + "+test_other\" (base + model) is not a valid arm name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := datasets.Parse("arms.yaml", []byte(models+tc.compare))
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("error = %v\nwant a line %s", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Arms(); !reflect.DeepEqual(got, tc.arms) {
				t.Errorf("Arms() = %v, want %v", got, tc.arms)
			}
			if got := s.Baseline(); got != tc.baseline {
				t.Errorf("Baseline() = %q, want %q", got, tc.baseline)
			}
			for _, a := range s.Arms() {
				ms, err := s.NewModels(a)
				if err != nil {
					t.Fatalf("NewModels(%s): %v", a.Name, err)
				}
				for i, m := range ms {
					if m.Name() != a.Models[i] {
						t.Errorf("arm %s model %d is %s, want %s", a.Name, i, m.Name(), a.Models[i])
					}
				}
			}
		})
	}
}

func TestHash(t *testing.T) {
	hash := func(text string) string {
		t.Helper()
		h, err := mustParse(t, "good.yaml", text).Hash()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := hash(good)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("Hash() = %q, want 64 hex digits", h)
	}
	if h2 := hash(good); h2 != h {
		t.Errorf("two parses of one file hash differently: %s, %s", h, h2)
	}
	same := map[string]string{
		"comments and layout":       "# a comment\n" + strings.Replace(good, "react_rate: 0.05", "react_rate: 5e-2   # same number", 1),
		"key order":                 strings.Replace(good, "name: good\nseed: 7\n", "seed: 7\nname: good\n", 1),
		"a default written out":     strings.Replace(good, "users: 1000\n", "users: 1000\ndays: 180\n", 1),
		"a model param at default":  strings.Replace(good, "test_other: {}", "test_other: {rate: 0.5}", 1),
		"a disabled model's params": strings.Replace(good, "enabled: false", "enabled: false\n    # off", 1),
		// msgmon robust's settings change no run.
		"the robust: section": good + "robust:\n  vectors: 5\n  replicates: 3\n  plausible: other.csv\n",
	}
	for name, text := range same {
		if got := hash(text); got != h {
			t.Errorf("%s changed the hash", name)
		}
	}
	differ := map[string]string{
		"seed":          edit(2, "seed: 8"),
		"config value":  edit(12, "  react_rate: 0.06"),
		"model param":   edit(15, "    price_per_message: 0.51"),
		"map entry":     edit(16, "    price: {DE: 0.2, BR: 0.1}"),
		"model enabled": edit(19, "    enabled: true"),
		"model order":   strings.Replace(good, "  test_model:\n    price_per_message: 0.5\n    price: {DE: 0.2}\n  test_other: {}\n", "  test_other: {}\n  test_model:\n    price_per_message: 0.5\n    price: {DE: 0.2}\n", 1),
		"explicit arms": good + "compare:\n  arms:\n    - {name: x, models: [test_model, test_other]}\n",
		"baseline":      good + "compare:\n  baseline: test_other\n",
		"the name":      edit(1, "name: other"),
	}
	seen := map[string]string{}
	for name, text := range differ {
		got := hash(text)
		if got == h {
			t.Errorf("changing the %s did not change the hash", name)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("changing the %s and the %s give one hash", name, other)
		}
		seen[got] = name
	}
}

func TestJSONIsAScenario(t *testing.T) {
	s := mustParse(t, "good.yaml", good)
	js, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"name":"good"`, `"react_rate":0.05`, `"models":{"test_model":{"price_per_message":0.5`, `"compare":{"baseline":"test_model","arms":[`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("JSON lacks %s:\n%s", key, js)
		}
	}
	if strings.Contains(string(js), "test_plain") {
		t.Errorf("JSON lists the disabled model:\n%s", js)
	}
	// JSON is YAML: the canonical form parses to the same scenario.
	back := mustParse(t, "good.json", string(js))
	h1, _ := s.Hash()
	h2, _ := back.Hash()
	if h1 != h2 {
		t.Errorf("the canonical JSON parses to another scenario:\n%s", js)
	}
}

func TestValidateAfterChange(t *testing.T) {
	s := mustParse(t, "good.yaml", good)
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate of a loaded scenario: %v", err)
	}
	s.Users = 5
	s.Behaviour.ReactRate = math.NaN()
	s.Models[0].Params.(*testParams).Cap = 101
	err := s.Validate()
	if err == nil {
		t.Fatal("Validate accepted users 5")
	}
	for _, want := range []string{
		"good.yaml: users: must be in [10, 5e+07], got 5",
		"good.yaml: behaviour.react_rate: must be a finite number in [0, 100], got NaN",
		"good.yaml: models.test_model.cap: must be in [0, 100], got 101",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q:\n%v", want, err)
		}
	}
	if _, err := s.Hash(); err == nil {
		t.Error("Hash of a scenario holding NaN succeeded")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(path, []byte(edit(12, "  react_rat: 1")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := datasets.Load(path)
	if want := path + ":12: behaviour.react_rat: unknown key (did you mean react_rate?)"; err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(good, "name: good\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := datasets.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "study" {
		t.Errorf("name = %q, want the file's base name", s.Name)
	}
	if _, err := datasets.Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// requireModels skips a test while the real models are not registered.
func requireModels(t *testing.T) {
	t.Helper()
	if _, ok := sim.Lookup("paid_push"); !ok {
		t.Skip("the real models are not registered (blank-import package models in the tests)")
	}
}

func TestDefaultScenario(t *testing.T) {
	requireModels(t)
	s, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "default" || s.Seed != 20261122 || s.Replicates != 8 || s.Users != 20000 || s.Businesses != 400 || s.Days != 180 {
		t.Errorf("default scenario: name %q seed %d replicates %d users %d businesses %d days %d", s.Name, s.Seed, s.Replicates, s.Users, s.Businesses, s.Days)
	}
	// Without compare:, the base "service" runs service_only, and each
	// other model is an arm of the base plus that model.
	want := []datasets.Arm{
		{Name: "service", Models: []string{"service_only"}},
		{Name: "service+subscription", Models: []string{"service_only", "subscription"}},
		{Name: "service+paid_push", Models: []string{"service_only", "paid_push"}},
		{Name: "service+status_ads", Models: []string{"service_only", "status_ads"}},
	}
	if got := s.Arms(); !reflect.DeepEqual(got, want) {
		t.Errorf("arms = %v, want %v", got, want)
	}
	if base, ok := s.Base(); !ok || base.Name != "service" || s.Baseline() != "service" {
		t.Errorf("base %v (%v), baseline %q; want service, the baseline", base, ok, s.Baseline())
	}
	// The base's window is stated in the file: the calibration row of
	// WhatsApp's customer-service window.
	if m, _ := s.Model("service_only"); reflect.ValueOf(m.Params).Elem().FieldByName("WindowHours").Float() != 24 {
		t.Errorf("service_only window %v, want 24", m.Params)
	}
	for _, name := range datasets.EmbeddedNames() {
		if _, err := datasets.Embedded(name); err != nil {
			t.Errorf("embedded %s: %v", name, err)
		}
	}
}

func TestEmbeddedNames(t *testing.T) {
	names := datasets.EmbeddedNames()
	if len(names) == 0 || names[0] != "default" && !contains(names, "default") {
		t.Fatalf("EmbeddedNames() = %v, want default among them", names)
	}
	if _, err := datasets.Embedded("nope"); err == nil || !strings.Contains(err.Error(), "default") {
		t.Errorf("Embedded(nope) = %v, want an error listing the embedded names", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDefaultYAMLSpellsOutDefaults holds default.yaml to sim.DefaultConfig:
// every field written out, with the default value (or the !cal row that
// holds it) and a comment giving its source.
func TestDefaultYAMLSpellsOutDefaults(t *testing.T) {
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	// Parse resolves the !cal tags against the calibration tables: the
	// rows must hold the defaults.
	got, err := datasets.Parse("default.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.DefaultConfig()
	if !reflect.DeepEqual(got.Config, want) {
		t.Errorf("default.yaml's config differs from sim.DefaultConfig():\n got %+v\nwant %+v", got.Config, want)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	missing := missingKeys(reflect.TypeFor[sim.Config](), doc.Content[0], "")
	for _, m := range missing {
		t.Errorf("default.yaml does not spell out %s", m)
	}
	// Every number in the behavioural sections cites its source.
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		section := root.Content[i].Value
		if section != "graph" && section != "user" && section != "business" && section != "behaviour" {
			continue
		}
		m := root.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			k, v := m.Content[j], m.Content[j+1]
			c := k.LineComment + v.LineComment
			isNumber := v.ShortTag() == "!!int" || v.ShortTag() == "!!float"
			if c == "" || isNumber && !strings.Contains(c, "DOMAIN") && !strings.Contains(c, "assumption, sweep it") {
				t.Errorf("default.yaml:%d: %s.%s has no comment citing its DOMAIN row or saying \"assumption, sweep it\"", k.Line, section, k.Value)
			}
		}
	}
}

// missingKeys lists the yaml keys of t (recursively) absent from n.
func missingKeys(t reflect.Type, n *yaml.Node, path string) []string {
	var missing []string
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return []string{path}
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			p := name
			if path != "" {
				p = path + "." + name
			}
			var v *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == name {
					v = n.Content[j+1]
				}
			}
			if v == nil {
				missing = append(missing, p)
				continue
			}
			missing = append(missing, missingKeys(f.Type, v, p)...)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return []string{path}
		}
		for i, item := range n.Content {
			missing = append(missing, missingKeys(t.Elem(), item, path+"["+string(rune('0'+i))+"]")...)
		}
	}
	return missing
}

// Scenario and arm names become folder and file names: unsafe ones are
// refused, and a name taken from the file is made safe.
func TestSafeNames(t *testing.T) {
	const body = "users: 2000\nbusinesses: 40\ndays: 5\nmodels: {test_model: {}}\n"
	if _, err := datasets.Parse("x.yaml", []byte("name: ../../out\n"+body)); err == nil || !strings.Contains(err.Error(), "x.yaml:1: name:") {
		t.Errorf("name ../../out: got %v", err)
	}
	arms := body + "compare: {arms: [{name: a/b, models: [test_model]}]}\n"
	if _, err := datasets.Parse("x.yaml", []byte(arms)); err == nil || !strings.Contains(err.Error(), "compare.arms[0].name") {
		t.Errorf("arm a/b: got %v", err)
	}
	s, err := datasets.Parse("dir/my scenario (v2).yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "my-scenario--v2-" {
		t.Errorf("name from file %q", s.Name)
	}
}
