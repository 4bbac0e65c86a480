package checks

import (
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// Tiny object builders for the invariants' unit tests.

var yes = true

func mkNode(name, cpu, mem, pods string, ready bool, taints ...api.Taint) *api.Node {
	status := api.ConditionTrue
	if !ready {
		status = api.ConditionFalse
	}
	return &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, UID: "uid-" + name, Labels: map[string]string{api.LabelHostname: name}},
		Spec:       api.NodeSpec{Taints: taints},
		Status: api.NodeStatus{
			Allocatable: api.ResourceList{api.ResourceCPU: api.MustParseQuantity(cpu), api.ResourceMemory: api.MustParseQuantity(mem), api.ResourcePods: api.MustParseQuantity(pods)},
			Conditions:  []api.NodeCondition{{Type: api.NodeReady, Status: status}},
		},
	}
}

type podOpt func(*api.Pod)

func mkPod(ns, name string, opts ...podOpt) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + name, Labels: map[string]string{}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "img"}}},
		Status:     api.PodStatus{Phase: api.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func onNode(n string) podOpt { return func(p *api.Pod) { p.Spec.NodeName = n } }

func withLabels(kv ...string) podOpt {
	return func(p *api.Pod) {
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func requesting(cpu, mem string) podOpt {
	return func(p *api.Pod) {
		req := api.ResourceList{}
		if cpu != "" {
			req[api.ResourceCPU] = api.MustParseQuantity(cpu)
		}
		if mem != "" {
			req[api.ResourceMemory] = api.MustParseQuantity(mem)
		}
		p.Spec.Containers[0].Resources.Requests = req
	}
}

func inPhase(phase string) podOpt { return func(p *api.Pod) { p.Status.Phase = phase } }

func ready(ip string) podOpt {
	return func(p *api.Pod) {
		p.Status.PodIP = ip
		p.Status.Conditions = append(p.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: api.ConditionTrue})
	}
}

func withIP(ip string) podOpt { return func(p *api.Pod) { p.Status.PodIP = ip } }

func ownedBy(kind, name string) podOpt {
	return func(p *api.Pod) {
		p.OwnerReferences = append(p.OwnerReferences, api.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, UID: "uid-" + name, Controller: &yes})
	}
}

func mkDeployment(name string, replicas int32) *api.Deployment {
	return &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec: api.DeploymentSpec{Replicas: &replicas, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": name}}}},
	}
}

func mkReplicaSet(name, deployment string, replicas int32) *api.ReplicaSet {
	rs := &api.ReplicaSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec:       api.ReplicaSetSpec{Replicas: &replicas, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": deployment}}},
	}
	if deployment != "" {
		rs.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: deployment, UID: "uid-" + deployment, Controller: &yes}}
	}
	return rs
}

// standaloneRS returns a ReplicaSet without owner, selecting app=app.
func standaloneRS(name, app string) *api.ReplicaSet {
	rs := mkReplicaSet(name, "", 1)
	rs.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": app}}
	return rs
}

// replicaPods returns n pods of a ReplicaSet labelled app=app, each with
// the options.
func replicaPods(rs, app string, n int, opts ...podOpt) []api.Object {
	var out []api.Object
	for i := range n {
		p := mkPod("default", rs+"-"+strconv.Itoa(i), append([]podOpt{withLabels("app", app), ownedBy("ReplicaSet", rs)}, opts...)...)
		out = append(out, p)
	}
	return out
}

func mkService(name string, selector map[string]string) *api.Service {
	return &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec:       api.ServiceSpec{Selector: selector, Ports: []api.ServicePort{{Port: 80}}},
	}
}

func mkEndpoints(name string, ready, notReady []*api.Pod) *api.Endpoints {
	addr := func(p *api.Pod) api.EndpointAddress {
		return api.EndpointAddress{IP: p.Status.PodIP, TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
	}
	sub := api.EndpointSubset{Ports: []api.EndpointPort{{Port: 80, Protocol: "TCP"}}}
	for _, p := range ready {
		sub.Addresses = append(sub.Addresses, addr(p))
	}
	for _, p := range notReady {
		sub.NotReadyAddresses = append(sub.NotReadyAddresses, addr(p))
	}
	return &api.Endpoints{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Subsets:    []api.EndpointSubset{sub},
	}
}

func mkPV(name string, claim *api.PersistentVolumeClaim, phase string) *api.PersistentVolume {
	pv := &api.PersistentVolume{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: api.ObjectMeta{Name: name, UID: "uid-" + name},
		Status:     api.PersistentVolumeStatus{Phase: phase},
	}
	if claim != nil {
		pv.Spec.ClaimRef = &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID}
	}
	return pv
}

func mkPVC(name, volume, phase string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec:       api.PersistentVolumeClaimSpec{VolumeName: volume},
		Status:     api.PersistentVolumeClaimStatus{Phase: phase},
	}
}

// historyOf numbers writes from revision 2, setting each object's
// resourceVersion (on a copy) to its revision.
func historyOf(writes ...model.Write) model.History {
	h := make(model.History, len(writes))
	for i, w := range writes {
		w.Revision = int64(i + 2)
		if w.Object != nil {
			w.Object = api.CopyObject(w.Object)
			w.Object.GetObjectMeta().ResourceVersion = strconv.FormatInt(w.Revision, 10)
		}
		h[i] = w
	}
	return h
}

func added(o api.Object) model.Write    { return model.Write{Type: model.Added, Object: o} }
func modified(o api.Object) model.Write { return model.Write{Type: model.Modified, Object: o} }
func deleted(o api.Object) model.Write  { return model.Write{Type: model.Deleted, Object: o} }
