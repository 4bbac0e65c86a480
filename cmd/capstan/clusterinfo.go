package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newClusterInfoCommand(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "cluster-info",
		Short: "Show where the control plane runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			ctx := cmd.Context()
			v, err := c.ServerVersion(ctx)
			if err != nil {
				return failed(fmt.Errorf("the control plane at %s does not answer: %w", c.Server(), err))
			}
			health := "ok"
			if b, err := c.Raw(ctx, "/readyz"); err != nil {
				health = "not ready: " + describeError(err)
			} else if s := string(b); s != "" && s != "ok" {
				health = s
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "capstan control plane is running at %s\n", c.Server())
			fmt.Fprintf(out, "  version:   %s\n", v.GitVersion)
			fmt.Fprintf(out, "  readiness: %s\n", health)
			if ctxName := c.Config().Context; ctxName != "" {
				fmt.Fprintf(out, "  context:   %s (namespace %s)\n", ctxName, c.Namespace())
			}
			return nil
		},
	}
}
