package model

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// claimRefNames reports whether a volume's claimRef names the claim: same
// namespace and name, and the same uid when the reference has one.
func claimRefNames(ref *api.ObjectReference, c *api.PersistentVolumeClaim) bool {
	return ref != nil && ref.Namespace == c.Namespace && ref.Name == c.Name && (ref.UID == "" || ref.UID == c.UID)
}

// PVBoundToAtMostOnePVC: a volume serves at most one claim, and the two
// sides of a binding agree. Binding is written in steps (kube's binder,
// and capstan's: the volume's claimRef first, then the claim's
// volumeName, then both phases Bound), so the invariant allows each
// half-done state and forbids the rest:
//
//   - at most one claim has spec.volumeName naming a given volume;
//   - a claim whose volumeName names an existing volume that has a
//     claimRef is named by that claimRef (a volume without one may be a
//     claim's pre-binding target);
//   - a claim in phase Bound has a volumeName, and if that volume exists
//     its claimRef names the claim;
//   - a volume in phase Bound has a claimRef.
//
// A claim bound to a volume that is gone (phase Lost) is out of scope.
func PVBoundToAtMostOnePVC(s *Snapshot) []Violation {
	var out []Violation
	claimsOf := map[string][]string{}
	for _, c := range s.PVCs {
		name := describeObject("PersistentVolumeClaim", &c.ObjectMeta)
		v := c.Spec.VolumeName
		if v == "" {
			if c.Status.Phase == api.ClaimBound {
				out = append(out, Violation{"PVBoundToAtMostOnePVC", name, "phase Bound without a volumeName"})
			}
			continue
		}
		claimsOf[v] = append(claimsOf[v], c.Namespace+"/"+c.Name)
		pv := findPV(s.PVs, v)
		if pv == nil {
			continue
		}
		ref := pv.Spec.ClaimRef
		switch {
		case ref != nil && !claimRefNames(ref, c):
			out = append(out, Violation{"PVBoundToAtMostOnePVC", name, fmt.Sprintf("volumeName %s, whose claimRef names %s/%s (uid %q)", v, ref.Namespace, ref.Name, ref.UID)})
		case ref == nil && c.Status.Phase == api.ClaimBound:
			out = append(out, Violation{"PVBoundToAtMostOnePVC", name, fmt.Sprintf("phase Bound to %s, which has no claimRef", v)})
		}
	}
	for _, pv := range s.PVs {
		name := describeObject("PersistentVolume", &pv.ObjectMeta)
		if claims := claimsOf[pv.Name]; len(claims) > 1 {
			out = append(out, Violation{"PVBoundToAtMostOnePVC", name, "claimed by " + strings.Join(claims, ", ")})
		}
		if pv.Status.Phase == api.VolumeBound && pv.Spec.ClaimRef == nil {
			out = append(out, Violation{"PVBoundToAtMostOnePVC", name, "phase Bound without a claimRef"})
		}
	}
	// Claims naming volumes that do not exist can still collide.
	for v, claims := range claimsOf {
		if len(claims) > 1 && findPV(s.PVs, v) == nil {
			out = append(out, Violation{"PVBoundToAtMostOnePVC", "PersistentVolume " + v, "claimed by " + strings.Join(claims, ", ") + " (volume missing)"})
		}
	}
	return sortViolations(out)
}
