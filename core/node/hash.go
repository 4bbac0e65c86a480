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
			h.containerStatus(&list[i], false)
		}
	}
	return uint64(h)
}

// kubeletConditions are the pod conditions the machine owns.
var kubeletConditions = [...]string{api.PodInitialized, api.PodReady, api.ContainersReady}

// hashOwned fingerprints the part of a pod status the machine owns, as it
// would survive a trip through the API server: the phase, the status,
// reason and message of the kubelet's conditions (not their times: the
// node lifecycle controller changes those), the container statuses with
// times to the second (the API's precision), and with withIP the pod's
// addresses (without, they are left out: the shell may fill them in).
// The machine compares the API's status with the one it last wrote by it.
func hashOwned(s *api.PodStatus, withIP bool) uint64 {
	h := hasher(fnvOffset)
	h.str(s.Phase)
	for _, typ := range kubeletConditions {
		found := false
		for i := range s.Conditions {
			if c := &s.Conditions[i]; c.Type == typ {
				h.byte(1)
				h.str(c.Status)
				h.str(c.Reason)
				h.str(c.Message)
				found = true
				break
			}
		}
		if !found {
			h.byte(0)
		}
	}
	for _, list := range [][]api.ContainerStatus{s.InitContainerStatuses, s.ContainerStatuses} {
		h.int(int64(len(list)))
		for i := range list {
			h.containerStatus(&list[i], true)
		}
	}
	if withIP {
		h.str(s.PodIP)
		h.int(int64(len(s.PodIPs)))
		for _, ip := range s.PodIPs {
			h.str(ip.IP)
		}
	}
	return uint64(h)
}

// time hashes t, truncated to the second with sec.
func (h *hasher) time(t api.Time, sec bool) {
	if sec {
		t = t / api.Time(1e9)
	}
	h.int(int64(t))
}

func (h *hasher) containerStatus(cs *api.ContainerStatus, sec bool) {
	h.str(cs.Name)
	h.state(&cs.State, sec)
	h.state(&cs.LastState, sec)
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

func (h *hasher) state(st *api.ContainerState, sec bool) {
	switch {
	case st.Waiting != nil:
		h.byte('w')
		h.str(st.Waiting.Reason)
		h.str(st.Waiting.Message)
	case st.Running != nil:
		h.byte('r')
		h.time(st.Running.StartedAt, sec)
	case st.Terminated != nil:
		t := st.Terminated
		h.byte('t')
		h.int(int64(t.ExitCode))
		h.int(int64(t.Signal))
		h.str(t.Reason)
		h.str(t.Message)
		h.time(t.StartedAt, sec)
		h.time(t.FinishedAt, sec)
		h.str(t.ContainerID)
	default:
		h.byte('-')
	}
}
