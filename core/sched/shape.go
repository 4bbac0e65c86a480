package sched

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// podShape is a pod compiled once per template: everything the scheduler
// derives from a pod's namespace, labels, node selector, affinity,
// tolerations and spread constraints. Pods differing only in name, requests
// or volumes share a shape.
type podShape struct {
	ls     *labelSet
	static *staticShape
	// carries are the groups of the pod's own affinity terms: once the pod
	// is placed, they act on pods scheduled after it.
	carries []*group

	// The queries below are compiled on the first Schedule of the shape.
	compiled bool
	hard     []spreadQuery // DoNotSchedule constraints
	soft     []spreadQuery // ScheduleAnyway constraints
	anti     []*view       // required anti-affinity, one per term
	aff      []*view       // required affinity, one per term, one counter
	affSelf  bool          // the pod matches all its own affinity terms
	pref     []prefQuery   // preferred (anti-)affinity
}

type spreadQuery struct {
	v          *view
	maxSkew    int32
	minDomains int32
	self       int32 // 1 if the pod matches its own constraint
	// perNode: a ScheduleAnyway constraint on kubernetes.io/hostname,
	// scored by the matching pods on the node itself (kube's Score
	// special case), not in its domain, which differ only when nodes
	// share a hostname label value. Filtering always counts domains.
	perNode bool
}

type prefQuery struct {
	v      *view
	weight int64 // negative for anti-affinity
}

// maxShapes bounds the shape cache; past it the cache is dropped whole and
// rebuilt on demand (shapes are pure caches).
const maxShapes = 8192

// shapeFor returns the pod's shape, compiling it if new.
func (s *Scheduler) shapeFor(p *api.Pod) *podShape {
	k := &s.scratch.shapeKey
	k.reset()
	k.writeStaticKey(&p.Spec)
	k.str(p.Namespace)
	k.labelsExcept(p.Labels, "")
	var pa *api.PodAffinity
	var paa *api.PodAntiAffinity
	if a := p.Spec.Affinity; a != nil {
		pa, paa = a.PodAffinity, a.PodAntiAffinity
	}
	if pa != nil {
		k.b = append(k.b, 'p')
		k.podAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if paa != nil {
		k.b = append(k.b, 'q')
		k.podAffinityTerms(paa.RequiredDuringSchedulingIgnoredDuringExecution, paa.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	k.int(int64(len(p.Spec.TopologySpreadConstraints)))
	for i := range p.Spec.TopologySpreadConstraints {
		c := &p.Spec.TopologySpreadConstraints[i]
		k.int(int64(c.MaxSkew))
		k.str(c.TopologyKey)
		k.str(c.WhenUnsatisfiable)
		k.labelSelector(c.LabelSelector)
		if c.MinDomains != nil {
			k.int(int64(*c.MinDomains))
		}
		k.strs(c.MatchLabelKeys)
	}
	if sh, ok := s.shapes[string(k.b)]; ok {
		return sh
	}
	key := string(k.b)
	if len(s.shapes) >= maxShapes {
		s.dropShapes()
	}
	sh := &podShape{static: s.staticFor(&p.Spec), ls: s.labelSetFor(p.Namespace, p.Labels)}
	if pa != nil {
		for _, t := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			if t.TopologyKey != "" {
				sh.carries = append(sh.carries, s.groupFor(groupScore, hardPodAffinityWeight, termMatcher(p, &t), t.TopologyKey))
			}
		}
		for _, w := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				sh.carries = append(sh.carries, s.groupFor(groupScore, int64(w.Weight), termMatcher(p, &w.PodAffinityTerm), w.PodAffinityTerm.TopologyKey))
			}
		}
	}
	if paa != nil {
		for _, t := range paa.RequiredDuringSchedulingIgnoredDuringExecution {
			if t.TopologyKey != "" {
				sh.carries = append(sh.carries, s.groupFor(groupAnti, 0, termMatcher(p, &t), t.TopologyKey))
			}
		}
		for _, w := range paa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				sh.carries = append(sh.carries, s.groupFor(groupScore, -int64(w.Weight), termMatcher(p, &w.PodAffinityTerm), w.PodAffinityTerm.TopologyKey))
			}
		}
	}
	s.shapes[key] = sh
	return sh
}

// hardPodAffinityWeight is kube's default weight given, when scoring, to
// existing pods' required affinity terms that select the incoming pod.
const hardPodAffinityWeight = 1

// dropShapes empties the shape cache.
func (s *Scheduler) dropShapes() {
	for _, sh := range s.shapes {
		s.unrefLabelSet(sh.ls)
	}
	clear(s.shapes)
	clear(s.statics)
}

// termMatcher resolves a pod affinity term of pod p: its namespaces
// default to p's own; an empty namespaceSelector means all namespaces.
// capstan has no namespace labels yet, so a non-empty namespaceSelector
// adds no namespace.
func termMatcher(p *api.Pod, t *api.PodAffinityTerm) matcher {
	return matcher{resolveTerm(p, t)}
}

func resolveTerm(p *api.Pod, t *api.PodAffinityTerm) matchTerm {
	mt := matchTerm{selector: t.LabelSelector}
	if t.NamespaceSelector != nil && t.NamespaceSelector.IsEmpty() {
		mt.allNamespaces = true
		return mt
	}
	mt.namespaces = slices.Clone(t.Namespaces)
	if len(mt.namespaces) == 0 && t.NamespaceSelector == nil {
		mt.namespaces = []string{p.Namespace}
	}
	slices.Sort(mt.namespaces)
	mt.namespaces = slices.Compact(mt.namespaces)
	return mt
}

// compileQueries registers the counters and views the pod's own
// constraints read when it is scheduled.
func (s *Scheduler) compileQueries(sh *podShape, p *api.Pod) {
	sh.compiled = true
	var required *api.NodeSelector
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		required = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	for _, when := range [2]string{api.DoNotSchedule, api.ScheduleAnyway} {
		var keys []string
		for _, c := range p.Spec.TopologySpreadConstraints {
			if c.WhenUnsatisfiable == when && !slices.Contains(keys, c.TopologyKey) {
				keys = append(keys, c.TopologyKey)
			}
		}
		if len(keys) == 0 {
			continue
		}
		slices.Sort(keys)
		// kube counts domains over nodes that pass the pod's node
		// affinity and have every constraint's key.
		f := s.filterFor(p.Spec.NodeSelector, required, keys)
		for _, c := range p.Spec.TopologySpreadConstraints {
			if c.WhenUnsatisfiable != when {
				continue
			}
			m := matcher{{namespaces: []string{p.Namespace}, selector: spreadSelector(p, &c)}}
			q := spreadQuery{v: s.viewFor(&s.counterFor(m).tally, c.TopologyKey, f), maxSkew: c.MaxSkew}
			if c.MinDomains != nil {
				q.minDomains = *c.MinDomains
			}
			if m.matches(p.Namespace, p.Labels) {
				q.self = 1
			}
			if when == api.DoNotSchedule {
				sh.hard = append(sh.hard, q)
			} else {
				q.perNode = c.TopologyKey == api.LabelHostname
				sh.soft = append(sh.soft, q)
			}
		}
	}
	a := p.Spec.Affinity
	if a == nil {
		return
	}
	if pa := a.PodAffinity; pa != nil {
		var m matcher
		var keys []string
		for _, t := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			if t.TopologyKey != "" {
				m = append(m, resolveTerm(p, &t))
				keys = append(keys, t.TopologyKey)
			}
		}
		if len(m) > 0 {
			c := s.counterFor(m)
			for _, key := range keys {
				sh.aff = append(sh.aff, s.viewFor(&c.tally, key, nil))
			}
			sh.affSelf = m.matches(p.Namespace, p.Labels)
		}
		for _, w := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				c := s.counterFor(termMatcher(p, &w.PodAffinityTerm))
				sh.pref = append(sh.pref, prefQuery{s.viewFor(&c.tally, w.PodAffinityTerm.TopologyKey, nil), int64(w.Weight)})
			}
		}
	}
	if paa := a.PodAntiAffinity; paa != nil {
		for _, t := range paa.RequiredDuringSchedulingIgnoredDuringExecution {
			if t.TopologyKey != "" {
				c := s.counterFor(termMatcher(p, &t))
				sh.anti = append(sh.anti, s.viewFor(&c.tally, t.TopologyKey, nil))
			}
		}
		for _, w := range paa.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				c := s.counterFor(termMatcher(p, &w.PodAffinityTerm))
				sh.pref = append(sh.pref, prefQuery{s.viewFor(&c.tally, w.PodAffinityTerm.TopologyKey, nil), -int64(w.Weight)})
			}
		}
	}
}

// spreadSelector is the constraint's selector with matchLabelKeys folded
// in (key In [the pod's value]), as kube does; nil matches nothing.
func spreadSelector(p *api.Pod, c *api.TopologySpreadConstraint) *api.LabelSelector {
	if c.LabelSelector == nil || len(c.MatchLabelKeys) == 0 {
		return c.LabelSelector
	}
	sel := &api.LabelSelector{MatchLabels: c.LabelSelector.MatchLabels}
	sel.MatchExpressions = slices.Clone(c.LabelSelector.MatchExpressions)
	for _, key := range c.MatchLabelKeys {
		if v, ok := p.Labels[key]; ok {
			sel.MatchExpressions = append(sel.MatchExpressions, api.LabelSelectorRequirement{Key: key, Operator: api.LabelSelectorOpIn, Values: []string{v}})
		}
	}
	return sel
}
