package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/server"
)

func newUpCommand() *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run a whole capstan control plane on this machine: etcd, API server, controllers, scheduler",
		Long: `up starts capstan in one process: an embedded etcd in DATA-DIR/etcd, the
API server on --listen with TLS and the admin's token, and the control
plane. It prints the API's URL, the kubeconfig to use and the next command.
Ctrl-C stops it cleanly; running up again on the same data dir resumes with
everything kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			return runServer(cmd.Context(), cfg, func(s *server.Server) {
				kc, err := filepath.Abs(s.Kubeconfig)
				if err != nil {
					kc = s.Kubeconfig
				}
				fmt.Fprintf(out, `
capstan is up.
  API         %s
  kubeconfig  %s

Next, in another terminal:
  export KUBECONFIG=%s
  capstan get nodes          # or: kubectl get nodes

Ctrl-C stops capstan; "capstan up" again resumes with everything kept.
`, s.URL, kc, shellQuote(kc))
			})
		},
	}
	f.register(cmd)
	return cmd
}
