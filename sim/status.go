package sim

// Status: visits to the Updates tab, statuses viewed, and the ads shown
// between them.

// statusState is what the Status process keeps for a run: the tables it
// draws the advertiser of an ad from (the viewers' own records are
// runner.view).
type statusState struct {
	advAlias []alias   // per category, advertisers by size
	advBiz   [][]int32 // per category
	advCat   alias     // categories by number of advertisers
}

// initAds sets the tables of advertisers by category, when the arm shows
// ads.
func (r *runner) initAds() {
	if r.plat.Ads == nil {
		return
	}
	r.status.advAlias = make([]alias, r.c)
	r.status.advBiz = make([][]int32, r.c)
	counts := make([]float64, r.c)
	for c := 0; c < r.c; c++ {
		var w []float64
		for _, b := range r.pop.catBiz[c] {
			if r.pop.Advertiser[b] {
				r.status.advBiz[c] = append(r.status.advBiz[c], b)
				w = append(w, r.pop.Size[b])
			}
		}
		r.status.advAlias[c] = newAlias(w)
		counts[c] = float64(len(w))
	}
	r.status.advCat = newAlias(counts)
}

// adAnnoyAt is annoyAt for the annoyance from ads, kept in u's viewer
// record.
func (r *runner) adAnnoyAt(v *viewer, t float64, x float64) float64 {
	a := float64(v.adAnnoy) * fastExp(-r.decay*(t-float64(v.adT)))
	a += x
	v.adAnnoy = float32(a)
	v.adT = float32(t)
	return a
}

// status: u opens the Updates tab at hour h, views statuses of contacts,
// and sees ads between them.
func (w *worker) status(u, d int, h int32, s *Stream) {
	r := w.r
	t := float64(d) + float64(h)/24
	var adA float64
	vw := &r.view[u]
	mw, pw := float64(vw.views), vw.viewsP0
	if vw.adAnnoy > 0 {
		adA = r.adAnnoyAt(vw, t, 0)
		if r.beh.AdViewDrop > 0 {
			mw *= fastExp(-r.beh.AdViewDrop * adA)
			pw = fastExp(-mw)
		}
	}
	// Viewed: the least of statuses wanted and statuses available.
	v := s.minPoisson(mw, pw, float64(vw.supply), vw.supplyP0)
	w.day.StatusVisits++
	w.day.StatusViews += int64(v)
	ads := r.plat.Ads
	if ads == nil || r.us[u].flags&uAdOptOut != 0 || v == 0 || v < ads.FirstAfter || ads.AdLoad <= 0 {
		return
	}
	n := (v-ads.FirstAfter)/ads.AdLoad + 1
	if ads.FreqCapPerDay > 0 && n > ads.FreqCapPerDay {
		n = ads.FreqCapPerDay
	}
	price := ads.PricePerImpression[r.pop.Market[u]]
	seg := &w.seg[r.pop.Segment[u]]
	in := r.pop.Interest[u*r.c : (u+1)*r.c]
	// The day's and the segment's tallies take the visit's impressions at
	// once (the price is the same for all); each business its own.
	shown := int64(0)
	for i := 0; i < n; i++ {
		xTarget, xBiz := s.Pair()
		xClick, xOpt := s.Pair()
		// The category's uniform is xTarget given which side of
		// targeting it fell on, rescaled: uniform again, 31 bits or more.
		var c int
		if xTarget < ads.Targeting {
			c = r.pop.pickCategory(u, xTarget/ads.Targeting)
		} else {
			c = r.status.advCat.pick((xTarget - ads.Targeting) / (1 - ads.Targeting))
		}
		if c < 0 || len(r.status.advBiz[c]) == 0 {
			continue
		}
		b := int(r.status.advBiz[c][r.status.advAlias[c].pick(xBiz)])
		w.biz[b].impressions++
		w.chargeBusiness(b, price, SourceAds)
		shown++
		if w.r.audit != nil {
			w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditAdImpression, Channel: -1})
		}
		rel := float64(in[c])
		// Within one visit the time does not move: add without decay
		// (the level is stored when the visit ends; nothing reads it
		// before).
		adA += r.beh.AnnoyAd * r.unwanted(rel)
		if xClick < ads.CTR*rel/0.5 {
			w.day.AdClicks++
			w.conversation(u, b, d, h, true)
		}
		if ads.OptOut && r.reacts(xOpt, u, adA, 0, r.beh.AdOptOutRate*float64(r.pop.AdOptOutPropensity[u]), 0, r.beh.AdOptOutShape) {
			r.us[u].flags |= uAdOptOut
			w.day.AdOptOuts++
			seg.AdOptOuts++
			if w.r.audit != nil {
				w.emit(AuditEvent{Day: int32(d), Hour: h, User: int32(u), Business: int32(b), Kind: AuditAdOptOut, Channel: -1})
			}
			break
		}
	}
	if shown > 0 {
		w.day.AdImpressions += shown
		seg.AdImpressions += shown
		seg.AdCharges += Micros(shown) * price
		w.chargeDay(Micros(shown)*price, SourceAds)
		vw.adAnnoy, vw.adT = float32(adA), float32(t)
		w.gotAd = true
		if r.us[u].flags&uReachedAd == 0 {
			r.us[u].flags |= uReachedAd
			w.day.ReachAdsCum++
		}
	}
}
