package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/msgmon/msgmon/sim"
)

// availableMemory returns the bytes the kernel says can be allocated
// without swapping (MemAvailable), or 0 when it cannot tell.
func availableMemory() int64 {
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

// memoryNeed is what a run of cfg needs: the population and run state
// (sim.MemoryEstimate, checked against real allocations in sim's tests),
// twice over for the garbage collector's headroom, plus the database.
func memoryNeed(cfg *sim.Config) int64 {
	return 2*sim.MemoryEstimate(cfg) + 256<<20
}

// checkMemory refuses a scenario that would not fit in this machine's
// available memory before anything is built, saying how large it would be
// and what to lower.
func checkMemory(name string, cfg *sim.Config) error {
	avail := availableMemory()
	if avail == 0 {
		return nil
	}
	need := memoryNeed(cfg)
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
		if memoryNeed(&c) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	fit := lo
	return usageErr("scenario %s needs about %.1f GiB of memory (users: %d, businesses: %d, max_follows: %d) but %.1f GiB are available; lower users to at most %d, or max_follows",
		name, float64(need)/(1<<30), cfg.Users, cfg.Businesses, cfg.MaxFollows, float64(avail)/(1<<30), max(fit, 0))
}

// runsAtOnce returns how many runs to simulate at a time and how many
// workers each gets, for a job of runs independent runs of cfg. A value
// given on the command line is kept; 0 chooses: one run per core (per
// workers cores if workers is given), no more than there are runs, and
// fewer when memory is short; the cores are shared among them. Results
// depend on neither.
//
// Runs side by side on one worker each keep the cores busier than one run
// on all of them, which waits at the end of every simulated day for its
// slowest block.
func runsAtOnce(parallel, workers, runs int, cfg *sim.Config) (int, int) {
	cores := runtime.GOMAXPROCS(0)
	if parallel == 0 {
		parallel = cores
		if workers > 0 {
			parallel = max(1, cores/workers)
		}
		parallel = max(1, min(parallel, runs))
		if avail := availableMemory(); avail > 0 {
			parallel = max(1, min(parallel, int((avail-256<<20)/(2*sim.MemoryEstimate(cfg)))))
		}
	}
	if workers == 0 {
		workers = max(1, cores/parallel)
	}
	return parallel, workers
}
