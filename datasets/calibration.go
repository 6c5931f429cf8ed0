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
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The calibration tables: one row per fact of the domain brief (rate card,
// platform rules, behavioural figures), each with its source, and a row for
// every number a preset needs that no public source gives, whose source says
// so. Presets take their numbers from these rows with the !cal tag.
//
//go:embed calibration/*.csv
var calibrationFS embed.FS

// calColumns is the header every calibration table starts with.
var calColumns = []string{"id", "value", "unit", "market", "category", "source", "source_date", "confidence", "note"}

// AssumptionSource is the source of a row no public source gives: a
// parameter to sweep, not a constant.
const AssumptionSource = "assumption (not public; sweep it)"

// CalRow is one fact of a calibration table.
type CalRow struct {
	ID         string  // unique over all tables, e.g. whatsapp.marketing.DE
	Value      float64 // finite
	Unit       string
	Market     string // market code where the fact depends on it
	Category   string // message category (marketing, utility, service) where relevant
	Source     string // where the number comes from, or AssumptionSource
	SourceDate string // date of the source as far as known ("undated" for current docs)
	Confidence string // high, medium, low; none for assumptions
	Note       string
	File       string // table file, e.g. calibration/whatsapp_rates.csv
	Line       int
}

// Assumption reports whether the row is an assumption rather than a fact.
func (r CalRow) Assumption() bool { return r.Source == AssumptionSource }

// CalTable is the calibration tables together, rows in file and line order.
type CalTable struct {
	rows []CalRow
	byID map[string]int
}

var (
	calOnce  sync.Once
	calTable *CalTable
	calErr   error
)

// Calibration returns the embedded calibration tables.
func Calibration() (*CalTable, error) {
	calOnce.Do(func() {
		entries, err := fs.ReadDir(calibrationFS, "calibration")
		if err != nil {
			calErr = fmt.Errorf("datasets: calibration tables: %w", err)
			return
		}
		files := map[string][]byte{}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".csv") {
				continue
			}
			name := "calibration/" + e.Name()
			data, err := fs.ReadFile(calibrationFS, name)
			if err != nil {
				calErr = fmt.Errorf("datasets: %w", err)
				return
			}
			files[name] = data
		}
		calTable, calErr = ParseCalibration(files)
	})
	return calTable, calErr
}

// ParseCalibration reads calibration tables (file name → CSV text) into one
// table, checking the header, that every row has an id, a finite value and
// a source, and that ids are unique over all files. Files are read in name
// order.
func ParseCalibration(files map[string][]byte) (*CalTable, error) {
	t := &CalTable{byID: map[string]int{}}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		rows, err := parseCalFile(name, files[name])
		errs = append(errs, err)
		for _, r := range rows {
			if i, dup := t.byID[r.ID]; dup {
				prev := t.rows[i]
				errs = append(errs, fmt.Errorf("%s:%d: id %s: duplicate (first at %s:%d)", r.File, r.Line, r.ID, prev.File, prev.Line))
				continue
			}
			t.byID[r.ID] = len(t.rows)
			t.rows = append(t.rows, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("datasets: calibration tables:\n%w", err)
	}
	return t, nil
}

func parseCalFile(name string, data []byte) ([]CalRow, error) {
	cr := csv.NewReader(bytes.NewReader(stripBOM(data)))
	cr.FieldsPerRecord = len(calColumns)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Equal(header, calColumns) {
		return nil, fmt.Errorf("%s:1: header must be %s", name, strings.Join(calColumns, ","))
	}
	var rows []CalRow
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rows, errors.Join(append(errs, fmt.Errorf("%s: %w", name, err))...)
		}
		line, _ := cr.FieldPos(0)
		r := CalRow{ID: strings.TrimSpace(rec[0]), Unit: rec[2], Market: rec[3], Category: rec[4],
			Source: strings.TrimSpace(rec[5]), SourceDate: strings.TrimSpace(rec[6]), Confidence: rec[7], Note: rec[8],
			File: name, Line: line}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: id %s: %s", name, line, r.ID, fmt.Sprintf(format, args...)))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		switch {
		case r.ID == "" || strings.ContainsAny(r.ID, " \t"):
			bad("needs an id without spaces")
			continue
		case err != nil:
			bad("value %q is not a number", rec[1])
			continue
		case math.IsNaN(v) || math.IsInf(v, 0):
			bad("value must be finite, got %s", rec[1])
			continue
		case r.Source == "":
			bad("needs a source (or %q)", AssumptionSource)
			continue
		case r.SourceDate == "" && !r.Assumption():
			bad("needs a source date (or \"undated\")")
			continue
		}
		r.Value = v
		rows = append(rows, r)
	}
	return rows, errors.Join(errs...)
}

// Lookup returns the row of an id.
func (t *CalTable) Lookup(id string) (CalRow, bool) {
	i, ok := t.byID[id]
	if !ok {
		return CalRow{}, false
	}
	return t.rows[i], true
}

// Rows returns every row, in file and line order.
func (t *CalTable) Rows() []CalRow { return slices.Clone(t.rows) }

// IDs returns every id, sorted.
func (t *CalTable) IDs() []string {
	ids := make([]string, len(t.rows))
	for i, r := range t.rows {
		ids[i] = r.ID
	}
	sort.Strings(ids)
	return ids
}

// unknownID says that a calibration id is unknown, with the closest id or
// the ids that share its first part.
func (t *CalTable) unknownID(id string) string {
	msg := fmt.Sprintf("unknown calibration id %s", ClipQ(id))
	if s := suggest(id, t.IDs()); s != "" {
		return msg + fmt.Sprintf(" (did you mean %s?)", s)
	}
	prefix, _, _ := strings.Cut(id, ".")
	var near []string
	for _, x := range t.IDs() {
		if strings.HasPrefix(x, prefix+".") {
			near = append(near, x)
		}
	}
	if len(near) > 0 && len(near) <= 12 {
		return msg + "; ids starting with " + prefix + ".: " + strings.Join(near, ", ")
	}
	return msg + "; the ids are the first column of datasets/calibration/*.csv"
}
