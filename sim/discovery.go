package sim

// Discovery: new follows by Bass diffusion, p from discovery and q from word
// of mouth over the social graph (or the whole population when mixed).

import "math"

// discState is what the discovery process keeps for a run: the hazards of
// discovery by category and business, and on a social graph each user's
// daily chance of a discovery or word-of-mouth event.
type discState struct {
	discCat   []float64 // per category, hazard per day of interest weight 1
	discAlias []alias
	discW     []float64
	discP     []float64 // p part of each business's weight (for attribution)
	womRate   float64
	// The probability of a discovery or word-of-mouth event a day (graph
	// mode), and the share of it that is discovery.
	discProb  []float32
	discShare []float32
}

// initDiscovery allocates the discovery state and sets the businesses'
// hazards; on a graph the users' probabilities are set with the users'
// other constants (initUserConstants).
func (r *runner) initDiscovery() {
	r.disc.discCat = make([]float64, r.c)
	r.disc.discAlias = make([]alias, r.c)
	r.disc.discW = make([]float64, r.m)
	r.disc.discP = make([]float64, r.m)
	for b := 0; b < r.m; b++ {
		r.disc.discP[b] = r.beh.BassP * r.pop.Potential[b] / 365
	}
	// Word of mouth samples a contact's slot: the rate per user-day that
	// makes the adoption hazard q * (share of contacts following) * (interest/0.5).
	r.disc.womRate = 2 * r.beh.BassQ / 365 * float64(r.k)
	if r.pop.Graph != nil {
		r.disc.discProb = make([]float32, r.n)
		r.disc.discShare = make([]float32, r.n)
		r.rebuildDiscovery(false)
	}
}

// rebuildDiscovery sets each category's total discovery hazard and the
// alias table of its businesses. With mixed set (no graph) the imitation
// term q * followers/N is included, from yesterday's follower counts.
func (r *runner) rebuildDiscovery(mixed bool) {
	for c := 0; c < r.c; c++ {
		bs := r.pop.catBiz[c]
		w := r.disc.discW[:len(bs)]
		total := 0.0
		for i, b := range bs {
			x := r.disc.discP[b]
			if mixed {
				x += r.beh.BassQ / 365 * float64(r.followers[b]) / float64(r.n)
			}
			w[i] = x
			total += x
		}
		r.disc.discCat[c] = total
		r.disc.discAlias[c].rebuild(w)
	}
}

// discoveryHazard returns u's daily hazards of a discovery (Bass p) and a
// word-of-mouth (Bass q, graph mode) event, before u's propensity to follow
// (a factor on both) is applied.
func (r *runner) discoveryHazard(u int) (lp, lq float64) {
	for c, x := range r.pop.Interest[u*r.c : (u+1)*r.c] {
		lp += 2 * float64(x) * r.disc.discCat[c]
	}
	if g := r.pop.Graph; g != nil && g.Degree(u) > 0 {
		lq = r.disc.womRate
	}
	return lp, lq
}

// discover: new follows by Bass diffusion, p from discovery and q from word
// of mouth (contacts' follows yesterday, or everyone's on a mixed population).
func (w *worker) discover(u, d int) {
	r := w.r
	in := r.pop.Interest[u*r.c : (u+1)*r.c]
	g := r.pop.Graph
	var prob, share, lp float64
	var s Stream
	if g != nil {
		if r.us[u].nextDisc != int16(d) {
			return
		}
		s = newStream(r.sDisc, u, d)
		r.us[u].nextDisc = dayOf(int32(d) + s.Geometric(float64(r.disc.discProb[u])))
		share = float64(r.disc.discShare[u])
	} else {
		lp, _ = r.discoveryHazard(u)
		if lp <= 0 {
			return
		}
		prob, share = -math.Expm1(-lp*float64(r.pop.FollowPropensity[u])), 1
		s = newStream(r.sDisc, u, d)
		if s.Float64() >= prob {
			return
		}
	}
	x, y, z := s.Float64(), s.Float64(), s.Float64()
	var b int32 = -1
	wom := false
	if x < share {
		if g != nil {
			lp, _ = r.discoveryHazard(u)
		}
		// Category by interest times hazard, then business by hazard.
		t := y * lp
		c := len(in) - 1
		for i, v := range in {
			t -= 2 * float64(v) * r.disc.discCat[i]
			if t < 0 {
				c = i
				break
			}
		}
		bs := r.pop.catBiz[c]
		if len(bs) == 0 {
			return
		}
		b = bs[r.disc.discAlias[c].pick(z)]
		if g == nil {
			// Mixed population: attribute to word of mouth by the share of
			// the q term in the business's hazard.
			q := r.beh.BassQ / 365 * float64(r.followers[b]) / float64(r.n)
			wom = s.Float64()*(q+r.disc.discP[b]) < q
		}
	} else {
		cs := g.Contacts(u)
		v := int(cs[int(y*float64(len(cs)))%len(cs)])
		b = r.snap[v*r.k+int(z*float64(r.k))%r.k]
		if b < 0 || s.Float64() >= float64(in[r.pop.Category[b]]) {
			return
		}
		wom = true
	}
	now := int32(d)*24 + 23
	j := r.findSlot(u, b)
	if j < 0 {
		j, _ = r.newSlot(u, b, now) // the day's kept-back campaigns are settled by now (no evict)
		if j < 0 {
			return
		}
	}
	src := &w.day.FollowsDiscovery
	if wom {
		src = &w.day.FollowsWOM
	}
	w.follow(u, j, d, 23, src)
}
