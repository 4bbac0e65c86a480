package node

import (
	"fmt"
)

// syncStopping winds down a terminal, deleted or vanished pod: kill what
// runs, then (for deleted pods) remove containers, tear down volumes and
// finally emit the deletion. It reports whether the pod is finished or
// forgotten.
func (m *Machine) syncStopping(p *podState) bool {
	delete(m.blocked, p.pod.UID)
	grace := p.stopGrace()
	waiting := false
	for ci := range p.nCtrs() {
		c := p.ctr(ci)
		if c.live() {
			waiting = true
			if !c.killSent || (m.after(grace) < c.x.killDeadline && !c.killFailed) {
				m.kill(p, ci, grace, m.stopMessage(p, ci))
			}
		}
		if c.phase == phaseCreating {
			waiting = true // its container is removed when it is created
		}
		m.syncKill(p, ci)
	}
	if waiting {
		return false
	}
	if p.terminal == termNone {
		p.terminal = termPhaseOf(m.phase(p, true))
	}
	volsDone := m.teardownVolumes(p)
	if !p.deleting && !p.gone {
		return false // terminal: keep containers for their logs until deleted
	}
	m.removeContainers(p)
	if !volsDone || p.rt != 0 {
		return false
	}
	if p.gone {
		m.forget(p)
		return true
	}
	m.maybeEmitStatus(p)
	m.out.PodDeletions = append(m.out.PodDeletions, PodDeletion{Pod: p.ref()})
	p.finished = true
	return true
}

func (m *Machine) stopMessage(p *podState, ci int) string {
	name := p.ctr(ci).name(p, ci)
	switch {
	case p.deleting || p.gone:
		return "Stopping container " + name
	case p.reason() == "DeadlineExceeded":
		return fmt.Sprintf("Stopping container %s: pod exceeded its active deadline", name)
	}
	return "Stopping container " + name
}

// removeContainers emits RemoveContainer for each of the pod's runtime
// containers not yet being removed.
func (m *Machine) removeContainers(p *podState) {
	if x := p.x; x != nil && x.hasRetry {
		if m.now < x.retryAt {
			m.wakeAt(p, x.retryAt)
			return
		}
		x.hasRetry = false
	}
	for s := p.rt; s != 0; s = m.rt.slots[s-1].next {
		r := &m.rt.slots[s-1]
		if r.removing {
			continue
		}
		r.removing = true
		m.act(RemoveContainer{Pod: p.ref(), Container: p.spec(int(r.ci)).Name, ID: r.id})
	}
}
