package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBench runs the bench command at a small size: it reports a positive
// median rate for the workers asked for, and --cpuprofile writes a pprof
// profile (gzip-compressed protocol buffers) for go tool pprof.
func TestBench(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	out, _, err := msgmon(t, context.Background(), "bench", "--users", "2000", "--businesses", "40",
		"--days", "20", "--repeat", "3", "--workers", "1", "--cpuprofile", prof)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`median ([0-9.]+) M user-days/s with 1 workers`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no median line for 1 worker in:\n%s", out)
	}
	if rate, _ := strconv.ParseFloat(m[1], 64); rate <= 0 {
		t.Errorf("median rate %v M user-days/s, want > 0", rate)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("profile %s is not gzip data (%d bytes)", prof, len(b))
	}

	_, _, err = msgmon(t, context.Background(), "bench", "--users", "2000", "--businesses", "40",
		"--days", "2", "--repeat", "1", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.pprof"))
	var ie inputError
	if !errors.As(err, &ie) {
		t.Errorf("profile in a missing folder: got %v, want an input error", err)
	}

	for _, bad := range [][]string{{"--repeat", "0"}, {"--workers", "-3"}, {"--without", "ads"}} {
		_, _, err := msgmon(t, context.Background(), append([]string{"bench", "--users", "2000", "--days", "2"}, bad...)...)
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("bench %v: got %v, want an input error naming the flag", bad, err)
		}
	}
}

// bench --without switches a process off: without campaigns a run
// delivers only the messages of service conversations, a small part of
// the whole run's, and says what it switched off.
func TestBenchWithout(t *testing.T) {
	delivered := func(args ...string) (float64, string) {
		t.Helper()
		out, _, err := msgmon(t, context.Background(), append([]string{"bench", "--users", "3000", "--businesses", "60",
			"--days", "30", "--repeat", "1", "--workers", "1"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`([0-9.]+) messages delivered per user-day`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no messages line in:\n%s", out)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v, out
	}
	whole, _ := delivered()
	without, out := delivered("--without", "campaigns")
	if whole <= 0.5 || without >= whole/4 {
		t.Errorf("%.3f messages a user-day in the whole run, %.3f without campaigns: want the whole above 0.5 and under a quarter of it without", whole, without)
	}
	if !strings.Contains(out, "switched off: campaigns") {
		t.Errorf("bench --without campaigns does not say what it switched off:\n%s", out)
	}
}
