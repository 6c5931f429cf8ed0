package study

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/sim"
)

// SlotSeed is the scenario seed of slot k of a robust study whose
// scenario has seed: the first draw of sim.NewStream(seed,
// sim.PurposeRobustSlot, k, 0), a counter-based generator, so it depends
// only on (seed, k).
func SlotSeed(seed uint64, k int) uint64 {
	s := sim.NewStream(seed, sim.PurposeRobustSlot, k, 0)
	return s.Uint64()
}

// RobustOptions are what a robust study is made of, checked by the
// caller: the base scenario, the plausible set and the arms compared.
type RobustOptions struct {
	Scenario *datasets.Scenario     // the base, with the command line's changes
	Set      *datasets.PlausibleSet // the plausible set the vectors are drawn from
	Arms     []string               // the arms compared, in the scenario's order (two at least)
	Baseline string                 // the arm the others are compared with
	// Source and Data are the base scenario's text and its name in
	// problems: every vector is set on it.
	Source string
	Data   []byte
	// Overlay is an overlay file applied before each vector ("": none).
	Overlay string
	// File is the scenario's file, or "preset NAME", for the sweep's
	// record.
	File string
	// Ranges are the assumptions' ranges (nil: the embedded table).
	Ranges *datasets.Ranges
}

// RobustPlan is a robust study: its slots' scenarios and what they came
// from.
type RobustPlan struct {
	RobustOptions
	Draw   []int // vector index of each slot
	Slots  []*datasets.Scenario
	ID     string   // the study's id: robust-<scenario>-<hash of every slot and the arms>
	Name   string   // the study's name: robust-<scenario>
	Params []string // runs.params of each slot
	// Paths are the inputs that vary from slot to slot: the set's paths,
	// then the assumptions'; Cols their view columns.
	Paths []string
	Cols  []string
	// Assumptions are drawn for every slot from their ranges (the
	// scenario's robust: section says which), Values[k] slot k's.
	Assumptions []datasets.Assumption
	Values      [][]float64
}

// AssumptionsSeed is the seed of the Latin hypercube of a robust study's
// assumptions over n slots.
func AssumptionsSeed(seed uint64, n int) uint64 {
	s := sim.NewStream(seed, sim.PurposeRobustAssumptions, n, 0)
	return s.Uint64()
}

// X is slot k's inputs, in the order of Paths.
func (p *RobustPlan) X(k int) []float64 {
	x := append([]float64(nil), p.Set.Vectors[p.Draw[k]].Values...)
	if p.Values != nil {
		x = append(x, p.Values[k]...)
	}
	return x
}

var robustColumn = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// PlanRobust draws the study's vectors (Scenario.Robust.Vectors of them,
// in proportion to their weights, seeded by the scenario's seed) and
// makes each a slot k: the base scenario with the overlay, the run's
// size, and the vector set on it, and the seed SlotSeed(seed, k). Every
// vector of the set must make a valid scenario, drawn or not.
func PlanRobust(o RobustOptions) (*RobustPlan, error) {
	sc, set := o.Scenario, o.Set
	// The overrides before each vector: the overlay, then the flags that
	// size the run.
	var before []datasets.Override
	if o.Overlay != "" {
		ov, err := datasets.ReadOverlay(o.Overlay)
		if err != nil {
			return nil, err
		}
		before = append(before, ov.Overrides...)
	}
	before = append(before,
		datasets.Override{Path: "users", Value: sc.Users},
		datasets.Override{Path: "businesses", Value: sc.Businesses},
		datasets.Override{Path: "days", Value: sc.Days},
		datasets.Override{Path: "replicates", Value: sc.Robust.Replicates})
	// Every vector must make a valid scenario, drawn or not: a set with
	// one that does not is wrong for this scenario.
	plan := &RobustPlan{RobustOptions: o, Name: "robust-" + sc.Name}
	if err := set.Check(o.Source, o.Data, before); err != nil {
		return nil, err
	}
	plan.Draw = set.Draw(sc.Robust.Vectors, sc.Seed)
	// The assumptions each slot draws from their ranges, by a Latin
	// hypercube over the slots keyed by the scenario's seed.
	var err error
	ranges := o.Ranges
	if ranges == nil {
		if ranges, err = datasets.AssumptionRanges(); err != nil {
			return nil, err
		}
	}
	if plan.Assumptions, err = sc.RobustAssumptionsWith(ranges, set.Paths); err != nil {
		return nil, err
	}
	if len(plan.Assumptions) > 0 {
		if plan.Values, err = datasets.AssumptionDraws(plan.Assumptions, len(plan.Draw), AssumptionsSeed(sc.Seed, len(plan.Draw))); err != nil {
			return nil, err
		}
	}
	plan.Paths = append([]string(nil), set.Paths...)
	for _, a := range plan.Assumptions {
		plan.Paths = append(plan.Paths, a.Path)
	}
	// Column names in the view: the last key of each path, or the whole
	// path when two end the same.
	count := map[string]int{}
	for _, p := range plan.Paths {
		count[p[strings.LastIndex(p, ".")+1:]]++
	}
	for _, p := range plan.Paths {
		c := p[strings.LastIndex(p, ".")+1:]
		if count[c] > 1 || c == "vector" || c == "point" {
			c = p
		}
		plan.Cols = append(plan.Cols, robustColumn.ReplaceAllString(c, "_"))
	}
	h := sha256.New()
	fmt.Fprintf(h, "robust\x00%s\x00%s\x00", sc.Name, strings.Join(o.Arms, "\x00"))
	for k, i := range plan.Draw {
		var after []datasets.Override
		if plan.Values != nil {
			after = sc.AssumptionOverrides(plan.Assumptions, plan.Values[k])
		}
		s, err := set.ScenarioWith(o.Source, o.Data, before, i, after)
		if err != nil {
			return nil, err
		}
		s.Seed = SlotSeed(sc.Seed, k)
		hash, err := s.Hash()
		if err != nil {
			return nil, err
		}
		plan.Slots = append(plan.Slots, s)
		fmt.Fprintf(h, "%d\x00%d\x00%s\x00", k, set.Vectors[i].ID, hash)
	}
	plan.ID = "robust-" + sc.Name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
	for k, i := range plan.Draw {
		m := map[string]any{"sweep": plan.Name, "sweep_id": plan.ID, "point": k, "vector": set.Vectors[i].ID}
		for j, x := range plan.X(k) {
			m[plan.Cols[j]] = x
		}
		b, _ := json.Marshal(m)
		plan.Params = append(plan.Params, string(b))
	}
	return plan, nil
}

// ExecuteRobust runs (or resumes) every slot of the plan into the
// database, as a sweep whose points are the slots (design robust, view
// sweep_robust_<scenario>), and returns it open; close it when done.
func ExecuteRobust(ctx context.Context, o Options, plan *RobustPlan) (*store.DB, error) {
	sc := plan.Scenario
	R := sc.Robust.Replicates
	spec, _ := json.Marshal(map[string]any{"scenario": sc.Name, "file": plan.File, "overlay": plan.Overlay, "plausible": plan.Set.File,
		"vectors": len(plan.Slots), "replicates": R, "arms": plan.Arms, "seed": sc.Seed, "base": plan.Baseline, "assumptions": len(plan.Assumptions)})
	meta := store.SweepMeta{ID: plan.ID, Name: plan.Name, File: plan.File, Design: "robust", Replicates: R, Spec: string(spec),
		Columns: []store.SweepColumn{{Path: "vector", Column: "vector", Type: "INTEGER"}}, Points: plan.Params}
	for j, p := range plan.Paths {
		meta.Columns = append(meta.Columns, store.SweepColumn{Path: p, Column: plan.Cols[j], Type: "DOUBLE"})
	}
	st := Study{Meta: meta, Kind: "robust", Scenarios: plan.Slots, Arms: plan.Arms,
		Status: fmt.Sprintf("%s: %d behaviours x %d arms x %d replicates, %%d at a time", sc.Name, len(plan.Slots), len(plan.Arms), R)}
	for k := range plan.Slots {
		st.Index = append(st.Index, k)
	}
	return Execute(ctx, o, st)
}
