package discover

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mathext"
)

// Restriction describes one restricted input of a box.
type Restriction struct {
	// Input is the index of the input and Name its name.
	Input int
	Name  string
	// Limit is the box's interval of the input.
	Limit Limit
	// Lower and Upper report whether the box's lower and upper limit lie
	// inside the data minimum and maximum of the input.
	Lower, Upper bool
	// QuasiP is the quasi-p-value of the restriction (Bryant and Lempert
	// 2010): the probability, under a binomial law with the
	// density of the box without this restriction, that a box of as many
	// cases holds at least as many cases of interest as this box does.
	// A small value says the restriction is unlikely to be a chance
	// improvement of the density.
	QuasiP float64
}

// Restrictions returns the restricted inputs of box b in input order, each
// with its quasi-p-value. For input j, let T and H be the number of cases
// and of cases of interest in b, and p the density of the box with both
// limits of j set back to the data minimum and maximum (among the same
// cases b was found among); the quasi-p-value is the one-sided binomial
// tail P(X ≥ H) for X ~ Binomial(T, p), computed as the regularised
// incomplete beta function I_p(H, T−H+1) (gonum mathext.RegIncBeta), equal
// to distuv.Binomial{N: T, P: p}.Survival(H−1) but accurate for tiny
// values. EMA Workbench computes the same test one limit at a time.
func (d *Data) Restrictions(b Box) []Restriction {
	var out []Restriction
	if len(b.Limits) != d.Inputs() {
		return nil
	}
	for j, l := range b.Limits {
		lo, hi := l.Lo > d.bounds[j].Lo, l.Hi < d.bounds[j].Hi
		if !lo && !hi {
			continue
		}
		relaxed := append([]Limit(nil), b.Limits...)
		relaxed[j] = d.bounds[j]
		idx := d.members(b.pool, relaxed)
		qp := math.NaN()
		if len(idx) > 0 {
			qp = binomialTail(b.N, b.NInterest, float64(d.countInterest(idx))/float64(len(idx)))
		}
		out = append(out, Restriction{Input: j, Name: d.names[j], Limit: l, Lower: lo, Upper: hi, QuasiP: qp})
	}
	return out
}

// binomialTail returns P(X ≥ h) for X ~ Binomial(n, p).
func binomialTail(n, h int, p float64) float64 {
	switch {
	case h <= 0:
		return 1
	case h > n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	return mathext.RegIncBeta(float64(h), float64(n-h+1), p)
}

// Format controls how Sentence writes numbers. The zero value writes limits
// with 3 significant digits and no units.
type Format struct {
	// Units holds an optional unit for each input, in input order,
	// written after each of its limits ("below 0.4 s"). Missing or empty
	// entries write no unit.
	Units []string
	// Digits is the number of significant digits of the limits; zero
	// means 3.
	Digits int
}

// FormatValue returns v rounded to digits significant digits (3 when digits
// is not positive), written without an exponent for magnitudes from 1e-6 to
// 1e15.
func FormatValue(v float64, digits int) string {
	if digits <= 0 {
		digits = 3
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	if err != nil {
		return strconv.FormatFloat(v, 'g', digits, 64)
	}
	if a := math.Abs(r); a != 0 && (a < 1e-6 || a >= 1e15) {
		return strconv.FormatFloat(r, 'g', digits, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Sentence renders box b as an English sentence, for example
//
//	tolerance_median below 0.4 and cpm above 3.2: 81 % of the cases of
//	interest (coverage), density 0.77, 12 % of all cases
//
// naming each restricted input with "below", "above" or "between … and …".
// A box with no restriction reads "all cases". f may be nil.
func (d *Data) Sentence(b Box, f *Format) string {
	if f == nil {
		f = &Format{}
	}
	num := func(j int, v float64) string {
		s := FormatValue(v, f.Digits)
		if j < len(f.Units) && f.Units[j] != "" {
			s += " " + f.Units[j]
		}
		return s
	}
	var parts []string
	for _, r := range d.Restrictions(b) {
		switch {
		case r.Lower && r.Upper:
			parts = append(parts, fmt.Sprintf("%s between %s and %s", r.Name, num(r.Input, r.Limit.Lo), num(r.Input, r.Limit.Hi)))
		case r.Lower:
			parts = append(parts, fmt.Sprintf("%s above %s", r.Name, num(r.Input, r.Limit.Lo)))
		default:
			parts = append(parts, fmt.Sprintf("%s below %s", r.Name, num(r.Input, r.Limit.Hi)))
		}
	}
	where := "all cases"
	if len(parts) > 0 {
		where = strings.Join(parts, " and ")
	}
	return fmt.Sprintf("%s: %.0f %% of the cases of interest (coverage), density %.2f, %.0f %% of all cases",
		where, 100*b.Coverage, b.Density, 100*b.Mass)
}
