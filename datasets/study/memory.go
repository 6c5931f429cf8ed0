package study

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/msgmon/msgmon/sim"
)

// AvailableMemory returns the bytes the kernel says can be allocated
// without swapping (MemAvailable), or 0 when it cannot tell.
func AvailableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// Peak memory of a process running one run at a time and storing it:
// peakBase for the process and DuckDB, what sim.MemoryEstimate counts for
// the population and the run (sim.Run collects a large run's state as it
// ends, so the next run's does not come on top), and per business
// peakPerBusiness bytes beyond the run's state (its result rows, their
// Arrow batches and DuckDB's insert). Fitted to the peak resident memory
// of msgmon run (every model, 5 days) at 20,000 to 3 M users and 400 to
// 150,000 businesses (6 sizes; the fit's own factor on sim's estimate
// came out 0.98, so it is taken as 1), which it gives within 12 % (the
// smallest 12 % under, the others within 7 %; 30 M users and 600,000
// businesses 2 % over), with one proactive channel
// per arm; each further channel a business may use adds peakPerChannel
// (its per-channel state and its business_channels rows: 1.07 and 0.88 kB
// a business measured for a second and a third channel at 150,000
// businesses), and the estimate assumes two, as an arm of the base
// (service follow-ups) plus one model has. TestMemoryEstimateMatchesPeak
// (cmd/msgmon) checks it against a user-heavy and a business-heavy run.
const (
	peakBase        = 124 << 20
	peakPerChannel  = 1000
	peakPerBusiness = 2570 + peakPerChannel
)

// PeakMemory estimates the peak resident memory of a process making a
// run of cfg: what a run needs.
func PeakMemory(cfg *sim.Config) int64 {
	return peakBase + sim.MemoryEstimate(cfg) + int64(cfg.Businesses)*peakPerBusiness
}

// CheckMemory refuses a scenario (named name) that would not fit in this
// machine's available memory before anything is built, saying how large
// it would be and what to lower: an InputError. nil when it fits or the
// available memory is unknown.
func CheckMemory(name string, cfg *sim.Config) error {
	avail := AvailableMemory()
	if avail == 0 {
		return nil
	}
	need := PeakMemory(cfg)
	if need <= avail {
		return nil
	}
	// The largest number of users that fits (the estimate grows with users
	// times businesses through the tier quotas, so search).
	lo, hi := 0, cfg.Users
	for lo < hi {
		mid := (lo + hi + 1) / 2
		c := *cfg
		c.Users = mid
		if PeakMemory(&c) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	fit := lo
	return InputErrorf("scenario %s needs about %.1f GiB of memory (users: %d, businesses: %d, max_follows: %d) but %.1f GiB are available; lower users to at most %d, or businesses or max_follows",
		name, float64(need)/(1<<30), cfg.Users, cfg.Businesses, cfg.MaxFollows, float64(avail)/(1<<30), max(fit, 0))
}

// RunsAtOnce returns how many runs to simulate at a time and how many
// workers each gets, for a job of runs independent runs of cfg. A value
// given (above 0) is kept; 0 chooses: one run per core (per workers cores
// if workers is given), no more than there are runs, and fewer when
// memory is short; the cores are shared among them. Results depend on
// neither.
//
// Runs side by side on one worker each keep the cores busier than one run
// on all of them, which waits at the end of every simulated day for its
// slowest block.
func RunsAtOnce(parallel, workers, runs int, cfg *sim.Config) (int, int) {
	cores := runtime.GOMAXPROCS(0)
	if parallel == 0 {
		parallel = cores
		if workers > 0 {
			parallel = max(1, cores/workers)
		}
		parallel = max(1, min(parallel, runs))
		if avail := AvailableMemory(); avail > 0 {
			parallel = max(1, min(parallel, int((avail-peakBase)/(PeakMemory(cfg)-peakBase))))
		}
	}
	if workers == 0 {
		workers = max(1, cores/parallel)
	}
	return parallel, workers
}
