package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// query is one pod being scheduled: its shape plus what varies per pod.
type query struct {
	sh  *podShape
	req podRequests
	vol volumeQuery
	// hardMin is, per DoNotSchedule constraint, the minimum matching count
	// over eligible domains (0 when fewer domains than minDomains).
	hardMin []int32
	// affAny: some accounted pod matches the required affinity terms.
	affAny bool
	// why collects the reasons the current node fails.
	why []int32
}

// scratch is reused across calls so that the hot path does not allocate.
type scratch struct {
	key, shapeKey keyBuf
	names         []string
	req           podRequests
	q             query
	hist          []failCount
	// Per feasible node, in visit order: its slot, resource score, and
	// the raw inputs of the static scorers.
	feas    []int32
	res     []int64
	taints  []int32
	pref    []int32
	scores  [numScorers][]int64
	ignored []bool
}

// Schedule chooses a node for a pending pod and assumes the pod there: its
// requests, labels and affinity terms count from now on, so the next
// Schedule sees them (kube's assume; nomad's plan overlay). If binding
// later fails, call Forget; when the bound pod comes back through
// AddPod/UpdatePod the assumption is confirmed. Scheduling a pod that is
// already accounted (assumed, or bound: a caller's mistake) first removes
// that accounting.
//
// The search visits nodes in name order starting at a rotating index,
// filters each (cheap class-level checks first, then resources, volumes,
// topology spread and inter-pod affinity) and stops once it has found
// numFeasibleNodesToFind feasible nodes (see Config). The start index then
// advances by the number of nodes visited. The feasible nodes are scored
// and the best total wins; ties go to the node visited first.
func (s *Scheduler) Schedule(p *api.Pod) Result {
	k, r, fresh := s.named(p)
	res := s.schedule(r, p, nil)
	s.keep(k, r, fresh)
	return res
}

// ScheduleAt is Schedule for the pod whose record r is (see PodRecord):
// the assumption is kept in r.
func (s *Scheduler) ScheduleAt(r *PodRecord, p *api.Pod) Result {
	return s.schedule(r, p, nil)
}

// schedule places p, and with ex nil assumes it in rec.
func (s *Scheduler) schedule(rec *PodRecord, p *api.Pod, ex *Explanation) Result {
	res := Result{Namespace: p.Namespace, Name: p.Name}
	if p.Spec.NodeName != "" {
		res.Status, res.Node = AlreadyBound, p.Spec.NodeName
		return res
	}
	if ex == nil && rec.accounted() {
		s.unaccount(rec)
	}
	s.ensureOrder()
	n := len(s.order)
	res.NumNodes = n
	res.Status = Unschedulable
	if n == 0 {
		res.PreFilter = ReasonNoNodes
		return res
	}
	q := &s.scratch.q
	q.sh = s.shapeFor(p)
	if !q.sh.compiled {
		s.compileQueries(q.sh, p)
	}
	s.volumesOf(p, &q.vol)
	if q.vol.preFilter != "" {
		res.PreFilter = q.vol.preFilter
		return res
	}
	s.computeRequests(&p.Spec, &q.req)
	s.prepare(q)

	toFind := s.numFeasibleNodesToFind(n)
	if ex == nil && !s.noIndex && s.indexable(q) {
		if slot, visited, ok := s.searchIndexed(q, &res, toFind); ok {
			s.next = (s.next + visited) % n
			if slot >= 0 {
				res.Status, res.Node = Scheduled, s.nodes.name[slot]
				s.account(rec, slot, q.sh, &q.req, true)
			}
			return res
		}
	}
	sc := &s.scratch
	sc.feas, sc.res, sc.taints, sc.pref = sc.feas[:0], sc.res[:0], sc.taints[:0], sc.pref[:0]
	hist := sc.hist[:0]
	start := s.next
	hot, order, st := s.nodes.hot, s.order, q.sh.static
	r := &q.req
	strategy := s.cfg.Strategy
	// simple: nothing but the class verdict and cpu, memory and pod count
	// can reject a node, so most nodes never leave this loop.
	simple := q.simple()
	i := 0
	for ; i < n && len(sc.feas) < toFind; i++ {
		j := start + i
		if j >= n {
			j -= n
		}
		slot := order[j]
		h := &hot[slot]
		var v verdict
		if c := h.class; int(c) < len(st.cls) && st.cls[c].done {
			v = st.cls[c]
		} else {
			v = s.verdictOf(st, c)
		}
		if v.reason != rOK && ex == nil {
			hist = addFailure(hist, v.reason)
			continue
		}
		if simple && ex == nil && !v.perNode {
			// The whole of fits for such pods, inlined.
			ok := true
			if int64(h.pods) >= h.allocPods {
				hist, ok = addFailure(hist, rTooManyPods), false
			}
			if r.cpu > 0 && r.cpu > h.allocCPU-h.reqCPU {
				hist, ok = addFailure(hist, rInsufficientCPU), false
			}
			if r.mem > 0 && r.mem > h.allocMem-h.reqMem {
				hist, ok = addFailure(hist, rInsufficientMemory), false
			}
			if !ok {
				continue
			}
		} else {
			q.why = q.why[:0]
			if !s.fits(q, slot, &v) {
				hist = addFailures(hist, q.why)
				if ex != nil {
					ex.addFiltered(s, slot, q.why)
				}
				continue
			}
		}
		sc.feas = append(sc.feas, slot)
		sc.res = append(sc.res, resourceScore(strategy, h, r))
		sc.taints = append(sc.taints, v.taints)
		sc.pref = append(sc.pref, v.pref)
	}
	sc.hist = hist
	if ex == nil {
		s.next = (start + i) % n
	}
	feas := sc.feas
	res.Evaluated, res.Feasible = i, len(feas)
	res.Failures = s.failures(hist)
	if len(feas) == 0 {
		return res
	}
	best := 0
	if len(feas) > 1 || ex != nil {
		best = s.scoreNodes(q, ex)
	}
	slot := feas[best]
	res.Status, res.Node = Scheduled, s.nodes.name[slot]
	if ex == nil {
		s.account(rec, slot, q.sh, &q.req, true)
	}
	return res
}

// prepare computes the per-pod values the filters compare against.
func (s *Scheduler) prepare(q *query) {
	sh := q.sh
	q.hardMin = q.hardMin[:0]
	for i := range sh.hard {
		hq := &sh.hard[i]
		m := int32(0)
		if hq.v.domains >= hq.minDomains {
			m = hq.v.minCount()
		}
		q.hardMin = append(q.hardMin, m)
	}
	q.affAny = false
	for _, v := range sh.aff {
		if v.total > 0 {
			q.affAny = true
		}
	}
}

// simple reports whether only the class verdict, cpu, memory and the pod
// count can reject a node for this pod.
func (q *query) simple() bool {
	sh := q.sh
	return len(q.req.ext) == 0 && !q.vol.pvMissing && len(q.vol.filters) == 0 &&
		len(sh.hard) == 0 && len(sh.aff) == 0 && len(sh.anti) == 0 && len(sh.ls.antiGroups) == 0
}

// fits runs the filters on one node in kube's order, given the node's
// class verdict v, and reports whether the node passes; otherwise q.why
// holds the reasons.
func (s *Scheduler) fits(q *query, slot int32, v *verdict) bool {
	h := &s.nodes.hot[slot]
	sh := q.sh
	st := sh.static
	// NodeUnschedulable, TaintToleration (with readiness), NodeAffinity.
	if v.reason != rOK {
		q.why = append(q.why, v.reason)
		return false
	}
	if v.perNode && !st.filter.eval(s.nodes.name[slot], s.nodes.labels[slot]) {
		q.why = append(q.why, rNodeAffinity)
		return false
	}
	// NodeResourcesFit: every shortfall is a reason.
	r := &q.req
	if int64(h.pods)+1 > h.allocPods {
		q.why = append(q.why, rTooManyPods)
	}
	if r.cpu > 0 && r.cpu > h.allocCPU-h.reqCPU {
		q.why = append(q.why, rInsufficientCPU)
	}
	if r.mem > 0 && r.mem > h.allocMem-h.reqMem {
		q.why = append(q.why, rInsufficientMemory)
	}
	for _, e := range r.ext {
		if e.v > getExt(s.nodes.allocExt[slot], e.id)-getExt(s.nodes.reqExt[slot], e.id) {
			q.why = append(q.why, s.insufficient(e.id))
		}
	}
	if len(q.why) > 0 {
		return false
	}
	// VolumeBinding.
	if q.vol.pvMissing {
		q.why = append(q.why, rPVNotExist)
		return false
	}
	for _, f := range q.vol.filters {
		if !s.admits(f, slot) {
			q.why = append(q.why, rVolumeNodeAffinity)
			return false
		}
	}
	// PodTopologySpread (DoNotSchedule).
	for i := range sh.hard {
		hq := &sh.hard[i]
		c, ok := hq.v.countAt(slot)
		if !ok {
			q.why = append(q.why, rSpreadMissingLabel)
			return false
		}
		if c+hq.self-q.hardMin[i] > hq.maxSkew {
			q.why = append(q.why, rSpread)
			return false
		}
	}
	// InterPodAffinity: the pod's affinity, its anti-affinity, then the
	// anti-affinity of pods already placed.
	if len(sh.aff) > 0 && !s.satisfiesAffinity(q, slot) {
		q.why = append(q.why, rPodAffinity)
		return false
	}
	for _, v := range sh.anti {
		if c, ok := v.countAt(slot); ok && c > 0 {
			q.why = append(q.why, rPodAntiAffinity)
			return false
		}
	}
	for _, g := range sh.ls.antiGroups {
		if c, ok := g.view.countAt(slot); ok && c > 0 {
			q.why = append(q.why, rExistingAntiAffinity)
			return false
		}
	}
	return true
}

// satisfiesAffinity is kube's satisfyPodAffinity: the node has every
// term's topology key and a matching pod in each term's domain, or no pod
// anywhere matches and the pod matches its own terms (the first pod of a
// group that attracts itself).
func (s *Scheduler) satisfiesAffinity(q *query, slot int32) bool {
	exist := true
	for _, v := range q.sh.aff {
		c, ok := v.countAt(slot)
		if !ok {
			return false
		}
		if c <= 0 {
			exist = false
		}
	}
	return exist || (!q.affAny && q.sh.affSelf)
}

// addFailure counts one node failing for reason r.
func addFailure(hist []failCount, r int32) []failCount {
	for i := range hist {
		if hist[i].reason == r {
			hist[i].nodes++
			return hist
		}
	}
	return append(hist, failCount{reason: r, nodes: 1})
}

// addFailures counts one failing node's reasons into the histogram.
func addFailures(hist []failCount, why []int32) []failCount {
next:
	for _, r := range why {
		for i := range hist {
			if hist[i].reason == r {
				hist[i].nodes++
				continue next
			}
		}
		hist = append(hist, failCount{reason: r, nodes: 1})
	}
	return hist
}
