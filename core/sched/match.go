package sched

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// matchTerm selects pods by namespace and labels: one pod affinity term,
// or one topology spread constraint, resolved.
type matchTerm struct {
	allNamespaces bool     // an empty namespaceSelector: every namespace
	namespaces    []string // sorted; used unless allNamespaces
	selector      *api.LabelSelector
}

// matcher is a conjunction of terms (required pod affinity counts only
// pods matching all of the pod's terms, as kube does).
type matcher []matchTerm

func (m matcher) matches(ns string, labels map[string]string) bool {
	for i := range m {
		t := &m[i]
		if !t.allNamespaces {
			if _, ok := slices.BinarySearch(t.namespaces, ns); !ok {
				return false
			}
		}
		if !t.selector.Matches(labels) {
			return false
		}
	}
	return true
}

func (k *keyBuf) matcher(m matcher) {
	k.int(int64(len(m)))
	for _, t := range m {
		k.bool(t.allNamespaces)
		k.strs(t.namespaces)
		k.labelSelector(t.selector)
	}
}

// labelSet is the pods sharing one namespace and label map: pods of one
// template. It caches which counters count them and which carried terms
// (groups) apply to them, so adding a pod matches no selector.
type labelSet struct {
	key    string
	ns     string
	labels map[string]string
	// refs counts the accounted pods and cached shapes that use the set.
	refs int32
	// onNode counts the set's accounted pods per node slot (for
	// initialising counters made later).
	onNode map[int32]int32
	// counters are the counters whose matcher the set satisfies.
	counters []*counter
	// antiGroups are required anti-affinity terms of accounted pods that
	// select this set; scoreGroups the terms that score it.
	antiGroups  []*group
	scoreGroups []*group
}

// labelSetFor returns the set of (ns, labels), making it; the caller
// takes a reference.
func (s *Scheduler) labelSetFor(ns string, labels map[string]string) *labelSet {
	k := &s.scratch.key
	k.reset()
	k.str(ns)
	k.labelsExcept(labels, "")
	if ls, ok := s.labelSets[string(k.b)]; ok {
		ls.refs++
		return ls
	}
	ls := &labelSet{key: string(k.b), ns: ns, labels: labels, refs: 1, onNode: map[int32]int32{}}
	// Counters and groups are visited in creation order, so the lists are
	// the same whatever the map order.
	for _, c := range s.counterList {
		if c.m.matches(ns, labels) {
			ls.counters = append(ls.counters, c)
		}
	}
	for _, g := range s.groupList {
		if g.m.matches(ns, labels) {
			ls.addGroup(g)
		}
	}
	s.labelSets[ls.key] = ls
	return ls
}

// unrefLabelSet drops a reference, deleting the set at zero.
func (s *Scheduler) unrefLabelSet(ls *labelSet) {
	ls.refs--
	if ls.refs == 0 {
		delete(s.labelSets, ls.key)
	}
}

func (ls *labelSet) addGroup(g *group) {
	if g.kind == groupAnti {
		ls.antiGroups = append(ls.antiGroups, g)
	} else {
		ls.scoreGroups = append(ls.scoreGroups, g)
	}
}

// counter tallies the accounted pods matching a matcher.
type counter struct {
	tally
	key string
	m   matcher
}

// counterFor returns the counter of m, making it and counting the pods
// already accounted.
func (s *Scheduler) counterFor(m matcher) *counter {
	k := &s.scratch.key
	k.reset()
	k.matcher(m)
	if c, ok := s.counters[string(k.b)]; ok {
		return c
	}
	c := &counter{key: string(k.b), m: m}
	s.counters[c.key] = c
	s.counterList = append(s.counterList, c)
	for _, ls := range s.labelSets {
		if !m.matches(ls.ns, ls.labels) {
			continue
		}
		ls.counters = append(ls.counters, c)
		// Sums commute: the map order does not matter.
		for slot, n := range ls.onNode {
			for int(slot) >= len(c.perNode) {
				c.perNode = append(c.perNode, 0)
			}
			c.perNode[slot] += n
		}
	}
	return c
}

// group kinds: what a term carried by accounted pods does to an incoming
// pod it selects.
const (
	groupAnti  = iota // required anti-affinity: a filter
	groupScore        // preferred (anti-)affinity or required affinity: a score
)

// group tallies the accounted pods carrying one affinity term, by node,
// with one view over the term's topology key: where the term's owners are.
type group struct {
	tally
	key    string
	kind   int
	weight int64 // score per carrier in the domain (negative: anti)
	m      matcher
	view   *view
}

// groupFor returns the group of a carried term, making it.
func (s *Scheduler) groupFor(kind int, weight int64, m matcher, topoKey string) *group {
	k := &s.scratch.key
	k.reset()
	k.int(int64(kind))
	k.int(weight)
	k.str(topoKey)
	k.matcher(m)
	if g, ok := s.groups[string(k.b)]; ok {
		return g
	}
	g := &group{key: string(k.b), kind: kind, weight: weight, m: m}
	s.groups[g.key] = g
	s.groupList = append(s.groupList, g)
	g.view = s.viewFor(&g.tally, topoKey, nil)
	for _, ls := range s.labelSets {
		if m.matches(ls.ns, ls.labels) {
			ls.addGroup(g)
		}
	}
	return g
}
