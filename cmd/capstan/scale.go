package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newScaleCommand(f *clientFlags) *cobra.Command {
	var replicas, current int32
	cmd := &cobra.Command{
		Use:   "scale (deployment/NAME | replicaset/NAME | KIND NAME) --replicas=N",
		Short: "Set the replica count of a Deployment or ReplicaSet",
		Long: `scale sets spec.replicas through the /scale subresource, as kubectl does.
With --current-replicas it does so only if the count is still that.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if replicas < 0 {
				return failed(errors.New("the --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"))
			}
			var kind, name string
			if len(args) == 2 {
				kind, name = args[0], args[1]
			} else if k, n, ok := strings.Cut(args[0], "/"); ok {
				kind, name = k, n
			} else {
				return failed(errors.New("give the object as KIND/NAME or KIND NAME"))
			}
			info, err := resolveKind(kind)
			if err != nil {
				return failed(err)
			}
			if info.Kind != "Deployment" && info.Kind != "ReplicaSet" {
				return failed(fmt.Errorf("cannot scale a %s: only Deployments and ReplicaSets scale", info.Kind))
			}
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			ctx, ns := cmd.Context(), namespaceFor(c)
			s, err := c.GetScale(ctx, info.Kind, ns, name)
			if err != nil {
				return failed(err)
			}
			if current >= 0 && s.Spec.Replicas != current {
				return failed(fmt.Errorf("expected replicas to be %d, was %d", current, s.Spec.Replicas))
			}
			// Conditional on the version read: a concurrent scale is a
			// Conflict, not silently overwritten.
			s.Spec.Replicas = replicas
			if _, err := c.UpdateScale(ctx, info.Kind, ns, name, s); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s scaled\n", resourceRef(info, name))
			return nil
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", -1, "the new replica count")
	cmd.Flags().Int32Var(&current, "current-replicas", -1, "only scale if the replica count is this")
	return cmd
}
