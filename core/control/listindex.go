package control

// listIndex groups entries under a string (a namespace, a node name)
// where each entry belongs to at most one group: the groups are slices
// and every entry keeps its position in its group (entry.at[slot]), so
// adding and removing hash only the group's name, never the entry's key.
// The index of a whole cluster's pods by namespace would otherwise be one
// string-keyed set as large as the cluster, grown and probed on every pod
// created or deleted.
//
// A group's order is that of additions and removals (a removal moves the
// last entry into the hole): callers that need an order sort (sorted).
type listIndex struct {
	slot   int
	groups map[string][]*entry
}

// The slots of entry.at, one per listIndex of the mirror.
const (
	slotNamespace = iota
	slotNode
	numListSlots
	// slotGroup is a pod's position in its podGroup.
	slotGroup = numListSlots
	numSlots  = numListSlots + 1
)

func newListIndex(slot int) listIndex {
	return listIndex{slot: slot, groups: map[string][]*entry{}}
}

// add puts e in group k. Invariant: e is in no group of x.
func (x *listIndex) add(k string, e *entry) {
	g := x.groups[k]
	e.at[x.slot] = int32(len(g))
	x.groups[k] = append(g, e)
}

// remove takes e out of group k, if it is there.
func (x *listIndex) remove(k string, e *entry) {
	g := x.groups[k]
	i := int(e.at[x.slot])
	if i >= len(g) || g[i] != e {
		return
	}
	last := len(g) - 1
	if i != last {
		g[i] = g[last]
		g[i].at[x.slot] = int32(i)
	}
	g[last] = nil
	if last == 0 {
		delete(x.groups, k)
		return
	}
	x.groups[k] = g[:last]
}

// get returns group k. The caller must not keep or modify it across a
// change to the index.
func (x *listIndex) get(k string) []*entry { return x.groups[k] }

// sorted returns a copy of group k sorted by key.
func (x *listIndex) sorted(k string) []*entry {
	out := append([]*entry(nil), x.groups[k]...)
	sortEntries(out)
	return out
}
