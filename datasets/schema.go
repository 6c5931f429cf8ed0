package datasets

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/msgmon/msgmon/sim"
)

// SchemaID is the $id of the scenario JSON Schema.
const SchemaID = "https://github.com/msgmon/msgmon/datasets/scenario.schema.json"

// JSONSchema returns a JSON Schema (draft 2020-12) of the scenario format,
// made by reflection over Scenario, sim.Config and the parameters of every
// registered model: yaml tags name the properties, range tags give minimum
// and maximum, enum tags enum, doc tags description, and the defaults are
// included. Every object is closed (additionalProperties: false). The
// schema is stricter than the loader in one way: it does not accept null
// for a section to mean its defaults, except for a model's entry.
func JSONSchema() ([]byte, error) {
	def := newScenario()
	v := reflect.ValueOf(def).Elem()
	props := object{}
	for _, f := range fieldsOf(v.Type()).list {
		var s object
		var err error
		switch f.name {
		case "models":
			s, err = modelsSchema()
			if err == nil {
				s = append(s, member{"description", f.doc})
			}
		default:
			s, err = fieldSchema(f, v.FieldByIndex(f.index), f.name)
		}
		if err != nil {
			return nil, err
		}
		props = append(props, member{f.name, s})
	}
	schema := object{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", SchemaID},
		{"title", "msgmon scenario"},
		{"description", "A msgmon scenario: population and behaviour, monetization models and the arms to compare. Keys left out keep their defaults."},
		{"type", "object"},
		{"properties", props},
		{"additionalProperties", false},
	}
	b, err := schema.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("datasets: schema: %w", err)
	}
	return b, nil
}

// modelsSchema describes the models: mapping: one optional property per
// registered model, its parameters plus enabled.
func modelsSchema() (object, error) {
	props := object{}
	for _, f := range sim.Registered() {
		var s object
		if f.NewParams != nil {
			params := f.NewParams()
			pv := reflect.ValueOf(params)
			for pv.Kind() == reflect.Pointer && !pv.IsNil() {
				pv = pv.Elem()
			}
			if pv.IsValid() {
				var err error
				s, err = typeSchema(pv.Type(), pv, "models."+f.Name)
				if err != nil {
					return nil, err
				}
			}
		}
		if s == nil {
			s = object{{"type", "object"}, {"properties", object{}}, {"additionalProperties", false}}
		}
		enabled := member{"enabled", object{{"type", "boolean"}, {"description", "false leaves the model out of every arm"}, {"default", true}}}
		for i := range s {
			switch s[i].Key {
			case "type":
				if s[i].Value == "object" {
					s[i].Value = []any{"object", "null"}
				}
			case "properties":
				s[i].Value = append(s[i].Value.(object), enabled)
			}
		}
		if f.Summary != "" {
			s = append(s, member{"description", f.Summary})
		}
		props = append(props, member{f.Name, s})
	}
	return object{{"type", "object"}, {"properties", props}, {"additionalProperties", false}}, nil
}

// fieldSchema is the schema of one struct field with the value v holding
// its default: the type's schema with the field's doc, range and enum.
func fieldSchema(f field, v reflect.Value, path string) (object, error) {
	s, err := typeSchema(f.typ, v, path)
	if err != nil {
		return nil, err
	}
	if f.doc != "" {
		s = append(s, member{"description", f.doc})
	}
	if f.enum != "" {
		var vals []any
		for _, e := range strings.Split(f.enum, ",") {
			vals = append(vals, e)
		}
		s = append(s, member{"enum", vals})
	}
	if f.rng != "" {
		lo, hi, err := sim.ParseRange(f.rng)
		if err != nil {
			return nil, fmt.Errorf("datasets: schema: %s: %w", path, err)
		}
		s = withBounds(s, lo, hi)
	}
	if v.IsValid() {
		if x, err := canonical(v, path); err == nil && x != nil && x != "" {
			s = append(s, member{"default", x})
		}
	}
	return s, nil
}

// withBounds adds minimum and maximum to a number schema, or to the items
// of an array or the values of a map of numbers, as the range tag applies.
func withBounds(s object, lo, hi float64) object {
	for i, m := range s {
		switch m.Key {
		case "items", "additionalProperties":
			if inner, ok := m.Value.(object); ok {
				s[i].Value = withBounds(inner, lo, hi)
			}
			return s
		}
	}
	for i, m := range s {
		if m.Key == "minimum" { // an unsigned type's 0
			if x, ok := m.Value.(int); ok && float64(x) > lo {
				lo = float64(x)
			}
			s = append(s[:i], s[i+1:]...)
			break
		}
	}
	return append(s, member{"minimum", lo}, member{"maximum", hi})
}

// typeSchema is the schema of a Go type; v, when valid, holds defaults of
// its fields.
func typeSchema(t reflect.Type, v reflect.Value, path string) (object, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		if v.IsValid() {
			if v.IsNil() {
				v = reflect.Value{}
			} else {
				v = v.Elem()
			}
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		props := object{}
		for _, f := range fieldsOf(t).list {
			var fv reflect.Value
			if v.IsValid() {
				fv = v.FieldByIndex(f.index)
			}
			s, err := fieldSchema(f, fv, joinPath(path, f.name))
			if err != nil {
				return nil, err
			}
			props = append(props, member{f.name, s})
		}
		return object{{"type", "object"}, {"properties", props}, {"additionalProperties", false}}, nil
	case reflect.Slice, reflect.Array:
		items, err := typeSchema(t.Elem(), reflect.Value{}, path+"[]")
		if err != nil {
			return nil, err
		}
		s := object{{"type", "array"}, {"items", items}}
		if t.Kind() == reflect.Array {
			s = append(s, member{"minItems", t.Len()}, member{"maxItems", t.Len()})
		}
		return s, nil
	case reflect.Map:
		vals, err := typeSchema(t.Elem(), reflect.Value{}, path+".*")
		if err != nil {
			return nil, err
		}
		return object{{"type", "object"}, {"additionalProperties", vals}}, nil
	case reflect.Interface:
		return object{}, nil
	case reflect.Bool:
		return object{{"type", "boolean"}}, nil
	case reflect.String:
		return object{{"type", "string"}}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return object{{"type", "integer"}}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return object{{"type", "integer"}, {"minimum", 0}}, nil
	case reflect.Float32, reflect.Float64:
		return object{{"type", "number"}}, nil
	}
	return nil, fmt.Errorf("datasets: schema: %s: no JSON Schema for Go type %s", path, t)
}
