package sim

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// DefaultEpoch is where a cluster's virtual clock starts unless
// Config.Epoch says otherwise: 2026-01-01T00:00:00Z.
var DefaultEpoch = api.Unix(1767225600, 0)

// Config configures a Cluster. The zero Config is a usable cluster with
// Kubernetes' defaults, a one-second node tick and an event log.
type Config struct {
	// Seed seeds everything random: generated names and uids, latency
	// jitter, reordered deliveries. Same seed and inputs, same run.
	Seed uint64
	// Epoch is the virtual time the cluster starts at (DefaultEpoch if 0).
	Epoch api.Time
	// NodeTick is how often every node machine is ticked (default 1s).
	NodeTick time.Duration
	// Runtime is how the fake runtime treats containers that no image
	// rule or pod annotation says otherwise about.
	Runtime Behavior
	// Jitter, if positive, adds a random [0, Jitter) to every runtime
	// latency (pull, start, stop), drawn from the seeded generator.
	Jitter time.Duration
	// CompactEvery is how often the store's history is compacted (default
	// 5m of virtual time; negative: never).
	CompactEvery time.Duration
	// Control configures the control plane; its Seed is derived from
	// Seed. RecordEvents is set unless DisableEvents.
	Control control.Config
	// DisableLog turns the event log off (benchmarks).
	DisableLog bool
	// DisableEvents stops both the control plane and the nodes from
	// creating api.Event objects.
	DisableEvents bool
	// ShareObjects makes the store hand out its own objects instead of
	// copies (store.Memory's Shared option): everything in the cluster
	// treats objects as immutable, so this only saves copies.
	ShareObjects bool

	// onWrite, if set, is given every object the store keeps (created or
	// updated), as the store keeps it: tests check that nothing modifies
	// a stored object afterwards.
	onWrite func(api.Object)
}

func (c *Config) setDefaults() {
	if c.Epoch == 0 {
		c.Epoch = DefaultEpoch
	}
	if c.NodeTick <= 0 {
		c.NodeTick = time.Second
	}
	if c.CompactEvery == 0 {
		c.CompactEvery = 5 * time.Minute
	}
	c.Runtime.setDefaults()
}

// Cluster is a whole simulated cluster: the in-memory store behind the API
// registry, the control-plane machine, and node machines with fake
// runtimes, all driven by one discrete-event loop on virtual time. It is
// deterministic: the same Config and the same calls give the same event
// log, byte for byte. It is not safe for concurrent use.
type Cluster struct {
	cfg Config
	// now is the virtual time. Invariant: never decreases; every event
	// in queue is at or after it.
	now api.Time
	rng rng
	// seq numbers scheduled events; queue holds them by (at, seq);
	// foreground counts the queued events that are work, not heartbeats.
	seq        uint64
	queue      eventQueue
	foreground int

	mem *store.Memory
	st  *FaultStore
	reg *registry.Registry

	cp    controlPlane
	nodes []*simNode
	// byName indexes nodes. Invariant: holds exactly the nodes in nodes.
	byName map[string]*simNode
	hub    hub
	// dirty are the nodes whose machines may have output; drained by
	// pump in the order they were dirtied.
	dirty []*simNode

	// lastActivity is when something other than a heartbeat last
	// happened (Stabilize waits for quiet).
	lastActivity api.Time
	log          eventLog
	// steps counts processed events; writes counts store writes made.
	steps, writes uint64
	// images are the fake runtime's per-image behaviours; imageBeh
	// caches the resolved behaviour of each image's containers.
	images   map[string]Behavior
	imageBeh map[string]*Behavior
	// faults are the faults ScheduleFault queued, by their event's seq.
	faults map[uint64]Fault
	// imageRefs caches the digest of each image pulled (imageRef).
	imageRefs map[string]string
	// evSeq numbers the api.Events the nodes create.
	evSeq uint64
	// running counts the pods in phase Running, bound those bound to a
	// node.
	running, bound int
	// eventMark is the resourceVersion of the last api.Event
	// DescribeEvents showed.
	eventMark int64
}

// New returns a cluster with no nodes, its store holding the namespaces
// every cluster has (default, kube-system, kube-public, kube-node-lease).
func New(cfg Config) *Cluster {
	cfg.setDefaults()
	c := &Cluster{
		cfg:       cfg,
		now:       cfg.Epoch,
		rng:       rng{s: mix(cfg.Seed, 0x51a)},
		byName:    map[string]*simNode{},
		images:    map[string]Behavior{},
		imageBeh:  map[string]*Behavior{},
		imageRefs: map[string]string{},
		faults:    map[uint64]Fault{},
	}
	c.log.off = cfg.DisableLog
	c.mem = store.NewMemoryWith(store.MemoryOptions{Shared: cfg.ShareObjects})
	c.st = &FaultStore{Store: c.mem}
	c.st.onFail = func(op, key string) { c.logf("store", "injected conflict on %s %s", op, key) }
	c.st.onWrite = cfg.onWrite
	c.reg = registry.New(c.st, registry.Config{
		Seed:                     mix(cfg.Seed, 0x7e6),
		DefaultTolerationSeconds: cfg.Control.DefaultTolerationSeconds,
	})
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
		if _, err := c.reg.Create(obj, c.now); err != nil {
			panic(fmt.Sprintf("sim: bootstrap namespace %s: %v", ns, err))
		}
	}
	c.hub.init(c)
	c.startControlPlane(1)
	if cfg.CompactEvery > 0 {
		c.schedule(event{at: c.now + api.Time(cfg.CompactEvery), kind: evCompact})
	}
	c.pump()
	return c
}

// Now returns the virtual time.
func (c *Cluster) Now() api.Time { return c.now }

// Epoch returns the virtual time the cluster started at.
func (c *Cluster) Epoch() api.Time { return c.cfg.Epoch }

// Elapsed returns the virtual time since the start.
func (c *Cluster) Elapsed() time.Duration { return time.Duration(c.now - c.cfg.Epoch) }

// Store returns the cluster's store (behind the fault wrapper) for reads
// and watches. Objects read from it must not be modified.
func (c *Cluster) Store() store.Store { return c.st }

// Memory returns the in-memory store itself, for reads and compaction:
// writes go through Store or Registry (written to directly, it bypasses
// the injected faults and what the fake runtime notes of annotated pods).
func (c *Cluster) Memory() *store.Memory { return c.mem }

// Registry returns the API layer the cluster writes through.
func (c *Cluster) Registry() *registry.Registry { return c.reg }

// Control returns the current control-plane machine (a new one after
// RestartControlPlane).
func (c *Cluster) Control() *control.Machine { return c.cp.m }

// Steps returns the number of events processed so far.
func (c *Cluster) Steps() uint64 { return c.steps }

// Writes returns the number of store writes the cluster's components
// made so far (successful or not).
func (c *Cluster) Writes() uint64 { return c.writes }

// RunningPods returns the number of pods in phase Running.
func (c *Cluster) RunningPods() int { return c.running }

// BoundPods returns the number of pods bound to a node.
func (c *Cluster) BoundPods() int { return c.bound }

// Log returns the event log so far, one line per entry.
func (c *Cluster) Log() []string { return c.log.lines }

// SetImageBehavior sets how the fake runtime treats containers running
// image (matched exactly, or by repository when no rule names the tag).
func (c *Cluster) SetImageBehavior(image string, b Behavior) {
	c.images[image] = b
	clear(c.imageBeh)
	c.logf("runtime", "image %s: %s", image, b.Describe())
}
