package node

import (
	"fmt"
	"slices"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Config configures a Machine. Zero durations take the kubelet's defaults.
type Config struct {
	// NodeName is the node this machine runs; pods bound elsewhere are
	// ignored.
	NodeName string
	// Labels go on the Node at registration, with kubernetes.io/hostname
	// added if missing.
	Labels map[string]string
	// Capacity is what the machine has; Allocatable what pods may use
	// (defaults to Capacity).
	Capacity, Allocatable api.ResourceList
	// Addresses of the node; the first InternalIP is the pods' hostIP.
	Addresses []api.NodeAddress
	NodeInfo  api.NodeSystemInfo

	// LeaseDuration is written into the Lease (default 40s).
	LeaseDuration time.Duration
	// LeaseRenewInterval is how often the Lease is renewed (default 10s).
	LeaseRenewInterval time.Duration
	// NodeStatusInterval is how often the node status is written when
	// nothing changed (default 5m, the kubelet's nodeStatusReportFrequency);
	// a change is written on the next Tick.
	NodeStatusInterval time.Duration
	// LeaseNamespace defaults to kube-node-lease.
	LeaseNamespace string

	// BackOffInitial and BackOffMax bound the restart and image-pull
	// back-off (default 10s and 5m). A back-off resets after the thing
	// backed off ran 2*BackOffMax without a new failure.
	BackOffInitial, BackOffMax time.Duration
	// RetryPeriod is how long the machine waits before retrying an action
	// that failed in the runtime (create, kill, remove, volume setup);
	// default 10s, the kubelet's pod worker back-off.
	RetryPeriod time.Duration
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.LeaseDuration, 40*time.Second)
	def(&c.LeaseRenewInterval, 10*time.Second)
	def(&c.NodeStatusInterval, 5*time.Minute)
	def(&c.BackOffInitial, 10*time.Second)
	def(&c.BackOffMax, 5*time.Minute)
	def(&c.RetryPeriod, 10*time.Second)
	if c.LeaseNamespace == "" {
		c.LeaseNamespace = "kube-node-lease"
	}
	if c.Allocatable == nil {
		c.Allocatable = c.Capacity
	}
}

// Machine is the node's pod lifecycle state machine. It is not safe for
// concurrent use: one goroutine owns it, feeds it Inputs through Step and
// executes what Ready returns.
type Machine struct {
	cfg    Config
	hostIP string

	// now is the time of the latest Tick. Invariant: never decreases.
	now api.Time

	// pods by UID.
	pods podTable
	// rt locates every runtime container the machine knows of.
	rt ctrTable
	// blocked holds pods waiting for a referenced object (secret,
	// configMap, claim, volume) to appear or change.
	blocked map[string]*podState

	objs objects

	// dirty pods are synced, in key order, at the end of each Step.
	dirty  []*podState
	timers timerHeap

	runtimeMessage string
	runtimeHealthy bool
	// podsSynced: a PodList was received, so the pod view is complete.
	podsSynced bool
	// inTick is set while a Tick syncs pods: probes are only run then.
	inTick bool

	// unclaimed are runtime containers of pods the machine does not know
	// (yet), by pod UID; orphans are those being killed and removed.
	unclaimed map[string][]RuntimeContainer
	orphans   map[string]*orphan

	node nodeState

	// next is the earliest wake-up time asked for nextFor, the pod being
	// synced, during its sync (wakeAt); schedule commits it.
	next    api.Time
	nextFor *podState

	out Ready
	// syncsLeft counts the pods of the current flush pass not yet synced,
	// this one included: at most that many statuses are about to be
	// emitted, so the list of StatusUpdates is allocated at that size.
	syncsLeft int32
	// burst is about the largest number of StatusUpdates of the recent
	// Readys that had more than one (decaying by an eighth a burst):
	// see growStatuses.
	burst int32

	// arena is where pod statuses are rendered (see podStatus).
	arena statusArena
	// incompleteMsg and unreadyMsg are the last messages of the
	// Initialized and ContainersReady conditions that list containers.
	incompleteMsg, unreadyMsg namesMsg
	// last holds parts of the statuses emitted before, which the next
	// ones share when equal (copyStatus).
	last statusShare
}

// New returns a machine for the node cfg describes. Its clock starts at
// zero; the first Tick sets it.
func New(cfg Config) *Machine {
	cfg.setDefaults()
	m := &Machine{
		cfg:            cfg,
		runtimeHealthy: true,
	}
	for _, a := range cfg.Addresses {
		if a.Type == "InternalIP" {
			m.hostIP = a.Address
			break
		}
	}
	return m
}

// Config returns the machine's configuration, its defaults filled in: New
// of it gives an equal machine. Its maps and slices are the machine's: the
// caller must not modify them.
func (m *Machine) Config() Config { return m.cfg }

// Now returns the machine's clock.
func (m *Machine) Now() api.Time { return m.now }

// Tick advances the clock; shorthand for Step(Tick{Now: now}).
func (m *Machine) Tick(now api.Time) error { return m.Step(Tick{Now: now}) }

// Step feeds one input to the machine. It returns an error only for misuse
// by the caller (a nil object, an unknown kind, time going backwards); such
// an input changes nothing. Observations about containers or pods the
// machine does not know are not errors: they are stale and ignored (a
// container created for a pod that is gone is removed).
func (m *Machine) Step(in Input) error {
	if err := m.step(in); err != nil {
		return err
	}
	m.flush()
	return nil
}

// HasReady reports whether Ready would return anything.
func (m *Machine) HasReady() bool { return !m.out.IsEmpty() }

// Ready returns everything emitted since the previous call and forgets it:
// the caller now owns it.
func (m *Machine) Ready() Ready {
	rd := m.out
	if n := len(rd.StatusUpdates); n > 1 {
		m.burst = max(int32(n), m.burst-m.burst/8)
	}
	m.out = Ready{}
	return rd
}

// maxSpare bounds the arrays Release keeps: a machine's steady state
// emits a few outputs at a time, and a burst (thirty pods bound at once)
// should not stay allocated for the machine's lifetime.
const maxSpare = 4

// Release gives back a Ready the caller has executed and no longer
// refers to, so that its small arrays serve the next Ready instead of
// new ones: each becomes the pending Ready's list, unless that has
// outputs already (emitted meanwhile). One set of arrays goes round.
// What the caller keeps must be its own: the list elements are
// overwritten, though the memory they point to (a status's conditions,
// say) is never reused. Calling it is optional.
func (m *Machine) Release(rd *Ready) {
	reuse(&m.out.Actions, rd.Actions)
	reuse(&m.out.StatusUpdates, rd.StatusUpdates)
	reuse(&m.out.PodDeletions, rd.PodDeletions)
	reuse(&m.out.Events, rd.Events)
	*rd = Ready{}
}

// reuse makes s, emptied, the list *out, if *out has no array yet and s
// is not too big to keep.
func reuse[T any](out *[]T, s []T) {
	if *out != nil || cap(s) > maxSpare {
		return
	}
	clear(s)
	*out = s[:0]
}

func (m *Machine) step(in Input) error {
	switch e := in.(type) {
	case Tick:
		return m.handleTick(e.Now)
	case PodAdded:
		return m.handlePod(e.Pod)
	case PodUpdated:
		return m.handlePod(e.Pod)
	case PodDeleted:
		if e.Pod == nil {
			return fmt.Errorf("node: %s with nil pod", "PodDeleted")
		}
		m.handlePodGone(e.Pod.UID)
	case PodList:
		return m.handlePodList(e.Pods)
	case ObjectAdded:
		return m.handleObject(e.Object, false)
	case ObjectUpdated:
		return m.handleObject(e.Object, false)
	case ObjectDeleted:
		return m.handleObject(e.Object, true)
	case NodeUpdated:
		if e.Node == nil {
			return fmt.Errorf("node: %s with nil node", "NodeUpdated")
		}
		m.handleNodeUpdated(e.Node)
	case ImageReady:
		m.handleImageReady(e)
	case ImagePullFailed:
		m.handleImagePullFailed(e)
	case ContainerCreated:
		m.handleCreated(e)
	case ContainerCreateFailed:
		m.handleCreateFailed(e)
	case ContainerStarted:
		m.handleStarted(e)
	case ContainerStartFailed:
		m.handleExit(e.ID, 128, "StartError", e.Message, 0)
	case ContainerExited:
		m.handleExit(e.ID, e.ExitCode, e.Reason, e.Message, e.FinishedAt)
	case ContainerKilled:
		m.handleExit(e.ID, e.ExitCode, "", "", e.At)
	case ContainerRemoved:
		m.handleRemoved(e.ID)
	case RuntimeOpFailed:
		m.handleOpFailed(e)
	case VolumeReady:
		m.handleVolumeReady(e.PodUID, e.Volume)
	case VolumeSetupFailed:
		m.handleVolumeFailed(e.PodUID, e.Volume, e.Message)
	case VolumeTornDown:
		m.handleVolumeTornDown(e.PodUID, e.Volume)
	case ProbeResult:
		m.handleProbeResult(e)
	case RuntimeStatus:
		m.handleRuntimeStatus(e)
	case RuntimeInventory:
		m.handleInventory(e.Containers)
	case WriteFailed:
		m.handleWriteFailed(e)
	case nil:
		return fmt.Errorf("node: nil input")
	default:
		return fmt.Errorf("node: unknown input %T", in)
	}
	return nil
}

func (m *Machine) handleTick(now api.Time) error {
	if now < m.now {
		return fmt.Errorf("node: tick %s before the machine's clock %s", fmtTime(now), fmtTime(m.now))
	}
	m.now = now
	for _, p := range m.timers.popDue(now) {
		m.markDirty(p)
	}
	m.inTick = true
	m.flush()
	m.inTick = false
	m.tickNode()
	return nil
}

// markDirty queues p for a sync at the end of the current Step.
func (m *Machine) markDirty(p *podState) {
	if p.dirty || p.forgotten {
		return
	}
	p.dirty = true
	m.dirty = append(m.dirty, p)
}

// flush syncs the dirty pods in key order. A sync may dirty other pods
// (never itself again in the same pass); they are synced in a next pass.
func (m *Machine) flush() {
	for len(m.dirty) > 0 {
		batch := m.dirty
		m.dirty = nil
		slices.SortFunc(batch, func(a, b *podState) int { return comparePods(a.pod, b.pod) })
		for i, p := range batch {
			p.dirty = false
			m.syncsLeft = int32(len(batch) - i)
			if !p.forgotten {
				m.syncPod(p)
			}
		}
		m.syncsLeft = 0
		if m.dirty == nil {
			// Nothing dirtied meanwhile: the batch's array serves again.
			clear(batch)
			m.dirty = batch[:0]
		}
	}
}

// wakeAt asks for p, the pod being synced, to be synced again at t (or
// the next Tick after it).
func (m *Machine) wakeAt(p *podState, t api.Time) {
	if m.nextFor != p || t < m.next {
		m.next, m.nextFor = t, p
	}
}

// schedule commits the wake-up time gathered during p's sync.
func (m *Machine) schedule(p *podState) {
	if m.nextFor != p {
		p.hasWake = false
		return
	}
	t := m.next
	if t <= m.now {
		t = m.now + 1 // the next Tick
	}
	m.nextFor = nil
	if p.hasWake && p.wake == t {
		return
	}
	p.wake, p.hasWake = t, true
	m.timers.push(timer{at: t, p: p})
}

func (m *Machine) after(d time.Duration) api.Time { return m.now + api.Time(d) }

func (m *Machine) event(p *podState, typ, reason, msg string) {
	m.out.Events = append(m.out.Events, Event{Pod: p.ref(), Type: typ, Reason: reason, Message: msg})
}

func (m *Machine) act(a Action) { m.out.Actions = append(m.out.Actions, a) }
