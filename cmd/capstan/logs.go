package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
)

func newLogsCommand(f *clientFlags) *cobra.Command {
	var o client.LogOptions
	var tail int64
	cmd := &cobra.Command{
		Use:   "logs POD [-c CONTAINER] [-f] [--tail N] [--previous]",
		Short: "Print the log of a container of a pod",
		Long: `logs prints a container's log, which the API server fetches from the agent of
the pod's node, as kubectl logs does. -c names the container (needed when the
pod has several); -f follows the log until interrupted or the container ends.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if k, n, ok := strings.Cut(name, "/"); ok {
				info, err := resolveKind(k)
				if err != nil {
					return failed(err)
				}
				if info.Kind != "Pod" {
					return failed(fmt.Errorf("logs reads pods' logs, not a %s's", info.Kind))
				}
				name = n
			}
			if tail < -1 {
				return failed(errors.New("--tail must be -1 (everything) or a number of lines >= 0"))
			}
			o.Tail, o.TailLines = tail >= 0, tail
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			body, err := c.Logs(cmd.Context(), namespaceFor(c), name, o)
			if err != nil {
				return failed(err)
			}
			defer body.Close()
			if _, err := io.Copy(cmd.OutOrStdout(), body); err != nil && !errors.Is(err, context.Canceled) && cmd.Context().Err() == nil {
				return failed(fmt.Errorf("reading the log: %w", err))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Container, "container", "c", "", "the container whose log to print (needed if the pod has several)")
	fl.BoolVarP(&o.Follow, "follow", "f", false, "keep printing what the container writes")
	fl.BoolVarP(&o.Previous, "previous", "p", false, "print the log of the container's previous instance")
	fl.Int64Var(&tail, "tail", -1, "print only the last N lines (-1: all)")
	fl.Int64Var(&o.LimitBytes, "limit-bytes", 0, "print at most this many bytes (0: no limit)")
	return cmd
}
