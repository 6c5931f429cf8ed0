package datasets_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

// manyVectors is a plausible set of n vectors over two behaviour keys of
// the default scenario, all valid.
func manyVectors(tb testing.TB, n int) *datasets.PlausibleSet {
	tb.Helper()
	var b strings.Builder
	b.WriteString("vector,weight,distance,behaviour.react_rate,behaviour.react_shape\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,1,0,%g,%g\n", i+1, 0.002+float64(i%1000)*1e-6, 2+float64(i%7)/10)
	}
	ps, err := datasets.ParsePlausible("p.csv", []byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

// BenchmarkPlausibleCheck: checking that every vector of a plausible set
// makes a valid default scenario, as msgmon robust does before it runs;
// reports vectors checked a second.
func BenchmarkPlausibleCheck(b *testing.B) {
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		b.Fatal(err)
	}
	ps := manyVectors(b, 2000)
	before := []datasets.Override{{Path: "users", Value: 1000}, {Path: "days", Value: 30}, {Path: "replicates", Value: 2}}
	b.ResetTimer()
	for b.Loop() {
		if err := ps.Check("default.yaml", data, before); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(ps.Vectors))/b.Elapsed().Seconds(), "vectors/s")
}

// TestPlausibleCheckParsesOnce: checking a set allocates less per vector
// than parsing the scenario with one vector does (the text is parsed once,
// not once a vector).
func TestPlausibleCheckParsesOnce(t *testing.T) {
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	before := []datasets.Override{{Path: "users", Value: 1000}, {Path: "days", Value: 30}}
	ps := manyVectors(t, 50)
	parseOne := func() {
		if _, err := ps.ScenarioWith("default.yaml", data, before, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	parseOne() // caches filled once
	parse := allocated(func() {
		for range 10 {
			parseOne()
		}
	}) / 10
	check := allocated(func() {
		if err := ps.Check("default.yaml", data, before); err != nil {
			t.Fatal(err)
		}
	}) / float64(len(ps.Vectors))
	t.Logf("bytes allocated: %.0f to parse the scenario with one vector, %.0f a vector to check the set", parse, check)
	if check > 0.85*parse {
		t.Errorf("checking the set allocates %.0f bytes a vector, %.0f%% of parsing the scenario: it parses once a vector", check, 100*check/parse)
	}
}

// allocated is the bytes f allocates.
func allocated(f func()) float64 {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return float64(m1.TotalAlloc - m0.TotalAlloc)
}

// TestPlausibleCheckSameAsScenarioWith: Check refuses a set exactly when
// one of its vectors does not load with ScenarioWith, naming the first
// such vector with ScenarioWith's message, also through YAML aliases and
// keys the scenario does not have.
func TestPlausibleCheckSameAsScenarioWith(t *testing.T) {
	def, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	aliased := strings.NewReplacer("known_business_share: 0.5", "known_business_share: &half 0.5",
		"mute_share: 0.5", "mute_share: *half").Replace(string(def))
	if aliased == string(def) {
		t.Fatal("the default scenario changed: no alias made")
	}
	head := "vector,weight,distance,behaviour.react_rate,behaviour.react_shape\n"
	for _, tc := range []struct{ name, scenario, set string }{
		{"all good", string(def), head + "1,1,0,0.003,3\n2,1,0,0.004,2\n"},
		{"the second and third refused", string(def), head + "1,1,0,0.003,3\n2,1,0,0.003,50\n3,1,0,0.003,60\n"},
		{"an unknown key", string(def), "vector,weight,distance,behaviour.react_rat\n1,1,0,0.1\n"},
		{"through an alias", aliased, "vector,weight,distance,behaviour.known_business_share,behaviour.mute_share\n1,1,0,0.2,0.3\n2,1,0,0.2,1.5\n"},
		{"an alias kept", aliased, "vector,weight,distance,behaviour.known_business_share\n1,1,0,0.2\n2,1,0,0.7\n"},
		{"a scenario that does not load", "users: [\n", head + "1,1,0,0.003,3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := datasets.ParsePlausible("p.csv", []byte(tc.set))
			if err != nil {
				t.Fatal(err)
			}
			before := []datasets.Override{{Path: "days", Value: 10}}
			var want error
			for i := range ps.Vectors {
				if _, want = ps.ScenarioWith("s.yaml", []byte(tc.scenario), before, i, nil); want != nil {
					break
				}
			}
			got := ps.Check("s.yaml", []byte(tc.scenario), before)
			t.Logf("refused: %v", want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Check: %v\nScenarioWith of each vector: %v", got, want)
			}
		})
	}
}
