package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	containerd "github.com/containerd/containerd/v2/client"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/logs"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/nodeagent/probe"
	"github.com/capstan-dev/capstan/nodeagent/runtime"
	"github.com/capstan-dev/capstan/nodeagent/volumes"
)

// NodeOptions are what `capstan agent` (and `capstan up`'s local agent)
// run a node with.
type NodeOptions struct {
	NodeName string
	// NodeIP is the node's InternalIP (default: the first non-loopback
	// IPv4 address).
	NodeIP string
	// PodCIDR is the node's pod range, used when its Node does not have
	// one already.
	PodCIDR string
	// Bridge is the pods' bridge.
	Bridge string
	// ContainerdSocket and ContainerdNamespace locate containerd.
	ContainerdSocket, ContainerdNamespace string
	// DataDir holds logs, volumes and pod network state.
	DataDir string
	// LogsAddress is where the logs endpoint (nodeagent/logs) listens
	// over HTTPS ("" for nowhere); LogsToken is the bearer token it
	// requires (the node's API token).
	LogsAddress, LogsToken string
	Version                string
	API                    nodeapi.API
	Log                    *slog.Logger
}

// RunNode connects to containerd, sets up the pod network and runs an
// agent until ctx ends.
func RunNode(ctx context.Context, o NodeOptions) error {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	// containerd (log files) and the mounts (volumes) get paths under
	// DataDir from another working directory than ours.
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return fmt.Errorf("data dir %s: %w", o.DataDir, err)
	}
	o.DataDir = dataDir
	if _, err := os.Stat(o.ContainerdSocket); err != nil {
		return fmt.Errorf("containerd socket %s: %w (is containerd running?)", o.ContainerdSocket, err)
	}
	c, err := containerd.New(o.ContainerdSocket)
	if err != nil {
		return fmt.Errorf("connect to containerd at %s: %w", o.ContainerdSocket, err)
	}
	defer c.Close()
	cidr, err := ResolvePodCIDR(ctx, o.API, o.NodeName, o.PodCIDR)
	if err != nil {
		return err
	}
	netw, err := podnet.New(podnet.Config{PodCIDR: cidr, Bridge: o.Bridge, DataDir: filepath.Join(o.DataDir, "net")})
	if err != nil {
		return err
	}
	var ag *Agent
	rt, err := runtime.New(runtime.Config{Client: c, Namespace: o.ContainerdNamespace, DataDir: o.DataDir, Network: netw,
		Volumes: volumes.New(o.DataDir), Log: o.Log, Observe: func(in node.Input) { ag.Observe(in) }})
	if err != nil {
		return err
	}
	ncfg := node.Config{NodeName: o.NodeName}
	if port := logsPort(o.LogsAddress, o.LogsToken); port != "" {
		ncfg.Labels = map[string]string{logs.PortLabel: port}
	}
	cfg, err := HostNode(ncfg, o.NodeIP, o.Version)
	if err != nil {
		return err
	}
	ag, err = New(Config{Node: cfg, PodCIDR: cidr, API: o.API, Runtime: rt, Prober: probe.New(rt), Log: o.Log})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if err := rt.Run(rctx); err != nil {
			o.Log.Error("containerd events", "err", err)
		}
	}()
	if o.LogsAddress != "" {
		if o.LogsToken == "" {
			o.Log.Warn("logs endpoint disabled: the agent has no token to require of its callers")
		} else {
			cert, err := logs.SelfSigned(o.NodeName, o.NodeIP)
			if err != nil {
				return err
			}
			go func() {
				if err := logs.Serve(rctx, o.LogsAddress, filepath.Join(o.DataDir, "logs"), o.LogsToken, cert); err != nil {
					o.Log.Error("logs endpoint", "err", err)
				}
			}()
		}
	}
	o.Log.Info("node agent running", "node", o.NodeName, "podCIDR", cidr, "containerd", o.ContainerdSocket,
		"namespace", o.ContainerdNamespace, "dataDir", o.DataDir)
	if err := ag.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// ResolvePodCIDR returns the pod range of node name: its Node's
// spec.podCIDR when it is registered with one, else def.
func ResolvePodCIDR(ctx context.Context, a nodeapi.API, name, def string) (string, error) {
	o, err := a.Get(ctx, "Node", "", name)
	switch {
	case err == nil:
		if n := o.(*api.Node); n.Spec.PodCIDR != "" {
			return n.Spec.PodCIDR, nil
		}
	case !api.IsNotFound(err):
		return "", fmt.Errorf("read Node %s: %w", name, err)
	}
	if def == "" {
		return "", fmt.Errorf("node %s has no pod CIDR: give one (--pod-cidr)", name)
	}
	return def, nil
}

// logsPort is the port the logs endpoint listens on, advertised in the
// Node's logs.PortLabel so that the API server finds it; "" when it
// serves nowhere.
func logsPort(addr, token string) string {
	if addr == "" || token == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return port
}
