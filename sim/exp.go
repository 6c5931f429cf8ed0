package sim

import "math"

// expTableBits is the number of index bits of the table of fastExp.
const expTableBits = 7

// expTable holds the bits of 2^(i/128), i = 0..127.
var expTable = func() (t [1 << expTableBits]uint64) {
	for i := range t {
		t[i] = math.Float64bits(math.Exp2(float64(i) / (1 << expTableBits)))
	}
	return t
}()

// fastExp is e^x, within 2 ulp of math.Exp (itself within 1 ulp of e^x),
// about three times as fast as math.Exp: x = (k/128)·ln 2 + r with
// |r| <= ln 2/256, e^x = 2^(k/128)·e^r, 2^(k/128) from a table and the
// exponent bits, e^r - 1 from its Taylor polynomial of degree 5 (the
// remainder, r^6/720 < 6e-19, is far below the rounding error). Outside
// |x| < 700, and for NaN, it is math.Exp.
func fastExp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	const (
		n      = 1 << expTableBits
		invLn2 = n / math.Ln2
		// ln 2/128 in two parts; the high part has 21 trailing zero
		// bits, so k·ln2Hi is exact for the |k| < 2^17 reached here.
		ln2Hi = 6.93147180369123816490e-01 / n
		ln2Lo = 1.90821492927058770002e-10 / n
		shift = 0x1.8p52 // adding it rounds to an integer
	)
	kd := x*invLn2 + shift
	k := int64(math.Float64bits(kd)) - int64(math.Float64bits(shift))
	kd -= shift
	r := (x - kd*ln2Hi) - kd*ln2Lo
	scale := math.Float64frombits(expTable[k&(n-1)] + uint64(k>>expTableBits)<<52)
	r2 := r * r
	p := r + r2*(0.5+r*(1.0/6)) + r2*r2*((1.0/24)+r*(1.0/120))
	return scale + scale*p
}
