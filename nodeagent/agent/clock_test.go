package agent_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/apifake"
	"github.com/capstan-dev/capstan/nodeagent/probe"
)

// fakeClock is a clock the test moves; its tickers fire on Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct{ c chan time.Time }

func (t *fakeTicker) C() <-chan time.Time { return t.c }
func (t *fakeTicker) Stop()               {}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) NewTicker(time.Duration) agent.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time, 1)}
	c.tickers = append(c.tickers, t)
	return t
}

// Advance moves the clock and fires every ticker once.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now, ts := c.now, c.tickers
	c.mu.Unlock()
	for _, t := range ts {
		t.c <- now
	}
}

// fakeRuntime answers every action at once; Exit makes a running
// container's process end.
type fakeRuntime struct {
	mu      sync.Mutex
	observe func(node.Input)
	n       int
	creates []string // "pod/container#attempt"
	running map[string]bool
}

func (r *fakeRuntime) Do(_ context.Context, a node.Action) node.Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch a := a.(type) {
	case node.EnsureImage:
		return node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: "busybox@sha256:0"}
	case node.CreateContainer:
		r.n++
		r.creates = append(r.creates, fmt.Sprintf("%s/%s#%d", a.Pod.Name, a.Container, a.Attempt))
		return node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: fmt.Sprintf("c%d", r.n)}
	case node.StartContainer:
		r.running[a.ID] = true
		return node.ContainerStarted{ID: a.ID}
	case node.KillContainer:
		delete(r.running, a.ID)
		return node.ContainerKilled{ID: a.ID, ExitCode: 137}
	case node.RemoveContainer:
		return node.ContainerRemoved{ID: a.ID}
	case node.SetupVolume:
		return node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume}
	case node.TeardownVolume:
		return node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume}
	}
	return nil
}

func (r *fakeRuntime) exitAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.running {
		delete(r.running, id)
		r.observe(node.ContainerExited{ID: id, ExitCode: 1})
	}
}

func (r *fakeRuntime) created() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.creates...)
}

func (r *fakeRuntime) Inventory(context.Context) ([]node.RuntimeContainer, error) { return nil, nil }
func (r *fakeRuntime) PodIP(string) (string, bool)                                { return "10.0.0.9", true }
func (r *fakeRuntime) Healthy(context.Context) error                              { return nil }

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("not %s", what)
}

// TestClockDrivesLeaseAndBackOff: on the agent's own clock, the Lease is
// renewed every 10s (not before), a crashing container is restarted at
// once the first time and only after the 10s back-off the second time;
// the pod's status carries the runtime's pod IP.
func TestClockDrivesLeaseAndBackOff(t *testing.T) {
	a := apifake.New()
	clk := &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	rt := &fakeRuntime{running: map[string]bool{}}
	cfg, err := agent.HostNode(node.Config{NodeName: "f1"}, "192.0.2.10", "test")
	if err != nil {
		t.Fatal(err)
	}
	ag, err := agent.New(agent.Config{Node: cfg, PodCIDR: "10.0.0.0/24", API: a, Runtime: rt, Prober: probe.New(nil), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	rt.observe = ag.Observe
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ag.Run(ctx) }()
	defer func() { cancel(); <-done }()
	renewTime := func() api.MicroTime {
		o, err := a.Get(ctx, "Lease", "kube-node-lease", "f1")
		if err != nil {
			return 0
		}
		return *o.(*api.Lease).Spec.RenewTime
	}
	t0 := api.MicroTime(clk.Now().UnixNano())
	eventually(t, "leased at t0", func() bool { return renewTime() == t0 })
	clk.Advance(5 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if renewTime() != t0 {
		t.Fatal("lease renewed before 10s")
	}
	clk.Advance(5 * time.Second)
	eventually(t, "renewed at t0+10s", func() bool { return renewTime() == t0+api.MicroTime(10*time.Second) })

	if _, err := a.Create(ctx, &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "crash"},
		Spec:       api.PodSpec{NodeName: "f1", Containers: []api.Container{{Name: "c", Image: "busybox"}}}}); err != nil {
		t.Fatal(err)
	}
	running := func() *api.Pod {
		o, err := a.Get(ctx, "Pod", "default", "crash")
		if err != nil {
			return nil
		}
		p := o.(*api.Pod)
		if p.Status.Phase != "Running" || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Running == nil {
			return nil
		}
		return p
	}
	eventually(t, "running", func() bool { return running() != nil })
	if p := running(); p.Status.PodIP != "10.0.0.9" || p.Status.HostIP != "192.0.2.10" {
		t.Fatalf("pod IP %q host IP %q", p.Status.PodIP, p.Status.HostIP)
	}
	rt.exitAll()
	eventually(t, "restarted at once", func() bool { return len(rt.created()) == 2 })
	eventually(t, "running again", func() bool { p := running(); return p != nil && p.Status.ContainerStatuses[0].RestartCount == 1 })
	rt.exitAll()
	clk.Advance(9 * time.Second)
	time.Sleep(200 * time.Millisecond)
	if n := len(rt.created()); n != 2 {
		t.Fatalf("restarted within the back-off: %v", rt.created())
	}
	clk.Advance(time.Second)
	eventually(t, "restarted after 10s", func() bool { return len(rt.created()) == 3 })
}
