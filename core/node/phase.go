package node

import "github.com/capstan-dev/capstan/core/api"

// stateKind is which state a container status shows.
type stateKind uint8

const (
	// stateNone: no state (a rendered status always has one).
	stateNone stateKind = iota
	// stateWaitingWhy: waiting, for the reason the machine recorded
	// (CrashLoopBackOff, ImagePullBackOff, ...).
	stateWaitingWhy
	// stateWaiting: waiting to be created (ContainerCreating,
	// PodInitializing).
	stateWaiting
	stateRunning
	stateTerminated
)

// shownState says which state container ci's status shows (see
// containerStatus), and the termination it shows as its last state.
func (p *podState) shownState(ci int) (stateKind, *termState) {
	c := p.ctr(ci)
	x := c.rare()
	switch {
	case x.waitReason != "" && c.phase != phaseRunning && !(p.stopping() && c.term != nil):
		if c.term != nil {
			return stateWaitingWhy, c.term
		}
		return stateWaitingWhy, x.lastTerm
	case c.phase == phaseRunning:
		return stateRunning, x.lastTerm
	case c.term != nil:
		return stateTerminated, x.lastTerm
	}
	return stateWaiting, x.lastTerm
}

// ctrLook is what getPhase reads of a container status.
type ctrLook struct {
	kind stateKind
	// exit is the terminated state's exit code.
	exit int32
	// hasLast: the last state is terminated, with lastExit.
	hasLast  bool
	lastExit int32
	// hasID: the status has a container ID.
	hasID bool
}

// lookOf is what getPhase reads of the rendered status cs.
func lookOf(cs *api.ContainerStatus) ctrLook {
	l := ctrLook{hasID: cs.ContainerID != ""}
	switch {
	case cs.State.Waiting != nil:
		l.kind = stateWaiting
	case cs.State.Running != nil:
		l.kind = stateRunning
	case cs.State.Terminated != nil:
		l.kind, l.exit = stateTerminated, cs.State.Terminated.ExitCode
	}
	if t := cs.LastState.Terminated; t != nil {
		l.hasLast, l.lastExit = true, t.ExitCode
	}
	return l
}

// look is what getPhase reads of container ci's status, without
// rendering it: the same as lookOf(containerStatus(ci)).
func (p *podState) look(ci int) ctrLook {
	kind, last := p.shownState(ci)
	l := ctrLook{kind: kind, hasID: p.ctr(ci).id != ""}
	if kind == stateTerminated {
		l.exit = p.ctr(ci).term.exitCode
	}
	if last != nil {
		l.hasLast, l.lastExit = true, last.exitCode
	}
	return l
}

// looks fills the arena's looks from the rendered statuses, init
// containers first.
func (a *statusArena) looks(init, regular []api.ContainerStatus) []ctrLook {
	a.look = a.look[:0]
	for i := range init {
		a.look = append(a.look, lookOf(&init[i]))
	}
	for i := range regular {
		a.look = append(a.look, lookOf(&regular[i]))
	}
	return a.look
}

// phase computes the pod phase from the container statuses as the
// kubelet's getPhase does, without rendering them. terminal says the
// pod's containers will not be restarted whatever the policy.
func (m *Machine) phase(p *podState, terminal bool) string {
	a := &m.arena
	a.look = a.look[:0]
	for ci := range p.nCtrs() {
		a.look = append(a.look, p.look(ci))
	}
	return getPhase(p.restartPolicy(), a.look, p.nInit(), terminal)
}

// getPhase is the kubelet's getPhase over the pod's containers, the
// first nInit of which are init containers.
func getPhase(policy string, looks []ctrLook, nInit int, terminal bool) string {
	pendingInit, failedInit := 0, 0
	for _, l := range looks[:nInit] {
		switch {
		case l.kind == stateRunning:
			pendingInit++
		case l.kind == stateTerminated:
			if l.exit != 0 {
				failedInit++
			}
		case (l.kind == stateWaiting || l.kind == stateWaitingWhy) && l.hasLast:
			if l.lastExit != 0 {
				failedInit++
			}
		default:
			pendingInit++
		}
	}
	running, waiting, stopped, succeeded, anyStarted := 0, 0, 0, 0, false
	for _, l := range looks[nInit:] {
		if l.hasID || l.hasLast {
			anyStarted = true
		}
		switch {
		case l.kind == stateRunning:
			running++
		case l.kind == stateTerminated:
			stopped++
			if l.exit == 0 {
				succeeded++
			}
		case l.hasLast:
			stopped++
		default:
			waiting++
		}
	}
	if failedInit > 0 && policy == api.RestartPolicyNever {
		return api.PodFailed
	}
	switch {
	case (pendingInit > 0 && !anyStarted) || waiting > 0:
		return api.PodPending
	case running > 0:
		return api.PodRunning
	case stopped > 0:
		if terminal {
			if stopped == succeeded {
				return api.PodSucceeded
			}
			return api.PodFailed
		}
		if policy == api.RestartPolicyAlways {
			return api.PodRunning
		}
		if stopped == succeeded {
			return api.PodSucceeded
		}
		if policy == api.RestartPolicyNever {
			return api.PodFailed
		}
		return api.PodRunning
	}
	return api.PodPending
}
