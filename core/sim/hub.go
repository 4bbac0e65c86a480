package sim

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/core/store"
)

// hub routes the store's events to the node machines, as the API server's
// watch cache does for kubelets: one watch of the store, fanned out by
// spec.nodeName for pods, and by namespace for the objects pods reference
// (Secrets, ConfigMaps, Services, PersistentVolumeClaims, and the
// PersistentVolumes claimed from that namespace). A node subscribes to a
// namespace when its first pod there arrives: it is first given the
// namespace's objects as of that pod's revision, so a pod never waits for
// an object that exists. Each node also gets its own Node object.
type hub struct {
	w   store.Watcher
	buf eventBuf
	// subs are the nodes subscribed to each namespace, in index order.
	// Invariant: n is in subs[ns] iff ns is in n.subscribed.
	subs map[string][]*simNode
}

// referenced are the namespaced resources a node receives.
var referenced = []string{"secrets", "configmaps", "services", "persistentvolumeclaims"}

func (h *hub) init(c *Cluster) {
	w, err := c.st.Watch(api.KeyPrefix, 0)
	if err != nil {
		panic("sim: hub watch: " + err.Error())
	}
	h.w, h.subs = w, map[string][]*simNode{}
}

// pumpHub routes every new store event; it reports whether there was any.
// It takes them pollChunk at a time, in one array: routing writes
// nothing to the store, so a burst routed in slices is routed as at once.
func (c *Cluster) pumpHub() bool {
	any := false
	for {
		evs, err := c.hub.buf.poll(c.hub.w, pollChunk)
		if err != nil {
			panic("sim: hub watch: " + err.Error())
		}
		for i := range evs {
			c.route(&evs[i])
		}
		c.hub.buf.done(evs)
		any = any || len(evs) > 0
		if len(evs) < pollChunk {
			return any
		}
	}
}

// pollChunk is how many events a limited poll returns; maxKeptEvents
// bounds the array an eventBuf keeps (an array of pollChunk events may
// have been given room for a few more, up to its size class).
const (
	pollChunk     = 256
	maxKeptEvents = 2 * pollChunk
)

// eventBuf is an array of watch events that serves one poll after
// another, so that a steady stream of events allocates none.
type eventBuf struct{ a []store.Event }

// poll returns w's new events, at most limit of them if limit > 0, in the
// buffer's array when w can append (Memory's watchers can). Until done is
// called, a nested poll gets an array of its own.
func (b *eventBuf) poll(w store.Watcher, limit int) ([]store.Event, error) {
	ap, ok := w.(store.Appender)
	if !ok {
		return w.Poll(limit)
	}
	a := b.a
	b.a = nil
	return ap.PollAppend(a, limit)
}

// done gives back the events of the last poll, which the caller no
// longer refers to (the objects they point to are not reused).
func (b *eventBuf) done(evs []store.Event) {
	if cap(evs) == 0 || cap(evs) > maxKeptEvents {
		return
	}
	clear(evs)
	b.a = evs[:0]
}

// route hands one store event to the nodes it concerns. The object's
// type says what it is: a key's resource holds objects of one type.
func (c *Cluster) route(ev *store.Event) {
	switch o := ev.Object.(type) {
	case *api.Pod:
		c.countPods(ev)
		if o.Spec.NodeName == "" {
			return
		}
		n := c.byName[o.Spec.NodeName]
		if n == nil || n.m == nil {
			return
		}
		c.subscribe(n, o.Namespace, ev.Revision)
		switch {
		case ev.Type == store.Deleted:
			c.deliver(n, node.PodDeleted{Pod: o})
		case ev.PrevObject == nil || ev.PrevObject.(*api.Pod).Spec.NodeName == "":
			c.deliver(n, node.PodAdded{Pod: o})
		default:
			c.deliver(n, node.PodUpdated{Pod: o})
		}
	case *api.Secret, *api.ConfigMap, *api.Service, *api.PersistentVolumeClaim:
		for _, n := range c.hub.subs[o.GetObjectMeta().Namespace] {
			c.deliver(n, objectInput(ev.Type, ev.Object))
		}
	case *api.Node:
		// A node agent watches its own Node (the kubelet's node
		// informer): it posts its status again when the control plane's
		// view of its conditions differs from its own.
		if ev.Type == store.Deleted {
			return
		}
		if n := c.byName[o.Name]; n != nil && n.m != nil {
			c.deliver(n, node.NodeUpdated{Node: o})
		}
	case *api.PersistentVolume:
		nss := claimNamespaces(ev.Object, ev.PrevObject)
		for _, ns := range nss {
			for _, n := range c.hub.subs[ns] {
				c.deliver(n, objectInput(ev.Type, ev.Object))
			}
		}
	}
}

// claimNamespaces returns the namespaces of the claims of a PV's old and
// new versions, without duplicates.
func claimNamespaces(objs ...api.Object) []string {
	var out []string
	for _, o := range objs {
		pv, ok := o.(*api.PersistentVolume)
		if !ok || pv.Spec.ClaimRef == nil {
			continue
		}
		ns := pv.Spec.ClaimRef.Namespace
		if len(out) == 0 || out[0] != ns {
			out = append(out, ns)
		}
	}
	return out
}

func objectInput(t store.EventType, o api.Object) node.Input {
	switch t {
	case store.Added:
		return node.ObjectAdded{Object: o}
	case store.Deleted:
		return node.ObjectDeleted{Object: o}
	}
	return node.ObjectUpdated{Object: o}
}

// subscribe makes n receive namespace ns's objects, starting with those
// that exist at revision rev.
func (c *Cluster) subscribe(n *simNode, ns string, rev int64) {
	if ns != "" && n.lastSub == ns {
		return
	}
	j, ok := slices.BinarySearch(n.subscribed, ns)
	n.lastSub = ns
	if ok {
		return
	}
	n.subscribed = slices.Insert(n.subscribed, j, ns)
	subs := c.hub.subs[ns]
	i := len(subs)
	for i > 0 && subs[i-1].index > n.index {
		i--
	}
	subs = append(subs, nil)
	copy(subs[i+1:], subs[i:])
	subs[i] = n
	c.hub.subs[ns] = subs
	for _, res := range referenced {
		for _, o := range c.listAt(api.KeyFor(res, ns, ""), rev) {
			c.deliver(n, node.ObjectAdded{Object: o})
		}
	}
	for _, o := range c.listAt(api.KeyFor("persistentvolumes", "", ""), rev) {
		if pv := o.(*api.PersistentVolume); pv.Spec.ClaimRef != nil && pv.Spec.ClaimRef.Namespace == ns {
			c.deliver(n, node.ObjectAdded{Object: o})
		}
	}
}

func (c *Cluster) listAt(prefix string, rev int64) []api.Object {
	res, err := c.st.List(prefix, store.ListOptions{Revision: rev})
	if err != nil {
		panic("sim: list " + prefix + ": " + err.Error())
	}
	return res.Items
}

// unsubscribeAll forgets n's subscriptions (its machine is gone).
func (h *hub) unsubscribeAll(n *simNode) {
	for _, ns := range n.subscribed {
		subs := h.subs[ns]
		for i, m := range subs {
			if m == n {
				h.subs[ns] = append(subs[:i], subs[i+1:]...)
				break
			}
		}
	}
	n.subscribed, n.lastSub = nil, ""
}

// countPods keeps Cluster.running and Cluster.bound, the numbers of pods
// in phase Running and of pods bound to a node, up to date.
func (c *Cluster) countPods(ev *store.Event) {
	if ev.PrevObject != nil {
		prev := ev.PrevObject.(*api.Pod)
		if prev.Status.Phase == api.PodRunning {
			c.running--
		}
		if prev.Spec.NodeName != "" {
			c.bound--
		}
	}
	if ev.Type != store.Deleted {
		cur := ev.Object.(*api.Pod)
		if cur.Status.Phase == api.PodRunning {
			c.running++
		}
		if cur.Spec.NodeName != "" {
			c.bound++
		}
	}
}
