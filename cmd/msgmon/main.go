// Command msgmon is the workbench's command line: run and compare
// monetization models on scenarios, query and export the results.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	_ "github.com/msgmon/msgmon/models" // registers the monetization models
)

// Exit codes, documented in the README.
const (
	exitOK          = 0
	exitError       = 1   // a run-time failure (database, disk, ...)
	exitInput       = 2   // bad command line or scenario: fix the input
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// inputError marks errors the user fixes by changing the input.
type inputError struct{ error }

func (e inputError) Unwrap() error { return e.error }

func usageErr(format string, args ...any) error { return inputError{fmt.Errorf(format, args...)} }

// exitCode is the one place errors become exit codes.
func exitCode(err error, sig os.Signal) int {
	switch {
	case err == nil:
		return exitOK
	case sig == syscall.SIGTERM:
		return exitTerminated
	case sig != nil || errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	var se *datasets.ScenarioError
	var ie inputError
	if errors.As(err, &se) || errors.As(err, &ie) {
		return exitInput
	}
	return exitError
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got os.Signal
	go func() {
		got = <-sigs
		fmt.Fprintf(os.Stderr, "\nmsgmon: %v: stopping after the current day; stored runs are kept\n", got)
		cancel()
		<-sigs
		os.Exit(exitCode(context.Canceled, got))
	}()
	root := newRootCommand()
	err := root.ExecuteContext(ctx)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "msgmon:", err)
		}
	}
	os.Exit(exitCode(err, got))
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "msgmon",
		Short: "Compare ways messengers charge businesses: reach, churn and revenue",
		Long: `msgmon simulates users, businesses and a messaging platform as agents and
runs monetization models side by side (service-only, subscription, paid push,
ads in Status) on the same population and random numbers. Results go into a
DuckDB database for SQL.`,
		Example: `  msgmon compare                          # the embedded default scenario
  msgmon compare my-scenario.yaml --replicates 16
  msgmon query "SELECT arm, avg(churn_per_1000) FROM run_totals GROUP BY arm"
  msgmon export --out results-parquet`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(
		newRunCommand(), newCompareCommand(), newQueryCommand(), newExportCommand(),
		newPresetsCommand(), newValidateCommand(), newSchemaCommand(), newVersionCommand(),
		newBenchCommand(), newReportCommand(), newNotebookCommand(), newSweepCommand(), newSensitivityCommand(), newOptimizeCommand(), newCalibrateCommand(),
	)
	return root
}
