package model

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// filter runs kube's filters on node n in kube's order and returns why n
// cannot take the pod, nil if it can. The first failing filter decides,
// except that NodeResourcesFit reports every shortfall.
func (c *cluster) filter(pod *api.Pod, vol volumes, n *api.Node) []string {
	// NodeUnschedulable: a cordoned node takes only pods that tolerate
	// node.kubernetes.io/unschedulable:NoSchedule.
	if n.Spec.Unschedulable && !tolerated(pod.Spec.Tolerations, api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintEffectNoSchedule}) {
		return []string{ReasonUnschedulable}
	}
	// TaintToleration: every NoSchedule and NoExecute taint, the
	// readiness taint included, must be tolerated.
	for _, t := range EffectiveTaints(n) {
		if (t.Effect == api.TaintEffectNoSchedule || t.Effect == api.TaintEffectNoExecute) && !tolerated(pod.Spec.Tolerations, t) {
			return []string{"node(s) had untolerated taint {" + t.Key + ": " + t.Value + "}"}
		}
	}
	// NodeAffinity: nodeSelector and required node affinity.
	if !matchesNodeAffinity(pod, n) {
		return []string{ReasonNodeAffinity}
	}
	// NodeResourcesFit: one more pod, and every requested resource.
	if why := c.resourceShortfalls(pod, n); len(why) > 0 {
		return why
	}
	// VolumeBinding: the bound volumes must exist and reach the node.
	if vol.pvMissing {
		return []string{ReasonPVNotExist}
	}
	for _, req := range vol.required {
		if !req.Matches(n.Name, n.Labels) {
			return []string{ReasonVolumeNodeAffinity}
		}
	}
	// PodTopologySpread, DoNotSchedule constraints.
	if why := c.spreadFilter(pod, n); why != "" {
		return []string{why}
	}
	// InterPodAffinity.
	if !c.podAffinityFits(pod, n) {
		return []string{ReasonPodAffinity}
	}
	if !c.podAntiAffinityFits(pod, n) {
		return []string{ReasonPodAntiAffinity}
	}
	if !c.existingAntiAffinityFits(pod, n) {
		return []string{ReasonExistingAntiAffinity}
	}
	return nil
}

// EffectiveTaints returns the taints the scheduler sees on a node: the
// readiness taint kube's node lifecycle controller would add when the
// node's Ready condition is not True (not-ready when False or missing,
// unreachable when Unknown), unless the node already has it, then the
// node's own taints.
func EffectiveTaints(n *api.Node) []api.Taint {
	var rt api.Taint
	switch c := n.Condition(api.NodeReady); {
	case c != nil && c.Status == api.ConditionTrue:
		return n.Spec.Taints
	case c != nil && c.Status == api.ConditionUnknown:
		rt = api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoSchedule}
	default:
		rt = api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoSchedule}
	}
	for _, t := range n.Spec.Taints {
		if t.Key == rt.Key && t.Effect == rt.Effect {
			return n.Spec.Taints
		}
	}
	return append([]api.Taint{rt}, n.Spec.Taints...)
}

// tolerated reports whether some toleration tolerates the taint.
func tolerated(ts []api.Toleration, t api.Taint) bool {
	for _, tol := range ts {
		if tol.ToleratesTaint(t) {
			return true
		}
	}
	return false
}

// matchesNodeAffinity reports whether the node has every nodeSelector
// label and matches the required node affinity (any one term).
func matchesNodeAffinity(pod *api.Pod, n *api.Node) bool {
	if !api.MatchesSet(pod.Spec.NodeSelector, n.Labels) {
		return false
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.Matches(n.Name, n.Labels)
	}
	return true
}

// resourceShortfalls is NodeResourcesFit's filter: the node must have room
// for one more pod and for every resource the pod requests, given the pods
// already there. A zero request always fits.
func (c *cluster) resourceShortfalls(pod *api.Pod, n *api.Node) []string {
	alloc := NodeAllocatable(n)
	req := PodRequests(&pod.Spec)
	used := Requests{Other: map[string]int64{}}
	on := c.podsOn(n.Name)
	for _, p := range on {
		r := PodRequests(&p.Spec)
		used.CPU += r.CPU
		used.Memory += r.Memory
		for name, v := range r.Other {
			used.Other[name] += v
		}
	}
	var why []string
	if int64(len(on))+1 > alloc.Pods {
		why = append(why, ReasonTooManyPods)
	}
	if req.CPU > 0 && req.CPU > alloc.CPU-used.CPU {
		why = append(why, "Insufficient cpu")
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		why = append(why, "Insufficient memory")
	}
	for _, name := range req.otherNames() {
		if req.Other[name] > alloc.Other[name]-used.Other[name] {
			why = append(why, "Insufficient "+name)
		}
	}
	return why
}

// spreadFilter is PodTopologySpread's filter over the DoNotSchedule
// constraints, in order. For each: the node must have the topology key;
// counting the matching pods in each domain over the eligible nodes (those
// passing the pod's node affinity and having every DoNotSchedule key),
// placing the pod here must not make this domain exceed the least
// populated one by more than maxSkew (the least is 0 while there are fewer
// domains than minDomains).
func (c *cluster) spreadFilter(pod *api.Pod, n *api.Node) string {
	hard := spreadConstraints(pod, api.DoNotSchedule)
	for _, tsc := range hard {
		value, ok := n.Labels[tsc.TopologyKey]
		if !ok {
			return ReasonSpreadMissingLabel
		}
		counts := c.spreadCounts(pod, tsc, hard)
		minCount := int64(0)
		first := true
		for _, cnt := range counts {
			if first || cnt < minCount {
				minCount, first = cnt, false
			}
		}
		if tsc.MinDomains != nil && int64(len(counts)) < int64(*tsc.MinDomains) {
			minCount = 0
		}
		self := int64(0)
		if spreadMatches(pod, tsc, pod) {
			self = 1
		}
		if counts[value]+self-minCount > int64(tsc.MaxSkew) {
			return ReasonSpread
		}
	}
	return ""
}

// spreadConstraints returns the pod's constraints with the given
// whenUnsatisfiable, in spec order.
func spreadConstraints(pod *api.Pod, when string) []api.TopologySpreadConstraint {
	var out []api.TopologySpreadConstraint
	for _, tsc := range pod.Spec.TopologySpreadConstraints {
		if tsc.WhenUnsatisfiable == when {
			out = append(out, tsc)
		}
	}
	return out
}

// spreadCounts counts, per domain of tsc's topology key, the pods matching
// tsc on the eligible nodes: those that pass the pod's node affinity and
// have the topology key of every constraint in group (kube counts domains
// only over such nodes). Every domain with an eligible node is present,
// with 0 if it has no matching pod.
func (c *cluster) spreadCounts(pod *api.Pod, tsc api.TopologySpreadConstraint, group []api.TopologySpreadConstraint) map[string]int64 {
	counts := map[string]int64{}
	for _, m := range c.nodes {
		if !matchesNodeAffinity(pod, m) {
			continue
		}
		eligible := true
		for _, g := range group {
			if _, ok := m.Labels[g.TopologyKey]; !ok {
				eligible = false
			}
		}
		if !eligible {
			continue
		}
		d := m.Labels[tsc.TopologyKey]
		counts[d] += 0
		for _, p := range c.podsOn(m.Name) {
			if spreadMatches(pod, tsc, p) {
				counts[d]++
			}
		}
	}
	return counts
}

// spreadMatches reports whether p counts for pod's constraint tsc: same
// namespace as pod, and labels matching the constraint's selector with
// matchLabelKeys folded in (key In [pod's value], for the keys pod has). A
// nil selector matches nothing.
func spreadMatches(pod *api.Pod, tsc api.TopologySpreadConstraint, p *api.Pod) bool {
	if p.Namespace != pod.Namespace || tsc.LabelSelector == nil || !tsc.LabelSelector.Matches(p.Labels) {
		return false
	}
	for _, key := range tsc.MatchLabelKeys {
		v, ok := pod.Labels[key]
		if !ok {
			continue
		}
		if pv, has := p.Labels[key]; !has || pv != v {
			return false
		}
	}
	return true
}

// termMatches reports whether pod p is selected by a pod affinity term
// that owner wrote: p's namespace is one of the term's (an empty
// namespaceSelector: all; no namespaces and no namespaceSelector: owner's
// own; a non-empty namespaceSelector adds none, as capstan has no
// namespace labels in the scheduler) and its labels match the term's
// selector (nil matches nothing).
func termMatches(owner *api.Pod, t api.PodAffinityTerm, p *api.Pod) bool {
	if !(t.NamespaceSelector != nil && t.NamespaceSelector.IsEmpty()) {
		nss := t.Namespaces
		if len(nss) == 0 && t.NamespaceSelector == nil {
			nss = []string{owner.Namespace}
		}
		if !slices.Contains(nss, p.Namespace) {
			return false
		}
	}
	return t.LabelSelector.Matches(p.Labels)
}

// requiredTerms returns the terms with a topology key (others are
// ignored, as kube ignores them).
func requiredTerms(ts []api.PodAffinityTerm) []api.PodAffinityTerm {
	var out []api.PodAffinityTerm
	for _, t := range ts {
		if t.TopologyKey != "" {
			out = append(out, t)
		}
	}
	return out
}

func affinityTerms(p *api.Pod) []api.PodAffinityTerm {
	if a := p.Spec.Affinity; a != nil && a.PodAffinity != nil {
		return requiredTerms(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	return nil
}

func antiAffinityTerms(p *api.Pod) []api.PodAffinityTerm {
	if a := p.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		return requiredTerms(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	return nil
}

// podAffinityFits is kube's required pod affinity: the node has every
// term's topology key, and each term's domain holds a pod matching all the
// terms; or, when no pod anywhere (on a node with a term's key) matches
// all the terms, the pod matches them itself (the first of a group that
// attracts itself).
func (c *cluster) podAffinityFits(pod *api.Pod, n *api.Node) bool {
	terms := affinityTerms(pod)
	if len(terms) == 0 {
		return true
	}
	matchesAll := func(p *api.Pod) bool {
		for _, t := range terms {
			if !termMatches(pod, t, p) {
				return false
			}
		}
		return true
	}
	exist := true
	for _, t := range terms {
		value, ok := n.Labels[t.TopologyKey]
		if !ok {
			return false
		}
		found := false
		for _, p := range c.pods {
			if matchesAll(p) && c.sameDomain(p, t.TopologyKey, value) {
				found = true
			}
		}
		if !found {
			exist = false
		}
	}
	if exist {
		return true
	}
	for _, p := range c.pods {
		m := c.byName[p.Spec.NodeName]
		if m == nil || !matchesAll(p) {
			continue
		}
		for _, t := range terms {
			if _, ok := m.Labels[t.TopologyKey]; ok {
				return false // some pod matches: the pod is not the first
			}
		}
	}
	return matchesAll(pod)
}

// podAntiAffinityFits is kube's required pod anti-affinity of the pod
// itself: for each term whose topology key the node has, no pod matching
// the term is in the node's domain.
func (c *cluster) podAntiAffinityFits(pod *api.Pod, n *api.Node) bool {
	for _, t := range antiAffinityTerms(pod) {
		value, ok := n.Labels[t.TopologyKey]
		if !ok {
			continue
		}
		for _, p := range c.pods {
			if termMatches(pod, t, p) && c.sameDomain(p, t.TopologyKey, value) {
				return false
			}
		}
	}
	return true
}

// existingAntiAffinityFits is the other direction: no pod already placed
// has a required anti-affinity term selecting the pod with the node in
// that pod's domain.
func (c *cluster) existingAntiAffinityFits(pod *api.Pod, n *api.Node) bool {
	for _, p := range c.pods {
		for _, t := range antiAffinityTerms(p) {
			value, ok := n.Labels[t.TopologyKey]
			if ok && termMatches(p, t, pod) && c.sameDomain(p, t.TopologyKey, value) {
				return false
			}
		}
	}
	return true
}
