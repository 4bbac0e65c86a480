package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// PodRecord is what the scheduler keeps for one pod: the node it is
// accounted on, if any, and what it counts there (16 bytes; what pods of
// one template share, requests, label set and affinity groups, is one
// podProfile). Its zero value is a pod the scheduler does not account.
//
// The methods that take a pod (UpdatePod, Schedule, ...) keep a record
// per pod in an index by namespace and name. A caller that keeps a record
// of its own per pod (core/control's mirror) can hold the scheduler's in
// it and use the methods ending in At instead, which save the index: a
// record is then that pod's (whatever its versions) for one Scheduler,
// and must be cleared through the scheduler (RemovePodAt) before it is
// dropped or used for another pod. The two ways must not be mixed for one
// pod.
type PodRecord struct {
	slot int32
	// assumed: placed by Schedule and not yet seen bound through
	// AddPod/UpdatePod. Only assumed pods can be forgotten.
	assumed bool
	*podProfile
}

// accounted reports whether the record holds a pod on a node.
func (r *PodRecord) accounted() bool { return r.podProfile != nil }

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
	k, r, fresh := s.named(p)
	s.UpdatePodAt(r, p)
	s.keep(k, r, fresh)
}

// UpdatePodAt is UpdatePod for the pod whose record r is (see PodRecord).
func (s *Scheduler) UpdatePodAt(r *PodRecord, p *api.Pod) {
	if p.Spec.NodeName == "" {
		if r.accounted() && !r.assumed {
			s.unaccount(r)
		}
		return
	}
	if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		if r.accounted() {
			s.unaccount(r)
		}
		return
	}
	sh := s.shapeFor(p)
	req := &s.scratch.req
	s.computeRequests(&p.Spec, req)
	if r.accounted() {
		if slot, ok := s.nodes.byName[p.Spec.NodeName]; ok && r.slot == slot &&
			r.ls == sh.ls && sameGroups(r.carries, sh.carries) && r.req.equal(req) {
			r.assumed = false
			return
		}
		// Unaccount first: that may free a ghost slot slotFor reuses.
		s.unaccount(r)
	}
	s.account(r, s.slotFor(p.Spec.NodeName), sh, req, false)
}

// RemovePod forgets a pod, bound or assumed.
func (s *Scheduler) RemovePod(p *api.Pod) {
	k, r, fresh := s.named(p)
	s.RemovePodAt(r)
	s.keep(k, r, fresh)
}

// RemovePodAt is RemovePod for the pod whose record r is: r is then zero.
func (s *Scheduler) RemovePodAt(r *PodRecord) {
	if r.accounted() {
		s.unaccount(r)
	}
}

// Forget undoes Schedule's assumption when binding the pod failed. It
// reports whether it acted: a pod already confirmed bound (by AddPod or
// UpdatePod) is not forgotten.
func (s *Scheduler) Forget(p *api.Pod) bool {
	k, r, fresh := s.named(p)
	ok := s.ForgetAt(r)
	s.keep(k, r, fresh)
	return ok
}

// ForgetAt is Forget for the pod whose record r is.
func (s *Scheduler) ForgetAt(r *PodRecord) bool {
	if !r.accounted() || !r.assumed {
		return false
	}
	s.unaccount(r)
	return true
}

// named returns the record of p's name in the index, or a new one
// (fresh) not in it yet.
func (s *Scheduler) named(p *api.Pod) (k podKey, r *PodRecord, fresh bool) {
	k = keyOf(p)
	if r = s.pods.get(k); r == nil {
		r, fresh = s.newRecord(), true
	}
	return k, r, fresh
}

// keep indexes r under k while it holds a pod, and frees it once it holds
// none.
func (s *Scheduler) keep(k podKey, r *PodRecord, fresh bool) {
	switch {
	case r.accounted():
		if fresh {
			s.pods.set(k, r)
		}
		return
	case !fresh:
		s.pods.del(k)
	}
	s.freeRecs = append(s.freeRecs, r)
}

// account records a pod on slot in r, copying req.
func (s *Scheduler) account(r *PodRecord, slot int32, sh *podShape, req *podRequests, assumed bool) {
	*r = PodRecord{slot: slot, assumed: assumed, podProfile: s.profileFor(sh, req)}
	s.numPods++
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

// unaccount reverses account, leaving r zero.
func (s *Scheduler) unaccount(r *PodRecord) {
	s.apply(r, -1, true)
	p := r.podProfile
	if p.refs--; p.refs == 0 && p.key.sh != nil {
		delete(s.profiles, p.key)
	}
	*r = PodRecord{}
	s.numPods--
}

// newRecord returns a zeroed record for the index from the slab: records
// are allocated in chunks and reused, so accounting a pod does not
// allocate.
func (s *Scheduler) newRecord() *PodRecord {
	if n := len(s.freeRecs); n > 0 {
		r := s.freeRecs[n-1]
		s.freeRecs = s.freeRecs[:n-1]
		return r
	}
	if len(s.recSlab) == 0 {
		s.recSlab = make([]PodRecord, 1024)
	}
	r := &s.recSlab[0]
	s.recSlab = s.recSlab[1:]
	return r
}

// apply adds (sign 1) or removes (sign -1) a record's contribution. With
// release, the record's reference on its label set (and, for a ghost node,
// on its slot) is taken or dropped too; Explain removes and restores a
// record without releasing anything.
func (s *Scheduler) apply(r *PodRecord, sign int32, release bool) {
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
	if r == nil {
		return "", false
	}
	return s.AssumedNodeAt(r)
}

// AssumedNodeAt is AssumedNode for the pod whose record r is.
func (s *Scheduler) AssumedNodeAt(r *PodRecord) (string, bool) {
	if !r.accounted() || !r.assumed {
		return "", false
	}
	return s.nodes.name[r.slot], true
}
