package control

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/core/store"
)

// Config configures a Machine. The zero Config is Kubernetes' defaults.
type Config struct {
	// Seed seeds the generator of pod name suffixes and event names.
	Seed uint64
	// NodeMonitorGracePeriod is how long a node may go without renewing
	// its Lease (or posting status) before it is marked Unknown. Default
	// 40s.
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often the node lifecycle controller
	// checks the nodes (kube's --node-monitor-period): a node is marked
	// Unknown at the first check after its grace period ends, and pods
	// made ready again on a node that is not are marked not ready at the
	// next check, never once per event. Checks run at the multiples of
	// the period; only those with work arm a timer. Default 5s.
	NodeMonitorPeriod time.Duration
	// DefaultTolerationSeconds is how long pods that say nothing about the
	// not-ready and unreachable NoExecute taints tolerate them, as the
	// tolerations Kubernetes' DefaultTolerationSeconds admission adds
	// (core/registry adds them at creation; the taint manager assumes them
	// for pods created without). Default 300; negative: not at all.
	DefaultTolerationSeconds int64
	// ServiceCIDR is the IPv4 range ClusterIPs come from. Default
	// "10.96.0.0/12"; its first address is the kubernetes service's.
	ServiceCIDR string
	// NodePortMin and NodePortMax bound allocated node ports. Default
	// 30000–32767.
	NodePortMin, NodePortMax int32
	// Scheduler configures the scheduler.
	Scheduler sched.Config
	// RecordEvents makes controllers create api.Event objects for what
	// they do (Scheduled, SuccessfulCreate, ScalingReplicaSet, ...).
	RecordEvents bool
	// ExpectationsTimeout is how long a ReplicaSet waits to observe its
	// own creates and deletes before it acts again regardless. Default 5m.
	ExpectationsTimeout time.Duration
	// BurstReplicas bounds the pods a ReplicaSet creates or deletes per
	// sync. Default 500.
	BurstReplicas int
	// UnschedulableFlush is how long a pod stays in the unschedulable
	// queue with no cluster change before it is retried anyway. Default
	// 5m.
	UnschedulableFlush time.Duration
	// WriteTimeout is how long a write the machine has not seen the result
	// of blocks further writes to the same object. Default 1m.
	WriteTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.NodeMonitorGracePeriod == 0 {
		c.NodeMonitorGracePeriod = 40 * time.Second
	}
	if c.NodeMonitorPeriod <= 0 {
		c.NodeMonitorPeriod = 5 * time.Second
	}
	if c.DefaultTolerationSeconds == 0 {
		c.DefaultTolerationSeconds = 300
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = "10.96.0.0/12"
	}
	if c.NodePortMin == 0 && c.NodePortMax == 0 {
		c.NodePortMin, c.NodePortMax = 30000, 32767
	}
	if c.ExpectationsTimeout == 0 {
		c.ExpectationsTimeout = 5 * time.Minute
	}
	if c.BurstReplicas == 0 {
		c.BurstReplicas = 500
	}
	if c.UnschedulableFlush == 0 {
		c.UnschedulableFlush = 5 * time.Minute
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = time.Minute
	}
}

// queueID names a controller's work queue. Ready runs the controllers in
// this order.
type queueID uint8

const (
	qNode queueID = iota
	qTaint
	qPodGC
	qGC
	qNamespace
	qDeployment
	qReplicaSet
	qScheduler
	qEndpoints
	qService
	qVolume
	qClaim
	numQueues
)

// controllerNames are the Write.Controller values, by queue.
var controllerNames = [numQueues]string{
	"node-lifecycle", "taint-eviction", "pod-gc", "garbage-collector", "namespace",
	"deployment", "replicaset", "scheduler", "endpoints", "service-ip",
	"pv-binder", "pvc-binder",
}

// queueNamed returns the queue of a controller name.
func queueNamed(name string) (queueID, bool) {
	for i, n := range controllerNames {
		if n == name {
			return queueID(i), true
		}
	}
	return 0, false
}

// Machine is the control plane: Kubernetes' controller manager and
// scheduler as one deterministic state machine. See the package
// documentation for how to drive it.
type Machine struct {
	cfg Config
	// now is the time of the last Tick; started once there was one.
	now     api.Time
	started bool
	rng     rng

	mirror
	queues [numQueues]queue
	timers timers
	// inflight holds, per store key, the update or delete this machine
	// asked for and has not seen the result of (nor a failure). rev is
	// the key's modRevision the write was based on; an event with a later
	// revision clears it. Safe to lose.
	inflight map[string]inflight
	// out holds the writes of the last Ready (outbuf.go).
	out outBuf
	// retries counts recent failed writes per controller and key, for
	// their backoff. Safe to lose.
	retries map[timerKey]retry

	sched *sched.Scheduler
	sq    schedQueue
	rs    rsState
	dep   depState
	nodes nodeState
	ipam  ipam
}

type inflight struct {
	rev int64
	at  api.Time
	// waiters are the controller keys busy turned away while the write
	// was in flight, requeued when its outcome arrives.
	waiters []timerKey
}

// New returns a machine that knows nothing yet: feed it the store's
// objects as Added events, then the watch, and Tick it.
func New(cfg Config) *Machine {
	cfg.setDefaults()
	m := &Machine{
		cfg:      cfg,
		rng:      rng{s: cfg.Seed},
		mirror:   newMirror(),
		inflight: map[string]inflight{},
		retries:  map[timerKey]retry{},
		sched:    sched.New(cfg.Scheduler),
	}
	m.sq.init()
	m.rs.init()
	m.dep.init()
	m.nodes.init()
	m.ipam.init(cfg)
	return m
}

// Config returns the machine's configuration, with defaults filled in.
func (m *Machine) Config() Config { return m.cfg }

// Now returns the time of the last Tick.
func (m *Machine) Now() api.Time { return m.now }

// Step feeds one store event (from a watch of "/registry/", or an Added
// event per object of a List). An event whose revision is not newer than
// what the machine holds for its key is ignored, so duplicates and stale
// events are harmless. The object is kept, not copied: the caller must
// never modify it.
func (m *Machine) Step(ev store.Event) {
	if ev.Object == nil {
		return
	}
	e := m.objects[ev.Key]
	if e != nil && ev.Revision <= e.rev {
		return
	}
	if e == nil {
		if t, ok := m.tombs[ev.Key]; ok && ev.Revision <= t {
			return
		}
	}
	if len(m.inflight) > 0 {
		if f, ok := m.inflight[ev.Key]; ok && ev.Revision > f.rev {
			m.settled(ev.Key)
		}
	}
	if ev.Type == store.Deleted {
		m.bury(ev.Key, ev.Revision)
		if e == nil {
			return
		}
		old := e.obj
		delete(m.objects, ev.Key)
		delete(m.memos, e)
		m.markDead(e)
		m.index(e, old, nil)
		e.rev = ev.Revision
		m.dispatch(e, old, nil)
		return
	}
	var old api.Object
	if e == nil {
		e = &entry{key: ev.Key, kind: kindOf(ev.Object)}
		m.objects[ev.Key] = e
	} else {
		old = e.obj
		if old.GetObjectMeta().UID != ev.Object.GetObjectMeta().UID {
			// The key was deleted and created again while we did not
			// watch: treat it as both.
			m.index(e, old, nil)
			m.dispatch(e, old, nil)
			old = nil
		}
	}
	if old == nil || old.GetObjectMeta().Generation != ev.Object.GetObjectMeta().Generation {
		delete(m.memos, e) // the template may have changed
	}
	e.obj, e.rev = ev.Object, ev.Revision
	m.index(e, old, ev.Object)
	m.dispatch(e, old, ev.Object)
}

// Tick tells the machine the time. Time never goes back: an earlier now
// is ignored. The machine acts (Ready returns writes) only once it has
// been ticked.
func (m *Machine) Tick(now api.Time) {
	if m.started && now <= m.now {
		return
	}
	m.now, m.started = now, true
	m.timers.due(now, m.enqueue)
	m.nodes.checks.due(now, m.enqueue)
}

// NextTimer returns when the machine next wants a Tick to act on its own
// (a node's lease running out, a toleration running out, a pod becoming
// available...), if ever. Each node's lease check follows its renewals:
// it is the first node monitor check after the node's grace period ends
// if it renews nothing more, not a check armed before its last renewal.
func (m *Machine) NextTimer() (api.Time, bool) {
	t, ok := m.timers.next()
	if c, cok := m.nodes.checks.next(); cok && (!ok || c < t) {
		return c, true
	}
	return t, ok
}

// Failed reports that a write failed. The object it was about is
// reconsidered (level-triggered: nothing is lost), and what the write
// promised is undone: a ReplicaSet stops expecting the pod it failed to
// create, the scheduler forgets a pod it failed to bind.
func (m *Machine) Failed(f WriteFailed) {
	w := f.Write
	if w.Op != OpCreate && w.Op != OpBind {
		m.settled(w.Key)
	}
	q, ok := queueNamed(w.Controller)
	if !ok {
		return
	}
	switch q {
	case qReplicaSet:
		m.rsWriteFailed(f)
	case qScheduler:
		m.schedWriteFailed(f)
	case qService:
		m.ipam.release(w.For)
	case qDeployment:
		m.depWriteFailed(f)
	}
	if w.For != "" {
		m.retryLater(q, w.For)
	}
}

// Retry backoff after a failed write, per controller and key: 5ms,
// doubling up to 5 minutes (kube's per-item rate limiter, with a lower
// ceiling), forgotten after a quiet spell as long as the last delay.
const (
	retryBase = 5 * time.Millisecond
	retryMax  = 5 * time.Minute
)

// retry counts a key's consecutive failures.
type retry struct {
	n    int
	last api.Time
}

// retryLater requeues key in q after its backoff, so that a write that
// keeps failing is retried at a bounded rate instead of on every Ready.
func (m *Machine) retryLater(q queueID, key string) {
	k := timerKey{q, key}
	r := m.retries[k]
	d := backoff(r.n)
	if r.n > 0 && m.now.Sub(r.last) > 2*d {
		r.n, d = 0, retryBase
	}
	r.n++
	r.last = m.now
	m.retries[k] = r
	m.after(q, key, m.now.Add(d))
	if len(m.retries) > 4096 {
		m.pruneRetries()
	}
}

func backoff(n int) time.Duration {
	if n >= 16 {
		return retryMax
	}
	return min(retryBase<<n, retryMax)
}

// pruneRetries forgets the keys whose last failure is long past.
func (m *Machine) pruneRetries() {
	for k, r := range m.retries {
		if m.now.Sub(r.last) > 2*retryMax {
			delete(m.retries, k)
		}
	}
}

// Pending reports whether Ready has work to do now.
func (m *Machine) Pending() bool {
	if !m.started {
		return false
	}
	for i := range m.queues {
		if m.queues[i].len() > 0 {
			return true
		}
	}
	return len(m.sq.active) > 0
}

// Ready runs every controller over its dirty keys and returns the writes
// they ask for, in a deterministic order. Before the first Tick it
// returns nothing. The writes are held by the machine (outbuf.go) until
// the next Ready, which reuses their room: go through them before
// calling Ready again, and keep copies of those kept longer (a Write is a
// value: At and All copy it). Failed, Step and Tick may be called while
// the caller goes through them.
func (m *Machine) Ready() Writes {
	m.out.reset()
	if !m.started {
		return Writes{&m.out}
	}
	for q := queueID(0); q < numQueues; q++ {
		if q == qScheduler {
			m.scheduleActive()
			continue
		}
		sync := m.syncer(q)
		for _, key := range m.queues[q].drain() {
			sync(key)
		}
	}
	m.out.trim()
	return Writes{&m.out}
}

func (m *Machine) syncer(q queueID) func(string) {
	switch q {
	case qNode:
		return m.syncNode
	case qTaint:
		return m.syncTaints
	case qPodGC:
		return m.syncPodGC
	case qGC:
		return m.syncGC
	case qNamespace:
		return m.syncNamespace
	case qDeployment:
		return m.syncDeployment
	case qReplicaSet:
		return m.syncReplicaSet
	case qEndpoints:
		return m.syncEndpoints
	case qService:
		return m.syncServiceIP
	case qVolume:
		return m.syncVolume
	case qClaim:
		return m.syncClaim
	}
	return func(string) {}
}

// enqueue marks key dirty in queue q.
func (m *Machine) enqueue(q queueID, key string) {
	if q == qScheduler {
		m.requeuePod(key)
		return
	}
	m.queues[q].add(key)
}

// after arms a timer that enqueues key in q at at.
func (m *Machine) after(q queueID, key string, at api.Time) { m.timers.arm(q, key, at) }
