package control

import (
	"slices"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func TestGCBackground(t *testing.T) {
	h := newHarness(t, Config{Seed: 50})
	h.addNode("n1", "4", "8Gi")
	h.create(deployment("web", 3, "nginx:1"))
	h.settle()
	h.del("deployments", "default", "web", PropagationBackground)
	h.settle()
	if n := len(h.list("replicasets")); n != 0 {
		t.Errorf("%d replica sets left", n)
	}
	if n := len(h.pods()); n != 0 {
		t.Errorf("%d pods left", n)
	}
}

func TestGCOrphan(t *testing.T) {
	h := newHarness(t, Config{Seed: 51})
	h.addNode("n1", "4", "8Gi")
	h.create(replicaSet("web", 2, "web"))
	h.settle()
	h.del("replicasets", "default", "web", PropagationOrphan)
	h.settle()
	if h.get("replicasets", "default", "web") != nil {
		t.Error("replica set not deleted after orphaning")
	}
	pods := h.activePods("web")
	if len(pods) != 2 {
		t.Fatalf("%d pods, want both orphans kept", len(pods))
	}
	for _, p := range pods {
		if len(p.OwnerReferences) != 0 {
			t.Errorf("pod %s still has owners %v", p.Name, p.OwnerReferences)
		}
	}
	// A new ReplicaSet adopts them instead of creating more.
	h.create(replicaSet("web2", 2, "web"))
	h.settle()
	if n := len(h.pods()); n != 2 {
		t.Errorf("%d pods after a new RS, want the 2 orphans adopted", n)
	}
}

func TestGCForeground(t *testing.T) {
	h := newHarness(t, Config{Seed: 52})
	h.addNode("n1", "4", "8Gi")
	h.create(deployment("web", 2, "nginx:1"))
	h.settle()
	h.down["n1"] = true // pods stay terminating: the owners must wait
	h.del("deployments", "default", "web", PropagationForeground)
	h.settle()
	d := h.get("deployments", "default", "web")
	if d == nil || d.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatal("deployment gone before its dependents")
	}
	for _, o := range h.list("replicasets") {
		if o.GetObjectMeta().DeletionTimestamp == nil {
			t.Errorf("replica set %s not being deleted", o.GetObjectMeta().Name)
		}
	}
	for _, p := range h.pods() {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s not being deleted", p.Name)
		}
	}
	h.down["n1"] = false
	h.settle()
	if len(h.list("deployments"))+len(h.list("replicasets"))+len(h.pods()) != 0 {
		t.Errorf("left: %d deployments, %d replica sets, %d pods", len(h.list("deployments")), len(h.list("replicasets")), len(h.pods()))
	}
}

func TestGCDanglingReferenceRemoved(t *testing.T) {
	h := newHarness(t, Config{Seed: 53})
	h.create(&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "owner", Namespace: "default"}})
	owner := h.get("configmaps", "default", "owner")
	cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "dep", Namespace: "default", OwnerReferences: []api.OwnerReference{
		{APIVersion: "v1", Kind: "ConfigMap", Name: "owner", UID: owner.GetObjectMeta().UID},
		{APIVersion: "v1", Kind: "ConfigMap", Name: "gone", UID: "no-such-uid"},
	}}}
	h.create(cm)
	h.settle()
	dep := h.get("configmaps", "default", "dep")
	if dep == nil || len(dep.GetObjectMeta().OwnerReferences) != 1 {
		t.Fatalf("dependent = %+v", dep)
	}
	h.del("configmaps", "default", "owner", "")
	h.settle()
	if h.get("configmaps", "default", "dep") != nil {
		t.Error("dependent outlives its last owner")
	}
}

func TestNamespaceDeletionCascades(t *testing.T) {
	h := newHarness(t, Config{Seed: 54})
	h.addNode("n1", "4", "8Gi")
	h.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "team"}})
	d := deployment("web", 2, "nginx:1")
	d.Namespace = "team"
	h.create(d)
	s := service("web", map[string]string{"app": "web"}, api.ServicePort{Port: 80})
	s.Namespace = "team"
	h.create(s)
	h.create(&api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "cfg", Namespace: "team", Finalizers: []string{"example.com/hold"}}})
	// Bare pods, which only the namespace deletes: two in a label group,
	// one with no labels (in no group).
	for _, p := range []*api.Pod{barePod("lone", map[string]string{"role": "cache"}, "100m"),
		barePod("other", map[string]string{"role": "cache"}, "100m"), barePod("plain", nil, "100m")} {
		p.Namespace = "team"
		h.create(p)
	}
	h.settle()
	if len(h.pods()) != 5 || h.get("endpoints", "team", "web") == nil {
		t.Fatalf("setup: %d pods", len(h.pods()))
	}
	h.del("namespaces", "", "team", "")
	h.settle()
	// A foreign finalizer holds its object, and so the namespace.
	ns := h.get("namespaces", "", "team")
	if ns == nil || ns.(*api.Namespace).Status.Phase != api.NamespaceTerminating {
		t.Fatalf("namespace = %+v", ns)
	}
	cfg := h.get("configmaps", "team", "cfg")
	if cfg == nil || cfg.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatalf("cfg = %+v", cfg)
	}
	if len(h.pods()) != 0 || h.get("deployments", "team", "web") != nil || h.get("services", "team", "web") != nil {
		t.Error("objects left in the namespace besides the held one")
	}
	h.mutate("configmaps", "team", "cfg", func(o api.Object) { o.GetObjectMeta().Finalizers = nil })
	h.settle()
	if h.get("namespaces", "", "team") != nil {
		t.Error("namespace not removed once empty")
	}
}

// TestBusyWaiterWokenByOutcome: a controller turned away because another
// controller's write to the same object is in flight is requeued when
// that write's event arrives, whoever made it and wherever dispatch
// routes its event (EXP-3 to EXP-5 in docs/bugs.md: the taint manager,
// the garbage collector and foreground deletion waited WriteTimeout, a
// minute, instead). Here the taint manager wants to evict a pod whose
// Ready=False status, written by the node lifecycle controller, is in
// flight.
func TestBusyWaiterWokenByOutcome(t *testing.T) {
	h := newHarness(t, Config{Seed: 70, DefaultTolerationSeconds: -1})
	h.addNode("n1", "4", "8Gi")
	h.create(barePod("a", nil, "100m"))
	h.settle()
	h.down["n1"] = true
	h.mutateStatus("nodes", "", "n1", func(o api.Object) {
		o.(*api.Node).Status.Conditions[0].Status = api.ConditionFalse
	})
	apply := func(w Write) {
		t.Helper()
		if err := h.reg.apply(w, h.now); err != nil {
			t.Fatalf("%s: %v", w.Describe(), err)
		}
		h.feed()
	}
	var taint, mark *Write // copies: the next Ready reuses ws
	ws := slices.Collect(h.m.Ready().All())
	for _, w := range ws {
		switch {
		case w.Kind() == "Node" && w.Op == OpUpdate:
			taint = &w
		case w.Kind() == "Pod" && w.Op == OpUpdateStatus:
			mark = &w
		}
	}
	if taint == nil || mark == nil {
		t.Fatalf("want the node's taints and the pod's Ready=False in one sync, got %v", describeWrites(ws))
	}
	apply(*taint) // the taint lands first: the taint manager meets the pod write in flight
	for w := range h.m.Ready().All() {
		if w.Op == OpDelete {
			t.Fatalf("evicted while the pod's status write is in flight: %s", w.Describe())
		}
	}
	apply(*mark)
	if !h.m.Pending() {
		t.Fatal("the pod write's outcome woke nothing")
	}
	ws = slices.Collect(h.m.Ready().All())
	if !slices.ContainsFunc(ws, func(w Write) bool { return w.Op == OpDelete && w.Name() == "a" && w.Controller == "taint-eviction" }) {
		t.Fatalf("pod not evicted once its status write came back: %v", describeWrites(ws))
	}
}

func describeWrites(ws []Write) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Describe())
	}
	return out
}
