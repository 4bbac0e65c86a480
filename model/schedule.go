package model

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// The reference scheduler. It answers, for one pending pod, which nodes
// could take it, why the others cannot, and how each feasible node scores,
// by looking at every node and every pod every time: no sampling, no
// caches, no incremental counts. It follows kube-scheduler's default
// profile as core/sched documents it (core/sched/doc.go), deviations
// included:
//
//   - a node whose Ready condition is not True carries the taint
//     node.kubernetes.io/not-ready:NoSchedule (Unknown: unreachable), so a
//     pod tolerating it may go there;
//   - every unbound claim is an Immediate one: the pod waits, whatever the
//     node (a pod-level reason);
//   - pods being deleted still count, for resources, spread and affinity;
//     Terminated pods count for nothing;
//   - spread scores weigh every ScheduleAnyway constraint equally; there
//     are no default constraints; nodeAffinityPolicy Honor, nodeTaintsPolicy
//     Ignore;
//   - an empty namespaceSelector means every namespace; a non-empty one
//     selects none;
//   - scores are integers (BalancedAllocation in parts per million).

// Filter reasons, worded as kube-scheduler words them.
const (
	ReasonUnschedulable        = "node(s) were unschedulable"
	ReasonNodeAffinity         = "node(s) didn't match Pod's node affinity/selector"
	ReasonTooManyPods          = "Too many pods"
	ReasonVolumeNodeAffinity   = "node(s) had volume node affinity conflict"
	ReasonPVNotExist           = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	ReasonSpread               = "node(s) didn't match pod topology spread constraints"
	ReasonSpreadMissingLabel   = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonPodAffinity          = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity      = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
	ReasonUnboundPVC           = "pod has unbound immediate PersistentVolumeClaims"
)

// Strategies of the resource scorer, by their Kubernetes names.
const (
	LeastAllocated     = "LeastAllocated"
	MostAllocated      = "MostAllocated"
	BalancedAllocation = "BalancedAllocation"
)

// Weights multiply each scorer's 0–100 score in a node's total.
type Weights struct {
	Resources, TaintToleration, NodeAffinity, InterPodAffinity, TopologySpread int64
}

// DefaultWeights are kube-scheduler's default plugin weights.
func DefaultWeights() Weights {
	return Weights{Resources: 1, TaintToleration: 3, NodeAffinity: 2, InterPodAffinity: 2, TopologySpread: 2}
}

// Options choose the resource strategy and the weights; the zero Options
// is LeastAllocated with DefaultWeights.
type Options struct {
	Strategy string
	Weights  Weights
}

// Scores are one feasible node's scores, each normalised to 0–100 over the
// feasible nodes, and their weighted Total.
type Scores struct {
	Resources, TaintToleration, NodeAffinity, InterPodAffinity, TopologySpread int64
	Total                                                                      int64
}

// Schedule is ScheduleWith the zero Options.
func Schedule(nodes []*api.Node, boundPods []*api.Pod, pvs []*api.PersistentVolume, pvcs []*api.PersistentVolumeClaim, pod *api.Pod) (feasible map[string]bool, reasons map[string][]string, scores map[string]Scores) {
	return ScheduleWith(Options{}, nodes, boundPods, pvs, pvcs, pod)
}

// ScheduleWith decides, for the pending pod, every node of nodes:
// feasible[n] says whether n passes every filter; reasons[n] why not (the
// first failing filter's reason, or every resource shortfall, as kube
// reports them; a pod-level reason such as an unbound claim is given for
// every node); scores[n] the feasible nodes' scores. boundPods are the
// pods on nodes (those without spec.nodeName, Terminated ones and the pod
// itself are ignored; pods on nodes not in nodes hold nothing anyone
// sees). The best nodes are those with the highest Scores.Total; the
// choice among them is the implementation's.
func ScheduleWith(opts Options, nodes []*api.Node, boundPods []*api.Pod, pvs []*api.PersistentVolume, pvcs []*api.PersistentVolumeClaim, pod *api.Pod) (feasible map[string]bool, reasons map[string][]string, scores map[string]Scores) {
	c := newCluster(nodes, boundPods, pod)
	feasible, reasons, scores = map[string]bool{}, map[string][]string{}, map[string]Scores{}
	vol := resolveVolumes(pvs, pvcs, pod)
	var ok []*api.Node
	for _, n := range c.nodes {
		if vol.preFilter != "" {
			feasible[n.Name], reasons[n.Name] = false, []string{vol.preFilter}
			continue
		}
		why := c.filter(pod, vol, n)
		feasible[n.Name] = len(why) == 0
		if len(why) > 0 {
			reasons[n.Name] = why
		} else {
			ok = append(ok, n)
		}
	}
	for name, s := range c.score(opts, pod, ok) {
		scores[name] = s
	}
	return feasible, reasons, scores
}

// Best returns the names of the feasible nodes with the highest total, in
// name order; nil if none is feasible.
func Best(scores map[string]Scores) []string {
	var best []string
	var top int64
	for name, s := range scores {
		switch {
		case best == nil || s.Total > top:
			best, top = []string{name}, s.Total
		case s.Total == top:
			best = append(best, name)
		}
	}
	slices.Sort(best)
	return best
}

// cluster is the scheduler's view: the nodes by name and the pods that
// occupy them.
type cluster struct {
	nodes  []*api.Node // sorted by name, first of each name kept
	byName map[string]*api.Node
	// pods are the bound, non-Terminated pods other than the one being
	// scheduled, on any node (even one not in nodes: it still holds
	// resources there, but is in no topology domain).
	pods []*api.Pod
}

func newCluster(nodes []*api.Node, boundPods []*api.Pod, pod *api.Pod) *cluster {
	c := &cluster{byName: map[string]*api.Node{}}
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if _, dup := c.byName[n.Name]; dup {
			continue
		}
		c.byName[n.Name] = n
		c.nodes = append(c.nodes, n)
	}
	slices.SortFunc(c.nodes, func(a, b *api.Node) int { return strings.Compare(a.Name, b.Name) })
	for _, p := range BoundPods(boundPods) {
		if p.Namespace == pod.Namespace && p.Name == pod.Name {
			continue
		}
		c.pods = append(c.pods, p)
	}
	return c
}

// podsOn returns the pods bound to the named node.
func (c *cluster) podsOn(node string) []*api.Pod {
	var out []*api.Pod
	for _, p := range c.pods {
		if p.Spec.NodeName == node {
			out = append(out, p)
		}
	}
	return out
}

// sameDomain reports whether pod p sits on a known node that has label
// key with the given value: p is in that topology domain.
func (c *cluster) sameDomain(p *api.Pod, key, value string) bool {
	n := c.byName[p.Spec.NodeName]
	if n == nil {
		return false
	}
	v, ok := n.Labels[key]
	return ok && v == value
}

// volumes is what the pod's persistent volume claims demand.
type volumes struct {
	// preFilter is a pod-level reason: no node can take the pod.
	preFilter string
	// pvMissing: a claim is bound to a volume that does not exist.
	pvMissing bool
	// required are the bound volumes' node affinities.
	required []*api.NodeSelector
}

// resolveVolumes is VolumeBinding's PreFilter with capstan's deviation:
// a missing or deleting claim stops at once; an unbound claim makes the
// pod wait (every unbound claim is Immediate); a claim bound to a volume
// that does not exist fails every node; a bound volume's node affinity
// restricts the nodes.
func resolveVolumes(pvs []*api.PersistentVolume, pvcs []*api.PersistentVolumeClaim, pod *api.Pod) volumes {
	var v volumes
	for _, vol := range pod.Spec.Volumes {
		src := vol.PersistentVolumeClaim
		if src == nil {
			continue
		}
		claim := findPVC(pvcs, pod.Namespace, src.ClaimName)
		if claim == nil {
			v.preFilter = `persistentvolumeclaim "` + src.ClaimName + `" not found`
			return v
		}
		if claim.DeletionTimestamp != nil {
			v.preFilter = `persistentvolumeclaim "` + src.ClaimName + `" is being deleted`
			return v
		}
		if claim.Spec.VolumeName == "" {
			v.preFilter = ReasonUnboundPVC
			continue
		}
		pv := findPV(pvs, claim.Spec.VolumeName)
		if pv == nil {
			v.pvMissing = true
			continue
		}
		if pv.Spec.NodeAffinity != nil && pv.Spec.NodeAffinity.Required != nil {
			v.required = append(v.required, pv.Spec.NodeAffinity.Required)
		}
	}
	return v
}

// findPVC returns the last claim of that namespace and name (a later
// entry is a later version), or nil.
func findPVC(pvcs []*api.PersistentVolumeClaim, ns, name string) *api.PersistentVolumeClaim {
	var found *api.PersistentVolumeClaim
	for _, c := range pvcs {
		if c != nil && c.Namespace == ns && c.Name == name {
			found = c
		}
	}
	return found
}

// findPV returns the last volume of that name, or nil.
func findPV(pvs []*api.PersistentVolume, name string) *api.PersistentVolume {
	var found *api.PersistentVolume
	for _, pv := range pvs {
		if pv != nil && pv.Name == name {
			found = pv
		}
	}
	return found
}
