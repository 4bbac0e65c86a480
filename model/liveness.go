package model

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// DeploymentsAvailable (liveness): every Deployment has its spec.replicas
// pods available, and no more active pods than that (the old ones are
// gone), unless the cluster lacks the capacity. Pods are counted as
// RollingUpdateBounds counts them: active pods controlled by the
// ReplicaSets the Deployment controls; available is Ready for
// minReadySeconds.
//
// "Lacks the capacity" (LacksCapacity) is decided by the reference
// scheduler, not by the pods' conditions (which are what is being judged):
// a Deployment with a pending pod (active, unbound) that Schedule finds
// no feasible node for, given the snapshot's nodes, bound pods and
// volumes, is excused both halves. Short of available pods, it is waiting
// for room; with more active pods than replicas, it is a rollout stuck
// for room, which keeps its old pods and its surge as kube's does
// (RollingUpdateBounds, a safety invariant, still bounds that surge). A
// shortfall with no pending pod (nobody created it), or whose pending
// pods some node could take, is a violation, and so is a surplus without
// such a pod. A bound pod that never becomes Ready is a violation too:
// runs that let containers fail must not evaluate this. Paused
// Deployments and those being deleted are out of scope. Evaluate at the
// end of a run, after the inputs have been stable long enough.
func DeploymentsAvailable(s *Snapshot) []Violation {
	var out []Violation
	bound := BoundPods(s.Pods)
	for _, d := range s.Deployments {
		if d.Spec.Paused || d.DeletionTimestamp != nil {
			continue
		}
		replicas := replicasOf(d.Spec.Replicas)
		st := s.deploymentState(d)
		if st.available >= replicas && int64(len(st.active)) <= replicas {
			continue
		}
		pending, fits, blocked := s.pendingPods(st, bound)
		if blocked {
			continue
		}
		name := describeObject("Deployment", &d.ObjectMeta)
		if int64(len(st.active)) > replicas {
			out = append(out, Violation{"DeploymentsAvailable", name, fmt.Sprintf("%d active pods, want %d", len(st.active), replicas)})
		}
		if st.available < replicas {
			msg := fmt.Sprintf("%d/%d available (%d active, %d pending)", st.available, replicas, len(st.active), len(pending))
			if len(fits) > 0 {
				msg += ": " + strings.Join(fits, "; ")
			}
			out = append(out, Violation{"DeploymentsAvailable", name, msg})
		}
	}
	return sortViolations(out)
}

// LacksCapacity reports whether Deployment d has a pending pod (active,
// unbound) that the reference scheduler finds no node for: what excuses
// it from DeploymentsAvailable.
func LacksCapacity(s *Snapshot, d *api.Deployment) bool {
	_, _, blocked := s.pendingPods(s.deploymentState(d), BoundPods(s.Pods))
	return blocked
}

// pendingPods returns the names of a Deployment's pending pods, for each
// one that some node could take the nodes it fits, and whether one of
// them fits no node.
func (s *Snapshot) pendingPods(st deploymentState, bound []*api.Pod) (pending, fits []string, blocked bool) {
	for _, p := range st.active {
		if p.Spec.NodeName != "" {
			continue
		}
		pending = append(pending, p.Name)
		feasible, _, _ := Schedule(s.Nodes, bound, s.PVs, s.PVCs, p)
		var nodes []string
		for _, n := range s.Nodes {
			if feasible[n.Name] {
				nodes = append(nodes, n.Name)
			}
		}
		if len(nodes) == 0 {
			blocked = true
		} else {
			fits = append(fits, p.Name+" fits "+strings.Join(nodes, ","))
		}
	}
	return pending, fits, blocked
}

// Fixpoint (liveness): once the inputs are stable, the control plane
// stops writing. h is the write log and since the revision after which
// nothing outside the control plane changed and the control plane had
// time to react (the caller's judgement: e.g. the last input's revision,
// then enough ticks for every timer); every write after since is a
// violation, except writes to objects of ignoreKinds (e.g. "Lease",
// "Event": heartbeats and reports that legitimately go on).
func Fixpoint(h History, since int64, ignoreKinds ...string) []Violation {
	var out []Violation
	for _, w := range h {
		if w.Revision <= since {
			continue
		}
		kind, object := "", w.KeyOf()
		if o := w.object(); o != nil {
			kind = o.GetTypeMeta().Kind
			object = describeObject(kind, o.GetObjectMeta())
		}
		ignored := false
		for _, k := range ignoreKinds {
			if k == kind {
				ignored = true
			}
		}
		if !ignored {
			out = append(out, Violation{"Fixpoint", object, "written at a fixpoint: " + w.Describe()})
		}
	}
	return sortViolations(out)
}
