// Package etcdtest starts embedded etcd members for tests: a single member,
// or a cluster of several, each in a temporary directory, with fast raft
// timings, stopped when the test ends. A cluster's members can be killed and
// restarted on their data. Only tests import it.
package etcdtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/server/etcdserver"
)

// quiet is the logger of test members: errors only, to stderr (which go
// test shows for failing packages).
var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

var errorLevel = slog.LevelError

// Config returns the configuration of a test member in dir: fast raft
// timings, errors only in the logs.
func Config(dir string) etcdserver.Config {
	return etcdserver.Config{Dir: dir, Fast: true, Logger: quiet, LogLevel: &errorLevel, StartTimeout: 30 * time.Second}
}

// Member starts one member in a temporary directory, with the in-process
// client (tcp false) or a gRPC client over loopback (tcp true). It stops
// when the test ends.
func Member(t testing.TB, tcp bool) *etcdserver.Server {
	t.Helper()
	cfg := Config(t.TempDir())
	cfg.TCPClient = tcp
	s, err := etcdserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Cluster is a cluster of embedded members started by a test. Its clients
// reach member i through a proxy at Endpoints()[i], which Kill closes with
// every connection through it, as a crash would.
type Cluster struct {
	t       testing.TB
	mu      sync.Mutex
	cfgs    []etcdserver.Config
	members []*etcdserver.Server // nil while killed
	// endpoints are the proxies' URLs; proxies[i] is nil while member i
	// is killed.
	endpoints []string
	proxies   []*proxy
}

// NewCluster starts a cluster of n members (n >= 1), each in its own
// temporary directory, and waits until every member is ready. It stops
// when the test ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, cfgs: make([]etcdserver.Config, n), members: make([]*etcdserver.Server, n),
		endpoints: make([]string, n), proxies: make([]*proxy, n)}
	var initial []string
	for i := range n {
		cfg := Config(t.TempDir())
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.ClusterToken = fmt.Sprintf("capstan-test-%d", time.Now().UnixNano())
		for _, u := range []*string{&cfg.ClientURL, &cfg.PeerURL} {
			port, err := etcdserver.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			*u = fmt.Sprintf("http://127.0.0.1:%d", port)
		}
		initial = append(initial, cfg.Name+"="+cfg.PeerURL)
		c.cfgs[i] = cfg
	}
	for i := range c.cfgs {
		c.cfgs[i].InitialCluster = strings.Join(initial, ",")
		c.cfgs[i].ClusterToken = c.cfgs[0].ClusterToken
	}
	t.Cleanup(c.close)
	// Every member waits for a quorum: start them together.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { c.members[i], errs[i] = etcdserver.Start(context.Background(), c.cfgs[i]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		c.startProxy(i, "127.0.0.1:0")
		c.endpoints[i] = "http://" + c.proxies[i].addr()
	}
	return c
}

// startProxy starts member i's proxy on addr.
func (c *Cluster) startProxy(i int, addr string) {
	c.t.Helper()
	target := strings.TrimPrefix(c.cfgs[i].ClientURL, "http://")
	p, err := startProxy(addr, target)
	if err != nil {
		c.t.Fatalf("etcdtest: proxy of member %d: %v", i, err)
	}
	c.mu.Lock()
	c.proxies[i] = p
	c.mu.Unlock()
}

// Size returns the number of members, running or not.
func (c *Cluster) Size() int { return len(c.cfgs) }

// Endpoints returns the client URLs of every member, running or not.
func (c *Cluster) Endpoints() []string { return slices.Clone(c.endpoints) }

// Member returns member i, nil while it is killed.
func (c *Cluster) Member(i int) *etcdserver.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[i]
}

// Client returns a new gRPC client of every member's endpoint, closed when
// the test ends. It fails over between members on its own.
func (c *Cluster) Client() *clientv3.Client {
	c.t.Helper()
	return c.ClientOf()
}

// ClientOf returns a new gRPC client of the given members' endpoints (all
// when none is given), closed when the test ends. A client of one member
// stops working while that member is down.
func (c *Cluster) ClientOf(members ...int) *clientv3.Client {
	c.t.Helper()
	eps := c.Endpoints()
	if len(members) > 0 {
		eps = nil
		for _, i := range members {
			eps = append(eps, c.endpoints[i])
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cli.Close() })
	return cli
}

// Leader returns the index of the member that is the raft leader, or -1 if
// none of the running members knows of one.
func (c *Cluster) Leader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range c.members {
		if m != nil && m.IsLeader() {
			return i
		}
	}
	return -1
}

// WaitLeader waits up to 30 s until a running member leads and every
// running member knows it, and returns the leader's index. A request made
// while the cluster elects a new leader may time out ("request timed out,
// possibly due to previous leader failure"): tests that kill a leader
// wait for the next one.
func (c *Cluster) WaitLeader() int {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if i := c.agreedLeader(); i >= 0 {
			return i
		}
		if time.Now().After(deadline) {
			c.t.Fatal("etcdtest: no leader after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// agreedLeader returns the index of the running member that every running
// member knows as the leader, or -1.
func (c *Cluster) agreedLeader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	leader := -1
	for i, m := range c.members {
		if m != nil && m.IsLeader() {
			leader = i
		}
	}
	if leader < 0 {
		return -1
	}
	id := c.members[leader].ID()
	for _, m := range c.members {
		if m != nil && m.Leader() != id {
			return -1
		}
	}
	return leader
}

// Kill stops member i abruptly (no leadership transfer) and cuts its
// clients' connections; its data stays.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	m, p := c.members[i], c.proxies[i]
	c.members[i], c.proxies[i] = nil, nil
	c.mu.Unlock()
	if p != nil {
		p.close()
	}
	if m != nil {
		m.Kill()
	}
}

// Restart starts killed member i again on its data directory and URLs and
// waits until it has caught up enough to serve.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.mu.Lock()
	running := c.members[i] != nil
	c.mu.Unlock()
	if running {
		c.t.Fatalf("etcdtest: Restart of member %d, which is running", i)
	}
	m, err := etcdserver.Start(context.Background(), c.cfgs[i])
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.members[i] = m
	c.mu.Unlock()
	c.startProxy(i, strings.TrimPrefix(c.endpoints[i], "http://"))
}

func (c *Cluster) close() {
	c.mu.Lock()
	ms, ps := c.members, c.proxies
	c.members, c.proxies = make([]*etcdserver.Server, len(ms)), make([]*proxy, len(ps))
	c.mu.Unlock()
	for _, p := range ps {
		if p != nil {
			p.close()
		}
	}
	// Killed, not closed: a leader's clean stop hands leadership over
	// first, and waits seconds for members that are stopping too.
	var wg sync.WaitGroup
	for _, m := range ms {
		if m != nil {
			wg.Go(m.Kill)
		}
	}
	wg.Wait()
}
