package nodee2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// cluster is an API server over an embedded etcd member, with its
// control plane, and a containerd.
type cluster struct {
	t      *testing.T
	c      *client.Client
	api    nodeapi.API
	daemon *containerdtest.Daemon
}

// Fast timings: a node that stops renewing its Lease for 4s is Unknown,
// and its pods are evicted 2s later.
const (
	leaseRenew       = time.Second
	nodeGrace        = 4 * time.Second
	tolerationSecond = 2
	// logsToken is what the API server presents to the agents' logs
	// endpoints, and what they require.
	logsToken = "e2e-node-logs-token"
)

func newCluster(t *testing.T) *cluster {
	t.Helper()
	d := containerdtest.Start(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The store of `capstan server`: etcdstore over an embedded member
	// (fast raft timings), through the in-process client as the server's.
	st := etcdstore.New(etcdtest.Member(t, false).Client(), etcdstore.Options{})
	h, err := apiserver.New(apiserver.Config{Backend: st, Authenticator: apiserver.AllowAll{}, Authorizer: apiserver.AllowAll{},
		Logger: quiet, DefaultTolerationSeconds: tolerationSecond, NodeLogsToken: logsToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- controlplane.Run(ctx, controlplane.Config{Backend: st, Logger: quiet, MaxTickInterval: 100 * time.Millisecond,
			Control: control.Config{NodeMonitorGracePeriod: nodeGrace, DefaultTolerationSeconds: tolerationSecond}})
	}()
	t.Cleanup(func() { cancel(); <-done })
	c, err := client.New(&client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, c: c, api: nodeapi.FromClient(c), daemon: d}
	for _, ns := range []string{"default", "kube-node-lease"} {
		if _, err := c.Create(ctx, &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil && !api.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	return cl
}

// node starts an agent; name, pod range and bridge must be its own.
func (cl *cluster) node(name, cidr, bridge string) *agenttest.Node {
	return agenttest.Start(cl.t, cl.daemon, cl.api, agenttest.Options{Name: name, PodCIDR: cidr, Bridge: bridge, LogsToken: logsToken,
		Tune: func(c *node.Config) { c.LeaseRenewInterval, c.LeaseDuration = leaseRenew, nodeGrace }})
}

func (cl *cluster) apply(manifest string) {
	cl.t.Helper()
	agenttest.Apply(cl.t, cl.api, manifest)
}

// pods lists the pods with label app=app.
func (cl *cluster) pods(app string) []*api.Pod {
	cl.t.Helper()
	l, _, err := client.ListOf[*api.Pod](context.Background(), cl.c, "default", client.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		cl.t.Fatal(err)
	}
	return l
}

// eventually polls cond every 100ms for up to timeout. It fails at once
// if containerd has died (nothing would run any more), with how it died
// and its log's end.
func (cl *cluster) eventually(what string, timeout time.Duration, cond func() (bool, string)) {
	cl.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		if err := cl.daemon.Dead(); err != nil {
			cl.t.Fatalf("%s: not yet (%s), and containerd died: %v", what, last, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cl.t.Fatalf("%s: not within %s: %s", what, timeout, last)
}

func isReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady && c.Status == api.ConditionTrue {
			return true
		}
	}
	return false
}
