package control

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// syncTaints is kube's NoExecute taint manager for one node: a pod that
// does not tolerate one of the node's NoExecute taints is deleted at once;
// one that tolerates them all for a while is deleted when the shortest
// tolerationSeconds has passed since the taint was added.
func (m *Machine) syncTaints(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindNode {
		return
	}
	n := e.obj.(*api.Node)
	var taints []api.Taint
	for _, t := range n.Spec.Taints {
		if t.Effect == api.TaintEffectNoExecute {
			taints = append(taints, t)
		}
	}
	if len(taints) == 0 {
		delete(m.nodes.noExec, n.Name)
		return
	}
	seen, ok := m.nodes.noExec[n.Name]
	if !ok {
		seen = m.now
		m.nodes.noExec[n.Name] = seen
	}
	start := api.Time(0)
	for _, t := range taints {
		added := seen
		if t.TimeAdded != nil {
			added = *t.TimeAdded
		}
		if start == 0 || added < start {
			start = added
		}
	}
	var wake api.Time
	for _, pe := range m.podsByNode.sorted(n.Name) {
		p := pe.obj.(*api.Pod)
		if p.DeletionTimestamp != nil {
			continue
		}
		d, forever := m.tolerationTime(p, taints)
		if forever {
			continue
		}
		at := start.Add(d)
		if d > 0 && at > m.now {
			if wake == 0 || at < wake {
				wake = at
			}
			continue
		}
		if m.emitDelete(qTaint, key, pe, false, "", nil, "taint eviction") {
			m.record(qTaint, p, api.EventTypeNormal, "TaintManagerEviction",
				"Marking for deletion Pod "+p.Namespace+"/"+p.Name, componentTaint)
		}
	}
	if wake != 0 {
		m.after(qTaint, key, wake)
	}
}

// tolerationTime returns how long p may stay on a node with the given
// NoExecute taints: 0 if one of them is not tolerated, the smallest
// tolerationSeconds among the tolerations used, or forever. Pods that say
// nothing about the not-ready and unreachable taints tolerate them for
// DefaultTolerationSeconds (kube's DefaultTolerationSeconds admission).
func (m *Machine) tolerationTime(p *api.Pod, taints []api.Taint) (time.Duration, bool) {
	forever := true
	var least time.Duration
	use := func(secs *int64) {
		if secs == nil {
			return
		}
		d := time.Duration(max(*secs, 0)) * time.Second
		if forever || d < least {
			least, forever = d, false
		}
	}
	for _, taint := range taints {
		tolerated := false
		for i := range p.Spec.Tolerations {
			if p.Spec.Tolerations[i].ToleratesTaint(taint) {
				tolerated = true
				use(p.Spec.Tolerations[i].TolerationSeconds)
			}
		}
		if !tolerated && m.cfg.DefaultTolerationSeconds > 0 && !mentions(p, taint.Key) &&
			(taint.Key == api.TaintNodeNotReady || taint.Key == api.TaintNodeUnreachable) {
			tolerated = true
			s := m.cfg.DefaultTolerationSeconds
			use(&s)
		}
		if !tolerated {
			return 0, false
		}
	}
	return least, forever
}

// mentions reports whether p has a toleration for NoExecute taints with
// key (what the default toleration admission checks before adding one).
func mentions(p *api.Pod, key string) bool {
	for _, t := range p.Spec.Tolerations {
		if (t.Key == key || (t.Key == "" && t.Operator == api.TolerationOpExists)) &&
			(t.Effect == "" || t.Effect == api.TaintEffectNoExecute) {
			return true
		}
	}
	return false
}

// syncPodGC is kube's pod garbage collector for one pod: a pod bound to a
// node that does not exist, or terminating without ever having been
// scheduled, is deleted at once (no kubelet will finish it).
func (m *Machine) syncPodGC(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindPod {
		return
	}
	p := e.obj.(*api.Pod)
	zero := int64(0)
	switch {
	case p.Spec.NodeName != "" && m.nodeByName[p.Spec.NodeName] == nil:
		m.emitDelete(qPodGC, key, e, false, "", &zero, "node "+p.Spec.NodeName+" is gone")
	case p.Spec.NodeName == "" && p.DeletionTimestamp != nil:
		m.emitDelete(qPodGC, key, e, false, "", &zero, "terminating unscheduled")
	}
}
