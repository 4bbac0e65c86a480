package control

import (
	"maps"
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Annotations kube's volume binder puts on a claim it binds.
const (
	annBindCompleted     = "pv.kubernetes.io/bind-completed"
	annBoundByController = "pv.kubernetes.io/bound-by-controller"
)

// onPV feeds the scheduler and marks the binder's work.
func (m *Machine) onPV(e *entry, old, new api.Object) {
	if new == nil {
		m.sched.RemovePV(old.(*api.PersistentVolume))
	} else {
		m.sched.UpdatePV(new.(*api.PersistentVolume))
		m.enqueue(qVolume, e.key)
	}
	for _, o := range [2]api.Object{old, new} {
		if o == nil {
			continue
		}
		pv := o.(*api.PersistentVolume)
		if r := pv.Spec.ClaimRef; r != nil {
			m.enqueue(qClaim, api.KeyFor("persistentvolumeclaims", r.Namespace, r.Name))
		} else if new != nil {
			// A volume became available: every waiting claim may take it.
			for c := range m.byKind[kindPVC] {
				if c.obj.(*api.PersistentVolumeClaim).Spec.VolumeName == "" {
					m.enqueue(qClaim, c.key)
				}
			}
		}
	}
	m.moveAllToActive()
}

// onPVC feeds the scheduler and marks the binder's work: the claim, the
// volumes its volumeName names, and the volumes whose claimRef names it
// (one the claim did not take, or one pre-bound to a claim now gone, is
// the pv-binder's to release).
func (m *Machine) onPVC(e *entry, old, new api.Object) {
	if new == nil {
		m.sched.RemovePVC(old.(*api.PersistentVolumeClaim))
	} else {
		m.sched.UpdatePVC(new.(*api.PersistentVolumeClaim))
		m.enqueue(qClaim, e.key)
	}
	for _, o := range [2]api.Object{old, new} {
		if o != nil {
			if v := o.(*api.PersistentVolumeClaim).Spec.VolumeName; v != "" {
				m.enqueue(qVolume, api.KeyFor("persistentvolumes", "", v))
			}
		}
	}
	for pve := range m.pvByClaim[e.key] {
		m.enqueue(qVolume, pve.key)
	}
	m.moveAllToActive()
}

// syncClaim is kube's volume binder for one claim: bind a pending claim to
// the smallest available volume that satisfies it (ties by name), in
// steps that each write one object: the volume's claimRef, then the
// claim's volumeName, then both phases Bound.
func (m *Machine) syncClaim(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindPVC {
		return
	}
	c := e.obj.(*api.PersistentVolumeClaim)
	if c.DeletionTimestamp != nil {
		return
	}
	if c.Spec.VolumeName == "" {
		pve := m.volumeFor(key, c)
		if pve == nil {
			return
		}
		pv := pve.obj.(*api.PersistentVolume)
		if !claimRefMatches(pv.Spec.ClaimRef, c) || pv.Spec.ClaimRef.UID == "" {
			n := *pv
			n.Spec.ClaimRef = &api.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: c.Namespace, Name: c.Name, UID: c.UID, ResourceVersion: e.meta().ResourceVersion}
			if pv.Spec.ClaimRef == nil {
				n.Annotations = maps.Clone(pv.Annotations)
				if n.Annotations == nil {
					n.Annotations = map[string]string{}
				}
				n.Annotations[annBoundByController] = "yes"
			}
			m.emitUpdate(qClaim, key, pve, &n, "bind to "+c.Namespace+"/"+c.Name)
			return
		}
		n := *c
		n.Spec.VolumeName = pv.Name
		n.Annotations = maps.Clone(c.Annotations)
		if n.Annotations == nil {
			n.Annotations = map[string]string{}
		}
		n.Annotations[annBindCompleted] = "yes"
		n.Annotations[annBoundByController] = "yes"
		m.emitUpdate(qClaim, key, e, &n, "bind to "+pv.Name)
		return
	}
	pve := m.getKind("persistentvolumes", "", c.Spec.VolumeName)
	if pve == nil {
		if c.Status.Phase != api.ClaimLost {
			n := *c
			n.Status.Phase = api.ClaimLost
			m.emitStatus(qClaim, key, e, &n, "volume "+c.Spec.VolumeName+" is gone")
		}
		return
	}
	pv := pve.obj.(*api.PersistentVolume)
	if !claimRefMatches(pv.Spec.ClaimRef, c) {
		return // the volume is someone else's; kube reports it and waits too
	}
	if pv.Status.Phase != api.VolumeBound {
		n := *pv
		n.Status.Phase = api.VolumeBound
		m.emitStatus(qClaim, key, pve, &n, "bound to "+c.Namespace+"/"+c.Name)
	}
	if c.Status.Phase != api.ClaimBound {
		n := *c
		n.Status.Phase = api.ClaimBound
		n.Status.AccessModes = pv.Spec.AccessModes
		n.Status.Capacity = pv.Spec.Capacity
		m.emitStatus(qClaim, key, e, &n, "bound to "+pv.Name)
	}
}

// claimRefMatches reports whether ref points to the claim (by uid when
// the reference has one).
func claimRefMatches(ref *api.ObjectReference, c *api.PersistentVolumeClaim) bool {
	return ref != nil && ref.Namespace == c.Namespace && ref.Name == c.Name && (ref.UID == "" || ref.UID == c.UID)
}

// volumeFor returns the volume a pending claim binds to: one already
// pointing at it (pre-bound), else the smallest available match; nil if
// none, or while a free volume that satisfies the claim is being written.
//
// Such a volume may be becoming this claim's (its claimRef, written by an
// earlier sync, not seen yet) or someone else's, or staying free: the
// claim waits for the write's outcome (busy requeues it) rather than
// take another volume on a view that lags its own writes, which would
// leave two volumes pre-bound to one claim (EXP-1 in docs/bugs.md). Kube
// updates its cache with its own writes for the same reason.
func (m *Machine) volumeFor(key string, c *api.PersistentVolumeClaim) *entry {
	var best *entry
	wait := false
	for _, pve := range m.byKind[kindPV].sorted() {
		pv := pve.obj.(*api.PersistentVolume)
		if pv.DeletionTimestamp != nil {
			continue
		}
		if pv.Spec.ClaimRef != nil {
			if claimRefMatches(pv.Spec.ClaimRef, c) {
				return pve
			}
			continue
		}
		if !volumeSatisfies(pv, c) {
			continue
		}
		if m.busy(pve.key, qClaim, key) {
			wait = true
			continue
		}
		if best == nil || smallerVolume(pv, best.obj.(*api.PersistentVolume)) {
			best = pve
		}
	}
	if wait {
		return nil
	}
	return best
}

func smallerVolume(a, b *api.PersistentVolume) bool {
	qa, qb := a.Spec.Capacity[api.ResourceStorage], b.Spec.Capacity[api.ResourceStorage]
	if c := qa.Cmp(qb); c != 0 {
		return c < 0
	}
	return strings.Compare(a.Name, b.Name) < 0
}

// volumeSatisfies reports whether a free volume can hold the claim:
// enough capacity, every access mode asked for, the same storage class
// and volume mode, and labels matching the claim's selector.
func volumeSatisfies(pv *api.PersistentVolume, c *api.PersistentVolumeClaim) bool {
	want := c.Spec.Resources.Requests[api.ResourceStorage]
	have, ok := pv.Spec.Capacity[api.ResourceStorage]
	if !ok || have.Cmp(want) < 0 {
		return false
	}
	for _, mode := range c.Spec.AccessModes {
		if !slices.Contains(pv.Spec.AccessModes, mode) {
			return false
		}
	}
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	if class != pv.Spec.StorageClassName {
		return false
	}
	if c.Spec.VolumeMode != nil && pv.Spec.VolumeMode != "" && *c.Spec.VolumeMode != pv.Spec.VolumeMode {
		return false
	}
	return c.Spec.Selector == nil || c.Spec.Selector.Matches(pv.Labels)
}

// syncVolume is kube's volume binder for one volume: a free volume is
// Available; a volume whose claim is gone is Released (Retain) or
// deleted (Delete); a volume whose claim is bound to another volume is
// unbound (kube's unbindVolume: the claimRef cleared if this controller
// set it, else only its uid, leaving the user's pre-binding).
func (m *Machine) syncVolume(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindPV {
		return
	}
	pv := e.obj.(*api.PersistentVolume)
	if pv.DeletionTimestamp != nil {
		return
	}
	setPhase := func(phase, why string) {
		if pv.Status.Phase != phase {
			n := *pv
			n.Status.Phase = phase
			m.emitStatus(qVolume, key, e, &n, why)
		}
	}
	r := pv.Spec.ClaimRef
	if r == nil {
		setPhase(api.VolumeAvailable, "available")
		return
	}
	ce := m.getKind("persistentvolumeclaims", r.Namespace, r.Name)
	if ce != nil && (r.UID == "" || ce.meta().UID == r.UID) {
		switch c := ce.obj.(*api.PersistentVolumeClaim); c.Spec.VolumeName {
		case pv.Name:
			setPhase(api.VolumeBound, "bound")
		case "":
			// The claim's binding is in progress: the pvc-binder's.
		default:
			if r.UID != "" {
				m.unbindVolume(e, pv, "claim "+r.Namespace+"/"+r.Name+" is bound to "+c.Spec.VolumeName)
			}
		}
		return
	}
	if r.UID == "" {
		setPhase(api.VolumeAvailable, "available (pre-bound)")
		return
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == api.PersistentVolumeReclaimDelete {
		m.emitDelete(qVolume, key, e, true, "", nil, "claim "+r.Namespace+"/"+r.Name+" deleted")
		return
	}
	setPhase(api.VolumeReleased, "claim "+r.Namespace+"/"+r.Name+" deleted")
}

// unbindVolume releases a volume pre-bound to a claim that took another
// one (kube's unbindVolume): the claimRef goes if the binder set it, else
// only its uid. Its phase follows on the next sync.
func (m *Machine) unbindVolume(e *entry, pv *api.PersistentVolume, why string) {
	n := *pv
	if _, ok := pv.Annotations[annBoundByController]; ok {
		n.Spec.ClaimRef = nil
		n.Annotations = maps.Clone(pv.Annotations)
		delete(n.Annotations, annBoundByController)
		if len(n.Annotations) == 0 {
			n.Annotations = nil
		}
	} else {
		r := *pv.Spec.ClaimRef
		r.UID = ""
		n.Spec.ClaimRef = &r
	}
	m.emitUpdate(qVolume, e.key, e, &n, "unbind: "+why)
}
