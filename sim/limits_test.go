package sim_test

import (
	"reflect"
	"testing"

	"github.com/msgmon/msgmon/models"
	"github.com/msgmon/msgmon/sim"
)

// The tier quotas come out the same whether the followers of each
// business in each block are kept in a table or counted anew each day
// (what runs of many businesses do to save memory), on one worker and on
// three; and the quotas bind: low tiers refuse sends that a run without
// tiers delivers.
func TestTierQuotasWithoutTheTable(t *testing.T) {
	cfg := smallConfig(9000, 60, 45) // five blocks
	tiered := func(tiers []int) sim.Model {
		return newModel[models.PaidPushParams](t, "paid_push", func(p *models.PaidPushParams) {
			p.Tiers, p.StartTier = tiers, 0
		})
	}
	defer func(v int) { *sim.BlockFollowerBytes = v }(*sim.BlockFollowerBytes)
	var results []*sim.Result
	for _, bytes := range []int{1 << 20, 0} {
		*sim.BlockFollowerBytes = bytes
		for _, workers := range []int{1, 3} {
			_, _, res := run(t, cfg, 7, sim.RunSpec{Workers: workers}, tiered([]int{40, 120}))
			results = append(results, res)
		}
	}
	for i, res := range results[1:] {
		if !reflect.DeepEqual(res, results[0]) {
			t.Errorf("run %d (table kept: %v, workers %d) differs from the run with the table on one worker", i+1, i+1 < 2, []int{3, 1, 3}[i])
		}
	}
	_, _, free := run(t, cfg, 7, sim.RunSpec{}, tiered(nil))
	limited, unlimited := totals(results[0]), totals(free)
	if limited.SendsBlocked <= unlimited.SendsBlocked {
		t.Errorf("tiers of 40 and 120 users a day refused %d sends, no more than %d without tiers: the quotas did not bind",
			limited.SendsBlocked, unlimited.SendsBlocked)
	}
	t.Logf("sends refused: %d with tiers, %d without", limited.SendsBlocked, unlimited.SendsBlocked)
}

// A cap of business messages per window above 255 could never bind (a
// slot counts them in 8 bits): NewPlatform refuses it, and takes 255.
func TestWindowMessageCapFitsItsCounter(t *testing.T) {
	cfg := smallConfig(100, 5, 1)
	f, ok := sim.Lookup("service_only")
	if !ok {
		t.Fatal("service_only not registered")
	}
	for _, n := range []int{255, 256} {
		p := f.NewParams().(*models.ServiceOnlyParams)
		p.MaxMessagesPerWindow = n
		m, err := f.New(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sim.NewPlatform(&cfg, m)
		if (err != nil) != (n > 255) {
			t.Errorf("a cap of %d messages per window: NewPlatform said %v", n, err)
		}
	}
}
