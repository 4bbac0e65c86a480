package sched

// This file holds the incremental counters behind topology spread and
// inter-pod (anti-)affinity. Nothing here scans pods while scheduling:
//
//	tally   per node: how many accounted pods match something
//	        (a counter: pods matching a selector; a group: pods
//	        carrying an affinity term)
//	view    per topology domain: the tally summed over the nodes of
//	        each domain of one topology key, optionally restricted to
//	        the nodes a node filter admits (spread honours the pod's
//	        node affinity when it counts domains), with the minimum
//	        over domains kept up to date for maxSkew
//	topo    per topology key: node slot → domain id (interned label value)
//
// Every pod added or removed bumps its tallies, and each tally bumps its
// views: O(matching tallies × views) per pod. Every node added, changed or
// removed is detached from every view and attached again: O(views).

// topo interns the values of one node label (a topology key) to domain ids.
type topo struct {
	key string
	ids map[string]int32
	// ofNode maps a slot to its domain, -1 when the node is not live or
	// lacks the label. Invariant: ofNode[slot] >= 0 only for live slots.
	ofNode []int32
}

// topoFor returns the topology of key, building it over the live nodes.
func (s *Scheduler) topoFor(key string) *topo {
	if t, ok := s.topos[key]; ok {
		return t
	}
	t := &topo{key: key, ids: map[string]int32{}}
	t.ofNode = make([]int32, len(s.nodes.live))
	for slot, live := range s.nodes.live {
		t.ofNode[slot] = -1
		if live {
			t.ofNode[slot] = t.domainOf(s.nodes.labels[slot])
		}
	}
	s.topos[key] = t
	s.topoList = append(s.topoList, t)
	return t
}

func (t *topo) domainOf(labels map[string]string) int32 {
	v, ok := labels[t.key]
	if !ok {
		return -1
	}
	id, ok := t.ids[v]
	if !ok {
		id = int32(len(t.ids))
		t.ids[v] = id
	}
	return id
}

// domain returns the domain of slot, -1 if none.
func (t *topo) domain(slot int32) int32 {
	if int(slot) < len(t.ofNode) {
		return t.ofNode[slot]
	}
	return -1
}

// tally counts, per node slot, the accounted pods that match something.
type tally struct {
	perNode []int32
	views   []*view
}

// at returns the count of node slot.
func (t *tally) at(slot int32) int32 {
	if int(slot) < len(t.perNode) {
		return t.perNode[slot]
	}
	return 0
}

func (s *Scheduler) bumpTally(t *tally, slot int32, delta int32) {
	for int(slot) >= len(t.perNode) {
		t.perNode = append(t.perNode, 0)
	}
	t.perNode[slot] += delta
	if !s.nodes.live[slot] {
		return
	}
	for _, v := range t.views {
		if v.admitted(slot) {
			v.bump(v.topo.ofNode[slot], delta)
		}
	}
}

// view sums a tally per domain of one topology key over the admitted
// nodes: live nodes with the key that pass the filter (nil: all).
type view struct {
	src    *tally
	topo   *topo
	filter *nodeFilter
	adm    []bool  // by slot
	count  []int32 // by domain: sum of src over admitted nodes
	nodes  []int32 // by domain: admitted nodes
	// domains is the number of domains with admitted nodes; total the sum
	// of count.
	domains int32
	total   int64
	// min is the least count over domains with nodes, and atMin how many
	// such domains have it. Invariant: unless minDirty, both are exact.
	min      int32
	atMin    int32
	minDirty bool
}

// viewFor returns the view of src by key restricted to f, making it.
func (s *Scheduler) viewFor(src *tally, key string, f *nodeFilter) *view {
	for _, v := range src.views {
		if v.topo.key == key && v.filter == f {
			return v
		}
	}
	v := &view{src: src, topo: s.topoFor(key), filter: f, minDirty: true}
	for slot, live := range s.nodes.live {
		if live {
			s.attachView(v, int32(slot))
		}
	}
	src.views = append(src.views, v)
	s.views = append(s.views, v)
	return v
}

func (v *view) admitted(slot int32) bool {
	return int(slot) < len(v.adm) && v.adm[slot]
}

// countAt returns the count in the domain of slot, and false if slot has
// no domain in this view's topology.
func (v *view) countAt(slot int32) (int32, bool) {
	d := v.topo.domain(slot)
	if d < 0 {
		return 0, false
	}
	if int(d) < len(v.count) {
		return v.count[d], true
	}
	return 0, true
}

func (v *view) grow(d int32) {
	for int(d) >= len(v.count) {
		v.count = append(v.count, 0)
		v.nodes = append(v.nodes, 0)
	}
}

// bump adds delta to domain d, which has admitted nodes.
func (v *view) bump(d int32, delta int32) {
	if delta == 0 {
		return
	}
	v.grow(d)
	old := v.count[d]
	v.count[d] = old + delta
	v.total += int64(delta)
	v.minAdd(old + delta)
	v.minRemove(old)
}

func (v *view) minAdd(c int32) {
	switch {
	case v.minDirty:
	case c < v.min:
		v.min, v.atMin = c, 1
	case c == v.min:
		v.atMin++
	}
}

func (v *view) minRemove(c int32) {
	if !v.minDirty && c == v.min {
		v.atMin--
		if v.atMin == 0 {
			v.minDirty = true
		}
	}
}

// minCount returns the least count over domains with admitted nodes.
// Amortised O(1): a full scan happens only when the last domain at the
// minimum moves.
func (v *view) minCount() int32 {
	if v.minDirty {
		v.min, v.atMin = 0, 0
		first := true
		for d, n := range v.nodes {
			if n == 0 {
				continue
			}
			c := v.count[d]
			switch {
			case first || c < v.min:
				v.min, v.atMin, first = c, 1, false
			case c == v.min:
				v.atMin++
			}
		}
		v.minDirty = first // no domain yet: stay dirty
	}
	return v.min
}

// attachView adds live slot to v if v admits it.
func (s *Scheduler) attachView(v *view, slot int32) {
	for int(slot) >= len(v.adm) {
		v.adm = append(v.adm, false)
	}
	d := v.topo.domain(slot)
	if d < 0 || (v.filter != nil && !s.admits(v.filter, slot)) {
		v.adm[slot] = false
		return
	}
	v.adm[slot] = true
	v.grow(d)
	var c int32
	if int(slot) < len(v.src.perNode) {
		c = v.src.perNode[slot]
	}
	if v.nodes[d] == 0 {
		v.nodes[d] = 1
		v.count[d] = c
		v.total += int64(c)
		v.domains++
		v.minAdd(c)
		return
	}
	v.nodes[d]++
	v.bump(d, c)
}

// detachView removes slot from v if it was admitted.
func (s *Scheduler) detachView(v *view, slot int32) {
	if !v.admitted(slot) {
		return
	}
	v.adm[slot] = false
	d := v.topo.ofNode[slot]
	var c int32
	if int(slot) < len(v.src.perNode) {
		c = v.src.perNode[slot]
	}
	if v.nodes[d] == 1 {
		v.nodes[d] = 0
		v.minRemove(v.count[d])
		v.total -= int64(v.count[d])
		v.count[d] = 0
		v.domains--
		return
	}
	v.nodes[d]--
	v.bump(d, -c)
}

// attachNode enters a live slot into every topology and view.
func (s *Scheduler) attachNode(slot int32) {
	labels := s.nodes.labels[slot]
	for _, t := range s.topoList {
		for int(slot) >= len(t.ofNode) {
			t.ofNode = append(t.ofNode, -1)
		}
		t.ofNode[slot] = t.domainOf(labels)
	}
	for _, v := range s.views {
		s.attachView(v, slot)
	}
}

// detachNode takes a live slot out of every view and topology.
func (s *Scheduler) detachNode(slot int32) {
	for _, v := range s.views {
		s.detachView(v, slot)
	}
	for _, t := range s.topoList {
		if int(slot) < len(t.ofNode) {
			t.ofNode[slot] = -1
		}
	}
}
