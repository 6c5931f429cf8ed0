package datasets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/msgmon/msgmon/sim/experiment/design"
)

// Assumption is one assumption of a scenario with its range: a key path
// and where its range comes from.
type Assumption struct {
	Path  string // the scenario key path, e.g. user.tolerance_median
	Range Range
	// Cal is the calibration row the scenario reads the key from (!cal),
	// whose range it takes; "" for a key's own range.
	Cal string
}

// CalRow returns the calibration row id the scenario reads a key path from
// with !cal, if it does.
func (s *Scenario) CalRow(path string) (string, bool) {
	id, ok := s.calKeys[path]
	return id, ok
}

// Assumptions returns the scenario's assumptions, sorted by path, with the
// fixed ones (not drawn) apart: every key path of the ranges table the
// scenario has (a model's keys only when the model is enabled; a market's
// price only for a market of the scenario), except where the scenario
// reads the key with !cal from a calibration row — a fact (left out), or
// an assumption whose row's range is used instead — plus every other key
// read with !cal from an assumption row that has a range.
func (s *Scenario) Assumptions() (drawn, fixed []Assumption, err error) {
	t, err := AssumptionRanges()
	if err != nil {
		return nil, nil, err
	}
	return s.assumptionsOf(t)
}

func (s *Scenario) assumptionsOf(t *Ranges) (drawn, fixed []Assumption, err error) {
	cal, err := Calibration()
	if err != nil {
		return nil, nil, err
	}
	enabled := map[string]bool{}
	for _, m := range s.Models {
		if m.Enabled {
			enabled[m.Name] = true
		}
	}
	markets := map[string]bool{"default": true}
	for _, m := range s.Markets {
		markets[m.Code] = true
	}
	var all []Assumption
	for _, k := range t.Keys() {
		if id, ok := s.calKeys[k]; ok {
			if row, ok := cal.Lookup(id); ok && !row.Assumption() {
				continue // a fact
			}
			if _, ok := t.Cal(id); ok {
				continue // the row's range, below
			}
		}
		segs := strings.Split(k, ".")
		if segs[0] == "models" {
			if len(segs) < 3 || !enabled[segs[1]] {
				continue
			}
			if last := segs[len(segs)-1]; len(segs) > 3 && isMarketCode(last) && !markets[last] {
				continue
			}
		}
		r, _ := t.Key(k)
		all = append(all, Assumption{Path: k, Range: r})
	}
	for k, id := range s.calKeys {
		r, ok := t.Cal(id)
		if !ok {
			continue
		}
		all = append(all, Assumption{Path: k, Range: r, Cal: id})
	}
	slices.SortFunc(all, func(a, b Assumption) int { return strings.Compare(a.Path, b.Path) })
	for _, a := range all {
		if a.Range.Fixed() {
			fixed = append(fixed, a)
		} else {
			drawn = append(drawn, a)
		}
	}
	return drawn, fixed, nil
}

// isMarketCode reports whether a key is a market code (upper-case letters
// and digits, as the scenario's markets: are written).
func isMarketCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// RobustAssumptions returns the assumptions msgmon robust draws for each
// slot: none with robust.assumptions: false, else the scenario's drawn
// assumptions, only those of robust.draw when it names any, never those
// of robust.fix nor the paths in exclude (the plausible set's, which the
// slot's behaviour vector sets).
func (s *Scenario) RobustAssumptions(exclude []string) ([]Assumption, error) {
	t, err := AssumptionRanges()
	if err != nil {
		return nil, err
	}
	return s.RobustAssumptionsWith(t, exclude)
}

// RobustAssumptionsWith is RobustAssumptions with the ranges of t (the
// embedded table, or the table With a user's file).
func (s *Scenario) RobustAssumptionsWith(t *Ranges, exclude []string) ([]Assumption, error) {
	if !s.Robust.Assumptions {
		return nil, nil
	}
	drawn, _, err := s.assumptionsOf(t)
	if err != nil {
		return nil, err
	}
	var out []Assumption
	for _, a := range drawn {
		switch {
		case slices.Contains(exclude, a.Path), slices.Contains(s.Robust.Fix, a.Path):
		case len(s.Robust.Draw) > 0 && !slices.Contains(s.Robust.Draw, a.Path):
		default:
			out = append(out, a)
		}
	}
	return out, nil
}

// checkRobustAssumptions checks that robust.draw and robust.fix name
// assumptions of the scenario.
func (s *Scenario) checkRobustAssumptions(add func(path, msg string)) {
	if len(s.Robust.Draw) == 0 && len(s.Robust.Fix) == 0 {
		return
	}
	drawn, fixed, err := s.Assumptions()
	if err != nil {
		add("robust", err.Error())
		return
	}
	var names []string
	for _, a := range drawn {
		names = append(names, a.Path)
	}
	if !s.Robust.Assumptions && len(s.Robust.Draw) > 0 {
		add("robust.draw", "draws assumptions, but robust.assumptions is false: remove one of them")
	}
	for _, sec := range []struct {
		key   string
		paths []string
	}{{"draw", s.Robust.Draw}, {"fix", s.Robust.Fix}} {
		for i, p := range sec.paths {
			path := fmt.Sprintf("robust.%s[%d]", sec.key, i)
			if slices.Contains(names, p) {
				if j := slices.Index(sec.paths, p); j < i {
					add(path, fmt.Sprintf("%s is named twice (also robust.%s[%d])", Clip(p), sec.key, j))
				}
				continue
			}
			if k := slices.IndexFunc(fixed, func(a Assumption) bool { return a.Path == p }); k >= 0 {
				if sec.key == "draw" {
					add(path, fmt.Sprintf("%s is not drawn (%s, %s): choose another", Clip(p), fixed[k].Range.Basis, fixed[k].Range.Where()))
				}
				continue
			}
			msg := fmt.Sprintf("%s is not an assumption of this scenario with a range (%s)", ClipQ(p), RangesFile)
			if sg := suggestPath(p, names); sg != "" {
				msg += fmt.Sprintf("; did you mean %s?", sg)
			}
			add(path, msg+"; msgmon robust --list-assumptions names them")
		}
	}
}

// AssumptionDraws returns n points of a Latin hypercube over the
// assumptions' ranges (log-uniform ranges spread evenly in the log, integer
// ones over their whole numbers), one per slot, keyed by seed: the same
// assumptions, n and seed give the same points.
func AssumptionDraws(as []Assumption, n int, seed uint64) ([][]float64, error) {
	if len(as) == 0 {
		return make([][]float64, n), nil
	}
	box := make(design.Box, len(as))
	for i, a := range as {
		box[i] = a.Range.Parameter(a.Path)
	}
	return design.LatinHypercube(box, n, seed)
}

// AssumptionOverrides are one slot's values x of the assumptions as
// overrides of the scenario: integer ranges as whole numbers. A value in a
// model's table by market (models.status_ads.cpm.IN) comes with the
// table's other entries as the scenario has them, since a table a file
// leaves to the model's defaults would otherwise hold that entry alone.
func (s *Scenario) AssumptionOverrides(as []Assumption, x []float64) []Override {
	var ovs []Override
	seen := map[string]bool{}
	tree := s.tree()
	for i, a := range as {
		if segs := strings.Split(a.Path, "."); segs[0] == "models" && len(segs) > 3 {
			parent := strings.Join(segs[:len(segs)-1], ".")
			if m, ok := lookup(tree, parent).(map[string]any); ok && !seen[parent] {
				seen[parent] = true
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					if v, ok := m[k].(float64); ok && !slices.ContainsFunc(as, func(b Assumption) bool { return b.Path == parent+"."+k }) {
						ovs = append(ovs, Override{Path: parent + "." + k, Value: v})
					}
				}
			}
		}
		o := Override{Path: a.Path, Value: x[i]}
		if a.Range.Distribution == DistInteger {
			o.Value = int64(x[i])
		}
		ovs = append(ovs, o)
	}
	return ovs
}

// tree is the scenario's canonical JSON as maps, lists and scalars.
func (s *Scenario) tree() any {
	js, err := s.JSON()
	if err != nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return nil
	}
	return v
}

// lookup follows a key path (list items by index) through a tree.
func lookup(v any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// Number returns the number the scenario gives a key path (as an override
// writes it), if it has one.
func (s *Scenario) Number(path string) (float64, bool) {
	x, ok := lookup(s.tree(), path).(float64)
	return x, ok
}

// suggestPath is the known key path closest to p, or the first that
// starts with it; "" when none is close.
func suggestPath(p string, known []string) string {
	if sg := suggest(p, known); sg != "" {
		return sg
	}
	slices.Sort(known)
	if k := slices.IndexFunc(known, func(n string) bool { return strings.HasPrefix(n, p) }); k >= 0 {
		return known[k]
	}
	return ""
}
