package sim_test

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// The propensities to follow and to turn ads off are log-normal factors
// with mean 1 and the configured sigma: the sample mean, and the mean and
// standard deviation of the logs, within 4.5 standard errors. With sigma 0,
// or a homogeneous population, every factor is exactly 1.
func TestPropensitiesAreLogNormal(t *testing.T) {
	cfg := smallConfig(50000, 20, 1)
	cfg.User.FollowPropensitySigma, cfg.User.AdOptOutSigma = 0.5, 1.2
	pop, err := sim.NewPopulation(&cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		x     []float32
		sigma float64
	}{
		{"follow", pop.FollowPropensity, cfg.User.FollowPropensitySigma},
		{"ad opt-out", pop.AdOptOutPropensity, cfg.User.AdOptOutSigma},
	} {
		n := float64(len(c.x))
		var sum, sl, sl2 float64
		for _, v := range c.x {
			sum += float64(v)
			l := math.Log(float64(v))
			sl += l
			sl2 += l * l
		}
		mean, lmean := sum/n, sl/n
		lsd := math.Sqrt(sl2/n - lmean*lmean)
		s2 := c.sigma * c.sigma
		if se := math.Sqrt(math.Expm1(s2) / n); math.Abs(mean-1) > 4.5*se {
			t.Errorf("%s: mean %.4f, want 1 ± %.4f", c.name, mean, 4.5*se)
		}
		if se := c.sigma / math.Sqrt(n); math.Abs(lmean+s2/2) > 4.5*se {
			t.Errorf("%s: mean log %.4f, want %.4f ± %.4f", c.name, lmean, -s2/2, 4.5*se)
		}
		// The sample sd of n normals has standard error sigma/sqrt(2n).
		if se := c.sigma / math.Sqrt(2*n); math.Abs(lsd-c.sigma) > 4.5*se {
			t.Errorf("%s: sd of log %.4f, want %.4f ± %.4f", c.name, lsd, c.sigma, 4.5*se)
		}
	}

	// Each factor depends on its own spread only: a sweep of one keeps
	// the other's values (common random numbers).
	other := cfg
	other.User.FollowPropensitySigma = 0
	pop0, err := sim.NewPopulation(&other, 3)
	if err != nil {
		t.Fatal(err)
	}
	for u := range pop.N {
		if pop0.AdOptOutPropensity[u] != pop.AdOptOutPropensity[u] || pop0.FollowPropensity[u] != 1 {
			t.Fatalf("user %d: ad opt-out propensity %v with a follow spread, %v without",
				u, pop.AdOptOutPropensity[u], pop0.AdOptOutPropensity[u])
		}
	}

	for _, set := range []func(*sim.Config){
		func(c *sim.Config) { c.User.FollowPropensitySigma, c.User.AdOptOutSigma = 0, 0 },
		func(c *sim.Config) { c.User.Homogeneous = true },
	} {
		cfg := smallConfig(2000, 20, 1)
		set(&cfg)
		pop, err := sim.NewPopulation(&cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		for u := range pop.N {
			if pop.FollowPropensity[u] != 1 || pop.AdOptOutPropensity[u] != 1 {
				t.Fatalf("user %d: propensities %v, %v with no spread", u, pop.FollowPropensity[u], pop.AdOptOutPropensity[u])
			}
		}
	}
}

// Users more prone to follow follow more. With discovery only (q = 0) on a
// fully mixed population and no follows at the start, user u has the
// daily hazard f_u·λ_u of finding a business, λ_u = Σ_c 2·Interest_{u,c}·D_c
// and D_c = Σ_{b in c} p·Potential_b/365 (model document, 7.10), so u
// follows some business by day T with probability P_u = 1 − exp(−f_u·λ_u·T).
// The mean propensity of the users who followed is then Σ f_u P_u / Σ P_u,
// worked out here from the population's own traits; the run must match it
// within 4.5 standard errors of that ratio (and it must differ from the
// population mean of 1, or the test would show nothing).
func TestFollowPropensityScalesDiscovery(t *testing.T) {
	cfg := quiet(40000, 60, 60)
	cfg.User.Homogeneous = false
	cfg.User.FollowsAtStart = 0
	cfg.User.FollowPropensitySigma = 0.8
	cfg.Graph.Kind = "fully_mixed"
	cfg.Behaviour.BassP, cfg.Behaviour.BassQ = 0.1, 0
	pop, err := sim.NewPopulation(&cfg, 9)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	followed := map[int32]bool{}
	if _, err := runWithAudit(pop, plat, 4, func(evs []sim.AuditEvent) {
		for _, e := range evs {
			if e.Kind == sim.AuditFollow {
				followed[e.User] = true
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	dc := make([]float64, pop.C)
	for b := range pop.M {
		dc[pop.Category[b]] += cfg.Behaviour.BassP * pop.Potential[b] / 365
	}
	var sumP, sumFP, got float64
	ps := make([]float64, pop.N)
	for u := range pop.N {
		lam := 0.0
		for c := range pop.C {
			lam += 2 * float64(pop.Interest[u*pop.C+c]) * dc[c]
		}
		f := float64(pop.FollowPropensity[u])
		p := -math.Expm1(-f * lam * float64(cfg.Days))
		ps[u] = p
		sumP += p
		sumFP += f * p
		if followed[int32(u)] {
			got += f
		}
	}
	want := sumFP / sumP
	// The ratio of sums of independent Bernoulli terms: by the delta
	// method its variance is Σ P(1-P)(f - want)² / (Σ P)².
	var v float64
	for u, p := range ps {
		d := float64(pop.FollowPropensity[u]) - want
		v += p * (1 - p) * d * d
	}
	se := math.Sqrt(v) / sumP
	n := float64(len(followed))
	if n < 1000 {
		t.Fatalf("only %v users followed: too few to test", n)
	}
	got /= n
	t.Logf("%v of %d users followed (expected %.0f); their mean propensity %.4f, expected %.4f ± %.4f",
		n, pop.N, sumP, got, want, 4.5*se)
	if math.Abs(got-want) > 4.5*se {
		t.Errorf("followers' mean propensity %.4f, expected %.4f ± %.4f", got, want, 4.5*se)
	}
	if want-1 < 9*se {
		t.Errorf("expected mean %.4f too close to 1 (± %.4f): the test cannot tell propensity from none", want, 4.5*se)
	}
	if math.Abs(n-sumP) > 4.5*math.Sqrt(sumP) {
		t.Errorf("%v users followed, expected %.0f ± %.0f", n, sumP, 4.5*math.Sqrt(sumP))
	}
}

// Users more prone to turn ads off do. User u turns ads off by the end of
// the run with probability P(a_u) = 1 − exp(−a_u·Λ_u), a_u the propensity
// and Λ_u the rest of u's cumulative hazard, independent of a_u. Since P is
// increasing and concave in a, the mean propensity of those who opted out
// lies between E[a] = 1 (every user saturated) and E[a²]/E[a] =
// exp(sigma²) (small hazards): beyond 1 by more than 4.5 standard errors,
// and not above exp(sigma²) by more.
func TestAdOptOutPropensity(t *testing.T) {
	cfg := smallConfig(20000, 100, 60)
	cfg.User.AdOptOutSigma = 0.7
	cfg.Behaviour.AdOptOutRate = 0.01
	pop, err := sim.NewPopulation(&cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	plat, err := sim.NewPlatform(&cfg, newModel[models.StatusAdsParams](t, "status_ads", nil))
	if err != nil {
		t.Fatal(err)
	}
	var sum, sum2, n float64
	if _, err := runWithAudit(pop, plat, 6, func(evs []sim.AuditEvent) {
		for _, e := range evs {
			if e.Kind == sim.AuditAdOptOut {
				a := float64(pop.AdOptOutPropensity[e.User])
				sum += a
				sum2 += a * a
				n++
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if n < 200 {
		t.Fatalf("only %v users turned ads off: too few to test", n)
	}
	mean := sum / n
	se := math.Sqrt((sum2/n - mean*mean) / n)
	hi := math.Exp(cfg.User.AdOptOutSigma * cfg.User.AdOptOutSigma)
	t.Logf("%v users turned ads off; their mean propensity %.4f ± %.4f (bounds 1 and %.4f)", n, mean, se, hi)
	if mean < 1+4.5*se || mean > hi+4.5*se {
		t.Errorf("mean propensity of users who turned ads off %.4f ± %.4f, want between 1 and %.4f", mean, se, hi)
	}
}

// Businesses differ in service capacity: log-normal across businesses with
// median service_capacity (the log's mean and sd within 4.5 standard
// errors), and one with less capacity leaves more conversations
// unanswered. With a bot and a person both costing 1 USD a conversation,
// a business's service cost counts its answered conversations exactly; the
// quarter of businesses with the least capacity must answer a smaller
// share than the quarter with the most, by more than 4.5 standard errors
// of the difference of the two groups' means.
func TestServiceCapacitySpread(t *testing.T) {
	cfg := smallConfig(20000, 200, 60)
	cfg.Business.ServiceCapacity, cfg.Business.ServiceCapacitySigma = 1, 0.6
	cfg.Business.BotCost, cfg.Business.AgentCost = 1, 1
	pop, _, res := run(t, cfg, 8, sim.RunSpec{})

	n := float64(pop.M)
	var sl, sl2 float64
	for _, c := range pop.Capacity {
		l := math.Log(c / cfg.Business.ServiceCapacity)
		sl += l
		sl2 += l * l
	}
	sg := cfg.Business.ServiceCapacitySigma
	lmean := sl / n
	lsd := math.Sqrt(sl2/n - lmean*lmean)
	if se := sg / math.Sqrt(n); math.Abs(lmean) > 4.5*se {
		t.Errorf("mean log capacity %.4f, want 0 ± %.4f", lmean, 4.5*se)
	}
	if se := sg / math.Sqrt(2*n); math.Abs(lsd-sg) > 4.5*se {
		t.Errorf("sd of log capacity %.4f, want %.4f ± %.4f", lsd, sg, 4.5*se)
	}

	type biz struct{ capacity, share float64 }
	var bs []biz
	for _, b := range res.Businesses {
		answered := b.ServiceCost.Dollars()
		if answered > float64(b.Conversations) {
			t.Errorf("business %d answered %v of %d conversations", b.Business, answered, b.Conversations)
		}
		if b.Conversations >= 50 {
			bs = append(bs, biz{pop.Capacity[b.Business], answered / float64(b.Conversations)})
		}
	}
	if len(bs) < 80 {
		t.Fatalf("only %d businesses with 50 conversations or more", len(bs))
	}
	slices.SortFunc(bs, func(a, b biz) int { return cmp.Compare(a.capacity, b.capacity) })
	q := len(bs) / 4
	meanSD := func(g []biz) (m, v float64) {
		for _, x := range g {
			m += x.share
		}
		m /= float64(len(g))
		for _, x := range g {
			v += (x.share - m) * (x.share - m)
		}
		return m, v / float64(len(g)-1) / float64(len(g))
	}
	lo, vlo := meanSD(bs[:q])
	hi, vhi := meanSD(bs[len(bs)-q:])
	se := math.Sqrt(vlo + vhi)
	t.Logf("%d businesses: least capacity (%.2f-%.2f) answer %.3f, most (%.2f-%.2f) %.3f, ± %.3f",
		len(bs), bs[0].capacity, bs[q-1].capacity, lo, bs[len(bs)-q].capacity, bs[len(bs)-1].capacity, hi, 4.5*se)
	if hi-lo < 4.5*se {
		t.Errorf("businesses with the least capacity answer %.3f of conversations, those with the most %.3f (± %.3f)", lo, hi, 4.5*se)
	}
}
