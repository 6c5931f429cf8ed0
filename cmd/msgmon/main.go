// Command msgmon is the workbench's command line: run and compare
// monetization models on scenarios, query and export the results.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/store"
	"github.com/msgmon/msgmon/datasets/study"
	_ "github.com/msgmon/msgmon/models" // registers the monetization models
	"github.com/msgmon/msgmon/reports"
)

// Exit codes, documented in the README.
const (
	exitOK          = 0
	exitError       = 1   // a run-time failure (database, disk, ...)
	exitInput       = 2   // bad command line or scenario: fix the input
	exitNoPolicy    = 3   // optimize: no policy met the constraints
	exitOutside     = 4   // calibrate: targets outside their tolerance (--check, or a --save refused)
	exitFactFails   = 5   // scorecard: a fact failed
	exitDiffers     = 6   // equivalence: a figure differs beyond sampling error
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// inputError marks errors the user fixes by changing the input; the
// study runner's are the same type.
type inputError = study.InputError

func usageErr(format string, args ...any) error { return study.InputErrorf(format, args...) }

// clipPathError is err with the file name of the *fs.PathError in it
// clipped (datasets.Clip), as every value a message echoes is: a name of
// 40,000 characters fails to open and is not repeated whole.
func clipPathError(err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) || datasets.Clip(pe.Path) == pe.Path {
		return err
	}
	return clippedError{strings.ReplaceAll(err.Error(), pe.Path, datasets.Clip(pe.Path)), err}
}

// clippedError is err with another message.
type clippedError struct {
	msg string
	err error
}

func (e clippedError) Error() string { return e.msg }
func (e clippedError) Unwrap() error { return e.err }

// infeasibleError: optimize searched to the end, and no policy it tried
// met every constraint. The report is printed all the same.
type infeasibleError struct{ error }

func (e infeasibleError) Unwrap() error { return e.error }

// outsideError: calibrate measured targets outside their tolerance,
// and --check reports it or --save refused to write the fit. The table
// is printed and stored all the same.
type outsideError struct{ error }

func (e outsideError) Unwrap() error { return e.error }

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
	var fe infeasibleError
	var oe outsideError
	var ff factFailedError
	var de differsError
	switch {
	case errors.As(err, &se) || errors.As(err, &ie):
		return exitInput
	case errors.As(err, &fe):
		return exitNoPolicy
	case errors.As(err, &oe):
		return exitOutside
	case errors.As(err, &ff):
		return exitFactFails
	case errors.As(err, &de):
		return exitDiffers
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
		newBenchCommand(), newScorecardCommand(), newReportCommand(), newNotebookCommand(), newSweepCommand(), newSensitivityCommand(), newOptimizeCommand(), newCalibrateCommand(), newMergeCommand(), newRobustCommand(), newDiscoverCommand(), newEquivalenceCommand(),
	)
	root.PersistentPreRunE = checkFlags
	wrapArgs(root)
	return root
}

// checkFlags refuses, as bad input, the flag values every command shares:
// a negative --workers or --parallel, which every command reading them
// takes as "0: choose for me" otherwise, and a --db that cannot name a
// database file.
func checkFlags(cmd *cobra.Command, _ []string) error {
	for _, name := range []string{"workers", "parallel"} {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			if n, err := cmd.Flags().GetInt(name); err == nil && n < 0 {
				return usageErr("--%s: must be 0 (choose by the cores) or more, got %d", name, n)
			}
		}
	}
	// --format of the table commands (export has its own, parquet).
	if f := cmd.Flags().Lookup("format"); f != nil && f.DefValue == reports.FormatTable && !slices.Contains(reports.Formats, f.Value.String()) {
		return usageErr("--format must be table, csv or json, got %s", datasets.ClipQ(f.Value.String()))
	}
	if f := cmd.Flags().Lookup("db"); f != nil {
		return checkDBPath(f.Value.String())
	}
	return nil
}

// addFormatFlag adds --format, the output format of a command's table.
func addFormatFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "format", reports.FormatTable, "output format: table, csv or json (one row or object per line of the table, every figure with the ends of its interval)")
}

// notes is where a command writes what is not its table: stdout for a
// table, stderr when the table is CSV or JSON for another program.
func notes(format string, stdout, stderr io.Writer) io.Writer {
	if format == reports.FormatTable {
		return stdout
	}
	return stderr
}

// checkDBPath refuses a --db that is empty, holds a character the DuckDB
// driver reads as options or a control character, lies under a file,
// names a folder or a file that is not a DuckDB database: a device, an
// empty file or one without DuckDB's header. A missing file is a new
// database (commands that write create it; those that read say so).
func checkDBPath(path string) error {
	switch {
	case strings.TrimSpace(path) == "":
		return usageErr("--db: give the path of a results database file, e.g. --db %s", defaultDB)
	case strings.ContainsAny(path, "?#%"):
		return usageErr("--db %q: a database path must not contain '?', '#' or '%%'; choose another file name", path)
	case strings.ContainsFunc(path, unicode.IsControl):
		return usageErr("--db %q: a database path must not hold a line break or another control character; choose another file name", path)
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		if f, ok := fileAncestor(path); ok {
			return usageErr("--db %s: %s is a file, not a folder; choose a database path in a folder", path, f)
		}
		return nil
	case st.IsDir():
		return usageErr("--db %s is a folder; give a database file, e.g. --db %s", path, filepath.Join(path, "results.duckdb"))
	case !st.Mode().IsRegular():
		return usageErr("--db %s is not a regular file (a device, pipe or socket); give a database file, e.g. --db %s", path, defaultDB)
	case st.Size() == 0:
		return usageErr("--db %s is an empty file, not a DuckDB database; msgmon creates the database when the file is missing: delete the empty file or choose another --db", path)
	}
	if !isDuckDBFile(path) {
		return usageErr("--db %s is not a DuckDB database (it has no DuckDB file header); give a results database msgmon wrote, or a new file name", path)
	}
	return nil
}

// isDuckDBFile reports whether the file at path starts with DuckDB's
// header: the magic bytes "DUCK" at offset 8. A file that cannot be read
// passes: opening it reports why.
func isDuckDBFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	var head [12]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF)
	}
	return string(head[8:12]) == "DUCK"
}

// sqlInput marks DuckDB's refusal of SQL the user wrote (its syntax,
// names, types or values; a write where writes are not allowed) as bad
// input; failures of the database itself stay run-time failures.
func sqlInput(err error) error {
	if !store.IsSQLError(err) {
		return err
	}
	if s := err.Error(); strings.Contains(s, "Extension Autoloading Error") || strings.Contains(s, "Missing Extension Error") {
		// CREATE SECRET, a URL, a format DuckDB loads on demand.
		return inputError{Err: fmt.Errorf("%w; msgmon runs SQL without DuckDB extensions (none is installed or loaded), so this statement cannot run here: use the DuckDB CLI on the database file for it", err)}
	}
	return inputError{Err: err}
}

// wrapArgs makes the argument checks of c and its subcommands return
// input errors that point to the command's help.
func wrapArgs(c *cobra.Command) {
	check := c.Args
	if check == nil && c.HasSubCommands() {
		check = unknownSubcommand
		if !c.Runnable() {
			// cobra checks arguments only of runnable commands.
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	if check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				var ie inputError
				if errors.As(err, &ie) {
					return err
				}
				return usageErr("%v (see %s --help)", err, cmd.CommandPath())
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// unknownSubcommand refuses any argument to a command that only groups
// subcommands, suggesting the closest names.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageErr("%s (see %s --help)", msg, cmd.CommandPath())
}

// openResults opens the results database at path for reading. A missing
// file is bad input: the message says how to make one.
func openResults(ctx context.Context, verb, path string) (*store.DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, usageErr("%s: no results database at %s; run msgmon compare first or pass --db", verb, path)
	}
	return store.OpenReadOnly(ctx, path)
}

// openSealed opens the results database at path for reading only, with
// no access to files outside it (store.OpenSealed): for SQL the user typed.
func openSealed(ctx context.Context, verb, path string) (*store.DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, usageErr("%s: no results database at %s; run msgmon compare first or pass --db", verb, path)
	}
	return store.OpenSealed(ctx, path)
}
