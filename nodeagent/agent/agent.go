// Package agent is the node agent's shell around core/node's machine: one
// goroutine owns the machine and feeds it everything that happens —
// the pods bound to the node and the objects they reference (list and
// watch through nodeapi.API), the runtime's observations (action results,
// container exits, probe results, health), and clock ticks — and hands
// what the machine emits to workers:
//
//	watches ─┐                                   ┌─► per-pod action queues ─► runtime (containerd)
//	exits  ──┼─► inbox ─► loop: Step / Tick ─► Ready ─► probes ─► prober
//	results ─┘   (unbounded)  (one goroutine)        ├─► per-pod API writes (status, then deletion)
//	ticks ───────────────────────┘                   └─► node writes (registration, Lease, status), events
//
// Every result, failures included, comes back through the inbox as an
// input: a failed action as its failure observation, a failed write as
// node.WriteFailed. The inbox never blocks its producers, so the loop and
// the workers cannot deadlock. Actions of one pod run one at a time, in the
// order the machine emitted them (the kubelet's pod worker); different
// pods run in parallel, up to Workers at once (CPUWorkers for container
// creations and starts), and when more wait, those that finish what was
// begun (actionPriority) go first. A pod's status writes are coalesced:
// only the latest status is written.
//
// On start the agent asks the runtime for its containers before it lists
// pods, so that a restarted agent adopts what runs instead of restarting
// it.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
	"github.com/capstan-dev/capstan/nodeagent/probe"
)

// Runtime is what the agent needs of the container runtime
// (nodeagent/runtime implements it).
type Runtime interface {
	// Do executes an action (not RunProbe) and returns its answer.
	Do(ctx context.Context, a node.Action) node.Input
	Inventory(ctx context.Context) ([]node.RuntimeContainer, error)
	PodIP(uid string) (string, bool)
	Healthy(ctx context.Context) error
}

// Prober runs probes (nodeagent/probe implements it).
type Prober interface {
	Run(ctx context.Context, a node.RunProbe, t probe.Target) node.ProbeResult
}

// Config configures an Agent.
type Config struct {
	// Node configures the machine: NodeName is required; the capacity,
	// labels, addresses and node info are filled from the host when
	// empty (see HostNode).
	Node node.Config
	// PodCIDR is registered as the Node's spec.podCIDR.
	PodCIDR string
	API     nodeapi.API
	Runtime Runtime
	Prober  Prober
	// Clock defaults to the wall clock.
	Clock Clock
	// TickInterval is how often the machine is ticked (default 200ms): the
	// granularity of its timers.
	TickInterval time.Duration
	// HealthInterval is how often the runtime's health is checked
	// (default 10s).
	HealthInterval time.Duration
	// Workers bounds the runtime actions run at once (default 16); some
	// wait long (a kill's grace period, an image pull).
	Workers int
	// CPUWorkers bounds, among those, the container creations and starts
	// (default 2 per CPU): they keep the CPUs busy (containerd, the shim,
	// runc), so that more at once would only share the CPUs and delay
	// every one of them.
	CPUWorkers int
	Log        *slog.Logger
}

// Agent runs one node.
type Agent struct {
	cfg   Config
	m     *node.Machine
	in    *inbox
	log   *slog.Logger
	clock Clock

	// pods are the pods the machine was given, by uid, for probes'
	// targets. Owned by the loop goroutine.
	pods map[string]*api.Pod

	actions *serial // per-pod runtime actions
	writes  *serial // per-pod API writes, and "node" and "events"
	probes  chan struct{}

	mu     sync.Mutex
	status map[string]node.StatusUpdate // latest status to write, by pod uid
}

// New returns an agent; Run runs it.
func New(cfg Config) (*Agent, error) {
	if cfg.Node.NodeName == "" || cfg.API == nil || cfg.Runtime == nil || cfg.Prober == nil {
		return nil, errors.New("agent: Node.NodeName, API, Runtime and Prober are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 200 * time.Millisecond
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = 10 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.CPUWorkers <= 0 {
		cfg.CPUWorkers = 2 * goruntime.NumCPU()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	a := &Agent{cfg: cfg, in: newInbox(), log: cfg.Log.With("node", cfg.Node.NodeName), clock: cfg.Clock,
		pods: map[string]*api.Pod{}, status: map[string]node.StatusUpdate{},
		actions: newSerial(cfg.Workers, cfg.CPUWorkers), writes: newSerial(64, 64), probes: make(chan struct{}, 32)}
	a.m = node.New(cfg.Node)
	return a, nil
}

// Observe feeds an observation the runtime made on its own (a container
// exit). Safe from any goroutine; never blocks.
func (a *Agent) Observe(in node.Input) { a.in.put(in) }

func (a *Agent) now() api.Time { return api.Time(a.clock.Now().UnixNano()) }

// Run runs the agent until ctx ends. It returns ctx's error, or the
// machine's if the agent misused it (a bug).
func (a *Agent) Run(ctx context.Context) error {
	if err := a.cfg.Runtime.Healthy(ctx); err != nil {
		a.in.put(node.RuntimeStatus{Healthy: false, Message: err.Error()})
	}
	a.takeInventory(ctx)
	var wg sync.WaitGroup
	start := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	start(a.watchPods)
	start(a.watchNode)
	for _, kind := range []string{"Secret", "ConfigMap", "Service", "PersistentVolumeClaim", "PersistentVolume"} {
		start(func(ctx context.Context) { a.watchObjects(ctx, kind) })
	}
	start(a.checkHealth)
	err := a.loop(ctx)
	wg.Wait()
	a.actions.wait()
	a.writes.wait()
	return err
}

// takeInventory tells the machine what the runtime already has.
func (a *Agent) takeInventory(ctx context.Context) {
	for {
		inv, err := a.cfg.Runtime.Inventory(ctx)
		if err == nil {
			a.in.put(node.RuntimeInventory{Containers: inv})
			return
		}
		a.log.Warn("runtime inventory failed", "err", err)
		a.in.put(node.RuntimeStatus{Healthy: false, Message: err.Error()})
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// loop is the goroutine that owns the machine.
func (a *Agent) loop(ctx context.Context) error {
	ticker := a.clock.NewTicker(a.cfg.TickInterval)
	defer ticker.Stop()
	if err := a.m.Tick(a.now()); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	a.flush(ctx)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case t := <-ticker.C():
			now := api.Time(t.UnixNano())
			if now < a.m.Now() {
				now = a.m.Now()
			}
			if err := a.m.Tick(now); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
		case <-a.in.notify:
			for _, in := range a.in.take() {
				a.track(in)
				if err := a.m.Step(in); err != nil {
					a.log.Error("machine refused an input", "input", in.Describe(), "err", err)
				}
			}
		}
		a.flush(ctx)
	}
}

// track keeps the pods the machine knows, for probe targets.
func (a *Agent) track(in node.Input) {
	switch e := in.(type) {
	case node.PodAdded:
		a.pods[e.Pod.UID] = e.Pod
	case node.PodUpdated:
		a.pods[e.Pod.UID] = e.Pod
	case node.PodDeleted:
		delete(a.pods, e.Pod.UID)
	case node.PodList:
		clear(a.pods)
		for _, p := range e.Pods {
			a.pods[p.UID] = p
		}
	}
}

// flush executes what the machine emitted.
func (a *Agent) flush(ctx context.Context) {
	if !a.m.HasReady() {
		return
	}
	rd := a.m.Ready()
	if rd.Registration != nil {
		reg := rd.Registration
		a.writes.do("node", func() { a.register(ctx, reg) })
	}
	for _, act := range rd.Actions {
		if p, ok := act.(node.RunProbe); ok {
			a.runProbe(ctx, p)
			continue
		}
		act, uid, emitted := act, podOf(act).UID, time.Now()
		a.actions.doAt(uid, actionPriority(act), cpuBound(act), func() {
			start := time.Now()
			in := a.cfg.Runtime.Do(ctx, act)
			a.timed(ActionMessage, uid, actionKind(act), emitted, start)
			if in != nil {
				a.in.put(in)
			}
		})
	}
	for _, u := range rd.StatusUpdates {
		a.mu.Lock()
		a.status[u.Pod.UID] = u
		a.mu.Unlock()
		uid, phase, emitted := u.Pod.UID, u.Status.Phase, time.Now()
		a.writes.do("pod/"+uid, func() {
			start := time.Now()
			if a.writeLatestStatus(ctx, uid) {
				a.timed(StatusMessage, uid, phase, emitted, start)
			}
		})
	}
	for _, d := range rd.PodDeletions {
		d := d
		a.writes.do("pod/"+d.Pod.UID, func() { a.deletePod(ctx, d) })
	}
	if len(rd.Events) > 0 {
		evs := rd.Events
		a.writes.do("events", func() { a.recordEvents(ctx, evs) })
	}
	if rd.Lease != nil {
		l := rd.Lease
		a.writes.do("node", func() { a.renewLease(ctx, l) })
	}
	if rd.NodeStatus != nil {
		s := rd.NodeStatus
		a.writes.do("node", func() { a.writeNodeStatus(ctx, s) })
	}
}

// podOf returns the pod an action is about.
func podOf(act node.Action) node.PodRef {
	switch a := act.(type) {
	case node.EnsureImage:
		return a.Pod
	case node.CreateContainer:
		return a.Pod
	case node.StartContainer:
		return a.Pod
	case node.KillContainer:
		return a.Pod
	case node.RemoveContainer:
		return a.Pod
	case node.SetupVolume:
		return a.Pod
	case node.TeardownVolume:
		return a.Pod
	case node.RunProbe:
		return a.Pod
	}
	return node.PodRef{}
}

// actionPriority orders the runtime actions waiting for a worker: first
// those that finish what was begun (start a created container, kill one
// a deletion waits for), then container creations, then the rest (images,
// volumes, clean-up). So when many pods arrive at once the earliest run
// first, instead of all of them being created before any starts.
func actionPriority(act node.Action) int {
	switch act.(type) {
	case node.StartContainer, node.KillContainer:
		return 0
	case node.CreateContainer:
		return 1
	}
	return 2
}

// cpuBound reports whether act keeps the CPUs busy rather than waits
// (Config.CPUWorkers).
func cpuBound(act node.Action) bool {
	switch act.(type) {
	case node.CreateContainer, node.StartContainer:
		return true
	}
	return false
}

// runProbe runs a probe on its own goroutine (at most 32 at once).
func (a *Agent) runProbe(ctx context.Context, p node.RunProbe) {
	t := probe.Target{}
	if pod := a.pods[p.Pod.UID]; pod != nil {
		if ip, ok := a.cfg.Runtime.PodIP(pod.UID); ok {
			t.PodIP = ip
		} else if pod.Spec.HostNetwork {
			t.PodIP = hostIP(a.cfg.Node.Addresses)
		}
		for _, c := range pod.Spec.Containers {
			if c.Name == p.Container {
				t.Ports = c.Ports
			}
		}
	}
	go func() {
		select {
		case a.probes <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-a.probes }()
		a.in.put(a.cfg.Prober.Run(ctx, p, t))
	}()
}

func hostIP(addrs []api.NodeAddress) string {
	for _, ad := range addrs {
		if ad.Type == "InternalIP" {
			return ad.Address
		}
	}
	return ""
}
