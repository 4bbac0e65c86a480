package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/server"
)

// upAgentFlags are up's flags for the node agent it runs beside the
// control plane: the node flags of `capstan agent`, with its defaults.
type upAgentFlags struct {
	enabled bool
	node    agent.NodeOptions
}

func (f *upAgentFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.enabled, "agent", true, "also run a node agent for this machine when containerd's socket answers (it needs root)")
	registerNodeFlags(fl, &f.node)
}

// containerdAnswers returns containerd's version at socket, or why it
// cannot be used: no socket there, or nothing there that answers as
// containerd within a few seconds.
func containerdAnswers(ctx context.Context, socket string) (version, why string) {
	if _, err := os.Stat(socket); err != nil {
		return "", err.Error()
	}
	c, err := containerd.New(socket, containerd.WithTimeout(2*time.Second))
	if err != nil {
		return "", err.Error()
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := c.Version(ctx)
	if err != nil {
		return "", "it does not answer as containerd: " + err.Error()
	}
	return v.Version, ""
}

// startLocalAgent runs a node agent for this machine against s until ctx
// ends, when containerd answers, and returns the line up prints about it
// and, for a started agent, a channel closed when it has stopped.
func startLocalAgent(ctx context.Context, f upAgentFlags, s *server.Server, dataDir string, log *slog.Logger) (string, <-chan struct{}) {
	if !f.enabled {
		return "Node agent  not started (--agent=false): pods stay Pending until an agent joins (capstan agent).", nil
	}
	o := f.node
	cv, why := containerdAnswers(ctx, o.ContainerdSocket)
	if why != "" {
		return fmt.Sprintf("Node agent  not started: containerd is not reachable at %s (%s).\n"+
			"              Pods stay Pending until an agent joins: start containerd and run up again, or run\n"+
			"              capstan agent elsewhere (--agent=false silences this).", o.ContainerdSocket, why), nil
	}
	c, err := client.New(&client.Config{Server: s.URL, Token: s.AdminToken, CAData: s.CAPEM, UserAgent: "capstan-agent/" + version})
	if err != nil {
		return fmt.Sprintf("Node agent  not started: %v", err), nil
	}
	o.DataDir, o.API, o.Version, o.LogsToken = filepath.Join(dataDir, "agent"), nodeapi.FromClient(c), version, s.AdminToken
	o.Log = log.With("component", "agent")
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
	return fmt.Sprintf("Node agent  node %s on containerd %s at %s, namespace %s (data in %s)",
		o.NodeName, cv, o.ContainerdSocket, o.ContainerdNamespace, o.DataDir), done
}
