package sched

import "iter"

// podIndex finds a pod's record by namespace and name: a map of names per
// namespace, so that the map as large as the cluster is keyed by one
// string (24-byte slots, one string hashed) rather than by two.
type podIndex struct {
	byNS map[string]map[string]*podRecord
	n    int
}

func (x *podIndex) get(k podKey) *podRecord { return x.byNS[k.ns][k.name] }

// set records r for k, replacing its record if it has one.
func (x *podIndex) set(k podKey, r *podRecord) {
	if x.byNS == nil {
		x.byNS = map[string]map[string]*podRecord{}
	}
	m := x.byNS[k.ns]
	if m == nil {
		m = map[string]*podRecord{}
		x.byNS[k.ns] = m
	}
	if _, ok := m[k.name]; !ok {
		x.n++
	}
	m[k.name] = r
}

// del forgets k's record, if any.
func (x *podIndex) del(k podKey) {
	m := x.byNS[k.ns]
	if _, ok := m[k.name]; !ok {
		return
	}
	delete(m, k.name)
	x.n--
	if len(m) == 0 {
		delete(x.byNS, k.ns)
	}
}

func (x *podIndex) len() int { return x.n }

// all yields every record, in no particular order.
func (x *podIndex) all() iter.Seq[*podRecord] {
	return func(yield func(*podRecord) bool) {
		for _, m := range x.byNS {
			for _, r := range m {
				if !yield(r) {
					return
				}
			}
		}
	}
}
