package experiment

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Point is one comparison of many run together, such as a sweep's point:
// its spec, the hash its run keys are made from, and where its runs go.
type Point struct {
	Spec Spec
	Hash string
	Sink Sink
}

// RunPoints runs every replicate of every point, at most parallel
// (point, replicate) pairs at a time (0: GOMAXPROCS). Each pair is run as
// Run would run it, with the seeds of its replicate, so the results do not
// depend on parallel or on the order the pairs finish in. The first error
// stops the rest; runs already handed to their sinks stay there. progress,
// if set, gets the days done and the days in all, from one goroutine at a
// time.
func RunPoints(ctx context.Context, points []Point, parallel int, progress func(done, total int)) error {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	total := 0
	for _, p := range points {
		total += p.Spec.Replicates * len(p.Spec.Arms) * p.Spec.Config.Days
	}
	var done atomic.Int64
	var pmu sync.Mutex
	report := func(delta int) {
		d := done.Add(int64(delta))
		if progress != nil {
			pmu.Lock()
			progress(int(d), total)
			pmu.Unlock()
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, p := range points {
		for r := 0; r < p.Spec.Replicates; r++ {
			if gctx.Err() != nil {
				break
			}
			spec := p.Spec
			spec.FirstReplicate = p.Spec.FirstReplicate + r
			spec.Replicates = 1
			last := 0
			spec.Progress = func(d, _ int) {
				report(d - last)
				last = d
			}
			hash, sink := p.Hash, p.Sink
			g.Go(func() error { return Run(gctx, spec, hash, sink) })
		}
	}
	err := g.Wait()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}
