package sched

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// nodeHot is what the filter and score loops read for every node, packed
// into one 64-byte cache line.
type nodeHot struct {
	class     int32 // index into Scheduler.classes
	pods      int32 // pods accounted on the node (bound or assumed)
	allocPods int64 // allocatable "pods"
	allocCPU  int64 // allocatable cpu, millicores
	reqCPU    int64 // sum of accounted pods' cpu requests, millicores
	allocMem  int64 // allocatable memory, bytes
	reqMem    int64 // sum of accounted pods' memory requests, bytes
	nzCPU     int64 // as reqCPU with kube's non-zero defaults (for scoring)
	nzMem     int64 // as reqMem with kube's non-zero defaults (for scoring)
}

// nodeTable is the cluster's nodes as flat slices indexed by slot. A slot
// is live while its node exists; a slot whose node is unknown or removed
// but still has pods accounted on it is a ghost (as kube's cache keeps a
// NodeInfo for pods whose node is gone), so accounting never depends on
// the order in which nodes and pods arrive.
type nodeTable struct {
	hot      []nodeHot
	name     []string
	labels   []map[string]string // nil for ghosts
	live     []bool
	allocExt [][]int64 // by ext id; nil when the node has none
	reqExt   [][]int64 // by ext id
	free     []int32   // unused slots
	byName   map[string]int32
}

// nodeClass is the set of nodes that look alike to every static filter:
// same labels (apart from kubernetes.io/hostname), same effective taints,
// same unschedulable flag. Eligibility is computed once per class and pod
// shape, as nomad caches it per computed node class.
type nodeClass struct {
	key           string
	labels        map[string]string // without kubernetes.io/hostname
	taints        []api.Taint       // spec taints plus the readiness taint
	unschedulable bool
}

// slotFor returns the slot of the named node, making a ghost slot if the
// name is new.
func (s *Scheduler) slotFor(name string) int32 {
	t := &s.nodes
	if t.byName == nil {
		t.byName = map[string]int32{}
	}
	if slot, ok := t.byName[name]; ok {
		return slot
	}
	var slot int32
	if n := len(t.free); n > 0 {
		slot = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		slot = int32(len(t.hot))
		t.hot = append(t.hot, nodeHot{})
		t.name = append(t.name, "")
		t.labels = append(t.labels, nil)
		t.live = append(t.live, false)
		t.allocExt = append(t.allocExt, nil)
		t.reqExt = append(t.reqExt, nil)
	}
	t.hot[slot] = nodeHot{class: -1}
	t.name[slot] = name
	t.byName[name] = slot
	return slot
}

// maybeFreeSlot releases a ghost slot that no pod refers to any more.
func (s *Scheduler) maybeFreeSlot(slot int32) {
	t := &s.nodes
	if t.live[slot] || t.hot[slot].pods != 0 {
		return
	}
	delete(t.byName, t.name[slot])
	t.name[slot] = ""
	t.labels[slot] = nil
	t.allocExt[slot] = nil
	t.reqExt[slot] = nil
	t.hot[slot] = nodeHot{class: -1}
	t.free = append(t.free, slot)
}

// AddNode adds a node, or updates it if already known.
func (s *Scheduler) AddNode(n *api.Node) { s.UpdateNode(n) }

// UpdateNode records the node's current labels, taints, readiness,
// cordon and allocatable resources. Calls that change none of them (a
// heartbeat) cost one key comparison. The scheduler keeps n's label map;
// the caller must not mutate it afterwards.
func (s *Scheduler) UpdateNode(n *api.Node) {
	slot := s.slotFor(n.Name)
	t := &s.nodes
	key := s.classKey(n)
	if t.live[slot] && s.sameNode(slot, n, key) {
		return
	}
	s.eq.invalidate()
	if t.live[slot] {
		s.detachNode(slot)
	} else {
		s.orderDirty = true
	}
	t.live[slot] = true
	t.labels[slot] = n.Labels
	h := &t.hot[slot]
	h.class = s.classFor(key, n)
	h.allocCPU, h.allocMem, h.allocPods = 0, 0, 0
	t.allocExt[slot] = t.allocExt[slot][:0]
	for _, name := range sortedKeys(&s.scratch, n.Status.Allocatable) {
		q := n.Status.Allocatable[name]
		switch name {
		case api.ResourceCPU:
			h.allocCPU = q.MilliValue()
		case api.ResourceMemory:
			h.allocMem = q.Value()
		case api.ResourcePods:
			h.allocPods = q.Value()
		default:
			id := s.ext.id(name)
			t.allocExt[slot] = setExt(t.allocExt[slot], id, q.Value())
		}
	}
	s.attachNode(slot)
}

// RemoveNode forgets the node. Pods still accounted on it keep their
// accounting (on a ghost slot) until they are removed.
func (s *Scheduler) RemoveNode(n *api.Node) {
	slot, ok := s.nodes.byName[n.Name]
	if !ok || !s.nodes.live[slot] {
		return
	}
	s.eq.invalidate()
	s.detachNode(slot)
	s.nodes.live[slot] = false
	s.nodes.labels[slot] = nil
	s.orderDirty = true
	s.maybeFreeSlot(slot)
}

// sameNode reports whether n changes nothing the scheduler looks at.
func (s *Scheduler) sameNode(slot int32, n *api.Node, key []byte) bool {
	t := &s.nodes
	h := &t.hot[slot]
	if s.classes[h.class].key != string(key) {
		return false
	}
	if t.labels[slot][api.LabelHostname] != n.Labels[api.LabelHostname] {
		return false
	}
	_, had := t.labels[slot][api.LabelHostname]
	if _, has := n.Labels[api.LabelHostname]; had != has {
		return false
	}
	var cpu, mem, pods int64
	exts := 0
	for name, q := range n.Status.Allocatable {
		switch name {
		case api.ResourceCPU:
			cpu = q.MilliValue()
		case api.ResourceMemory:
			mem = q.Value()
		case api.ResourcePods:
			pods = q.Value()
		default:
			id, ok := s.ext.ids[name]
			if !ok || getExt(t.allocExt[slot], id) != q.Value() {
				return false
			}
			exts++
		}
	}
	nonzero := 0
	for _, v := range t.allocExt[slot] {
		if v != 0 {
			nonzero++
		}
	}
	return cpu == h.allocCPU && mem == h.allocMem && pods == h.allocPods && exts == nonzero
}

// readinessTaint returns the taint kube's node lifecycle controller would
// put on a node that is not Ready: not-ready when the Ready condition is
// False or missing, unreachable when it is Unknown.
func readinessTaint(n *api.Node) (api.Taint, bool) {
	c := n.Condition(api.NodeReady)
	switch {
	case c != nil && c.Status == api.ConditionTrue:
		return api.Taint{}, false
	case c != nil && c.Status == api.ConditionUnknown:
		return api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoSchedule}, true
	}
	return api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoSchedule}, true
}

// effectiveTaints returns the readiness taint (if any, and not already
// present) followed by the node's own taints.
func effectiveTaints(n *api.Node) []api.Taint {
	rt, ok := readinessTaint(n)
	if ok {
		for _, t := range n.Spec.Taints {
			if t.Key == rt.Key && t.Effect == rt.Effect {
				ok = false
			}
		}
	}
	if !ok {
		return n.Spec.Taints
	}
	return append([]api.Taint{rt}, n.Spec.Taints...)
}

// classKey writes the node's class key into the scratch key buffer.
func (s *Scheduler) classKey(n *api.Node) []byte {
	k := &s.scratch.key
	k.reset()
	k.bool(n.Spec.Unschedulable)
	ts := effectiveTaints(n)
	k.int(int64(len(ts)))
	for _, t := range ts {
		k.str(t.Key)
		k.str(t.Value)
		k.str(t.Effect)
	}
	k.labelsExcept(n.Labels, api.LabelHostname)
	return k.b
}

// classFor returns the id of the class with the given key, making it.
func (s *Scheduler) classFor(key []byte, n *api.Node) int32 {
	if id, ok := s.classByKey[string(key)]; ok {
		return id
	}
	labels := make(map[string]string, len(n.Labels))
	for k, v := range n.Labels {
		if k != api.LabelHostname {
			labels[k] = v
		}
	}
	c := &nodeClass{
		key:           string(key),
		labels:        labels,
		taints:        slices.Clone(effectiveTaints(n)),
		unschedulable: n.Spec.Unschedulable,
	}
	id := int32(len(s.classes))
	s.classes = append(s.classes, c)
	s.classByKey[c.key] = id
	return id
}

// ensureOrder rebuilds the name-ordered list of live slots if nodes came
// or went since the last search.
func (s *Scheduler) ensureOrder() {
	if !s.orderDirty {
		return
	}
	t := &s.nodes
	s.eq.invalidate()
	s.order = s.order[:0]
	for slot, live := range t.live {
		if live {
			s.order = append(s.order, int32(slot))
		}
	}
	slices.SortFunc(s.order, func(a, b int32) int {
		switch {
		case t.name[a] < t.name[b]:
			return -1
		case t.name[a] > t.name[b]:
			return 1
		}
		return 0
	})
	s.orderDirty = false
	if len(s.order) > 0 {
		s.next %= len(s.order)
	} else {
		s.next = 0
	}
}

// setExt stores v at index id of xs, growing it.
func setExt(xs []int64, id int32, v int64) []int64 {
	for int(id) >= len(xs) {
		xs = append(xs, 0)
	}
	xs[id] = v
	return xs
}

// getExt returns xs[id], or 0 past its end.
func getExt(xs []int64, id int32) int64 {
	if int(id) < len(xs) {
		return xs[id]
	}
	return 0
}
