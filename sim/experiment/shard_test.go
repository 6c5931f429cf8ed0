package experiment_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/msgmon/msgmon/sim/experiment"
)

// Units names exactly the runs Run hands to its sink, in the same order,
// with the keys the sink would store them under.
func TestUnitsAreTheRunsOfRun(t *testing.T) {
	sp := spec(t)
	sp.Config.Days = 3
	var got memSink
	if err := experiment.Run(context.Background(), sp, "h", &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, info := range got.infos {
		keys = append(keys, "pre/"+info.Key("h"))
	}
	var unitKeys []string
	for _, u := range sp.Units("h", "pre/") {
		unitKeys = append(unitKeys, u.Key)
		if u.Cost <= 0 {
			t.Errorf("unit %s has cost %v", u.Key, u.Cost)
		}
	}
	if !reflect.DeepEqual(keys, unitKeys) {
		t.Errorf("Units %v, Run made %v", unitKeys, keys)
	}
}

// Skipping every unit outside one shard, over all shards, runs each run
// exactly once.
func TestShardsRunEachRunOnce(t *testing.T) {
	sp := spec(t)
	sp.Config.Days = 2
	units := sp.Units("h", "")
	const n = 4
	shard := experiment.Assign(units, n)
	of := map[string]int{}
	for i, u := range units {
		of[u.Key] = shard[i]
	}
	seen := map[string]int{}
	for s := 1; s <= n; s++ {
		part := sp
		part.Skip = func(k string) bool { return of[k] != s }
		var m memSink
		if err := experiment.Run(context.Background(), part, "h", &m); err != nil {
			t.Fatal(err)
		}
		for _, info := range m.infos {
			k := info.Key("h")
			if of[k] != s {
				t.Errorf("shard %d ran %s, assigned to shard %d", s, k, of[k])
			}
			seen[k]++
		}
	}
	for _, u := range units {
		if seen[u.Key] != 1 {
			t.Errorf("run %s ran %d times over the shards, want once", u.Key, seen[u.Key])
		}
	}
}

// The assignment is a partition balanced by cost: with equal costs the
// counts differ by at most one; with unequal ones no shard carries more
// than the lightest plus the largest single cost (the bound of greedy
// longest-first scheduling); it is the same when computed again.
func TestAssignBalanced(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 40} {
		var equal []experiment.Unit
		for i := range 23 {
			equal = append(equal, experiment.Unit{Key: string(rune('a' + i)), Cost: 5})
		}
		counts := make([]int, n+1)
		for _, s := range experiment.Assign(equal, n) {
			if s < 1 || s > n {
				t.Fatalf("n=%d: shard %d out of range", n, s)
			}
			counts[s]++
		}
		lo, hi := slices.Min(counts[1:]), slices.Max(counts[1:])
		if hi-lo > 1 || hi != (23+n-1)/n {
			t.Errorf("n=%d: counts %v, want 23 spread within one", n, counts[1:])
		}

		var mixed []experiment.Unit
		maxCost := 0.0
		for i := range 31 {
			c := float64((i*7919)%13 + 1)
			maxCost = max(maxCost, c)
			mixed = append(mixed, experiment.Unit{Key: string(rune('A' + i)), Cost: c})
		}
		a := experiment.Assign(mixed, n)
		if b := experiment.Assign(mixed, n); !reflect.DeepEqual(a, b) {
			t.Errorf("n=%d: two assignments differ", n)
		}
		load := make([]float64, n)
		for i, s := range a {
			load[s-1] += mixed[i].Cost
		}
		if slices.Max(load)-slices.Min(load) > maxCost {
			t.Errorf("n=%d: loads %v spread by more than the largest cost %v", n, load, maxCost)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want experiment.Shard
		ok   bool
	}{
		{"1/1", experiment.Shard{Index: 1, Count: 1}, true},
		{"2/4", experiment.Shard{Index: 2, Count: 4}, true},
		{" 4/4 ", experiment.Shard{Index: 4, Count: 4}, true},
		{"3/2", experiment.Shard{}, false},
		{"0/0", experiment.Shard{}, false},
		{"0/4", experiment.Shard{}, false},
		{"x", experiment.Shard{}, false},
		{"1/x", experiment.Shard{}, false},
		{"-1/3", experiment.Shard{}, false},
		{"2", experiment.Shard{}, false},
	} {
		got, err := experiment.ParseShard(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseShard(%q): error %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && got != c.want {
			t.Errorf("ParseShard(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// A shard count above the number of units leaves the extra shards empty
// and gives the units the shards they get with one shard per unit; the
// work does not grow with the count (a count of MaxInt would not end, nor
// fit in memory, if it did).
func TestAssignManyShards(t *testing.T) {
	units := []experiment.Unit{{"a", 3}, {"b", 1}, {"c", 3}, {"d", 2}, {"e", 2}}
	want := experiment.Assign(units, len(units))
	for _, count := range []int{len(units) + 1, experiment.MaxShards, 1 << 62} {
		if got := experiment.Assign(units, count); !slices.Equal(got, want) {
			t.Errorf("Assign(%d shards) = %v, want %v (as with %d)", count, got, want, len(units))
		}
	}
	// One unit per shard, the most expensive first: a, c, d, e, b.
	if w := []int{1, 5, 2, 3, 4}; !slices.Equal(want, w) {
		t.Errorf("Assign(5 units, 5 shards) = %v, want %v", want, w)
	}
	if err := (experiment.Shard{Index: 1, Count: experiment.MaxShards + 1}).Check(); err == nil {
		t.Errorf("shard 1/%d accepted, want a refusal above MaxShards", experiment.MaxShards+1)
	}
}
