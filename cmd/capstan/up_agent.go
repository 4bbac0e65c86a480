package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/server"
)

// upAgentFlags are up's flags for the node agent it runs beside the
// control plane.
type upAgentFlags struct {
	enabled bool
	socket  string
}

func (f *upAgentFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.enabled, "agent", true, "also run a node agent for this machine when containerd's socket is reachable (it needs root)")
	fl.StringVar(&f.socket, "containerd-socket", "/run/containerd/containerd.sock", "containerd's socket, for the local node agent")
}

// containerdReachable says why the socket cannot be used, or "" if it
// answers a connection.
func containerdReachable(socket string) string {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return err.Error()
	}
	_ = c.Close()
	return ""
}

// startLocalAgent runs a node agent for this machine against s until ctx
// ends, when containerd is reachable, and returns the line up prints
// about it and, for a started agent, a channel closed when it has stopped.
func startLocalAgent(ctx context.Context, f upAgentFlags, s *server.Server, dataDir string, log *slog.Logger) (string, <-chan struct{}) {
	if !f.enabled {
		return "Node agent  not started (--agent=false): pods stay Pending until an agent joins (capstan agent).", nil
	}
	if why := containerdReachable(f.socket); why != "" {
		return fmt.Sprintf("Node agent  not started: containerd is not reachable at %s (%s).\n"+
			"            Pods stay Pending until an agent joins: start containerd and run up again, or run\n"+
			"            capstan agent elsewhere (--agent=false silences this).", f.socket, why), nil
	}
	c, err := client.New(&client.Config{Server: s.URL, Token: s.AdminToken, CAData: s.CAPEM, UserAgent: "capstan-agent/" + version})
	if err != nil {
		return fmt.Sprintf("Node agent  not started: %v", err), nil
	}
	host, _ := os.Hostname()
	o := agent.NodeOptions{NodeName: host, PodCIDR: "10.244.0.0/24", Bridge: "capstan0", CNIBinDir: podnet.DefaultPluginDir,
		ContainerdSocket: f.socket, ContainerdNamespace: "capstan", LogsAddress: ":10250",
		DataDir: filepath.Join(dataDir, "agent"), API: nodeapi.FromClient(c), Version: version, LogsToken: s.AdminToken,
		Log: log.With("component", "agent")}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return fmt.Sprintf("Node agent  not started: data directory: %v", err), nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := agent.RunNode(ctx, o); err != nil && ctx.Err() == nil {
			log.Error("the local node agent stopped; pods on this node are no longer run", "err", err)
		}
	}()
	return fmt.Sprintf("Node agent  node %s on containerd at %s (data in %s)", host, f.socket, o.DataDir), done
}
