package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server"
	"github.com/capstan-dev/capstan/server/controlplane/cptest"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
	"github.com/capstan-dev/capstan/server/storage"
)

// leader returns the index of the one server whose control plane leads,
// or -1 if none or several do.
func leader(t *testing.T, servers []*server.Server, dead map[int]bool) (int, int) {
	t.Helper()
	idx, n := -1, 0
	for i, s := range servers {
		if dead[i] {
			continue
		}
		if metricValue(t, s, "capstan_controlplane_leader") == 1 {
			idx, n = i, n+1
		}
	}
	return idx, n
}

func metricValue(t *testing.T, s *server.Server, name string) float64 {
	return metricValueB(t, s, name)
}

func metricValueB(t testing.TB, s *server.Server, name string) float64 {
	return cptest.Metric(t, s.Metrics, name)
}

func waitFor(t *testing.T, d time.Duration, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, why := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("after %v: %s", d, why)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Three servers share a 3-member etcd cluster; all serve the API, one
// leads. The leader crashes (its etcd client goes away without resigning):
// another takes over within the TTL plus a few seconds, and every pod,
// created before or after, is bound exactly once.
func TestLeaderFailover(t *testing.T) {
	const ttl = 3 * time.Second
	cluster := etcdtest.NewCluster(t, 3)
	prefix := "/failover"
	servers := make([]*server.Server, 3)
	for i := range servers {
		servers[i] = start(t, t.TempDir(), func(c *server.Config) {
			c.EtcdEndpoints, c.EtcdPrefix, c.ElectionTTL = cluster.Endpoints(), prefix, ttl
		})
	}
	// The test's own view of the store, which outlives any server.
	var st storage.Backend = etcdstore.New(cluster.Client(), etcdstore.Options{Prefix: prefix})
	rec, err := cptest.RecordBindings(st, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Stop()

	dead := map[int]bool{}
	var first int
	waitFor(t, 10*time.Second, func() (bool, string) {
		var n int
		first, n = leader(t, servers, dead)
		return n == 1, fmt.Sprintf("%d leaders", n)
	})

	// Nodes register and renew their leases, as agents would.
	reg := registry.New(st, registry.Config{Seed: 7})
	var regMu sync.Mutex
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		if err := cptest.Register(reg, n, api.Time(time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	stopRenew := make(chan struct{})
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		for {
			select {
			case <-stopRenew:
				return
			case <-time.After(time.Second):
			}
			regMu.Lock()
			for _, n := range []string{"node-a", "node-b", "node-c"} {
				if err := cptest.Renew(reg, n, api.Time(time.Now().UnixNano())); err != nil {
					t.Errorf("renew: %v", err)
				}
			}
			regMu.Unlock()
		}
	}()
	defer func() { close(stopRenew); <-renewDone }()

	// Pods before the crash, through a follower's API.
	ctx := context.Background()
	if _, err := adminClient(t, servers[(first+1)%3]).Create(ctx, cptest.Deployment("before", 6)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, func() (bool, string) {
		n, err := rec.Check()
		if err != nil {
			t.Fatal(err)
		}
		return n == 6, fmt.Sprintf("%d pods bound, want 6", n)
	})

	// Crash whoever leads now (on a loaded machine leadership may have
	// moved since: a leader that misses its renewals steps down).
	waitFor(t, 10*time.Second, func() (bool, string) {
		var n int
		first, n = leader(t, servers, dead)
		return n == 1, fmt.Sprintf("%d leaders", n)
	})
	crashed := time.Now()
	servers[first].Crash()
	dead[first] = true
	// Pods after the crash, created while nobody leads.
	if _, err := adminClient(t, servers[(first+1)%3]).Create(ctx, cptest.Deployment("after", 6)); err != nil {
		t.Fatal(err)
	}
	var second int
	takeover := waitFor(t, ttl+5*time.Second, func() (bool, string) {
		var n int
		second, n = leader(t, servers, dead)
		return n == 1, fmt.Sprintf("%d leaders among the survivors %v after the crash", n, time.Since(crashed))
	})
	waitFor(t, 15*time.Second, func() (bool, string) {
		n, err := rec.Check()
		if err != nil {
			t.Fatal(err)
		}
		return n == 12, fmt.Sprintf("%d pods bound, want 12", n)
	})
	t.Logf("server %d crashed; server %d leads %v later (TTL %v); all 12 pods bound %v after the crash", first, second, takeover, ttl, time.Since(crashed))
	if takeover < ttl/2 {
		t.Errorf("server %d took over %v after the crash, before the crashed leader's lease (TTL %v) could have expired", second, takeover, ttl)
	}
	// Everything settled: still exactly once each, and no pod left over.
	time.Sleep(500 * time.Millisecond)
	n, err := rec.Check()
	if err != nil || n != 12 {
		t.Fatalf("%d pods bound once, %v", n, err)
	}
	l, err := st.List(api.KeyPrefix+"pods/", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 12 {
		t.Errorf("%d pods exist, want 12", len(l.Items))
	}
}
