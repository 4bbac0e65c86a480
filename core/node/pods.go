package node

import (
	"fmt"
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

	// ctrs holds the init containers, then the regular ones, in spec order.
	ctrs []ctrState
	// rt lists this pod's runtime container IDs not yet removed.
	rt []string
	// x holds the rarely used state (nil until needed; see cold).
	x *podCold

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

	// condSince and condStatus are the transition times and statuses of
	// Initialized, Ready, ContainersReady.
	condSince  [3]api.Time
	condStatus [3]condStatus

	// outIdx is 1 + the index of p's StatusUpdate in the machine's
	// pending Ready, 0 if it has none.
	outIdx int32

	// The small fields last, together: no padding between them.

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
	// hasRetry: a runtime remove failed; retry at x.retryAt.
	hasRetry       bool
	hasWake, dirty bool
	// blockedOnObjects: the last sync waited for a referenced object.
	blockedOnObjects bool
	// refreshVolumes: a secret or configMap a volume projects changed.
	refreshVolumes bool
}

// podWithContainer is a pod's state and its one container's.
type podWithContainer struct {
	p podState
	c [1]ctrState
}

// podCold is the part of a pod's state that few pods need.
type podCold struct {
	// reason and message are the pod-level ones of a terminal pod.
	reason, message string
	// vols is the state of each of the pod's volumes, in spec order.
	vols []volState
	// retryAt: a runtime remove failed (hasRetry); retry then.
	retryAt api.Time
	// firstSeen is when the machine first saw the pod, if the pod's
	// startTime is another (hasFirstSeen).
	firstSeen    api.Time
	hasFirstSeen bool
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

// ctrLoc locates a runtime container.
type ctrLoc struct {
	p *podState
	// ci is the container's index in p.ctrs (an int32: a map entry of
	// 16 bytes rather than 24).
	ci int32
	// removing: a RemoveContainer was emitted.
	removing bool
}

// index is the container's index in p.ctrs.
func (l ctrLoc) index() int { return int(l.ci) }

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

func (m *Machine) handlePod(pod *api.Pod) error {
	if pod == nil {
		return fmt.Errorf("node: pod input with nil pod")
	}
	if pod.UID == "" {
		return fmt.Errorf("node: pod %s/%s has no uid", pod.Namespace, pod.Name)
	}
	p := m.pods[pod.UID]
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != m.cfg.NodeName {
		if p != nil {
			m.handlePodGone(pod.UID)
		}
		return nil
	}
	if p == nil {
		p = m.newPod(pod)
	} else {
		if len(pod.Spec.InitContainers) != p.nInit() || len(pod.Spec.Containers) != len(p.ctrs)-p.nInit() {
			return fmt.Errorf("node: pod %s changed its containers", p.ref())
		}
		if !p.finished {
			m.noteSpecChange(p, pod)
		}
		p.setPod(pod)
		if p.statusSent && !p.finished && hashOwned(&pod.Status, p.sentIP) != p.ownedHash {
			p.resync = true // looked at again on the next Tick
		}
	}
	if pod.DeletionTimestamp != nil {
		p.deleting = true
	}
	m.markDirty(p)
	return nil
}

func (m *Machine) newPod(pod *api.Pod) *podState {
	var p *podState
	if n := len(pod.Spec.InitContainers) + len(pod.Spec.Containers); n == 1 {
		// The common pod, with one container: one allocation of 256
		// bytes (a size class) for it and its container.
		w := new(podWithContainer)
		p = &w.p
		p.ctrs = w.c[:]
	} else {
		p = &podState{ctrs: make([]ctrState, n)}
	}
	p.pod, p.qos, p.startTime = pod, qosClass(&pod.Spec), m.now
	if st := pod.Status.StartTime; st != nil && *st != m.now {
		x := p.cold()
		x.firstSeen, x.hasFirstSeen = m.now, true
		p.startTime = *st
	}
	// Keep the transition times the API has for the kubelet's conditions
	// (a restarted node agent picks up where it left off).
	for i, typ := range [...]string{api.PodInitialized, api.PodReady, api.ContainersReady} {
		for _, c := range pod.Status.Conditions {
			if c.Type == typ {
				p.condStatus[i], p.condSince[i] = condStatusOf(c.Status), c.LastTransitionTime
			}
		}
	}
	if ph := pod.Status.Phase; ph == api.PodSucceeded || ph == api.PodFailed {
		// Terminal in the API already (e.g. seen again after an agent
		// restart): never start anything for it again.
		p.terminal = termPhaseOf(ph)
		if pod.Status.Reason != "" || pod.Status.Message != "" {
			p.cold().reason, p.x.message = pod.Status.Reason, pod.Status.Message
		}
	}
	for i := range p.ctrs {
		p.ctrs[i].attempt = -1
	}
	if n := len(pod.Spec.Volumes); n > 0 {
		p.cold().vols = make([]volState, n)
	}
	m.pods[pod.UID] = p
	if rcs, ok := m.unclaimed[pod.UID]; ok {
		delete(m.unclaimed, pod.UID)
		m.adopt(p, rcs)
	}
	return p
}

// noteSpecChange restarts running containers whose image changed, as the
// kubelet does when a container's spec hash changes.
func (m *Machine) noteSpecChange(p *podState, pod *api.Pod) {
	for ci := p.nInit(); ci < len(p.ctrs); ci++ {
		c := &p.ctrs[ci]
		old, cur := p.spec(ci).Image, pod.Spec.Containers[ci-p.nInit()].Image
		if old == cur || !c.live() || c.killSent {
			continue
		}
		msg := fmt.Sprintf("Container %s definition changed, will be restarted", c.name(p, ci))
		c.restartAfterKill = true
		m.kill(p, ci, p.terminationGrace(), msg)
	}
}

// handlePodGone: the pod object is gone from the API server.
func (m *Machine) handlePodGone(uid string) {
	p := m.pods[uid]
	if p == nil {
		return
	}
	if p.finished {
		m.forget(p)
		return
	}
	p.gone = true
	m.markDirty(p)
}

func (m *Machine) handlePodList(pods []*api.Pod) error {
	seen := make(map[string]bool, len(pods))
	for _, pod := range pods {
		if pod == nil {
			return fmt.Errorf("node: PodList with a nil pod")
		}
		if pod.Spec.NodeName == "" || pod.Spec.NodeName == m.cfg.NodeName {
			seen[pod.UID] = true
		}
	}
	for uid := range m.pods {
		if !seen[uid] {
			m.handlePodGone(uid) // only marks dirty: order does not leak
		}
	}
	for _, pod := range pods {
		if err := m.handlePod(pod); err != nil {
			return err
		}
	}
	m.podsSynced = true
	m.killUnclaimed()
	return nil
}

// forget drops every trace of p.
func (m *Machine) forget(p *podState) {
	p.forgotten = true
	delete(m.pods, p.pod.UID)
	if p.outIdx > 0 {
		if m.outGone == nil {
			m.outGone = map[string]int{}
		}
		m.outGone[p.pod.UID] = int(p.outIdx) - 1
		p.outIdx = 0
	}
	delete(m.blocked, p.pod.UID)
	for _, id := range p.rt {
		delete(m.byID, id)
	}
}

// syncPod is the level-triggered heart of the machine: it compares what the
// pod needs with what the runtime has and emits the actions that close the
// gap, then the pod's status if it changed.
func (m *Machine) syncPod(p *podState) {
	if p.finished {
		return
	}
	m.nextFor = nil
	if !p.stopping() {
		m.maybeDeadline(p)
	}
	if !p.stopping() {
		if ph := m.phase(p, false); ph == api.PodSucceeded || ph == api.PodFailed {
			p.terminal = termPhaseOf(ph)
		}
	}
	if p.stopping() {
		if m.syncStopping(p) {
			return // forgotten or finished
		}
	} else {
		m.syncRunning(p)
	}
	m.maybeEmitStatus(p)
	m.schedule(p)
}

// maybeDeadline fails the pod once it has been active longer than
// spec.activeDeadlineSeconds, and says whether it did.
func (m *Machine) maybeDeadline(p *podState) bool {
	d := p.pod.Spec.ActiveDeadlineSeconds
	if d == nil {
		return false
	}
	end := p.startTime + api.Time(time.Duration(*d)*time.Second)
	if m.now < end {
		m.wakeAt(p, end)
		return false
	}
	p.terminal = termFailed
	x := p.cold()
	x.reason = "DeadlineExceeded"
	x.message = "Pod was active on the node longer than the specified deadline"
	m.event(p, api.EventTypeNormal, "DeadlineExceeded", x.message)
	return true
}

// syncRunning drives a pod that should run: volumes first, then the init
// containers one at a time, then the regular containers; probes on ticks.
func (m *Machine) syncRunning(p *podState) {
	p.blockedOnObjects = false
	volsReady := m.syncVolumes(p)
	for ci := range p.ctrs {
		m.syncKill(p, ci)
	}
	if m.runtimeHealthy {
		if next, ok := m.nextInit(p); ok {
			if next >= 0 {
				m.syncContainer(p, next, volsReady)
			}
		} else {
			for ci := p.nInit(); ci < len(p.ctrs); ci++ {
				m.syncContainer(p, ci, volsReady)
			}
		}
	}
	if m.inTick {
		for ci := range p.ctrs {
			m.syncProbes(p, ci)
		}
	}
	for ci := range p.ctrs {
		m.scheduleProbes(p, ci)
	}
	if p.blockedOnObjects {
		m.blocked[p.pod.UID] = p
	} else {
		delete(m.blocked, p.pod.UID)
	}
}

// nextInit returns the init container to work on (-1 if one is busy) and
// ok, or ok=false when initialization is complete.
func (m *Machine) nextInit(p *podState) (int, bool) {
	for ci := p.nInit(); ci < len(p.ctrs); ci++ {
		if p.ctrs[ci].attempt >= 0 {
			return 0, false // a regular container ran: initialized
		}
	}
	for ci := 0; ci < p.nInit(); ci++ {
		c := &p.ctrs[ci]
		if c.succeeded() {
			continue
		}
		if c.busy() {
			return -1, true
		}
		return ci, true
	}
	return 0, false
}
