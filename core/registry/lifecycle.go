package registry

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// Finalizers the registry and the garbage collector understand.
const (
	// FinalizerOrphan: remove the dependents' ownerReferences, then the
	// object (propagationPolicy Orphan).
	FinalizerOrphan = "orphan"
	// FinalizerForeground: delete the dependents first, then the object
	// (propagationPolicy Foreground).
	FinalizerForeground = "foregroundDeletion"
	// FinalizerNamespace is the namespace's spec finalizer: the namespace
	// controller removes it once the namespace is empty.
	FinalizerNamespace = "kubernetes"
)

// Deletion propagation policies.
const (
	PropagationBackground = "Background"
	PropagationForeground = "Foreground"
	PropagationOrphan     = "Orphan"
)

// DeleteOptions are the options of a DELETE.
type DeleteOptions struct {
	// GracePeriodSeconds overrides the pod's terminationGracePeriodSeconds;
	// 0 deletes at once. Only pods have a grace period.
	GracePeriodSeconds *int64
	// Preconditions must hold or the delete fails with Conflict.
	Preconditions store.Preconditions
	// PropagationPolicy is Background (default), Foreground or Orphan.
	PropagationPolicy string
}

// prepareForCreate resets what a new object of the kind cannot bring with
// it, and applies admission defaults. It writes only into obj's own
// struct: what obj references may be shared (see CreateShared).
func (r *Registry) prepareForCreate(obj api.Object, now api.Time) {
	switch o := obj.(type) {
	case *api.Pod:
		o.Status = api.PodStatus{Phase: api.PodPending, QOSClass: qosClass(&o.Spec)}
		if r.cfg.DefaultTolerationSeconds > 0 {
			r.addDefaultTolerations(&o.Spec)
		}
	case *api.ReplicaSet:
		o.Status = api.ReplicaSetStatus{}
	case *api.Deployment:
		o.Status = api.DeploymentStatus{}
	case *api.Service:
		o.Status = api.ServiceStatus{}
	case *api.PersistentVolume:
		o.Status = api.PersistentVolumeStatus{Phase: "Pending"}
	case *api.PersistentVolumeClaim:
		o.Status = api.PersistentVolumeClaimStatus{Phase: api.ClaimPending}
	case *api.Namespace:
		o.Status = api.NamespaceStatus{Phase: api.NamespaceActive}
		if !contains(o.Spec.Finalizers, FinalizerNamespace) {
			o.Spec.Finalizers = append(o.Spec.Finalizers, FinalizerNamespace)
		}
	}
}

// addDefaultTolerations gives a pod the not-ready and unreachable NoExecute
// tolerations it lacks, bounded to DefaultTolerationSeconds, as
// Kubernetes' DefaultTolerationSeconds admission does. The pod's list is
// replaced, not appended to (it may be shared); a pod with none gets the
// registry's one shared list.
func (r *Registry) addDefaultTolerations(spec *api.PodSpec) {
	var missing [2]string
	n := 0
	for _, key := range [...]string{api.TaintNodeNotReady, api.TaintNodeUnreachable} {
		tolerated := false
		for _, t := range spec.Tolerations {
			if (t.Key == key || (t.Key == "" && t.Operator == api.TolerationOpExists)) &&
				(t.Effect == "" || t.Effect == api.TaintEffectNoExecute) {
				tolerated = true
			}
		}
		if !tolerated {
			missing[n] = key
			n++
		}
	}
	if n == 0 {
		return
	}
	if len(spec.Tolerations) == 0 && n == 2 {
		spec.Tolerations = r.defaultTolerations[:2:2]
		return
	}
	spec.Tolerations = r.tolerations(spec.Tolerations, missing[:n])
}

// tolerations returns a new list: have, then a default toleration for
// each of keys.
func (r *Registry) tolerations(have []api.Toleration, keys []string) []api.Toleration {
	out := make([]api.Toleration, len(have), len(have)+len(keys))
	copy(out, have)
	for _, key := range keys {
		s := r.cfg.DefaultTolerationSeconds
		out = append(out, api.Toleration{
			Key: key, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: &s,
		})
	}
	return out
}

// qosClass is the pod's quality-of-service class, as Kubernetes computes it:
// Guaranteed when every container's cpu and memory requests equal its
// limits, BestEffort when nothing is requested or limited, else Burstable.
func qosClass(spec *api.PodSpec) string {
	any, guaranteed := false, true
	for i := range len(spec.InitContainers) + len(spec.Containers) {
		var c *api.Container
		if i < len(spec.InitContainers) {
			c = &spec.InitContainers[i]
		} else {
			c = &spec.Containers[i-len(spec.InitContainers)]
		}
		for _, r := range [...]string{api.ResourceCPU, api.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			if (hasReq && !req.IsZero()) || (hasLim && !lim.IsZero()) {
				any = true
			}
			if !hasLim || lim.IsZero() || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return "BestEffort"
	case guaranteed:
		return "Guaranteed"
	}
	return "Burstable"
}

// Delete deletes the object at (resource, namespace, name) as a DELETE does.
//
//   - A pod bound to a node with a grace period is only marked: its
//     deletionTimestamp is set to now + grace and its node's final delete
//     (grace 0) removes it once its containers have stopped.
//   - Foreground and Orphan propagation add their finalizer; an object with
//     finalizers is only marked (deletionTimestamp) and goes when the last
//     finalizer is removed by Update.
//   - A namespace is marked Terminating; the namespace controller empties
//     it and removes its spec finalizer.
//   - Anything else is removed at once.
//
// It returns the object as it now is: marked, or deleted (with the deletion
// revision as resourceVersion).
func (r *Registry) Delete(resource, namespace, name string, opts DeleteOptions, now api.Time) (api.Object, error) {
	return retryLost(func() (api.Object, error, bool) { return r.deleteOnce(resource, namespace, name, opts, now) })
}

// deleteOnce is one attempt of Delete; lost is updateOnce's.
func (r *Registry) deleteOnce(resource, namespace, name string, opts DeleteOptions, now api.Time) (_ api.Object, _ error, lost bool) {
	cur, err := r.get(resource, namespace, name)
	if err != nil {
		return nil, StatusError(err, resource, name), false
	}
	cm := cur.GetObjectMeta()
	if p := opts.Preconditions; (p.UID != "" && p.UID != cm.UID) || (p.ResourceVersion != "" && p.ResourceVersion != cm.ResourceVersion) {
		return nil, api.NewConflict(resource, name, fmt.Errorf("Precondition failed: UID in precondition: %s, UID in object meta: %s", p.UID, cm.UID)), false
	}
	switch opts.PropagationPolicy {
	case "", PropagationBackground, PropagationForeground, PropagationOrphan:
	default:
		return nil, api.NewBadRequest(fmt.Sprintf("unsupported propagationPolicy %q: supported values: %q, %q, %q",
			opts.PropagationPolicy, PropagationBackground, PropagationForeground, PropagationOrphan)), false
	}
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds < 0 {
		return nil, api.NewBadRequest("gracePeriodSeconds must not be negative"), false
	}
	next := api.CopyObject(cur)
	m := next.GetObjectMeta()
	marked := false
	switch opts.PropagationPolicy {
	case PropagationForeground:
		marked = addFinalizer(m, FinalizerForeground) || marked
	case PropagationOrphan:
		marked = addFinalizer(m, FinalizerOrphan) || marked
	}
	if ns, ok := next.(*api.Namespace); ok {
		ns.Status.Phase = api.NamespaceTerminating
		marked = len(ns.Spec.Finalizers) > 0 || marked
	}
	if p, ok := next.(*api.Pod); ok && p.Spec.NodeName != "" && !podFinished(p) {
		grace := api.DefaultTerminationGracePeriodSeconds
		if p.Spec.TerminationGracePeriodSeconds != nil {
			grace = *p.Spec.TerminationGracePeriodSeconds
		}
		if opts.GracePeriodSeconds != nil {
			grace = *opts.GracePeriodSeconds
		}
		// A pod already terminating may have its grace shortened, never
		// lengthened.
		if m.DeletionGracePeriodSeconds != nil && *m.DeletionGracePeriodSeconds < grace {
			grace = *m.DeletionGracePeriodSeconds
		}
		if grace > 0 {
			g := grace
			m.DeletionGracePeriodSeconds = &g
			ts := now.Add(time.Duration(grace) * time.Second)
			if m.DeletionTimestamp == nil || ts.Before(*m.DeletionTimestamp) {
				m.DeletionTimestamp = &ts
			}
			marked = true
		}
	}
	if len(m.Finalizers) > 0 {
		marked = true
	}
	pre := store.Preconditions{ResourceVersion: cm.ResourceVersion}
	if !marked {
		o, err := r.st.Delete(api.KeyFor(resource, namespace, name), pre)
		return o, StatusError(err, resource, name), r.lost(err, resource, namespace, name, cm.ResourceVersion)
	}
	if m.DeletionTimestamp == nil {
		ts := now
		m.DeletionTimestamp = &ts
		zero := int64(0)
		m.DeletionGracePeriodSeconds = &zero
	}
	stored, err := r.st.Update(next)
	return stored, StatusError(err, resource, name), r.lost(err, resource, namespace, name, cm.ResourceVersion)
}

// podFinished reports whether the pod's containers have all stopped for
// good, so that it needs no grace period.
func podFinished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

func addFinalizer(m *api.ObjectMeta, f string) bool {
	if contains(m.Finalizers, f) {
		return false
	}
	m.Finalizers = append(m.Finalizers, f)
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Bind assigns a pending pod to a node, as a POST to pods/binding does:
// the pod's uid must match (when given), it must not be bound already nor
// terminating; spec.nodeName is set and PodScheduled becomes True.
func (r *Registry) Bind(namespace, name, uid, node string, now api.Time) (api.Object, error) {
	return retryLost(func() (api.Object, error, bool) { return r.bindOnce(namespace, name, uid, node, now) })
}

// bindOnce is one attempt of Bind; lost is updateOnce's.
func (r *Registry) bindOnce(namespace, name, uid, node string, now api.Time) (_ api.Object, _ error, lost bool) {
	cur, err := r.get("pods", namespace, name)
	if err != nil {
		return nil, StatusError(err, "pods", name), false
	}
	c := cur.(*api.Pod)
	if uid != "" && c.UID != uid {
		return nil, api.NewConflict("pods", name, fmt.Errorf("Precondition failed: UID in precondition: %s, UID in object meta: %s", uid, c.UID)), false
	}
	if c.Spec.NodeName != "" {
		return nil, api.NewConflict("pods", name, fmt.Errorf("pod %s is already assigned to node %q", name, c.Spec.NodeName)), false
	}
	if c.DeletionTimestamp != nil {
		return nil, api.NewConflict("pods", name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", name)), false
	}
	if node == "" {
		return nil, api.NewInvalid("Binding", name, api.ErrorList{api.NewPath("target", "name").Required("")}), false
	}
	// The new version is one struct copy sharing the stored pod's memory
	// except for what the binding changes: spec.nodeName (a plain field
	// of the copy) and the status conditions, a new list (see withStatus
	// on why sharing is safe).
	p := *c
	p.Spec.NodeName = node
	p.Status.Conditions = r.scheduledConditions(c.Status.Conditions, now)
	stored, err := r.st.Update(&p)
	return stored, StatusError(err, "pods", name), r.lost(err, "pods", namespace, name, c.ResourceVersion)
}

// scheduledConditions returns conds with PodScheduled set True, as a new
// list: conds belongs to a stored object. A pod with no conditions (the
// common case) gets the list the registry shares between every pod bound
// at now, when it keeps a cache.
func (r *Registry) scheduledConditions(conds []api.PodCondition, now api.Time) []api.PodCondition {
	scheduled := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue}
	if c := r.cache; c != nil && len(conds) == 0 {
		if c.scheduled == nil || c.scheduledAt != now {
			scheduled.LastTransitionTime = now
			c.scheduled, c.scheduledAt = []api.PodCondition{scheduled}, now
		}
		return c.scheduled
	}
	out := make([]api.PodCondition, len(conds), len(conds)+1)
	copy(out, conds)
	return setPodCondition(out, scheduled, now)
}

// setPodCondition sets or replaces a condition in conds, in place,
// keeping its transition time when its status does not change.
func setPodCondition(conds []api.PodCondition, c api.PodCondition, now api.Time) []api.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			if conds[i].Status == c.Status {
				c.LastTransitionTime = conds[i].LastTransitionTime
			} else {
				c.LastTransitionTime = now
			}
			conds[i] = c
			return conds
		}
	}
	c.LastTransitionTime = now
	return append(conds, c)
}
