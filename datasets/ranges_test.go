package datasets_test

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
	"gopkg.in/yaml.v3"
)

// markedAssumptions are the key paths of the default scenario whose line
// comment marks them as assumptions ("assumption, sweep it").
func markedAssumptions(t *testing.T) []string {
	t.Helper()
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if v.Kind == yaml.ScalarNode && strings.Contains(k.LineComment+v.LineComment, "assumption") {
				out = append(out, p)
			}
			walk(v, p)
		}
	}
	walk(doc.Content[0], "")
	return out
}

// oddModelAssumptions are the model parameters models/ODD.md's table of
// model defaults says are assumptions, as key paths: "a.b, c" is a.b and
// a.c; "a.b_x/y_z" is a.b_x_z and a.b_y_z.
func oddModelAssumptions(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../models/ODD.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	in := false
	entry := regexp.MustCompile(`\b((?:[A-Z]{2}|default)(?:/[A-Z]{2})*) assumption`)
	slash := regexp.MustCompile(`^(.*_)([a-z]+)/([a-z]+)(_.*)$`)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "**Model parameters") {
			in = true
			continue
		}
		if in && strings.HasPrefix(line, "**") {
			break
		}
		cells := strings.Split(line, "|")
		if !in || len(cells) < 5 {
			continue
		}
		first, source := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[3])
		if !strings.Contains(strings.ToLower(source), "assumption") || !strings.Contains(first, ".") || strings.Contains(first, " (") {
			continue
		}
		// "...; default assumption", "IN/BR assumption": the table's
		// entries for those markets.
		var entries []string
		if m := entry.FindStringSubmatch(source); m != nil {
			entries = strings.Split(m[1], "/")
		}
		names := strings.Split(first, ", ")
		model := names[0][:strings.Index(names[0], ".")]
		for i, n := range names {
			if i == 0 {
				n = n[len(model)+1:]
			}
			if m := slash.FindStringSubmatch(n); m != nil {
				out = append(out, "models."+model+"."+m[1]+m[2]+m[4], "models."+model+"."+m[1]+m[3]+m[4])
				continue
			}
			if entries != nil {
				for _, e := range entries {
					out = append(out, "models."+model+"."+n+"."+e)
				}
				continue
			}
			out = append(out, "models."+model+"."+n)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found %d model assumptions in models/ODD.md: its table of model defaults moved?", len(out))
	}
	return out
}

// TestEveryAssumptionHasARange: every number no public source gives has a
// range in datasets/ranges/assumptions.csv (or X.min and X.max rows), and
// every range holds its default.
func TestEveryAssumptionHasARange(t *testing.T) {
	rg, err := datasets.AssumptionRanges()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := datasets.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	// 1: every assumption row of the calibration tables, but the X.min
	// and X.max rows that are themselves a range.
	for _, r := range cal.Rows() {
		if !r.Assumption() || strings.HasSuffix(r.ID, ".min") || strings.HasSuffix(r.ID, ".max") {
			continue
		}
		rr, ok := rg.Cal(r.ID)
		if !ok {
			t.Errorf("%s:%d: assumption row %s has no range: add a line with cal %s to %s", r.File, r.Line, r.ID, r.ID, datasets.RangesFile)
			continue
		}
		if !rr.Fixed() && (r.Value < rr.Low || r.Value > rr.High) {
			t.Errorf("%s: row %s's value %v is outside its range [%v, %v]", rr.Where(), r.ID, r.Value, rr.Low, rr.High)
		}
	}
	// 2: the default scenario's values marked as assumptions, and 3: the
	// model parameters ODD.md calls assumptions.
	def, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	keys := append(markedAssumptions(t), oddModelAssumptions(t)...)
	if len(keys) < 60 {
		t.Fatalf("found %d marked assumptions; the marks moved?", len(keys))
	}
	for _, k := range keys {
		r, ok := rg.Key(k)
		if !ok {
			t.Errorf("default %s is an assumption without a range: add a line with key %s to %s", k, k, datasets.RangesFile)
			continue
		}
		if r.Fixed() {
			continue
		}
		v, ok := def.Number(k)
		if !ok {
			t.Errorf("%s: key %s has no number in the default scenario", r.Where(), k)
			continue
		}
		if v < r.Low || v > r.High {
			t.Errorf("%s: default %s = %v is outside its range [%v, %v]", r.Where(), k, v, r.Low, r.High)
		}
	}
}

// TestRangesAreValidValues: each end of every key's range makes a valid
// scenario (within the key's allowed range), on the default scenario with
// its models.
func TestRangesAreValidValues(t *testing.T) {
	rg, err := datasets.AssumptionRanges()
	if err != nil {
		t.Fatal(err)
	}
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	def, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rg.Rows() {
		if r.Key == "" || r.Fixed() {
			continue
		}
		for _, x := range []float64{r.Low, r.High} {
			ovs := def.AssumptionOverrides([]datasets.Assumption{{Path: r.Key, Range: r}}, []float64{x})
			if _, err := datasets.ParseWith("default.yaml", data, ovs); err != nil {
				t.Errorf("%s: %s = %v does not make a valid scenario: %v", r.Where(), r.Key, x, err)
			}
		}
	}
}

func TestRangesProblems(t *testing.T) {
	cal, err := datasets.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	head := "# comment\nkey,cal,low,high,distribution,basis\n"
	for _, c := range []struct{ body, want string }{
		{"user.tolerance_median,,6,1.5,uniform,a guess\n", "x.csv:3: user.tolerance_median: low 6 must be below high 1.5"},
		{"user.tolerance_median,,0,1,log-uniform,a guess\n", "log-uniform range needs low > 0"},
		{"max_follows,,1.5,4,integer,a guess\n", "integer range needs whole numbers"},
		{"user.tolerance_median,,1,2,normal,a guess\n", "distribution \"normal\": must be one of uniform, log-uniform, integer, fixed"},
		{"user.tolerance_median,,1,2,uniform,\n", "basis: say how the range was chosen"},
		{",,1,2,uniform,a guess\n", "give a key path or a calibration id"},
		{"a.b,bass.p,1,2,uniform,a guess\n", "not both or neither"},
		{",bass.p,0.01,0.1,uniform,a guess\n", "row bass.p has a source"},
		{",no.such.row,0.01,0.1,uniform,a guess\n", "unknown calibration id"},
		{"business.send_policy,,1,2,fixed,a switch\n", "a fixed assumption has no low or high"},
		{"user.x,,1,2,uniform,a\nuser.x,,1,3,uniform,b\n", "x.csv:4: user.x: duplicate (first at line 3)"},
		{"user.x,,1,x,uniform,a\n", "must be finite numbers"},
	} {
		_, err := datasets.ParseRanges("x.csv", []byte(head+c.body), cal)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error with %q", c.body, err, c.want)
		}
	}
	if _, err := datasets.ParseRanges("x.csv", []byte("key,low\n"), cal); err == nil {
		t.Errorf("a short header was accepted")
	}
}

// TestScenarioAssumptions: the default scenario draws the assumptions of
// its enabled models, leaves facts read with !cal out, and a preset's !cal
// assumption rows take the row's range.
func TestScenarioAssumptions(t *testing.T) {
	def, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	drawn, fixed, err := def.Assumptions()
	if err != nil {
		t.Fatal(err)
	}
	has := func(as []datasets.Assumption, p string) bool {
		for _, a := range as {
			if a.Path == p {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"user.tolerance_median", "behaviour.mute_share", "models.status_ads.cpm.default", "models.status_ads.cpm.IN", "business.revise_days"} {
		if !has(drawn, p) {
			t.Errorf("default: %s is not drawn", p)
		}
	}
	for _, p := range []string{"behaviour.read_push", "behaviour.bass_p", "models.service_only.window_hours"} {
		if has(drawn, p) || has(fixed, p) {
			t.Errorf("default: %s has a source, but is an assumption", p)
		}
	}
	if !has(fixed, "behaviour.annoy_push") || has(drawn, "behaviour.annoy_push") {
		t.Errorf("behaviour.annoy_push (the unit of annoyance) should be fixed")
	}
	// A market the scenario does not have: no price to draw.
	if has(drawn, "models.status_ads.cpm.JP") {
		t.Errorf("a price for a market the scenario lacks is drawn")
	}
	// The WhatsApp 2025 preset reads its entry points with !cal from
	// assumption rows with ranges (X.min and X.max).
	wa, err := datasets.Embedded("whatsapp-business-2025")
	if err != nil {
		t.Fatal(err)
	}
	drawn, _, err = wa.Assumptions()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range drawn {
		if a.Path == "behaviour.entry_conversations_per_day" {
			found = true
			if a.Cal != "entry.conversations_per_user_day" || a.Range.Low != 0.02 || a.Range.High != 0.1 {
				t.Errorf("entry_conversations_per_day: cal %q range [%v, %v], want row entry.conversations_per_user_day [0.02, 0.1]", a.Cal, a.Range.Low, a.Range.High)
			}
		}
	}
	if !found {
		t.Errorf("whatsapp-business-2025: behaviour.entry_conversations_per_day is not drawn")
	}
}

// TestAssumptionDrawsLatin: every slot's draw lies in its range, integer
// ranges give whole numbers, and each of the n equal slices of a linear
// range holds exactly one slot (the Latin hypercube property).
func TestAssumptionDrawsLatin(t *testing.T) {
	def, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	as, err := def.RobustAssumptions([]string{"behaviour.react_rate"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	x, err := datasets.AssumptionDraws(as, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := datasets.AssumptionDraws(as, n, 7)
	for j, a := range as {
		seen := make([]bool, n)
		for k := range x {
			v := x[k][j]
			if v != y[k][j] {
				t.Fatalf("the same seed drew %v and %v", v, y[k][j])
			}
			if v < a.Range.Low || v > a.Range.High {
				t.Errorf("%s: slot %d drew %v outside [%v, %v]", a.Path, k, v, a.Range.Low, a.Range.High)
			}
			switch a.Range.Distribution {
			case datasets.DistInteger:
				if v != math.Trunc(v) {
					t.Errorf("%s: slot %d drew %v, not a whole number", a.Path, k, v)
				}
			case datasets.DistUniform:
				s := int((v - a.Range.Low) / (a.Range.High - a.Range.Low) * n)
				s = min(s, n-1)
				if seen[s] {
					t.Errorf("%s: two slots in slice %d of %d", a.Path, s, n)
				}
				seen[s] = true
			}
		}
	}
	ovs := def.AssumptionOverrides(as, x[0])
	data, _ := datasets.EmbeddedYAML("default")
	if _, err := datasets.ParseWith("default.yaml", data, ovs); err != nil {
		t.Errorf("slot 0's assumptions do not make a valid scenario: %v", err)
	}
}

func TestRobustAssumptionsSection(t *testing.T) {
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	with := func(sec string) []byte {
		return append(bytes.Clone(data), []byte("\nrobust:\n"+sec)...)
	}
	s, err := datasets.Parse("s.yaml", with("  draw: [user.tolerance_median, behaviour.mute_share]\n  fix: [behaviour.mute_share]\n"))
	if err != nil {
		t.Fatal(err)
	}
	as, err := s.RobustAssumptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Path != "user.tolerance_median" {
		t.Errorf("draw and fix: got %v, want only user.tolerance_median", as)
	}
	s, err = datasets.Parse("s.yaml", with("  assumptions: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if as, _ := s.RobustAssumptions(nil); len(as) != 0 {
		t.Errorf("assumptions: false drew %d", len(as))
	}
	for _, c := range []struct{ sec, want string }{
		{"  fix: [user.tolerance]\n", `robust.fix[0]: "user.tolerance" is not an assumption of this scenario with a range (datasets/ranges/assumptions.csv); did you mean user.tolerance_median?`},
		{"  draw: [behaviour.read_push]\n", "robust.draw[0]: \"behaviour.read_push\" is not an assumption"},
		{"  draw: [behaviour.annoy_push]\n", "robust.draw[0]: behaviour.annoy_push is not drawn (the unit of annoyance"},
		{"  assumptions: false\n  draw: [user.tolerance_median]\n", "robust.draw: draws assumptions, but robust.assumptions is false"},
	} {
		_, err := datasets.Parse("s.yaml", with(c.sec))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.sec, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "s.yaml:") {
			t.Errorf("%q: %v names no line", c.sec, err)
		}
	}
}
