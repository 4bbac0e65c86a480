package node

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// nodeState is the machine's view of its Node and Lease.
type nodeState struct {
	// leaseAt: when the last Lease renewal was emitted (leaseSent).
	leaseAt api.Time
	// statusAt: when the last node status was emitted (statusSent).
	statusAt api.Time
	// The Ready condition last reported (readyKnown, ready), since when;
	// pressure conditions are reported since since.
	readyMsg          string
	readySince, since api.Time
	// redelete holds PodDeletions to emit again (WriteFailed "delete").
	redelete []PodRef
	// api is the Node as the API server last had it (NodeUpdated);
	// apiCheck: it changed since the last Tick, which compares it with
	// what the machine would post.
	api *api.Node

	// The flags last, together: no padding between them.

	// registerSent: the Registration was emitted; leaseSent, statusSent:
	// a Lease renewal, a node status was (at leaseAt, statusAt).
	registerSent, leaseSent, statusSent bool
	readyKnown, ready                   bool
	apiCheck                            bool
}

// handleNodeUpdated records the API's Node; the next Tick compares it.
func (m *Machine) handleNodeUpdated(n *api.Node) {
	if n.Name != m.cfg.NodeName {
		return
	}
	m.node.api, m.node.apiCheck = n, true
}

// apiStale reports whether the API's Node, as last received, differs from
// the status the machine would post in the conditions it owns (type,
// status, reason, message; not the times): the kubelet then posts at once
// rather than on its next report.
func (m *Machine) apiStale(want *api.NodeStatus) bool {
	have := m.node.api
	if have == nil {
		return false
	}
	for i := range want.Conditions {
		w := &want.Conditions[i]
		h := have.Condition(w.Type)
		if h == nil || h.Status != w.Status || h.Reason != w.Reason || h.Message != w.Message {
			return true
		}
	}
	return false
}

// tickNode does the node's periodic work: registration, Lease renewal
// every LeaseRenewInterval, node status on change, every
// NodeStatusInterval or when the API's Node differs from it (NodeUpdated),
// and retries of failed writes and orphan cleanup.
func (m *Machine) tickNode() {
	n := &m.node
	now := m.now
	if !n.registerSent {
		if n.since == 0 {
			n.since = now
		}
		n.registerSent = true
		m.out.Registration = m.registration()
	}
	if !n.leaseSent || now >= n.leaseAt+api.Time(m.cfg.LeaseRenewInterval) {
		n.leaseSent, n.leaseAt = true, now
		holder := m.cfg.NodeName
		secs := int32(m.cfg.LeaseDuration.Seconds())
		renew := api.MicroTime(now)
		m.out.Lease = &LeaseRenewal{Namespace: m.cfg.LeaseNamespace, Name: m.cfg.NodeName,
			Spec: api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renew}}
	}
	ready, msg := m.runtimeHealthy, "kubelet is posting ready status"
	if !ready {
		msg = "container runtime is down"
		if m.runtimeMessage != "" {
			msg += ": " + m.runtimeMessage
		}
	}
	changed := !n.readyKnown || ready != n.ready || msg != n.readyMsg
	if !n.readyKnown || ready != n.ready {
		n.readySince = now
	}
	n.readyKnown, n.ready, n.readyMsg = true, ready, msg
	check := n.apiCheck
	n.apiCheck = false
	if !n.statusSent || changed || now >= n.statusAt+api.Time(m.cfg.NodeStatusInterval) {
		n.statusSent, n.statusAt = true, now
		m.out.NodeStatus = &NodeStatusUpdate{Name: m.cfg.NodeName, Status: m.nodeStatus()}
	} else if check {
		if st := m.nodeStatus(); m.apiStale(&st) {
			n.statusAt = now
			m.out.NodeStatus = &NodeStatusUpdate{Name: m.cfg.NodeName, Status: st}
		}
	}
	for _, ref := range n.redelete {
		m.out.PodDeletions = append(m.out.PodDeletions, PodDeletion{Pod: ref})
	}
	n.redelete = nil
	m.retryOrphans()
}

func (m *Machine) registration() *api.Node {
	labels := make(map[string]string, len(m.cfg.Labels)+1)
	for k, v := range m.cfg.Labels {
		labels[k] = v
	}
	if _, ok := labels["kubernetes.io/hostname"]; !ok {
		labels["kubernetes.io/hostname"] = m.cfg.NodeName
	}
	return &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: m.cfg.NodeName, Labels: labels},
		Status: api.NodeStatus{Capacity: m.cfg.Capacity, Allocatable: m.cfg.Allocatable,
			Addresses: m.cfg.Addresses, NodeInfo: m.cfg.NodeInfo},
	}
}

// nodeStatus renders the node's status with the kubelet's conditions.
func (m *Machine) nodeStatus() api.NodeStatus {
	n := &m.node
	cond := func(typ, status, reason, msg string, since api.Time) api.NodeCondition {
		return api.NodeCondition{Type: typ, Status: status, Reason: reason, Message: msg,
			LastHeartbeatTime: m.now, LastTransitionTime: since}
	}
	ready := cond(api.NodeReady, api.ConditionTrue, "KubeletReady", n.readyMsg, n.readySince)
	if !n.ready {
		ready.Status, ready.Reason = api.ConditionFalse, "KubeletNotReady"
	}
	return api.NodeStatus{
		Capacity:    m.cfg.Capacity,
		Allocatable: m.cfg.Allocatable,
		Conditions: []api.NodeCondition{
			cond(api.NodeMemoryPressure, api.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available", n.since),
			cond(api.NodeDiskPressure, api.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", n.since),
			cond(api.NodePIDPressure, api.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available", n.since),
			ready,
		},
		Addresses: m.cfg.Addresses,
		NodeInfo:  m.cfg.NodeInfo,
	}
}

// sortedPods returns the machine's pods in key order.
func (m *Machine) sortedPods() []*podState {
	out := make([]*podState, 0, len(m.pods))
	for _, e := range m.pods {
		out = append(out, e.p)
	}
	slices.SortFunc(out, func(a, b *podState) int { return comparePods(a.pod, b.pod) })
	return out
}
