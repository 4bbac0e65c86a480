package control

import (
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Describe returns a stable, compact description of the machine's state:
// the objects it mirrors as the controllers see them, the scheduler's
// queues and the pending work. It leaves out what a restarted machine may
// not have (expectations, the name generator, writes in flight), so a
// machine rebuilt from a List of the store describes itself as the
// original once both are idle.
func (m *Machine) Describe() string {
	var b strings.Builder
	w := func(s ...string) {
		for _, x := range s {
			b.WriteString(x)
		}
		b.WriteByte('\n')
	}
	w("time ", m.now.String())
	var counts [numKinds]int
	other := 0
	for _, e := range m.objects {
		if e.kind == kindOther {
			other++
		}
		counts[e.kind]++
	}
	w("objects ", strconv.Itoa(len(m.objects)), " (pods ", strconv.Itoa(counts[kindPod]),
		", nodes ", strconv.Itoa(counts[kindNode]), ", other ", strconv.Itoa(other), ")")
	for _, e := range m.byKind[kindNamespace].sorted() {
		ns := e.obj.(*api.Namespace)
		if ns.DeletionTimestamp != nil {
			w("namespace ", ns.Name, " terminating, ", strconv.Itoa(m.namespaceSize(ns.Name)), " objects")
		}
	}
	for _, e := range m.byKind[kindNode].sorted() {
		n := e.obj.(*api.Node)
		w("node ", n.Name, " ", readyString(n), " taints=", taintsString(n.Spec.Taints), " pods=", strconv.Itoa(len(m.podsByNode.get(n.Name))))
	}
	for _, e := range m.byKind[kindDeployment].sorted() {
		d := e.obj.(*api.Deployment)
		st := d.Status
		w("deployment ", d.Namespace, "/", d.Name, " rev=", d.Annotations[AnnotationRevision],
			" replicas=", itoa(replicasOf(d.Spec.Replicas)), " status=", itoa(st.Replicas), "/", itoa(st.UpdatedReplicas), "/",
			itoa(st.ReadyReplicas), "/", itoa(st.AvailableReplicas), conditionsString(st.Conditions))
	}
	for _, e := range m.byKind[kindReplicaSet].sorted() {
		rs := e.obj.(*api.ReplicaSet)
		owner := "-"
		if r := controllerOf(&rs.ObjectMeta); r != nil {
			owner = r.Name
		}
		w("replicaset ", rs.Namespace, "/", rs.Name, " owner=", owner, " rev=", rs.Annotations[AnnotationRevision],
			" replicas=", itoa(replicasOf(rs.Spec.Replicas)), " status=", itoa(rs.Status.Replicas), "/",
			itoa(rs.Status.ReadyReplicas), "/", itoa(rs.Status.AvailableReplicas))
	}
	var pods []*entry
	for _, e := range m.objects {
		if e.kind == kindPod {
			pods = append(pods, e)
		}
	}
	sortEntries(pods)
	for _, e := range pods {
		w("pod ", m.describePod(e))
	}
	for _, e := range m.byKind[kindService].sorted() {
		s := e.obj.(*api.Service)
		ready, notReady := 0, 0
		if ep := m.getKind("endpoints", s.Namespace, s.Name); ep != nil {
			for _, ss := range ep.obj.(*api.Endpoints).Subsets {
				ready += len(ss.Addresses)
				notReady += len(ss.NotReadyAddresses)
			}
		}
		w("service ", s.Namespace, "/", s.Name, " ", s.Spec.ClusterIP, " endpoints=", strconv.Itoa(ready), "/", strconv.Itoa(notReady))
	}
	for _, e := range m.byKind[kindPV].sorted() {
		pv := e.obj.(*api.PersistentVolume)
		claim := "-"
		if r := pv.Spec.ClaimRef; r != nil {
			claim = r.Namespace + "/" + r.Name
		}
		w("pv ", pv.Name, " ", pv.Status.Phase, " claim=", claim)
	}
	for _, e := range m.byKind[kindPVC].sorted() {
		c := e.obj.(*api.PersistentVolumeClaim)
		w("pvc ", c.Namespace, "/", c.Name, " ", c.Status.Phase, " volume=", c.Spec.VolumeName)
	}
	var queued []string
	for q := range m.queues {
		if n := m.queues[q].len(); n > 0 {
			queued = append(queued, controllerNames[q]+"="+strconv.Itoa(n))
		}
	}
	if n := len(m.sq.active); n > 0 {
		queued = append(queued, "scheduler="+strconv.Itoa(n))
	}
	if len(queued) > 0 {
		w("queued ", strings.Join(queued, " "))
	}
	return b.String()
}

// describePod is one pod's line: node, phase, readiness, owner, and where
// the scheduler has it.
func (m *Machine) describePod(e *entry) string {
	p := e.obj.(*api.Pod)
	var b strings.Builder
	b.WriteString(p.Namespace + "/" + p.Name)
	node := p.Spec.NodeName
	if node == "" {
		node = "-"
	}
	b.WriteString(" node=" + node + " " + p.Status.Phase)
	if podReady(p) {
		b.WriteString(" ready")
	}
	if p.DeletionTimestamp != nil {
		b.WriteString(" terminating")
	}
	if r := controllerOf(&p.ObjectMeta); r != nil {
		b.WriteString(" owner=" + r.Name)
	}
	if _, ok := m.sq.unsched[e.key]; ok {
		b.WriteString(" unschedulable")
	} else if node, ok := m.sched.AssumedNodeAt(&e.sched); ok && e.assumed {
		b.WriteString(" assumed=" + node)
	}
	if c := podCondition(p, api.PodScheduled); c != nil && c.Status == api.ConditionFalse {
		b.WriteString(" (" + c.Message + ")")
	}
	return b.String()
}

func readyString(n *api.Node) string {
	if c := n.Condition(api.NodeReady); c != nil {
		return "Ready=" + c.Status
	}
	return "Ready=?"
}

func taintsString(ts []api.Taint) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		parts = append(parts, s+":"+t.Effect)
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, ",") + "]"
}

func conditionsString(cs []api.DeploymentCondition) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(" " + c.Type + "=" + c.Status + "/" + c.Reason)
	}
	return b.String()
}
