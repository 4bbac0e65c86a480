package api

import (
	"fmt"
	"math"
	"reflect"
	"strings"
)

// ValidateUpdate returns every problem of replacing oldObj by newObj: those
// of newObj itself (Validate) and those of the change, for the fields that
// may not change:
//
//   - metadata.name, metadata.namespace and metadata.uid;
//   - a Deployment's or ReplicaSet's spec.selector;
//   - a Pod's spec, but for container images, a shorter
//     activeDeadlineSeconds, added tolerations, and nodeName from unset
//     (binding); a set nodeName never changes;
//   - a Service's clusterIP once set (unless it is or becomes ExternalName);
//   - a PersistentVolumeClaim's spec, but for the storage request of a bound
//     claim (which may only grow) and volumeName from unset;
//   - a PersistentVolume's source and node affinity;
//   - a Node's podCIDR and providerID once set;
//   - a Secret's type, and the data of a Secret or ConfigMap marked
//     immutable (which stays so).
//
// Both objects are expected to be defaulted.
func ValidateUpdate(newObj, oldObj Object) ErrorList {
	errs := Validate(newObj)
	if isNilObject(newObj) || isNilObject(oldObj) {
		return errs
	}
	if reflect.TypeOf(newObj) != reflect.TypeOf(oldObj) {
		return append(errs, NewPath("kind").Invalid(reflect.TypeOf(newObj).Elem().Name(),
			fmt.Sprintf("may not change from %s", reflect.TypeOf(oldObj).Elem().Name())))
	}
	errs = append(errs, validateObjectMetaUpdate(newObj.GetObjectMeta(), oldObj.GetObjectMeta(), NewPath("metadata"))...)
	switch n := newObj.(type) {
	case *Pod:
		errs = append(errs, validatePodUpdate(n, oldObj.(*Pod))...)
	case *ReplicaSet:
		errs = append(errs, validateImmutable(n.Spec.Selector, oldObj.(*ReplicaSet).Spec.Selector, NewPath("spec", "selector"))...)
	case *Deployment:
		errs = append(errs, validateImmutable(n.Spec.Selector, oldObj.(*Deployment).Spec.Selector, NewPath("spec", "selector"))...)
	case *Service:
		errs = append(errs, validateServiceUpdate(n, oldObj.(*Service))...)
	case *PersistentVolumeClaim:
		errs = append(errs, validatePVCUpdate(n, oldObj.(*PersistentVolumeClaim))...)
	case *PersistentVolume:
		errs = append(errs, validatePVUpdate(n, oldObj.(*PersistentVolume))...)
	case *Node:
		errs = append(errs, validateNodeUpdate(n, oldObj.(*Node))...)
	case *Secret:
		errs = append(errs, validateSecretUpdate(n, oldObj.(*Secret))...)
	case *ConfigMap:
		errs = append(errs, validateConfigMapUpdate(n, oldObj.(*ConfigMap))...)
	}
	return errs
}

func validateObjectMetaUpdate(n, o *ObjectMeta, p *FieldPath) ErrorList {
	var errs ErrorList
	errs = append(errs, validateImmutable(n.Name, o.Name, p.Child("name"))...)
	errs = append(errs, validateImmutable(n.Namespace, o.Namespace, p.Child("namespace"))...)
	errs = append(errs, validateImmutable(n.UID, o.UID, p.Child("uid"))...)
	return errs
}

// validateImmutable reports "field is immutable" if n and o differ (nil and
// empty maps and slices are equal).
func validateImmutable(n, o any, p *FieldPath) ErrorList {
	if semanticEqual(reflect.ValueOf(n), reflect.ValueOf(o)) {
		return nil
	}
	return ErrorList{p.Invalid(n, fieldImmutableErrMsg)}
}

const podUpdateForbiddenMsg = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

func validatePodUpdate(n, o *Pod) ErrorList {
	var errs ErrorList
	sp := NewPath("spec")
	if o.Spec.NodeName != "" && n.Spec.NodeName != o.Spec.NodeName {
		errs = append(errs, sp.Child("nodeName").Invalid(n.Spec.NodeName, fieldImmutableErrMsg))
	}
	ads := sp.Child("activeDeadlineSeconds")
	switch nd, od := n.Spec.ActiveDeadlineSeconds, o.Spec.ActiveDeadlineSeconds; {
	case nd == nil && od != nil:
		errs = append(errs, ads.Invalid(nd, "must not update from a positive integer to nil value"))
	case nd != nil && od != nil && *nd > *od && *nd <= math.MaxInt32:
		errs = append(errs, ads.Invalid(*nd, "must be less than or equal to previous value"))
	}
	if !onlyAddedTolerations(n.Spec.Tolerations, o.Spec.Tolerations) {
		errs = append(errs, sp.Child("tolerations").Forbidden("existing toleration can not be modified except its tolerationSeconds"))
	}
	// Everything else must be as it was: mask what may change and compare.
	masked := DeepCopy(n.Spec)
	if len(masked.Containers) == len(o.Spec.Containers) {
		for i := range masked.Containers {
			masked.Containers[i].Image = o.Spec.Containers[i].Image
		}
	}
	if len(masked.InitContainers) == len(o.Spec.InitContainers) {
		for i := range masked.InitContainers {
			masked.InitContainers[i].Image = o.Spec.InitContainers[i].Image
		}
	}
	masked.ActiveDeadlineSeconds = o.Spec.ActiveDeadlineSeconds
	masked.Tolerations = o.Spec.Tolerations
	masked.NodeName = o.Spec.NodeName
	if changed := changedFields(masked, o.Spec); len(changed) > 0 {
		errs = append(errs, sp.Forbidden(podUpdateForbiddenMsg+"\n  changed: "+strings.Join(changed, ", ")))
	}
	return errs
}

// onlyAddedTolerations reports whether every old toleration is still in
// the new list (its tolerationSeconds may change).
func onlyAddedTolerations(n, o []Toleration) bool {
	for _, ot := range o {
		found := false
		for _, nt := range n {
			cmp := ot
			cmp.TolerationSeconds = nt.TolerationSeconds
			if semanticEqual(reflect.ValueOf(cmp), reflect.ValueOf(nt)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// changedFields returns the JSON names of the fields of struct values a
// and b that differ.
func changedFields(a, b any) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := 0; i < va.NumField(); i++ {
		if !semanticEqual(va.Field(i), vb.Field(i)) {
			name, _, _ := strings.Cut(va.Type().Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

func validateServiceUpdate(n, o *Service) ErrorList {
	if n.Spec.Type == ServiceTypeExternalName || o.Spec.Type == ServiceTypeExternalName {
		return nil
	}
	if o.Spec.ClusterIP != "" && n.Spec.ClusterIP != o.Spec.ClusterIP {
		return ErrorList{NewPath("spec", "clusterIP").Invalid(n.Spec.ClusterIP, fieldImmutableErrMsg)}
	}
	return nil
}

func validatePVCUpdate(n, o *PersistentVolumeClaim) ErrorList {
	var errs ErrorList
	bound := o.Status.Phase == ClaimBound
	masked := DeepCopy(n.Spec)
	if o.Spec.VolumeName == "" {
		masked.VolumeName = ""
	}
	if bound {
		masked.Resources.Requests = o.Spec.Resources.Requests
		nq, nok := n.Spec.Resources.Requests[ResourceStorage]
		oq, ook := o.Spec.Resources.Requests[ResourceStorage]
		if nok && ook && nq.Cmp(oq) < 0 {
			errs = append(errs, NewPath("spec", "resources", "requests", "storage").Forbidden("field can not be less than previous value"))
		}
	}
	if !semanticEqual(reflect.ValueOf(masked), reflect.ValueOf(o.Spec)) {
		errs = append(errs, NewPath("spec").Forbidden("spec is immutable after creation except resources.requests for bound claims"))
	}
	return errs
}

func validatePVUpdate(n, o *PersistentVolume) ErrorList {
	var errs ErrorList
	if !semanticEqual(reflect.ValueOf(n.Spec.HostPath), reflect.ValueOf(o.Spec.HostPath)) ||
		!semanticEqual(reflect.ValueOf(n.Spec.Local), reflect.ValueOf(o.Spec.Local)) {
		errs = append(errs, NewPath("spec", "persistentvolumesource").Forbidden("spec.persistentvolumesource is immutable after creation"))
	}
	errs = append(errs, validateImmutable(n.Spec.NodeAffinity, o.Spec.NodeAffinity, NewPath("spec", "nodeAffinity"))...)
	return errs
}

func validateNodeUpdate(n, o *Node) ErrorList {
	var errs ErrorList
	if o.Spec.PodCIDR != "" && n.Spec.PodCIDR != o.Spec.PodCIDR {
		errs = append(errs, NewPath("spec", "podCIDRs").Forbidden("node updates may not change podCIDR except from \"\" to valid"))
	}
	if o.Spec.ProviderID != "" && n.Spec.ProviderID != o.Spec.ProviderID {
		errs = append(errs, NewPath("spec", "providerID").Forbidden("node updates may not change providerID except from \"\" to valid"))
	}
	return errs
}

const immutableWhenSetMsg = "field is immutable when `immutable` is set"

func validateSecretUpdate(n, o *Secret) ErrorList {
	errs := validateImmutable(n.Type, o.Type, NewPath("type"))
	if o.Immutable != nil && *o.Immutable {
		if n.Immutable == nil || !*n.Immutable {
			errs = append(errs, NewPath("immutable").Forbidden(immutableWhenSetMsg))
		}
		if !semanticEqual(reflect.ValueOf(n.Data), reflect.ValueOf(o.Data)) || len(n.StringData) > 0 {
			errs = append(errs, NewPath("data").Forbidden(immutableWhenSetMsg))
		}
	}
	return errs
}

func validateConfigMapUpdate(n, o *ConfigMap) ErrorList {
	var errs ErrorList
	if o.Immutable != nil && *o.Immutable {
		if n.Immutable == nil || !*n.Immutable {
			errs = append(errs, NewPath("immutable").Forbidden(immutableWhenSetMsg))
		}
		if !semanticEqual(reflect.ValueOf(n.Data), reflect.ValueOf(o.Data)) {
			errs = append(errs, NewPath("data").Forbidden(immutableWhenSetMsg))
		}
		if !semanticEqual(reflect.ValueOf(n.BinaryData), reflect.ValueOf(o.BinaryData)) {
			errs = append(errs, NewPath("binaryData").Forbidden(immutableWhenSetMsg))
		}
	}
	return errs
}

// semanticEqual is reflect.DeepEqual but for nil and empty maps and slices,
// which are equal (as in Kubernetes' equality.Semantic). It reads
// unexported fields (Quantity's) without calling Interface.
func semanticEqual(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return semanticEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !semanticEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !semanticEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		iter := a.MapRange()
		for iter.Next() {
			bv := b.MapIndex(iter.Key())
			if !bv.IsValid() || !semanticEqual(iter.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return false
}
