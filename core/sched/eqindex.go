package sched

import "slices"

// eqIndex answers Schedule for a run of pods of one equivalence class in
// O(log n) per pod instead of a visit of numFeasibleNodesToFind nodes:
// kube-scheduler's old equivalence cache, made exact. The pods of one
// ReplicaSet share their static shape and requests, so what the search
// computes per node (fits or not, and why; the resource score) is the
// same for every pod of the run until a pod lands on that node. The index
// keeps those per-node answers as the leaves of a segment tree over the
// nodes in name order (the order the search visits them in), with, per
// subtree, the count of feasible nodes, the best resource score and its
// first position, and the count of each resource failure. A search from
// the rotating start index becomes:
//
//	end  = position of the numFeasibleNodesToFind-th feasible node from
//	       start, wrapping (or a full turn when fewer are feasible)
//	best = first position of the highest score in [start, end]
//	why  = resource failures summed over [start, end], plus the nodes the
//	       class filters reject (few, listed by position)
//
// which is exactly what the node-by-node search gives, because for the
// pods it serves the total score is the resource score plus a constant
// (see usable). Accounting a pod marks its node dirty; the leaf is
// recomputed before the next query. Any change to the nodes themselves
// (added, removed, relabelled, resized) drops the index.
//
// It serves only pods for which nothing but the class verdict, cpu,
// memory and the pod count can reject a node (query.simple) and whose
// score is the resource score alone: no ScheduleAnyway spread, no
// inter-pod scoring, no per-node preferred affinity, and nodes whose
// class verdicts carry no PreferNoSchedule taint or preferred-term score.
// Every other pod takes the node-by-node search, as does Explain.
type eqIndex struct {
	// valid: the leaves hold the answers for key over the current order.
	valid bool
	key   eqKey
	// last is the key of the previous eligible Schedule call: the index is
	// built when two calls in a row share a key (a run of one class).
	last eqKey
	// refused, refusedAt: key's nodes include one the index cannot
	// express (see usable); not retried until the nodes change.
	refused   eqKey
	refusedAt uint64
	// epoch counts changes to the node set; it invalidates refused.
	epoch uint64

	n, size int
	tree    []eqNode // 1-based heap layout; leaves at size+position
	pos     []int32  // by slot: position in order, -1 if none
	// rejected lists, by position, the nodes whose class verdict fails
	// (their reason included). Invariant: sorted by pos.
	rejected []eqReject
	dirty    []int32 // slots whose accounting changed since the last sync
	// served counts the searches answered by the index (for tests).
	served int
}

// eqKey identifies an equivalence class: a static shape and the requests
// the resource filter and scorer read.
type eqKey struct {
	st                     *staticShape
	cpu, mem, nzCPU, nzMem int64
}

// eqNode summarises a subtree of positions.
type eqNode struct {
	best int64 // highest resource score of a feasible node; -1: none
	at   int32 // first position holding best
	cnt  int32 // feasible nodes
	fail [3]int32
}

// eqReject is a node the class filters reject.
type eqReject struct{ pos, reason int32 }

// resource failure slots of eqNode.fail and their reasons.
var eqFailReasons = [3]int32{rTooManyPods, rInsufficientCPU, rInsufficientMemory}

var eqEmpty = eqNode{best: -1, at: -1}

func eqJoin(a, b eqNode) eqNode {
	r := a
	if b.best > a.best {
		r.best, r.at = b.best, b.at
	}
	r.cnt += b.cnt
	for i := range r.fail {
		r.fail[i] += b.fail[i]
	}
	return r
}

// invalidate drops the index after a change to the nodes.
func (x *eqIndex) invalidate() {
	x.valid = false
	x.epoch++
	x.dirty = x.dirty[:0]
}

// touch records that slot's accounting changed.
func (x *eqIndex) touch(slot int32) {
	if !x.valid {
		return
	}
	if len(x.dirty) >= x.n {
		x.valid = false // rebuilding is cheaper than catching up
		x.dirty = x.dirty[:0]
		return
	}
	x.dirty = append(x.dirty, slot)
}

// indexable reports whether q's pod can be answered by an eqIndex.
func (s *Scheduler) indexable(q *query) bool {
	sh := q.sh
	return q.simple() && len(sh.soft) == 0 && len(sh.pref) == 0 && len(sh.ls.scoreGroups) == 0 &&
		!sh.static.prefNodeSpecific && s.weights[scResources] > 0
}

// searchIndexed runs the search of schedule through the index, filling
// res (Evaluated, Feasible, Failures) and returning the chosen slot (-1:
// none) and the number of nodes visited; ok is false when the index does
// not serve this query and the node-by-node search must run.
func (s *Scheduler) searchIndexed(q *query, res *Result, toFind int) (slot int32, visited int, ok bool) {
	x := &s.eq
	r := &q.req
	key := eqKey{q.sh.static, r.cpu, r.mem, r.nzCPU, r.nzMem}
	last := x.last
	x.last = key
	if !x.valid || x.key != key {
		if key != last || (x.refused == key && x.refusedAt == x.epoch) {
			return -1, 0, false
		}
		if !s.buildIndex(key) {
			x.refused, x.refusedAt = key, x.epoch
			return -1, 0, false
		}
	}
	s.syncIndex()
	x.served++
	n, start := x.n, s.next
	total := x.tree[1].cnt
	var end int // last position visited
	if int(total) < toFind {
		visited, end = n, start+n-1
	} else {
		before := x.query(0, start-1).cnt
		end = x.kth(int(before)+toFind, total)
		if end < start {
			end += n
		}
		visited = end - start + 1
	}
	// The window is [start, end] on the ring: one range, or two.
	w := x.query(start, min(end, n-1))
	if end >= n {
		w = eqJoin(w, x.query(0, end-n))
	}
	res.Evaluated, res.Feasible = visited, int(w.cnt)
	hist := s.scratch.hist[:0]
	for i, c := range w.fail {
		if c > 0 {
			hist = append(hist, failCount{reason: eqFailReasons[i], nodes: c})
		}
	}
	hist = x.rejectedIn(hist, start, min(end, n-1))
	if end >= n {
		hist = x.rejectedIn(hist, 0, end-n)
	}
	s.scratch.hist = hist
	res.Failures = s.failures(hist)
	if w.cnt == 0 {
		return -1, visited, true
	}
	return s.order[w.at], visited, true
}

// buildIndex computes every leaf for key over the current order. It
// reports false if a node's class verdict is one the index cannot
// express (a per-node filter, or a taint or preferred-term score).
func (s *Scheduler) buildIndex(key eqKey) bool {
	x := &s.eq
	x.valid = false
	x.dirty = x.dirty[:0]
	n := len(s.order)
	x.n, x.size, x.key = n, 1, key
	for x.size < n {
		x.size *= 2
	}
	x.tree = slices.Grow(x.tree[:0], 2*x.size)[:2*x.size]
	x.rejected = x.rejected[:0]
	if cap(x.pos) < len(s.nodes.hot) {
		x.pos = make([]int32, len(s.nodes.hot))
	}
	x.pos = x.pos[:len(s.nodes.hot)]
	for i := range x.pos {
		x.pos[i] = -1
	}
	st := key.st
	for p, slot := range s.order {
		x.pos[slot] = int32(p)
		c := s.nodes.hot[slot].class
		var v verdict
		if int(c) < len(st.cls) && st.cls[c].done {
			v = st.cls[c]
		} else {
			v = s.verdictOf(st, c)
		}
		switch {
		case v.reason != rOK:
			x.rejected = append(x.rejected, eqReject{int32(p), v.reason})
			x.tree[x.size+p] = eqEmpty
		case v.perNode || v.taints != 0 || v.pref != 0:
			return false
		default:
			x.tree[x.size+p] = s.indexLeaf(slot, p)
		}
	}
	for p := n; p < x.size; p++ {
		x.tree[x.size+p] = eqEmpty
	}
	for i := x.size - 1; i >= 1; i-- {
		x.tree[i] = eqJoin(x.tree[2*i], x.tree[2*i+1])
	}
	x.valid = true
	return true
}

// indexLeaf is the search's answer for a node the class filters admit.
func (s *Scheduler) indexLeaf(slot int32, p int) eqNode {
	h := &s.nodes.hot[slot]
	k := &s.eq.key
	l := eqEmpty
	if int64(h.pods) >= h.allocPods {
		l.fail[0] = 1
	}
	if k.cpu > 0 && k.cpu > h.allocCPU-h.reqCPU {
		l.fail[1] = 1
	}
	if k.mem > 0 && k.mem > h.allocMem-h.reqMem {
		l.fail[2] = 1
	}
	if l.fail == [3]int32{} {
		r := podRequests{cpu: k.cpu, mem: k.mem, nzCPU: k.nzCPU, nzMem: k.nzMem}
		l.best, l.at, l.cnt = resourceScore(s.cfg.Strategy, h, &r), int32(p), 1
	}
	return l
}

// syncIndex recomputes the leaves of the nodes whose accounting changed.
func (s *Scheduler) syncIndex() {
	x := &s.eq
	for _, slot := range x.dirty {
		if int(slot) >= len(x.pos) || x.pos[slot] < 0 {
			continue
		}
		p := int(x.pos[slot])
		i := x.size + p
		if x.tree[i].at < 0 && x.tree[i].fail == [3]int32{} {
			continue // rejected by its class: accounting cannot change that
		}
		x.tree[i] = s.indexLeaf(slot, p)
		for i /= 2; i >= 1; i /= 2 {
			x.tree[i] = eqJoin(x.tree[2*i], x.tree[2*i+1])
		}
	}
	x.dirty = x.dirty[:0]
}

// query summarises positions [l, r] (empty when r < l), left to right.
func (x *eqIndex) query(l, r int) eqNode {
	left, right := eqEmpty, eqEmpty
	if r < l {
		return left
	}
	lo, hi := l+x.size, r+x.size+1
	for lo < hi {
		if lo&1 == 1 {
			left = eqJoin(left, x.tree[lo])
			lo++
		}
		if hi&1 == 1 {
			hi--
			right = eqJoin(x.tree[hi], right)
		}
		lo, hi = lo/2, hi/2
	}
	return eqJoin(left, right)
}

// kth returns the position of the k-th feasible node (1-based), counting
// from position 0 and wrapping past the total.
func (x *eqIndex) kth(k int, total int32) int {
	k = (k-1)%int(total) + 1
	i := 1
	for i < x.size {
		if int(x.tree[2*i].cnt) >= k {
			i = 2 * i
		} else {
			k -= int(x.tree[2*i].cnt)
			i = 2*i + 1
		}
	}
	return i - x.size
}

// rejectedIn counts into hist the class rejections at positions [l, r].
func (x *eqIndex) rejectedIn(hist []failCount, l, r int) []failCount {
	i, _ := slices.BinarySearchFunc(x.rejected, int32(l), func(e eqReject, p int32) int { return int(e.pos - p) })
	for ; i < len(x.rejected) && int(x.rejected[i].pos) <= r; i++ {
		hist = addFailure(hist, x.rejected[i].reason)
	}
	return hist
}
