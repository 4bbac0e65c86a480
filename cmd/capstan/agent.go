package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
)

func newAgentCommand() *cobra.Command {
	var (
		kubeconfig, server, token, ca string
		insecure                      bool
		o                             agent.NodeOptions
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the node agent: register this node and run its pods on containerd",
		Long: `The node agent registers this machine as a Node (capacity from the machine),
renews its Lease every 10s, watches the pods bound to it and runs them on
containerd: images (from a registry, or imported with 'capstan image import'),
a network namespace and an address from the node's pod range per pod (a
bridge and veth pairs, set up over netlink), volumes, probes, logs under
--data-dir.
Restarted, it adopts the containers that run instead of restarting them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: kubeconfig, Server: server, Token: token,
				CertificateAuthority: ca, InsecureSkipTLSVerify: insecure})
			if err != nil {
				return err
			}
			cfg.UserAgent = "capstan-agent/" + version
			c, err := client.New(cfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.API, o.Version, o.LogsToken = nodeapi.FromClient(c), version, cfg.Token
			o.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			err = agent.RunNode(ctx, o)
			if ctx.Err() != nil && err == nil {
				return nil
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig to reach the API server (default: $KUBECONFIG, else ~/.kube/config)")
	fl.StringVarP(&server, "server", "s", "", "the API server's URL, overriding the kubeconfig")
	fl.StringVar(&token, "token", "", "the node's bearer token, overriding the kubeconfig")
	fl.StringVar(&ca, "certificate-authority", "", "the CA file that verifies the server, overriding the kubeconfig")
	fl.BoolVar(&insecure, "insecure-skip-tls-verify", false, "do not verify the server's certificate (insecure)")
	registerNodeFlags(fl, &o)
	fl.StringVar(&o.DataDir, "data-dir", "/var/lib/capstan-agent", "where logs, volumes and pod network state live")
	return cmd
}
