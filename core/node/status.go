package node

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

const (
	reasonStatusUnknown  = "ContainerStatusUnknown"
	messageStatusUnknown = "The container could not be located when the pod was terminated"
)

// statusArena holds the memory a status is rendered into, reused from
// one render to the next: most syncs render a status only to find it
// unchanged, and need not allocate for that. A rendered status points
// into the arena until the next render; what is emitted is a copy.
type statusArena struct {
	init, regular []api.ContainerStatus
	started       []bool
	waiting       []api.ContainerStateWaiting
	running       []api.ContainerStateRunning
	terminated    []api.ContainerStateTerminated
	conds         []api.PodCondition
	ips           [1]api.PodIP
	startTime     api.Time
	// look is what getPhase reads of each container (see phase).
	look []ctrLook
}

// namesMsg remembers the last message that listed container names, so
// that the pods of a node, which have the same containers, share it
// rather than each status building its own.
type namesMsg struct {
	names []string
	msg   string
}

// get returns prefix + the names joined by spaces + "]".
func (c *namesMsg) get(prefix string, names []string) string {
	if c.msg == "" || !slices.Equal(names, c.names) || !strings.HasPrefix(c.msg, prefix) {
		c.names = append(c.names[:0], names...)
		c.msg = prefix + strings.Join(names, " ") + "]"
	}
	return c.msg
}

// reset forgets the previous render. The slices keep their capacity; a
// pointer into them stays valid (if stale) when one grows.
func (a *statusArena) reset() {
	a.init, a.regular = a.init[:0], a.regular[:0]
	a.started, a.waiting, a.running, a.terminated = a.started[:0], a.waiting[:0], a.running[:0], a.terminated[:0]
	a.conds = a.conds[:0]
}

// ptr returns a pointer to a new last element of *s.
func ptr[T any](s *[]T, v T) *T {
	*s = append(*s, v)
	return &(*s)[len(*s)-1]
}

// containerStatus renders container ci the way the kubelet reports it,
// into the arena.
func (m *Machine) containerStatus(a *statusArena, p *podState, ci int) api.ContainerStatus {
	c := p.ctr(ci)
	spec := p.spec(ci)
	// A created, not yet started instance shows only once it starts.
	cs := api.ContainerStatus{Name: spec.Name, Image: spec.Image, ImageID: c.imageID, ContainerID: c.id}
	if img := c.image(); img != "" {
		cs.Image = img
	}
	if c.attempt > 0 {
		cs.RestartCount = c.attempt
	}
	running := c.phase == phaseRunning
	started := running && c.started
	cs.Started = ptr(&a.started, started)
	if ci < p.nInit() {
		cs.Ready = c.succeeded()
	} else {
		// A pod that reached Succeeded or Failed serves no traffic, even
		// while its containers are being stopped.
		cs.Ready = started && (c.ready || !p.hasReadiness(ci)) && p.terminal == termNone
	}
	kind, last := p.shownState(ci)
	switch kind {
	case stateWaitingWhy:
		x := c.x
		cs.State.Waiting = ptr(&a.waiting, api.ContainerStateWaiting{Reason: x.waitReason, Message: x.waitMsg})
	case stateRunning:
		cs.State.Running = ptr(&a.running, api.ContainerStateRunning{StartedAt: c.startedAt})
	case stateTerminated:
		cs.State.Terminated = ptr(&a.terminated, terminated(c.term))
	default:
		reason := "ContainerCreating"
		if p.nInit() > 0 {
			reason = "PodInitializing"
		}
		cs.State.Waiting = ptr(&a.waiting, api.ContainerStateWaiting{Reason: reason})
	}
	if last != nil {
		cs.LastState.Terminated = ptr(&a.terminated, terminated(last))
	}
	return cs
}

func terminated(t *termState) api.ContainerStateTerminated {
	return api.ContainerStateTerminated{ExitCode: t.exitCode, Reason: t.reason, Message: t.message,
		StartedAt: t.startedAt, FinishedAt: t.finished, ContainerID: t.id}
}

// containerStatuses renders the pod's container statuses into the arena,
// which it resets first.
func (m *Machine) containerStatuses(a *statusArena, p *podState) (init, regular []api.ContainerStatus) {
	a.reset()
	for ci := 0; ci < p.nInit(); ci++ {
		a.init = append(a.init, m.containerStatus(a, p, ci))
	}
	for ci := p.nInit(); ci < p.nCtrs(); ci++ {
		a.regular = append(a.regular, m.containerStatus(a, p, ci))
	}
	if p.nInit() > 0 {
		init = a.init
	}
	return init, a.regular
}

// allStopped: nothing of the pod runs or is being created.
func (p *podState) allStopped() bool {
	for ci := range p.nCtrs() {
		if c := p.ctr(ci); c.live() || c.phase == phaseCreating {
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

// podStatus renders the full status the pod should have, into the
// machine's arena: it is valid until the next render (emitted statuses
// are copies). With commit, the conditions' transition times are
// recorded; without, p is not changed.
func (m *Machine) podStatus(p *podState, commit bool) api.PodStatus {
	a := &m.arena
	init, regular := m.containerStatuses(a, p)
	initialized := true
	var incomplete []string
	for i := range init {
		if !p.ctr(i).succeeded() {
			incomplete = append(incomplete, init[i].Name)
		}
	}
	if len(incomplete) > 0 {
		initialized = false
		for ci := p.nInit(); ci < p.nCtrs(); ci++ {
			if p.ctr(ci).attempt >= 0 {
				initialized, incomplete = true, nil
			}
		}
	}
	stopped := p.stopping() && p.allStopped()
	if stopped {
		finalize(init, regular, initialized)
	}
	phase := p.terminal.String()
	if phase == "" {
		phase = getPhase(p.restartPolicy(), a.looks(init, regular), len(init), false)
	}
	var unready []string
	for i := range regular {
		if !regular[i].Ready {
			unready = append(unready, regular[i].Name)
		}
	}
	a.startTime = p.startTime
	s := api.PodStatus{
		Phase:             phase,
		Reason:            p.reason(),
		Message:           p.message(),
		NominatedNodeName: p.pod.Status.NominatedNodeName,
		HostIP:            m.hostIP,
		StartTime:         &a.startTime,
		QOSClass:          p.qos.String(),
	}
	if ip := m.podIP(p); ip != "" {
		a.ips[0] = api.PodIP{IP: ip}
		s.PodIP, s.PodIPs = ip, a.ips[:]
	}
	if len(regular) > 1 {
		slices.SortFunc(regular, func(a, b api.ContainerStatus) int { return strings.Compare(a.Name, b.Name) })
	}
	s.InitContainerStatuses, s.ContainerStatuses = init, regular

	initCond := api.PodCondition{Type: api.PodInitialized, Status: api.ConditionTrue}
	if len(incomplete) > 0 {
		initCond.Status, initCond.Reason = api.ConditionFalse, "ContainersNotInitialized"
		initCond.Message = m.incompleteMsg.get("containers with incomplete status: [", incomplete)
	} else if phase == api.PodSucceeded && p.nInit() > 0 {
		initCond.Reason = "PodCompleted"
	}
	readyCond := api.PodCondition{Type: api.ContainersReady, Status: api.ConditionTrue}
	switch {
	case phase == api.PodSucceeded:
		readyCond.Status, readyCond.Reason = api.ConditionFalse, "PodCompleted"
	case len(unready) > 0:
		readyCond.Status, readyCond.Reason = api.ConditionFalse, "ContainersNotReady"
		readyCond.Message = m.unreadyMsg.get("containers with unready status: [", unready)
	}
	podReady := readyCond
	podReady.Type = api.PodReady
	conds := append(a.conds, initCond, podReady, readyCond)
	for i := range 3 {
		status, since := p.conds.get(i), p.condSince[i]
		if now := condStatusOf(conds[i].Status); status != now {
			status, since = now, m.now
		}
		if commit {
			p.conds.set(i, status)
			p.condSince[i] = since
		}
		conds[i].LastTransitionTime = since
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
		conds = append(conds, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: p.firstSeen()})
	}
	a.conds = conds
	s.Conditions = conds
	return s
}

// maybeEmitStatus emits the pod's status if it differs from the last one
// emitted, or if the API's differs from that one (resync), and says
// whether it did. Within one Ready a pod has at most one
// StatusUpdate: a newer one replaces the older in place. The status is
// rendered into the arena and hashed; only an emitted one is copied out.
func (m *Machine) maybeEmitStatus(p *podState) bool {
	if p.gone || p.finished {
		return false
	}
	s := m.podStatus(p, true)
	h := hashStatus(&s)
	if p.statusSent && h == p.statusHash && !m.needsResync(p) {
		return false
	}
	p.statusHash, p.statusSent, p.resync = h, true, false
	p.sentIP = s.PodIP != ""
	p.ownedHash = hashOwned(&s, p.sentIP)
	u := StatusUpdate{Pod: p.ref()}
	m.copyStatus(&s, &u.Status)
	// An earlier StatusUpdate of the pod's UID (p's, or that of the pod's
	// state forgotten since) is replaced. A search rather than an index
	// kept per pod: a Ready holds at most one update per pod of the node
	// (tens), and it is made only when a status is emitted.
	for i := range m.out.StatusUpdates {
		if m.out.StatusUpdates[i].Pod.UID == u.Pod.UID {
			m.out.StatusUpdates[i] = u
			return true
		}
	}
	if n := len(m.out.StatusUpdates); n == cap(m.out.StatusUpdates) {
		m.growStatuses(n)
	}
	m.out.StatusUpdates = append(m.out.StatusUpdates, u)
	return true
}

// growStatuses moves the n pending StatusUpdates, which fill their array,
// to a larger one. A StatusUpdate is 264 bytes, and doubling up to a
// burst's size allocates and copies as many arrays as it doubles: it
// grows at once to the most the current flush pass can emit (the pods a
// pass syncs tend to change together) and, from the second, to the size
// of the recent bursts with a quarter more (a node's pods are bound in
// batches of similar sizes, one Step each: a batch a little larger than
// the last would otherwise take a second array, twice the size).
func (m *Machine) growStatuses(n int) {
	size := max(2*n, n+int(m.syncsLeft))
	if n >= 1 {
		size = max(size, int(m.burst+m.burst/4))
	}
	m.out.StatusUpdates = append(make([]StatusUpdate, 0, size), m.out.StatusUpdates...)
}

// needsResync reports whether the API's status of p, as last received,
// differs from the status last emitted in what the machine owns, so that
// it must be written again though it did not change. As the kubelet's
// status manager (which reconciles on its sync period) it looks only on a
// Tick, at the latest version of the pod: the machine's own writes, whose
// echoes arrive meanwhile, then compare equal, and a writer that keeps
// changing the status (the node lifecycle controller while the node is
// not ready) meets at most one write per Tick. Outside a Tick a pending
// check asks for the next one.
func (m *Machine) needsResync(p *podState) bool {
	if !p.resync {
		return false
	}
	if !m.inTick {
		m.wakeAt(p, m.now+1)
		return false
	}
	p.resync = false
	return hashOwned(&p.pod.Status, p.sentIP) != p.ownedHash
}
