package node

import (
	"slices"
	"strings"
)

// The machine finds its pods by UID and its runtime containers by ID in
// sorted arrays rather than maps: a node runs tens of pods, and a
// simulated cluster runs thousands of machines, for which a map entry
// (with the map's spare slots) costs several times the 4 or 8 bytes an
// array entry does. Lookups are binary searches; an insertion or removal
// moves the entries after it, a few hundred bytes at most on a node.

// firstCap is the capacity the tables start with: a node runs tens of
// pods, which arrays doubling from one entry would copy four or five
// times over on their way there.
const firstCap = 16

// podTable is the machine's pods, sorted by UID. Invariant: at most one
// pod per UID, and a pod's UID never changes (handlePod keys by it).
type podTable []podEntry

// podEntry is a pod and the first eight bytes of its UID (see prefix8),
// which decide most comparisons of a search without a visit to the pod.
type podEntry struct {
	uid8 uint64
	p    *podState
}

// search returns the position of uid's pod, or where it would go.
func (t podTable) search(uid string) (int, bool) {
	k := prefix8(uid)
	return slices.BinarySearchFunc(t, uid, func(e podEntry, uid string) int {
		if e.uid8 != k {
			if e.uid8 < k {
				return -1
			}
			return 1
		}
		return strings.Compare(e.p.pod.UID, uid)
	})
}

// prefix8 is s's first eight bytes as a big-endian number, zeros for the
// bytes a shorter s lacks. prefix8(a) < prefix8(b) implies a < b: the
// first byte where the numbers differ is where the strings differ, or
// where the shorter one, a prefix of the other, ends.
func prefix8(s string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// get returns the pod of uid, or nil.
func (t podTable) get(uid string) *podState {
	if i, ok := t.search(uid); ok {
		return t[i].p
	}
	return nil
}

// add inserts p, whose UID is not in t.
func (t *podTable) add(p *podState) {
	i, _ := t.search(p.pod.UID)
	if *t == nil {
		*t = make(podTable, 0, firstCap)
	}
	*t = slices.Insert(*t, i, podEntry{uid8: prefix8(p.pod.UID), p: p})
}

// remove drops the pod of uid, if any.
func (t *podTable) remove(uid string) {
	if i, ok := t.search(uid); ok {
		*t = slices.Delete(*t, i, i+1)
	}
}

// rtCtr is a runtime container the machine knows of: created, running,
// exited or being removed, until the runtime says it is gone.
type rtCtr struct {
	id string
	p  *podState
	// ci is the container's index (see podState.ctr).
	ci int32
	// next is 1 + the slot of p's next runtime container (in the order
	// they were tracked), 0 for the last.
	next int32
	// removing: a RemoveContainer was emitted.
	removing bool
}

// ctrTable holds every runtime container the machine knows of, in slots
// addressed by small integers: a free slot (no ID) is reused, a pod's
// containers are linked from podState.rt in the order they were tracked,
// and byID lists the used slots sorted by ID.
//
//	slots [ 0: c1 pod A next→2 ][ 1: free ][ 2: c7 pod A next→∅ ][ 3: c4 pod B ]
//	byID  [0, 3, 2]   (c1 < c4 < c7)
//	free  [1]
type ctrTable struct {
	slots []rtCtr
	free  []int32
	byID  []int32
}

// search returns the position in byID of id's slot, or where it would go.
func (t *ctrTable) search(id string) (int, bool) {
	return slices.BinarySearchFunc(t.byID, id, func(s int32, id string) int { return strings.Compare(t.slots[s].id, id) })
}

// find returns the container id names, or nil. The pointer is valid until
// the next add.
func (t *ctrTable) find(id string) *rtCtr {
	if i, ok := t.search(id); ok {
		return &t.slots[t.byID[i]]
	}
	return nil
}

// add tracks container id, not tracked yet, as container ci of p, last of
// p's list.
func (t *ctrTable) add(p *podState, ci int, id string, removing bool) {
	var s int32
	if n := len(t.free); n > 0 {
		s, t.free = t.free[n-1], t.free[:n-1]
	} else {
		s = int32(len(t.slots))
		if t.slots == nil {
			t.slots, t.byID = make([]rtCtr, 0, firstCap), make([]int32, 0, firstCap)
		}
		t.slots = append(t.slots, rtCtr{})
	}
	t.slots[s] = rtCtr{id: id, p: p, ci: int32(ci), removing: removing}
	link := &p.rt
	for *link != 0 {
		link = &t.slots[*link-1].next
	}
	*link = s + 1
	i, _ := t.search(id)
	t.byID = slices.Insert(t.byID, i, s)
}

// remove forgets container id, if tracked.
func (t *ctrTable) remove(id string) {
	i, ok := t.search(id)
	if !ok {
		return
	}
	s := t.byID[i]
	t.byID = slices.Delete(t.byID, i, i+1)
	c := &t.slots[s]
	link := &c.p.rt
	for *link != s+1 {
		link = &t.slots[*link-1].next
	}
	*link = c.next
	*c = rtCtr{}
	if len(t.byID) == 0 { // the last one: the slots start again
		t.slots, t.free = t.slots[:0], t.free[:0]
		return
	}
	t.free = append(t.free, s)
}

// ids returns the IDs of p's runtime containers, in the order they were
// tracked.
func (t *ctrTable) ids(p *podState) []string {
	var out []string
	for s := p.rt; s != 0; s = t.slots[s-1].next {
		out = append(out, t.slots[s-1].id)
	}
	return out
}
