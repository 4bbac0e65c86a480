package model

import (
	"fmt"
	"strings"
)

// DeploymentsAvailable (liveness): every Deployment has its spec.replicas
// pods available, and no more active pods than that (the old ones are
// gone), unless the cluster lacks the capacity. Pods are counted as
// RollingUpdateBounds counts them: active pods controlled by the
// ReplicaSets the Deployment controls; available is Ready for
// minReadySeconds.
//
// "Lacks the capacity" is decided by the reference scheduler, not by the
// pods' conditions (which are what is being judged): a Deployment short of
// available pods is excused when it has a pending pod (active, unbound)
// that Schedule finds no feasible node for, given the snapshot's nodes,
// bound pods and volumes. A shortfall with no pending pod (nobody created
// it), or with a pending pod that some node could take, is a violation.
// A bound pod that never becomes Ready is a violation too: runs that let
// containers fail must not evaluate this. Paused Deployments and those
// being deleted are out of scope. Evaluate at the end of a run, after the
// inputs have been stable long enough.
func DeploymentsAvailable(s *Snapshot) []Violation {
	var out []Violation
	bound := BoundPods(s.Pods)
	for _, d := range s.Deployments {
		if d.Spec.Paused || d.DeletionTimestamp != nil {
			continue
		}
		replicas := replicasOf(d.Spec.Replicas)
		st := s.deploymentState(d)
		name := describeObject("Deployment", &d.ObjectMeta)
		if int64(len(st.active)) > replicas {
			out = append(out, Violation{"DeploymentsAvailable", name, fmt.Sprintf("%d active pods, want %d", len(st.active), replicas)})
		}
		if st.available >= replicas {
			continue
		}
		var pending, fits []string
		excused := false
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
				excused = true
			} else {
				fits = append(fits, p.Name+" fits "+strings.Join(nodes, ","))
			}
		}
		if excused {
			continue
		}
		msg := fmt.Sprintf("%d/%d available (%d active, %d pending)", st.available, replicas, len(st.active), len(pending))
		if len(fits) > 0 {
			msg += ": " + strings.Join(fits, "; ")
		}
		out = append(out, Violation{"DeploymentsAvailable", name, msg})
	}
	return sortViolations(out)
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
