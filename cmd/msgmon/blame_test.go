package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMessagesBlameTheRightFile (issue 28 item 8): bad input in an
// overlay, a plausible set or a flag exits 2 with a message that names
// the file, line and key at fault (not the study or the default scenario)
// and what to change, and echoes a long value clipped, not whole.
func TestMessagesBlameTheRightFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	small := []string{"--db", db, "--users", "200", "--days", "3", "--replicates", "1", "--no-report", "-q"}
	study := writeFile(t, dir, "cal.yaml", tinyCalibration("default"))
	unknown := writeFile(t, dir, "unknown.yaml", "# fitted\nbehaviour:\n  react_rat: 0.05\n")
	past := writeFile(t, dir, "past.yaml", "behaviour.react_rate: 0.01\nmarkets.9.share: 0.3\n")
	share := writeFile(t, dir, "share.yaml", "markets.0.share: 1.5\n")
	sum := writeFile(t, dir, "sum.csv", "vector,weight,distance,markets.0.share\n1,1,0,0.3\n2,1,0,0.35\n")
	twice := writeFile(t, dir, "twice.yaml", "behaviour:\n  react_rate: 0.05\n  react_rate: 0.06\n")
	flatNested := writeFile(t, dir, "flat-nested.yaml", "behaviour.react_rate: 0.05\nbehaviour:\n  react_rate: 0.06\n")
	bom := writeFile(t, dir, "bom.csv", "\ufeffvector,weight,distance,behaviour.react_rate\n1,1,0,0.003\n2,1,0,nan\n")
	long := strings.Repeat("x", 40000)
	longName := writeFile(t, dir, "long-name.yaml", "name: "+long+"\nmodels:\n  service_only: {}\n")
	longKey := writeFile(t, dir, "long-key.yaml", "behaviour:\n  ? "+long+"\n  : 1\n")
	robust := func(args ...string) []string {
		return append(append([]string{"robust", "--vectors", "2"}, args...), small...)
	}
	compare := func(args ...string) []string { return append(append([]string{"compare"}, args...), small...) }
	for _, c := range []struct {
		args   []string
		want   []string
		absent []string
	}{
		// 1. An overlay's unknown key is the overlay's, at its line.
		{compare("--overlay", unknown), []string{unknown + ":3: behaviour.react_rat: unknown key (did you mean react_rate?)"}, []string{"default.yaml"}},
		{robust("--overlay", unknown), []string{unknown + ":3: behaviour.react_rat: unknown key (did you mean react_rate?)"}, []string{"default.yaml"}},
		{[]string{"calibrate", study, "--db", db, "--no-report", "--overlay", unknown},
			[]string{unknown + ":3: behaviour.react_rat: unknown key (did you mean react_rate?)"}, []string{"default.yaml", "point 0", study + ":"}},
		// 2. Indexed key paths mean what they mean in a study's set:,
		// also where the scenario's text leaves the list to the defaults.
		{compare("--preset", "wechat-service", "--overlay", past), []string{past + `:2: markets.9.share: markets is a list of 6; "9" is not an index 0..5`}, []string{"must be a list"}},
		{compare("--preset", "wechat-service", "--overlay", share), []string{share + ":1: markets.0.share: must be in [0, 1], got 1.5"}, []string{"must be a list", "does not load"}},
		{robust("--preset", "wechat-service", "--plausible", sum), []string{sum + ":2: markets.0.share: vector 1: 0.3 (the scenario key markets: shares must add up to 1, got 0.95)"}, []string{"must be a list"}},
		// 3. A key given twice in an overlay is refused, with both lines.
		{compare("--overlay", twice), []string{twice + ":3: behaviour.react_rate: given twice (first at " + twice + ":2); keep only one"}, nil},
		{compare("--overlay", flatNested), []string{flatNested + ":3: behaviour.react_rate: given twice (first at " + flatNested + ":1); keep only one"}, nil},
		{[]string{"calibrate", study, "--db", db, "--no-report", "--overlay", twice}, []string{twice + ":3: behaviour.react_rate: given twice"}, nil},
		// 4. A plausible CSV with a byte order mark reads as without: the
		// problem is the one in the file, not its header.
		{robust("--plausible", bom), []string{bom + `:3: behaviour.react_rate: "nan" is not a finite number`}, []string{"column 1", "must be vector"}},
		// 5. An unknown arm is unknown, whatever the baseline.
		{robust("--arm", "nope"), []string{`--arm nope: arm "nope" is unknown; the scenario's arms are service, service+subscription, service+paid_push, service+status_ads`}, []string{"leaves out the baseline"}},
		{compare("--arm", "nope", "--baseline", "service"), []string{`--arm nope: arm "nope" is unknown; the scenario's arms are service, `}, []string{"--baseline service"}},
	} {
		_, _, err := msgmon(t, ctx, c.args...)
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %q: exit %d (%v), want %d", c.args, code, err, exitInput)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("msgmon %q:\n\t%v\ndoes not say\n\t%s", c.args, err, w)
			}
		}
		for _, a := range c.absent {
			if strings.Contains(err.Error(), a) {
				t.Errorf("msgmon %q:\n\t%v\nsays %q", c.args, err, a)
			}
		}
	}
	// 6. A value of 40,000 characters is echoed as its first 80 and its
	// length.
	for _, args := range [][]string{
		robust("--arm", long),
		compare("--arm", long),
		compare("--preset", long),
		compare("--baseline", long),
		compare(longName),
		compare("--overlay", longKey),
		robust("--plausible", long),
		compare("--overlay", long),
		compare(long),
		{"query", "--db", db, "--format", long, "SELECT 1"},
	} {
		_, _, err := msgmon(t, ctx, args...)
		name := strings.ReplaceAll(strings.Join(args, " "), long, "<40000 x>")
		if code := exitCode(err, nil); code != exitInput {
			t.Errorf("msgmon %s: exit %d, want %d", name, code, exitInput)
			continue
		}
		if msg := err.Error(); len(msg) > 1000 || !strings.Contains(msg, strings.Repeat("x", 80)) || !strings.Contains(msg, "(40000 characters)") {
			t.Errorf("msgmon %s: %d characters: %.300s", name, len(msg), msg)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.duckdb")); len(m) > 0 {
		t.Errorf("bad input left a database: %v", m)
	}
}
