package control

import (
	"iter"
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// podGroup is the pods of one namespace whose labels are equal and whose
// owner references name the same uids (the pods of one template of one
// ReplicaSet, typically): the label index and the owner index hold
// groups, so a pod costs them a slot in its group. Invariant: every
// member's labels equal labels and its owner uids owners'; a member's
// position in pods is its at[slotGroup]; a group with no member is in no
// index.
type podGroup struct {
	ns     string
	labels map[string]string    // the first member's
	owners []api.OwnerReference // the first member's
	key    string               // in mirror.podGroups
	pods   []*entry
	// owner is the object the members' controller reference named when
	// last resolved (rsKeyOf); it may have gone since.
	owner *entry
}

// pairGroups holds the groups carrying one (namespace, key, value) label,
// and how many pods they hold together.
type pairGroups struct {
	groups map[*podGroup]struct{}
	pods   int
}

// grouped reports whether a pod belongs in a group: it has labels or
// owners.
func grouped(p *api.Pod) bool { return len(p.Labels) > 0 || len(p.OwnerReferences) > 0 }

// joinGroup puts pod e, which has labels or owners, in the group of its
// namespace, labels and owners, making the group if there is none.
func (m *mirror) joinGroup(e *entry, p *api.Pod) {
	g := m.lastGroup
	if g == nil || g.ns != p.Namespace || !sameLabels(g.labels, p.Labels) || !sameOwnerUIDs(g.owners, p.OwnerReferences) {
		k := m.groupKeyOf(p.Namespace, p.Labels, p.OwnerReferences)
		g = m.podGroups[string(k)]
		if g == nil {
			g = &podGroup{ns: p.Namespace, labels: p.Labels, owners: p.OwnerReferences, key: string(k)}
			m.podGroups[g.key] = g
			gs := m.nsGroups[g.ns]
			if gs == nil {
				gs = map[*podGroup]struct{}{}
				m.nsGroups[g.ns] = gs
			}
			gs[g] = struct{}{}
			for i := range g.owners {
				uid := g.owners[i].UID
				s := m.podDeps[uid]
				if s == nil {
					s = map[*podGroup]struct{}{}
					m.podDeps[uid] = s
				}
				s[g] = struct{}{}
			}
			for lk, lv := range p.Labels {
				pk := labelKey(p.Namespace, lk, lv)
				pg := m.podLabels[pk]
				if pg == nil {
					pg = &pairGroups{groups: map[*podGroup]struct{}{}}
					m.podLabels[pk] = pg
				}
				pg.groups[g] = struct{}{}
			}
		}
		m.lastGroup = g
	}
	e.group = g
	e.at[slotGroup] = int32(len(g.pods))
	g.pods = append(g.pods, e)
	for lk, lv := range g.labels {
		m.podLabels[labelKey(g.ns, lk, lv)].pods++
	}
}

// leaveGroup takes pod e out of its group, if it is in one, and drops the
// group once empty.
func (m *mirror) leaveGroup(e *entry) {
	g := e.group
	if g == nil {
		return
	}
	e.group = nil
	i, last := int(e.at[slotGroup]), len(g.pods)-1
	if i != last {
		g.pods[i] = g.pods[last]
		g.pods[i].at[slotGroup] = int32(i)
	}
	g.pods[last] = nil
	g.pods = g.pods[:last]
	for lk, lv := range g.labels {
		pk := labelKey(g.ns, lk, lv)
		pg := m.podLabels[pk]
		pg.pods--
		if last == 0 {
			delete(pg.groups, g)
			if len(pg.groups) == 0 {
				delete(m.podLabels, pk)
			}
		}
	}
	if last == 0 {
		for i := range g.owners {
			uid := g.owners[i].UID
			if s := m.podDeps[uid]; s != nil {
				delete(s, g)
				if len(s) == 0 {
					delete(m.podDeps, uid)
				}
			}
		}
		delete(m.podGroups, g.key)
		if gs := m.nsGroups[g.ns]; gs != nil {
			delete(gs, g)
			if len(gs) == 0 {
				delete(m.nsGroups, g.ns)
			}
		}
		if m.lastGroup == g {
			m.lastGroup = nil
		}
	}
}

// groupKeyOf spells a namespace, labels and owner references as a key of
// podGroups, in a scratch buffer: the namespace, each key and value
// sorted by key, then each owner's uid, each string length-prefixed.
func (m *mirror) groupKeyOf(ns string, labels map[string]string, owners []api.OwnerReference) []byte {
	b := appendLenString(m.groupKey[:0], ns)
	keys := m.groupKeys[:0]
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendLenString(appendLenString(b, k), labels[k])
	}
	clear(keys)
	b = append(b, 0xff) // no length prefix starts so: the owners follow
	for i := range owners {
		b = appendLenString(b, owners[i].UID)
	}
	m.groupKey, m.groupKeys = b, keys[:0]
	return b
}

func appendLenString(b []byte, s string) []byte {
	n := len(s)
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), s...)
}

// dependentsOf yields the objects whose owner references name uid (the
// pods among them group by group), in no particular order. The caller
// must not change the mirror while iterating.
func (m *mirror) dependentsOf(uid string) iter.Seq[*entry] {
	return func(yield func(*entry) bool) {
		for d := range m.dependents[uid] {
			if !yield(d) {
				return
			}
		}
		for d := range m.podsOwnedBy(uid) {
			if !yield(d) {
				return
			}
		}
	}
}

// podsOwnedBy yields the pods whose owner references name uid.
func (m *mirror) podsOwnedBy(uid string) iter.Seq[*entry] {
	return func(yield func(*entry) bool) {
		for g := range m.podDeps[uid] {
			for _, d := range g.pods {
				if !yield(d) {
					return
				}
			}
		}
	}
}

// hasDependents reports whether some object's owner references name uid.
func (m *mirror) hasDependents(uid string) bool {
	return len(m.dependents[uid]) > 0 || len(m.podDeps[uid]) > 0
}

// namespaceSize returns how many objects namespace ns holds.
func (m *mirror) namespaceSize(ns string) int {
	n := len(m.byNamespace.get(ns))
	for g := range m.nsGroups[ns] {
		n += len(g.pods)
	}
	return n
}

// namespaceObjects returns the objects of namespace ns, sorted by key.
func (m *mirror) namespaceObjects(ns string) []*entry {
	out := slices.Clone(m.byNamespace.get(ns))
	for g := range m.nsGroups[ns] {
		out = append(out, g.pods...)
	}
	sortEntries(out)
	return out
}
