package node

import (
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

const (
	reasonStatusUnknown  = "ContainerStatusUnknown"
	messageStatusUnknown = "The container could not be located when the pod was terminated"
)

// containerStatus renders container ci the way the kubelet reports it.
func (m *Machine) containerStatus(p *podState, ci int) api.ContainerStatus {
	c := &p.ctrs[ci]
	spec := p.spec(ci)
	// A created, not yet started instance shows only once it starts.
	cs := api.ContainerStatus{Name: spec.Name, Image: spec.Image, ImageID: c.imageID, ContainerID: c.id}
	if c.image != "" {
		cs.Image = c.image
	}
	if c.attempt > 0 {
		cs.RestartCount = c.attempt
	}
	running := c.phase == phaseRunning
	started := running && c.started
	cs.Started = &started
	if ci < p.nInit {
		cs.Ready = c.succeeded()
	} else {
		// A pod that reached Succeeded or Failed serves no traffic, even
		// while its containers are being stopped.
		cs.Ready = started && (c.ready || !p.hasReadiness(ci)) && p.terminal == ""
	}
	last := c.lastTerm
	switch {
	case c.waitReason != "" && c.phase != phaseRunning && !(p.stopping() && c.term != nil):
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: c.waitReason, Message: c.waitMsg}
		if c.term != nil {
			last = c.term
		}
	case running:
		cs.State.Running = &api.ContainerStateRunning{StartedAt: c.startedAt}
	case c.term != nil:
		cs.State.Terminated = terminated(c.term)
	default:
		reason := "ContainerCreating"
		if p.nInit > 0 {
			reason = "PodInitializing"
		}
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: reason}
	}
	if last != nil {
		cs.LastState.Terminated = terminated(last)
	}
	return cs
}

func terminated(t *termState) *api.ContainerStateTerminated {
	return &api.ContainerStateTerminated{ExitCode: t.exitCode, Reason: t.reason, Message: t.message,
		StartedAt: t.startedAt, FinishedAt: t.finished, ContainerID: t.id}
}

func (m *Machine) containerStatuses(p *podState) (init, regular []api.ContainerStatus) {
	if p.nInit > 0 {
		init = make([]api.ContainerStatus, p.nInit)
		for ci := 0; ci < p.nInit; ci++ {
			init[ci] = m.containerStatus(p, ci)
		}
	}
	regular = make([]api.ContainerStatus, len(p.ctrs)-p.nInit)
	for ci := p.nInit; ci < len(p.ctrs); ci++ {
		regular[ci-p.nInit] = m.containerStatus(p, ci)
	}
	return init, regular
}

// allStopped: nothing of the pod runs or is being created.
func (p *podState) allStopped() bool {
	for ci := range p.ctrs {
		if c := &p.ctrs[ci]; c.live() || c.phase == phaseCreating {
			return false
		}
	}
	return true
}

// finalize applies what the kubelet's TerminatePod does to a pod whose
// containers all stopped for good: a container without a terminated state
// is reported terminated with ContainerStatusUnknown (exit 137), except
// regular containers of a pod that never initialized and init containers
// after the last one that ran.
func finalize(init, regular []api.ContainerStatus, initialized bool) {
	unknown := func(cs *api.ContainerStatus) {
		if cs.State.Terminated == nil {
			cs.State = api.ContainerState{Terminated: &api.ContainerStateTerminated{
				ExitCode: 137, Reason: reasonStatusUnknown, Message: messageStatusUnknown}}
		}
	}
	if initialized {
		for i := range regular {
			unknown(&regular[i])
		}
	}
	lastRan := -1
	for i := range init {
		if init[i].ContainerID != "" {
			lastRan = i
		}
	}
	for i := 0; i <= lastRan; i++ {
		unknown(&init[i])
	}
}

// phase computes the pod phase from the container statuses as the
// kubelet's getPhase does. terminal says the pod's containers will not be
// restarted whatever the policy.
func (m *Machine) phase(p *podState, terminal bool) string {
	init, regular := m.containerStatuses(p)
	return getPhase(p.restartPolicy(), init, regular, terminal)
}

func getPhase(policy string, init, regular []api.ContainerStatus, terminal bool) string {
	pendingInit, failedInit := 0, 0
	for _, cs := range init {
		switch {
		case cs.State.Running != nil:
			pendingInit++
		case cs.State.Terminated != nil:
			if cs.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case cs.State.Waiting != nil && cs.LastState.Terminated != nil:
			if cs.LastState.Terminated.ExitCode != 0 {
				failedInit++
			}
		default:
			pendingInit++
		}
	}
	running, waiting, stopped, succeeded, anyStarted := 0, 0, 0, 0, false
	for _, cs := range regular {
		if cs.ContainerID != "" || cs.LastState.Terminated != nil {
			anyStarted = true
		}
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.LastState.Terminated != nil:
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

// podStatus renders the full status the pod should have. With commit, the
// conditions' transition times are recorded; without, p is not changed.
func (m *Machine) podStatus(p *podState, commit bool) api.PodStatus {
	init, regular := m.containerStatuses(p)
	initialized := true
	var incomplete []string
	for i := range init {
		if !p.ctrs[i].succeeded() {
			incomplete = append(incomplete, init[i].Name)
		}
	}
	if len(incomplete) > 0 {
		initialized = false
		for ci := p.nInit; ci < len(p.ctrs); ci++ {
			if p.ctrs[ci].attempt >= 0 {
				initialized, incomplete = true, nil
			}
		}
	}
	stopped := p.stopping() && p.allStopped()
	if stopped {
		finalize(init, regular, initialized)
	}
	phase := p.terminal
	if phase == "" {
		phase = getPhase(p.restartPolicy(), init, regular, false)
	}
	var unready []string
	for i := range regular {
		if !regular[i].Ready {
			unready = append(unready, regular[i].Name)
		}
	}
	s := api.PodStatus{
		Phase:             phase,
		Reason:            p.reason,
		Message:           p.message,
		NominatedNodeName: p.pod.Status.NominatedNodeName,
		HostIP:            m.hostIP,
		StartTime:         &p.startTime,
		QOSClass:          qosClass(&p.pod.Spec),
	}
	if ip := m.podIP(p); ip != "" {
		s.PodIP, s.PodIPs = ip, []api.PodIP{{IP: ip}}
	}
	sort.Slice(regular, func(i, j int) bool { return regular[i].Name < regular[j].Name })
	s.InitContainerStatuses, s.ContainerStatuses = init, regular

	initCond := api.PodCondition{Type: api.PodInitialized, Status: api.ConditionTrue}
	if len(incomplete) > 0 {
		initCond.Status, initCond.Reason = api.ConditionFalse, "ContainersNotInitialized"
		initCond.Message = "containers with incomplete status: [" + strings.Join(incomplete, " ") + "]"
	} else if phase == api.PodSucceeded && p.nInit > 0 {
		initCond.Reason = "PodCompleted"
	}
	readyCond := api.PodCondition{Type: api.ContainersReady, Status: api.ConditionTrue}
	switch {
	case phase == api.PodSucceeded:
		readyCond.Status, readyCond.Reason = api.ConditionFalse, "PodCompleted"
	case len(unready) > 0:
		readyCond.Status, readyCond.Reason = api.ConditionFalse, "ContainersNotReady"
		readyCond.Message = "containers with unready status: [" + strings.Join(unready, " ") + "]"
	}
	podReady := readyCond
	podReady.Type = api.PodReady
	conds := []api.PodCondition{initCond, podReady, readyCond}
	for i := range conds {
		cs := p.conds[i]
		if cs.status != conds[i].Status {
			cs.status, cs.since = conds[i].Status, m.now
		}
		if commit {
			p.conds[i] = cs
		}
		conds[i].LastTransitionTime = cs.since
	}
	scheduled := false
	for _, c := range p.pod.Status.Conditions {
		switch c.Type {
		case api.PodInitialized, api.PodReady, api.ContainersReady, "PodReadyToStartContainers":
			continue // the kubelet's own
		case api.PodScheduled:
			scheduled = true
		}
		conds = append(conds, c)
	}
	if !scheduled {
		conds = append(conds, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: p.firstSeen})
	}
	s.Conditions = conds
	return s
}

// maybeEmitStatus emits the pod's status if it differs from the last one
// emitted, and says whether it did. Within one Ready a pod has at most one
// StatusUpdate: a newer one replaces the older in place.
func (m *Machine) maybeEmitStatus(p *podState) bool {
	if p.gone || p.finished {
		return false
	}
	s := m.podStatus(p, true)
	h := hashStatus(&s)
	if p.statusSent && h == p.statusHash {
		return false
	}
	p.statusHash, p.statusSent = h, true
	u := StatusUpdate{Pod: p.ref, Status: s}
	if i, ok := m.statusIdx[p.ref.UID]; ok {
		m.out.StatusUpdates[i] = u
		return true
	}
	m.statusIdx[p.ref.UID] = len(m.out.StatusUpdates)
	m.out.StatusUpdates = append(m.out.StatusUpdates, u)
	return true
}
