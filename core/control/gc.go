package control

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// Finalizers the garbage collector and the namespace controller handle.
const (
	FinalizerOrphan     = "orphan"
	FinalizerForeground = "foregroundDeletion"
	FinalizerNamespace  = "kubernetes"
)

func hasFinalizer(m *api.ObjectMeta, f string) bool { return slices.Contains(m.Finalizers, f) }

// syncGC is kube's garbage collector for one object. As an owner being
// deleted it orphans its dependents (orphan finalizer) or waits for its
// blocking dependents to be gone (foregroundDeletion finalizer), then
// removes the finalizer. As a dependent it is deleted when none of its
// owners is left (Foreground if an owner waits for it and it has
// dependents of its own, else as its own finalizers say, else
// Background), or loses its references to owners that are gone when some
// remain.
func (m *Machine) syncGC(key string) {
	e := m.objects[key]
	if e == nil {
		return
	}
	om := e.meta()
	if om.DeletionTimestamp != nil {
		switch {
		case hasFinalizer(om, FinalizerOrphan):
			m.orphanDependents(e)
		case hasFinalizer(om, FinalizerForeground):
			m.deleteDependentsFirst(e)
		}
		return
	}
	if len(om.OwnerReferences) == 0 {
		return
	}
	var solid, gone, waiting int
	for i := range om.OwnerReferences {
		switch m.ownerState(&om.OwnerReferences[i], om.Namespace) {
		case ownerGone:
			gone++
		case ownerWaiting:
			waiting++
		default:
			solid++
		}
	}
	switch {
	case solid > 0:
		if gone+waiting == 0 {
			return
		}
		c := api.CopyObject(e.obj)
		cm := c.GetObjectMeta()
		cm.OwnerReferences = slices.DeleteFunc(slices.Clone(om.OwnerReferences), func(r api.OwnerReference) bool {
			return m.ownerState(&r, om.Namespace) != ownerSolid
		})
		m.emitUpdate(qGC, key, e, c, "remove dangling owner references")
	case waiting > 0 && m.hasDependents(om.UID):
		m.emitDelete(qGC, key, e, true, PropagationForeground, nil, "owner deleted in foreground")
	default:
		policy := PropagationBackground
		switch {
		case hasFinalizer(om, FinalizerOrphan):
			policy = PropagationOrphan
		case hasFinalizer(om, FinalizerForeground):
			policy = PropagationForeground
		}
		if m.emitDelete(qGC, key, e, true, policy, nil, "owner gone") {
			m.record(qGC, e.obj, api.EventTypeNormal, "GarbageCollected", "owner gone", componentGC)
		}
	}
}

// The states of an owner for its dependent's garbage collection.
const (
	ownerSolid   = iota
	ownerGone    // not in the mirror (under that uid, kind and name)
	ownerWaiting // being deleted in the foreground: waits for its dependents
)

// ownerState is what a reference of a dependent in namespace ns points
// to, for the garbage collector.
func (m *Machine) ownerState(r *api.OwnerReference, ns string) int {
	o := m.owner(r, ns)
	switch {
	case o == nil:
		return ownerGone
	case o.meta().DeletionTimestamp != nil && hasFinalizer(o.meta(), FinalizerForeground):
		return ownerWaiting
	}
	return ownerSolid
}

// ownersSolid reports whether every owner of om is solid: then syncGC
// has nothing to do for it.
func (m *Machine) ownersSolid(om *api.ObjectMeta) bool {
	for i := range om.OwnerReferences {
		if m.ownerState(&om.OwnerReferences[i], om.Namespace) != ownerSolid {
			return false
		}
	}
	return true
}

// orphanDependents removes the owner's references from its dependents,
// then its orphan finalizer.
func (m *Machine) orphanDependents(e *entry) {
	uid := e.meta().UID
	deps := slices.Collect(m.dependentsOf(uid))
	sortEntries(deps)
	for _, d := range deps {
		c := api.CopyObject(d.obj)
		cm := c.GetObjectMeta()
		cm.OwnerReferences = withoutOwner(cm.OwnerReferences, uid)
		m.emitUpdate(qGC, e.key, d, c, "orphan")
	}
	if len(deps) == 0 {
		m.removeFinalizer(qGC, e, FinalizerOrphan)
	}
}

// deleteDependentsFirst removes the foregroundDeletion finalizer once no
// dependent blocks the owner's deletion; until then it makes sure its
// dependents are being deleted.
func (m *Machine) deleteDependentsFirst(e *entry) {
	uid := e.meta().UID
	blocked := false
	for d := range m.dependentsOf(uid) {
		dm := d.meta()
		for i := range dm.OwnerReferences {
			r := &dm.OwnerReferences[i]
			if r.UID == uid && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				blocked = true
			}
		}
		if dm.DeletionTimestamp == nil {
			m.enqueue(qGC, d.key)
		}
	}
	if !blocked {
		m.removeFinalizer(qGC, e, FinalizerForeground)
	}
}

// removeFinalizer updates e without finalizer f.
func (m *Machine) removeFinalizer(q queueID, e *entry, f string) {
	c := api.CopyObject(e.obj)
	cm := c.GetObjectMeta()
	cm.Finalizers = slices.DeleteFunc(slices.Clone(cm.Finalizers), func(x string) bool { return x == f })
	m.emitUpdate(q, e.key, e, c, "remove finalizer "+f)
}

// syncNamespace is kube's namespace controller: a namespace being
// deleted has every object in it deleted, then loses its kubernetes
// finalizer (and so goes) once it is empty.
func (m *Machine) syncNamespace(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindNamespace {
		return
	}
	ns := e.obj.(*api.Namespace)
	if ns.DeletionTimestamp == nil {
		return
	}
	if m.namespaceSize(ns.Name) > 0 {
		for _, o := range m.namespaceObjects(ns.Name) {
			if o.meta().DeletionTimestamp == nil {
				m.emitDelete(qNamespace, key, o, false, PropagationBackground, nil, "namespace deleted")
			}
		}
		return
	}
	if !slices.Contains(ns.Spec.Finalizers, FinalizerNamespace) {
		return
	}
	c := *ns
	c.Spec.Finalizers = slices.DeleteFunc(slices.Clone(ns.Spec.Finalizers), func(x string) bool { return x == FinalizerNamespace })
	m.emitUpdate(qNamespace, key, e, &c, "namespace empty")
}
