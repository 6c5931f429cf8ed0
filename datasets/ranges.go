package datasets

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/msgmon/msgmon/sim/experiment/design"
)

// The ranges of the assumptions: for every number no public source gives,
// a low, a high, a distribution and a sentence on how the range was chosen
// (datasets/ranges/assumptions.csv). A line names a scenario key path
// (key) or a calibration row (cal: the range of every key a scenario sets
// with !cal <id>); rows X.min and X.max of the calibration tables are the
// uniform range of row X. msgmon robust draws a slot's assumptions from
// these ranges.
//
//go:embed ranges/assumptions.csv
var rangesCSV []byte

// RangesFile is the embedded ranges table's name in problems.
const RangesFile = "datasets/ranges/assumptions.csv"

// rangeColumns is the header of a ranges table.
var rangeColumns = []string{"key", "cal", "low", "high", "distribution", "basis"}

// Distributions of a range.
const (
	DistUniform    = "uniform"
	DistLogUniform = "log-uniform"
	DistInteger    = "integer"
	// DistFixed is an assumption that is not drawn: a switch, a rule or
	// a unit, whose basis says why.
	DistFixed = "fixed"
)

var distributions = []string{DistUniform, DistLogUniform, DistInteger, DistFixed}

// Range is the range of one assumption.
type Range struct {
	Key          string // scenario key path, e.g. user.tolerance_median; or
	Cal          string // calibration row id
	Low, High    float64
	Distribution string
	Basis        string // how the range was chosen
	File         string
	Line         int
}

// Fixed reports whether the assumption is held, not drawn.
func (r Range) Fixed() bool { return r.Distribution == DistFixed }

// Where names the range's line, for messages: file:line, or the
// calibration rows it comes from.
func (r Range) Where() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// Parameter is the range as a design parameter named name.
func (r Range) Parameter(name string) design.Parameter {
	p := design.Parameter{Name: name, Lo: r.Low, Hi: r.High}
	switch r.Distribution {
	case DistLogUniform:
		p.Scale = design.Log
	case DistInteger:
		p.Integer = true
	}
	return p
}

// Ranges is a ranges table.
type Ranges struct {
	byKey, byCal map[string]Range
	rows         []Range
}

var (
	rangesOnce sync.Once
	rangesTab  *Ranges
	rangesErr  error
)

// AssumptionRanges returns the embedded ranges table, with the ranges of
// the calibration tables' X.min and X.max rows added.
func AssumptionRanges() (*Ranges, error) {
	rangesOnce.Do(func() {
		cal, err := Calibration()
		if err != nil {
			rangesErr = err
			return
		}
		rangesTab, rangesErr = ParseRanges(RangesFile, rangesCSV, cal)
	})
	return rangesTab, rangesErr
}

// ParseRanges reads a ranges table. Every line needs exactly one of key
// and cal, a known distribution, a basis, and low < high (low > 0 for
// log-uniform, whole numbers for integer; neither for fixed). A cal id
// must be an assumption row of cal; cal's X.min and X.max rows add the
// uniform range of row X unless the table gives one.
func ParseRanges(file string, data []byte, cal *CalTable) (*Ranges, error) {
	t := &Ranges{byKey: map[string]Range{}, byCal: map[string]Range{}}
	cr := csv.NewReader(bytes.NewReader(stripBOM(data)))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(rangeColumns)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if !slices.Equal(header, rangeColumns) {
		line, _ := cr.FieldPos(0)
		return nil, fmt.Errorf("%s:%d: header must be %s", file, line, strings.Join(rangeColumns, ","))
	}
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			break
		}
		line, _ := cr.FieldPos(0)
		r := Range{Key: strings.TrimSpace(rec[0]), Cal: strings.TrimSpace(rec[1]), Distribution: strings.TrimSpace(rec[4]),
			Basis: strings.TrimSpace(rec[5]), File: file, Line: line}
		name := r.Key
		if name == "" {
			name = "cal " + r.Cal
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %s", file, line, name, fmt.Sprintf(format, args...)))
		}
		switch {
		case (r.Key == "") == (r.Cal == ""):
			bad("give a key path or a calibration id (cal), not both or neither")
			continue
		case !slices.Contains(distributions, r.Distribution):
			bad("distribution %s: must be one of %s", ClipQ(r.Distribution), strings.Join(distributions, ", "))
			continue
		case r.Basis == "":
			bad("basis: say how the range was chosen (a published range, a neighbouring market, or a wide honest guess)")
			continue
		}
		if r.Cal != "" && cal != nil {
			row, ok := cal.Lookup(r.Cal)
			switch {
			case !ok:
				bad("%s", cal.unknownID(r.Cal))
				continue
			case !row.Assumption():
				bad("row %s has a source (%s): a range is for assumptions only", r.Cal, Clip(row.Source))
				continue
			}
		}
		if r.Fixed() {
			if strings.TrimSpace(rec[2]) != "" || strings.TrimSpace(rec[3]) != "" {
				bad("a fixed assumption has no low or high (leave them empty)")
				continue
			}
		} else {
			lo, err1 := strconv.ParseFloat(strings.TrimSpace(rec[2]), 64)
			hi, err2 := strconv.ParseFloat(strings.TrimSpace(rec[3]), 64)
			switch {
			case err1 != nil || err2 != nil || math.IsNaN(lo+hi) || math.IsInf(lo+hi, 0):
				bad("low %s and high %s must be finite numbers", ClipQ(rec[2]), ClipQ(rec[3]))
				continue
			case !(lo < hi):
				bad("low %v must be below high %v", lo, hi)
				continue
			case r.Distribution == DistLogUniform && !(lo > 0):
				bad("a log-uniform range needs low > 0, got %v", lo)
				continue
			case r.Distribution == DistInteger && (lo != math.Trunc(lo) || hi != math.Trunc(hi)):
				bad("an integer range needs whole numbers, got %v to %v", lo, hi)
				continue
			}
			r.Low, r.High = lo, hi
		}
		m, id := t.byKey, r.Key
		if r.Cal != "" {
			m, id = t.byCal, r.Cal
		}
		if prev, dup := m[id]; dup {
			bad("duplicate (first at line %d)", prev.Line)
			continue
		}
		m[id] = r
		t.rows = append(t.rows, r)
	}
	if cal != nil {
		for _, row := range cal.Rows() {
			id, ok := strings.CutSuffix(row.ID, ".min")
			if !ok {
				continue
			}
			hi, ok := cal.Lookup(id + ".max")
			if !ok {
				continue
			}
			if _, given := t.byCal[id]; given {
				continue
			}
			r := Range{Cal: id, Low: row.Value, High: hi.Value, Distribution: DistUniform,
				Basis: fmt.Sprintf("rows %s.min and .max: %s", id, Clip(row.Note)), File: row.File, Line: row.Line}
			if !(r.Low < r.High) {
				errs = append(errs, fmt.Errorf("%s:%d: id %s: the range's min %v must be below its max %v (%s:%d)", row.File, row.Line, row.ID, r.Low, r.High, hi.File, hi.Line))
				continue
			}
			t.byCal[id] = r
			t.rows = append(t.rows, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("datasets: ranges of the assumptions:\n%w", err)
	}
	return t, nil
}

// Key returns the range of a key path.
func (t *Ranges) Key(path string) (Range, bool) { r, ok := t.byKey[path]; return r, ok }

// Cal returns the range of a calibration row.
func (t *Ranges) Cal(id string) (Range, bool) { r, ok := t.byCal[id]; return r, ok }

// Rows returns every range, in file order, then those from X.min and X.max
// rows.
func (t *Ranges) Rows() []Range { return slices.Clone(t.rows) }

// Keys returns the key paths with a range, sorted.
func (t *Ranges) Keys() []string {
	ks := make([]string, 0, len(t.byKey))
	for k := range t.byKey {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ReadRanges reads a ranges file of the embedded table's format
// (RangesFile): a user's own ranges for some of the assumptions.
func ReadRanges(path string) (*Ranges, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cal, err := Calibration()
	if err != nil {
		return nil, err
	}
	return ParseRanges(path, data, cal)
}

// With returns the table with user's ranges in place of its own. A user
// range must be of an assumption the table has (a key path or a
// calibration row); anything else is an error naming its line.
func (t *Ranges) With(user *Ranges) (*Ranges, error) {
	out := &Ranges{byKey: maps.Clone(t.byKey), byCal: maps.Clone(t.byCal), rows: slices.Clone(t.rows)}
	var errs []error
	for _, r := range user.rows {
		m, id, kind := out.byKey, r.Key, "key"
		if r.Cal != "" {
			m, id, kind = out.byCal, r.Cal, "cal"
		}
		if _, ok := m[id]; !ok {
			var known []string
			for k := range m {
				known = append(known, k)
			}
			msg := fmt.Sprintf("%s: %s %s is not an assumption of %s; a ranges file changes the ranges of those", r.Where(), kind, ClipQ(id), RangesFile)
			if sg := suggestPath(id, known); sg != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", sg)
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		m[id] = r
		for i := range out.rows {
			if (kind == "key" && out.rows[i].Key == id) || (kind == "cal" && out.rows[i].Cal == id) {
				out.rows[i] = r
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
