package explore

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// Epoch is where every world's clock starts: 2026-01-01T00:00:00Z.
var Epoch = api.Unix(1767225600, 0)

// World is one small cluster in which every nondeterministic choice is
// explicit: the store behind the registry, the control-plane machine with
// its watch queue, and the node machines with their watch queues and fake
// runtimes. Nothing happens unless Step is called with one of the choices
// Enabled returns. A World is deterministic: the same Config and the same
// choices give the same state, byte for byte (Hash).
//
// A World is not copyable (the machines are not); the explorer reaches a
// state by building a new World and replaying the choices that led there.
type World struct {
	cfg *Config
	// now is the global clock. start is the time exploration began (the
	// end of Setup); the horizon counts from it.
	now, start api.Time
	// setupRev is the store's revision at the end of Setup.
	setupRev int64
	// memo caches digests of objects up to memoRev (see digest).
	memo    map[digestKey][32]byte
	memoRev int64

	mem *store.Memory
	reg *registry.Registry
	// rec records every write of the store, in revision order, into hist;
	// state is the store's content after hist, by key (nil: deleted).
	rec   store.Watcher
	hist  model.History
	state map[string]api.Object

	cp *control.Machine
	// cpw is the control plane's watch; cpq the events it delivered that
	// the machine has not been given yet (FIFO). cpSeen is the revision of
	// the last event given: the machine's mirror is the store at cpSeen.
	cpw    store.Watcher
	cpq    []store.Event
	cpSeen int64
	// outbox holds the writes of the last Ready not executed yet, when
	// writes are interleaved one by one (Config.WriteByWrite).
	outbox []pendingWrite
	// binds are the control plane's successful bindings: the revision the
	// binding was written at and the revision its Ready saw.
	binds []bindRecord

	nodes []*simNode

	// rr is the canonical schedule's round-robin position (see Settle).
	rr int
	// faulted: the fault was injected; healed: the partition ended;
	// acted: the user action was taken.
	faulted, healed, acted bool
	// exploring is set once Setup is done. check makes pump check the
	// writes it records: off while replaying a prefix already checked.
	exploring, check bool
	// steps counts the transitions taken since Setup; revAt holds the
	// store's revision at the start of each (for loop reports).
	steps int
	revAt []int64

	// transition is what the current transition found: violations of
	// the invariants over writes, and bindings on a stale view.
	found []model.Violation
	stale []model.Violation
	// log, when tracing, says what each transition did.
	log   []string
	trace bool
}

// pendingWrite is a write of the control plane waiting in the outbox,
// with the revision of the view it was computed from.
type pendingWrite struct {
	w    control.Write
	view int64
}

// bindRecord is one successful binding by the control plane.
type bindRecord struct {
	rev, view int64
	node      string
}

// simNode is one node: its machine, its watch of the pods bound to it,
// and its fake runtime.
type simNode struct {
	name string
	cfg  node.Config
	// m is nil once the node crashed.
	m *node.Machine
	// w watches pods; q holds the events for pods bound here that the
	// machine has not been given (FIFO; held while partitioned).
	w store.Watcher
	q []store.Event
	// partitioned: writes fail, deliveries are held.
	partitioned bool
	// rt holds the runtime actions not answered yet, in emission order.
	rt []node.Action
	// ticked is the time of the node's last Tick.
	ticked api.Time
}

// newWorld builds a world from cfg and runs its Setup.
func newWorld(cfg *Config, trace bool) (*World, error) {
	w := &World{cfg: cfg, now: Epoch, state: map[string]api.Object{}, trace: trace}
	w.mem = store.NewMemoryWith(store.MemoryOptions{Shared: true})
	rec, err := w.mem.Watch(api.KeyPrefix, 0)
	if err != nil {
		return nil, err
	}
	w.rec = rec
	w.reg = registry.New(w.mem, registry.Config{Seed: cfg.Seed, DefaultTolerationSeconds: cfg.DefaultTolerationSeconds})
	for _, ns := range []string{"default", "kube-node-lease"} {
		obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
		if _, err := w.reg.Create(obj, w.now); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	w.startControlPlane()
	for _, spec := range cfg.Nodes {
		w.addNode(spec)
	}
	w.pump()
	if cfg.Setup != nil {
		if err := cfg.Setup(w); err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
	}
	w.start = w.now
	w.setupRev, _ = w.mem.Revision()
	w.exploring, w.check = true, true
	w.found, w.stale, w.log = nil, nil, nil
	return w, nil
}

// startControlPlane builds the control-plane machine from a List of the
// store and watches from the next revision, as core/sim does.
func (w *World) startControlPlane() {
	cc := w.cfg.Control
	cc.Seed = w.cfg.Seed ^ 0xc0
	cc.DefaultTolerationSeconds = w.cfg.DefaultTolerationSeconds
	w.cp = control.New(cc)
	list, err := w.mem.List(api.KeyPrefix, store.ListOptions{})
	must(err)
	for _, obj := range list.Items {
		rev, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
		must(err)
		key, _ := api.KeyOf(obj)
		w.cp.Step(store.Event{Type: store.Added, Key: key, Object: obj, Revision: rev})
	}
	w.cpSeen = list.Revision
	w.cpw, err = w.mem.Watch(api.KeyPrefix, list.Revision+1)
	must(err)
	w.cp.Tick(w.now)
}

// addNode starts a node machine: it registers its Node on its first Tick.
func (w *World) addNode(spec NodeSpec) {
	cpu, mem := api.MustParseQuantity(spec.CPU), api.MustParseQuantity(spec.Memory)
	n := &simNode{name: spec.Name, cfg: node.Config{
		NodeName: spec.Name,
		Labels:   map[string]string{api.LabelHostname: spec.Name},
		Capacity: api.ResourceList{api.ResourceCPU: cpu, api.ResourceMemory: mem,
			api.ResourcePods: api.NewQuantity(spec.Pods, api.DecimalSI)},
		Addresses:          []api.NodeAddress{{Type: "InternalIP", Address: fmt.Sprintf("10.240.0.%d", len(w.nodes)+1)}},
		LeaseRenewInterval: w.cfg.LeaseRenewInterval,
	}}
	var err error
	n.w, err = w.mem.Watch(api.KeyFor("pods", "", ""), 0)
	must(err)
	n.m = node.New(n.cfg)
	w.nodes = append(w.nodes, n)
	w.tickNode(n)
}

func must(err error) {
	if err != nil {
		panic("explore: " + err.Error())
	}
}

// pump moves what the store's watches delivered into the consumers'
// queues and records the writes (checking the invariants over them).
func (w *World) pump() {
	evs, err := w.cpw.Poll(0)
	must(err)
	w.cpq = append(w.cpq, evs...)
	for _, n := range w.nodes {
		if n.m == nil {
			continue
		}
		evs, err := n.w.Poll(0)
		must(err)
		for _, ev := range evs {
			if podNode(ev) == n.name {
				n.q = append(n.q, ev)
			}
		}
	}
	evs, err = w.rec.Poll(0)
	must(err)
	for _, ev := range evs {
		wr := model.Write{Revision: ev.Revision, Type: string(ev.Type), Key: ev.Key, Object: ev.Object}
		if w.check {
			w.checkWrite(wr)
		}
		w.hist = append(w.hist, wr)
		if ev.Type == store.Deleted {
			delete(w.state, ev.Key)
		} else {
			w.state[ev.Key] = ev.Object
		}
	}
}

// podNode returns the node a pod event is for ("" if unbound).
func podNode(ev store.Event) string {
	if p, ok := ev.Object.(*api.Pod); ok && p != nil {
		return p.Spec.NodeName
	}
	return ""
}

func (w *World) logf(format string, args ...any) {
	if w.trace {
		w.log = append(w.log, fmt.Sprintf(format, args...))
	}
}

// Now returns the world's clock.
func (w *World) Now() api.Time { return w.now }

// Elapsed returns the time since exploration started, as "+1.5s".
func (w *World) elapsed() string {
	return "+" + w.now.Sub(w.start).String()
}

// node returns the node named name, or nil.
func (w *World) node(name string) *simNode {
	for _, n := range w.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// Objects returns the store's objects (shared: never modify them).
func (w *World) Objects() []api.Object {
	list, err := w.mem.List(api.KeyPrefix, store.ListOptions{})
	must(err)
	return list.Items
}

// Snapshot returns the store's content as a model.Snapshot at the
// world's time.
func (w *World) Snapshot() *model.Snapshot {
	s := model.NewSnapshot(w.Objects()...)
	s.Now = w.now
	return s
}

// History returns every write so far (shared: never modify it).
func (w *World) History() model.History { return w.hist }

// Describe returns the world's state as text: the clock, the queues, the
// machines.
func (w *World) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "now %s faulted=%t healed=%t acted=%t\n", w.elapsed(), w.faulted, w.healed, w.acted)
	fmt.Fprintf(&b, "cp queue (%d):", len(w.cpq))
	for _, ev := range w.cpq {
		b.WriteString(" " + ev.Describe())
	}
	b.WriteString("\n")
	for _, pw := range w.outbox {
		b.WriteString("cp outbox: " + pw.w.Describe() + "\n")
	}
	b.WriteString(indent(w.cp.Describe(), "cp | "))
	for _, n := range w.nodes {
		switch {
		case n.m == nil:
			fmt.Fprintf(&b, "node %s crashed\n", n.name)
			continue
		case n.partitioned:
			fmt.Fprintf(&b, "node %s partitioned\n", n.name)
		}
		fmt.Fprintf(&b, "node %s queue (%d):", n.name, len(n.q))
		for _, ev := range n.q {
			b.WriteString(" " + ev.Describe())
		}
		b.WriteString("\n")
		for _, a := range n.rt {
			b.WriteString("node " + n.name + " runtime: " + a.Describe() + "\n")
		}
		b.WriteString(indent(n.m.Describe(), n.name+" | "))
	}
	return b.String()
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}
