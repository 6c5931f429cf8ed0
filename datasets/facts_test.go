package datasets

import (
	"math"
	"strings"
	"testing"
)

// TestDefaultFactsLoad: the embedded scorecard parses, every fact has a
// source, a date and a band, and !cal values and within: tolerances are
// the calibration rows'.
func TestDefaultFactsLoad(t *testing.T) {
	f, err := DefaultFacts()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Calibration()
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range f.Facts {
		if ft.Source == "" || ft.SourceDate == "" || ft.Band.Basis == "" {
			t.Errorf("%s: source %q, date %q, basis %q", ft.ID, ft.Source, ft.SourceDate, ft.Band.Basis)
		}
		if ft.ValueRow != "" {
			row, _ := cal.Lookup(ft.ValueRow)
			if ft.Value != row.Value {
				t.Errorf("%s: value %v, row %s says %v", ft.ID, ft.Value, ft.ValueRow, row.Value)
			}
		}
		if ft.Band.WithinRow != "" {
			row, _ := cal.Lookup(ft.Band.WithinRow)
			if math.Abs(*ft.Band.High-ft.Value-row.Value) > 1e-12 || math.Abs(ft.Value-*ft.Band.Low-row.Value) > 1e-12 {
				t.Errorf("%s: band %s is not value %v ± %v", ft.ID, ft.Band, ft.Value, row.Value)
			}
		}
	}
	for _, sc := range f.Scenarios() {
		sw, ms, err := f.Study(sc, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if sw != nil && len(sw.Targets) != len(ms) {
			t.Fatalf("%s: %d targets for %d measures", sc, len(sw.Targets), len(ms))
		}
	}
}

func TestFactsProblems(t *testing.T) {
	const ok = `facts:
  - id: a
    quantity: q
    value: 0.5
    band: {within: 0.1, basis: b}
    source: s
    source_date: "2026"
    scenario: default
    output: users
`
	if f, err := ParseFacts("f.yaml", []byte(ok)); err != nil {
		t.Fatal(err)
	} else if b := f.Facts[0].Band; *b.Low != 0.4 || *b.High != 0.6 || !b.Contains(0.5) || b.Contains(0.61) || b.Contains(math.NaN()) {
		t.Fatalf("within: band %s", b)
	}
	cases := []struct{ from, to, want string }{
		{"    source: s\n", "", "f.yaml:2: facts[0].source: missing"},
		{"    source_date: \"2026\"\n", "", "f.yaml:2: facts[0].source_date: missing"},
		{"{within: 0.1, basis: b}", "{low: 2, high: 1, basis: b}", "f.yaml:5: facts[0].band: low 2 is above high 1; swap them"},
		{"{within: 0.1, basis: b}", "{basis: b}", "f.yaml:5: facts[0].band: give low:, high: or both"},
		{"{within: 0.1, basis: b}", "{low: 0, high: .inf, basis: b}", "f.yaml:5: facts[0].band.high: must be a finite number"},
		{"{within: 0.1, basis: b}", "{within: 0.1, low: 0, basis: b}", "give within: or low: and high:, not both"},
		{"{within: 0.1, basis: b}", "{within: 0.1}", "f.yaml:5: facts[0].band.basis: missing"},
		{"    output: users\n", "    input: moon\n", "f.yaml:9: facts[0].input: msgmon cannot measure \"moon\""},
		{"    output: users\n", "", "f.yaml:2: facts[0].output: missing"},
		{"scenario: default", "scenario: mars", "f.yaml:8: facts[0].scenario: no embedded scenario \"mars\""},
		{"    value: 0.5\n", "", "f.yaml:2: facts[0].value: missing"},
		{"    output: users\n", "    output: users\n    set: {days: 0}\n", "f.yaml:10: facts[0].set.days"},
		{"    output: users\n", "    output: users\n    horizon_days: 900\n", "f.yaml:10: facts[0].horizon_days: 900 days is longer than the fact's run"},
		{"  - id: a\n", "  - id: a b\n", "f.yaml:2: facts[0].id: must be 1 to 64 letters"},
	}
	for _, c := range cases {
		if !strings.Contains(ok, c.from) {
			t.Fatalf("case does not apply: %q", c.from)
		}
		_, err := ParseFacts("f.yaml", []byte(strings.Replace(ok, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q → %q: got %v, want %s", c.from, c.to, err, c.want)
		}
	}
	// The same id twice.
	_, err := ParseFacts("f.yaml", []byte(ok+strings.TrimPrefix(ok, "facts:\n")))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:10: facts[1].id: \"a\" is the id of the fact at line 2 too") {
		t.Errorf("duplicate id: %v", err)
	}
}

// TestStudyFromFacts: a calibration study's facts: adds the scorecard's
// facts measured on its scenario with a closed band (the WeChat direction
// as a ratio aiming at its band's middle), and refuses a named fact that
// cannot be a target.
func TestStudyFromFacts(t *testing.T) {
	sw, err := LoadSweep("studies/scorecard.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ratios := 0
	for i, tg := range sw.Targets {
		names = append(names, tg.Name)
		if sw.TargetRatio(i) {
			ratios++
			if tg.Name != "wechat.reads_fall_with_accounts" || math.Abs(tg.Value-0.735) > 1e-12 || math.Abs(tg.Tolerance-0.235) > 1e-12 {
				t.Errorf("ratio target %s: %v ± %v", tg.Name, tg.Value, tg.Tolerance)
			}
		}
	}
	if len(names) != 7 || ratios != 1 {
		t.Fatalf("targets %v (%d ratios)", names, ratios)
	}
	study := `name: x
scenario: default
design: calibrate
facts: {ids: [whatsapp.cap_lowers_volume]}
parameters:
  - {path: behaviour.react_rate, min: 0.001, max: 1}
`
	_, err = ParseSweep("s.yaml", []byte(study), func(name string) (string, []byte, error) {
		b, err := EmbeddedYAML(name)
		return name, b, err
	})
	if err == nil || !strings.Contains(err.Error(), "s.yaml:4: facts.ids[0]: fact whatsapp.cap_lowers_volume cannot be a target") {
		t.Fatalf("open band as a target: %v", err)
	}
}
