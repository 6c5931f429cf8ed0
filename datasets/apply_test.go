package datasets_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

// TestProblemsFoundWhenApplied: what a model can only check against the
// scenario's markets (its price tables) is found when the file is loaded,
// with file, line and field, not first when a run starts.
func TestProblemsFoundWhenApplied(t *testing.T) {
	base, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, value string // a line under paid_push
		want       string
	}{
		{"price_marketing", "{XX: 0.02}", "models.paid_push.price_marketing.XX: unknown market; the scenario's markets are IN, BR, US, DE, UK, OTHER (or use default)"},
		{"price_marketing", "{IN: 0.02}", "models.paid_push.price_marketing: no price for market BR and no default"},
		{"quality_yellow_per_1000", "0", "models.paid_push.quality_yellow_per_1000: must be above 0 while quality is on"},
		{"quality_red_per_1000", "2", "models.paid_push.quality_red_per_1000: must be at least quality_yellow_per_1000"},
	} {
		text := strings.Replace(string(base), "  paid_push: {}", "  paid_push:\n    "+c.key+": "+c.value, 1)
		if text == string(base) {
			t.Fatal("the default scenario has no 'paid_push: {}' line to edit")
		}
		line := 1 + strings.Count(text[:strings.Index(text, c.key)], "\n")
		_, err := datasets.Parse("s.yaml", []byte(text))
		if err == nil {
			t.Fatalf("%s: %s: no problem found", c.key, c.value)
		}
		if want := "s.yaml:" + strconv.Itoa(line) + ": " + c.want; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %s:\n got %v\nwant %s", c.key, c.value, err, want)
		}
	}
}
