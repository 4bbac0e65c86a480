package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/server"
)

func newUpCommand() *cobra.Command {
	var f serverFlags
	var af upAgentFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run a whole capstan control plane on this machine: etcd, API server, controllers, scheduler",
		Long: `up starts capstan in one process: an embedded etcd in DATA-DIR/etcd, the
API server on --listen with TLS and the admin's token, and the control
plane. It prints the API's URL, the kubeconfig to use and the next command.
When containerd answers on --containerd-socket (and unless --agent=false)
it also runs a node agent for this machine, as 'capstan agent' would, with
the same node flags and defaults (data in DATA-DIR/agent, the admin's
token); when no containerd answers there it says so and why.
Ctrl-C stops it cleanly; running up again on the same data dir resumes with
everything kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var agentDone <-chan struct{}
			defer func() {
				stop() // the agent stops with the server
				if agentDone != nil {
					select {
					case <-agentDone:
					case <-time.After(10 * time.Second):
						cfg.Logger.Warn("the local node agent did not stop within 10s")
					}
				}
			}()
			return runServer(ctx, cfg, func(s *server.Server) {
				var agentLine string
				agentLine, agentDone = startLocalAgent(ctx, af, s, cfg.DataDir, cfg.Logger)
				kc, err := filepath.Abs(s.Kubeconfig)
				if err != nil {
					kc = s.Kubeconfig
				}
				fmt.Fprintf(out, `
capstan is up.
  API         %s
  kubeconfig  %s
  %s

Next, in another terminal:
  export KUBECONFIG=%s
  capstan get nodes          # or: kubectl get nodes

Ctrl-C stops capstan; "capstan up" again resumes with everything kept.
`, s.URL, kc, agentLine, shellQuote(kc))
			})
		},
	}
	f.register(cmd)
	af.register(cmd)
	return cmd
}
