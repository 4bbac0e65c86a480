package node

import (
	"fmt"
	"slices"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// handlePod takes a version of a pod given to the machine (added or
// updated): a pod bound to another node is forgotten, a new one tracked,
// a known one refreshed; either way it is synced at the next flush.
func (m *Machine) handlePod(pod *api.Pod) error {
	if pod == nil {
		return fmt.Errorf("node: pod input with nil pod")
	}
	if pod.UID == "" {
		return fmt.Errorf("node: pod %s/%s has no uid", pod.Namespace, pod.Name)
	}
	p := m.pods.get(pod.UID)
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != m.cfg.NodeName {
		if p != nil {
			m.handlePodGone(pod.UID)
		}
		return nil
	}
	if p == nil {
		p = m.newPod(pod)
	} else {
		if len(pod.Spec.InitContainers) != p.nInit() || len(pod.Spec.Containers) != p.nCtrs()-p.nInit() {
			return fmt.Errorf("node: pod %s changed its containers", p.ref())
		}
		if !p.finished {
			m.noteSpecChange(p, pod)
		}
		p.keepImages(pod)
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
	// The common pod, with one container, is one allocation of 176 bytes
	// (a size class), its container included.
	p := &podState{pod: pod, qos: qosClass(&pod.Spec), startTime: m.now}
	if n := p.nCtrs(); n > 1 {
		p.cold().more = make([]ctrState, n-1)
	}
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
				p.conds.set(i, condStatusOf(c.Status))
				p.condSince[i] = c.LastTransitionTime
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
	for i := range p.nCtrs() {
		p.ctr(i).attempt = -1
	}
	if n := len(pod.Spec.Volumes); n > 0 {
		p.cold().vols = make([]volState, n)
	}
	m.pods.add(p)
	if rcs, ok := m.unclaimed[pod.UID]; ok {
		delete(m.unclaimed, pod.UID)
		m.adopt(p, rcs)
	}
	return p
}

// noteSpecChange restarts running containers whose image changed, as the
// kubelet does when a container's spec hash changes.
func (m *Machine) noteSpecChange(p *podState, pod *api.Pod) {
	for ci := p.nInit(); ci < p.nCtrs(); ci++ {
		c := p.ctr(ci)
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
	p := m.pods.get(uid)
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
	for _, e := range slices.Clone(m.pods) { // a finished pod is forgotten
		if !seen[e.p.pod.UID] {
			m.handlePodGone(e.p.pod.UID)
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
	m.pods.remove(p.pod.UID)
	delete(m.blocked, p.pod.UID)
	for p.rt != 0 {
		m.rt.remove(m.rt.slots[p.rt-1].id)
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
	if p.x != nil {
		p.x.blockedOnObjects = false
	}
	volsReady := m.syncVolumes(p)
	for ci := range p.nCtrs() {
		m.syncKill(p, ci)
	}
	if m.runtimeHealthy {
		if next, ok := m.nextInit(p); ok {
			if next >= 0 {
				m.syncContainer(p, next, volsReady)
			}
		} else {
			for ci := p.nInit(); ci < p.nCtrs(); ci++ {
				m.syncContainer(p, ci, volsReady)
			}
		}
	}
	if m.inTick {
		for ci := range p.nCtrs() {
			m.syncProbes(p, ci)
		}
	}
	for ci := range p.nCtrs() {
		m.scheduleProbes(p, ci)
	}
	if p.x != nil && p.x.blockedOnObjects {
		put(&m.blocked, p.pod.UID, p)
	} else {
		delete(m.blocked, p.pod.UID)
	}
}

// nextInit returns the init container to work on (-1 if one is busy) and
// ok, or ok=false when initialization is complete.
func (m *Machine) nextInit(p *podState) (int, bool) {
	for ci := p.nInit(); ci < p.nCtrs(); ci++ {
		if p.ctr(ci).attempt >= 0 {
			return 0, false // a regular container ran: initialized
		}
	}
	for ci := 0; ci < p.nInit(); ci++ {
		c := p.ctr(ci)
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
