package datasets

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A plausible set is the answer of a calibration by approximate Bayesian
// computation: not one fitted point but many behaviour vectors, each with a
// weight, that reproduce the published patterns about equally well. msgmon
// robust runs a comparison over vectors drawn from it, so that its
// conclusions carry the uncertainty of the behaviour.
//
// The file is CSV (comment lines start with '#'):
//
//	# msgmon plausible behaviour vectors: ...
//	vector,weight,distance,behaviour.react_rate,behaviour.react_shape
//	1,0.0213,0.62,0.00338,3.18
//
// vector is a whole number from 1, unique; weight a finite number above 0
// (normalised on use); distance a finite number of 0 or more (how far the
// vector's runs were from the targets); then one column per scenario key
// path, each a finite number.

//go:embed plausible/*.csv
var plausibleFS embed.FS

// PlausibleSet is a plausible set as read from its file.
type PlausibleSet struct {
	File     string   // as named in problems
	Comments []string // the '#' lines, without '# '
	Paths    []string // parameter key paths, in column order
	Vectors  []PlausibleVector
}

// PlausibleVector is one row of a plausible set.
type PlausibleVector struct {
	ID               int
	Weight, Distance float64
	Values           []float64 // by Paths
	line             int       // in the file; 0 when not read from one
}

// plausibleFixed are the first columns of every plausible set.
var plausibleFixed = []string{"vector", "weight", "distance"}

// maxPlausibleVectors bounds the rows of a set.
const maxPlausibleVectors = 1_000_000

// ParsePlausible reads a plausible set from data; file names it in
// problems, which are a *ScenarioError of "file:line: column: what is
// wrong".
func ParsePlausible(file string, data []byte) (*PlausibleSet, error) {
	data = stripBOM(data) // as a spreadsheet may save it; YAML reads the same
	ps := &problems{file: file}
	set := &PlausibleSet{File: file}
	if len(data) > 64<<20 {
		ps.add(0, "", "file too large (more than 64 MiB); a plausible set is a CSV of at most %d vectors", maxPlausibleVectors)
		return nil, ps.err()
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") {
			c := strings.TrimSuffix(strings.TrimPrefix(l, "#"), "\r")
			set.Comments = append(set.Comments, strings.TrimPrefix(c, " "))
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		ps.add(0, "", "no header: a plausible set starts with the line vector,weight,distance,<key path>,... (comment lines start with #)")
		return nil, ps.err()
	}
	if err != nil {
		addCSVError(ps, err)
		return nil, ps.err()
	}
	headLine, _ := r.FieldPos(0)
	for i, want := range plausibleFixed {
		if i >= len(head) || strings.TrimSpace(head[i]) != want {
			got := "nothing"
			if i < len(head) {
				got = strconv.Quote(head[i])
			}
			ps.add(headLine, fmt.Sprintf("column %d", i+1), "must be %s, got %s: the header is vector,weight,distance followed by scenario key paths", want, got)
		}
	}
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	if len(head) == len(plausibleFixed) {
		ps.add(headLine, "", "no parameter columns: after vector,weight,distance name the scenario keys the vectors set, e.g. behaviour.react_rate")
		return nil, ps.err()
	}
	seen := map[string]bool{}
	for i, p := range head[len(plausibleFixed):] {
		col := fmt.Sprintf("column %d", len(plausibleFixed)+i+1)
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			ps.add(headLine, col, "empty column name; name a scenario key path such as behaviour.react_rate")
		case seen[p]:
			ps.add(headLine, p, "column named twice; each key path once")
		case overlayRefused[strings.SplitN(p, ".", 2)[0]] || strings.SplitN(p, ".", 2)[0] == "robust":
			ps.add(headLine, p, "a plausible set changes behaviour, not the run: name behaviour keys such as behaviour.react_rate, not %s", Clip(p))
		case slices.Contains(plausibleFixed, p):
			ps.add(headLine, p, "column named twice; each key path once")
		}
		seen[p] = true
		set.Paths = append(set.Paths, p)
	}
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	ids := map[int]int{} // id -> line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			addCSVError(ps, err)
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(head) {
			ps.add(line, "", "%d fields, the header has %d (vector,weight,distance,%s)", len(rec), len(head), strings.Join(set.Paths, ","))
			continue
		}
		if len(set.Vectors) == maxPlausibleVectors {
			ps.add(line, "", "more than %d vectors; draw fewer", maxPlausibleVectors)
			break
		}
		v := PlausibleVector{line: line, Values: make([]float64, len(set.Paths))}
		ok := true
		id, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		switch {
		case err != nil:
			ps.add(line, "vector", "%s is not a whole number; vector is the vector's number, 1 or more", ClipQ(rec[0]))
			ok = false
		case id < 1:
			ps.add(line, "vector", "%d: must be 1 or more", id)
			ok = false
		case ids[id] > 0:
			ps.add(line, "vector", "%d is also the vector at line %d; vector numbers must be unique", id, ids[id])
			ok = false
		default:
			ids[id] = line
			v.ID = id
		}
		num := func(i int, col, rule string) (float64, bool) {
			x, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				ps.add(line, col, "%s is not a finite number; %s", ClipQ(rec[i]), rule)
				return 0, false
			}
			return x, true
		}
		if w, good := num(1, "weight", "a weight is a number above 0"); good && !(w > 0) {
			ps.add(line, "weight", "%v: must be above 0 (weights are normalised on use, they need not sum to 1)", w)
			ok = false
		} else {
			ok = ok && good
			v.Weight = w
		}
		if d, good := num(2, "distance", "a distance is a number of 0 or more"); good && d < 0 {
			ps.add(line, "distance", "%v: must be 0 or more", d)
			ok = false
		} else {
			ok = ok && good
			v.Distance = d
		}
		for j, p := range set.Paths {
			x, good := num(len(plausibleFixed)+j, p, "every parameter value is a number")
			ok = ok && good
			v.Values[j] = x
		}
		if ok {
			set.Vectors = append(set.Vectors, v)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if len(set.Vectors) == 0 {
		ps.add(headLine, "", "no vectors: after the header give one line per vector (vector,weight,distance and the values)")
		return nil, ps.err()
	}
	return set, nil
}

// addCSVError turns an encoding/csv error into a problem at its line and
// column.
func addCSVError(ps *problems, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		ps.add(pe.Line, fmt.Sprintf("column %d", pe.Column), "not valid CSV: %v", pe.Err)
		return
	}
	ps.add(0, "", "not valid CSV: %v", err)
}

// ReadPlausible reads the plausible set file at path.
func ReadPlausible(path string) (*PlausibleSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: plausible set: %w", err)
	}
	return ParsePlausible(path, data)
}

// EmbeddedPlausible returns the embedded plausible set of that name,
// datasets/plausible/<name>.csv.
func EmbeddedPlausible(name string) (*PlausibleSet, error) {
	data, err := fs.ReadFile(plausibleFS, "plausible/"+name+".csv")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("datasets: no embedded plausible set %q; embedded: %s", name, strings.Join(EmbeddedPlausibleNames(), ", "))
	}
	return ParsePlausible("datasets/plausible/"+name+".csv", data)
}

// EmbeddedPlausibleNames returns the names of the embedded plausible sets,
// sorted.
func EmbeddedPlausibleNames() []string {
	entries, _ := fs.ReadDir(plausibleFS, "plausible")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".csv"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// WriteCSV writes the set in its file format: the comments, the header,
// one row per vector; numbers in the shortest form that reads back
// exactly, so ParsePlausible returns the same set.
func (ps *PlausibleSet) WriteCSV(w io.Writer) error {
	var b strings.Builder
	for _, c := range ps.Comments {
		if strings.ContainsAny(c, "\r\n") {
			return fmt.Errorf("datasets: plausible set comment %q holds a line break", c)
		}
		b.WriteString("# " + c + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string(nil), plausibleFixed...), ps.Paths...)); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, v := range ps.Vectors {
		if len(v.Values) != len(ps.Paths) {
			return fmt.Errorf("datasets: plausible vector %d has %d values for %d paths", v.ID, len(v.Values), len(ps.Paths))
		}
		row := []string{strconv.Itoa(v.ID), f(v.Weight), f(v.Distance)}
		for _, x := range v.Values {
			row = append(row, f(x))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Overrides are vector i's values (i indexes Vectors) as scenario
// overrides, in column order.
func (ps *PlausibleSet) Overrides(i int) []Override {
	v := ps.Vectors[i]
	ovs := make([]Override, len(ps.Paths))
	for j, p := range ps.Paths {
		ovs[j] = Override{Path: p, Value: v.Values[j]}
	}
	return ovs
}

// relative returns the weights divided by the largest: each in (0, 1], so
// their sum and squares stay finite however large or small the weights in
// the file (four weights of 1e308 sum past the float range).
func (ps *PlausibleSet) relative() []float64 {
	var top float64
	for _, v := range ps.Vectors {
		top = max(top, v.Weight)
	}
	w := make([]float64, len(ps.Vectors))
	for i, v := range ps.Vectors {
		w[i] = v.Weight / top
	}
	return w
}

// ESS is Kish's effective sample size of the weights, (Σw)² / Σw²: the
// number of equally weighted vectors worth as much as the set.
func (ps *PlausibleSet) ESS() float64 {
	var s, s2 float64
	for _, w := range ps.relative() {
		s += w
		s2 += w * w
	}
	if s2 == 0 {
		return 0
	}
	return s * s / s2
}

// Draw returns n indices into Vectors drawn in proportion to the weights
// by systematic resampling: one uniform offset u in [0, 1/n) from a PCG
// keyed by seed, then the points u + j/n, j = 0..n-1, each taking the
// vector whose share of the cumulative weight it falls in. Vector i is
// drawn floor(n·w_i) or ceil(n·w_i) times (w normalised), the indices come
// in ascending order, and the same seed gives the same draw.
func (ps *PlausibleSet) Draw(n int, seed uint64) []int {
	if n <= 0 || len(ps.Vectors) == 0 {
		return nil
	}
	w := ps.relative()
	var total float64
	for _, x := range w {
		total += x
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	u := rng.Float64() / float64(n)
	out := make([]int, 0, n)
	cum, i := w[0]/total, 0
	for j := 0; j < n; j++ {
		p := u + float64(j)/float64(n)
		for p >= cum && i < len(w)-1 {
			i++
			cum += w[i] / total
		}
		out = append(out, i)
	}
	return out
}

// Line is the line of vector i in the file (0 if it was not read from one).
func (ps *PlausibleSet) Line(i int) int { return ps.Vectors[i].line }

// ScenarioWith parses the scenario text data (named name in problems) with
// the overrides before, then vector i's values, then after. A problem of a
// key the vector sets names the plausible file, the vector's line and the
// column; other problems are the scenario's.
func (ps *PlausibleSet) ScenarioWith(name string, data []byte, before []Override, i int, after []Override) (*Scenario, error) {
	ovs := append(append(append([]Override(nil), before...), ps.Overrides(i)...), after...)
	s, err := ParseWith(name, data, ovs)
	if err == nil {
		return s, nil
	}
	var se *ScenarioError
	if !errors.As(err, &se) {
		return nil, err
	}
	out := &problems{file: ps.File}
	var rest []string
	for _, p := range se.Problems {
		found := false
		for _, path := range ps.Paths {
			if p.Path == path || isUnder(p.Path, path) || isUnder(path, p.Path) {
				out.add(ps.Vectors[i].line, path, "vector %d: %s (the scenario key %s: %s)", ps.Vectors[i].ID, formatValue(ps.Vectors[i].Values[slices.Index(ps.Paths, path)]), p.Path, p.Msg)
				found = true
				break
			}
		}
		if !found {
			rest = append(rest, p.String())
		}
	}
	if len(rest) > 0 {
		out.add(ps.Vectors[i].line, "", "vector %d: the scenario %s with this vector does not load:\n%s", ps.Vectors[i].ID, name, strings.Join(rest, "\n"))
	}
	return nil, out.err()
}

// Check reports the first vector that does not make a valid scenario of
// the text data (named name in problems) with the overrides before, as
// ScenarioWith would: a set with one that does not is wrong for this
// scenario, drawn or not.
//
// The text is parsed once; each vector is set in a copy of its tree, which
// is then decoded and checked. The vector reported is the first refused in
// the set's order, with ScenarioWith's message.
func (ps *PlausibleSet) Check(name string, data []byte, before []Override) error {
	if name == "" {
		name = "scenario"
	}
	root := parseWith(data, before, &problems{file: name})
	for i := range ps.Vectors {
		if root != nil && ps.loads(name, root, i) {
			continue
		}
		if _, err := ps.ScenarioWith(name, data, before, i, nil); err != nil {
			return err
		}
	}
	return nil
}

// loads reports whether vector i set in a copy of root makes a valid
// scenario. root is only read.
func (ps *PlausibleSet) loads(name string, root *yaml.Node, i int) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false // ScenarioWith says what went wrong
		}
	}()
	r := deepCopy(root, 0)
	for _, o := range ps.Overrides(i) {
		if o.apply(r) != nil {
			return false
		}
	}
	_, err := fromRoot(name, r, &problems{file: name})
	return err == nil
}
