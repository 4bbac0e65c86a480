package control

import (
	"github.com/capstan-dev/capstan/core/api"
)

// dispatch tells the controllers that e's object changed from old to new
// (old nil: added; new nil: deleted): it feeds the scheduler and marks the
// keys whose sync may now do something different. It never writes.
func (m *Machine) dispatch(e *entry, old, new api.Object) {
	m.dispatchOwnership(e, old, new)
	switch e.kind {
	case kindPod:
		var op, np *api.Pod
		if old != nil {
			op = old.(*api.Pod)
		}
		if new != nil {
			np = new.(*api.Pod)
		}
		m.onPod(e, op, np)
	case kindNode:
		var on, nn *api.Node
		if old != nil {
			on = old.(*api.Node)
		}
		if new != nil {
			nn = new.(*api.Node)
		}
		m.onNode(e, on, nn)
	case kindReplicaSet:
		m.onReplicaSet(e, old, new)
	case kindDeployment:
		m.enqueue(qDeployment, e.key)
	case kindService:
		m.onService(e, old, new)
	case kindEndpoints:
		m.enqueue(qEndpoints, api.KeyFor("services", e.meta().Namespace, e.meta().Name))
	case kindNamespace:
		if new != nil && new.GetObjectMeta().DeletionTimestamp != nil {
			m.enqueue(qNamespace, e.key)
		}
	case kindPV:
		m.onPV(e, old, new)
	case kindPVC:
		m.onPVC(e, old, new)
	case kindLease:
		m.onLease(e, new)
	}
}

// dispatchOwnership marks the garbage collector's and the namespace
// controller's work: objects whose owners may be gone, owners being
// deleted with a finalizer, namespaces being emptied.
func (m *Machine) dispatchOwnership(e *entry, old, new api.Object) {
	if new == nil {
		om := old.GetObjectMeta()
		for d := range m.dependentsOf(om.UID) {
			m.enqueue(qGC, d.key)
		}
		for i := range om.OwnerReferences {
			if o := m.byUIDRef(&om.OwnerReferences[i], om.Namespace); o != nil && o.meta().DeletionTimestamp != nil {
				m.enqueue(qGC, o.key)
			}
		}
		if om.Namespace != "" {
			if ns := m.getKind("namespaces", "", om.Namespace); ns != nil && ns.meta().DeletionTimestamp != nil {
				m.enqueue(qNamespace, ns.key)
			}
		}
		return
	}
	nm := new.GetObjectMeta()
	if old == nil {
		// A new object whose owners are all there and not waiting for
		// their dependents gives syncGC nothing to do: it is not queued
		// (every pod a ReplicaSet creates would be). Should an owner go,
		// or start a foreground deletion, its dependents are queued then.
		if nm.DeletionTimestamp != nil || (len(nm.OwnerReferences) > 0 && !m.ownersSolid(nm)) {
			m.enqueue(qGC, e.key)
		}
		return
	}
	om := old.GetObjectMeta()
	if !sameOwnerUIDs(om.OwnerReferences, nm.OwnerReferences) {
		// An owner waiting for its dependents to let go of it may be done.
		for i := range om.OwnerReferences {
			if o := m.byUIDRef(&om.OwnerReferences[i], om.Namespace); o != nil && o.meta().DeletionTimestamp != nil {
				m.enqueue(qGC, o.key)
			}
		}
	}
	if !sameOwnerUIDs(om.OwnerReferences, nm.OwnerReferences) ||
		(nm.DeletionTimestamp != nil && (om.DeletionTimestamp == nil || len(om.Finalizers) != len(nm.Finalizers))) {
		m.enqueue(qGC, e.key)
		if nm.DeletionTimestamp != nil {
			// Foreground deletion starts: its dependents are next.
			for d := range m.dependentsOf(nm.UID) {
				m.enqueue(qGC, d.key)
			}
		}
	}
}

// onPod routes a pod change to the scheduler, its ReplicaSet, the
// services selecting it, and the node controllers.
func (m *Machine) onPod(e *entry, old, new *api.Pod) {
	m.schedOnPod(e, old, new)
	m.rsOnPod(e, old, new)
	ns := e.meta().Namespace
	if m.svcPerNS[ns] > 0 && (old == nil || new == nil || endpointsRelevant(old, new)) {
		for _, p := range [2]*api.Pod{old, new} {
			if p == nil || (p == new && old != nil && sameLabels(old.Labels, new.Labels)) {
				continue
			}
			for k, v := range p.Labels {
				for s := range m.svcBySelector[labelKey(p.Namespace, k, v)] {
					if api.MatchesSet(s.obj.(*api.Service).Spec.Selector, p.Labels) {
						m.enqueue(qEndpoints, s.key)
					}
				}
			}
		}
	}
	if new == nil {
		return
	}
	if node := new.Spec.NodeName; node != "" {
		ne := m.nodeByName[node]
		switch {
		case ne == nil:
			m.enqueue(qPodGC, e.key)
		case old == nil || old.Spec.NodeName == "":
			// Newly bound (or first seen): the node controllers judge it
			// at once.
			n := ne.obj.(*api.Node)
			if hasNoExecute(n) {
				m.enqueue(qTaint, ne.key)
			}
			if !n.IsReady() {
				m.enqueue(qNode, ne.key)
			}
		default:
			if new.DeletionTimestamp != nil && old.DeletionTimestamp == nil && hasNoExecute(ne.obj.(*api.Node)) {
				m.enqueue(qTaint, ne.key)
			}
			m.maybeRemarkPods(ne, new)
		}
	} else if new.DeletionTimestamp != nil {
		m.enqueue(qPodGC, e.key)
	}
}

// endpointsRelevant reports whether a pod update can change an Endpoints
// object.
func endpointsRelevant(old, new *api.Pod) bool {
	return old.Status.PodIP != new.Status.PodIP || podReady(old) != podReady(new) ||
		(old.DeletionTimestamp == nil) != (new.DeletionTimestamp == nil) ||
		old.Status.Phase != new.Status.Phase || old.Spec.NodeName != new.Spec.NodeName ||
		!sameLabels(old.Labels, new.Labels)
}

// onNode feeds the scheduler and marks the node controllers' work.
func (m *Machine) onNode(e *entry, old, new *api.Node) {
	if new == nil {
		m.sched.RemoveNode(old)
		m.nodes.forget(old.Name)
		for _, p := range m.podsByNode.get(old.Name) {
			m.enqueue(qPodGC, p.key)
		}
		return
	}
	m.sched.UpdateNode(new)
	if old != nil && heartbeat(old) != heartbeat(new) {
		m.heardFrom(e, new)
	}
	if old == nil || nodeSchedulingChanged(old, new) {
		m.moveAllToActive()
	}
	if old == nil || nodeHealthChanged(old, new) {
		m.enqueue(qNode, e.key)
	}
	if old == nil || !sameNoExecute(old, new) {
		if hasNoExecute(new) {
			m.enqueue(qTaint, e.key)
		}
	}
}

// heartbeat returns the node's Ready condition's last heartbeat, 0 if none.
func heartbeat(n *api.Node) api.Time {
	if c := n.Condition(api.NodeReady); c != nil {
		return c.LastHeartbeatTime
	}
	return 0
}

// nodeSchedulingChanged reports whether a node update can make an
// unschedulable pod schedulable (kube's node events that move pods back
// to the active queue); heartbeats do not.
func nodeSchedulingChanged(old, new *api.Node) bool {
	if old.Spec.Unschedulable != new.Spec.Unschedulable || old.IsReady() != new.IsReady() ||
		!sameLabels(old.Labels, new.Labels) || !sameTaints(old.Spec.Taints, new.Spec.Taints) ||
		len(old.Status.Allocatable) != len(new.Status.Allocatable) {
		return true
	}
	for k, q := range old.Status.Allocatable {
		if q2, ok := new.Status.Allocatable[k]; !ok || q.Cmp(q2) != 0 {
			return true
		}
	}
	return false
}

// nodeHealthChanged reports whether the node lifecycle controller must
// look at the node again: its conditions' statuses, taints or cordon.
func nodeHealthChanged(old, new *api.Node) bool {
	if old.Spec.Unschedulable != new.Spec.Unschedulable || !sameTaints(old.Spec.Taints, new.Spec.Taints) ||
		len(old.Status.Conditions) != len(new.Status.Conditions) {
		return true
	}
	for i := range old.Status.Conditions {
		a, b := &old.Status.Conditions[i], &new.Status.Conditions[i]
		if a.Type != b.Type || a.Status != b.Status {
			return true
		}
	}
	return false
}

func sameTaints(a, b []api.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

func hasNoExecute(n *api.Node) bool {
	for i := range n.Spec.Taints {
		if n.Spec.Taints[i].Effect == api.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

func sameNoExecute(a, b *api.Node) bool {
	var x, y []api.Taint
	for _, t := range a.Spec.Taints {
		if t.Effect == api.TaintEffectNoExecute {
			x = append(x, t)
		}
	}
	for _, t := range b.Spec.Taints {
		if t.Effect == api.TaintEffectNoExecute {
			y = append(y, t)
		}
	}
	return sameTaints(x, y)
}

// Pod helpers.

// podReady reports whether the pod's Ready condition is True.
func podReady(p *api.Pod) bool {
	c := podCondition(p, api.PodReady)
	return c != nil && c.Status == api.ConditionTrue
}

func podCondition(p *api.Pod, t string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// podFinished reports whether the pod has terminated for good.
func podFinished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// podActive is kube's IsPodActive: not finished and not being deleted.
func podActive(p *api.Pod) bool {
	return !podFinished(p) && p.DeletionTimestamp == nil
}
