package sim

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// FieldError is a problem with one field of a scenario, named by its path
// of YAML keys (e.g. "models.paid_push.price.DE").
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// FieldErrors is every problem found in one check.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// CheckRanges walks v (a pointer to a struct) and checks every field with a
// range:"lo,hi" tag against the closed interval and every field with an
// enum:"a,b" tag against its values; NaN and infinities are rejected. The
// paths in the errors are built from yaml tags under prefix.
func CheckRanges(v any, prefix ...string) error {
	var errs FieldErrors
	checkValue(reflect.ValueOf(v), strings.Join(prefix, "."), &errs)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func checkValue(v reflect.Value, path string, errs *FieldErrors) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			p := joinPath(path, name)
			fv := v.Field(i)
			if r := f.Tag.Get("range"); r != "" {
				checkRange(fv, p, r, errs)
			}
			if e := f.Tag.Get("enum"); e != "" && fv.Kind() == reflect.String {
				ok := false
				for _, s := range strings.Split(e, ",") {
					ok = ok || fv.String() == s
				}
				if !ok {
					*errs = append(*errs, &FieldError{p, fmt.Sprintf("must be one of %s, got %q", strings.ReplaceAll(e, ",", ", "), fv.String())})
				}
			}
			checkValue(fv, p, errs)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			checkValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			checkValue(iter.Value(), joinPath(path, fmt.Sprint(iter.Key().Interface())), errs)
		}
	}
}

// ParseRange returns the bounds of a range tag.
func ParseRange(tag string) (lo, hi float64, err error) {
	parts := strings.Split(tag, ",")
	if len(parts) != 2 {
		return 0, 0, fmt.Errorf("sim: bad range tag %q", tag)
	}
	if lo, err = strconv.ParseFloat(parts[0], 64); err != nil {
		return 0, 0, err
	}
	hi, err = strconv.ParseFloat(parts[1], 64)
	return lo, hi, err
}

func checkRange(v reflect.Value, path, tag string, errs *FieldErrors) {
	lo, hi, err := ParseRange(tag)
	if err != nil {
		panic(err) // a caller bug: the tag is in the source
	}
	check := func(x float64, p string) {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			*errs = append(*errs, &FieldError{p, fmt.Sprintf("must be a finite number in [%g, %g], got %v", lo, hi, x)})
		case x < lo || x > hi:
			*errs = append(*errs, &FieldError{p, fmt.Sprintf("must be in [%g, %g], got %v", lo, hi, x)})
		}
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		check(float64(v.Int()), path)
	case reflect.Float32, reflect.Float64:
		check(v.Float(), path)
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			x := iter.Value()
			if x.Kind() == reflect.Float64 || x.Kind() == reflect.Float32 {
				check(x.Float(), joinPath(path, fmt.Sprint(iter.Key().Interface())))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			x := v.Index(i)
			if x.Kind() == reflect.Float64 || x.Kind() == reflect.Int {
				check(x.Convert(reflect.TypeOf(0.0)).Float(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
}
