package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// nodeFilter is a compiled predicate over a node's name and labels: a
// pod's nodeSelector and required node affinity, a volume's node
// affinity, plus label keys the node must have (topology spread). Unless
// it looks at the node's name or hostname label, its answer is the same
// for every node of a class and is cached per class.
type nodeFilter struct {
	selector     map[string]string
	required     *api.NodeSelector
	keys         []string
	nodeSpecific bool
	cls          []int8 // by class: 0 not computed, 1 admits, 2 rejects
}

// filterFor interns the filter; it returns nil for the filter that admits
// every node.
func (s *Scheduler) filterFor(selector map[string]string, required *api.NodeSelector, keys []string) *nodeFilter {
	if len(selector) == 0 && required == nil && len(keys) == 0 {
		return nil
	}
	k := &s.scratch.key
	k.reset()
	k.labelsExcept(selector, "")
	k.nodeSelector(required)
	k.strs(keys)
	if f, ok := s.filters[string(k.b)]; ok {
		return f
	}
	f := &nodeFilter{selector: selector, required: required, keys: keys}
	if _, ok := selector[api.LabelHostname]; ok {
		f.nodeSpecific = true
	}
	for _, key := range keys {
		if key == api.LabelHostname {
			f.nodeSpecific = true
		}
	}
	if required != nil {
		for _, t := range required.NodeSelectorTerms {
			if termIsNodeSpecific(&t) {
				f.nodeSpecific = true
			}
		}
	}
	s.filters[string(k.b)] = f
	return f
}

// termIsNodeSpecific reports whether a node selector term looks at the
// node's name or hostname label, which node classes leave out.
func termIsNodeSpecific(t *api.NodeSelectorTerm) bool {
	if len(t.MatchFields) > 0 {
		return true
	}
	for _, r := range t.MatchExpressions {
		if r.Key == api.LabelHostname {
			return true
		}
	}
	return false
}

// eval applies the filter to one node's name and labels.
func (f *nodeFilter) eval(name string, labels map[string]string) bool {
	for k, v := range f.selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	if f.required != nil && !f.required.Matches(name, labels) {
		return false
	}
	for _, k := range f.keys {
		if _, ok := labels[k]; !ok {
			return false
		}
	}
	return true
}

// admits applies f to a live slot, through the class cache when it can.
func (s *Scheduler) admits(f *nodeFilter, slot int32) bool {
	if f == nil {
		return true
	}
	if f.nodeSpecific {
		return f.eval(s.nodes.name[slot], s.nodes.labels[slot])
	}
	c := s.nodes.hot[slot].class
	for int(c) >= len(f.cls) {
		f.cls = append(f.cls, 0)
	}
	if f.cls[c] == 0 {
		f.cls[c] = 2
		if f.eval("", s.classes[c].labels) {
			f.cls[c] = 1
		}
	}
	return f.cls[c] == 1
}

// staticShape is everything about a pod that depends only on a node's
// class: cordon, taints and tolerations, node selector and node affinity
// (required and preferred). Pods of many templates share one.
type staticShape struct {
	filter      *nodeFilter // nodeSelector + required node affinity; nil: none
	tolerations []api.Toleration
	preferred   []api.PreferredSchedulingTerm
	// prefNodeSpecific: the preferred terms look at the node's name or
	// hostname, so their score is computed per node.
	prefNodeSpecific bool
	cls              []verdict // by class
}

// verdict is a static shape's answer for one node class.
type verdict struct {
	done bool
	// perNode: the filter must be evaluated per node (hostname).
	perNode bool
	// reason is the first failing static filter, rOK if none.
	reason int32
	// taints counts untolerated PreferNoSchedule taints (TaintToleration
	// score input); pref sums matching preferred term weights.
	taints int32
	pref   int32
}

// writeStaticKey writes the part of a pod spec a static shape depends on.
func (k *keyBuf) writeStaticKey(spec *api.PodSpec) {
	k.labelsExcept(spec.NodeSelector, "")
	if spec.Affinity != nil && spec.Affinity.NodeAffinity != nil {
		na := spec.Affinity.NodeAffinity
		k.b = append(k.b, 'a')
		k.nodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution)
		k.int(int64(len(na.PreferredDuringSchedulingIgnoredDuringExecution)))
		for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			p := &na.PreferredDuringSchedulingIgnoredDuringExecution[i]
			k.int(int64(p.Weight))
			k.nodeSelectorTerm(&p.Preference)
		}
	}
	k.int(int64(len(spec.Tolerations)))
	for _, t := range spec.Tolerations {
		k.str(t.Key)
		k.str(t.Operator)
		k.str(t.Value)
		k.str(t.Effect)
	}
}

func (s *Scheduler) staticFor(spec *api.PodSpec) *staticShape {
	k := &s.scratch.key
	k.reset()
	k.writeStaticKey(spec)
	var na *api.NodeAffinity
	if spec.Affinity != nil {
		na = spec.Affinity.NodeAffinity
	}
	if st, ok := s.statics[string(k.b)]; ok {
		return st
	}
	key := string(k.b)
	st := &staticShape{tolerations: spec.Tolerations}
	var required *api.NodeSelector
	if na != nil {
		required = na.RequiredDuringSchedulingIgnoredDuringExecution
		st.preferred = na.PreferredDuringSchedulingIgnoredDuringExecution
		for i := range st.preferred {
			if termIsNodeSpecific(&st.preferred[i].Preference) {
				st.prefNodeSpecific = true
			}
		}
	}
	st.filter = s.filterFor(spec.NodeSelector, required, nil)
	s.statics[key] = st
	return st
}

// verdictOf returns the shape's verdict for class c, computing it once.
func (s *Scheduler) verdictOf(st *staticShape, c int32) verdict {
	if int(c) < len(st.cls) && st.cls[c].done {
		return st.cls[c]
	}
	for int(c) >= len(st.cls) {
		st.cls = append(st.cls, verdict{})
	}
	cl := s.classes[c]
	v := verdict{done: true}
	// The filters in kube's order: NodeUnschedulable, TaintToleration,
	// NodeAffinity.
	if cl.unschedulable && !tolerates(st.tolerations, api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintEffectNoSchedule}) {
		v.reason = rUnschedulable
	}
	if v.reason == rOK {
		for _, t := range cl.taints {
			if t.Effect != api.TaintEffectNoSchedule && t.Effect != api.TaintEffectNoExecute {
				continue
			}
			if !tolerates(st.tolerations, t) {
				v.reason = s.reasons.intern(FilterTaintToleration, "node(s) had untolerated taint {"+t.Key+": "+t.Value+"}")
				break
			}
		}
	}
	if v.reason == rOK && st.filter != nil {
		if st.filter.nodeSpecific {
			v.perNode = true
		} else if !st.filter.eval("", cl.labels) {
			v.reason = rNodeAffinity
		}
	}
	for _, t := range cl.taints {
		if t.Effect == api.TaintEffectPreferNoSchedule && !toleratesPreferNoSchedule(st.tolerations, t) {
			v.taints++
		}
	}
	if !st.prefNodeSpecific {
		v.pref = preferredScore(st.preferred, "", cl.labels)
	}
	st.cls[c] = v
	return v
}

func tolerates(ts []api.Toleration, t api.Taint) bool {
	for i := range ts {
		if ts[i].ToleratesTaint(t) {
			return true
		}
	}
	return false
}

// toleratesPreferNoSchedule considers only tolerations whose effect is
// empty or PreferNoSchedule, as kube's TaintToleration score does.
func toleratesPreferNoSchedule(ts []api.Toleration, t api.Taint) bool {
	for i := range ts {
		e := ts[i].Effect
		if (e == "" || e == api.TaintEffectPreferNoSchedule) && ts[i].ToleratesTaint(t) {
			return true
		}
	}
	return false
}

// preferredScore sums the weights of the preferred terms a node matches.
func preferredScore(pref []api.PreferredSchedulingTerm, name string, labels map[string]string) int32 {
	var sum int32
	for i := range pref {
		if pref[i].Weight != 0 && pref[i].Preference.Matches(name, labels) {
			sum += pref[i].Weight
		}
	}
	return sum
}
