package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/capstan-dev/capstan/nodeagent/agent"
)

// registerNodeFlags registers the flags that place a node agent on this
// machine, shared by `capstan agent` and `capstan up` (whose local agent
// takes the same flags with the same defaults). The data directory is
// each command's own.
func registerNodeFlags(fl *pflag.FlagSet, o *agent.NodeOptions) {
	host, _ := os.Hostname()
	fl.StringVar(&o.NodeName, "node-name", host, "the node's name")
	fl.StringVar(&o.NodeIP, "node-ip", "", "the node's InternalIP (default: the first non-loopback IPv4 address)")
	fl.StringVar(&o.PodCIDR, "pod-cidr", "10.244.0.0/24", "the node's pod range, when its Node has none yet")
	fl.StringVar(&o.Bridge, "bridge", "capstan0", "the pods' Linux bridge")
	fl.StringVar(&o.ContainerdSocket, "containerd-socket", "/run/containerd/containerd.sock", "containerd's socket")
	fl.StringVar(&o.ContainerdNamespace, "containerd-namespace", "capstan", "the containerd namespace of the node's containers and images")
	fl.StringVar(&o.LogsAddress, "logs-address", ":10250", "where the HTTPS logs endpoint listens (GET /containerLogs/NS/POD/CONTAINER, the node's token required); empty: nowhere")
}
