package agent

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// register creates the Node with its pod CIDR; an existing one is kept.
func (a *Agent) register(ctx context.Context, reg *api.Node) {
	n := api.DeepCopy(reg)
	if a.cfg.PodCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = a.cfg.PodCIDR, []string{a.cfg.PodCIDR}
	}
	_, err := a.cfg.API.Create(ctx, n)
	switch {
	case err == nil:
		a.log.Info("registered node", "podCIDR", a.cfg.PodCIDR)
	case api.IsAlreadyExists(err):
	default:
		a.log.Warn("node registration failed", "err", err)
		a.in.put(node.WriteFailed{What: "node"})
	}
}

// renewLease writes the node's Lease, creating it the first time.
func (a *Agent) renewLease(ctx context.Context, l *node.LeaseRenewal) {
	err := func() error {
		cur, err := a.cfg.API.Get(ctx, "Lease", l.Namespace, l.Name)
		if api.IsNotFound(err) {
			_, err = a.cfg.API.Create(ctx, &api.Lease{TypeMeta: api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
				ObjectMeta: api.ObjectMeta{Namespace: l.Namespace, Name: l.Name}, Spec: l.Spec})
			return err
		}
		if err != nil {
			return err
		}
		lease := cur.(*api.Lease)
		lease.Spec = l.Spec
		_, err = a.cfg.API.Update(ctx, lease)
		return err
	}()
	if err != nil {
		a.log.Warn("lease renewal failed", "err", err)
		a.in.put(node.WriteFailed{What: "lease"})
	}
}

// writeNodeStatus writes the Node's status, retrying once on a conflict.
func (a *Agent) writeNodeStatus(ctx context.Context, u *node.NodeStatusUpdate) {
	var err error
	for try := 0; try < 3; try++ {
		var cur api.Object
		if cur, err = a.cfg.API.Get(ctx, "Node", "", u.Name); err != nil {
			break
		}
		n := cur.(*api.Node)
		n.Status = u.Status
		if _, err = a.cfg.API.UpdateStatus(ctx, n); !api.IsConflict(err) {
			break
		}
	}
	if err != nil {
		a.log.Warn("node status write failed", "err", err)
		a.in.put(node.WriteFailed{What: "node"})
	}
}

// writeLatestStatus writes the latest status the machine gave for pod
// uid, if it was not written yet, and reports whether it wrote one.
func (a *Agent) writeLatestStatus(ctx context.Context, uid string) bool {
	a.mu.Lock()
	u, ok := a.status[uid]
	delete(a.status, uid)
	a.mu.Unlock()
	if !ok {
		return false // a later status was written already
	}
	st := u.Status
	if st.PodIP == "" {
		if ip, ok := a.cfg.Runtime.PodIP(uid); ok {
			st.PodIP, st.PodIPs = ip, []api.PodIP{{IP: ip}}
		}
	}
	var err error
	for try := 0; try < 3; try++ {
		var cur api.Object
		cur, err = a.cfg.API.Get(ctx, "Pod", u.Pod.Namespace, u.Pod.Name)
		if api.IsNotFound(err) {
			return false // gone: nothing to report
		}
		if err != nil {
			break
		}
		p := cur.(*api.Pod)
		if p.UID != uid {
			return false // another pod by that name
		}
		p.Status = st
		if _, err = a.cfg.API.UpdateStatus(ctx, p); !api.IsConflict(err) {
			break
		}
	}
	if err != nil && !api.IsNotFound(err) {
		a.log.Warn("pod status write failed", "pod", u.Pod.String(), "err", err)
		a.in.put(node.WriteFailed{What: "status", PodUID: uid})
		return false
	}
	return true
}

// deletePod is a terminated pod's final deletion (grace 0, uid
// precondition). A pod already gone, or replaced, is not an error.
func (a *Agent) deletePod(ctx context.Context, d node.PodDeletion) {
	zero := int64(0)
	err := a.cfg.API.Delete(ctx, "Pod", d.Pod.Namespace, d.Pod.Name, &zero, d.Pod.UID)
	if err != nil && !api.IsNotFound(err) && !api.IsConflict(err) {
		a.log.Warn("pod deletion failed", "pod", d.Pod.String(), "err", err)
		a.in.put(node.WriteFailed{What: "delete", PodUID: d.Pod.UID})
	}
}

var eventSeq atomic.Uint64

// recordEvents creates core/v1 Events; a lost one is harmless.
func (a *Agent) recordEvents(ctx context.Context, evs []node.Event) {
	now := a.now()
	for _, e := range evs {
		obj := &api.Event{
			TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Event"},
			ObjectMeta: api.ObjectMeta{Namespace: e.Pod.Namespace,
				Name: e.Pod.Name + "." + strconv.FormatInt(int64(now), 16) + strconv.FormatUint(eventSeq.Add(1), 16)},
			InvolvedObject: api.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: e.Pod.Namespace, Name: e.Pod.Name, UID: e.Pod.UID},
			Reason:         e.Reason, Message: e.Message, Type: e.Type,
			Source:         api.EventSource{Component: "kubelet", Host: a.cfg.Node.NodeName},
			FirstTimestamp: now, LastTimestamp: now, Count: 1,
			ReportingController: "kubelet", ReportingInstance: a.cfg.Node.NodeName,
		}
		if _, err := a.cfg.API.Create(ctx, obj); err != nil {
			a.log.Debug("event not recorded", "reason", e.Reason, "err", err)
		}
	}
}
