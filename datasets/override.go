package datasets

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Override sets one key of a scenario, by its path of keys separated by
// dots, e.g. "business.sends_per_week_mean" or "models.paid_push.adoption".
// A number in the path indexes a list: "markets.0.share".
type Override struct {
	Path  string
	Value any // float64, int, int64, string or bool
}

// String formats the override as path=value, for messages: a long path or
// text is clipped.
func (o Override) String() string { return Clip(o.Path) + "=" + formatValue(o.Value) }

func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		if math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return ClipQ(x)
	}
	return fmt.Sprint(v)
}

// dotted is a problem's field path written as an override's key path:
// markets[0].share is markets.0.share.
func dotted(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	return strings.NewReplacer("[", ".", "]", "").Replace(path)
}

// overrideFor is the override a problem at the field path belongs to: the
// last one (the one whose value stands) that sets the path or a key above
// it; else the last that sets a key below it, above reporting that case
// (a rule over the section the override changes, such as market shares
// that must add up to 1).
func overrideFor(ovs []Override, path string) (i int, above, ok bool) {
	p := dotted(path)
	for i := len(ovs) - 1; i >= 0; i-- {
		if ovs[i].Path == p || isUnder(p, ovs[i].Path) {
			return i, false, true
		}
	}
	for i := len(ovs) - 1; i >= 0; i-- {
		if isUnder(ovs[i].Path, p) {
			return i, true, true
		}
	}
	return 0, false, false
}

// Defaults as YAML: a key path through a list the scenario's text leaves
// to the defaults (markets.0.share in a file without markets:) sets that
// item of the default list, the same whether the text lists the markets
// or not.
var (
	defaultsOnce sync.Once
	defaultsTree any // canonical(newScenario()): objects, lists, scalars
)

// defaultList is a copy of the default value at the key path segs as a
// YAML node when it is a list; nil when it is not, or not known (a
// model's parameters).
func defaultList(segs []string) *yaml.Node {
	defaultsOnce.Do(func() {
		defaultsTree, _ = canonical(reflect.ValueOf(newScenario()).Elem(), "")
	})
	v := defaultsTree
	for _, seg := range segs {
		switch x := v.(type) {
		case object:
			v = nil
			for _, m := range x {
				if m.Key == seg {
					v = m.Value
					break
				}
			}
		case []any:
			k, err := strconv.Atoi(seg)
			if err != nil || k < 0 || k >= len(x) {
				return nil
			}
			v = x[k]
		default:
			return nil
		}
	}
	if _, ok := v.([]any); !ok {
		return nil
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(js, &doc); err != nil || len(doc.Content) != 1 {
		return nil
	}
	blockStyle(doc.Content[0])
	return doc.Content[0]
}

// blockStyle clears the flow style JSON gives lists and mappings, so that
// a rendered scenario (calibrate --save-preset) writes them as YAML does.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// scalarNode is the YAML scalar for v, tagged so that the scenario decoder
// reads it as the value it is.
func scalarNode(v any) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.ScalarNode}
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			return nil, fmt.Errorf("value must be a finite number, got %v", x)
		case x == math.Trunc(x) && math.Abs(x) < 1<<53:
			n.Tag, n.Value = "!!int", strconv.FormatInt(int64(x), 10)
		default:
			n.Tag, n.Value = "!!float", strconv.FormatFloat(x, 'g', -1, 64)
		}
	case int:
		n.Tag, n.Value = "!!int", strconv.Itoa(x)
	case int64:
		n.Tag, n.Value = "!!int", strconv.FormatInt(x, 10)
	case bool:
		n.Tag, n.Value = "!!bool", strconv.FormatBool(x)
	case string:
		n.Tag, n.Value, n.Style = "!!str", x, yaml.DoubleQuotedStyle
	default:
		return nil, fmt.Errorf("value must be a number, text or true/false, got %T", v)
	}
	return n, nil
}

// apply sets the override in the mapping root, adding the keys it needs.
// Nodes shared through YAML aliases are copied first, so an override
// changes one place only.
func (o Override) apply(root *yaml.Node) error {
	if o.Path == "" {
		return fmt.Errorf("empty path; name a key such as business.sends_per_week_mean")
	}
	val, err := scalarNode(o.Value)
	if err != nil {
		return err
	}
	segs := strings.Split(o.Path, ".")
	node := root
	for i, seg := range segs {
		if seg == "" {
			return fmt.Errorf("empty key in the path (two dots, or a dot at an end)")
		}
		last := i == len(segs)-1
		where := strings.Join(segs[:i], ".")
		if where == "" {
			where = "the top level"
		}
		switch node.Kind {
		case yaml.MappingNode:
			j := -1
			for k := 0; k+1 < len(node.Content); k += 2 {
				if node.Content[k].Value == seg {
					j = k + 1
				}
			}
			if j < 0 {
				next := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				if last {
					next = val
				} else if l := defaultList(segs[:i+1]); l != nil {
					next = l // the default list, to index into
				}
				node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}, next)
				node = next
				continue
			}
			node = ownCopy(node, j, last, val)
		case yaml.SequenceNode:
			k, err := strconv.Atoi(seg)
			if err != nil || k < 0 || k >= len(node.Content) {
				return fmt.Errorf("%s is a list of %d; %q is not an index 0..%d", where, len(node.Content), seg, len(node.Content)-1)
			}
			node = ownCopy(node, k, last, val)
		default:
			return fmt.Errorf("%s is %s, not a section with key %q", where, describe(node), seg)
		}
	}
	return nil
}

// ownCopy returns parent.Content[i], replaced by val when last, or by a copy
// of what an alias names, so that a change does not reach other places.
func ownCopy(parent *yaml.Node, i int, last bool, val *yaml.Node) *yaml.Node {
	if last {
		parent.Content[i] = val
		return val
	}
	if parent.Content[i].Kind == yaml.AliasNode {
		parent.Content[i] = deepCopy(resolve(parent.Content[i]), 0)
	}
	return parent.Content[i]
}

func deepCopy(n *yaml.Node, depth int) *yaml.Node {
	if n == nil || depth > 100 {
		return n
	}
	c := *n
	if n.Kind == yaml.AliasNode {
		return deepCopy(resolve(n), depth+1)
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = deepCopy(k, depth+1)
	}
	return &c
}

// parseWith parses data into its root mapping and sets the overrides in
// it, with the businesses scaled when they change users but not
// businesses (withScaledBusinesses); nil when ps has problems.
func parseWith(data []byte, overrides []Override, ps *problems) *yaml.Node {
	root := parseDocument(data, ps)
	if root == nil {
		return nil
	}
	for _, o := range withScaledBusinesses(root, overrides) {
		if err := o.apply(root); err != nil {
			ps.add(0, o.Path, "%v", err)
		}
	}
	if len(ps.list) > 0 {
		return nil
	}
	return root
}

// RenderWith returns the scenario text data with the overrides set, as
// YAML: a calibrated scenario saved as a preset. Comments on keys that
// stay are kept; the result loads with Parse.
func RenderWith(name string, data []byte, overrides []Override, header string) ([]byte, error) {
	ps := &problems{file: name}
	root := parseWith(data, overrides, ps)
	if root == nil {
		return nil, ps.err()
	}
	out, err := yaml.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	if header != "" {
		var b strings.Builder
		for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
			b.WriteString("# " + l + "\n")
		}
		b.WriteString("\n")
		out = append([]byte(b.String()), out...)
	}
	if _, err := Parse(name, out); err != nil {
		return nil, fmt.Errorf("datasets: the rendered scenario does not load: %w", err)
	}
	return out, nil
}

// BaseName and BaseData are the sweep's base scenario: its name in problems
// and its text.
func (sw *Sweep) BaseName() string { return sw.baseName }
func (sw *Sweep) BaseData() []byte { return sw.baseData }

// SetOverrides are the sweep's set: changes, in file order.
func (sw *Sweep) SetOverrides() []Override { return sw.set }
