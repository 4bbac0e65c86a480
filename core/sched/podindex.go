package sched

import "iter"

// podIndex finds a pod's record by namespace and name: a map of names per
// namespace, so that the map as large as the cluster is keyed by one
// string (24-byte slots, one string hashed) rather than by two.
type podIndex struct {
	byNS map[string]map[string]*PodRecord
}

func (x *podIndex) get(k podKey) *PodRecord { return x.byNS[k.ns][k.name] }

// set records r for k, replacing its record if it has one.
func (x *podIndex) set(k podKey, r *PodRecord) {
	if x.byNS == nil {
		x.byNS = map[string]map[string]*PodRecord{}
	}
	m := x.byNS[k.ns]
	if m == nil {
		m = map[string]*PodRecord{}
		x.byNS[k.ns] = m
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
	if len(m) == 0 {
		delete(x.byNS, k.ns)
	}
}

// all yields every record, in no particular order.
func (x *podIndex) all() iter.Seq[*PodRecord] {
	return func(yield func(*PodRecord) bool) {
		for _, m := range x.byNS {
			for _, r := range m {
				if !yield(r) {
					return
				}
			}
		}
	}
}
