package simtest

import (
	"reflect"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// writeChecks judges the state right after one write (the mirror has taken
// it) with the snapshot invariants that must hold at every revision, on
// the part of the state the write can affect: the node a pod was bound to
// (NoOvercommit), a pod and the ReplicaSet controlling it, or a ReplicaSet
// and its pods (ReplicaSetOwnsOnlyMatching), a Deployment and its
// ReplicaSets (RollingUpdateBounds, surge half: the availability half is
// judged at grid points), every volume and claim (PVBoundToAtMostOnePVC).
// The grid-point checks judge the whole state; these catch what is wrong
// only between two grid points.
func (ck *checker) writeChecks(res string, ev *store.Event) {
	if ev.Type == store.Deleted {
		return // a removal frees, and owns, nothing more
	}
	switch o := ev.Object.(type) {
	case *api.Pod:
		prev, _ := ev.PrevObject.(*api.Pod)
		if o.Spec.NodeName != "" && (prev == nil || prev.Spec.NodeName == "") {
			ck.nodeOvercommit(o.Spec.NodeName)
		}
		if r := controllerOf(&o.ObjectMeta); r != nil && r.Kind == "ReplicaSet" && (prev == nil ||
			!reflect.DeepEqual(prev.Labels, o.Labels) || !reflect.DeepEqual(prev.OwnerReferences, o.OwnerReferences)) {
			if rs, ok := ck.objs[api.KeyFor("replicasets", o.Namespace, r.Name)]; ok {
				ck.eval("ReplicaSetOwnsOnlyMatching")
				ck.violate("safety", model.ReplicaSetOwnsOnlyMatching(model.NewSnapshot(o, rs)))
			}
		}
	case *api.ReplicaSet:
		prev, _ := ev.PrevObject.(*api.ReplicaSet)
		if prev == nil || !reflect.DeepEqual(prev.Spec.Selector, o.Spec.Selector) {
			objs := []api.Object{o}
			for _, p := range ck.objs {
				if p, ok := p.(*api.Pod); ok && p.Namespace == o.Namespace && controlled(&p.ObjectMeta, "ReplicaSet", &o.ObjectMeta) {
					objs = append(objs, p)
				}
			}
			ck.eval("ReplicaSetOwnsOnlyMatching")
			ck.violate("safety", model.ReplicaSetOwnsOnlyMatching(model.NewSnapshot(objs...)))
		}
		if r := controllerOf(&o.ObjectMeta); r != nil && r.Kind == "Deployment" {
			ck.surge(o.Namespace, r.Name)
		}
	case *api.Deployment:
		ck.surge(o.Namespace, o.Name)
	case *api.Node:
		if prev, _ := ev.PrevObject.(*api.Node); prev == nil || !reflect.DeepEqual(prev.Status.Allocatable, o.Status.Allocatable) {
			ck.nodeOvercommit(o.Name)
		}
	case *api.PersistentVolume, *api.PersistentVolumeClaim:
		var objs []api.Object
		for _, x := range ck.objs {
			switch x.(type) {
			case *api.PersistentVolume, *api.PersistentVolumeClaim:
				objs = append(objs, x)
			}
		}
		ck.eval("PVBoundToAtMostOnePVC")
		ck.violate("safety", model.PVBoundToAtMostOnePVC(model.NewSnapshot(objs...)))
	}
}

// nodeOvercommit runs NoOvercommit on one node and the pods bound to it.
func (ck *checker) nodeOvercommit(node string) {
	n, ok := ck.objs[api.KeyFor("nodes", "", node)]
	if !ok {
		return
	}
	objs := []api.Object{n}
	for _, p := range ck.objs {
		if p, ok := p.(*api.Pod); ok && p.Spec.NodeName == node {
			objs = append(objs, p)
		}
	}
	ck.eval("NoOvercommit")
	ck.violate("safety", model.NoOvercommit(model.NewSnapshot(objs...)))
}

// surge runs RollingUpdateBounds on one Deployment and its ReplicaSets,
// keeping the surge half.
func (ck *checker) surge(ns, name string) {
	d, ok := ck.objs[api.KeyFor("deployments", ns, name)].(*api.Deployment)
	if !ok {
		return
	}
	objs := []api.Object{d}
	for _, x := range ck.objs {
		if rs, ok := x.(*api.ReplicaSet); ok && rs.Namespace == ns && controlled(&rs.ObjectMeta, "Deployment", &d.ObjectMeta) {
			objs = append(objs, rs)
		}
	}
	ck.eval("RollingUpdateBounds")
	var vs []model.Violation
	for _, v := range model.RollingUpdateBounds(model.NewSnapshot(objs...)) {
		if !availabilityHalf(v) {
			vs = append(vs, v)
		}
	}
	ck.violate("safety", vs)
}

func controllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if r := &m.OwnerReferences[i]; r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}
