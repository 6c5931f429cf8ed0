package datasets_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

// TestCalibrationRows: every row of the embedded tables has an id used once,
// a finite value and a source (a fact also a date); assumptions say so.
func TestCalibrationRows(t *testing.T) {
	cal, err := datasets.Calibration()
	if err != nil {
		t.Fatal(err)
	}
	rows := cal.Rows()
	if len(rows) < 60 {
		t.Fatalf("%d calibration rows, want the rate card, the platform rules and the behavioural figures", len(rows))
	}
	seen := map[string]string{}
	for _, r := range rows {
		at := fmt.Sprintf("%s:%d", r.File, r.Line)
		if prev, dup := seen[r.ID]; dup {
			t.Errorf("%s: id %s also at %s", at, r.ID, prev)
		}
		seen[r.ID] = at
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			t.Errorf("%s: %s: value %v not finite", at, r.ID, r.Value)
		}
		if strings.TrimSpace(r.Source) == "" || strings.TrimSpace(r.Unit) == "" {
			t.Errorf("%s: %s: needs a source and a unit", at, r.ID)
		}
		if !r.Assumption() && (r.SourceDate == "" || r.Confidence == "") {
			t.Errorf("%s: %s: a sourced fact needs a source date and a confidence", at, r.ID)
		}
		if r.Assumption() && r.Confidence != "none" {
			t.Errorf("%s: %s: an assumption has confidence none, got %q", at, r.ID, r.Confidence)
		}
		if got, ok := cal.Lookup(r.ID); !ok || got.Value != r.Value {
			t.Errorf("Lookup(%s) = %v, %v", r.ID, got, ok)
		}
	}
	// The rate card of DOMAIN.md, row by row.
	card := map[string]float64{
		"whatsapp.marketing.US": 0.025, "whatsapp.marketing.DE": 0.1365, "whatsapp.marketing.BR": 0.0625,
		"whatsapp.marketing.IN": 0.0118, "whatsapp.marketing.UK": 0.0635,
		"whatsapp.utility.US": 0.0034, "whatsapp.utility.DE": 0.055, "whatsapp.utility.BR": 0.0068,
		"whatsapp.utility.IN": 0.0014, "whatsapp.utility.UK": 0.022,
		"wechat.service_window_hours": 48, "wechat.service_window_messages": 5, "bass.p": 0.03, "bass.q": 0.38,
	}
	for id, want := range card {
		if r, ok := cal.Lookup(id); !ok || r.Value != want || r.Assumption() {
			t.Errorf("%s = %+v, want %g from a source", id, r, want)
		}
	}
	if _, ok := cal.Lookup("no.such.row"); ok {
		t.Error("Lookup of an unknown id succeeded")
	}
}

func TestParseCalibrationRejects(t *testing.T) {
	const header = "id,value,unit,market,category,source,source_date,confidence,note\n"
	cases := map[string]string{
		"duplicate id": header + "a.b,1,u,,,src,2020,high,\na.b,2,u,,,src,2020,high,\n",
		"NaN":          header + "a.b,NaN,u,,,src,2020,high,\n",
		"infinite":     header + "a.b,Inf,u,,,src,2020,high,\n",
		"not a number": header + "a.b,x,u,,,src,2020,high,\n",
		"no source":    header + "a.b,1,u,,,,2020,high,\n",
		"no date":      header + "a.b,1,u,,,src,,high,\n",
		"no id":        header + ",1,u,,,src,2020,high,\n",
		"bad header":   "id,value\na.b,1\n",
		"short row":    header + "a.b,1,u\n",
	}
	for name, text := range cases {
		if _, err := datasets.ParseCalibration(map[string][]byte{"t.csv": []byte(text)}); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "t.csv") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	ok := header + "a.b,1,u,,,src,2020,high,\nc.d,0.5,u,,,\"" + datasets.AssumptionSource + "\",,none,\n"
	if _, err := datasets.ParseCalibration(map[string][]byte{"t.csv": []byte(ok)}); err != nil {
		t.Errorf("a good table: %v", err)
	}
}

// TestCalTag: !cal resolves to the row's value at load time; an unknown id
// is a problem naming file, line, field and a suggestion.
func TestCalTag(t *testing.T) {
	requireModels(t)
	s, err := datasets.Parse("p.yaml", []byte(`models:
  service_only:
    window_hours: !cal wechat.service_window_hours
    max_messages_per_window: !cal wechat.service_window_messages
  paid_push:
    price_marketing: {DE: !cal whatsapp.marketing.DE, default: 0.05}
    tiers: [!cal whatsapp.tier.1, !cal whatsapp.tier.2]
`))
	if err != nil {
		t.Fatal(err)
	}
	js, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"window_hours":48`, `"max_messages_per_window":5`, `"DE":0.1365`, `"tiers":[250,2000]`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("canonical JSON lacks %s:\n%s", want, js)
		}
	}
	bad := map[string]string{
		"models:\n  service_only:\n    window_hours: !cal wechat.service_window_hour\n": `p.yaml:3: models.service_only.window_hours: unknown calibration id "wechat.service_window_hour" (did you mean wechat.service_window_hours?)`,
		"models:\n  service_only:\n    window_hours: !cal\n":                            "p.yaml:3: models.service_only.window_hours: !cal needs a calibration id",
		"models:\n  service_only:\n    window_hours: !cal [a, b]\n":                     "p.yaml:3: models.service_only.window_hours: !cal takes one calibration id, not a list",
		"days: !cal zzz.qqq\nmodels: {service_only: {}}\n":                              `p.yaml:1: days: unknown calibration id "zzz.qqq"`,
		"days: !cal whatsapp.marketing.DE\nmodels: {service_only: {}}\n":                "p.yaml:1: days: must be a whole number, got 0.1365",
	}
	for text, want := range bad {
		_, err := datasets.Parse("p.yaml", []byte(text))
		if err == nil {
			t.Errorf("%q: accepted", text)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if !strings.HasPrefix(lines[0], want) || len(lines) != 1 {
			t.Errorf("%q:\n got %s\nwant %s (one problem)", text, err, want)
		}
	}
}
