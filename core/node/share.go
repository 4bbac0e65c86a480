package node

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// statusShare holds parts of the statuses the machine emitted before:
// the next status emitted shares them when equal instead of copying them
// again. The pods a node starts at one instant have the same conditions,
// start time and waiting container statuses, and their running containers
// the same started flag and often the same start time; so a status
// emitted costs its own array of container statuses at most.
//
// Sharing is safe because an emitted status is read-only for the machine
// and the shell alike (see Ready), and a shared slice has no spare
// capacity, so an append by its holder copies it.
type statusShare struct {
	conds         []api.PodCondition
	start         *api.Time
	init, regular []api.ContainerStatus
	yes, no       *bool
	waiting       *api.ContainerStateWaiting
	running       *api.ContainerStateRunning
	terminated    *api.ContainerStateTerminated
}

// copyStatus copies the rendered status s out of the arena into dst,
// sharing what it can with the statuses emitted before (see statusShare).
func (m *Machine) copyStatus(s, dst *api.PodStatus) {
	sh := &m.last
	*dst = *s
	if s.PodIPs != nil {
		dst.PodIPs = slices.Clone(s.PodIPs)
	}
	if s.Conditions != nil {
		if !slices.Equal(s.Conditions, sh.conds) {
			sh.conds = slices.Clone(s.Conditions)
			sh.conds = sh.conds[:len(sh.conds):len(sh.conds)]
		}
		dst.Conditions = sh.conds
	}
	if s.StartTime != nil {
		if sh.start == nil || *sh.start != *s.StartTime {
			sh.start = new(api.Time)
			*sh.start = *s.StartTime
		}
		dst.StartTime = sh.start
	}
	dst.InitContainerStatuses = m.copyContainerStatuses(s.InitContainerStatuses, &sh.init)
	dst.ContainerStatuses = m.copyContainerStatuses(s.ContainerStatuses, &sh.regular)
}

// copyContainerStatuses copies list, or shares *last if it is equal; a
// copy becomes *last.
func (m *Machine) copyContainerStatuses(list []api.ContainerStatus, last *[]api.ContainerStatus) []api.ContainerStatus {
	if list == nil {
		return nil
	}
	if len(list) > 0 && equalContainerStatuses(list, *last) {
		return *last
	}
	out := make([]api.ContainerStatus, len(list))
	for i := range list {
		m.copyContainerStatus(&list[i], &out[i])
	}
	*last = out
	return out
}

// copyContainerStatus copies cs into dst, the memory it points to shared
// with the statuses emitted before when equal.
func (m *Machine) copyContainerStatus(cs, dst *api.ContainerStatus) {
	sh := &m.last
	*dst = *cs
	if cs.Started != nil {
		dst.Started = sh.flag(*cs.Started)
	}
	sh.state(&cs.State, &dst.State)
	sh.state(&cs.LastState, &dst.LastState)
}

// flag returns a shared pointer to v.
func (sh *statusShare) flag(v bool) *bool {
	p := &sh.no
	if v {
		p = &sh.yes
	}
	if *p == nil {
		*p = new(bool)
		**p = v
	}
	return *p
}

// state points dst's states at shared copies of st's.
func (sh *statusShare) state(st, dst *api.ContainerState) {
	if w := st.Waiting; w != nil {
		if sh.waiting == nil || *sh.waiting != *w {
			sh.waiting = new(api.ContainerStateWaiting)
			*sh.waiting = *w
		}
		dst.Waiting = sh.waiting
	}
	if r := st.Running; r != nil {
		if sh.running == nil || *sh.running != *r {
			sh.running = new(api.ContainerStateRunning)
			*sh.running = *r
		}
		dst.Running = sh.running
	}
	if t := st.Terminated; t != nil {
		if sh.terminated == nil || *sh.terminated != *t {
			sh.terminated = new(api.ContainerStateTerminated)
			*sh.terminated = *t
		}
		dst.Terminated = sh.terminated
	}
}

// equalContainerStatuses reports whether a and b are equal, following
// their elements' pointers.
func equalContainerStatuses(a, b []api.ContainerStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalContainerStatus(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

func equalContainerStatus(a, b *api.ContainerStatus) bool {
	return a.Name == b.Name && a.Ready == b.Ready && a.RestartCount == b.RestartCount &&
		a.Image == b.Image && a.ImageID == b.ImageID && a.ContainerID == b.ContainerID &&
		equalPtr(a.Started, b.Started) && equalState(&a.State, &b.State) && equalState(&a.LastState, &b.LastState)
}

func equalState(a, b *api.ContainerState) bool {
	return equalPtr(a.Waiting, b.Waiting) && equalPtr(a.Running, b.Running) && equalPtr(a.Terminated, b.Terminated)
}

// equalPtr reports whether a and b are both nil or point to equal values.
func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
