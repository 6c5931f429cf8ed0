package datasets_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets"
)

const plausibleText = `# msgmon plausible behaviour vectors: a test
# second comment
vector,weight,distance,behaviour.react_rate,behaviour.react_shape
1,0.5,0.1,0.003,3.2
2,0.25,0.2,0.004,2.9
3,0.125,0,0.0025,3.5
7,0.125,1.5e-3,3e-3,3
`

func TestParsePlausible(t *testing.T) {
	ps, err := datasets.ParsePlausible("p.csv", []byte(plausibleText))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"msgmon plausible behaviour vectors: a test", "second comment"}; !reflect.DeepEqual(ps.Comments, want) {
		t.Errorf("comments %q, want %q", ps.Comments, want)
	}
	if want := []string{"behaviour.react_rate", "behaviour.react_shape"}; !reflect.DeepEqual(ps.Paths, want) {
		t.Errorf("paths %q, want %q", ps.Paths, want)
	}
	if len(ps.Vectors) != 4 || ps.Vectors[3].ID != 7 || ps.Vectors[3].Distance != 0.0015 || ps.Vectors[3].Values[0] != 0.003 {
		t.Fatalf("vectors %+v", ps.Vectors)
	}
	if ps.Line(0) != 4 || ps.Line(3) != 7 {
		t.Errorf("lines %d, %d; want 4 and 7", ps.Line(0), ps.Line(3))
	}
	want := []datasets.Override{{Path: "behaviour.react_rate", Value: 0.004}, {Path: "behaviour.react_shape", Value: 2.9}}
	if got := ps.Overrides(1); !reflect.DeepEqual(got, want) {
		t.Errorf("Overrides(1) = %v, want %v", got, want)
	}
	// Weights 1/2, 1/4, 1/8, 1/8: (Σw)²/Σw² = 1 / (1/4+1/16+1/64+1/64) = 64/22.
	if got := ps.ESS(); math.Abs(got-64.0/22) > 1e-12 {
		t.Errorf("ESS %v, want %v", got, 64.0/22)
	}
}

// TestPlausibleRoundTrip: WriteCSV writes what ParsePlausible reads back
// into the same set, numbers to the last bit.
func TestPlausibleRoundTrip(t *testing.T) {
	ps, err := datasets.ParsePlausible("p.csv", []byte(plausibleText))
	if err != nil {
		t.Fatal(err)
	}
	ps.Vectors[0].Values[0] = 0.1 + 0.2 // not a short decimal
	ps.Vectors[1].Weight = math.Nextafter(0.25, 1)
	var b bytes.Buffer
	if err := ps.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	back, err := datasets.ParsePlausible("p.csv", b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(back, ps) {
		t.Errorf("read back differs:\n got %+v\nwant %+v\nfile:\n%s", back, ps, b.String())
	}
	if !strings.HasPrefix(b.String(), "# msgmon plausible behaviour vectors: a test\n# second comment\nvector,weight,distance,behaviour.react_rate,behaviour.react_shape\n") {
		t.Errorf("file starts\n%s", b.String())
	}
}

// TestPlausibleDraw: systematic resampling draws vector i n·w_i times,
// give or take one, the same for the same seed.
func TestPlausibleDraw(t *testing.T) {
	ps, err := datasets.ParsePlausible("p.csv", []byte(plausibleText))
	if err != nil {
		t.Fatal(err)
	}
	// Uneven weights that do not divide n.
	for i, w := range []float64{3, 1.7, 0.2, 0.05} {
		ps.Vectors[i].Weight = w
	}
	total := 3 + 1.7 + 0.2 + 0.05
	for _, n := range []int{1, 2, 7, 20, 333} {
		for seed := uint64(0); seed < 20; seed++ {
			d := ps.Draw(n, seed)
			if len(d) != n {
				t.Fatalf("n=%d: %d indices", n, len(d))
			}
			count := make([]int, len(ps.Vectors))
			for j, i := range d {
				count[i]++
				if j > 0 && i < d[j-1] {
					t.Fatalf("n=%d seed=%d: indices not ascending: %v", n, seed, d)
				}
			}
			for i, v := range ps.Vectors {
				want := float64(n) * v.Weight / total
				if math.Abs(float64(count[i])-want) >= 1 {
					t.Errorf("n=%d seed=%d: vector %d drawn %d times, want %.2f ± 1", n, seed, v.ID, count[i], want)
				}
			}
			if again := ps.Draw(n, seed); !reflect.DeepEqual(again, d) {
				t.Errorf("n=%d seed=%d: two draws differ", n, seed)
			}
		}
	}
	// Another seed moves the offset: for some n the draw differs.
	if reflect.DeepEqual(ps.Draw(7, 1), ps.Draw(7, 2)) && reflect.DeepEqual(ps.Draw(7, 1), ps.Draw(7, 3)) && reflect.DeepEqual(ps.Draw(7, 1), ps.Draw(7, 4)) {
		t.Errorf("the seed does not change the draw")
	}
}

func TestPlausibleProblems(t *testing.T) {
	head := "vector,weight,distance,behaviour.react_rate\n"
	tests := []struct{ name, text, want string }{
		{"empty", "", "p.csv: no header"},
		{"comments only", "# just this\n", "p.csv: no header"},
		{"wrong first column", "id,weight,distance,behaviour.react_rate\n1,1,0,0.1\n", `p.csv:1: column 1: must be vector, got "id"`},
		{"no parameter column", "vector,weight,distance\n1,1,0\n", "p.csv:1: no parameter columns"},
		{"column twice", "vector,weight,distance,behaviour.react_rate,behaviour.react_rate\n1,1,0,0.1,0.1\n", "p.csv:1: behaviour.react_rate: column named twice"},
		{"a key of the run", "vector,weight,distance,users\n1,1,0,10\n", "p.csv:1: users: a plausible set changes behaviour, not the run"},
		{"no vectors", "# c\n" + head, "p.csv:2: no vectors"},
		{"short row", head + "1,1,0,0.1\n2,1,0\n", "p.csv:3: 3 fields, the header has 4"},
		{"vector not a number", head + "x,1,0,0.1\n", `p.csv:2: vector: "x" is not a whole number`},
		{"vector zero", head + "0,1,0,0.1\n", "p.csv:2: vector: 0: must be 1 or more"},
		{"vector twice", head + "1,1,0,0.1\n# c\n1,1,0,0.2\n", "p.csv:4: vector: 1 is also the vector at line 2"},
		{"weight zero", head + "1,0,0,0.1\n", "p.csv:2: weight: 0: must be above 0"},
		{"weight NaN", head + "1,NaN,0,0.1\n", `p.csv:2: weight: "NaN" is not a finite number`},
		{"negative distance", head + "1,1,-1,0.1\n", "p.csv:2: distance: -1: must be 0 or more"},
		{"value infinite", head + "1,1,0,+Inf\n", `p.csv:2: behaviour.react_rate: "+Inf" is not a finite number`},
		{"value text", head + "1,1,0,0.1\n2,1,0,abc\n", `p.csv:3: behaviour.react_rate: "abc" is not a finite number`},
		{"bad quoting", head + "1,1,0,\"0.1\n", "p.csv:2: column "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := datasets.ParsePlausible("p.csv", []byte(tc.text))
			var se *datasets.ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want a *datasets.ScenarioError", err, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n\t%v\nwant it to start with\n\t%s", err, tc.want)
			}
		})
	}
}

// TestPlausibleScenarioWith: a vector the scenario refuses is blamed on
// the plausible file, the vector's line and the column.
func TestPlausibleScenarioWith(t *testing.T) {
	text := "vector,weight,distance,behaviour.react_rate,behaviour.react_shape\n1,1,0,0.003,3\n# c\n2,1,0,0.003,50\n"
	ps, err := datasets.ParsePlausible("p.csv", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ps.ScenarioWith("good.yaml", []byte(good), nil, 0, []datasets.Override{{Path: "seed", Value: 99}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Behaviour.ReactRate != 0.003 || s.Behaviour.ReactShape != 3 || s.Seed != 99 {
		t.Errorf("vector 1 not applied: %+v seed %d", s.Behaviour, s.Seed)
	}
	_, err = ps.ScenarioWith("good.yaml", []byte(good), nil, 1, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "p.csv:4: behaviour.react_shape: vector 2: 50 (the scenario key behaviour.react_shape: must be in [0.1, 10], got 50)") {
		t.Errorf("error %v", err)
	}
	bad, err := datasets.ParsePlausible("p.csv", []byte("vector,weight,distance,behaviour.react_rat\n1,1,0,0.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.ScenarioWith("good.yaml", []byte(good), nil, 0, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "p.csv:2: behaviour.react_rat: vector 1: 0.1 (the scenario key behaviour.react_rat: unknown key (did you mean react_rate?)") {
		t.Errorf("error %v", err)
	}
}

func TestEmbeddedPlausible(t *testing.T) {
	names := datasets.EmbeddedPlausibleNames()
	if len(names) == 0 || names[0] == "" {
		t.Fatalf("embedded sets %q", names)
	}
	def, err := datasets.DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	data, err := datasets.EmbeddedYAML("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		ps, err := datasets.EmbeddedPlausible(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if ps.File != "datasets/plausible/"+n+".csv" || len(ps.Vectors) < 2 {
			t.Errorf("%s: file %s, %d vectors", n, ps.File, len(ps.Vectors))
		}
		// Every vector makes a valid default scenario.
		for i := range ps.Vectors {
			if _, err := ps.ScenarioWith("default.yaml", data, nil, i, nil); err != nil {
				t.Errorf("%s: %v", n, err)
			}
		}
	}
	if slicesHas(names, def.Robust.Plausible) == false {
		t.Errorf("the default robust.plausible %q is not embedded (%q)", def.Robust.Plausible, names)
	}
	if _, err := datasets.EmbeddedPlausible("../scenarios/default"); err == nil {
		t.Errorf("a path escaping the folder was accepted")
	}
	if _, err := datasets.EmbeddedPlausible("nope"); err == nil || !strings.Contains(err.Error(), names[0]) {
		t.Errorf("error %v does not list the embedded sets", err)
	}
	// ReadPlausible names the path as given.
	p := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(p, []byte("vector,weight,distance,behaviour.react_rate\n1,-1,0,0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := datasets.ReadPlausible(p); err == nil || !strings.HasPrefix(err.Error(), p+":2: weight:") {
		t.Errorf("error %v", err)
	}
}

func slicesHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// An overlay changes behaviour, not how msgmon robust runs: robust: keys
// are refused like seed and replicates.
func TestOverlayRefusesRobust(t *testing.T) {
	_, err := datasets.ParseOverlay("ov.yaml", []byte("behaviour: {react_rate: 0.01}\nrobust: {vectors: 3}\n"))
	if err == nil || !strings.Contains(err.Error(), "ov.yaml:2: robust.vectors: an overlay changes behaviour, not the run") {
		t.Errorf("error %v", err)
	}
}

// Weights are relative: the same set scaled up to the edge of the float
// range (their sum overflows) or down into the subnormals draws and
// counts as the set itself, never NaN nor every slot from one vector.
func TestPlausibleWeightsAtTheFloatRange(t *testing.T) {
	ps, err := datasets.ParsePlausible("p.csv", []byte(plausibleText))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps.Vectors {
		ps.Vectors[i].Weight = 1
	}
	want, wantESS := ps.Draw(8, 3), ps.ESS()
	if wantESS != 4 {
		t.Fatalf("four equal weights: ESS %v, want 4", wantESS)
	}
	for _, w := range []float64{1e308, math.MaxFloat64, 1e-310} {
		for i := range ps.Vectors {
			ps.Vectors[i].Weight = w
		}
		if got := ps.ESS(); math.Abs(got-wantESS) > 1e-12 {
			t.Errorf("four weights of %g: ESS %v, want %v", w, got, wantESS)
		}
		if got := ps.Draw(8, 3); !reflect.DeepEqual(got, want) {
			t.Errorf("four weights of %g: draw %v, want %v (each vector twice)", w, got, want)
		}
	}
}
