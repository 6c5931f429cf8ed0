package experiment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxShards is the largest shard count a study may be split into. A
// count above the study's runs is allowed up to it: the extra shards get
// no runs (their databases hold the study's record only), so a job array
// of fixed size fits a study of any size.
const MaxShards = 100000

// Shard is one part of a study split across processes or machines: shard
// Index of Count, counted from 1 (shard 1/4 is the first of four).
type Shard struct {
	Index, Count int
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Check refuses a shard that is not one of its count, saying what to change.
func (s Shard) Check() error {
	if s.Count < 1 {
		return fmt.Errorf("shard %s: the count N must be at least 1 (shard 1/1 is the whole study)", s)
	}
	if s.Count > MaxShards {
		return fmt.Errorf("shard %s: the count N must be at most %d; split the study into fewer shards (a shard count above the study's runs leaves the extra shards empty)", s, MaxShards)
	}
	if s.Index < 1 || s.Index > s.Count {
		return fmt.Errorf("shard %s: the index I must be between 1 and %d (shards are counted from 1: 1/%d .. %d/%d)", s, s.Count, s.Count, s.Count, s.Count)
	}
	return nil
}

// ParseShard reads "I/N", 1 ≤ I ≤ N.
func ParseShard(v string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: write I/N, the index I of N shards counted from 1, such as 2/4", v)
	}
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: I and N must be whole numbers, such as 2/4", v)
	}
	s := Shard{Index: idx, Count: cnt}
	return s, s.Check()
}

// Unit is one run of a study as the sharding sees it: its run key (unique
// within the study) and its expected cost in any unit, the same for all
// units of a study (Cost uses simulated user-days).
type Unit struct {
	Key  string
	Cost float64
}

// Assign returns the shard (1..count) of every unit: the most expensive
// unit first (ties in the order given), each to the shard whose expected
// cost is smallest so far (the lowest index on ties). The answer depends
// only on the units and count, never on the machine, so every shard of a
// study computes the same assignment on its own. With units of equal cost
// the shards' run counts differ by at most one.
func Assign(units []Unit, count int) []int {
	if count < 1 {
		panic("experiment: Assign: count < 1")
	}
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch ca, cb := units[a].Cost, units[b].Cost; {
		case ca > cb:
			return -1
		case ca < cb:
			return 1
		}
		return 0
	})
	// Beyond one shard per unit the extra shards stay empty: every unit
	// goes to the first empty shard in order, as with count = len(units).
	// So the work is O(units²) at most, whatever the count.
	bins := min(count, len(units))
	load := make([]float64, bins)
	out := make([]int, len(units))
	for _, u := range order {
		best := 0
		for s := 1; s < bins; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += units[u].Cost
		out[u] = best + 1
	}
	return out
}

// Cost is the expected cost of one run: its simulated user-days, weighted
// by the number of models the platform runs (each adds its own daily work).
func Cost(users, days, models int) float64 {
	return float64(users) * float64(days) * float64(1+models)
}

// Units lists the runs Run would make of spec, in Run's order, keyed as
// their RunInfo.Key(scenarioHash) with prefix in front.
func (spec Spec) Units(scenarioHash, prefix string) []Unit {
	var out []Unit
	for r := spec.FirstReplicate; r < spec.FirstReplicate+spec.Replicates; r++ {
		_, runSeed := SeedOf(spec.Seed, r)
		for _, a := range spec.Arms {
			info := RunInfo{Arm: a.Name, Replicate: r, RunSeed: runSeed}
			out = append(out, Unit{Key: prefix + info.Key(scenarioHash), Cost: Cost(spec.Config.Users, spec.Config.Days, len(a.Models))})
		}
	}
	return out
}
