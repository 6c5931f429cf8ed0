package datasets

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// An overlay is a file of scenario keys with values, and nothing else, that
// any scenario or preset can take on top of its own (`msgmon compare
// SCENARIO --overlay FILE`): `msgmon calibrate --save` writes one with the
// fitted values and their provenance in comments. Keys it does not name
// keep the scenario's values. It may not set the run's identity or size
// (name, description, seed, replicates, users, businesses, days), so that
// applying it changes behaviour, not the experiment.
type Overlay struct {
	File      string
	Overrides []Override
	lines     []int
}

// overlayRefused are the keys an overlay may not set.
var overlayRefused = map[string]bool{"name": true, "description": true, "seed": true, "replicates": true,
	"users": true, "businesses": true, "days": true, "compare": true, "robust": true}

// ReadOverlay reads an overlay file: a YAML mapping of scenario keys (nested
// or as key paths) to single values, `!cal <row id>` allowed.
func ReadOverlay(path string) (*Overlay, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: overlay: %w", err)
	}
	return ParseOverlay(path, data)
}

// ParseOverlay parses an overlay's text; file names it in problems.
func ParseOverlay(file string, data []byte) (*Overlay, error) {
	ps := &problems{file: file}
	root := parseDocument(data, ps)
	if root == nil {
		return nil, ps.err()
	}
	d := &decoder{ps: ps}
	d.calibrate(root, "", 0)
	if err := ps.err(); err != nil {
		return nil, err
	}
	m := resolve(root)
	if m.Kind == yaml.DocumentNode && len(m.Content) > 0 {
		m = resolve(m.Content[0])
	}
	if m.Kind != yaml.MappingNode {
		ps.add(m.Line, "", "an overlay is a mapping of scenario keys to values, e.g. behaviour: {react_rate: 0.05}")
		return nil, ps.err()
	}
	ov := &Overlay{File: file}
	var set []Override
	flattenSet(m, "", ps, &set, 0)
	// Each key once, as in a scenario file: in one mapping, and as a key
	// path written flat and nested (the last would win silently).
	var ls []leaf
	leaves(m, "", false, 0, ps, &ls)
	first := map[string]leaf{}
	for _, l := range ls {
		if f, dup := first[l.path]; dup && !f.merged {
			ps.add(l.line, l.path, "given twice (first at %s:%d); keep only one", file, f.line)
			continue
		}
		first[l.path] = l
	}
	for i, o := range set {
		line := setLine(m, o.Path)
		if len(ls) == len(set) && ls[i].path == o.Path {
			line = ls[i].line
		}
		if overlayRefused[strings.SplitN(o.Path, ".", 2)[0]] {
			ps.add(line, o.Path, "an overlay changes behaviour, not the run: set %s in the scenario or with a flag", o.Path)
			continue
		}
		ov.Overrides = append(ov.Overrides, o)
		ov.lines = append(ov.lines, line)
	}
	return ov, ps.err()
}

// leaf is a key path an overlay's mapping sets a value at, with the line
// of its key; merged when it comes from a merge key (<<: *common), whose
// values the keys after it may change.
type leaf struct {
	path   string
	line   int
	merged bool
}

// leaves lists the key paths of the mapping m in the order flattenSet
// lists its overrides, and reports a key given twice in one mapping.
func leaves(m *yaml.Node, prefix string, merged bool, depth int, ps *problems, out *[]leaf) {
	if depth > 16 || len(*out) > 10000 {
		return // flattenSet reports it
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if v == nil {
			continue
		}
		if k.Tag == "!!merge" && v.Kind == yaml.MappingNode {
			leaves(v, prefix, true, depth+1, ps, out)
			continue
		}
		path := joinPath(prefix, k.Value)
		if first, dup := seen[k.Value]; dup && !merged {
			ps.add(k.Line, path, "given twice (first at %s:%d); keep only one", ps.file, first)
			continue
		}
		seen[k.Value] = k.Line
		switch v.Kind {
		case yaml.MappingNode:
			leaves(v, path, merged, depth+1, ps, out)
		case yaml.ScalarNode:
			*out = append(*out, leaf{path: path, line: k.Line, merged: merged})
		}
	}
}

// Apply parses the scenario text data (named name in problems) with the
// overlay's values on top. A value the scenario refuses is a problem of
// the overlay's file and line.
func (ov *Overlay) Apply(name string, data []byte) (*Scenario, error) {
	return ov.ApplyWith(name, data, nil)
}

// ApplyWith is Apply with the changes after set on top of the overlay's,
// as a study's set: is on its base with --overlay: a problem of a key the
// overlay sets (and after does not) is the overlay's, at its line.
func (ov *Overlay) ApplyWith(name string, data []byte, after []Override) (*Scenario, error) {
	s, err := ParseWith(name, data, append(append([]Override(nil), ov.Overrides...), after...))
	if err == nil {
		return s, nil
	}
	var se *ScenarioError
	if !errors.As(err, &se) {
		return nil, err
	}
	ps := &problems{file: ov.File}
	var rest []string
	for _, p := range se.Problems {
		i, above, found := overrideFor(ov.Overrides, p.Path)
		if _, _, later := overrideFor(after, p.Path); later {
			found = false
		}
		switch {
		case !found:
			rest = append(rest, p.String())
		case above:
			// A rule over the section the key is in (shares that add
			// up to 1): the key, then where the rule is.
			ps.add(ov.lines[i], ov.Overrides[i].Path, "%s: %s", Clip(p.Path), p.Msg)
		case dotted(p.Path) == ov.Overrides[i].Path:
			ps.add(ov.lines[i], ov.Overrides[i].Path, "%s", p.Msg) // as the overlay writes it
		default:
			ps.add(ov.lines[i], p.Path, "%s", p.Msg)
		}
	}
	if len(rest) > 0 {
		ps.add(0, "", "the scenario %s with this overlay does not load:\n%s", name, strings.Join(rest, "\n"))
	}
	return nil, ps.err()
}

// LoadWithOverlay loads the scenario file path, or (path "") the embedded
// scenario preset, with the overlay on top.
func LoadWithOverlay(path, preset string, ov *Overlay) (*Scenario, error) {
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		return ov.Apply(path, data)
	}
	data, err := EmbeddedYAML(preset)
	if err != nil {
		return nil, err
	}
	return ov.Apply("datasets/scenarios/"+preset+".yaml", data)
}

// ApplyOverlay puts the overlay under the sweep's base: its values first,
// then the sweep's set:, then each point's parameters.
func (sw *Sweep) ApplyOverlay(ov *Overlay) {
	sw.set = append(append([]Override(nil), ov.Overrides...), sw.set...)
}
