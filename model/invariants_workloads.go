package model

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// controllerRef returns the object's controller owner reference, or nil.
func controllerRef(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if r := &m.OwnerReferences[i]; r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}

// controlledBy reports whether child's controller reference names owner
// (same namespace, kind, name, and uid when both have one).
func controlledBy(child *api.ObjectMeta, kind string, owner *api.ObjectMeta) bool {
	r := controllerRef(child)
	return r != nil && child.Namespace == owner.Namespace && r.Kind == kind && r.Name == owner.Name &&
		(r.UID == "" || owner.UID == "" || r.UID == owner.UID)
}

// replicasOf returns a replicas field, 1 when unset (the default).
func replicasOf(p *int32) int64 {
	if p == nil {
		return 1
	}
	return int64(*p)
}

// RolloutBounds returns a Deployment's maxSurge and maxUnavailable as
// numbers, as kube resolves them (ResolveFenceposts): percentages of
// spec.replicas, maxSurge rounded up and maxUnavailable down, each 25% by
// default (0 when a rollingUpdate block leaves one out); if both come to
// 0, maxUnavailable is 1.
func RolloutBounds(d *api.Deployment) (maxSurge, maxUnavailable int64) {
	desired := int(replicasOf(d.Spec.Replicas))
	ms, mu := api.FromString("25%"), api.FromString("25%")
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		ms, mu = api.FromInt(0), api.FromInt(0)
		if ru.MaxSurge != nil {
			ms = *ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			mu = *ru.MaxUnavailable
		}
	}
	s, _ := ms.ScaledValue(desired, true)
	u, _ := mu.ScaledValue(desired, false)
	if s == 0 && u == 0 {
		u = 1
	}
	return int64(s), int64(u)
}

// deploymentState is what the workload invariants count for one
// Deployment.
type deploymentState struct {
	replicaSets []*api.ReplicaSet // controlled by the Deployment
	specTotal   int64             // Σ spec.replicas of replicaSets
	active      []*api.Pod        // active pods controlled by replicaSets
	available   int64             // of active, those available
	withPods    int               // replicaSets with spec.replicas > 0 or active pods
}

func (s *Snapshot) deploymentState(d *api.Deployment) deploymentState {
	var st deploymentState
	for _, rs := range s.ReplicaSets {
		if !controlledBy(&rs.ObjectMeta, "Deployment", &d.ObjectMeta) {
			continue
		}
		st.replicaSets = append(st.replicaSets, rs)
		n := replicasOf(rs.Spec.Replicas)
		st.specTotal += n
		active := 0
		for _, p := range s.Pods {
			if podActive(p) && controlledBy(&p.ObjectMeta, "ReplicaSet", &rs.ObjectMeta) {
				st.active = append(st.active, p)
				active++
				if podAvailable(p, d.Spec.MinReadySeconds, s.Now) {
					st.available++
				}
			}
		}
		if n > 0 || active > 0 {
			st.withPods++
		}
	}
	return st
}

// RollingUpdateBounds: a Deployment rolling from one template to the next
// stays within its bounds, counted as kube's deployment controller counts
// them:
//
//   - pods, the sum of spec.replicas over the ReplicaSets the Deployment
//     controls (new and old: what the controller has asked for; pods being
//     deleted are not asked for), is at most replicas + maxSurge;
//   - available, the active pods (not Terminated, not being deleted)
//     controlled by those ReplicaSets that have been Ready for
//     minReadySeconds (see Snapshot.Now), is at least
//     replicas − maxUnavailable while a rollout is in progress (two or
//     more of its ReplicaSets asked for pods or still have active ones).
//
// maxSurge and maxUnavailable are as RolloutBounds resolves them. In scope
// are Deployments with the RollingUpdate strategy, not paused, not being
// deleted, whose status.observedGeneration has caught up with
// metadata.generation (the bounds are those of the spec the controller is
// acting on). The availability bound assumes what kube assumes: the
// rollout started from a fully available Deployment and nothing failed
// since (no crashed containers, lost nodes or evictions); evaluate it on
// fault-free runs.
func RollingUpdateBounds(s *Snapshot) []Violation {
	var out []Violation
	for _, d := range s.Deployments {
		if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType || d.Spec.Paused || d.DeletionTimestamp != nil ||
			d.Status.ObservedGeneration < d.Generation {
			continue
		}
		replicas := replicasOf(d.Spec.Replicas)
		surge, unavailable := RolloutBounds(d)
		st := s.deploymentState(d)
		name := describeObject("Deployment", &d.ObjectMeta)
		if st.specTotal > replicas+surge {
			out = append(out, Violation{"RollingUpdateBounds", name, fmt.Sprintf("ReplicaSets ask for %d pods, more than replicas %d + maxSurge %d (%s)", st.specTotal, replicas, surge, describeReplicaSets(st.replicaSets))})
		}
		if st.withPods >= 2 && st.available < replicas-unavailable {
			out = append(out, Violation{"RollingUpdateBounds", name, fmt.Sprintf("%d pods available during a rollout, fewer than replicas %d - maxUnavailable %d (%s)", st.available, replicas, unavailable, describeReplicaSets(st.replicaSets))})
		}
	}
	return sortViolations(out)
}

func describeReplicaSets(rss []*api.ReplicaSet) string {
	var parts []string
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s=%d", rs.Name, replicasOf(rs.Spec.Replicas)))
	}
	return strings.Join(parts, " ")
}

// ReplicaSetOwnsOnlyMatching: a ReplicaSet controls only pods its
// selector matches. Every pod whose controller reference names a
// ReplicaSet of the snapshot (same namespace and name, same uid when the
// reference has one) carries labels matching that ReplicaSet's selector
// (a nil selector matches nothing); and no pod has more than one
// controller reference. A reference to a ReplicaSet that is gone is the
// garbage collector's business, out of scope. A pod relabelled by a user
// breaks this until the controller releases it.
func ReplicaSetOwnsOnlyMatching(s *Snapshot) []Violation {
	var out []Violation
	for _, p := range s.Pods {
		controllers := 0
		for _, r := range p.OwnerReferences {
			if r.Controller != nil && *r.Controller {
				controllers++
			}
		}
		if controllers > 1 {
			out = append(out, Violation{"ReplicaSetOwnsOnlyMatching", podName(p), fmt.Sprintf("%d controller references", controllers)})
		}
		for _, rs := range s.ReplicaSets {
			if controlledBy(&p.ObjectMeta, "ReplicaSet", &rs.ObjectMeta) && !rs.Spec.Selector.Matches(p.Labels) {
				out = append(out, Violation{"ReplicaSetOwnsOnlyMatching", podName(p), fmt.Sprintf("controlled by ReplicaSet %s whose selector does not match labels %v", rs.Name, p.Labels)})
			}
		}
	}
	return sortViolations(out)
}
