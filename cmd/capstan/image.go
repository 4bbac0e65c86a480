package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	containerd "github.com/containerd/containerd/v2/client"

	"github.com/capstan-dev/capstan/nodeagent/runtime"
)

// importImage imports an image archive into containerd at socket.
func importImage(ctx context.Context, socket, namespace string, archive io.Reader) ([]string, error) {
	c, err := containerd.New(socket)
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", socket, err)
	}
	defer c.Close()
	return runtime.Import(ctx, c, namespace, archive)
}

func newImageCommand() *cobra.Command {
	var socket, namespace string
	cmd := &cobra.Command{Use: "image", Short: "Manage the node's container images"}
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the images of an OCI or Docker archive into containerd (no registry needed)",
		Long: `Import the images of an OCI image layout or 'docker save' archive into the
node's containerd namespace and unpack them, so that pods whose image is one
of them run without a registry. 'make image' builds out/busybox.oci.tar, an
image named docker.io/library/busybox:latest ('image: busybox').`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			names, err := importImage(cmd.Context(), socket, namespace, f)
			if err != nil {
				err = fmt.Errorf("%s: %w", args[0], err)
			}
			for _, n := range names {
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s\n", n)
			}
			return err
		},
	}
	imp.Flags().StringVar(&socket, "containerd-socket", "/run/containerd/containerd.sock", "containerd's socket")
	imp.Flags().StringVar(&namespace, "containerd-namespace", "capstan", "the containerd namespace (the agent's)")
	cmd.AddCommand(imp)
	return cmd
}
