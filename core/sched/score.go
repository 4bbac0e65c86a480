package sched

// Scorers, in the order of Explanation columns.
const (
	scResources = iota
	scTaint
	scNodeAffinity
	scInterPod
	scSpread
	numScorers
)

const maxNodeScore = 100

// scorerNames returns the kube plugin name of each scorer.
func (s *Scheduler) scorerNames() []string {
	res := "NodeResourcesFit(" + s.cfg.Strategy.String() + ")"
	if s.cfg.Strategy == BalancedAllocation {
		res = "NodeResourcesBalancedAllocation"
	}
	return []string{res, "TaintToleration", "NodeAffinity", "InterPodAffinity", "PodTopologySpread"}
}

// scoreNodes scores the feasible nodes gathered in scratch, each scorer
// normalised to 0–100, and returns the index of the best weighted total
// (the first visited among equals).
func (s *Scheduler) scoreNodes(q *query, ex *Explanation) int {
	sc := &s.scratch
	n := len(sc.feas)
	st := q.sh.static
	if st.prefNodeSpecific {
		for i, slot := range sc.feas {
			sc.pref[i] = preferredScore(st.preferred, s.nodes.name[slot], s.nodes.labels[slot])
		}
	}
	var maxT, maxA int64
	for i := range sc.taints {
		maxT = max(maxT, int64(sc.taints[i]))
		maxA = max(maxA, int64(sc.pref[i]))
	}
	hasIPA := len(q.sh.pref) > 0 || len(q.sh.ls.scoreGroups) > 0
	hasSpread := len(q.sh.soft) > 0
	ipa, spr := grow(&sc.scores[scInterPod], n), grow(&sc.scores[scSpread], n)
	if hasIPA {
		s.scoreInterPod(q, sc.feas, ipa)
	}
	if hasSpread {
		s.scoreSpread(q, sc.feas, spr)
	}
	w := &s.weights
	best, bestTotal := 0, int64(-1)
	for i := 0; i < n; i++ {
		t := int64(maxNodeScore) // no untolerated PreferNoSchedule taint anywhere
		if maxT > 0 {
			t = maxNodeScore - int64(sc.taints[i])*maxNodeScore/maxT
		}
		var a int64
		if maxA > 0 {
			a = int64(sc.pref[i]) * maxNodeScore / maxA
		}
		total := w[scResources]*sc.res[i] + w[scTaint]*t + w[scNodeAffinity]*a
		if hasIPA {
			total += w[scInterPod] * ipa[i]
		}
		if hasSpread {
			total += w[scSpread] * spr[i]
		}
		if total > bestTotal {
			best, bestTotal = i, total
		}
		if ex != nil {
			var ip, sp int64
			if hasIPA {
				ip = ipa[i]
			}
			if hasSpread {
				sp = spr[i]
			}
			ex.addScored(s, sc.feas[i], [numScorers]int64{sc.res[i], t, a, ip, sp}, total)
		}
	}
	return best
}

// grow returns (*xs)[:n], reallocating if needed.
func grow(xs *[]int64, n int) []int64 {
	if cap(*xs) < n {
		*xs = make([]int64, n, 2*n)
	}
	*xs = (*xs)[:n]
	return *xs
}

// resourceScore is NodeResourcesFit's score with the configured strategy
// over cpu and memory, weights 1:1, in integer arithmetic. LeastAllocated
// and MostAllocated count kube's non-zero default requests; Balanced
// counts actual requests, as kube does.
func resourceScore(strategy Strategy, h *nodeHot, r *podRequests) int64 {
	switch strategy {
	case MostAllocated:
		return average2(h.allocCPU, mostRequested(h.nzCPU+r.nzCPU, h.allocCPU), h.allocMem, mostRequested(h.nzMem+r.nzMem, h.allocMem))
	case BalancedAllocation:
		return balanced(h.reqCPU+r.cpu, h.allocCPU, h.reqMem+r.mem, h.allocMem)
	}
	return average2(h.allocCPU, leastRequested(h.nzCPU+r.nzCPU, h.allocCPU), h.allocMem, leastRequested(h.nzMem+r.nzMem, h.allocMem))
}

func leastRequested(req, alloc int64) int64 {
	if alloc <= 0 || req > alloc {
		return 0
	}
	return (alloc - req) * maxNodeScore / alloc
}

func mostRequested(req, alloc int64) int64 {
	if alloc <= 0 {
		return 0
	}
	req = min(req, alloc)
	return req * maxNodeScore / alloc
}

// average2 averages two resource scores, skipping resources the node has
// none of (kube's weightSum).
func average2(allocA, a, allocB, b int64) int64 {
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

// balanced is kube's BalancedAllocation for two resources: (1 − |fa − fb|
// / 2) × 100, with each fraction capped at 1, in parts per million.
func balanced(reqA, allocA, reqB, allocB int64) int64 {
	if allocA <= 0 || allocB <= 0 {
		return maxNodeScore // one fraction or none: deviation 0
	}
	const ppm = 1_000_000
	fa := min(reqA*ppm/allocA, ppm)
	fb := min(reqB*ppm/allocB, ppm)
	d := fa - fb
	if d < 0 {
		d = -d
	}
	return (maxNodeScore*ppm - d*maxNodeScore/2) / ppm
}

// scoreInterPod is InterPodAffinity's score: for each node, the weights of
// the pod's preferred terms times the matching pods in the node's domain,
// plus the terms of placed pods that select this pod (their preferred
// terms, and required affinity at weight 1), min-max normalised.
func (s *Scheduler) scoreInterPod(q *query, feas []int32, out []int64) {
	sh := q.sh
	groups := sh.ls.scoreGroups
	lo, hi := int64(0), int64(0)
	for i, slot := range feas {
		var sum int64
		for _, p := range sh.pref {
			if c, ok := p.v.countAt(slot); ok {
				sum += p.weight * int64(c)
			}
		}
		for _, g := range groups {
			if c, ok := g.view.countAt(slot); ok {
				sum += g.weight * int64(c)
			}
		}
		out[i] = sum
		if i == 0 || sum < lo {
			lo = sum
		}
		if i == 0 || sum > hi {
			hi = sum
		}
	}
	for i := range out {
		if hi > lo {
			out[i] = (out[i] - lo) * maxNodeScore / (hi - lo)
		} else {
			out[i] = 0
		}
	}
}

// scoreSpread is PodTopologySpread's score for ScheduleAnyway constraints:
// fewer matching pods in the node's domains is better, except that a
// constraint on kubernetes.io/hostname counts the node's own pods, as
// kube's Score does (the two differ only when nodes share a hostname
// label value). Nodes lacking a constraint's key score 0. kube weighs
// each constraint by ln(domains+2); capstan weighs them equally to stay
// in integers (identical rankings for a single constraint).
func (s *Scheduler) scoreSpread(q *query, feas []int32, out []int64) {
	soft := q.sh.soft
	sc := &s.scratch
	if cap(sc.ignored) < len(feas) {
		sc.ignored = make([]bool, len(feas))
	}
	ignored := sc.ignored[:len(feas)]
	lo, hi, any := int64(0), int64(0), false
	for i, slot := range feas {
		var sum int64
		ignored[i] = false
		for j := range soft {
			c, ok := soft[j].v.countAt(slot)
			if !ok {
				ignored[i] = true
				break
			}
			if soft[j].perNode {
				c = soft[j].v.src.at(slot)
			}
			sum += int64(c) + int64(soft[j].maxSkew) - 1
		}
		out[i] = sum
		if ignored[i] {
			continue
		}
		if !any || sum < lo {
			lo = sum
		}
		if !any || sum > hi {
			hi = sum
		}
		any = true
	}
	for i := range out {
		switch {
		case ignored[i]:
			out[i] = 0
		case hi == 0:
			out[i] = maxNodeScore
		default:
			out[i] = maxNodeScore * (hi + lo - out[i]) / hi
		}
	}
}
