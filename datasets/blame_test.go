package datasets

import (
	"errors"
	"strings"
	"testing"
)

// Messages that blame the right file (issue 28 item 8): an overlay's
// problems name the overlay's file and line, an indexed key path means the
// same in an overlay, a plausible set and a study's set:, a key given twice
// is refused everywhere, a plausible CSV may start with a byte order mark,
// and a long value is not echoed whole.

// noMarkets is an embedded scenario whose text leaves markets: to the
// defaults, so that markets.0.share indexes a list the text does not hold.
const noMarkets = "wechat-service"

func embeddedText(t *testing.T, name string) (string, []byte) {
	t.Helper()
	data, err := EmbeddedYAML(name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "\nmarkets:") {
		t.Fatalf("%s gives markets:; the test needs a scenario that does not", name)
	}
	return "datasets/scenarios/" + name + ".yaml", data
}

func wantProblem(t *testing.T, err error, want ...string) {
	t.Helper()
	var se *ScenarioError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *ScenarioError saying %q", err, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%v\ndoes not say %q", err, w)
		}
	}
}

// TestIndexedPathsEverywhere: markets.0.share sets the first market's
// share whether the scenario's text lists the markets or leaves them to
// the defaults, in an overlay, in a plausible set's column and in a
// study's set: alike; an index past the list's end and a value out of
// range are the overlay's problems, at its line.
func TestIndexedPathsEverywhere(t *testing.T) {
	name, data := embeddedText(t, noMarkets)
	def := newScenario() // what a text without markets: gets
	first := def.Markets[0].Share

	ov, err := ParseOverlay("ov.yaml", []byte("markets.0.share: 0.3\nmarkets.5.share: 0.15\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ov.Apply(name, data)
	if err != nil {
		t.Fatalf("overlay markets.0.share on %s: %v", noMarkets, err)
	}
	if len(s.Markets) != len(def.Markets) || s.Markets[0].Share != 0.3 || s.Markets[5].Share != 0.15 {
		t.Errorf("overlay: markets %+v, want the default markets with shares 0.3 and 0.15", s.Markets)
	}
	if s.Markets[1] != def.Markets[1] {
		t.Errorf("overlay: market 1 %+v, want the default %+v", s.Markets[1], def.Markets[1])
	}

	set, err := ParsePlausible("p.csv", []byte("vector,weight,distance,markets.0.share,markets.5.share\n1,1,0,0.3,0.15\n2,1,0,0.25,0.2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Check(name, data, nil); err != nil {
		t.Fatalf("plausible set with markets.0.share on %s: %v", noMarkets, err)
	}
	if s, err := set.ScenarioWith(name, data, nil, 1, nil); err != nil || s.Markets[0].Share != 0.25 {
		t.Errorf("plausible vector 2: %v, %v", s, err)
	}

	sw, err := ParseSweep("st.yaml", []byte("name: st\nscenario: "+noMarkets+"\nset: {markets.0.share: 0.3, markets.5.share: 0.15}\n"+
		"design: grid\nparameters:\n  - {path: business.sends_per_week_mean, values: [1, 2]}\n"), embeddedBase)
	if err != nil {
		t.Fatalf("set: markets.0.share on %s: %v", noMarkets, err)
	}
	pts, err := sw.PointsOf()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := sw.Scenario(pts[0]); err != nil || s.Markets[0].Share != 0.3 {
		t.Errorf("set: %v, %v", s, err)
	}
	if first == 0.3 {
		t.Fatal("the default first share is already 0.3: the test shows nothing")
	}

	// Wrong indexed paths are the overlay's problems, at its line.
	for _, c := range []struct{ text, want string }{
		{"behaviour.react_rate: 0.01\nmarkets.9.share: 0.1\n", "ov.yaml:2: markets.9.share: markets is a list of 6; \"9\" is not an index 0..5"},
		{"markets.0.share: 1.5\n", "ov.yaml:1: markets.0.share: must be in [0, 1], got 1.5"},
		{"markets.0.share: 0.5\n", "ov.yaml:1: markets.0.share: markets: shares must add up to 1"},
	} {
		ov, err := ParseOverlay("ov.yaml", []byte(c.text))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ov.Apply(name, data)
		wantProblem(t, err, c.want)
		if strings.Contains(err.Error(), "does not load") {
			t.Errorf("%q: %v\nblames the scenario, not the overlay", c.text, err)
		}
	}
}

// TestOverlayDuplicateKeys: an overlay that gives a key twice, in one
// mapping, flat and nested, or nested twice, is refused with the lines of
// both, as a scenario file is.
func TestOverlayDuplicateKeys(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"behaviour:\n  react_rate: 0.05\n  react_rate: 0.06\n", "ov.yaml:3: behaviour.react_rate: given twice (first at ov.yaml:2); keep only one"},
		{"behaviour.react_rate: 0.05\nbehaviour:\n  react_rate: 0.06\n", "ov.yaml:3: behaviour.react_rate: given twice (first at ov.yaml:1); keep only one"},
		{"behaviour: {react_rate: 0.05}\nuser: {tolerance_median: 3}\nbehaviour: {react_shape: 2}\n", "ov.yaml:3: behaviour: given twice (first at ov.yaml:1); keep only one"},
	} {
		_, err := ParseOverlay("ov.yaml", []byte(c.text))
		wantProblem(t, err, c.want)
	}
	// A merge key's values may be overridden: that is what << is for.
	ov, err := ParseOverlay("ov.yaml", []byte("behaviour:\n  <<: {react_rate: 0.05, react_shape: 2}\n  react_rate: 0.06\n"))
	if err != nil {
		t.Fatalf("merge key overridden: %v", err)
	}
	if s, err := ov.Apply(DefaultName(t)); err != nil || s.Behaviour.ReactRate != 0.06 {
		t.Errorf("merge key overridden: %v, %v", s, err)
	}
}

// TestOverlayApplyWith: an overlay's unknown key, checked on a study's
// base with the study's set:, is the overlay's problem at its line, not
// the base scenario's.
func TestOverlayApplyWith(t *testing.T) {
	name, data := DefaultName(t)
	ov, err := ParseOverlay("ov.yaml", []byte("# fitted\nbehaviour:\n  react_rat: 0.05\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ov.ApplyWith(name, data, []Override{{Path: "users", Value: 200.0}})
	wantProblem(t, err, "ov.yaml:3: behaviour.react_rat: unknown key (did you mean react_rate?)")
	if strings.Contains(err.Error(), name) {
		t.Errorf("%v\nnames the base scenario", err)
	}
}

// TestPlausibleBOM: a plausible CSV saved with a UTF-8 byte order mark
// (as spreadsheets do) reads as without it, as a YAML file does.
func TestPlausibleBOM(t *testing.T) {
	text := "# c\nvector,weight,distance,behaviour.react_rate\n1,1,0,0.003\n"
	want, err := ParsePlausible("p.csv", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePlausible("p.csv", []byte("\ufeff"+text))
	if err != nil {
		t.Fatalf("with a byte order mark: %v", err)
	}
	if len(got.Vectors) != 1 || got.Paths[0] != want.Paths[0] || got.Comments[0] != want.Comments[0] {
		t.Errorf("with a byte order mark: %+v, want %+v", got, want)
	}
	// Without a comment line first, the mark is before the header.
	if _, err := ParsePlausible("p.csv", []byte("\ufeffvector,weight,distance,behaviour.react_rate\n1,1,0,0.003\n")); err != nil {
		t.Errorf("byte order mark before the header: %v", err)
	}
}

// TestClip: a long value echoed in a message is cut to its first 80
// characters and its length.
func TestClip(t *testing.T) {
	long := strings.Repeat("x", 40000)
	if got := Clip("short"); got != "short" {
		t.Errorf("Clip(short) = %q", got)
	}
	got := Clip(long)
	if !strings.HasPrefix(got, strings.Repeat("x", 80)+"…") || !strings.Contains(got, "(40000 characters)") || len(got) > 120 {
		t.Errorf("Clip(40000 x) = %q", got)
	}
	if got := ClipQ(long); !strings.HasPrefix(got, `"`+strings.Repeat("x", 80)+`"…`) || !strings.HasSuffix(got, "(40000 characters)") {
		t.Errorf("ClipQ(40000 x) = %q", got)
	}
	// Multi-byte characters are counted and cut as characters.
	if got := Clip(strings.Repeat("é", 100)); got != strings.Repeat("é", 80)+"…(100 characters)" {
		t.Errorf("Clip(100 é) = %q", got)
	}
	for _, c := range []struct{ name, text string }{
		{"name", "name: " + long + "\n"},
		{"key", "? " + long + "\n: 1\n"},
		{"nested key", "behaviour:\n  ? " + long + "\n  : 1\n"},
		{"arm", "models:\n  service_only: {}\ncompare:\n  arms:\n    - {name: " + long + ", models: [service_only]}\n"},
		{"baseline", "models:\n  service_only: {}\ncompare:\n  baseline: " + long + "\n"},
		{"model", "models:\n  ? " + long + "\n  : {}\n"},
	} {
		_, err := Parse("s.yaml", []byte(c.text))
		if err == nil {
			t.Errorf("%s: loads", c.name)
			continue
		}
		if len(err.Error()) > 2000 || !strings.Contains(err.Error(), "(40000 characters)") {
			t.Errorf("%s: %d characters: %.300s", c.name, len(err.Error()), err)
		}
	}
	ov, err := ParseOverlay("ov.yaml", []byte("behaviour:\n  ? "+long+"\n  : 1\n"))
	if err == nil {
		_, err = ov.Apply(DefaultName(t))
	}
	if err == nil || len(err.Error()) > 2000 || !strings.Contains(err.Error(), "(40000 characters)") {
		t.Errorf("overlay key: %.300v", err)
	}
	if _, err := Embedded(long); err == nil || len(err.Error()) > 2000 {
		t.Errorf("embedded: %.300v", err)
	}
	if s := (Override{Path: long, Value: long}).String(); len(s) > 300 {
		t.Errorf("Override.String: %d characters", len(s))
	}
}

// DefaultName is the default scenario's name in problems and its text.
func DefaultName(t *testing.T) (string, []byte) {
	t.Helper()
	data, err := EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	return "datasets/scenarios/default.yaml", data
}
