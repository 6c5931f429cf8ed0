package sim

import (
	"context"
	"fmt"
	"math"
	"unsafe"

	"gonum.org/v1/gonum/stat/distuv"
)

// Population is the users, businesses and social graph of a scenario:
// everything drawn once from a seed and shared, read-only, by every run of a
// comparison replicate, so that every model sees the same people.
type Population struct {
	Cfg Config
	N   int // users
	M   int // businesses
	K   int // relationship slots per user
	C   int // categories

	// Users (structure of arrays).
	Market       []uint8
	Activity     []float32 // daily probability of using the app
	Tolerance    []float32
	Interest     []float32 // N*C, in [0, 1], mean 0.5
	StatusViews  []float32 // statuses wanted per Updates visit
	StatusSupply []float32 // statuses contacts post per day
	OptIn        []float32
	// FollowPropensity and AdOptOutPropensity scale u's hazards of
	// following a business found by discovery or word of mouth and of
	// turning Status ads off (log-normal, mean 1).
	FollowPropensity   []float32
	AdOptOutPropensity []float32
	// Segment is market*3 + tolerance band (0 low, 1 mid, 2 high: below,
	// between and above the terciles of the log-normal tolerance).
	Segment []uint8

	// Businesses.
	Category     []uint8
	Size         []float64
	Relevance    []float32
	SendsPerWeek []float32
	SendPhase    []float32
	Personalised []float32
	BudgetDaily  []Micros
	BotLevel     []float32
	// Capacity is the conversations a business answers a day as a multiple
	// of its usual load (log-normal across businesses).
	Capacity   []float64
	ConvValue  []Micros
	Payments   []bool
	Advertiser []bool
	Potential  []float64 // discovery potential (share of users in reach)

	// seed is the seed the population was drawn from; per-channel
	// adoption draws (runner.assignChannels) are keyed by it, so that a
	// business adopts a channel in every arm that offers it or in none.
	seed uint64

	// Graph is nil for a fully mixed population.
	Graph *Graph

	catBiz [][]int32 // businesses of each category
	// allCats: every category has businesses, so draws need not skip any.
	allCats bool
	// interestTotal is each user's summed interest in the categories that
	// have businesses, the normaliser of pickCategory.
	interestTotal []float64
	followBase    uint64    // the initial follows' stream (InitialFollows)
	catSize       []alias   // within a category, by size
	catShare      []float64 // share of businesses per category (for advertiser picks)
}

// NewPopulation draws a population from cfg under seed.
func NewPopulation(cfg *Config, seed uint64) (*Population, error) {
	return NewPopulationContext(context.Background(), cfg, seed)
}

// NewPopulationContext is NewPopulation that stops soon after ctx is
// done, with ctx's error: the loops over users check it every
// checkEvery users, so a large population stops within a fraction of a
// second rather than at the end of its build. The population drawn does
// not depend on ctx.
func NewPopulationContext(ctx context.Context, cfg *Config, seed uint64) (*Population, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Population{Cfg: *cfg, N: cfg.Users, M: cfg.Businesses, K: cfg.MaxFollows, C: len(cfg.Categories), seed: seed}
	if err := p.drawUsers(ctx, seed); err != nil {
		return nil, err
	}
	p.assignSegments()
	if err := p.drawBusinesses(seed); err != nil {
		return nil, err
	}
	p.sumInterest()
	if err := p.drawGraph(ctx, seed); err != nil {
		return nil, err
	}
	p.drawInitialFollows(seed)
	return p, nil
}

// checkEvery is how many users (or graph nodes) a population build draws
// between looks at its context: a few milliseconds of work.
const checkEvery = 1 << 14

// stopped is ctx's error at every checkEvery-th i, else nil.
func stopped(ctx context.Context, i int) error {
	if i%checkEvery != 0 {
		return nil
	}
	return ctx.Err()
}

func betaMeanConc(mean, conc float64, src *Stream) distuv.Beta {
	mean = math.Min(math.Max(mean, 1e-6), 1-1e-6)
	return distuv.Beta{Alpha: mean * conc, Beta: (1 - mean) * conc, Src: src}
}

// logNormalMean returns a log-normal with the given mean and log-sigma.
func logNormalMean(mean, sigma float64, src *Stream) distuv.LogNormal {
	return distuv.LogNormal{Mu: math.Log(math.Max(mean, 1e-12)) - sigma*sigma/2, Sigma: sigma, Src: src}
}

func (p *Population) drawUsers(ctx context.Context, seed uint64) error {
	cfg := &p.Cfg
	n, c := p.N, p.C
	p.Market = make([]uint8, n)
	p.Activity = make([]float32, n)
	p.Tolerance = make([]float32, n)
	p.Interest = make([]float32, n*c)
	adviseHuge(p.Interest)
	p.StatusViews = make([]float32, n)
	p.OptIn = make([]float32, n)
	cum := make([]float64, len(cfg.Markets))
	acc := 0.0
	for i, m := range cfg.Markets {
		acc += m.Share
		cum[i] = acc
	}
	base := streamBase(seed, purposeUserTraits)
	ut := cfg.User
	for u := 0; u < n; u++ {
		if err := stopped(ctx, u); err != nil {
			return err
		}
		s := newStream(base, u, 0)
		x := s.Float64() * acc
		mk := len(cum) - 1
		for i, v := range cum {
			if x < v {
				mk = i
				break
			}
		}
		p.Market[u] = uint8(mk)
		if ut.Homogeneous {
			p.Activity[u] = float32(ut.ActivityMean)
			p.Tolerance[u] = float32(ut.ToleranceMedian)
			for k := 0; k < c; k++ {
				p.Interest[u*c+k] = 0.5
			}
			p.StatusViews[u] = float32(ut.StatusViewsMean)
			p.OptIn[u] = float32(ut.OptInMean)
			continue
		}
		p.Activity[u] = float32(betaMeanConc(ut.ActivityMean, ut.ActivityConcentration, &s).Rand())
		p.Tolerance[u] = float32(ut.ToleranceMedian * math.Exp(ut.ToleranceSigma*s.Normal()))
		ib := betaMeanConc(0.5, ut.InterestConcentration, &s)
		for k := 0; k < c; k++ {
			p.Interest[u*c+k] = float32(ib.Rand())
		}
		p.StatusViews[u] = float32(logNormalMean(ut.StatusViewsMean, ut.StatusViewsSigma, &s).Rand())
		p.OptIn[u] = float32(betaMeanConc(ut.OptInMean, 4, &s).Rand())
	}
	return p.drawPropensities(ctx, seed)
}

// drawPropensities draws the log-normal factors (mean 1) of users'
// propensities to follow and to turn ads off, on a stream of their own
// (the other traits' draws do not depend on them): with both spreads 0
// every factor is exactly 1.
func (p *Population) drawPropensities(ctx context.Context, seed uint64) error {
	ut := p.Cfg.User
	p.FollowPropensity = make([]float32, p.N)
	p.AdOptOutPropensity = make([]float32, p.N)
	base := streamBase(seed, purposePropensity)
	for u := 0; u < p.N; u++ {
		if err := stopped(ctx, u); err != nil {
			return err
		}
		p.FollowPropensity[u], p.AdOptOutPropensity[u] = 1, 1
		if ut.Homogeneous {
			continue
		}
		// Both normals are drawn whatever the spreads, so that each
		// trait's value depends on its own spread only (common random
		// numbers across a sweep of the other).
		s := newStream(base, u, 0)
		zf, za := s.Normal(), s.Normal()
		if sg := ut.FollowPropensitySigma; sg > 0 {
			p.FollowPropensity[u] = float32(math.Exp(sg*zf - sg*sg/2))
		}
		if sg := ut.AdOptOutSigma; sg > 0 {
			p.AdOptOutPropensity[u] = float32(math.Exp(sg*za - sg*sg/2))
		}
	}
	return nil
}

// assignSegments puts each user in a market and a tolerance band, cut at
// the terciles of the configured log-normal (z = ±0.4307); with no spread
// every user is in the middle band.
func (p *Population) assignSegments() {
	ut := p.Cfg.User
	lo := ut.ToleranceMedian * math.Exp(-0.4307*ut.ToleranceSigma)
	hi := ut.ToleranceMedian * math.Exp(0.4307*ut.ToleranceSigma)
	p.Segment = make([]uint8, p.N)
	for u := range p.Segment {
		band := uint8(1)
		switch tol := float64(p.Tolerance[u]); {
		case tol < lo:
			band = 0
		case tol > hi:
			band = 2
		}
		p.Segment[u] = p.Market[u]*3 + band
	}
}

func (p *Population) drawBusinesses(seed uint64) error {
	cfg := &p.Cfg
	m := p.M
	p.Category = make([]uint8, m)
	p.Size = make([]float64, m)
	p.Relevance = make([]float32, m)
	p.SendsPerWeek = make([]float32, m)
	p.SendPhase = make([]float32, m)
	p.Personalised = make([]float32, m)
	p.BudgetDaily = make([]Micros, m)
	p.BotLevel = make([]float32, m)
	p.ConvValue = make([]Micros, m)
	p.Payments = make([]bool, m)
	p.Advertiser = make([]bool, m)
	p.Potential = make([]float64, m)
	bt := cfg.Business
	base := streamBase(seed, purposeBusinessTraits)
	catCum := make([]float64, p.C)
	acc := 0.0
	for i, c := range cfg.Categories {
		acc += c.Share
		catCum[i] = acc
	}
	p.catBiz = make([][]int32, p.C)
	totalSize := 0.0
	for b := 0; b < m; b++ {
		s := newStream(base, b, 0)
		x := s.Float64() * acc
		cat := p.C - 1
		for i, v := range catCum {
			if x < v {
				cat = i
				break
			}
		}
		p.Category[b] = uint8(cat)
		p.catBiz[cat] = append(p.catBiz[cat], int32(b))
		p.Size[b] = distuv.Pareto{Xm: 1, Alpha: bt.SizeAlpha, Src: &s}.Rand()
		totalSize += p.Size[b]
		p.Relevance[b] = float32(betaMeanConc(bt.RelevanceMean, 4, &s).Rand())
		if bt.SendsPerWeekMean > 0 {
			p.SendsPerWeek[b] = float32(logNormalMean(bt.SendsPerWeekMean, bt.SendsPerWeekSigma, &s).Rand())
		}
		p.SendPhase[b] = float32(s.Float64())
		p.Personalised[b] = float32(betaMeanConc(bt.PersonalisedMean, 4, &s).Rand())
		monthly := bt.BudgetMonthlyMedian * math.Exp(bt.BudgetMonthlySigma*s.Normal())
		p.BudgetDaily[b] = USD(monthly / 30)
		p.BotLevel[b] = float32(betaMeanConc(bt.BotLevelMean, 4, &s).Rand())
		p.ConvValue[b] = USD(logNormalMean(bt.ConversionValueMean, 0.5, &s).Rand())
		p.Payments[b] = s.Float64() < bt.PaymentsShare
		p.Advertiser[b] = s.Float64() < bt.AdvertiserShare
	}
	for b := 0; b < m; b++ {
		p.Potential[b] = cfg.Behaviour.PotentialFollows * p.Size[b] / totalSize
	}
	// Drawn last, on a stream of its own: with no spread every business
	// has exactly service_capacity, and the other draws are unchanged.
	p.Capacity = make([]float64, m)
	capBase := streamBase(seed, purposeCapacity)
	for b := range p.Capacity {
		p.Capacity[b] = bt.ServiceCapacity
		if sg := bt.ServiceCapacitySigma; sg > 0 {
			s := newStream(capBase, b, 0)
			p.Capacity[b] = bt.ServiceCapacity * math.Exp(sg*s.Normal())
		}
	}
	p.catSize = make([]alias, p.C)
	p.catShare = make([]float64, p.C)
	for c := range p.catBiz {
		w := make([]float64, len(p.catBiz[c]))
		for i, b := range p.catBiz[c] {
			w[i] = p.Size[b]
		}
		p.catSize[c] = newAlias(w)
		p.catShare[c] = float64(len(p.catBiz[c])) / float64(m)
	}
	return nil
}

func (p *Population) drawGraph(ctx context.Context, seed uint64) error {
	cfg := &p.Cfg
	p.StatusSupply = make([]float32, p.N)
	posts := cfg.User.StatusPostsMean
	if cfg.Graph.Kind == "fully_mixed" {
		for u := range p.StatusSupply {
			p.StatusSupply[u] = float32(2 * float64(cfg.Graph.EdgesPerUser) * posts)
		}
		return nil
	}
	s := NewStream(seed, purposeGraph, 0, 0)
	g, err := holmeKim(ctx, p.N, cfg.Graph.EdgesPerUser, cfg.Graph.Triad, &s)
	if err != nil {
		return err
	}
	p.Graph = g
	for u := range p.StatusSupply {
		p.StatusSupply[u] = float32(float64(g.Degree(u)) * posts)
	}
	return nil
}

// pickBusiness draws a business for user u by category interest, then by
// size within the category, from two uniforms.
func (p *Population) pickBusiness(u int, s *Stream) int32 {
	c := p.pickCategory(u, s.Float64())
	if c < 0 {
		return -1
	}
	return p.catBiz[c][p.catSize[c].pick(s.Float64())]
}

// sumInterest sets interestTotal.
func (p *Population) sumInterest() {
	p.allCats = true
	for _, bs := range p.catBiz {
		p.allCats = p.allCats && len(bs) > 0
	}
	p.interestTotal = make([]float64, p.N)
	for u := range p.interestTotal {
		total := 0.0
		for c, v := range p.Interest[u*p.C : (u+1)*p.C] {
			if len(p.catBiz[c]) > 0 {
				total += float64(v)
			}
		}
		p.interestTotal[u] = total
	}
}

// pickCategory draws a non-empty category in proportion to u's interest.
func (p *Population) pickCategory(u int, x float64) int {
	in := p.Interest[u*p.C : (u+1)*p.C]
	total := p.interestTotal[u]
	if total <= 0 {
		return -1
	}
	x *= total
	if p.allCats {
		for c, v := range in {
			x -= float64(v)
			if x < 0 {
				return c
			}
		}
		return len(in) - 1
	}
	last := -1
	for c, v := range in {
		if len(p.catBiz[c]) == 0 {
			continue
		}
		last = c
		x -= float64(v)
		if x < 0 {
			return c
		}
	}
	return last
}

// drawInitialFollows keys the initial follows' stream. They are not kept
// (K business ids a user, 48 bytes at 12 slots): each run draws a user's
// again from the user's own stream (InitialFollows), the same every time.
func (p *Population) drawInitialFollows(seed uint64) {
	p.followBase = streamBase(seed, purposeInitialFollows)
}

// InitialFollows appends to dst[:0] the businesses user u follows when a
// run starts, at most K, in the order of the user's slots.
func (p *Population) InitialFollows(u int, dst []int32) []int32 {
	row := dst[:0]
	s := newStream(p.followBase, u, 0)
	k := s.Poisson(p.Cfg.User.FollowsAtStart)
	for i := 0; i < k && len(row) < p.K; i++ {
		b := p.pickBusiness(u, &s)
		if b < 0 {
			break
		}
		dup := false
		for _, x := range row {
			dup = dup || x == b
		}
		if !dup {
			row = append(row, b)
		}
	}
	return row
}

// relevance of a marketing message of business b to user u.
func (p *Population) relevance(u, b int) float32 {
	pers := p.Personalised[b]
	return p.Relevance[b] * (pers + (1-pers)*p.Interest[u*p.C+int(p.Category[b])])
}

// MemoryEstimate returns the bytes a population and one run of it take,
// to refuse a scenario that would not fit before building it: what a run
// holds while it runs (the population build's transient lists, about half
// of that, are freed by then).
func MemoryEstimate(cfg *Config) int64 {
	n, m, k := int64(cfg.Users), int64(cfg.Businesses), int64(cfg.MaxFollows)
	c := int64(len(cfg.Categories))
	perUser := int64(2+4*7+4*c+8) + // traits: market and segment, seven rates, interests and their sum
		k*int64(slotBytes) + // slots
		int64(unsafe.Sizeof(userState{})+unsafe.Sizeof(viewer{})) + MaxChannels*3 // run state: records, period caps
	if cfg.Graph.Kind != "fully_mixed" {
		perUser += 2*int64(cfg.Graph.EdgesPerUser)*4 + 4 + // the graph's rows
			k*4 + // word-of-mouth snapshot
			8 // discovery rates
	}
	blocks := n/defaultBlockSize + 1
	// Per business: the day's records and accumulators, and per channel
	// it may use (two, as a hybrid arm has) the send rate, belief,
	// period's and run's counts, the exit rule's state and the result row.
	perBiz := int64(208+24+2*(320+16)) + 4 // and a worker's tier quota
	if keepBlockFollowers(int(blocks), int(m), int(n)) {
		perBiz += blocks * 2 // followers by block (fillQuota)
	}
	return n*perUser + m*perBiz
}

// alias is Vose's alias table for O(1) weighted draws.
type alias struct {
	prob  []float64
	alias []int32
}

func newAlias(w []float64) alias {
	n := len(w)
	a := alias{prob: make([]float64, n), alias: make([]int32, n)}
	if n == 0 {
		return a
	}
	total := 0.0
	for _, x := range w {
		total += x
	}
	if total <= 0 {
		for i := range a.prob {
			a.prob[i] = 1
			a.alias[i] = int32(i)
		}
		return a
	}
	scaled := make([]float64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, x := range w {
		scaled[i] = x * float64(n) / total
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s] = scaled[s]
		a.alias[s] = l
		scaled[l] = scaled[l] + scaled[s] - 1
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		a.prob[i] = 1
		a.alias[i] = i
	}
	for _, i := range small {
		a.prob[i] = 1
		a.alias[i] = i
	}
	return a
}

// pick draws an index from one uniform x in [0, 1).
func (a *alias) pick(x float64) int {
	n := len(a.prob)
	y := x * float64(n)
	i := int(y)
	if i >= n {
		i = n - 1
	}
	if y-float64(i) < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}

// rebuild refills the table for new weights, reusing its memory.
func (a *alias) rebuild(w []float64) {
	*a = newAlias(w)
}

func (p *Population) String() string {
	return fmt.Sprintf("population of %d users, %d businesses", p.N, p.M)
}
