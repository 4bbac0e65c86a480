package control

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// podGroup is the pods of one namespace whose labels are equal (the pods
// of one template, typically). Invariant: every member's labels equal
// labels; a member's position in pods is its at[slotGroup]; a group with
// no member is in no index.
type podGroup struct {
	ns     string
	labels map[string]string // the first member's
	key    string            // in mirror.podGroups
	pods   []*entry
}

// pairGroups holds the groups carrying one (namespace, key, value) label,
// and how many pods they hold together.
type pairGroups struct {
	groups map[*podGroup]struct{}
	pods   int
}

// joinGroup puts pod e, whose labels are not empty, in the group of its
// namespace and labels, making the group if there is none.
func (m *mirror) joinGroup(e *entry, p *api.Pod) {
	g := m.lastGroup
	if g == nil || g.ns != p.Namespace || !sameLabels(g.labels, p.Labels) {
		k := m.groupKeyOf(p.Namespace, p.Labels)
		g = m.podGroups[string(k)]
		if g == nil {
			g = &podGroup{ns: p.Namespace, labels: p.Labels, key: string(k)}
			m.podGroups[g.key] = g
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
		delete(m.podGroups, g.key)
		if m.lastGroup == g {
			m.lastGroup = nil
		}
	}
}

// groupKeyOf spells a namespace and labels as a key of podGroups, in a
// scratch buffer: the namespace, then each key and value sorted by key,
// each string length-prefixed.
func (m *mirror) groupKeyOf(ns string, labels map[string]string) []byte {
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
