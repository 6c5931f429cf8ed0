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
// probability 1 - exp(-rate·(a/tolerance)^shape) of user u at annoyance a.
// Since 1 - exp(-z) <= z, an x at or above z is no reaction without
// computing the exp: the answer is the same, and that is the usual case.
func (r *runner) reacts(x float64, u int, a, rate float64) bool {
	y := a / float64(r.pop.Tolerance[u])
	if r.beh.ReactShape == 2 {
		y *= y
	} else {
		y = math.Pow(y, r.beh.ReactShape)
	}
	z := rate * y
	if x >= z {
		return false
	}
	return x < -math.Expm1(-z)
}

func (r *runner) unwanted(rel float64) float64 {
	return r.beh.AnnoyBase + (1-r.beh.AnnoyBase)*(1-rel)
}
