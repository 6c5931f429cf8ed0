package experiment_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

// keyedSink keeps results by run key; safe for concurrent use.
type keyedSink struct {
	mu     sync.Mutex
	hash   string
	byKey  map[string]*sim.Result
	writes int
	// stopAfter, if > 0, cancels after that many writes.
	stopAfter int
	cancel    context.CancelFunc
}

func (k *keyedSink) WriteRun(_ context.Context, info experiment.RunInfo, res *sim.Result) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byKey == nil {
		k.byKey = map[string]*sim.Result{}
	}
	k.byKey[info.Key(k.hash)] = res
	k.writes++
	if k.stopAfter > 0 && k.writes == k.stopAfter {
		k.cancel()
	}
	return nil
}

// points are three variants of the small spec: different send rates.
func points(t *testing.T, sinks []*keyedSink) []experiment.Point {
	var ps []experiment.Point
	for i, rate := range []float64{0.5, 2, 6} {
		s := spec(t)
		s.Config.Business.SendsPerWeekMean = rate
		s.Workers = 1
		h := []string{"a", "b", "c"}[i]
		sinks[i].hash = h
		ps = append(ps, experiment.Point{Spec: s, Hash: h, Sink: sinks[i]})
	}
	return ps
}

// RunPoints gives every point the results Run gives it alone, on any number
// of runs at a time; stopped midway and started again with the stored runs
// skipped, it ends with the same results.
func TestRunPointsParallelAndResumed(t *testing.T) {
	alone := make([]*keyedSink, 3)
	for i := range alone {
		alone[i] = &keyedSink{}
	}
	for _, p := range points(t, alone) {
		if err := experiment.Run(context.Background(), p.Spec, p.Hash, p.Sink); err != nil {
			t.Fatal(err)
		}
	}
	for _, parallel := range []int{1, 3} {
		sinks := []*keyedSink{{}, {}, {}}
		ctx, cancel := context.WithCancel(context.Background())
		for _, s := range sinks {
			s.stopAfter, s.cancel = 2, cancel
		}
		var last int
		err := experiment.RunPoints(ctx, points(t, sinks), parallel, func(done, total int) {
			if done < last || done > total {
				t.Errorf("progress %d of %d after %d", done, total, last)
			}
			last = done
		})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("parallel %d: stopped sweep returned %v", parallel, err)
		}
		stored := 0
		for _, s := range sinks {
			stored += len(s.byKey)
			s.stopAfter = 0
		}
		if stored == 0 || stored >= 18 {
			t.Fatalf("parallel %d: %d of 18 runs stored before the stop", parallel, stored)
		}
		ps := points(t, sinks)
		for i := range ps {
			s := sinks[i]
			ps[i].Spec.Skip = func(k string) bool { _, ok := s.byKey[k]; return ok }
		}
		if err := experiment.RunPoints(context.Background(), ps, parallel, nil); err != nil {
			t.Fatal(err)
		}
		for i := range sinks {
			if len(sinks[i].byKey) != len(alone[i].byKey) {
				t.Fatalf("parallel %d, point %d: %d runs, want %d", parallel, i, len(sinks[i].byKey), len(alone[i].byKey))
			}
			for k, want := range alone[i].byKey {
				if !reflect.DeepEqual(sinks[i].byKey[k], want) {
					t.Errorf("parallel %d, point %d, run %s: results differ from the point run alone", parallel, i, k)
				}
			}
		}
	}
	// The points differ: the test would notice results mixed up.
	differ := false
	for k, r := range alone[0].byKey {
		if other, ok := alone[2].byKey["c"+strings.TrimPrefix(k, "a")]; !ok {
			t.Fatalf("run %s of point 0 has no counterpart in point 2", k)
		} else if !reflect.DeepEqual(r, other) {
			differ = true
		}
	}
	if !differ {
		t.Error("points with different send rates gave the same results")
	}
}
