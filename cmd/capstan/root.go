package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "capstan",
		Short: "capstan is a container orchestrator whose brain is a pure, deterministic state machine",
		Long: `capstan is a container orchestrator in the spirit of Kubernetes. Its brain —
objects, store, scheduler, controllers — is a pure deterministic state machine
that runs the same in tests, in the browser playground, in the API server and
in the node agent.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newSimCommand(), newPlaygroundCommand(), newVersionCommand(), newAgentCommand(), newImageCommand())
	addClusterCommands(root)
	root.AddCommand(newServerCommand(), newUpCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of capstan",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			fmt.Fprintf(cmd.OutOrStdout(), "capstan %s\n", v)
			return nil
		},
	}
}

// exitError is an error that has been reported in full and sets the exit
// code.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func asExit(err error, target *exitError) bool { return errors.As(err, target) }
