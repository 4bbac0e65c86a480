package explore

import (
	"fmt"
	"slices"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// VolumesSettle (liveness, checked at leaves of fault-free
// configurations): once nothing is left to do, the volume binders have
// finished what they started. model/ has no liveness property for
// volumes, so this one is the explorer's own; like model's, it is small
// and shares no code with the controllers it judges.
//
//   - A volume whose claimRef names an existing claim (same uid) that is
//     bound to another volume is stranded: nobody else may take it, and
//     nobody uses it. (Kubernetes' binder unbinds a volume it bound itself
//     in that case: "the controller tried to use this volume for a claim
//     but the claim was fulfilled by another volume. We did this; fix
//     it.")
//   - A volume whose claimRef names a claim that is gone (or another uid)
//     is Released (Retain; Recycle is not modelled) or deleted (Delete);
//     not Available, not Bound.
//   - A claim without a volume has no volume it could take: none without
//     a claimRef satisfies it (capacity, access modes, storage class,
//     selector).
//
// Volumes pre-bound by a user (a claimRef without uid) are out of scope.
func VolumesSettle(s *model.Snapshot) []model.Violation {
	var out []model.Violation
	claim := func(ref *api.ObjectReference) *api.PersistentVolumeClaim {
		for _, c := range s.PVCs {
			if c.Namespace == ref.Namespace && c.Name == ref.Name && c.UID == ref.UID {
				return c
			}
		}
		return nil
	}
	for _, pv := range s.PVs {
		ref := pv.Spec.ClaimRef
		if ref == nil || ref.UID == "" || pv.DeletionTimestamp != nil {
			continue
		}
		name := "PersistentVolume " + pv.Name
		c := claim(ref)
		switch {
		case c != nil && c.Spec.VolumeName != "" && c.Spec.VolumeName != pv.Name:
			out = append(out, model.Violation{Invariant: "VolumesSettle", Object: name,
				Message: fmt.Sprintf("claimRef names %s/%s, which is bound to %s: stranded", ref.Namespace, ref.Name, c.Spec.VolumeName)})
		case c == nil && (pv.Status.Phase != api.VolumeReleased || pv.Spec.PersistentVolumeReclaimPolicy == api.PersistentVolumeReclaimDelete):
			want := "Released"
			if pv.Spec.PersistentVolumeReclaimPolicy == api.PersistentVolumeReclaimDelete {
				want = "deleted, by its reclaim policy"
			}
			out = append(out, model.Violation{Invariant: "VolumesSettle", Object: name,
				Message: fmt.Sprintf("claimRef names %s/%s (uid %s), which is gone, in phase %s (want %s)",
					ref.Namespace, ref.Name, ref.UID, pv.Status.Phase, want)})
		}
	}
	for _, c := range s.PVCs {
		if c.Spec.VolumeName != "" || c.DeletionTimestamp != nil {
			continue
		}
		for _, pv := range s.PVs {
			if pv.Spec.ClaimRef == nil && pv.DeletionTimestamp == nil && satisfies(pv, c) {
				out = append(out, model.Violation{Invariant: "VolumesSettle",
					Object:  "PersistentVolumeClaim " + c.Namespace + "/" + c.Name,
					Message: "pending, but volume " + pv.Name + " is free and satisfies it"})
				break
			}
		}
	}
	return out
}

// satisfies reports whether volume pv can hold claim c.
func satisfies(pv *api.PersistentVolume, c *api.PersistentVolumeClaim) bool {
	want := c.Spec.Resources.Requests[api.ResourceStorage]
	have, ok := pv.Spec.Capacity[api.ResourceStorage]
	if !ok || have.Cmp(want) < 0 {
		return false
	}
	for _, m := range c.Spec.AccessModes {
		if !slices.Contains(pv.Spec.AccessModes, m) {
			return false
		}
	}
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	return class == pv.Spec.StorageClassName && (c.Spec.Selector == nil || c.Spec.Selector.Matches(pv.Labels))
}
