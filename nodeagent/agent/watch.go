package agent

import (
	"context"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
)

// backoff waits before a retry: 100ms doubling to 5s.
func backoff(ctx context.Context, d *time.Duration) bool {
	if *d == 0 {
		*d = 100 * time.Millisecond
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(*d):
	}
	*d = min(2**d, 5*time.Second)
	return true
}

// listWatch lists kind (with field selector fs) and watches from the
// list, listing again whenever the watch ends, until ctx ends. onList gets
// every list, onEvent every watch event.
func (a *Agent) listWatch(ctx context.Context, kind, fs string, onList func([]api.Object), onEvent func(nodeapi.Event)) {
	var wait time.Duration
	for ctx.Err() == nil {
		items, rv, err := a.cfg.API.List(ctx, kind, "", fs)
		if err != nil {
			a.log.Warn("list failed", "kind", kind, "err", err)
			backoff(ctx, &wait)
			continue
		}
		onList(items)
		w, err := a.cfg.API.Watch(ctx, kind, "", fs, rv)
		if err != nil {
			a.log.Warn("watch failed", "kind", kind, "err", err)
			backoff(ctx, &wait)
			continue
		}
		wait = 0
		for {
			ev, err := w.Next()
			if err != nil {
				if ctx.Err() == nil {
					a.log.Info("watch ended; listing again", "kind", kind, "err", err)
				}
				break
			}
			onEvent(ev)
		}
		w.Stop()
	}
}

// watchPods lists and watches the pods bound to the node; a list (the
// first, or after the watch was lost) goes in as a PodList.
func (a *Agent) watchPods(ctx context.Context) {
	a.listWatch(ctx, "Pod", "spec.nodeName="+a.cfg.Node.NodeName, func(items []api.Object) {
		pods := make([]*api.Pod, 0, len(items))
		for _, o := range items {
			pods = append(pods, o.(*api.Pod))
		}
		a.in.put(node.PodList{Pods: pods})
	}, func(ev nodeapi.Event) {
		p, ok := ev.Object.(*api.Pod)
		if !ok {
			return
		}
		switch ev.Type {
		case "ADDED":
			a.in.put(node.PodAdded{Pod: p})
		case "MODIFIED":
			a.in.put(node.PodUpdated{Pod: p})
		case "DELETED":
			a.in.put(node.PodDeleted{Pod: p})
		}
	})
}

// watchObjects lists and watches one kind of the objects pods reference.
// After a relist, objects gone meanwhile are reported deleted.
func (a *Agent) watchObjects(ctx context.Context, kind string) {
	known := map[string]api.Object{}
	key := func(o api.Object) string { m := o.GetObjectMeta(); return m.Namespace + "/" + m.Name }
	a.listWatch(ctx, kind, "", func(items []api.Object) {
		seen := make(map[string]api.Object, len(items))
		for _, o := range items {
			seen[key(o)] = o
			a.in.put(node.ObjectAdded{Object: o})
		}
		for k, o := range known {
			if _, ok := seen[k]; !ok {
				a.in.put(node.ObjectDeleted{Object: o})
			}
		}
		known = seen
	}, func(ev nodeapi.Event) {
		switch ev.Type {
		case "ADDED":
			known[key(ev.Object)] = ev.Object
			a.in.put(node.ObjectAdded{Object: ev.Object})
		case "MODIFIED":
			known[key(ev.Object)] = ev.Object
			a.in.put(node.ObjectUpdated{Object: ev.Object})
		case "DELETED":
			delete(known, key(ev.Object))
			a.in.put(node.ObjectDeleted{Object: ev.Object})
		}
	})
}

// watchNode follows the node's own Node object (all Nodes are watched
// and filtered here: no field selector needed from the server).
func (a *Agent) watchNode(ctx context.Context) {
	name := a.cfg.Node.NodeName
	mine := func(o api.Object) {
		if n, ok := o.(*api.Node); ok && n.Name == name {
			a.in.put(node.NodeUpdated{Node: n})
		}
	}
	a.listWatch(ctx, "Node", "", func(items []api.Object) {
		for _, o := range items {
			mine(o)
		}
	}, func(ev nodeapi.Event) {
		if ev.Type != "DELETED" {
			mine(ev.Object)
		}
	})
}

// checkHealth reports the runtime's health every HealthInterval.
func (a *Agent) checkHealth(ctx context.Context) {
	t := a.clock.NewTicker(a.cfg.HealthInterval)
	defer t.Stop()
	healthy := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		err := a.cfg.Runtime.Healthy(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			a.in.put(node.RuntimeStatus{Healthy: false, Message: err.Error()})
			healthy = false
		case !healthy:
			// The runtime is back: it may have lost or kept containers.
			a.in.put(node.RuntimeStatus{Healthy: true})
			a.takeInventory(ctx)
			healthy = true
		}
	}
}
