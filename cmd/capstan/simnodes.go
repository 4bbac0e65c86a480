package main

import (
	"fmt"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client/simnodes"
)

func newSimNodesCommand(f *clientFlags) *cobra.Command {
	o := simnodes.Options{}
	var labels map[string]string
	cmd := &cobra.Command{
		Use:   "sim-nodes N [--run-pods]",
		Short: "Register N simulated nodes with an API server and keep them alive",
		Long: `sim-nodes registers N Nodes through the API (named sim-node-0, sim-node-1,
... with the given capacity), creates their Leases in kube-node-lease and
renews them every 10 seconds until interrupted, so that the scheduler binds
pods to them. With --run-pods the nodes also report the pods bound to them
Running and Ready at once (nothing really runs) and finish the deletion of
their pods, so Deployments become available and rollouts complete.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := fmt.Sscan(args[0], &o.Count); err != nil || o.Count < 0 {
				return failed(fmt.Errorf("N must be a count of nodes, not %q", args[0]))
			}
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			o.Labels = labels
			o.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			start := time.Now()
			sim, err := simnodes.Start(ctx, c, o)
			if err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d simulated nodes registered with %s in %v (%s%d..%s%d); Ctrl-C stops them\n",
				o.Count, c.Server(), time.Since(start).Round(time.Millisecond), prefixOf(o), 0, prefixOf(o), max(o.Count-1, 0))
			sim.Wait()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.NamePrefix, "prefix", "sim-node-", "node name prefix")
	fl.StringVar(&o.CPU, "cpu", "4", "each node's cpu capacity")
	fl.StringVar(&o.Memory, "memory", "8Gi", "each node's memory capacity")
	fl.IntVar(&o.Pods, "pods", 110, "each node's pod capacity")
	fl.StringToStringVar(&labels, "labels", nil, "more labels for every node, e.g. topology.kubernetes.io/zone=a")
	fl.BoolVar(&o.RunPods, "run-pods", false, "report bound pods Running and Ready, and finish their deletion")
	fl.DurationVar(&o.RenewInterval, "renew-interval", 10*time.Second, "how often to renew the Leases")
	return cmd
}

func prefixOf(o simnodes.Options) string {
	if o.NamePrefix == "" {
		return "sim-node-"
	}
	return o.NamePrefix
}
