package control

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Taints the node lifecycle controller manages besides api's.
const (
	taintMemoryPressure     = "node.kubernetes.io/memory-pressure"
	taintDiskPressure       = "node.kubernetes.io/disk-pressure"
	taintPIDPressure        = "node.kubernetes.io/pid-pressure"
	taintNetworkUnavailable = "node.kubernetes.io/network-unavailable"
	leaseNamespace          = "kube-node-lease"
)

// nodeState is the node controllers' memory beyond the mirror, all of it
// safe to lose.
type nodeState struct {
	// seen is when this machine first saw each node: a node's grace period
	// never starts earlier, so a restarted control plane gives every node
	// a full NodeMonitorGracePeriod (as kube's does).
	seen map[string]api.Time
	// noExec is when this machine first saw each node's current NoExecute
	// taints, for taints without timeAdded.
	noExec map[string]api.Time
	// checks holds each live node's lease check, by node key: the first
	// monitor check after its grace period ends if it is not heard from
	// again. Reset (later) by every renewal, so that NextTimer says when
	// a lease may really run out.
	checks timers
}

func (s *nodeState) init() {
	s.seen = map[string]api.Time{}
	s.noExec = map[string]api.Time{}
}

func (s *nodeState) forget(name string) {
	delete(s.seen, name)
	delete(s.noExec, name)
	s.checks.cancel(qNode, api.KeyFor("nodes", "", name))
}

// syncNode is kube's node lifecycle controller for one node: mark it
// Unknown when it stops renewing its Lease, keep its condition taints in
// step with its conditions, and mark its pods not ready while it is not.
//
// Kube runs it for every node every NodeMonitorPeriod (monitorNodeHealth)
// and on node events (its taint passes); here only the checks with work
// are timers: a node's lease check (nodes.checks), and the next check
// after a pod on a node that is not ready went ready again
// (maybeRemarkPods). Its own events run it at once: a node going not
// ready has its pods marked in the same breath, as kube's check does
// right after it updates the node, and so does a pod newly bound to one
// (kube's pod update handler). A pod written ready again by its agent is
// marked again only at the next check: an agent and this controller
// disagreeing about a pod write once per period, never in a loop at one
// instant (BUG-4 in docs/bugs.md).
func (m *Machine) syncNode(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindNode {
		return
	}
	n := e.obj.(*api.Node)
	if m.maybeMarkUnknown(e, n) {
		return
	}
	m.reconcileConditionTaints(e, n)
	if !n.IsReady() {
		m.markPodsNotReady(e, n)
	}
}

// lastHeard returns the last time the node was heard from: its Lease's
// renewTime, its Ready heartbeat, or when this machine first saw it.
func (m *Machine) lastHeard(n *api.Node) api.Time {
	t, ok := m.nodes.seen[n.Name]
	if !ok {
		t = m.now
		m.nodes.seen[n.Name] = t
	}
	if l := m.getKind("leases", leaseNamespace, n.Name); l != nil {
		if r := l.obj.(*api.Lease).Spec.RenewTime; r != nil {
			t = max(t, api.Time(*r))
		}
	}
	if c := n.Condition(api.NodeReady); c != nil {
		t = max(t, c.LastHeartbeatTime)
	}
	return t
}

// monitorCheck returns the first node monitor check strictly after t
// (checks run at the multiples of NodeMonitorPeriod).
func (m *Machine) monitorCheck(t api.Time) api.Time {
	p := api.Time(m.cfg.NodeMonitorPeriod)
	return (t/p + 1) * p
}

// leaseCheck returns the node's lease check: the first monitor check
// after it has not been heard from for NodeMonitorGracePeriod.
func (m *Machine) leaseCheck(n *api.Node) api.Time {
	return m.monitorCheck(m.lastHeard(n).Add(m.cfg.NodeMonitorGracePeriod))
}

// heardFrom moves the node's lease check after it renewed its Lease or
// posted a heartbeat; a check already due (the renewal came too late) is
// the node's sync now. Before the first Tick there is no time to judge
// by: the node's first sync arms it.
func (m *Machine) heardFrom(e *entry, n *api.Node) {
	if !m.started {
		return
	}
	if check := m.leaseCheck(n); check > m.now {
		m.nodes.checks.set(qNode, e.key, check)
	} else {
		m.enqueue(qNode, e.key)
	}
}

// onLease moves the lease check of the node a kube-node-lease Lease
// belongs to.
func (m *Machine) onLease(e *entry, new api.Object) {
	if new == nil || e.meta().Namespace != leaseNamespace {
		return
	}
	if ne := m.nodeByName[e.meta().Name]; ne != nil {
		m.heardFrom(ne, ne.obj.(*api.Node))
	}
}

// maybeRemarkPods asks for a monitor check of node ne at the next period
// when pod p, on it, is ready while the node is not.
func (m *Machine) maybeRemarkPods(ne *entry, p *api.Pod) {
	if !ne.obj.(*api.Node).IsReady() && podReady(p) && !podFinished(p) {
		m.after(qNode, ne.key, m.monitorCheck(m.now))
	}
}

// maybeMarkUnknown sets the node's conditions to Unknown at the first
// monitor check after it has not been heard from for
// NodeMonitorGracePeriod; until then its lease check is armed for that
// check. It reports whether it wrote.
func (m *Machine) maybeMarkUnknown(e *entry, n *api.Node) bool {
	check := m.leaseCheck(n)
	if m.now < check {
		m.nodes.checks.set(qNode, e.key, check)
		return false
	}
	conds := slices.Clone(n.Status.Conditions)
	changed := false
	for _, t := range []string{api.NodeReady, api.NodeMemoryPressure, api.NodeDiskPressure, api.NodePIDPressure} {
		i := slices.IndexFunc(conds, func(c api.NodeCondition) bool { return c.Type == t })
		switch {
		case i < 0:
			conds = append(conds, api.NodeCondition{Type: t, Status: api.ConditionUnknown,
				Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
				LastHeartbeatTime: n.CreationTimestamp, LastTransitionTime: m.now})
			changed = true
		case conds[i].Status != api.ConditionUnknown:
			conds[i].Status = api.ConditionUnknown
			conds[i].Reason = "NodeStatusUnknown"
			conds[i].Message = "Kubelet stopped posting node status."
			conds[i].LastTransitionTime = m.now
			changed = true
		}
	}
	if !changed {
		return false
	}
	c := *n
	c.Status.Conditions = conds
	if m.emitStatus(qNode, e.key, e, &c, "node status unknown") && n.IsReady() {
		m.record(qNode, n, api.EventTypeNormal, "NodeNotReady", "Node "+n.Name+" status is now: NodeNotReady", componentNode)
	}
	return true
}

// conditionTaints returns the taints the node's conditions call for, as
// kube's NoSchedule and NoExecute tainting passes do.
func conditionTaints(n *api.Node) []api.Taint {
	var out []api.Taint
	if c := n.Condition(api.NodeReady); c == nil || c.Status == api.ConditionFalse {
		if c != nil {
			out = append(out, api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoExecute})
		}
		out = append(out, api.Taint{Key: api.TaintNodeNotReady, Effect: api.TaintEffectNoSchedule})
	} else if c.Status == api.ConditionUnknown {
		out = append(out, api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoExecute},
			api.Taint{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoSchedule})
	}
	for _, x := range [...]struct{ cond, taint string }{
		{api.NodeMemoryPressure, taintMemoryPressure},
		{api.NodeDiskPressure, taintDiskPressure},
		{api.NodePIDPressure, taintPIDPressure},
		{api.NodeNetworkUnavailable, taintNetworkUnavailable},
	} {
		if c := n.Condition(x.cond); c != nil && c.Status == api.ConditionTrue {
			out = append(out, api.Taint{Key: x.taint, Effect: api.TaintEffectNoSchedule})
		}
	}
	if n.Spec.Unschedulable {
		out = append(out, api.Taint{Key: api.TaintNodeUnschedulable, Effect: api.TaintEffectNoSchedule})
	}
	return out
}

// managedTaint reports whether the node lifecycle controller owns a taint.
func managedTaint(t api.Taint) bool {
	switch t.Key {
	case api.TaintNodeNotReady, api.TaintNodeUnreachable:
		return t.Effect == api.TaintEffectNoExecute || t.Effect == api.TaintEffectNoSchedule
	case taintMemoryPressure, taintDiskPressure, taintPIDPressure, taintNetworkUnavailable, api.TaintNodeUnschedulable:
		return t.Effect == api.TaintEffectNoSchedule
	}
	return false
}

// reconcileConditionTaints writes the node's taints if its managed ones
// differ from what its conditions call for. Taints it keeps keep their
// timeAdded; new NoExecute taints get now.
func (m *Machine) reconcileConditionTaints(e *entry, n *api.Node) {
	want := conditionTaints(n)
	has := func(ts []api.Taint, t api.Taint) bool {
		return slices.ContainsFunc(ts, func(x api.Taint) bool { return x.Key == t.Key && x.Effect == t.Effect })
	}
	var next []api.Taint
	var added, removed []string
	for _, t := range n.Spec.Taints {
		if !managedTaint(t) || has(want, t) {
			next = append(next, t)
		} else {
			removed = append(removed, t.Key+":"+t.Effect)
		}
	}
	for _, t := range want {
		if has(n.Spec.Taints, t) {
			continue
		}
		if t.Effect == api.TaintEffectNoExecute {
			now := m.now
			t.TimeAdded = &now
		}
		next = append(next, t)
		added = append(added, t.Key+":"+t.Effect)
	}
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	c := *n
	c.Spec.Taints = next
	reason := ""
	if len(added) > 0 {
		reason = "taint " + strings.Join(added, ",")
	}
	if len(removed) > 0 {
		if reason != "" {
			reason += "; "
		}
		reason += "untaint " + strings.Join(removed, ",")
	}
	m.emitUpdate(qNode, e.key, e, &c, reason)
}

// markPodsNotReady sets Ready=False on the pods of a node that is not
// ready (kube's MarkPodsNotReady), so that endpoints drop them.
func (m *Machine) markPodsNotReady(e *entry, n *api.Node) {
	for _, pe := range m.podsByNode.sorted(n.Name) {
		p := pe.obj.(*api.Pod)
		c := podCondition(p, api.PodReady)
		if c == nil || c.Status != api.ConditionTrue || podFinished(p) {
			continue
		}
		nc := *c
		nc.Status, nc.LastTransitionTime = api.ConditionFalse, m.now
		np := *p
		np.Status.Conditions = setPodCondition(p.Status.Conditions, nc)
		m.emitStatus(qNode, e.key, pe, &np, "node not ready")
	}
}
