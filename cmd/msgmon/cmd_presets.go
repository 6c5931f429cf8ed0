package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/msgmon/msgmon/datasets"
	"github.com/msgmon/msgmon/datasets/study"
)

func newPresetsCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "presets",
		Short: "List the embedded scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, name := range datasets.EmbeddedNames() {
				sc, err := datasets.Embedded(name)
				if err != nil {
					return err
				}
				desc, _, _ := strings.Cut(strings.TrimSpace(sc.Description), "\n")
				fmt.Fprintf(tw, "%s\t%s\n", name, desc)
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:     "show NAME",
		Short:   "Print an embedded scenario's YAML, to copy and edit",
		Example: "  msgmon presets show default > my-scenario.yaml",
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return datasets.EmbeddedNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := datasets.EmbeddedYAML(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	c.AddCommand(show)
	return c
}

func newValidateCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "validate scenario.yaml...",
		Short:   "Check scenario files without running them",
		Example: "  msgmon validate scenarios/*.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				sc, err := datasets.Load(path)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					bad++
					continue
				}
				arms := sc.Arms()
				names := make([]string, len(arms))
				for i, a := range arms {
					names[i] = a.Name
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d users, %d businesses, %d days, arms: %s; a run needs about %d MiB of memory)\n",
					path, sc.Users, sc.Businesses, sc.Days, strings.Join(names, ", "), study.PeakMemory(&sc.Config)>>20)
			}
			if bad > 0 {
				return inputError{Err: fmt.Errorf("%d of %d scenario files have problems", bad, len(args))}
			}
			return nil
		},
	}
}

func newSchemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files, for editors",
		Long: `Schema prints a JSON Schema (draft 2020-12) of the scenario format. Point
your editor's YAML language server at it for completion and checking:
  # yaml-language-server: $schema=msgmon-scenario.schema.json`,
		Example: "  msgmon schema > msgmon-scenario.schema.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := datasets.JSONSchema()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		},
	}
}
