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
		prices string
		want   string
	}{
		{"{XX: 0.02}", "models.paid_push.price_marketing.XX: unknown market; the scenario's markets are IN, BR, US, DE, UK, OTHER (or use default)"},
		{"{IN: 0.02}", "models.paid_push.price_marketing: no price for market BR and no default"},
	} {
		text := strings.Replace(string(base), "  paid_push: {}", "  paid_push:\n    price_marketing: "+c.prices, 1)
		if text == string(base) {
			t.Fatal("the default scenario has no 'paid_push: {}' line to edit")
		}
		line := 1 + strings.Count(text[:strings.Index(text, "price_marketing")], "\n")
		_, err := datasets.Parse("s.yaml", []byte(text))
		if err == nil {
			t.Fatalf("price_marketing %s: no problem found", c.prices)
		}
		if want := "s.yaml:" + strconv.Itoa(line) + ": " + c.want; !strings.Contains(err.Error(), want) {
			t.Errorf("price_marketing %s:\n got %v\nwant %s", c.prices, err, want)
		}
	}
}
