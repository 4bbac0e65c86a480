package simnodes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

// Options describe the simulated nodes.
type Options struct {
	// Count nodes are registered, named NamePrefix0, NamePrefix1, ...
	Count      int
	NamePrefix string // default "sim-node-"
	// CPU, Memory and Pods are each node's capacity and allocatable
	// (defaults "4", "8Gi", 110).
	CPU, Memory string
	Pods        int
	// Labels are added to every node's.
	Labels map[string]string
	// RunPods makes the nodes report their pods Running (see the package
	// documentation).
	RunPods bool
	// RenewInterval is how often the Leases are renewed (default 10s);
	// LeaseDurationSeconds is what they say (default 40).
	RenewInterval        time.Duration
	LeaseDurationSeconds int32
	// Clock returns the present (default time.Now).
	Clock func() time.Time
	// Logger reports failures (default: discard).
	Logger *slog.Logger
}

// LabelSimulated marks the nodes this package registers.
const LabelSimulated = "capstan.dev/simulated"

// leaseNamespace holds the nodes' Leases.
const leaseNamespace = "kube-node-lease"

func (o *Options) defaults() error {
	if o.Count < 0 {
		return fmt.Errorf("node count %d is negative", o.Count)
	}
	if o.Count > MaxNodes {
		return fmt.Errorf("node count %d is more than the %d simulated nodes with distinct addresses", o.Count, MaxNodes)
	}
	if o.NamePrefix == "" {
		o.NamePrefix = "sim-node-"
	}
	if o.CPU == "" {
		o.CPU = "4"
	}
	if o.Memory == "" {
		o.Memory = "8Gi"
	}
	if o.Pods == 0 {
		o.Pods = 110
	}
	if o.RenewInterval <= 0 {
		o.RenewInterval = 10 * time.Second
	}
	if o.LeaseDurationSeconds <= 0 {
		o.LeaseDurationSeconds = 40
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Sim is a running set of simulated nodes.
type Sim struct {
	c      *client.Client
	o      Options
	names  []string
	ours   map[string]bool
	cancel context.CancelFunc
	// leases are the Leases last written, by node, so that a renewal is
	// one conditional update (a conflict reads the Lease again).
	mu     sync.Mutex
	leases map[string]*api.Lease
	wg     sync.WaitGroup
	// ips are the pods' addresses (the kubelet goroutine's alone).
	ips *podIPs
}

// Start registers the nodes and their Leases (before it returns) and keeps
// them alive in the background until ctx is done or Stop is called.
func Start(ctx context.Context, c *client.Client, o Options) (*Sim, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	for _, q := range []string{o.CPU, o.Memory} {
		if _, err := api.ParseQuantity(q); err != nil {
			return nil, fmt.Errorf("capacity %q: %w", q, err)
		}
	}
	s := &Sim{c: c, o: o, ours: map[string]bool{}, leases: map[string]*api.Lease{}}
	for i := 0; i < o.Count; i++ {
		n := fmt.Sprintf("%s%d", o.NamePrefix, i)
		s.names = append(s.names, n)
		s.ours[n] = true
	}
	s.ips = newPodIPs(s.names)
	if err := s.register(ctx); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.heartbeats(rctx) }()
	if o.RunPods {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.kubelet(rctx) }()
	}
	return s, nil
}

// Names returns the nodes' names.
func (s *Sim) Names() []string { return append([]string(nil), s.names...) }

// Stop stops renewing and running pods, and waits for that to end. The
// Nodes stay registered: their Leases expire and the control plane marks
// them unreachable, as it would real nodes that stopped.
func (s *Sim) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Wait blocks until the simulation stops (its context is done).
func (s *Sim) Wait() { s.wg.Wait() }

func (s *Sim) now() api.Time {
	t := s.o.Clock()
	return api.Unix(t.Unix(), int64(t.Nanosecond()))
}

// forEach runs fn for every node, a few at a time, and returns the errors.
func (s *Sim) forEach(ctx context.Context, fn func(ctx context.Context, name string) error) error {
	const workers = 8
	names := make(chan string)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range names {
				if err := fn(ctx, n); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("node %s: %w", n, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range s.names {
		names <- n
	}
	close(names)
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Sim) register(ctx context.Context) error {
	ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: leaseNamespace}}
	if _, err := s.c.Create(ctx, ns); err != nil && !api.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", leaseNamespace, err)
	}
	return s.forEach(ctx, func(ctx context.Context, name string) error {
		node, err := client.Create(ctx, s.c, s.newNode(name))
		if api.IsAlreadyExists(err) {
			node, err = client.Get[*api.Node](ctx, s.c, "", name)
		}
		if err != nil {
			return err
		}
		if err := s.postStatus(ctx, node); err != nil {
			return err
		}
		return s.renewLease(ctx, node)
	})
}

func (s *Sim) newNode(name string) *api.Node {
	labels := map[string]string{
		"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		LabelSimulated: "true",
	}
	for k, v := range s.o.Labels {
		labels[k] = v
	}
	n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}}
	cidr := podCIDR(s.ips.node[name])
	n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	n.Status = s.status(name)
	return n
}

func (s *Sim) status(name string) api.NodeStatus {
	res := api.ResourceList{
		api.ResourceCPU:    api.MustParseQuantity(s.o.CPU),
		api.ResourceMemory: api.MustParseQuantity(s.o.Memory),
		api.ResourcePods:   api.NewQuantity(int64(s.o.Pods), api.DecimalSI),
	}
	now := s.now()
	cond := func(t, status, reason, msg string) api.NodeCondition {
		return api.NodeCondition{Type: t, Status: status, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return api.NodeStatus{
		Capacity: res, Allocatable: res, Phase: "Running",
		Conditions: []api.NodeCondition{
			cond(api.NodeMemoryPressure, api.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(api.NodeDiskPressure, api.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(api.NodePIDPressure, api.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(api.NodeReady, api.ConditionTrue, "KubeletReady", "kubelet is posting ready status (simulated)"),
		},
		Addresses: []api.NodeAddress{{Type: "InternalIP", Address: internalIP(s.ips.node[name])}, {Type: "Hostname", Address: name}},
		NodeInfo: api.NodeSystemInfo{
			MachineID: name, KernelVersion: "simulated", OSImage: "capstan simulated node",
			ContainerRuntimeVersion: "sim://1", KubeletVersion: "v1.32.0-capstan-sim", OperatingSystem: "linux", Architecture: "amd64",
		},
	}
}

// postStatus writes a fresh status onto the node.
func (s *Sim) postStatus(ctx context.Context, n *api.Node) error {
	n.Status = s.status(n.Name)
	_, err := client.UpdateStatus(ctx, s.c, n)
	return err
}

// renewLease creates or renews the node's Lease: an update of the Lease
// last written, else of the one read from the server, else a create.
func (s *Sim) renewLease(ctx context.Context, n *api.Node) error {
	now := api.MicroTime(s.now())
	holder, dur := n.Name, s.o.LeaseDurationSeconds
	s.mu.Lock()
	l := s.leases[n.Name]
	s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		var err error
		if l == nil {
			l, err = client.Get[*api.Lease](ctx, s.c, leaseNamespace, n.Name)
		}
		if api.IsNotFound(err) {
			ctrl := true
			l = &api.Lease{TypeMeta: api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
				ObjectMeta: api.ObjectMeta{Name: n.Name, Namespace: leaseNamespace, OwnerReferences: []api.OwnerReference{
					{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID, Controller: &ctrl}}},
				Spec: api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur, AcquireTime: &now, RenewTime: &now}}
			l, err = client.Create(ctx, s.c, l)
		} else if err == nil {
			l = l.DeepCopy()
			l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime = &holder, &dur, &now
			l, err = client.Update(ctx, s.c, l)
		}
		if err == nil {
			s.mu.Lock()
			s.leases[n.Name] = l
			s.mu.Unlock()
			return nil
		}
		if attempt == 0 && (api.IsConflict(err) || api.IsNotFound(err) || api.IsAlreadyExists(err)) {
			l = nil // someone else wrote it: read it again
			continue
		}
		return err
	}
}

// heartbeats renews the Leases and keeps the Ready conditions fresh.
func (s *Sim) heartbeats(ctx context.Context) {
	t := time.NewTicker(s.o.RenewInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		nodes, _, err := client.ListOf[*api.Node](ctx, s.c, "", client.ListOptions{LabelSelector: LabelSimulated + "=true"})
		if err != nil {
			if ctx.Err() == nil {
				s.o.Logger.Warn("listing nodes", "err", err)
			}
			continue
		}
		byName := map[string]*api.Node{}
		for _, n := range nodes {
			byName[n.Name] = n
		}
		err = s.forEach(ctx, func(ctx context.Context, name string) error {
			n := byName[name]
			if n == nil {
				// Deleted behind our back: register it again.
				created, err := client.Create(ctx, s.c, s.newNode(name))
				if err != nil {
					return err
				}
				n = created
			}
			if s.stale(n) {
				if err := s.postStatus(ctx, n); err != nil {
					return err
				}
			}
			return s.renewLease(ctx, n)
		})
		if err != nil && ctx.Err() == nil {
			s.o.Logger.Warn("heartbeat", "err", err)
		}
	}
}

// stale reports whether a node's status needs posting: not Ready, or the
// Ready heartbeat older than a minute.
func (s *Sim) stale(n *api.Node) bool {
	c := n.Condition(api.NodeReady)
	return c == nil || c.Status != api.ConditionTrue || s.now().Sub(c.LastHeartbeatTime) > time.Minute ||
		len(n.Status.Allocatable) == 0
}
