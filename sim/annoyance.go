package sim

// Annoyance: how unwanted messages build up annoyance, how it decays, and
// the reaction hazard it drives.

import "math"

// annoyAt decays u's annoyance to time t (days) and adds x; it returns the
// new level.
func (r *runner) annoyAt(u int, t float64, x float64) float64 {
	a := float64(r.us[u].annoy) * fastExp(-r.decay*(t-float64(r.us[u].annoyT)))
	a += x
	r.us[u].annoy = float32(a)
	r.us[u].annoyT = float32(t)
	return a
}

// reacts reports whether the uniform x falls below the reaction
// probability 1 - exp(-z) of user u after a message that added annoyance
// dx to the level a, with z = base·dx/T + rate·(a/T)^shape and T the
// user's tolerance: the first term is the hazard of the message itself
// (a first push can be one too many), the second that of the annoyance
// built up (calibration, models/ODD.md 7.8). Ads pass base 0 and their
// own shape.
// Since 1 - exp(-z) <= z, an x at or above z is no reaction without
// computing the exp: the answer is the same, and that is the usual case.
// Likewise for the power: with y = a/T at most 1 and a shape of at least
// 1, y^shape <= y, also as computed (the exact power is below y, a
// float64, and rounding is monotone; so are the products and the sum
// after it), so an x at or above z with y in place of y^shape is no
// reaction either, without math.Pow.
func (r *runner) reacts(x float64, u int, a, dx, rate, base, shape float64) bool {
	inv := 1 / float64(r.pop.Tolerance[u])
	y := a * inv
	if shape == 2 {
		y *= y
	} else {
		if shape >= 1 && y <= 1 && x >= rate*y+base*dx*inv {
			return false
		}
		y = math.Pow(y, shape)
	}
	z := rate*y + base*dx*inv
	if x >= z {
		return false
	}
	return x < -math.Expm1(-z)
}

func (r *runner) unwanted(rel float64) float64 {
	return r.beh.AnnoyBase + (1-r.beh.AnnoyBase)*(1-rel)
}
