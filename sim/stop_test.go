package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/msgmon/msgmon/sim"
)

// countingCtx is a context whose Err says Canceled from its cancelAt+1-th
// call on, counting the calls: it shows how often, and how soon after a
// cancellation, the population build looks.
type countingCtx struct {
	context.Context
	calls, cancelAt int
}

func (c *countingCtx) Err() error {
	c.calls++
	if c.calls > c.cancelAt {
		return context.Canceled
	}
	return nil
}

// A large population's build looks at its context every few thousand
// users in each of its passes over the users, and stops at the first look
// after a cancellation: SIGINT during the build of millions of users stops
// it within one such stretch, not at the end of the build.
func TestPopulationBuildStopsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large population")
	}
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses = 600_000, 2000
	whole := &countingCtx{Context: context.Background(), cancelAt: 1 << 30}
	pop, err := sim.NewPopulationContext(whole, &cfg, 3)
	if err != nil || pop == nil {
		t.Fatal(err)
	}
	// Three passes over the users (traits, propensities, graph; the
	// initial follows are drawn by each run), each looking at least once
	// per 16,384 users.
	if min := 3 * cfg.Users / (1 << 14); whole.calls < min {
		t.Fatalf("the build looked at its context %d times, want at least %d", whole.calls, min)
	}
	for _, at := range []int{0, whole.calls / 3, whole.calls * 3 / 4} {
		ctx := &countingCtx{Context: context.Background(), cancelAt: at}
		pop, err := sim.NewPopulationContext(ctx, &cfg, 3)
		if !errors.Is(err, context.Canceled) || pop != nil {
			t.Errorf("cancelled after %d looks: %v, want context.Canceled and no population", at, err)
		}
		if ctx.calls != at+1 {
			t.Errorf("cancelled after %d looks: went on to look %d times", at, ctx.calls)
		}
	}
}
