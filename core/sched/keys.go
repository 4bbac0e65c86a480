package sched

import (
	"slices"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// keyBuf builds canonical, unambiguous byte keys (length-prefixed strings,
// maps in key order) used to intern shapes, classes, counters and filters.
// Looking a key up with m[string(k.b)] does not allocate.
type keyBuf struct {
	b   []byte
	tmp []string
}

func (k *keyBuf) reset() { k.b = k.b[:0] }

func (k *keyBuf) str(s string) {
	k.b = strconv.AppendInt(k.b, int64(len(s)), 10)
	k.b = append(k.b, ':')
	k.b = append(k.b, s...)
}

func (k *keyBuf) int(v int64) {
	k.b = strconv.AppendInt(k.b, v, 10)
	k.b = append(k.b, ';')
}

func (k *keyBuf) bool(v bool) {
	if v {
		k.b = append(k.b, 'T')
	} else {
		k.b = append(k.b, 'F')
	}
}

func (k *keyBuf) strs(ss []string) {
	k.int(int64(len(ss)))
	for _, s := range ss {
		k.str(s)
	}
}

// labelsExcept writes a string map in key order, leaving out key skip.
func (k *keyBuf) labelsExcept(m map[string]string, skip string) {
	keys := k.tmp[:0]
	for key := range m {
		if key != skip || skip == "" {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	k.int(int64(len(keys)))
	for _, key := range keys {
		k.str(key)
		k.str(m[key])
	}
	k.tmp = keys[:0]
}

func (k *keyBuf) labelSelector(s *api.LabelSelector) {
	if s == nil {
		k.b = append(k.b, 'n')
		return
	}
	k.b = append(k.b, 's')
	k.labelsExcept(s.MatchLabels, "")
	k.int(int64(len(s.MatchExpressions)))
	for _, r := range s.MatchExpressions {
		k.str(r.Key)
		k.str(r.Operator)
		k.strs(r.Values)
	}
}

func (k *keyBuf) nodeSelectorTerm(t *api.NodeSelectorTerm) {
	for _, rs := range [2][]api.NodeSelectorRequirement{t.MatchExpressions, t.MatchFields} {
		k.int(int64(len(rs)))
		for _, r := range rs {
			k.str(r.Key)
			k.str(r.Operator)
			k.strs(r.Values)
		}
	}
}

func (k *keyBuf) nodeSelector(s *api.NodeSelector) {
	if s == nil {
		k.b = append(k.b, 'n')
		return
	}
	k.int(int64(len(s.NodeSelectorTerms)))
	for i := range s.NodeSelectorTerms {
		k.nodeSelectorTerm(&s.NodeSelectorTerms[i])
	}
}

func (k *keyBuf) podAffinityTerm(t *api.PodAffinityTerm) {
	k.labelSelector(t.LabelSelector)
	k.strs(t.Namespaces)
	k.str(t.TopologyKey)
	k.labelSelector(t.NamespaceSelector)
}

func (k *keyBuf) podAffinityTerms(req []api.PodAffinityTerm, pref []api.WeightedPodAffinityTerm) {
	k.int(int64(len(req)))
	for i := range req {
		k.podAffinityTerm(&req[i])
	}
	k.int(int64(len(pref)))
	for i := range pref {
		k.int(int64(pref[i].Weight))
		k.podAffinityTerm(&pref[i].PodAffinityTerm)
	}
}

// sortedKeys returns the keys of a resource list in order, in scratch.
func sortedKeys(sc *scratch, m api.ResourceList) []string {
	keys := sc.names[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sc.names = keys
	return keys
}
