package simtest

import (
	"strings"
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
//     feasible in the store's state as of some grid point within D (plus
//     one grid step, the precision of the write times) before it, with
//     the bindings made since on top (the scheduler's own: it assumes
//     them). A view that lags matters for more than the node: a pod
//     deleted in another zone that the scheduler has not seen go still
//     counts in its topology spread.
//
// Calm seeds get no excuse but one, which is the scheduler's semantics
// rather than a stale view: a binding that fits once the scheduler's own
// bindings that failed in the same or the previous grid step (the sim's
// log says "failed (...) bind Pod NS/NAME -> NODE") are taken as made. The
// scheduler places pods one after another against the ones it has
// assumed, as kube's does; when an assumed binding fails (the pod was
// deleted meanwhile), what was placed against it stays.
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
	if ck.fitsWithFailedBinds(w.Object.(*api.Pod)) {
		ck.cov.hit(CovStaleBindAssumed)
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
	// The control plane's view lags by up to d: the state as of any grid
	// point within d (plus a grid step) before now, with the bindings
	// made since (the scheduler's own, which it assumes) on top.
	cur := len(ck.hist)
	for i := cur - 1; i >= 0 && ck.histAt[i] >= ck.now-d-Grid; i-- {
		if ck.histAt[i] == ck.histAt[max(0, i-1)] && i > 0 {
			continue // not the first write of its grid step
		}
		if ck.feasibleInView(i, cur, p) {
			return CovStaleBindDelay
		}
	}
	if cur > 0 && ck.feasibleInView(cur, cur, p) {
		return CovStaleBindDelay
	}
	return ""
}

// feasibleInView reports whether the reference scheduler finds the bound
// pod's node feasible in the state before write upto, with the bindings
// among writes upto..cur applied: what a scheduler whose watch stopped at
// upto, and which assumes its own bindings, saw.
func (ck *checker) feasibleInView(upto, cur int, bound *api.Pod) bool {
	state := map[string]api.Object{}
	var keys []string
	put := func(key string, o api.Object) {
		if _, ok := state[key]; !ok {
			keys = append(keys, key)
		}
		state[key] = o
	}
	for _, w := range ck.hist[:upto] {
		switch resourceOf(w.Key) {
		case "nodes", "pods", "persistentvolumes", "persistentvolumeclaims":
			if w.Type == model.Deleted {
				put(w.Key, nil)
			} else {
				put(w.Key, w.Object)
			}
		}
	}
	for _, w := range ck.hist[upto:cur] {
		if p, ok := w.Object.(*api.Pod); ok && w.Type == model.Modified && p.Spec.NodeName != "" {
			if old, ok := state[w.Key].(*api.Pod); ok && old.Spec.NodeName == "" {
				put(w.Key, p)
			}
		}
	}
	var nodes []*api.Node
	var pods []*api.Pod
	var pvs []*api.PersistentVolume
	var pvcs []*api.PersistentVolumeClaim
	for _, k := range keys {
		switch o := state[k].(type) {
		case *api.Node:
			nodes = append(nodes, o)
		case *api.Pod:
			pods = append(pods, o)
		case *api.PersistentVolume:
			pvs = append(pvs, o)
		case *api.PersistentVolumeClaim:
			pvcs = append(pvcs, o)
		}
	}
	pending := api.DeepCopy(bound)
	pending.Spec.NodeName = ""
	feasible, _, _ := model.Schedule(nodes, pods, pvs, pvcs, pending)
	return feasible[bound.Spec.NodeName]
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

// fitsWithFailedBinds reports whether the bound pod's node is feasible
// once the scheduler's failed bindings of this grid step and the previous
// one are taken as made.
func (ck *checker) fitsWithFailedBinds(bound *api.Pod) bool {
	if len(ck.failedBinds) == 0 {
		return false
	}
	var nodes []*api.Node
	var pods []*api.Pod
	var pvs []*api.PersistentVolume
	var pvcs []*api.PersistentVolumeClaim
	seen := map[string]bool{}
	for key, o := range ck.objs {
		switch o := o.(type) {
		case *api.Node:
			nodes = append(nodes, o)
		case *api.Pod:
			if node, ok := ck.failedBinds[key]; ok && o.Spec.NodeName == "" {
				c := api.DeepCopy(o)
				c.Spec.NodeName = node
				o = c
			}
			seen[key] = true
			pods = append(pods, o)
		case *api.PersistentVolume:
			pvs = append(pvs, o)
		case *api.PersistentVolumeClaim:
			pvcs = append(pvcs, o)
		}
	}
	for key, node := range ck.failedBinds {
		if i, ok := ck.lastOf[key]; ok && !seen[key] {
			if p, ok := ck.hist[i].Object.(*api.Pod); ok {
				c := api.DeepCopy(p)
				c.Spec.NodeName, c.DeletionTimestamp = node, nil
				pods = append(pods, c)
			}
		}
	}
	pending := api.DeepCopy(bound)
	pending.Spec.NodeName = ""
	feasible, _, _ := model.Schedule(nodes, pods, pvs, pvcs, pending)
	return feasible[bound.Spec.NodeName]
}

// noteFailedBind records a failed binding from a line of the sim's log.
func (ck *checker) noteFailedBind(line string) {
	_, rest, ok := strings.Cut(line, ") bind Pod ")
	if !ok {
		return
	}
	name, node, ok := strings.Cut(rest, " -> ")
	if !ok {
		return
	}
	node, _, _ = strings.Cut(node, " ")
	ns, pod, _ := strings.Cut(name, "/")
	ck.failedNow[api.KeyFor("pods", ns, pod)] = node
}
