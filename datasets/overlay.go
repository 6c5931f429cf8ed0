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
	for _, o := range set {
		line := setLine(m, o.Path)
		if overlayRefused[strings.SplitN(o.Path, ".", 2)[0]] {
			ps.add(line, o.Path, "an overlay changes behaviour, not the run: set %s in the scenario or with a flag", o.Path)
			continue
		}
		ov.Overrides = append(ov.Overrides, o)
		ov.lines = append(ov.lines, line)
	}
	return ov, ps.err()
}

// Apply parses the scenario text data (named name in problems) with the
// overlay's values on top. A value the scenario refuses is a problem of
// the overlay's file and line.
func (ov *Overlay) Apply(name string, data []byte) (*Scenario, error) {
	s, err := ParseWith(name, data, ov.Overrides)
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
		found := false
		for i, o := range ov.Overrides {
			if p.Path == o.Path || isUnder(p.Path, o.Path) {
				ps.add(ov.lines[i], p.Path, "%s", p.Msg)
				found = true
				break
			}
		}
		if !found {
			rest = append(rest, p.String())
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
