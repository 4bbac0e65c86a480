package registry

import "github.com/capstan-dev/capstan/core/api"

// withStatus returns a new version of cur whose status is obj's and whose
// everything else is cur's, or nil if the kind has no status. The status
// is copied, unless shared: then obj, which the caller gave up, becomes
// the new version, its status memory kept as it is (UpdateStatusShared).
//
// The new version shares cur's metadata and spec memory rather than
// copying them: stored objects are never modified (the store copies, or
// shares with callers that promise not to modify), so two versions may
// share what they have in common.
func withStatus(cur, obj api.Object, shared bool) api.Object {
	switch c := cur.(type) {
	case *api.Pod:
		if shared {
			// obj was given up: its struct becomes the new version.
			n := obj.(*api.Pod)
			s := n.Status
			*n = *c
			n.Status = s
			return n
		}
		n := *c
		obj.(*api.Pod).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Node:
		n := *c
		obj.(*api.Node).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.ReplicaSet:
		n := *c
		obj.(*api.ReplicaSet).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Deployment:
		n := *c
		obj.(*api.Deployment).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Service:
		n := *c
		obj.(*api.Service).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Namespace:
		n := *c
		obj.(*api.Namespace).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.PersistentVolume:
		n := *c
		obj.(*api.PersistentVolume).Status.DeepCopyInto(&n.Status)
		return &n
	case *api.PersistentVolumeClaim:
		n := *c
		obj.(*api.PersistentVolumeClaim).Status.DeepCopyInto(&n.Status)
		return &n
	}
	return nil
}
