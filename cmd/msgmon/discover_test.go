package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgmon/msgmon/datasets/store"
)

// TestDiscoverCommand: discover on a robust study with assumptions finds
// boxes, stores them, adds its page to the study's report, and refuses
// bad questions with exit code 2 and what to change.
func TestDiscoverCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	size := []string{"--users", "800", "--businesses", "20", "--days", "30", "--replicates", "1", "--db", db, "-q", "--no-report"}
	if _, errOut, err := msgmon(t, ctx, append([]string{"robust", "--vectors", "24"}, size...)...); err != nil {
		t.Fatalf("robust: %v\n%s", err, errOut)
	}
	r, err := store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	id := strValue(t, r, "SELECT sweep_id FROM sweeps WHERE design = 'robust'")
	inputs := scalar(t, r, "SELECT count(*) FROM robust_sensitivity WHERE study_id = '"+id+"' AND arm = 'service+paid_push' AND metric = 'platform_revenue_per_user_year'")
	r.Close()
	if id == "" || inputs < 20 {
		t.Fatalf("study %q, %v inputs ranked; want the vector's 2 and the assumptions", id, inputs)
	}
	q := []string{"discover", "--db", db, "--batch", id, "--arm", "service+paid_push", "--than", "service+subscription", "--limit", "churn_messages_per_1000 <= service + 50"}
	out, errOut, err := msgmon(t, ctx, append(q, "--find", "holds", "--boxes", "1")...)
	if err != nil {
		// A batch where the answer never holds has nothing to find; the
		// question is then the other way round.
		if !strings.Contains(err.Error(), "no region to find") {
			t.Fatalf("discover: %v\n%s", err, errOut)
		}
		out, errOut, err = msgmon(t, ctx, append(q, "--find", "fails", "--boxes", "1")...)
		if err != nil {
			t.Fatalf("discover --find fails: %v\n%s", err, errOut)
		}
	}
	for _, want := range []string{"Question: service+paid_push earns the platform more per user than service+subscription, with msg churn/1000 at most service's +50", "24 cases", "PRIM (Friedman & Fisher 1999", "peeling trajectory", "CART (Breiman et al. 1984)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	r, err = store.OpenReadOnly(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, r, "SELECT count(*) FROM discovery WHERE batch_id = '"+id+"' AND kind = 'step'"); n < 2 {
		t.Errorf("%v trajectory steps stored", n)
	}
	r.Close()
	if st, err := os.Stat(filepath.Join(dir, id+".pdf")); err != nil || st.Size() < 10000 {
		t.Errorf("the robust report with the discovery page: %v", err)
	}
	// Bad questions: exit 2, saying what to change.
	if _, errOut, err := msgmon(t, ctx, append([]string{"robust", "--vectors", "6"}, size...)...); err != nil {
		t.Fatalf("robust: %v\n%s", err, errOut)
	}
	r, _ = store.OpenReadOnly(ctx, db)
	id4 := strValue(t, r, "SELECT sweep_id FROM sweeps WHERE points = 6")
	r.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch", id, "--arm", "nosuch", "--than", "service"}, "arm nosuch is not in batch " + id + "; its arms are service, service+paid_push, service+status_ads, service+subscription"},
		{[]string{"--batch", id, "--arm", "service+paid_push", "--than", "service", "--metric", "revenue"}, "--metric revenue: unknown; the metrics are"},
		{[]string{"--batch", id, "--arm", "service+paid_push", "--than", "service", "--limit", "churn < 5"}, "--limit: limit \"churn < 5\": write it as"},
		{[]string{"--batch", id, "--arm", "service+paid_push", "--than", "service", "--limit", "churn_messages_per_1000 <= other + 5"}, "arm other is not in batch"},
		{[]string{"--batch", "robust-nosuch-1", "--arm", "service+paid_push", "--than", "service"}, "no robust study or sweep robust-nosuch-1 in the database"},
		{[]string{"--batch", id4, "--arm", "service+paid_push", "--than", "service", "--find", "holds"}, "6 cases: too few for a box"},
		{[]string{"--arm", "service+paid_push", "--than", "service"}, "discover needs --batch"},
		{[]string{"--batch", id, "--arm", "service+paid_push", "--than", "service", "--coverage", "2"}, "--coverage 2: give a share above 0"},
	} {
		_, _, err := msgmon(t, ctx, append([]string{"discover", "--db", db}, c.args...)...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("discover %q: exit code %d (%v), want %d", c.args, code, err, exitInput)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("discover %q:\n\t%v\ndoes not say\n\t%s", c.args, err, c.want)
		}
	}
	if _, _, err := msgmon(t, ctx, "discover", "--db", filepath.Join(dir, "none.duckdb"), "--batch", id, "--arm", "service+paid_push", "--than", "service"); exitCode(err, nil) != exitInput {
		t.Errorf("a missing database: %v", err)
	}
}

// strValue is the one string a query returns.
func strValue(t *testing.T, db *store.DB, q string) string {
	t.Helper()
	tb, err := db.Query(context.Background(), q)
	if err != nil || len(tb.Rows) != 1 {
		t.Fatalf("%s: %v (%d rows)", q, err, len(tb.Rows))
	}
	s, _ := tb.Rows[0][0].(string)
	return s
}
