package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
	"github.com/msgmon/msgmon/sim"
)

func newBenchCommand() *cobra.Command {
	var users, businesses, days, repeat, workers int
	var cpuProfile, sendPolicy string
	var without []string
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure simulation speed and memory on this machine",
		Long: `Bench builds a population of the default scenario's traits at the given
size (businesses scaled with --users to the default scenario's users per
business unless --businesses is given) and runs all registered models together in one arm, repeat times. It
prints the median user-days per second, the ratio of the slowest to the
fastest run, and the peak resident memory of the process.

It also prints the messages delivered per user-day, the work a run does
besides the users' own processes: under --send-policy adaptive (the
default scenario's) businesses choose their send rates, so two builds or
settings that deliver different volumes do different work.

With --without it switches processes off (their rates set to zero), to
measure what each costs: the time or, under callgrind, the instructions
a run saves without it. The processes overlap (conversations make the
contacts campaigns then reach), so the savings do not add up to the
whole.

With --cpuprofile it writes a CPU profile of the timed runs, for
go tool pprof.`,
		Example: `  msgmon bench                                   # 100k users, 365 days
  msgmon bench --users 1000000 --businesses 10000 --repeat 1
  msgmon bench --send-policy fixed               # businesses keep their trait send rates
  msgmon bench --days 60 --cpuprofile cpu.pprof && go tool pprof -top cpu.pprof
  msgmon bench --without campaigns               # what the businesses' campaigns cost`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if repeat < 1 {
				return usageErr("--repeat: must be at least 1, got %d", repeat)
			}
			if err := checkPaths(nil, []pathArg{{name: "--cpuprofile " + cpuProfile, path: cpuProfile, needParent: true}}); err != nil {
				return err
			}
			cfg := sim.DefaultConfig()
			if !cmd.Flags().Changed("businesses") {
				// The default scenario's users per business at any size.
				businesses = datasets.ScaledBusinesses(users, cfg.Users, cfg.Businesses)
			}
			cfg.Users, cfg.Businesses, cfg.Days = users, businesses, days
			cfg.Business.SendPolicy = sendPolicy
			for _, p := range without {
				if err := sim.SwitchOff(&cfg, p); err != nil {
					return usageErr("--without %s: %v", p, err)
				}
			}
			if err := cfg.Validate(); err != nil {
				return inputError{Err: err}
			}
			if msg := datasets.FewUsersPerBusiness(users, businesses); msg != "" {
				return usageErr("--businesses %d: %s", businesses, msg)
			}
			if err := study.CheckMemory("bench", &cfg); err != nil {
				return err
			}
			var ms []sim.Model
			for _, f := range sim.Registered() {
				m, err := f.New(f.NewParams())
				if err != nil {
					return err
				}
				ms = append(ms, m)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "population: %d users, %d businesses, %d days; models: %d; estimated peak memory of one run %.0f MiB\n",
				users, businesses, days, len(ms), float64(study.PeakMemory(&cfg))/(1<<20))
			if len(without) > 0 {
				fmt.Fprintf(out, "switched off: %s\n", strings.Join(without, ", "))
			}
			t0 := time.Now()
			pop, err := sim.NewPopulationContext(cmd.Context(), &cfg, 1)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "population built in %v\n", time.Since(t0).Round(time.Millisecond))
			plat, err := sim.NewPlatform(&cfg, ms...)
			if err != nil {
				return err
			}
			if cpuProfile != "" {
				// Into a temporary file next to it, renamed once complete.
				f, err := os.CreateTemp(filepath.Dir(cpuProfile), "."+filepath.Base(cpuProfile)+".*")
				if err != nil {
					return inputError{Err: fmt.Errorf("--cpuprofile: %w", err)}
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Close()
					os.Remove(f.Name())
					return err
				}
				defer func() {
					pprof.StopCPUProfile()
					if cerr := f.Close(); err == nil && cerr != nil {
						err = fmt.Errorf("--cpuprofile: %w", cerr)
					}
					if err == nil {
						err = os.Chmod(f.Name(), 0o644)
					}
					if err == nil {
						err = os.Rename(f.Name(), cpuProfile)
					}
					if err != nil {
						os.Remove(f.Name())
					}
				}()
			}
			var rates []float64
			for i := 0; i < repeat; i++ {
				t0 := time.Now()
				res, err := sim.Run(cmd.Context(), pop, plat, sim.RunSpec{Seed: uint64(i + 1), Workers: workers})
				if err != nil {
					return err
				}
				el := time.Since(t0)
				var msgs int64
				for _, d := range res.Daily {
					msgs += d.SendsPush + d.SendsFolder
				}
				rates = append(rates, float64(users)*float64(days)/el.Seconds())
				fmt.Fprintf(out, "run %d: %v, %.2f M user-days/s, %.3f messages delivered per user-day\n",
					i+1, el.Round(time.Millisecond), rates[i]/1e6, float64(msgs)/(float64(users)*float64(days)))
			}
			sort.Float64s(rates)
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			nw := runtime.GOMAXPROCS(0)
			if workers > 0 {
				nw = workers
			}
			fmt.Fprintf(out, "median %.2f M user-days/s with %d workers on %d cores (slowest/fastest %.2f); peak RSS %.0f MiB\n",
				rates[len(rates)/2]/1e6, nw, runtime.NumCPU(), rates[len(rates)-1]/rates[0], float64(ru.Maxrss)/1024)
			return nil
		},
	}
	c.Flags().IntVar(&users, "users", 100_000, "users")
	c.Flags().IntVar(&businesses, "businesses", 2_000, "businesses (default: scaled with --users to the default scenario's 50 users per business)")
	c.Flags().IntVar(&days, "days", 365, "days")
	c.Flags().IntVar(&repeat, "repeat", 3, "runs to take the median of")
	c.Flags().IntVar(&workers, "workers", 0, "workers (0: all cores)")
	c.Flags().StringVar(&sendPolicy, "send-policy", sim.DefaultConfig().Business.SendPolicy, "how businesses set their send rates: adaptive or fixed")
	c.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the timed runs to this file")
	c.Flags().StringSliceVar(&without, "without", nil, "processes to switch off: "+strings.Join(sim.SwitchableProcesses(), ", "))
	return c
}
