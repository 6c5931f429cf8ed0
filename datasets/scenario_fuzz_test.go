package datasets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every problem
// must name the file, and an accepted scenario must hash, validate and
// survive a round trip through its canonical JSON. Run it with
//
//	go test ./datasets -run '^$' -fuzz FuzzParse -fuzztime 1m
func FuzzParse(f *testing.F) {
	for _, name := range datasets.EmbeddedNames() {
		data, err := datasets.EmbeddedYAML(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, text := range []string{
		good,
		edit(12, "  react_rat: 0.05"),
		edit(12, "  react_rate: .nan"),
		edit(4, "users: 99999999999999999999999"),
		edit(5, "users: 2000"),
		edit(16, "    price: [1, 2]"),
		edit(16, "    label: {a: [1, {b: ~}], c: *x}"),
		good + "compare:\n  baseline: x\n  arms:\n    - {name: x, models: [test_model]}\n",
		good + "---\nusers: 10\n",
		"models:\n  test_model:\n    label: &a [x, *a]\n",
		"",
		"\x00\x01\x02",
		"~",
	} {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := datasets.Parse("fuzz.yaml", data)
		if err != nil {
			var se *datasets.ScenarioError
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			for _, p := range se.Problems {
				if p.File != "fuzz.yaml" || !strings.HasPrefix(p.String(), "fuzz.yaml") || p.Line < 0 {
					t.Errorf("problem does not name the file: %q", p.String())
				}
				if strings.Contains(p.Msg, "internal error") {
					t.Errorf("Parse recovered from a panic: %s", p)
				}
			}
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		h, err := s.Hash()
		if err != nil {
			t.Fatalf("accepted scenario does not hash: %v", err)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted scenario does not validate: %v", err)
		}
		js, _ := s.JSON()
		back, err := datasets.Parse("fuzz.json", js)
		if err != nil {
			t.Fatalf("canonical JSON does not parse: %v\n%s", err, js)
		}
		if h2, _ := back.Hash(); h2 != h {
			t.Fatalf("canonical JSON parses to another scenario:\n%s", js)
		}
	})
}
