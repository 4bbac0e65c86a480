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
		o := obj.(*api.Pod)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Node:
		o := obj.(*api.Node)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.ReplicaSet:
		o := obj.(*api.ReplicaSet)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Deployment:
		o := obj.(*api.Deployment)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Service:
		o := obj.(*api.Service)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.Namespace:
		o := obj.(*api.Namespace)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.PersistentVolume:
		o := obj.(*api.PersistentVolume)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	case *api.PersistentVolumeClaim:
		o := obj.(*api.PersistentVolumeClaim)
		if shared {
			s := o.Status
			*o, o.Status = *c, s
			return o
		}
		n := *c
		o.Status.DeepCopyInto(&n.Status)
		return &n
	}
	return nil
}
