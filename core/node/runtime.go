package node

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
)

// This file handles the runtime's answers to actions. Each handler checks
// that the answer matches what the machine is waiting for; anything else is
// stale (an answer about an older instance, or a pod since deleted) and is
// ignored, except a container created for nothing, which is removed.

func (m *Machine) lookup(uid, name string) (*podState, int) {
	p := m.pods.get(uid)
	if p == nil || p.finished {
		return nil, -1
	}
	return p, p.ctrIndex(name)
}

func (m *Machine) handleImageReady(e ImageReady) {
	p, ci := m.lookup(e.PodUID, e.Container)
	if ci < 0 || p.ctr(ci).phase != phasePulling {
		return
	}
	c := p.ctr(ci)
	// A waiting reason (ImagePullBackOff, ...) stays until the container
	// starts: the kubelet pulls, creates and starts in one sync.
	c.phase, c.imageReady = phaseIdle, true
	c.instance().pulledRef = e.ImageRef
	m.markDirty(p)
}

func (m *Machine) handleImagePullFailed(e ImagePullFailed) {
	p, ci := m.lookup(e.PodUID, e.Container)
	if ci < 0 || p.ctr(ci).phase != phasePulling {
		return
	}
	c := p.ctr(ci)
	c.phase = phaseIdle
	x := c.cold()
	x.pull.next(m.now, m.now, m.cfg.BackOffInitial, m.cfg.BackOffMax)
	x.pullFailedAt = m.now
	reason := e.Reason
	if reason == "" {
		reason = "ErrImagePull"
	}
	c.setWaiting(reason, e.Message)
	image := p.spec(ci).Image
	m.event(p, api.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %s", image, e.Message))
	m.markDirty(p)
}

func (m *Machine) handleCreated(e ContainerCreated) {
	p, ci := m.lookup(e.PodUID, e.Container)
	if ci < 0 {
		rc := RuntimeContainer{ID: e.ID, PodUID: e.PodUID, Container: e.Container}
		if q := m.pods.get(e.PodUID); q != nil {
			rc.PodNamespace, rc.PodName = q.pod.Namespace, q.pod.Name
		}
		m.removeOrphan(rc)
		return
	}
	c := p.ctr(ci)
	expected := c.phase == phaseCreating && e.Attempt == c.pending()
	if !expected || p.stopping() {
		if expected {
			c.phase = phaseIdle
		}
		if m.rt.find(e.ID) == nil {
			m.track(p, ci, e.ID, false)
			m.removeNow(p, e.ID)
		}
		m.markDirty(p)
		return
	}
	c.instance().newID, c.phase = e.ID, phaseCreated
	m.track(p, ci, e.ID, false)
	m.act(StartContainer{Pod: p.ref(), Container: e.Container, ID: e.ID})
	m.markDirty(p)
}

func (m *Machine) handleCreateFailed(e ContainerCreateFailed) {
	p, ci := m.lookup(e.PodUID, e.Container)
	if ci < 0 || p.ctr(ci).phase != phaseCreating || p.ctr(ci).pending() != e.Attempt {
		return
	}
	c := p.ctr(ci)
	c.phase = phaseIdle
	c.setWaiting("CreateContainerError", e.Message)
	x := c.cold()
	x.retryAt, x.hasRetry = m.after(m.cfg.RetryPeriod), true
	m.event(p, api.EventTypeWarning, "Failed", "Error: "+e.Message)
	m.markDirty(p)
}

// current returns the pod and container whose current instance is id.
func (m *Machine) current(id string) (*podState, int) {
	r := m.rt.find(id)
	if r == nil || r.p.finished {
		return nil, -1
	}
	if c := r.p.ctr(int(r.ci)); c.id != id && !(c.phase == phaseCreated && c.newID() == id) {
		return nil, -1
	}
	return r.p, int(r.ci)
}

func (m *Machine) handleStarted(e ContainerStarted) {
	p, ci := m.current(e.ID)
	if ci < 0 || p.ctr(ci).phase != phaseCreated {
		return
	}
	c := p.ctr(ci)
	at := e.At
	if at == 0 {
		at = m.now
	}
	m.promote(p, ci)
	c.phase, c.startedAt = phaseRunning, at
	m.startProbes(p, ci)
	m.markDirty(p)
}

// handleExit covers exits, completed kills and failed starts.
func (m *Machine) handleExit(id string, code int32, reason, msg string, at api.Time) {
	if o := m.orphans[id]; o != nil {
		m.orphanStopped(o)
		return
	}
	p, ci := m.current(id)
	if ci < 0 || !p.ctr(ci).live() {
		return
	}
	m.terminate(p, ci, code, reason, msg, at)
	m.markDirty(p)
}

func (m *Machine) handleRemoved(id string) {
	if o := m.orphans[id]; o != nil {
		delete(m.orphans, id)
		return
	}
	r := m.rt.find(id)
	if r == nil {
		return
	}
	p, ci := r.p, int(r.ci)
	m.rt.remove(id)
	c := p.ctr(ci)
	switch {
	case c.phase == phaseCreated && c.newID() == id:
		c.phase = phaseIdle // never started: create again
		c.clearNewID()
	case c.id == id && c.live():
		m.terminate(p, ci, 137, reasonStatusUnknown, messageStatusUnknown, 0)
	}
	if c.x != nil && c.x.prevID == id {
		c.x.prevID = ""
	}
	m.markDirty(p)
}

func (m *Machine) handleOpFailed(e RuntimeOpFailed) {
	switch e.Op {
	case "kill", "remove":
		if o := m.orphans[e.ID]; o != nil {
			o.sent, o.retryAt = false, m.after(m.cfg.RetryPeriod)
			return
		}
		r := m.rt.find(e.ID)
		if r == nil {
			return
		}
		p, c := r.p, r.p.ctr(int(r.ci))
		if e.Op == "kill" {
			if c.liveID() == e.ID && c.live() && c.killSent {
				// Retry after RetryPeriod, without grace.
				c.forced, c.killFailed, c.x.killDeadline = false, true, m.after(m.cfg.RetryPeriod)
			}
		} else if r.removing {
			r.removing = false
			x := p.cold()
			x.retryAt, x.hasRetry = m.after(m.cfg.RetryPeriod), true
		}
		m.markDirty(p)
	case "teardown":
		p := m.pods.get(e.PodUID)
		if p == nil {
			return
		}
		if vi := p.volIndex(e.Volume); vi >= 0 && p.vols()[vi].phase == volTearingDown {
			p.vols()[vi].phase = volFailed
			p.vols()[vi].retryAt = m.after(m.cfg.RetryPeriod)
			m.markDirty(p)
		}
	}
}

func (m *Machine) handleRuntimeStatus(e RuntimeStatus) {
	was := m.runtimeHealthy
	m.runtimeHealthy, m.runtimeMessage = e.Healthy, e.Message
	if e.Healthy && !was {
		for _, e := range m.pods {
			m.markDirty(e.p) // flush sorts
		}
	}
}

func (m *Machine) handleWriteFailed(e WriteFailed) {
	switch e.What {
	case "status":
		if p := m.pods.get(e.PodUID); p != nil && !p.finished {
			p.statusSent = false
			m.wakeAt(p, m.now+1)
			m.schedule(p)
		}
	case "delete":
		if p := m.pods.get(e.PodUID); p != nil && p.finished {
			m.node.redelete = append(m.node.redelete, p.ref())
		}
	case "lease":
		m.node.leaseSent = false
	case "node":
		// The node object may be missing: register again, then the status.
		m.node.statusSent, m.node.registerSent = false, false
	}
}
