package model

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// NoOvercommit: no node holds more than it can. For every node of the
// snapshot, the pods bound to it that are not Terminated (see BoundPods;
// pods being deleted still count) request in total no more cpu, memory
// and pods than its status.allocatable says (an absent resource is 0, so a
// node without "pods" can hold none). Requests are effective requests
// (PodRequests): zero requests never overcommit cpu or memory. Pods bound
// to a node that is not in the snapshot are out of scope.
func NoOvercommit(s *Snapshot) []Violation {
	var out []Violation
	for _, n := range s.Nodes {
		alloc := NodeAllocatable(n)
		var cpu, mem, pods int64
		var names []string
		for _, p := range BoundPods(s.Pods) {
			if p.Spec.NodeName != n.Name {
				continue
			}
			r := PodRequests(&p.Spec)
			cpu += r.CPU
			mem += r.Memory
			pods++
			names = append(names, p.Namespace+"/"+p.Name)
		}
		on := strings.Join(names, ", ")
		if cpu > alloc.CPU {
			out = append(out, Violation{"NoOvercommit", "Node " + n.Name, fmt.Sprintf("pods request %dm cpu, allocatable %dm (%s)", cpu, alloc.CPU, on)})
		}
		if mem > alloc.Memory {
			out = append(out, Violation{"NoOvercommit", "Node " + n.Name, fmt.Sprintf("pods request %d bytes of memory, allocatable %d (%s)", mem, alloc.Memory, on)})
		}
		if pods > alloc.Pods {
			out = append(out, Violation{"NoOvercommit", "Node " + n.Name, fmt.Sprintf("%d pods, allocatable %d (%s)", pods, alloc.Pods, on)})
		}
	}
	return sortViolations(out)
}

// NodeNameNeverChanges: once a pod is bound its spec.nodeName never
// changes, and is never cleared, for as long as that pod exists. A pod is
// one incarnation of a key: from its Added write to its Deleted write; a
// pod created again under the same name (a new uid) may go anywhere. A
// write whose object is not a Pod (or is nil) is ignored.
func NodeNameNeverChanges(h History) []Violation {
	var out []Violation
	bound := map[string]string{} // key -> nodeName of the live incarnation, once bound
	for _, w := range h {
		key := w.KeyOf()
		p, ok := w.Object.(*api.Pod)
		if !ok || p == nil {
			continue
		}
		switch w.Type {
		case Added:
			delete(bound, key)
		case Deleted:
			if was, ok := bound[key]; ok && p.Spec.NodeName != was {
				out = append(out, Violation{"NodeNameNeverChanges", podName(p), fmt.Sprintf("deleted at revision %d with nodeName %q, bound to %q", w.Revision, p.Spec.NodeName, was)})
			}
			delete(bound, key)
			continue
		}
		was, isBound := bound[key]
		switch {
		case isBound && p.Spec.NodeName != was:
			out = append(out, Violation{"NodeNameNeverChanges", podName(p), fmt.Sprintf("nodeName changed from %q to %q at revision %d", was, p.Spec.NodeName, w.Revision)})
		case !isBound && p.Spec.NodeName != "":
			bound[key] = p.Spec.NodeName
		}
	}
	return sortViolations(out)
}

// BindingsWereFeasible: every binding was a feasible placement when it was
// written. A binding is the write that set a pod's spec.nodeName (a
// Modified write after which nodeName is set and before which it was
// empty; pods created already bound, such as static pods, were never
// scheduled and are out of scope). At that revision, in the state just
// before the write, the reference scheduler (Schedule) must find the node
// feasible for the pod given the pods bound before it and the volumes: the
// node existed, was Ready (or the pod tolerates the readiness taint: see
// EffectiveTaints), was not cordoned (or the pod tolerates that), its
// NoSchedule and NoExecute taints were tolerated, the node selector and
// required node affinity matched, resources fit, the bound volumes reach
// the node, and required pod (anti-)affinity and DoNotSchedule spread
// were satisfied.
//
// The state is the store's, not the scheduler's view of it: a scheduler
// acting on a stale mirror (a node that became NotReady between its last
// event and its write) violates this, by design.
func BindingsWereFeasible(h History) []Violation {
	var out []Violation
	state := map[string]api.Object{}
	var keys []string
	for _, w := range h {
		key := w.KeyOf()
		if key == "" {
			continue
		}
		if p, ok := w.Object.(*api.Pod); ok && p != nil && w.Type == Modified && p.Spec.NodeName != "" {
			if old, ok := state[key].(*api.Pod); ok && old != nil && old.Spec.NodeName == "" {
				if v := feasibleBinding(state, keys, p, w.Revision); v != nil {
					out = append(out, *v)
				}
			}
		}
		if _, seen := state[key]; !seen {
			keys = append(keys, key)
		}
		if w.Type == Deleted {
			state[key] = nil
		} else {
			state[key] = w.object()
		}
	}
	return sortViolations(out)
}

// feasibleBinding checks one binding of p against the state before it.
func feasibleBinding(state map[string]api.Object, keys []string, p *api.Pod, rev int64) *Violation {
	var objs []api.Object
	for _, k := range keys {
		if o := state[k]; o != nil {
			objs = append(objs, o)
		}
	}
	s := NewSnapshot(objs...)
	node := p.Spec.NodeName
	if s.node(node) == nil {
		return &Violation{"BindingsWereFeasible", podName(p), fmt.Sprintf("bound to %s at revision %d: no such node", node, rev)}
	}
	pending := api.DeepCopy(p)
	pending.Spec.NodeName = ""
	feasible, reasons, _ := Schedule(s.Nodes, s.Pods, s.PVs, s.PVCs, pending)
	if feasible[node] {
		return nil
	}
	return &Violation{"BindingsWereFeasible", podName(p), fmt.Sprintf("bound to %s at revision %d: %s", node, rev, strings.Join(reasons[node], ", "))}
}
