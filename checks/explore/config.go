package explore

import (
	"sync"
	"time"

	"github.com/capstan-dev/capstan/core/control"
)

// Config is one small configuration to explore: the cluster, how it is
// set up before exploration starts, the fault that may strike, and how
// finely the harness interleaves.
type Config struct {
	// Name names the configuration in reports.
	Name string
	// Seed seeds the registry's uids and the control plane's names.
	Seed uint64
	// Nodes are started (and register themselves) before Setup.
	Nodes []NodeSpec
	// Control configures the control plane (Seed and
	// DefaultTolerationSeconds are set from this Config).
	Control control.Config
	// DefaultTolerationSeconds is the registry's and the control plane's
	// (0: 300; negative: pods get no default tolerations and are evicted
	// as soon as their node is tainted unreachable).
	DefaultTolerationSeconds int64
	// LeaseRenewInterval is the node machines' (default 10s); NodeTick
	// how often the harness ticks a node (default LeaseRenewInterval).
	LeaseRenewInterval, NodeTick time.Duration
	// Horizon bounds the clock during exploration: Advance is enabled
	// only to deadlines at most Horizon after the start. Fault-free
	// configurations keep it below the node monitor grace period, so that
	// time never makes a healthy node look dead.
	Horizon time.Duration
	// AdvanceWhenCaughtUp enables Advance only when the control plane has
	// no event left to deliver (its watch is faster than its timers).
	AdvanceWhenCaughtUp bool
	// WriteByWrite makes each write of a control-plane sync a transition
	// of its own, interleaved with everything else; otherwise a sync and
	// its writes are one atomic step.
	WriteByWrite bool
	// EagerRuntime answers runtime actions other than starting and
	// killing a container at once (image pulls, creates, removes, volume
	// setup and probes succeed in the same transition).
	EagerRuntime bool
	// Fault, if set, may strike once, at any point of exploration.
	Fault *FaultSpec
	// User, if set, is an action a user may take once, at any point of
	// exploration (a second rollout in the middle of the first...).
	User *UserSpec
	// Setup prepares the world before exploration starts (creates the
	// Deployment, settles, applies a rollout...). Exploration starts from
	// the state it leaves.
	Setup func(*World) error
	// Mutate, if set, rewrites every control-plane write before it is
	// executed, or refuses it (ok false: it fails as Forbidden): the
	// deliberately broken variants that show the checker catches what it
	// should. It must not modify the write's object (objects are shared):
	// copy it first.
	Mutate func(control.Write) (w control.Write, ok bool)
	// SurgeOnly checks only RollingUpdateBounds' bound on pods asked for,
	// not its availability bound, which assumes a rollout starts from an
	// available Deployment.
	SurgeOnly bool
	// Liveness checks DeploymentsAvailable at leaves (states where no
	// choice is left). Only meaningful without a fault and with capacity.
	Liveness bool

	// digests caches the digests of the objects Setup wrote (see
	// World.digest), shared by the copies of the Config a run makes.
	digests *sync.Map
}

// UserSpec is a user's action.
type UserSpec struct {
	Name string
	Do   func(*World) error
}

// NodeNames returns the names of the nodes, by index: what a Choice's
// Node refers to.
func (c *Config) NodeNames() []string {
	names := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		names[i] = n.Name
	}
	return names
}

// NodeSpec is a node's capacity.
type NodeSpec struct {
	Name        string
	CPU, Memory string
	Pods        int64
}

// FaultKind is what a fault does to a node.
type FaultKind uint8

// The faults.
const (
	// Crash: the node's machine and containers are gone for good; its
	// lease stops.
	Crash FaultKind = iota + 1
	// Partition: the node's writes fail and its deliveries are held; its
	// machine and containers go on.
	Partition
)

// FaultSpec is the one fault a configuration may inject.
type FaultSpec struct {
	Kind FaultKind
	Node string
	// Heal, for a partition, lets it end (once) after it started.
	Heal bool
}

// Describe returns the fault as text.
func (f *FaultSpec) Describe() string {
	if f == nil {
		return "none"
	}
	switch f.Kind {
	case Crash:
		return "crash " + f.Node
	case Partition:
		if f.Heal {
			return "partition " + f.Node + " (may heal)"
		}
		return "partition " + f.Node
	}
	return "?"
}

func (c *Config) setDefaults() {
	if c.digests == nil {
		c.digests = &sync.Map{}
	}
	if c.LeaseRenewInterval == 0 {
		c.LeaseRenewInterval = 10 * time.Second
	}
	if c.NodeTick == 0 {
		c.NodeTick = c.LeaseRenewInterval
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.CPU == "" {
			n.CPU = "2"
		}
		if n.Memory == "" {
			n.Memory = "4Gi"
		}
		if n.Pods == 0 {
			n.Pods = 110
		}
	}
}
