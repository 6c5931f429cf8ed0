package datasets

import (
	"strings"
	"testing"
)

// calStudy is a calibration study with one target; target is its YAML,
// indented under targets:.
func calStudy(target string) string {
	return `name: cal
scenario: default
set: {users: 1000, days: 28}
arms: [service+paid_push]
design: calibrate
targets:
` + target + `
parameters:
  - {path: behaviour.react_rate, min: 0.001, max: 1, scale: log}
`
}

// TestTargetsReadCalibrationRows: value: and tolerance: read rows with
// !cal, and the source defaults to the value's row, naming it.
func TestTargetsReadCalibrationRows(t *testing.T) {
	sw, err := ParseSweep("c.yaml", []byte(calStudy(`  - name: one a week
    horizon_days: 28
    output: users_reacted::DOUBLE / reach_messages_cum
    value: !cal localytics.push_disable.cumulative.1_per_week
    tolerance: !cal localytics.push_disable.cumulative.1_per_week.tolerance`)), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	tg := sw.Targets[0]
	cal, err := Calibration()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := cal.Lookup("localytics.push_disable.cumulative.1_per_week")
	tol, _ := cal.Lookup("localytics.push_disable.cumulative.1_per_week.tolerance")
	if tg.Value != v.Value || tg.Tolerance != tol.Value || tg.Horizon != 28 {
		t.Errorf("value %v tolerance %v horizon %d; want %v, %v, 28", tg.Value, tg.Tolerance, tg.Horizon, v.Value, tol.Value)
	}
	if !strings.Contains(tg.Source, "Localytics 2017") || !strings.Contains(tg.Source, "localytics.push_disable.cumulative.1_per_week") {
		t.Errorf("source %q: want the row's source and id", tg.Source)
	}
	if err := sw.CheckOutputs([]string{"users_reacted", "reach_messages_cum"}); err != nil {
		t.Errorf("known columns refused: %v", err)
	}
}

// TestTargetsTolerancesFromTheSurvey: the survey's tolerance rows are the
// 95 % sampling interval of a share from n = 1,000, 1.96·sqrt(p(1-p)/n),
// computed here independently, to the row's three decimals.
func TestTargetsTolerancesFromTheSurvey(t *testing.T) {
	cal, err := Calibration()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1", "5", "10"} {
		id := "localytics.push_disable.cumulative." + k + "_per_week"
		p, ok1 := cal.Lookup(id)
		tol, ok2 := cal.Lookup(id + ".tolerance")
		if !ok1 || !ok2 {
			t.Fatalf("rows %s and its tolerance missing", id)
		}
		want := 1.96 * sqrt(p.Value*(1-p.Value)/1000)
		if d := tol.Value - want; d > 0.0006 || d < -0.0006 {
			t.Errorf("%s: tolerance %v, want %.4f", id, tol.Value, want)
		}
	}
}

func sqrt(x float64) float64 {
	z := x
	for i := 0; i < 50; i++ {
		z = (z + x/z) / 2
	}
	return z
}

// TestTargetsBadInput: an unknown !cal row, a horizon longer than the
// run, an arm the study does not run and an output naming no column are
// refused with file:line:field and what to change.
func TestTargetsBadInput(t *testing.T) {
	for _, c := range []struct {
		target string
		want   []string
	}{
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    value: !cal localytics.push_disable.cumulative.1_per_weak`,
			[]string{"c.yaml:8: targets[0].value:", "localytics.push_disable.cumulative.1_per_week"}},
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    value: 0.1
    tolerance: !cal nope.nothing`,
			[]string{"c.yaml:9: targets[0].tolerance:"}},
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    horizon_days: 60
    value: 0.1`,
			[]string{"c.yaml:8: targets[0].horizon_days: 60 days is longer than the target's run of 28 days"}},
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    horizon_days: 60
    set: {days: 90}
    value: 0.1`, nil}, // the target's own days are long enough
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    arm: service+status_ads
    value: 0.1`,
			[]string{"c.yaml:8: targets[0].arm:", "service+paid_push"}},
		{`  - output: users_reacted::DOUBLE / reach_messages_cum
    value: 0.1
    tolerance: -0.1`,
			[]string{"c.yaml:9: targets[0].tolerance: must be ≥ 0"}},
	} {
		_, err := ParseSweep("c.yaml", []byte(calStudy(c.target)), embeddedBase)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s:\nrefused: %v", c.target, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s:\naccepted", c.target)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\nmissing %q in:\n%v", c.target, w, err)
			}
		}
	}
	sw, err := ParseSweep("c.yaml", []byte(calStudy(`  - output: users_reactd::DOUBLE / greatest(reach_messages_cum, 1)
    dose: 7.0 * sends_pushh / follow_days
    value: 0.1`)), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	err = sw.CheckOutputs([]string{"users_reacted", "reach_messages_cum", "follow_days", "sends_push"})
	for _, w := range []string{`c.yaml:7: targets[0].output: no column "users_reactd"`, `c.yaml:8: targets[0].dose: no column "sends_pushh"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in: %v", w, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"greatest"`) {
		t.Errorf("a function taken for a column: %v", err)
	}
}

// TestTargetSetMerge: a target's set: may take a common mapping with
// `<<: *anchor` and change keys of it.
func TestTargetSetMerge(t *testing.T) {
	src := strings.Replace(calStudy(`  - name: a
    set: &h {days: 20, business.sends_per_week_mean: 1}
    output: users_reacted
    value: 0.1
  - name: b
    set: {<<: *h, business.sends_per_week_mean: 5}
    output: users_reacted
    value: 0.4`), "arms: [service+paid_push]\n", "", 1)
	sw, err := ParseSweep("c.yaml", []byte(src), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sw.ScenarioWith(SweepPoint{Values: []any{0.01}}, sw.TargetOverrides(1))
	if err != nil {
		t.Fatal(err)
	}
	if s.Days != 20 || s.Business.SendsPerWeekMean != 5 {
		t.Errorf("days %d, sends %v; want 20 and 5", s.Days, s.Business.SendsPerWeekMean)
	}
}

// TestOverlay: an overlay changes only the keys it names, on a file or a
// preset, refuses run-size keys, and names its own lines for bad values.
func TestOverlay(t *testing.T) {
	ov, err := ParseOverlay("o.yaml", []byte("# fitted\nbehaviour:\n  react_rate: 0.05  # fitted\n  react_shape: 0.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range EmbeddedNames() {
		data, _ := EmbeddedYAML(name)
		plain, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ov.Apply(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.Behaviour.ReactRate != 0.05 || s.Behaviour.ReactShape != 0.5 {
			t.Errorf("%s: react_rate %v, react_shape %v", name, s.Behaviour.ReactRate, s.Behaviour.ReactShape)
		}
		s.Behaviour.ReactRate, s.Behaviour.ReactShape = plain.Behaviour.ReactRate, plain.Behaviour.ReactShape
		a, _ := s.JSON()
		b, _ := plain.JSON()
		if string(a) != string(b) {
			t.Errorf("%s: the overlay changed more than its keys", name)
		}
	}
	if _, err := ParseOverlay("o.yaml", []byte("behaviour:\n  react_rate: 0.05\nusers: 10\n")); err == nil || !strings.Contains(err.Error(), "o.yaml:3: users:") {
		t.Errorf("an overlay setting users: %v", err)
	}
	ov, err = ParseOverlay("o.yaml", []byte("behaviour:\n  react_rate: -1\n"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := EmbeddedYAML("default")
	if _, err := ov.Apply("default.yaml", data); err == nil || !strings.Contains(err.Error(), "o.yaml:2: behaviour.react_rate:") {
		t.Errorf("a bad value: %v", err)
	}
}

// TestCurve: a calibration's curve repeats a target with dose: over more
// values of one key; one naming a target without dose: is refused.
func TestCurve(t *testing.T) {
	target := `  - output: users_reacted::DOUBLE / reach_messages_cum
    dose: 7.0 * sends_push / follow_days
    set: {business.sends_per_week_mean: 1}
    value: 0.1`
	src := strings.Replace(calStudy(target), "parameters:", "curve: {target: 0, path: business.sends_per_week_mean, values: [2, 4]}\nparameters:", 1)
	sw, err := ParseSweep("c.yaml", []byte(src), embeddedBase)
	if err != nil {
		t.Fatal(err)
	}
	ovs := sw.CurveOverrides(1)
	if last := ovs[len(ovs)-1]; last.Path != "business.sends_per_week_mean" || last.Value != 4.0 {
		t.Errorf("curve point 1: %v", ovs)
	}
	src = strings.Replace(src, "    dose: 7.0 * sends_push / follow_days\n", "", 1)
	if _, err := ParseSweep("c.yaml", []byte(src), embeddedBase); err == nil || !strings.Contains(err.Error(), "curve.target: must be the index of a target with dose:") {
		t.Errorf("a curve over a target without dose: %v", err)
	}
}
