package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// podRecord is one pod accounted on a node: 16 bytes. What pods of one
// template share (requests, label set, affinity groups) is one
// podProfile.
type podRecord struct {
	slot int32
	// assumed: placed by Schedule and not yet seen bound through
	// AddPod/UpdatePod. Only assumed pods can be forgotten.
	assumed bool
	*podProfile
}

// podProfile is what the scheduler accounts for a pod apart from its
// node: its requests, label set and the groups of its own affinity terms.
// Pods of one shape with equal requests and no extended resources share
// one profile (interned in Scheduler.profiles, refcounted by records);
// others get one of their own. Invariant: never modified once made.
type podProfile struct {
	req     podRequests
	ls      *labelSet
	carries []*group
	// refs counts the records holding the profile; key is its key in
	// Scheduler.profiles (sh nil: not interned).
	refs int32
	key  profileKey
}

// profileKey interns profiles: one shape (which fixes the label set and
// the carried groups) and requests without extended resources.
type profileKey struct {
	sh                     *podShape
	cpu, mem, nzCPU, nzMem int64
}

// podKey is how the scheduler knows a pod: namespace and name.
type podKey struct{ ns, name string }

func keyOf(p *api.Pod) podKey { return podKey{p.Namespace, p.Name} }

// AddPod is UpdatePod.
func (s *Scheduler) AddPod(p *api.Pod) { s.UpdatePod(p) }

// UpdatePod records the pod's current state. A pod with spec.nodeName set
// is accounted on that node (its requests, pod count and labels); a pod
// that was assumed there is thereby confirmed. Pods without a node are not
// accounted (Schedule places them); pods that finished (Succeeded or
// Failed) are not accounted either, freeing their resources as kube does.
// The scheduler keeps references to p's labels and affinity; the caller
// must treat p as immutable.
func (s *Scheduler) UpdatePod(p *api.Pod) {
	key := keyOf(p)
	old := s.pods.get(key)
	if p.Spec.NodeName == "" {
		if old != nil && !old.assumed {
			s.unaccount(old)
			s.pods.del(key)
		}
		return
	}
	if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		if old != nil {
			s.unaccount(old)
			s.pods.del(key)
		}
		return
	}
	sh := s.shapeFor(p)
	req := &s.scratch.req
	s.computeRequests(&p.Spec, req)
	if old != nil {
		if slot, ok := s.nodes.byName[p.Spec.NodeName]; ok && old.slot == slot &&
			old.ls == sh.ls && sameGroups(old.carries, sh.carries) && old.req.equal(req) {
			old.assumed = false
			return
		}
		// Unaccount first: that may free a ghost slot slotFor reuses.
		s.unaccount(old)
	}
	s.account(key, s.slotFor(p.Spec.NodeName), sh, req, false)
}

// RemovePod forgets a pod, bound or assumed.
func (s *Scheduler) RemovePod(p *api.Pod) {
	key := keyOf(p)
	if old := s.pods.get(key); old != nil {
		s.unaccount(old)
		s.pods.del(key)
	}
}

// Forget undoes Schedule's assumption when binding the pod failed. It
// reports whether it acted: a pod already confirmed bound (by AddPod or
// UpdatePod) is not forgotten.
func (s *Scheduler) Forget(p *api.Pod) bool {
	key := keyOf(p)
	old := s.pods.get(key)
	if old == nil || !old.assumed {
		return false
	}
	s.unaccount(old)
	s.pods.del(key)
	return true
}

// account records a pod on slot, copying req.
func (s *Scheduler) account(key podKey, slot int32, sh *podShape, req *podRequests, assumed bool) {
	r := s.newRecord()
	*r = podRecord{slot: slot, assumed: assumed, podProfile: s.profileFor(sh, req)}
	s.pods.set(key, r)
	s.apply(r, 1, true)
}

// profileFor returns a profile for a pod of shape sh with requests req,
// with a reference taken.
func (s *Scheduler) profileFor(sh *podShape, req *podRequests) *podProfile {
	if len(req.ext) > 0 {
		return &podProfile{req: podRequests{cpu: req.cpu, mem: req.mem, nzCPU: req.nzCPU, nzMem: req.nzMem,
			ext: append([]extAmount(nil), req.ext...)}, ls: sh.ls, carries: sh.carries, refs: 1}
	}
	k := profileKey{sh, req.cpu, req.mem, req.nzCPU, req.nzMem}
	p := s.lastProfile
	if p == nil || p.key != k || p.refs == 0 {
		p = s.profiles[k]
		if p == nil {
			p = &podProfile{req: podRequests{cpu: req.cpu, mem: req.mem, nzCPU: req.nzCPU, nzMem: req.nzMem},
				ls: sh.ls, carries: sh.carries, key: k}
			s.profiles[k] = p
		}
		s.lastProfile = p
	}
	p.refs++
	return p
}

// unaccount reverses account; the caller deletes the map entry.
func (s *Scheduler) unaccount(r *podRecord) {
	s.apply(r, -1, true)
	p := r.podProfile
	if p.refs--; p.refs == 0 && p.key.sh != nil {
		delete(s.profiles, p.key)
	}
	*r = podRecord{}
	s.freeRecs = append(s.freeRecs, r)
}

// newRecord returns a zeroed record from the slab: records are allocated
// in chunks and reused, so accounting a pod does not allocate.
func (s *Scheduler) newRecord() *podRecord {
	if n := len(s.freeRecs); n > 0 {
		r := s.freeRecs[n-1]
		s.freeRecs = s.freeRecs[:n-1]
		return r
	}
	if len(s.recSlab) == 0 {
		s.recSlab = make([]podRecord, 1024)
	}
	r := &s.recSlab[0]
	s.recSlab = s.recSlab[1:]
	return r
}

// apply adds (sign 1) or removes (sign -1) a record's contribution. With
// release, the record's reference on its label set (and, for a ghost node,
// on its slot) is taken or dropped too; Explain removes and restores a
// record without releasing anything.
func (s *Scheduler) apply(r *podRecord, sign int32, release bool) {
	slot := r.slot
	t := &s.nodes
	h := &t.hot[slot]
	s.eq.touch(slot)
	d := int64(sign)
	h.pods += sign
	h.reqCPU += d * r.req.cpu
	h.reqMem += d * r.req.mem
	h.nzCPU += d * r.req.nzCPU
	h.nzMem += d * r.req.nzMem
	for _, e := range r.req.ext {
		t.reqExt[slot] = setExt(t.reqExt[slot], e.id, getExt(t.reqExt[slot], e.id)+d*e.v)
	}
	ls := r.ls
	if sign > 0 && release {
		ls.refs++
	}
	if n := ls.onNode[slot] + sign; n == 0 {
		delete(ls.onNode, slot)
	} else {
		ls.onNode[slot] = n
	}
	for _, c := range ls.counters {
		s.bumpTally(&c.tally, slot, sign)
	}
	for _, g := range r.carries {
		s.bumpTally(&g.tally, slot, sign)
	}
	if sign < 0 && release {
		s.unrefLabelSet(ls)
		s.maybeFreeSlot(slot)
	}
}

func sameGroups(a, b []*group) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// AssumedNode returns the node Schedule assumed p on, while p has not
// been confirmed bound (by AddPod or UpdatePod) nor forgotten.
func (s *Scheduler) AssumedNode(p *api.Pod) (string, bool) {
	r := s.pods.get(keyOf(p))
	if r == nil || !r.assumed {
		return "", false
	}
	return s.nodes.name[r.slot], true
}
