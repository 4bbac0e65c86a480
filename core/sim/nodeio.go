package sim

import (
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// execNodeReady executes one Ready of n's machine in the order node.Ready
// prescribes: registration, runtime actions, pod statuses, final
// deletions, events, lease, node status. A write that fails (always, while
// partitioned) goes back to the machine as a WriteFailed.
func (c *Cluster) execNodeReady(n *simNode, rd *node.Ready) {
	var failed []node.WriteFailed
	if rd.Registration != nil {
		if err := c.register(n, rd.Registration); err != nil {
			failed = append(failed, node.WriteFailed{What: "node"})
		}
	}
	for _, a := range rd.Actions {
		c.act(n, a)
	}
	for _, u := range rd.StatusUpdates {
		if err := c.writePodStatus(n, u); err != nil {
			failed = append(failed, node.WriteFailed{What: "status", PodUID: u.Pod.UID})
		}
	}
	for _, d := range rd.PodDeletions {
		if err := c.deletePod(n, d); err != nil {
			failed = append(failed, node.WriteFailed{What: "delete", PodUID: d.Pod.UID})
		}
	}
	if !c.cfg.DisableEvents && !n.partitioned {
		for _, e := range rd.Events {
			c.recordNodeEvent(n, e)
		}
	}
	if rd.Lease != nil {
		if err := c.renewLease(n, rd.Lease); err != nil {
			failed = append(failed, node.WriteFailed{What: "lease"})
		}
	}
	if rd.NodeStatus != nil {
		if err := c.writeNodeStatus(n, rd.NodeStatus); err != nil {
			failed = append(failed, node.WriteFailed{What: "node"})
		}
	}
	for _, f := range failed {
		c.nodeStep(n, f)
	}
}

// errPartitioned is the error of every write of a partitioned node.
var errPartitioned = &store.Error{Code: store.BadRequest, Message: "partitioned"}

// register creates the Node, with the node's pod CIDR and taints. A Node
// that exists already (a restart) is kept.
func (c *Cluster) register(n *simNode, reg *api.Node) error {
	if n.partitioned {
		return errPartitioned
	}
	obj := *reg
	obj.Spec.PodCIDR, obj.Spec.PodCIDRs = n.cidr, []string{n.cidr}
	obj.Spec.Taints = n.taints
	c.writes++
	_, err := c.reg.Create(&obj, c.now)
	if err != nil && api.ReasonForError(err) == api.StatusReasonAlreadyExists {
		err = nil
	}
	if err == nil {
		c.logf(n.name, "register Node %s podCIDR=%s", n.name, n.cidr)
		c.activity()
	}
	return err
}

// writePodStatus writes a pod's status as the kubelet's status manager
// does: against the pod's latest version, unless it is gone or another
// pod by that name (the UID is the write's precondition: the registry
// reads the pod once, for both). The runtime's pod address is added: the
// machine has no pod network.
func (c *Cluster) writePodStatus(n *simNode, u node.StatusUpdate) error {
	if n.partitioned {
		return errPartitioned
	}
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, Status: u.Status}
	p.ObjectMeta = api.ObjectMeta{Namespace: u.Pod.Namespace, Name: u.Pod.Name, UID: u.Pod.UID}
	if p.Status.PodIP == "" {
		if ip, ips, ok := n.rt.podIP(u.Pod.UID); ok {
			p.Status.PodIP, p.Status.PodIPs = ip, ips
		}
	}
	// The node machine's status is a copy the sim owns: the store keeps it.
	if _, err := c.reg.UpdateStatusShared(p, c.now); err != nil {
		if c.podUIDChanged(u.Pod) {
			return nil // gone: nothing to report
		}
		c.writes++
		c.logf(n.name, "status %s failed: %v", u.Pod, err)
		return err
	}
	c.writes++
	c.activity()
	if c.logging() {
		c.logLine(n.name, "status "+u.Pod.String()+" "+podStatusLine(&p.Status))
	}
	return nil
}

// podStatusLine summarises a status: "Running ready ip=10.244.0.2".
func podStatusLine(s *api.PodStatus) string {
	var b strings.Builder
	b.WriteString(s.Phase)
	for _, cond := range s.Conditions {
		if cond.Type == api.PodReady && cond.Status == api.ConditionTrue {
			b.WriteString(" ready")
		}
	}
	for _, cs := range s.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" {
			b.WriteString(" " + cs.Name + ":" + w.Reason)
		}
		if t := cs.State.Terminated; t != nil {
			b.WriteString(" " + cs.Name + ":" + t.Reason)
		}
		if cs.RestartCount > 0 {
			b.WriteString(" restarts=" + strconv.Itoa(int(cs.RestartCount)))
		}
	}
	if s.PodIP != "" {
		b.WriteString(" ip=" + s.PodIP)
	}
	return b.String()
}

// deletePod is a terminated pod's final deletion (grace 0, uid
// precondition). A pod already gone is not an error.
func (c *Cluster) deletePod(n *simNode, d node.PodDeletion) error {
	if n.partitioned {
		return errPartitioned
	}
	zero := int64(0)
	c.writes++
	_, err := c.reg.Delete("pods", d.Pod.Namespace, d.Pod.Name, registry.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: store.Preconditions{UID: d.Pod.UID}}, c.now)
	switch {
	case err == nil:
		c.logf(n.name, "delete pod %s", d.Pod)
		c.activity()
	case api.ReasonForError(err) == api.StatusReasonNotFound:
		err = nil
	case api.ReasonForError(err) == api.StatusReasonConflict && c.podUIDChanged(d.Pod):
		err = nil // a new pod by that name: ours is gone
	}
	return err
}

func (c *Cluster) podUIDChanged(ref node.PodRef) bool {
	cur, err := c.st.Get(api.KeyFor("pods", ref.Namespace, ref.Name))
	return err != nil || cur.GetObjectMeta().UID != ref.UID
}

// renewLease writes the node's Lease, creating it the first time.
func (c *Cluster) renewLease(n *simNode, l *node.LeaseRenewal) error {
	if n.partitioned {
		return errPartitioned
	}
	c.writes++
	cur, err := c.st.Get(api.KeyFor("leases", l.Namespace, l.Name))
	if err != nil {
		obj := &api.Lease{TypeMeta: api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
			ObjectMeta: api.ObjectMeta{Namespace: l.Namespace, Name: l.Name}, Spec: l.Spec}
		_, err = c.reg.Create(obj, c.now)
		return err
	}
	next := *cur.(*api.Lease)
	next.Spec = l.Spec
	_, err = c.reg.Update(&next, c.now)
	return err
}

// writeNodeStatus writes the Node's status. Only a change of readiness
// counts as activity: the rest is a heartbeat.
//
// The status is given up to the store rather than copied: its conditions
// are the machine's new ones, and its capacity, allocatable and addresses
// are the machine's configuration, which neither the machine nor anyone
// else modifies (see node.Machine.Config), so every version of a Node
// shares one copy of them with its machine.
func (c *Cluster) writeNodeStatus(n *simNode, u *node.NodeStatusUpdate) error {
	if n.partitioned {
		return errPartitioned
	}
	c.writes++
	cur, err := c.st.Get(api.KeyFor("nodes", "", u.Name))
	if err != nil {
		return err
	}
	next := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, Status: u.Status}
	next.ObjectMeta = api.ObjectMeta{Name: u.Name}
	was, now := readyOf(cur.(*api.Node)), readyOf(next)
	if _, err := c.reg.UpdateStatusShared(next, c.now); err != nil {
		return err
	}
	if now != was {
		c.logf(n.name, "node status Ready=%s", now)
		c.activity()
	}
	return nil
}

func readyOf(n *api.Node) string {
	if cond := n.Condition(api.NodeReady); cond != nil {
		return cond.Status
	}
	return "Unknown"
}

// recordNodeEvent creates an api.Event for a kubelet event.
func (c *Cluster) recordNodeEvent(n *simNode, e node.Event) {
	c.evSeq++
	obj := &api.Event{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: api.ObjectMeta{Namespace: e.Pod.Namespace,
			Name: e.Pod.Name + "." + strconv.FormatUint(c.evSeq, 16)},
		InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: e.Pod.Namespace, Name: e.Pod.Name, UID: e.Pod.UID},
		Reason:         e.Reason, Message: e.Message, Type: e.Type,
		Source:         api.EventSource{Component: "kubelet", Host: n.name},
		FirstTimestamp: c.now, LastTimestamp: c.now, Count: 1,
		ReportingController: "kubelet", ReportingInstance: n.name,
	}
	c.writes++
	_, _ = c.reg.Create(obj, c.now)
}
