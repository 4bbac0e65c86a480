package control

import (
	"reflect"

	"github.com/capstan-dev/capstan/core/api"
)

// kind is the kind of a mirrored object, for quick dispatch.
type kind uint8

const (
	kindOther kind = iota
	kindPod
	kindNode
	kindReplicaSet
	kindDeployment
	kindService
	kindEndpoints
	kindNamespace
	kindLease
	kindPV
	kindPVC
	numKinds
)

// kindOf returns the kind of obj.
func kindOf(obj api.Object) kind {
	switch obj.(type) {
	case *api.Pod:
		return kindPod
	case *api.Node:
		return kindNode
	case *api.ReplicaSet:
		return kindReplicaSet
	case *api.Deployment:
		return kindDeployment
	case *api.Service:
		return kindService
	case *api.Endpoints:
		return kindEndpoints
	case *api.Namespace:
		return kindNamespace
	case *api.Lease:
		return kindLease
	case *api.PersistentVolume:
		return kindPV
	case *api.PersistentVolumeClaim:
		return kindPVC
	}
	return kindOther
}

// kindName returns the kind name of obj from its Go type, for objects
// whose TypeMeta is empty.
func kindName(obj api.Object) string {
	switch obj.(type) {
	case *api.Pod:
		return "Pod"
	case *api.Node:
		return "Node"
	case *api.ReplicaSet:
		return "ReplicaSet"
	case *api.Deployment:
		return "Deployment"
	case *api.Service:
		return "Service"
	case *api.Endpoints:
		return "Endpoints"
	case *api.Namespace:
		return "Namespace"
	case *api.Lease:
		return "Lease"
	case *api.PersistentVolume:
		return "PersistentVolume"
	case *api.PersistentVolumeClaim:
		return "PersistentVolumeClaim"
	case *api.Event:
		return "Event"
	case *api.ConfigMap:
		return "ConfigMap"
	case *api.Secret:
		return "Secret"
	case *api.ServiceAccount:
		return "ServiceAccount"
	}
	return ""
}

// sameLabels reports whether two label maps are equal. The versions of
// a pod, and the pods of one template, share one map: that is seen
// without a look inside (as reflect.DeepEqual does).
func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() {
		return true
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sameOwnerUIDs(a, b []api.OwnerReference) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] { // one array: a pod's versions share it
		return true
	}
	for i := range a {
		if a[i].UID != b[i].UID || isController(&a[i]) != isController(&b[i]) {
			return false
		}
	}
	return true
}

func isController(r *api.OwnerReference) bool { return r.Controller != nil && *r.Controller }

// controllerOf returns the controller reference of an object, or nil.
func controllerOf(m *api.ObjectMeta) *api.OwnerReference { return controllerIn(m.OwnerReferences) }

// controllerIn returns the controller reference among refs, or nil.
func controllerIn(refs []api.OwnerReference) *api.OwnerReference {
	for i := range refs {
		if isController(&refs[i]) {
			return &refs[i]
		}
	}
	return nil
}
