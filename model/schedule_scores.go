package model

import (
	"github.com/capstan-dev/capstan/core/api"
)

const maxScore = 100

// score scores the feasible nodes: each scorer's raw value per node,
// normalised to 0–100 over the feasible nodes, then the weighted total.
func (c *cluster) score(opts Options, pod *api.Pod, feasible []*api.Node) map[string]Scores {
	w := opts.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	out := map[string]Scores{}
	if len(feasible) == 0 {
		return out
	}
	taints := make([]int64, len(feasible))
	pref := make([]int64, len(feasible))
	ipa := make([]int64, len(feasible))
	var maxTaints, maxPref int64
	for i, n := range feasible {
		taints[i] = untoleratedPreferNoSchedule(pod, n)
		pref[i] = preferredNodeAffinity(pod, n)
		ipa[i] = c.interPodRaw(pod, n)
		maxTaints = max(maxTaints, taints[i])
		maxPref = max(maxPref, pref[i])
	}
	ipa = normaliseMinMax(ipa)
	spread := c.spreadScores(pod, feasible)
	for i, n := range feasible {
		s := Scores{Resources: c.resourceScore(opts.Strategy, pod, n), InterPodAffinity: ipa[i], TopologySpread: spread[i]}
		// TaintToleration: fewer untolerated PreferNoSchedule taints is
		// better, reversed against the most any feasible node has.
		s.TaintToleration = maxScore
		if maxTaints > 0 {
			s.TaintToleration = maxScore - taints[i]*maxScore/maxTaints
		}
		// NodeAffinity: matched preferred weights against the best.
		if maxPref > 0 {
			s.NodeAffinity = pref[i] * maxScore / maxPref
		}
		s.Total = w.Resources*s.Resources + w.TaintToleration*s.TaintToleration + w.NodeAffinity*s.NodeAffinity +
			w.InterPodAffinity*s.InterPodAffinity + w.TopologySpread*s.TopologySpread
		out[n.Name] = s
	}
	return out
}

// resourceScore is NodeResourcesFit's score over cpu and memory, weights
// 1:1, with the pod placed on the node. LeastAllocated and MostAllocated
// use the non-zero requests; BalancedAllocation the real ones. A resource
// the node has none of is left out of the average.
func (c *cluster) resourceScore(strategy string, pod *api.Pod, n *api.Node) int64 {
	alloc := NodeAllocatable(n)
	req := PodRequests(&pod.Spec)
	cpu, mem, nzCPU, nzMem := req.CPU, req.Memory, req.NonZeroCPU, req.NonZeroMemory
	for _, p := range c.podsOn(n.Name) {
		r := PodRequests(&p.Spec)
		cpu += r.CPU
		mem += r.Memory
		nzCPU += r.NonZeroCPU
		nzMem += r.NonZeroMemory
	}
	switch strategy {
	case MostAllocated:
		most := func(req, alloc int64) int64 {
			if alloc <= 0 {
				return 0
			}
			return min(req, alloc) * maxScore / alloc
		}
		return averageOfPresent(alloc.CPU, most(nzCPU, alloc.CPU), alloc.Memory, most(nzMem, alloc.Memory))
	case BalancedAllocation:
		// 100 × (1 − |cpu fraction − memory fraction| / 2), fractions
		// capped at 1, in parts per million.
		if alloc.CPU <= 0 || alloc.Memory <= 0 {
			return maxScore
		}
		const ppm = 1_000_000
		fc := min(cpu*ppm/alloc.CPU, ppm)
		fm := min(mem*ppm/alloc.Memory, ppm)
		d := fc - fm
		if d < 0 {
			d = -d
		}
		return (maxScore*ppm - d*maxScore/2) / ppm
	}
	least := func(req, alloc int64) int64 {
		if alloc <= 0 || req > alloc {
			return 0
		}
		return (alloc - req) * maxScore / alloc
	}
	return averageOfPresent(alloc.CPU, least(nzCPU, alloc.CPU), alloc.Memory, least(nzMem, alloc.Memory))
}

// averageOfPresent averages the scores of the resources the node has.
func averageOfPresent(allocA, a, allocB, b int64) int64 {
	switch {
	case allocA > 0 && allocB > 0:
		return (a + b) / 2
	case allocA > 0:
		return a
	case allocB > 0:
		return b
	}
	return 0
}

// untoleratedPreferNoSchedule counts the node's PreferNoSchedule taints
// that no toleration with an empty or PreferNoSchedule effect tolerates.
func untoleratedPreferNoSchedule(pod *api.Pod, n *api.Node) int64 {
	var count int64
	for _, t := range EffectiveTaints(n) {
		if t.Effect != api.TaintEffectPreferNoSchedule {
			continue
		}
		ok := false
		for _, tol := range pod.Spec.Tolerations {
			if (tol.Effect == "" || tol.Effect == api.TaintEffectPreferNoSchedule) && tol.ToleratesTaint(t) {
				ok = true
			}
		}
		if !ok {
			count++
		}
	}
	return count
}

// preferredNodeAffinity sums the weights of the preferred node affinity
// terms the node matches.
func preferredNodeAffinity(pod *api.Pod, n *api.Node) int64 {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0
	}
	var sum int64
	for _, p := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		if p.Weight != 0 && p.Preference.Matches(n.Name, n.Labels) {
			sum += int64(p.Weight)
		}
	}
	return sum
}

// interPodRaw is InterPodAffinity's raw score for node n: for each of the
// pod's preferred terms (affinity +weight, anti-affinity −weight), the
// weight times the matching pods in n's domain; plus, for each placed pod
// with a term selecting this pod whose domain n is in, the term's weight:
// its required affinity terms weigh 1 (kube's hardPodAffinityWeight), its
// preferred affinity terms +weight, its preferred anti-affinity terms
// −weight. Required anti-affinity is a filter, not a score.
func (c *cluster) interPodRaw(pod *api.Pod, n *api.Node) int64 {
	var sum int64
	count := func(t api.PodAffinityTerm, target func(p *api.Pod) bool) int64 {
		value, ok := n.Labels[t.TopologyKey]
		if !ok {
			return 0
		}
		var k int64
		for _, p := range c.pods {
			if target(p) && c.sameDomain(p, t.TopologyKey, value) {
				k++
			}
		}
		return k
	}
	// The pod's own preferred terms count the pods they select.
	for _, wt := range preferredTerms(pod) {
		t := wt.PodAffinityTerm
		sum += wt.Weight * count(t, func(p *api.Pod) bool { return termMatches(pod, t, p) })
	}
	// Placed pods' terms that select this pod count their owners.
	for _, owner := range c.pods {
		var carried []weightedTerm
		for _, t := range affinityTerms(owner) {
			carried = append(carried, weightedTerm{1, t})
		}
		carried = append(carried, preferredTerms(owner)...)
		for _, wt := range carried {
			t := wt.PodAffinityTerm
			if !termMatches(owner, t, pod) {
				continue
			}
			value, ok := n.Labels[t.TopologyKey]
			if ok && c.sameDomain(owner, t.TopologyKey, value) {
				sum += wt.Weight
			}
		}
	}
	return sum
}

// weightedTerm is a pod affinity term with its signed weight.
type weightedTerm struct {
	Weight          int64
	PodAffinityTerm api.PodAffinityTerm
}

// preferredTerms returns the pod's preferred affinity terms (+weight) then
// anti-affinity terms (−weight), leaving out those without a topology key
// or with weight 0.
func preferredTerms(p *api.Pod) []weightedTerm {
	a := p.Spec.Affinity
	if a == nil {
		return nil
	}
	var out []weightedTerm
	if a.PodAffinity != nil {
		for _, w := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				out = append(out, weightedTerm{int64(w.Weight), w.PodAffinityTerm})
			}
		}
	}
	if a.PodAntiAffinity != nil {
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.TopologyKey != "" && w.Weight != 0 {
				out = append(out, weightedTerm{-int64(w.Weight), w.PodAffinityTerm})
			}
		}
	}
	return out
}

// normaliseMinMax maps raw scores linearly onto 0–100, lowest to highest;
// all 0 when they are all equal.
func normaliseMinMax(raw []int64) []int64 {
	out := make([]int64, len(raw))
	if len(raw) == 0 {
		return out
	}
	lo, hi := raw[0], raw[0]
	for _, v := range raw {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi == lo {
		return out
	}
	for i, v := range raw {
		out[i] = (v - lo) * maxScore / (hi - lo)
	}
	return out
}

// spreadScores is PodTopologySpread's score over the ScheduleAnyway
// constraints: per node, the sum over constraints of the matching pods in
// the node's domain (counted over the nodes passing the pod's node
// affinity and having every ScheduleAnyway key; for kubernetes.io/hostname
// the matching pods on the node itself, as kube's Score counts them: the
// two differ when nodes share a hostname value) plus maxSkew − 1; fewer is
// better: 100 × (max + min − raw) / max, 100 for all when max is 0. A node
// lacking a constraint's key scores 0 and is left out of min and max. Each
// constraint weighs the same (capstan's deviation from kube's
// ln(domains+2)).
func (c *cluster) spreadScores(pod *api.Pod, feasible []*api.Node) []int64 {
	out := make([]int64, len(feasible))
	soft := spreadConstraints(pod, api.ScheduleAnyway)
	if len(soft) == 0 {
		return out
	}
	counts := make([]map[string]int64, len(soft))
	for j, tsc := range soft {
		counts[j] = c.spreadCounts(pod, tsc, soft)
	}
	raw := make([]int64, len(feasible))
	ignored := make([]bool, len(feasible))
	var lo, hi int64
	any := false
	for i, n := range feasible {
		for j, tsc := range soft {
			value, ok := n.Labels[tsc.TopologyKey]
			if !ok {
				ignored[i] = true
				break
			}
			cnt := counts[j][value]
			if tsc.TopologyKey == api.LabelHostname {
				cnt = 0
				for _, p := range c.podsOn(n.Name) {
					if spreadMatches(pod, tsc, p) {
						cnt++
					}
				}
			}
			raw[i] += cnt + int64(tsc.MaxSkew) - 1
		}
		if ignored[i] {
			continue
		}
		if !any || raw[i] < lo {
			lo = raw[i]
		}
		if !any || raw[i] > hi {
			hi = raw[i]
		}
		any = true
	}
	for i := range feasible {
		switch {
		case ignored[i]:
			out[i] = 0
		case hi == 0:
			out[i] = maxScore
		default:
			out[i] = maxScore * (hi + lo - raw[i]) / hi
		}
	}
	return out
}
