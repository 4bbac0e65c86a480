package node

import "github.com/capstan-dev/capstan/core/api"

// hasher is FNV-1a over the fields of a status, written without reflection
// or allocation: the machine hashes a pod's status on every sync to decide
// whether to emit it.
type hasher uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (h *hasher) byte(b byte) { *h = (*h ^ hasher(b)) * fnvPrime }

func (h *hasher) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
	h.byte(0xff) // separator: ("ab","c") != ("a","bc")
}

func (h *hasher) int(v int64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}

func (h *hasher) bool(b bool) {
	if b {
		h.byte(1)
	} else {
		h.byte(0)
	}
}

// hashStatus fingerprints every field of a pod status.
func hashStatus(s *api.PodStatus) uint64 {
	h := hasher(fnvOffset)
	h.str(s.Phase)
	h.str(s.Message)
	h.str(s.Reason)
	h.str(s.NominatedNodeName)
	h.str(s.HostIP)
	h.str(s.PodIP)
	h.str(s.QOSClass)
	h.int(int64(len(s.PodIPs)))
	for _, ip := range s.PodIPs {
		h.str(ip.IP)
	}
	if s.StartTime != nil {
		h.int(int64(*s.StartTime))
	} else {
		h.byte(0)
	}
	h.int(int64(len(s.Conditions)))
	for i := range s.Conditions {
		c := &s.Conditions[i]
		h.str(c.Type)
		h.str(c.Status)
		h.int(int64(c.LastProbeTime))
		h.int(int64(c.LastTransitionTime))
		h.str(c.Reason)
		h.str(c.Message)
	}
	for _, list := range [][]api.ContainerStatus{s.InitContainerStatuses, s.ContainerStatuses} {
		h.int(int64(len(list)))
		for i := range list {
			h.containerStatus(&list[i])
		}
	}
	return uint64(h)
}

func (h *hasher) containerStatus(cs *api.ContainerStatus) {
	h.str(cs.Name)
	h.state(&cs.State)
	h.state(&cs.LastState)
	h.bool(cs.Ready)
	h.int(int64(cs.RestartCount))
	h.str(cs.Image)
	h.str(cs.ImageID)
	h.str(cs.ContainerID)
	switch {
	case cs.Started == nil:
		h.byte(2)
	default:
		h.bool(*cs.Started)
	}
}

func (h *hasher) state(st *api.ContainerState) {
	switch {
	case st.Waiting != nil:
		h.byte('w')
		h.str(st.Waiting.Reason)
		h.str(st.Waiting.Message)
	case st.Running != nil:
		h.byte('r')
		h.int(int64(st.Running.StartedAt))
	case st.Terminated != nil:
		t := st.Terminated
		h.byte('t')
		h.int(int64(t.ExitCode))
		h.int(int64(t.Signal))
		h.str(t.Reason)
		h.str(t.Message)
		h.int(int64(t.StartedAt))
		h.int(int64(t.FinishedAt))
		h.str(t.ContainerID)
	default:
		h.byte('-')
	}
}
