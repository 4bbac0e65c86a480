package node

import (
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// orphan is a runtime container that belongs to no pod the machine knows:
// it is killed (without grace) and removed.
type orphan struct {
	rc RuntimeContainer
	// stopped: no longer running; sent: the kill or remove is outstanding.
	stopped, sent bool
	retryAt       api.Time
}

// handleInventory reconciles the machine with the runtime's list of
// containers. Containers of known pods are adopted: a running one keeps
// running (no restart), an exited one is subject to the restart policy.
// Containers the machine believed in but the runtime lacks are reported
// ContainerStatusUnknown. Containers of unknown pods wait until the pod
// appears, or are removed once the pod view is synced (PodList).
func (m *Machine) handleInventory(rcs []RuntimeContainer) {
	byPod := map[string][]RuntimeContainer{}
	for _, rc := range rcs {
		byPod[rc.PodUID] = append(byPod[rc.PodUID], rc)
	}
	for _, p := range m.sortedPods() {
		if p.finished {
			continue
		}
		m.adopt(p, byPod[p.pod.UID])
		delete(byPod, p.pod.UID)
	}
	clear(m.unclaimed)
	for uid, list := range byPod {
		put(&m.unclaimed, uid, list)
	}
	if m.podsSynced {
		m.killUnclaimed()
	}
}

// adopt makes p's containers match the runtime's containers rcs.
func (m *Machine) adopt(p *podState, rcs []RuntimeContainer) {
	sort.Slice(rcs, func(i, j int) bool {
		if rcs[i].Container != rcs[j].Container {
			return rcs[i].Container < rcs[j].Container
		}
		if rcs[i].Attempt != rcs[j].Attempt {
			return rcs[i].Attempt > rcs[j].Attempt
		}
		return rcs[i].ID < rcs[j].ID
	})
	present := make(map[string]bool, len(rcs))
	for _, rc := range rcs {
		present[rc.ID] = true
	}
	// Forget containers the runtime no longer has.
	for _, id := range m.rt.ids(p) {
		if !present[id] {
			m.rt.remove(id)
		}
	}
	for ci := range p.nCtrs() {
		c := p.ctr(ci)
		name := p.spec(ci).Name
		var mine []RuntimeContainer // instances that ran, newest first
		for _, rc := range rcs {
			switch {
			case rc.Container != name:
			case rc.State == "created" && rc.ID == c.newID() && c.phase == phaseCreated:
				// Still waiting to start: ask again, the answer was lost.
				m.act(StartContainer{Pod: p.ref(), Container: name, ID: rc.ID})
			case rc.State == "created":
				// Never started and not ours to start: remove it.
				m.ensureTracked(p, ci, rc.ID)
				m.removeNow(p, rc.ID)
			default:
				mine = append(mine, rc)
			}
		}
		if c.probes != nil {
			for k := range c.probes {
				c.probes[k].outstanding = false // results lost with the runtime
			}
		}
		if c.phase == phasePulling || (c.phase == phaseCreating && len(mine) == 0) ||
			(c.phase == phaseCreated && !present[c.newID()]) {
			c.phase = phaseIdle // the answer was lost; ask again
			c.clearNewID()
		}
		if len(mine) == 0 {
			if c.live() {
				m.terminate(p, ci, 137, reasonStatusUnknown, messageStatusUnknown, 0)
			}
			if c.x != nil && !present[c.x.prevID] {
				c.x.prevID = ""
			}
			continue
		}
		m.adoptContainer(p, ci, mine)
	}
	// Runtime containers of names the pod does not have.
	for _, rc := range rcs {
		if p.ctrIndex(rc.Container) < 0 {
			m.removeOrphan(rc)
		}
	}
	m.markDirty(p)
}

// adoptContainer takes the newest runtime instance as container ci's
// current one, the one before as its previous, and removes older ones.
func (m *Machine) adoptContainer(p *podState, ci int, mine []RuntimeContainer) {
	c := p.ctr(ci)
	if c.phase == phaseCreating && mine[0].Attempt < c.pending() {
		return // a newer create is in flight; its answer decides
	}
	newest := mine[0]
	same := c.id == newest.ID &&
		((newest.State == "running" && c.phase == phaseRunning) || (newest.State != "running" && c.term != nil))
	if !same && c.phase != phaseCreated {
		m.ensureTracked(p, ci, newest.ID)
		c.id, c.attempt, c.phase = newest.ID, newest.Attempt, phaseIdle
		c.setImage(p, ci, "")
		c.killSent, c.forced = false, false
		c.term = nil
		if newest.State == "running" {
			c.phase, c.startedAt = phaseRunning, newest.StartedAt
			m.startProbes(p, ci)
			m.restoreProbeVerdicts(p, ci)
		} else {
			c.startedAt = newest.StartedAt
			m.terminate(p, ci, newest.ExitCode, newest.Reason, "", newest.FinishedAt)
		}
		c.setWaiting("", "")
	}
	if c.x != nil {
		c.x.prevID = ""
	}
	if len(mine) > 1 {
		prev := mine[1]
		m.ensureTracked(p, ci, prev.ID)
		x := c.cold()
		x.prevID = prev.ID
		if x.lastTerm == nil || x.lastTerm.id != prev.ID {
			reason := prev.Reason
			if reason == "" {
				reason = "Completed"
				if prev.ExitCode != 0 {
					reason = "Error"
				}
			}
			x.lastTerm = &termState{exitCode: prev.ExitCode, reason: reason, id: prev.ID,
				startedAt: prev.StartedAt, finished: prev.FinishedAt}
		}
	}
	for _, old := range mine[min(2, len(mine)):] {
		m.ensureTracked(p, ci, old.ID)
		m.removeNow(p, old.ID)
	}
}

func (m *Machine) ensureTracked(p *podState, ci int, id string) {
	if m.rt.find(id) == nil {
		m.track(p, ci, id, false)
	}
}

// restoreProbeVerdicts carries an adopted container's started and ready
// flags over from the pod's status in the API, so that a node agent
// restart does not flap readiness or rerun a passed startup probe.
func (m *Machine) restoreProbeVerdicts(p *podState, ci int) {
	c := p.ctr(ci)
	name := p.spec(ci).Name
	statuses := p.pod.Status.ContainerStatuses
	if ci < p.nInit() {
		statuses = p.pod.Status.InitContainerStatuses
	}
	for _, cs := range statuses {
		if cs.Name != name || cs.ContainerID == "" || !strings.HasSuffix(cs.ContainerID, c.id) || cs.State.Running == nil {
			continue
		}
		if cs.Started != nil && *cs.Started && !c.started {
			c.started = true
			if c.probes != nil {
				c.probes[Startup].active = false
				m.activateProbe(p, ci, Liveness)
				m.activateProbe(p, ci, Readiness)
			}
		}
		c.ready = cs.Ready
		if c.imageID == "" {
			c.imageID = cs.ImageID
		}
	}
}

// killUnclaimed turns the containers of still-unknown pods into orphans.
func (m *Machine) killUnclaimed() {
	var all []RuntimeContainer
	for _, list := range m.unclaimed {
		all = append(all, list...)
	}
	clear(m.unclaimed)
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	for _, rc := range all {
		o := &orphan{rc: rc, stopped: rc.State != "running"}
		put(&m.orphans, rc.ID, o)
		m.orphanAct(o)
	}
}

// removeOrphan removes a stopped container that belongs to nothing.
func (m *Machine) removeOrphan(rc RuntimeContainer) {
	if _, ok := m.orphans[rc.ID]; ok {
		return
	}
	o := &orphan{rc: rc, stopped: rc.State != "running"}
	put(&m.orphans, rc.ID, o)
	m.orphanAct(o)
}

func (m *Machine) orphanStopped(o *orphan) {
	o.stopped = true
	m.orphanAct(o)
}

func (m *Machine) orphanAct(o *orphan) {
	ref := PodRef{Namespace: o.rc.PodNamespace, Name: o.rc.PodName, UID: o.rc.PodUID}
	o.sent = true
	if o.stopped {
		m.act(RemoveContainer{Pod: ref, Container: o.rc.Container, ID: o.rc.ID})
		return
	}
	m.act(KillContainer{Pod: ref, Container: o.rc.Container, ID: o.rc.ID,
		Message: "Killing orphaned container " + o.rc.Container})
}

// retryOrphans re-emits failed orphan kills and removals that are due.
func (m *Machine) retryOrphans() {
	var due []*orphan
	for _, o := range m.orphans {
		if !o.sent && m.now >= o.retryAt {
			due = append(due, o)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].rc.ID < due[j].rc.ID })
	for _, o := range due {
		m.orphanAct(o)
	}
}
