package simtest

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// checkBinding judges one binding (the write that set a pod's nodeName)
// with BindingsWereFeasible against the store's state just before it: the
// mirror, which the write has not reached yet.
//
// A binding that fails is excused in two cases only, both on seeds with
// faults, both because the scheduler's view of the target node may lag
// the store (the model's caveat), and never for anything but the node:
//
//   - same-instant node lifecycle: the node's last version before the
//     binding is the control plane's own "Ready=Unknown" write, polled at
//     the same grid point, and the binding is feasible on the version
//     before it. The node lifecycle controller and the scheduler run in
//     one Ready batch (node-lifecycle first), so the scheduler decides on
//     a mirror that has not seen that write yet: in kube they are two
//     processes and race the same way. Stale by exactly one event.
//   - delayed watch: while the control plane's watch is delayed by D
//     (delay-watch, or events still held from it), the binding is
//     feasible on some version of the node that was current within D
//     (plus one grid step, the precision of the write times) before it.
//
// Pods, volumes and claims are never taken stale: every binding is the
// scheduler's own (it assumes them), and a stale view of anything else
// only holds more back. Calm seeds get no excuse at all.
func (ck *checker) checkBinding(w model.Write, old *api.Pod) {
	ck.fig.Binds++
	if scheduledFalse(old) {
		ck.cov.hit(CovUnschedulableThenBound)
	}
	h := make(model.History, 0, 64)
	for key, o := range ck.objs {
		switch resourceOf(key) {
		case "nodes", "pods", "persistentvolumes", "persistentvolumeclaims":
			h = append(h, model.Write{Type: model.Added, Key: key, Object: o})
		}
	}
	h = append(h, w)
	ck.eval("BindingsWereFeasible")
	vs := model.BindingsWereFeasible(h)
	if len(vs) == 0 {
		return
	}
	if why := ck.staleViewExcuse(w.Object.(*api.Pod)); why != "" {
		ck.cov.hit(why)
		return
	}
	ck.violate("safety", vs)
}

func scheduledFalse(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodScheduled && c.Status == api.ConditionFalse {
			return true
		}
	}
	return false
}

// staleViewExcuse returns the coverage name of the excuse that applies to
// a binding that was infeasible against the store, or "".
func (ck *checker) staleViewExcuse(p *api.Pod) string {
	if ck.s.Calm {
		return ""
	}
	versions := ck.nodeVersions[p.Spec.NodeName]
	n := len(versions)
	if n < 2 {
		return ""
	}
	if cur := versions[n-1]; cur.lifecycleUnknown && cur.at == ck.now && ck.feasibleOn(versions[n-2].node, p) {
		return CovStaleBindLifecycle
	}
	d := ck.faults.delayAround(ck.now)
	if d == 0 {
		return ""
	}
	for i := n - 2; i >= 0; i-- {
		// versions[i] was current until versions[i+1] was written.
		if versions[i+1].at < ck.now-d-Grid {
			break
		}
		if ck.feasibleOn(versions[i].node, p) {
			return CovStaleBindDelay
		}
	}
	return ""
}

// feasibleOn reports whether the reference scheduler finds node (a
// version of the pod's node) feasible for the bound pod, the rest of the
// state being the mirror's.
func (ck *checker) feasibleOn(node *api.Node, bound *api.Pod) bool {
	var nodes []*api.Node
	var pods []*api.Pod
	var pvs []*api.PersistentVolume
	var pvcs []*api.PersistentVolumeClaim
	for _, o := range ck.objs {
		switch o := o.(type) {
		case *api.Node:
			if o.Name != node.Name {
				nodes = append(nodes, o)
			}
		case *api.Pod:
			pods = append(pods, o)
		case *api.PersistentVolume:
			pvs = append(pvs, o)
		case *api.PersistentVolumeClaim:
			pvcs = append(pvcs, o)
		}
	}
	nodes = append(nodes, node)
	pending := api.DeepCopy(bound)
	pending.Spec.NodeName = ""
	feasible, _, _ := model.Schedule(nodes, pods, pvs, pvcs, pending)
	return feasible[node.Name]
}

// delayAround returns the longest watch delay whose held events may still
// be undelivered at now (give or take a grid step), 0 if none.
func (f *faultState) delayAround(now time.Duration) time.Duration {
	var d time.Duration
	for i, ch := range f.delays {
		if ch.d == 0 || ch.at > now {
			continue
		}
		end := now
		if i+1 < len(f.delays) {
			end = f.delays[i+1].at
		}
		if now <= end+ch.d+Grid {
			d = max(d, ch.d)
		}
	}
	return d
}
