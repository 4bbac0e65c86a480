package node

import (
	"math/bits"

	"github.com/capstan-dev/capstan/core/api"
)

// hasher fingerprints the fields of a status, written without reflection
// or allocation: the machine hashes a pod's status on every sync to decide
// whether to emit it. It mixes a 64-bit word at a time (strings eight
// bytes at a time, after their length): each step, rotl((h^w)*k1, 31)*k2,
// is a bijection of h^w, so two inputs that differ in one word never
// collide, and the hash costs a few nanoseconds per field where a byte-wise
// FNV paid one multiplication per byte.
type hasher uint64

const (
	hashSeed = 0x9e3779b97f4a7c15
	hashK1   = 0xbf58476d1ce4e5b9
	hashK2   = 0x94d049bb133111eb
)

func (h *hasher) word(w uint64) {
	*h = hasher(bits.RotateLeft64((uint64(*h)^w)*hashK1, 31) * hashK2)
}

func (h *hasher) byte(b byte) { h.word(uint64(b)) }

// str hashes s's length, then its bytes eight at a time (little-endian,
// the last word padded with zeros): the length keeps ("ab","c") apart
// from ("a","bc").
func (h *hasher) str(s string) {
	x := *h // in a register, rather than through *h at every word
	n := len(s)
	x.word(uint64(n))
	for i := 0; i+8 <= n; i += 8 {
		x.word(load64(s[i:]))
	}
	switch r := n % 8; {
	case r == 0:
	case n >= 8:
		// The last eight bytes, shifted to drop those hashed already:
		// one load rather than a loop over the bytes.
		x.word(load64(s[n-8:]) >> (64 - 8*r))
	default:
		var w uint64
		for i := n - 1; i >= 0; i-- {
			w = w<<8 | uint64(s[i])
		}
		x.word(w)
	}
	*h = x
}

// load64 is s's first eight bytes, little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (h *hasher) int(v int64) { h.word(uint64(v)) }

func (h *hasher) bool(b bool) {
	if b {
		h.word(1)
	} else {
		h.word(0)
	}
}

// hashStatus fingerprints every field of a pod status.
func hashStatus(s *api.PodStatus) uint64 {
	h := hasher(hashSeed)
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
	h := hasher(hashSeed)
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
