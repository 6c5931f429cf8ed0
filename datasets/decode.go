package datasets

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML nodes one scenario may expand to, counting each
// use of an alias anew, so that alias bombs fail fast instead of eating
// memory. The default scenario has about 300.
const maxNodes = 100000

// decoder decodes a yaml.Node tree into Go values strictly: unknown and
// duplicate keys, values of the wrong type and non-finite numbers where no
// range check will catch them are problems with a line and a field path.
// It keeps the values already in the target where the file says nothing.
type decoder struct {
	ps       *problems
	nodes    int
	overflow bool
	// open holds the collection nodes being decoded, to catch an alias
	// to a node that contains it.
	open map[*yaml.Node]bool
	// hooks decode values of special types (the models mapping).
	hooks map[reflect.Type]func(n *yaml.Node, v reflect.Value, path string)
	// cal is the calibration table, loaded at the first !cal tag.
	cal    *CalTable
	calErr error
	// calBad holds the !cal scalars already reported, which the decoder
	// then leaves alone instead of reporting them again.
	calBad map[*yaml.Node]bool
	// calKeys maps the key path (as an override writes it) of every
	// value read with !cal to its row id.
	calKeys map[string]string
}

// step counts a node against maxNodes and reports false once over.
func (d *decoder) step(n *yaml.Node) bool {
	d.nodes++
	if d.nodes > maxNodes {
		if !d.overflow {
			d.overflow = true
			d.ps.add(n.Line, "", "scenario too large: more than %d YAML nodes after expanding aliases", maxNodes)
		}
		return false
	}
	return true
}

// maxDepth bounds the nesting of collections.
const maxDepth = 64

// enter marks a collection node open, reporting false (and a problem) for
// an alias cycle or nesting deeper than maxDepth; leave undoes it.
func (d *decoder) enter(n *yaml.Node, path string) bool {
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
		return true
	}
	if d.open == nil {
		d.open = map[*yaml.Node]bool{}
	}
	switch {
	case d.open[n]:
		d.ps.add(n.Line, path, "an alias refers to a value that contains it")
		return false
	case len(d.open) >= maxDepth:
		d.ps.add(n.Line, path, "nested more than %d levels deep", maxDepth)
		return false
	}
	d.open[n] = true
	return true
}

func (d *decoder) leave(n *yaml.Node) { delete(d.open, n) }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node holds, for messages ("a list", "the text \"x\"").
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return strconv.Quote(truncate(n.Value, 40))
		}
		return truncate(n.Value, 40)
	}
	return "an unexpected YAML node"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// typeWord names a Go type the way a scenario author thinks of it.
func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number >= 0"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a text"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return typeWord(t.Elem())
	}
	return "a value"
}

var (
	unmarshalerType     = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decode decodes n into v (settable) at the field path; rng is the range
// tag of the field v belongs to ("" if none).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path, rng string) {
	n = resolve(n)
	if n == nil || d.calBad[n] || !d.step(n) || !d.enter(n, path) {
		return
	}
	defer d.leave(n)
	if h, ok := d.hooks[v.Type()]; ok {
		h(n, v, path)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		if err := safeDecode(n, v.Addr().Interface()); err != nil {
			d.ps.add(n.Line, path, "%s", yamlMessage(err))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.leave(n) // the element is decoded from the same node: not a cycle
		d.decode(n, v.Elem(), path, rng)
	case reflect.Interface:
		if v.NumMethod() != 0 {
			d.ps.add(n.Line, path, "cannot be set from a scenario file (field of interface type %s)", v.Type())
			return
		}
		if x := d.genericNode(n, path); x != nil {
			v.Set(reflect.ValueOf(x))
		} else {
			v.Set(reflect.Zero(v.Type()))
		}
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		d.sequence(n, v, path, rng)
	case reflect.Array:
		d.array(n, v, path, rng)
	case reflect.Map:
		d.mapping(n, v, path, rng)
	default:
		d.scalar(n, v, path, rng)
	}
}

// safeDecode runs yaml's own decoder on a node, turning a panic into an error.
func safeDecode(n *yaml.Node, out any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode: %v", r)
		}
	}()
	return n.Decode(out)
}

// yamlMessage strips yaml's prefixes from an error message.
func yamlMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return strings.TrimSpace(msg)
}

// field is a settable key of a struct type.
type field struct {
	name  string
	index []int
	rng   string
	enum  string
	doc   string
	typ   reflect.Type
}

// structFields lists the YAML keys of a struct type in declaration order,
// flattening fields tagged ",inline" the way yaml.v3 does.
type structFields struct {
	list   []field
	byName map[string]int
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if sf, ok := fieldCache.Load(t); ok {
		return sf.(*structFields)
	}
	sf := &structFields{byName: map[string]int{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if strings.Contains(","+opts+",", ",inline,") && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if _, dup := sf.byName[name]; dup {
				continue
			}
			sf.byName[name] = len(sf.list)
			sf.list = append(sf.list, field{
				name: name, index: idx, typ: f.Type,
				rng: f.Tag.Get("range"), enum: f.Tag.Get("enum"), doc: f.Tag.Get("doc"),
			})
		}
	}
	walk(t, nil)
	fieldCache.Store(t, sf)
	return sf
}

func (sf *structFields) names() []string {
	names := make([]string, len(sf.list))
	for i, f := range sf.list {
		names[i] = f.name
	}
	return names
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// pairs calls fn for each key and value of a mapping node, reporting keys
// that are not plain scalars, merge keys and duplicate keys itself.
func (d *decoder) pairs(n *yaml.Node, path string, fn func(k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || !d.step(k) {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.ps.add(k.Line, path, "keys must be plain names, got %s as a key", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			d.ps.add(k.Line, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.ps.add(k.Line, joinPath(path, k.Value), "duplicate key (first at line %d); keep only one", first)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v)
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if isNull(n) {
		return // keep the defaults
	}
	sf := fieldsOf(v.Type())
	if n.Kind != yaml.MappingNode {
		d.ps.add(n.Line, path, "must be a mapping of keys (%s), got %s", strings.Join(sf.names(), ", "), describe(n))
		return
	}
	d.pairs(n, path, func(k, val *yaml.Node) {
		i, ok := sf.byName[k.Value]
		if !ok {
			d.ps.add(k.Line, joinPath(path, k.Value), "%s", unknownKey(k.Value, sf.names()))
			return
		}
		f := sf.list[i]
		d.decode(val, v.FieldByIndex(f.index), joinPath(path, f.name), f.rng)
	})
}

// unknownKey says that a key is unknown, with the closest known key or the
// list of known keys.
func unknownKey(key string, known []string) string {
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf("unknown key (did you mean %s?)", s)
	}
	if len(known) == 0 {
		return "unknown key (no keys are allowed here)"
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf("unknown key; valid keys: %s", strings.Join(sorted, ", "))
}

// suggest returns the known name closest to s by edit distance, if close
// enough to be a typo.
func suggest(s string, known []string) string {
	best, bestD := "", math.MaxInt
	for _, k := range known {
		if d := editDistance(s, k, bestD); d < bestD {
			best, bestD = k, d
		}
	}
	limit := max(1, min(3, len([]rune(s))/3))
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, or a number > bound
// once it is certain to exceed bound.
func editDistance(a, b string, bound int) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return math.MaxInt
	}
	if d := len(ra) - len(rb); d > bound || -d > bound {
		return math.MaxInt
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path, rng string) {
	if n.Kind != yaml.SequenceNode {
		d.ps.add(n.Line, path, "must be a list (- item per line, or [a, b]), got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i), rng)
	}
	v.Set(s) // lists replace the default list
}

func (d *decoder) array(n *yaml.Node, v reflect.Value, path, rng string) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != v.Len() {
		d.ps.add(n.Line, path, "must be a list of exactly %d items, got %s", v.Len(), describe(n))
		return
	}
	for i, item := range n.Content {
		d.decode(item, v.Index(i), fmt.Sprintf("%s[%d]", path, i), rng)
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path, rng string) {
	if isNull(n) {
		return // keep the defaults
	}
	if n.Kind != yaml.MappingNode {
		d.ps.add(n.Line, path, "must be a mapping (key: value per line), got %s", describe(n))
		return
	}
	// A map given in the file replaces the default map whole, as a list
	// does: a price table that names only "default" means every market at
	// that price, not the default rate card with one key changed.
	v.Set(reflect.MakeMap(v.Type()))
	t := v.Type()
	d.pairs(n, path, func(k, val *yaml.Node) {
		p := joinPath(path, k.Value)
		key := reflect.New(t.Key()).Elem()
		before := len(d.ps.list)
		d.decode(k, key, p, "")
		if len(d.ps.list) > before {
			return
		}
		elem := reflect.New(t.Elem()).Elem()
		d.decode(val, elem, p, rng)
		v.SetMapIndex(key, elem)
	})
}

// resolved is the value YAML gives a plain scalar: int, uint64, float64,
// bool, string or nil.
func resolvedScalar(n *yaml.Node) (any, error) {
	var x any
	if err := safeDecode(n, &x); err != nil {
		return nil, err
	}
	return x, nil
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path, rng string) {
	want := typeWord(v.Type())
	if n.Kind != yaml.ScalarNode {
		d.ps.add(n.Line, path, "must be %s, got %s", want, describe(n))
		return
	}
	if isNull(n) {
		d.ps.add(n.Line, path, "missing value: write %s, or remove the key to keep the default", want)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshalerType) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.ps.add(n.Line, path, "%v", err)
		}
		return
	}
	if v.Kind() == reflect.String {
		v.SetString(n.Value) // any scalar is a text
		return
	}
	x, err := resolvedScalar(n)
	if err != nil {
		d.ps.add(n.Line, path, "must be %s, got %s (%s)", want, describe(n), yamlMessage(err))
		return
	}
	bad := func() { d.ps.add(n.Line, path, "must be %s, got %s", want, describe(n)) }
	outOfRange := func() {
		if rng != "" {
			lo, hi, _ := strings.Cut(rng, ",")
			d.ps.add(n.Line, path, "must be in [%s, %s], got %s", lo, hi, n.Value)
		} else {
			d.ps.add(n.Line, path, "must be %s that fits the field, got %s", want, n.Value)
		}
	}
	switch v.Kind() {
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			bad()
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		switch x := x.(type) {
		case int:
			i = int64(x)
		case int64:
			i = x
		case uint64:
			outOfRange()
			return
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) {
				bad()
				return
			}
			if x < -(1<<63) || x >= 1<<63 {
				outOfRange()
				return
			}
			i = int64(x)
		default:
			bad()
			return
		}
		if v.OverflowInt(i) {
			outOfRange()
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var u uint64
		switch x := x.(type) {
		case int:
			if x < 0 {
				d.ps.add(n.Line, path, "must be >= 0, got %s", n.Value)
				return
			}
			u = uint64(x)
		case int64:
			if x < 0 {
				d.ps.add(n.Line, path, "must be >= 0, got %s", n.Value)
				return
			}
			u = uint64(x)
		case uint64:
			u = x
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) {
				bad()
				return
			}
			if x < 0 {
				d.ps.add(n.Line, path, "must be >= 0, got %s", n.Value)
				return
			}
			if x >= 1<<64 {
				outOfRange()
				return
			}
			u = uint64(x)
		default:
			bad()
			return
		}
		if v.OverflowUint(u) {
			outOfRange()
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		switch x := x.(type) {
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		case float64:
			f = x
		default:
			bad()
			return
		}
		if (math.IsNaN(f) || math.IsInf(f, 0)) && rng == "" {
			d.ps.add(n.Line, path, "must be a finite number, got %s", n.Value)
			return
		}
		if v.Kind() == reflect.Float32 && !math.IsNaN(f) && !math.IsInf(f, 0) && v.OverflowFloat(f) {
			outOfRange()
			return
		}
		v.SetFloat(f)
	default:
		d.ps.add(n.Line, path, "cannot be set from a scenario file (field of type %s)", v.Type())
	}
}

// generic decodes a node for a field of type any: mappings become
// map[string]any, lists []any, scalars their YAML value.
func (d *decoder) generic(n *yaml.Node, path string) any {
	n = resolve(n)
	if n == nil || d.calBad[n] || !d.step(n) || !d.enter(n, path) {
		return nil
	}
	defer d.leave(n)
	return d.genericNode(n, path)
}

// genericNode is generic for a resolved node already counted and entered.
func (d *decoder) genericNode(n *yaml.Node, path string) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		d.pairs(n, path, func(k, val *yaml.Node) {
			m[k.Value] = d.generic(val, joinPath(path, k.Value))
		})
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, item := range n.Content {
			s[i] = d.generic(item, fmt.Sprintf("%s[%d]", path, i))
		}
		return s
	case yaml.ScalarNode:
		x, err := resolvedScalar(n)
		if err != nil {
			d.ps.add(n.Line, path, "%s", yamlMessage(err))
			return nil
		}
		switch x := x.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				d.ps.add(n.Line, path, "must be a finite number, got %s", n.Value)
				return nil
			}
		case nil, bool, string, int, int64, uint64:
		default:
			return n.Value // timestamps and other tags stay text
		}
		return x
	}
	d.ps.add(n.Line, path, "unexpected YAML node")
	return nil
}

// lineOf returns the line of the node a field path names in the document
// root, or of its nearest present parent; 0 when not even the top-level key
// is present.
func lineOf(root *yaml.Node, path string) int {
	root = resolve(root)
	if root == nil || path == "" {
		return 0
	}
	line := 0
	cur := root
	for _, seg := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key != "" {
			if cur == nil || cur.Kind != yaml.MappingNode {
				return line
			}
			var found *yaml.Node
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if k := resolve(cur.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
					found, line = resolve(cur.Content[i+1]), k.Line
					break // the first occurrence is the one decoded
				}
			}
			if found == nil {
				return line
			}
			cur = found
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			if !ok {
				return line
			}
			i, err := strconv.Atoi(num)
			if err != nil || cur == nil || cur.Kind != yaml.SequenceNode || i < 0 || i >= len(cur.Content) {
				return line
			}
			cur = resolve(cur.Content[i])
			if cur == nil {
				return line
			}
			line = cur.Line
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return line
}

// CalTag is the YAML tag of a number taken from the calibration tables:
// `window_hours: !cal wechat.service_window_hours` reads as the value of that
// row (see Calibration).
const CalTag = "!cal"

// calibrate replaces, in place, every scalar tagged !cal under n by the value
// of its calibration row, as a plain YAML number, so that the decoder and
// the canonical JSON see the number. Unknown ids and misplaced tags are
// problems with line and field path. Aliases are not followed: the node
// they name is replaced where it is defined.
func (d *decoder) calibrate(n *yaml.Node, path string, depth int) {
	if n == nil || depth > maxDepth {
		return // too deep: the decoder reports it
	}
	if n.Tag == CalTag && n.Kind != yaml.ScalarNode {
		d.ps.add(n.Line, path, "%s takes one calibration id, not %s", CalTag, describe(n))
		if d.calBad == nil {
			d.calBad = map[*yaml.Node]bool{}
		}
		d.calBad[n] = true
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			d.calibrate(c, p, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == CalTag {
				d.ps.add(k.Line, path, "%s takes the place of a value, not of a key", CalTag)
				continue
			}
			d.calibrate(v, joinPath(path, k.Value), depth+1)
		}
	case yaml.ScalarNode:
		if n.Tag != CalTag {
			return
		}
		if d.calBad == nil {
			d.calBad = map[*yaml.Node]bool{}
		}
		d.calBad[n] = true // until resolved
		id := strings.TrimSpace(n.Value)
		if id == "" {
			d.ps.add(n.Line, path, "%s needs a calibration id, e.g. %s whatsapp.marketing.DE", CalTag, CalTag)
			return
		}
		if d.cal == nil && d.calErr == nil {
			d.cal, d.calErr = Calibration()
			if d.calErr != nil {
				d.ps.add(n.Line, path, "%v", d.calErr)
			}
		}
		if d.cal == nil {
			return
		}
		row, ok := d.cal.Lookup(id)
		if !ok {
			d.ps.add(n.Line, path, "%s", d.cal.unknownID(id))
			return
		}
		delete(d.calBad, n)
		if d.calKeys == nil {
			d.calKeys = map[string]string{}
		}
		d.calKeys[dotted(path)] = id
		n.Tag, n.Style = "!!float", 0
		n.Value = strconv.FormatFloat(row.Value, 'g', -1, 64)
		if row.Value == math.Trunc(row.Value) && math.Abs(row.Value) < 1<<53 {
			n.Tag, n.Value = "!!int", strconv.FormatInt(int64(row.Value), 10)
		}
	}
}
