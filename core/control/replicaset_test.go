package control

import (
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func TestReplicaSetScaleUpSlowStart(t *testing.T) {
	h := newHarness(t, Config{Seed: 1})
	h.addNode("n1", "8", "16Gi")
	h.create(replicaSet("web", 10, "web"))
	// Slow start: one create, then two, four, three.
	var batches []int
	for i := 0; i < 20; i++ {
		before := len(h.writes("create Pod"))
		if h.step() == 0 && !h.m.Pending() {
			break
		}
		if n := len(h.writes("create Pod")) - before; n > 0 {
			batches = append(batches, n)
		}
	}
	if got := len(h.activePods("web")); got != 10 {
		t.Fatalf("pods = %d, want 10", got)
	}
	if want := []int{1, 2, 4, 3}; !equalInts(batches, want) {
		t.Errorf("create batches = %v, want %v", batches, want)
	}
	for _, p := range h.activePods("web") {
		if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != len("web-")+5 {
			t.Errorf("pod name %q, want web-<5 chars>", p.Name)
		}
		if p.Spec.NodeName != "n1" || !podReady(p) {
			t.Errorf("pod %s not running on n1", p.Name)
		}
	}
	rs := h.get("replicasets", "default", "web").(*api.ReplicaSet)
	if st := rs.Status; st.Replicas != 10 || st.ReadyReplicas != 10 || st.AvailableReplicas != 10 || st.FullyLabeledReplicas != 10 || st.ObservedGeneration != 1 {
		t.Errorf("status = %+v", st)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReplicaSetScaleDownVictimOrder(t *testing.T) {
	h := newHarness(t, Config{Seed: 2})
	h.addNode("n1", "1", "16Gi")
	h.create(replicaSet("web", 4, "web"))
	h.settle()
	// One pod not ready; two more pods ready a minute later than the rest.
	pods := h.activePods("web")
	h.notReady[pods[0].Name] = true
	h.advance(time.Minute)
	h.mutate("replicasets", "default", "web", func(o api.Object) {
		o.(*api.ReplicaSet).Spec.Replicas = int32p(6)
	})
	h.settle()
	all := h.activePods("web")
	if len(all) != 6 {
		t.Fatalf("pods = %d", len(all))
	}
	h.mutate("replicasets", "default", "web", func(o api.Object) {
		o.(*api.ReplicaSet).Spec.Replicas = int32p(5)
	})
	h.settle()
	// The not-ready pod goes first (all are scheduled).
	if d := h.writes("delete Pod"); len(d) != 1 || !strings.Contains(d[0], pods[0].Name) {
		t.Fatalf("deletes = %v, want %s first", d, pods[0].Name)
	}
	// Then, of ready pods, those ready for the shortest time.
	h.mutate("replicasets", "default", "web", func(o api.Object) {
		o.(*api.ReplicaSet).Spec.Replicas = int32p(3)
	})
	h.settle()
	left := h.activePods("web")
	if len(left) != 3 {
		t.Fatalf("pods = %d, want 3", len(left))
	}
	for _, p := range left {
		if podCondition(p, api.PodReady).LastTransitionTime != t0 {
			t.Errorf("kept %s, ready since %v; want the pods ready longest", p.Name, podCondition(p, api.PodReady).LastTransitionTime)
		}
	}
}

func TestReplicaSetUnscheduledDeletedFirst(t *testing.T) {
	h := newHarness(t, Config{Seed: 3})
	h.addNode("n1", "250m", "16Gi")
	h.create(replicaSet("web", 4, "web"))
	h.settle()
	var bound, pending int
	for _, p := range h.activePods("web") {
		if p.Spec.NodeName == "" {
			pending++
		} else {
			bound++
		}
	}
	if bound != 2 || pending != 2 {
		t.Fatalf("bound=%d pending=%d, want 2 and 2", bound, pending)
	}
	h.mutate("replicasets", "default", "web", func(o api.Object) {
		o.(*api.ReplicaSet).Spec.Replicas = int32p(2)
	})
	h.settle()
	for _, p := range h.activePods("web") {
		if p.Spec.NodeName == "" {
			t.Errorf("unscheduled pod %s survived the scale down", p.Name)
		}
	}
}

func TestReplicaSetExpectationsPreventDoubleCreate(t *testing.T) {
	h := newHarness(t, Config{Seed: 4})
	h.addNode("n1", "8", "16Gi")
	h.create(replicaSet("web", 3, "web"))
	// Ready without feeding the creates back: the machine must not create
	// again, however often it is asked (events for the RS keep coming).
	creates := 0
	for w := range h.m.Ready().All() {
		if w.Op == OpCreate && w.Kind() == "Pod" {
			creates++
		}
	}
	if creates != 1 {
		t.Fatalf("first Ready created %d pods, want 1 (slow start)", creates)
	}
	h.mutate("replicasets", "default", "web", func(o api.Object) { o.GetObjectMeta().Labels["touched"] = "1" })
	for i := 0; i < 3; i++ {
		for w := range h.m.Ready().All() {
			if w.Op == OpCreate && w.Kind() == "Pod" {
				t.Fatalf("created again before observing: %s", w.Describe())
			}
		}
	}
	// Expectations expire after ExpectationsTimeout: then it creates again.
	h.now = h.now.Add(6 * time.Minute)
	h.m.Tick(h.now)
	creates = 0
	for w := range h.m.Ready().All() {
		if w.Op == OpCreate && w.Kind() == "Pod" {
			creates++
		}
	}
	if creates == 0 {
		t.Fatal("no create after the expectations expired")
	}
}

func TestReplicaSetCreateFailureClearsExpectation(t *testing.T) {
	h := newHarness(t, Config{Seed: 5})
	h.addNode("n1", "8", "16Gi")
	failures := 2
	h.fail = func(w Write) (api.StatusReason, bool) {
		if w.Op == OpCreate && w.Kind() == "Pod" && failures > 0 {
			failures--
			return api.StatusReasonForbidden, true
		}
		return "", false
	}
	h.create(replicaSet("web", 3, "web"))
	h.step()
	rsFailed := false
	for i := 0; i < 5; i++ {
		h.step()
		rs := h.get("replicasets", "default", "web").(*api.ReplicaSet)
		if findRSCondition(rs.Status.Conditions, "ReplicaFailure") != nil {
			rsFailed = true
		}
	}
	if !rsFailed {
		t.Error("no ReplicaFailure condition after a failed create")
	}
	h.settle()
	if got := len(h.activePods("web")); got != 3 {
		t.Fatalf("pods = %d, want 3 after failures were retried", got)
	}
	rs := h.get("replicasets", "default", "web").(*api.ReplicaSet)
	if c := findRSCondition(rs.Status.Conditions, "ReplicaFailure"); c != nil {
		t.Errorf("ReplicaFailure still set: %+v", c)
	}
}

func TestReplicaSetAdoptAndRelease(t *testing.T) {
	h := newHarness(t, Config{Seed: 6})
	h.addNode("n1", "8", "16Gi")
	h.create(barePod("orphan-1", map[string]string{"app": "web"}, "100m"))
	h.create(barePod("orphan-2", map[string]string{"app": "web"}, "100m"))
	h.create(barePod("other", map[string]string{"app": "db"}, "100m"))
	h.settle()
	h.create(replicaSet("web", 3, "web"))
	h.settle()
	web := h.activePods("web")
	if len(web) != 3 {
		t.Fatalf("web pods = %d, want 3 (2 adopted + 1 created)", len(web))
	}
	if len(h.writes("update Pod default/orphan-", "adopt")) != 2 {
		t.Errorf("adoptions: %v", h.writes("adopt"))
	}
	for _, p := range web {
		if r := controllerOf(&p.ObjectMeta); r == nil || r.Name != "web" {
			t.Errorf("pod %s not controlled by web", p.Name)
		}
	}
	if r := controllerOf(&h.get("pods", "default", "other").(*api.Pod).ObjectMeta); r != nil {
		t.Errorf("other adopted by %s", r.Name)
	}
	// Relabel an owned pod: it is released and replaced.
	h.mutate("pods", "default", "orphan-1", func(o api.Object) { o.GetObjectMeta().Labels = map[string]string{"app": "moved"} })
	h.settle()
	if r := controllerOf(&h.get("pods", "default", "orphan-1").(*api.Pod).ObjectMeta); r != nil {
		t.Errorf("orphan-1 still owned by %s after relabel", r.Name)
	}
	if got := len(h.activePods("web")); got != 3 {
		t.Errorf("web pods = %d after release, want 3", got)
	}
}

func TestReplicaSetMinReadySeconds(t *testing.T) {
	h := newHarness(t, Config{Seed: 7})
	h.addNode("n1", "8", "16Gi")
	rs := replicaSet("web", 2, "web")
	rs.Spec.MinReadySeconds = 30
	h.create(rs)
	h.settle()
	got := h.get("replicasets", "default", "web").(*api.ReplicaSet).Status
	if got.ReadyReplicas != 2 || got.AvailableReplicas != 0 {
		t.Fatalf("status = %+v, want 2 ready, 0 available", got)
	}
	if at, ok := h.m.NextTimer(); !ok || at != t0.Add(30*time.Second)+1 {
		t.Errorf("next timer = %v %v, want t0+30s", at, ok)
	}
	h.advance(31 * time.Second)
	got = h.get("replicasets", "default", "web").(*api.ReplicaSet).Status
	if got.AvailableReplicas != 2 {
		t.Fatalf("status = %+v, want 2 available after 31s", got)
	}
}
