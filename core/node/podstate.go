package node

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// podState is what the machine keeps per pod: the pod object as last given
// (a pointer, never modified, never copied; the pod's name and UID are read
// from it) and compact per-container state. A simulated cluster keeps one
// per pod, so it holds scalars, and what few pods need (volumes, a
// pod-level reason, a retry) lives in a side struct allocated on demand.
type podState struct {
	pod *api.Pod

	// x holds the rarely used state (nil until needed; see cold).
	x *podCold
	// The containers, init containers first, in spec order (see ctr): c0
	// is the first; x.more holds the others of a pod that has more than
	// one. Most pods have one: it lives inline.
	c0 ctrState

	// startTime is the pod's status.startTime: when the machine first
	// saw it, unless the API had one already (then the time it was first
	// seen is in x).
	startTime api.Time

	// statusHash is the hash of the last status emitted (statusSent).
	statusHash uint64
	// ownedHash is hashOwned of the last status emitted, with sentIP
	// (it had a pod IP). resync: a version of the pod whose status
	// differs from it in what the machine owns arrived (the node
	// lifecycle controller marked the pod not ready, say): on the next
	// Tick, if the API's status still differs, the status is written
	// again even if unchanged (see needsResync).
	ownedHash uint64

	// wake is when p is to be synced again (hasWake; see schedule).
	wake api.Time

	// condSince and conds are the transition times and statuses of
	// Initialized, Ready, ContainersReady.
	condSince [3]api.Time

	// rt is 1 + the slot in the machine's ctrTable of the first of this
	// pod's runtime containers not yet removed (0 if none); the others
	// follow it.
	rt int32

	// The small fields last, together: no padding between them.

	conds condStatuses
	// terminal is the latched phase Succeeded/Failed (termNone before),
	// with the pod-level reason and message in x. Invariant: once set it
	// never changes.
	terminal termPhase
	// qos is qosClass of pod's spec (see setPod).
	qos qosClassID

	// deleting: the pod has a deletionTimestamp (graceful deletion).
	// gone: the pod object no longer exists in the API (or moved away).
	deleting, gone bool
	// finished: the final PodDeletion was emitted; nothing more happens
	// for the pod. Invariant: no action or status after finished.
	finished bool
	// forgotten: removed from the machine; stale references ignore it.
	forgotten bool

	statusSent, sentIP, resync bool
	hasWake, dirty             bool
}

// podCold is the part of a pod's state that few pods need.
type podCold struct {
	// reason and message are the pod-level ones of a terminal pod.
	reason, message string
	// more are the containers after the first (see podState.ctr).
	more []ctrState
	// vols is the state of each of the pod's volumes, in spec order.
	vols []volState
	// retryAt: a runtime remove failed (hasRetry); retry then.
	retryAt api.Time
	// firstSeen is when the machine first saw the pod, if the pod's
	// startTime is another (hasFirstSeen).
	firstSeen    api.Time
	hasFirstSeen bool
	// hasRetry: a runtime remove failed; retry at retryAt.
	hasRetry bool
	// blockedOnObjects: the last sync waited for a referenced object.
	blockedOnObjects bool
	// refreshVolumes: a secret or configMap a volume projects changed.
	refreshVolumes bool
}

// firstSeen is when the machine first saw the pod.
func (p *podState) firstSeen() api.Time {
	if p.x != nil && p.x.hasFirstSeen {
		return p.x.firstSeen
	}
	return p.startTime
}

// cold returns p's side struct, allocating it if needed.
func (p *podState) cold() *podCold {
	if p.x == nil {
		p.x = new(podCold)
	}
	return p.x
}

// vols returns the state of p's volumes (nil if it has none).
func (p *podState) vols() []volState {
	if p.x == nil {
		return nil
	}
	return p.x.vols
}

func (p *podState) reason() string {
	if p.x == nil {
		return ""
	}
	return p.x.reason
}

func (p *podState) message() string {
	if p.x == nil {
		return ""
	}
	return p.x.message
}

// nInit is the number of init containers (a pod's containers never
// change: see handlePod).
func (p *podState) nInit() int { return len(p.pod.Spec.InitContainers) }

// nCtrs is the number of containers, init containers included.
func (p *podState) nCtrs() int { return len(p.pod.Spec.InitContainers) + len(p.pod.Spec.Containers) }

// ctr returns container ci's state (init containers first). The pointer
// stays valid for the pod's life.
func (p *podState) ctr(ci int) *ctrState {
	if ci == 0 {
		return &p.c0
	}
	return &p.x.more[ci-1]
}

// ref names p for outputs.
func (p *podState) ref() PodRef {
	return PodRef{Namespace: p.pod.Namespace, Name: p.pod.Name, UID: p.pod.UID}
}

// termPhase is a pod's latched terminal phase: Succeeded or Failed, or
// the phase a stopped pod had (Pending, Running: see syncStopping).
type termPhase uint8

const (
	termNone termPhase = iota
	termPending
	termRunning
	termSucceeded
	termFailed
)

var termPhaseNames = [...]string{"", api.PodPending, api.PodRunning, api.PodSucceeded, api.PodFailed}

// String is the phase's API name ("" for termNone).
func (t termPhase) String() string { return termPhaseNames[t] }

// termPhaseOf returns the phase ph names; getPhase returns nothing else.
func termPhaseOf(ph string) termPhase {
	for i, n := range termPhaseNames {
		if n == ph {
			return termPhase(i)
		}
	}
	panic("node: unknown pod phase " + ph)
}

// condStatus is the status of one of the kubelet's conditions: none
// (never set), True, False, or another string (from the API: it compares
// unequal to both).
type condStatus uint8

const (
	condNone condStatus = iota
	condTrue
	condFalse
	condOther
)

// condStatuses are the statuses of the three kubelet conditions, two
// bits each.
type condStatuses uint8

func (s condStatuses) get(i int) condStatus { return condStatus(s>>(2*i)) & 3 }

func (s *condStatuses) set(i int, c condStatus) {
	*s = *s&^(3<<(2*i)) | condStatuses(c)<<(2*i)
}

func condStatusOf(s string) condStatus {
	switch s {
	case "":
		return condNone
	case api.ConditionTrue:
		return condTrue
	case api.ConditionFalse:
		return condFalse
	}
	return condOther
}

func (p *podState) spec(ci int) *api.Container {
	if ci < p.nInit() {
		return &p.pod.Spec.InitContainers[ci]
	}
	return &p.pod.Spec.Containers[ci-p.nInit()]
}

func (p *podState) restartPolicy() string {
	if p.pod.Spec.RestartPolicy == "" {
		return api.RestartPolicyAlways
	}
	return p.pod.Spec.RestartPolicy
}

// terminationGrace is the pod's spec.terminationGracePeriodSeconds (30s).
func (p *podState) terminationGrace() time.Duration {
	if g := p.pod.Spec.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// stopGrace is the grace period for stopping the pod's containers.
func (p *podState) stopGrace() time.Duration {
	switch {
	case p.gone:
		return 0
	case p.deleting && p.pod.DeletionGracePeriodSeconds != nil && *p.pod.DeletionGracePeriodSeconds >= 0:
		return time.Duration(*p.pod.DeletionGracePeriodSeconds) * time.Second
	}
	return p.terminationGrace()
}

// setPod replaces the pod object, and recomputes its QoS class unless its
// containers are the very same (a status update shares the spec).
func (p *podState) setPod(pod *api.Pod) {
	if !sameSlice(pod.Spec.Containers, p.pod.Spec.Containers) || !sameSlice(pod.Spec.InitContainers, p.pod.Spec.InitContainers) {
		p.qos = qosClass(&pod.Spec)
	}
	p.pod = pod
}

// sameSlice reports whether a and b are the same memory.
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (p *podState) stopping() bool { return p.terminal != termNone || p.deleting || p.gone }
