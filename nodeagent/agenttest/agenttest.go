// Package agenttest runs real node agents for tests: each on a private
// containerd namespace (of a daemon from containerdtest), with its own pod
// network (a bridge and a pod range of the test's choosing) and data
// directory, against any nodeapi.API (the in-memory apifake, or the real
// server through the REST client). Stop ends an agent and leaves its
// containers running, as killing a real agent does; Restart starts a new
// agent on the same node.
//
// A node's address is 127.0.0.1 (tests reach nothing but loopback and the
// pod networks they create). With Options.LogsToken, the node serves the
// logs endpoint (nodeagent/logs) over HTTPS on a free loopback port that
// its Node advertises, as `capstan agent` does, so the API server's log
// proxy reaches it; the endpoint outlives agent restarts.
//
// Pod, WithClaim, Apply and HTTPGet build and create the tests' pods and
// reach what they serve, for this package's users (the agent's own tests
// and the end-to-end tests of checks/nodee2e).
package agenttest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/logs"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/nodeagent/probe"
	"github.com/capstan-dev/capstan/nodeagent/runtime"
	"github.com/capstan-dev/capstan/nodeagent/volumes"
)

// Options describe one node.
type Options struct {
	Name string
	// PodCIDR and Bridge must differ between nodes of one test.
	PodCIDR, Bridge string
	// Tune adjusts the machine's config (back-off, lease timing).
	Tune func(*node.Config)
	// Wrap, if set, wraps the runtime the agent uses (to observe it).
	Wrap func(agent.Runtime) agent.Runtime
	// LogsToken, if set, makes the node serve its logs endpoint, which
	// requires this bearer token (the API server's NodeLogsToken).
	LogsToken string
}

// Node is one agent under test.
type Node struct {
	t       testing.TB
	opts    Options
	API     nodeapi.API
	Daemon  *containerdtest.Daemon
	Client  *containerd.Client
	Runtime *runtime.Runtime
	Network *podnet.Network
	Dir     string
	// LogsPort is the logs endpoint's port ("" without LogsToken).
	LogsPort string

	cancel context.CancelFunc
	done   chan error
}

// Start starts an agent for node opts.Name in containerd namespace
// opts.Name, with the test image imported. Cleanup stops it, removes its
// containers, then its pod networks, the bridge and its mounts.
func Start(t testing.TB, d *containerdtest.Daemon, api nodeapi.API, opts Options) *Node {
	t.Helper()
	LockBridge(t, opts.Bridge) // released after every other cleanup below
	n := &Node{t: t, opts: opts, API: api, Daemon: d, Dir: t.TempDir()}
	if err := d.ImportTestImage(opts.Name); err != nil {
		t.Fatal(err)
	}
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	n.Client = c
	n.Network, err = podnet.New(podnet.Config{PodCIDR: opts.PodCIDR, Bridge: opts.Bridge, DataDir: filepath.Join(n.Dir, "net")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// After the agent stopped (the cleanup below runs first): the
		// node's containers go before its networks, mounts and
		// directory (t.TempDir's removal, registered earlier, runs
		// after this).
		if err := d.RemoveContainers(opts.Name); err != nil {
			t.Errorf("agenttest: node %s: %v", opts.Name, err)
		}
		_ = n.Network.TeardownAll(context.Background())
		_ = exec.Command("ip", "link", "del", opts.Bridge).Run()
		containerdtest.UnmountUnder(n.Dir)
	})
	t.Cleanup(func() { n.Stop(); c.Close() })
	if opts.LogsToken != "" {
		n.serveLogs()
	}
	n.start()
	return n
}

// serveLogs serves the node's logs endpoint until the test ends.
func (n *Node) serveLogs() {
	t := n.t
	cert, err := logs.SelfSigned(nodeIP)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(nodeIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	_, n.LogsPort, _ = net.SplitHostPort(l.Addr().String())
	srv := &http.Server{Handler: logs.Handler(filepath.Join(n.Dir, "logs"), n.opts.LogsToken), ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
}

// nodeIP is every test node's address.
const nodeIP = "127.0.0.1"

func (n *Node) start() {
	t := n.t
	var ag *agent.Agent
	rt, err := runtime.New(runtime.Config{Client: n.Client, Namespace: n.opts.Name, DataDir: n.Dir, Network: n.Network,
		Volumes: volumes.New(n.Dir), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: func(in node.Input) { ag.Observe(in) }})
	if err != nil {
		t.Fatal(err)
	}
	n.Runtime = rt
	cfg := node.Config{NodeName: n.opts.Name}
	if n.LogsPort != "" {
		cfg.Labels = map[string]string{logs.PortLabel: n.LogsPort}
	}
	if n.opts.Tune != nil {
		n.opts.Tune(&cfg)
	}
	cfg, err = agent.HostNode(cfg, nodeIP, "test")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	var art agent.Runtime = rt
	if n.opts.Wrap != nil {
		art = n.opts.Wrap(rt)
	}
	ag, err = agent.New(agent.Config{Node: cfg, PodCIDR: n.opts.PodCIDR, API: n.API, Runtime: art, Prober: probe.New(rt),
		TickInterval: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan error, 1)
	go func() { _ = rt.Run(ctx) }()
	go func() { n.done <- ag.Run(ctx) }()
}

// Stop stops the agent (its containers keep running). Idempotent.
func (n *Node) Stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		n.t.Errorf("%v", n.Daemon.Explain(fmt.Errorf("agent %s did not stop within 30s", n.opts.Name)))
	}
	n.cancel = nil
}

// Restart stops the agent and starts a new one on the same node.
func (n *Node) Restart() {
	n.Stop()
	n.start()
}

// TaskPID returns the pid of the process of container id (as pod
// statuses name it), for tests that kill it from outside.
func (n *Node) TaskPID(id string) (int, error) {
	ctx := namespaced(n.opts.Name)
	ctr, err := n.Client.LoadContainer(ctx, trimID(id))
	if err != nil {
		return 0, n.Daemon.Explain(fmt.Errorf("container %s: %w", id, err))
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		return 0, n.Daemon.Explain(fmt.Errorf("task of container %s: %w", id, err))
	}
	return int(task.Pid()), nil
}

func trimID(id string) string {
	if len(id) > len(runtime.IDPrefix) && id[:len(runtime.IDPrefix)] == runtime.IDPrefix {
		return id[len(runtime.IDPrefix):]
	}
	return id
}

// Containers counts the node's containers in containerd.
func (n *Node) Containers() (int, error) {
	ctrs, err := n.Client.Containers(namespaced(n.opts.Name))
	if err != nil {
		return 0, n.Daemon.Explain(fmt.Errorf("list containers: %w", err))
	}
	return len(ctrs), nil
}

func namespaced(ns string) context.Context {
	return namespaces.WithNamespace(context.Background(), ns)
}
