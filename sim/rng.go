package sim

import (
	"math"
	"math/bits"
)

// Purposes name the independent random streams of a run. A stream is keyed
// by (seed, purpose, entity, day), never by worker, so that the draws a user
// gets on a day do not depend on scheduling, and two runs of one comparison
// that differ only in their monetization model see the same numbers for the
// same purpose.
const (
	purposeUserTraits uint64 = iota + 1
	purposeBusinessTraits
	purposeGraph
	purposeInitialFollows
	purposeConversation
	purposeStatus
	purposeDiscovery
	purposeMessage
	purposeExpiry
	purposeCampaign
	purposePropensity // user traits added later: a stream of their own leaves the others' draws as they were
	purposeCapacity   // business service capacity, likewise
	purposeAdoption   // which channels a business adopts, per channel name
	purposeDecision   // an adaptive business's revisions of its send rates
	purposeEntry      // conversations from entry points (links, QR codes, click-to-chat ads)
	purposeBilling    // draws of billers (periodic fees), per business and day
	purposeKeptBack   // the campaigns kept back and refused that a budget would have left out, per business and day
)

// Purposes and seed changes of the studies built on runs (package
// datasets/study), which derive scenario seeds rather than draws within a
// run. Their values are fixed: every stored study's seeds come from them.
const (
	// PurposeRobustSlot keys the stream of a robust study's slot seeds:
	// slot k's scenario seed is the first draw of
	// NewStream(seed, PurposeRobustSlot, k, 0).
	PurposeRobustSlot uint64 = 0x0b05_7a11
	// PurposeRobustAssumptions keys the Latin hypercube of a robust
	// study's assumptions: its seed is the first draw of
	// NewStream(seed, PurposeRobustAssumptions, slots, 0), so the same
	// scenario seed and number of slots draw the same assumptions.
	PurposeRobustAssumptions uint64 = 0x0a55_0e55
	// FreshSeedXOR changes a scenario's seed to one it shares no random
	// numbers with: optimize re-measures its best policy at seed ^
	// FreshSeedXOR, to tell whether the policy keeps its constraints on
	// seeds the search never saw.
	FreshSeedXOR uint64 = 0x5eed5eed
)

const golden = 0x9e3779b97f4a7c15

// Never is the waiting time of an event with zero probability.
const Never = math.MaxInt32 / 2

// mix64 is the SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijection
// on uint64 with full avalanche.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamBase derives the key of one purpose under a seed.
func streamBase(seed, purpose uint64) uint64 {
	return mix64(mix64(seed^0x6a09e667f3bcc909) + purpose*golden)
}

// Stream is a counter-based random stream: the i-th output is a hash of the
// stream's key and i. It implements math/rand/v2.Source. A Stream is for one
// goroutine at a time; streams are cheap to create, one per (entity, day).
type Stream struct {
	key, ctr uint64
}

// NewStream returns the stream of (seed, purpose, entity, day).
func NewStream(seed, purpose uint64, entity, day int) Stream {
	return newStream(streamBase(seed, purpose), entity, day)
}

func newStream(base uint64, entity, day int) Stream {
	// entity < 2^42 and day < 2^21 give distinct inputs to the bijection.
	return Stream{key: mix64(base + (uint64(entity)<<21|uint64(day))*golden)}
}

// sub derives a stream for a second entity under a stream key, such as a
// (user, business) pair on a day.
func (s Stream) sub(entity int) Stream {
	return Stream{key: mix64(s.key ^ mix64(uint64(entity)+golden))}
}

// Uint64 returns the next 64 random bits.
func (s *Stream) Uint64() uint64 {
	s.ctr++
	return mix64(s.key + s.ctr*golden)
}

// Float64 returns a uniform number in [0, 1).
func (s *Stream) Float64() float64 {
	return float64(s.Uint64()>>11) * (1.0 / (1 << 53))
}

// Pair returns two uniforms in [0, 1) from one 64-bit output, each with
// 32 bits of resolution: enough for probabilities compared against them.
func (s *Stream) Pair() (float64, float64) {
	x := s.Uint64()
	const scale = 1.0 / (1 << 32)
	return float64(x>>32) * scale, float64(uint32(x)) * scale
}

// pairAt returns the Pair that the i-th output (i >= 1) of a fresh stream
// gives, without moving the stream: a coin can be drawn only when it is
// needed and still get the same value as if every coin had been drawn.
func (s *Stream) pairAt(i uint64) (float64, float64) {
	x := mix64(s.key + i*golden)
	const scale = 1.0 / (1 << 32)
	return float64(x>>32) * scale, float64(uint32(x)) * scale
}

// IntN returns a uniform integer in [0, n), n > 0 (Lemire's multiply-shift;
// the bias is below 2^-32 for the sizes used here).
func (s *Stream) IntN(n int) int {
	hi, _ := bits.Mul64(s.Uint64(), uint64(n)) // one MUL: the compiler's intrinsic
	return int(hi)
}

// Poisson draws a Poisson count with the given mean: by inversion (one
// uniform) up to mean 64, above it by Hörmann's transformed rejection
// (PTRS). Both are exact.
func (s *Stream) Poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 64 {
		return s.ptrs(mean)
	}
	return s.poissonP0(mean, math.Exp(-mean))
}

// poissonP0 is Poisson with exp(-mean) given, for means fixed per user.
func (s *Stream) poissonP0(mean, p0 float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 64 {
		return s.ptrs(mean)
	}
	u := s.Float64()
	p := p0
	cdf := p
	k := 0
	for u > cdf && k < 1000 {
		k++
		p *= mean * invK(k)
		cdf += p
	}
	return k
}

// invTable holds 1/k, so that the inversion loops multiply instead of
// dividing.
var invTable = func() (t [256]float64) {
	for k := 1; k < len(t); k++ {
		t[k] = 1 / float64(k)
	}
	return t
}()

func invK(k int) float64 {
	if k < len(invTable) {
		return invTable[k]
	}
	return 1 / float64(k)
}

// minPoisson draws min(X, Y) of independent Poisson counts with means m1
// and m2, given p1 = exp(-m1) and p2 = exp(-m2). While one mean is at most
// 64 it inverts the law of the minimum, P(min > k) = P(X > k)·P(Y > k),
// with one uniform and about E[min] steps; otherwise it draws both (PTRS).
// Exact either way. A mean so large that its exp underflows to 0 gives
// P(Y > k) = 1, exact in double precision for the k reached here.
func (s *Stream) minPoisson(m1, p1, m2, p2 float64) int {
	if m1 <= 0 || m2 <= 0 {
		return 0
	}
	if m1 > 64 && m2 > 64 {
		return min(s.ptrs(m1), s.ptrs(m2))
	}
	r := 1 - s.Float64() // (0, 1]: the minimum is the first k with S1·S2 <= r
	f1, f2 := p1, p2     // P(X = k), P(Y = k)
	s1, s2 := 1-p1, 1-p2 // P(X > k), P(Y > k)
	k := 0
	// s1 > 0 and s1·s2 > r > 0 imply s2 > 0: one sign test is enough.
	// The first steps (a minimum of 255 is far in the tail of any mean
	// below 64) read 1/k from the table with no test of its bounds; the
	// same products in the same order as the loop below.
	for k < len(invTable)-1 && s1 > 0 && s1*s2 > r {
		k++
		ik := invTable[k]
		f1 *= m1 * ik
		f2 *= m2 * ik
		s1 -= f1
		s2 -= f2
	}
	for s1 > 0 && s1*s2 > r && k < 100000 {
		k++
		ik := invK(k)
		f1 *= m1 * ik
		f2 *= m2 * ik
		s1 -= f1
		s2 -= f2
	}
	return k
}

// ptrs is Hörmann's PTRS sampler (transformed rejection with squeeze,
// 1993), exact for mean >= 10, as in NumPy's random_poisson_ptrs.
func (s *Stream) ptrs(lam float64) int {
	slam := math.Sqrt(lam)
	loglam := math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := s.Float64() - 0.5
		v := s.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return int(k)
		}
	}
}

// hoursUntil draws the waiting time, in hours, to the next event of a
// Poisson process with rate events a day (+Inf for rate 0).
func (s *Stream) hoursUntil(rate float64) float64 {
	if rate <= 0 {
		return math.Inf(1)
	}
	return -math.Log(1-s.Float64()) / rate * 24
}

// Normal draws a standard normal deviate (Box–Muller, one value kept).
func (s *Stream) Normal() float64 {
	u1 := 1 - s.Float64()
	u2 := s.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Geometric returns the first day T >= 1 on which an event with daily
// probability h happens, so that P(T > t) = (1-h)^t exactly. h <= 0 never
// happens: Never, which leaves room to add a day index without overflow.
func (s *Stream) Geometric(h float64) int32 {
	if h <= 0 {
		return Never
	}
	if h >= 1 {
		return 1
	}
	u := 1 - s.Float64() // (0, 1]
	t := math.Floor(math.Log(u)/math.Log1p(-h)) + 1
	if t > Never {
		return Never
	}
	return int32(t)
}
