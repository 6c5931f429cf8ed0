package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
)

// member is one key of an object.
type member struct {
	Key   string
	Value any
}

// object is a JSON object that keeps its keys in order.
type object []member

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// canonical converts v to plain values for JSON: structs become objects
// keyed by their YAML names in declaration order (inline fields flattened),
// maps objects with sorted keys, nil lists empty lists. Non-finite numbers
// are an error naming the field path.
func canonical(v reflect.Value, path string) (any, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		o := object{}
		for _, f := range fieldsOf(v.Type()).list {
			x, err := canonical(v.FieldByIndex(f.index), joinPath(path, f.name))
			if err != nil {
				return nil, err
			}
			o = append(o, member{f.name, x})
		}
		return o, nil
	case reflect.Slice, reflect.Array:
		s := make([]any, v.Len())
		for i := range s {
			x, err := canonical(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			s[i] = x
		}
		return s, nil
	case reflect.Map:
		type kv struct {
			key string
			val reflect.Value
		}
		var kvs []kv
		iter := v.MapRange()
		for iter.Next() {
			kvs = append(kvs, kv{fmt.Sprint(iter.Key().Interface()), iter.Value()})
		}
		sort.Slice(kvs, func(i, j int) bool { return kvs[i].key < kvs[j].key })
		o := make(object, 0, len(kvs))
		for _, e := range kvs {
			x, err := canonical(e.val, joinPath(path, e.key))
			if err != nil {
				return nil, err
			}
			o = append(o, member{e.key, x})
		}
		return o, nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("datasets: %s: must be a finite number, got %v", path, f)
		}
		return f, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.String:
		return v.String(), nil
	case reflect.Invalid:
		return nil, nil
	}
	return nil, fmt.Errorf("datasets: %s: cannot write a %s as JSON", path, v.Type())
}
