package experiment_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	_ "github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
	"github.com/msgmon/msgmon/sim/experiment"
)

type memSink struct {
	infos   []experiment.RunInfo
	results []*sim.Result
}

func (m *memSink) WriteRun(_ context.Context, info experiment.RunInfo, res *sim.Result) error {
	m.infos = append(m.infos, info)
	m.results = append(m.results, res)
	return nil
}

func spec(t *testing.T) experiment.Spec {
	cfg := sim.DefaultConfig()
	cfg.Users, cfg.Businesses, cfg.Days = 1500, 30, 20
	var arms []experiment.Arm
	for _, name := range []string{"service_only", "paid_push"} {
		f, _ := sim.Lookup(name)
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		arms = append(arms, experiment.Arm{Name: name, Models: []sim.Model{m}})
	}
	return experiment.Spec{Config: cfg, Arms: arms, Replicates: 3, Seed: 42}
}

// Every arm runs every replicate, arms of a replicate share seeds, and
// replicates differ; a resumed comparison gives the runs it skipped.
func TestComparisonRuns(t *testing.T) {
	var all memSink
	if err := experiment.Run(context.Background(), spec(t), "h", &all); err != nil {
		t.Fatal(err)
	}
	if len(all.infos) != 6 {
		t.Fatalf("%d runs, want 3 replicates x 2 arms", len(all.infos))
	}
	for i := 0; i < 6; i += 2 {
		a, b := all.infos[i], all.infos[i+1]
		if a.Replicate != b.Replicate || a.RunSeed != b.RunSeed || a.PopulationSeed != b.PopulationSeed {
			t.Errorf("arms of replicate %d do not share seeds: %+v %+v", a.Replicate, a, b)
		}
		if a.Arm == b.Arm {
			t.Errorf("arm repeated: %s", a.Arm)
		}
	}
	if all.infos[0].RunSeed == all.infos[2].RunSeed {
		t.Error("replicates share a seed")
	}
	// Resume: skip what the first half stored; the rest is identical.
	s := spec(t)
	stored := map[string]bool{}
	for _, info := range all.infos[:3] {
		stored[info.Key("h")] = true
	}
	s.Skip = func(k string) bool { return stored[k] }
	var rest memSink
	if err := experiment.Run(context.Background(), s, "h", &rest); err != nil {
		t.Fatal(err)
	}
	if len(rest.infos) != 3 {
		t.Fatalf("resume ran %d runs, want 3", len(rest.infos))
	}
	for i, info := range rest.infos {
		j := 3 + i
		if info.Key("h") != all.infos[j].Key("h") || !reflect.DeepEqual(rest.results[i], all.results[j]) {
			t.Errorf("resumed run %s differs from the uninterrupted one", info.Key("h"))
		}
	}
}

// Cancelling stops the comparison with the context's error; no partial
// run reaches the sink.
func TestComparisonCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := spec(t)
	var sink memSink
	s.Progress = func(done, total int) {
		if done == 30 { // midway through the second run
			cancel()
		}
	}
	err := experiment.Run(ctx, s, "h", &sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if len(sink.infos) != 1 {
		t.Errorf("%d runs reached the sink, want only the finished first one", len(sink.infos))
	}
}

// An arm's channel subset leaves the other channels of its models out: in
// service_only + paid_push restricted to paid_push, no business uses the
// service follow-ups, while the unrestricted arm's businesses use both.
func TestArmChannelSubset(t *testing.T) {
	s := spec(t)
	var ms []sim.Model
	for _, name := range []string{"service_only", "paid_push"} {
		f, _ := sim.Lookup(name)
		m, err := f.New(f.NewParams())
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	s.Replicates = 1
	s.Arms = []experiment.Arm{{Name: "both", Models: ms}, {Name: "push_only", Models: ms, Channels: []string{"paid_push"}}}
	var got memSink
	if err := experiment.Run(context.Background(), s, "h", &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"both": "service_followup+paid_push", "push_only": "paid_push"}
	for i, res := range got.results {
		arm := got.infos[i].Arm
		for _, b := range res.Businesses {
			if b.Channel != want[arm] {
				t.Fatalf("arm %s: business %d uses %q, want %q", arm, b.Business, b.Channel, want[arm])
			}
		}
	}
	s.Arms = []experiment.Arm{{Name: "typo", Models: ms, Channels: []string{"paid_pushh"}}}
	err := experiment.Run(context.Background(), s, "h", &got)
	if err == nil || !strings.Contains(err.Error(), `no channel "paid_pushh"`) || !strings.Contains(err.Error(), "service_followup, paid_push") {
		t.Errorf("a channel no model installs: error %v, want one naming it and the channels there are", err)
	}
}
