package control

import (
	"slices"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func (h *harness) node(name string) *api.Node { return h.get("nodes", "", name).(*api.Node) }

func hasTaint(n *api.Node, key, effect string) bool {
	return slices.ContainsFunc(n.Spec.Taints, func(t api.Taint) bool { return t.Key == key && t.Effect == effect })
}

func TestNodeLeaseExpiryEvictsAndReplaces(t *testing.T) {
	h := newHarness(t, Config{Seed: 30, RecordEvents: true})
	h.addNode("n1", "4", "8Gi")
	h.addNode("n2", "4", "8Gi")
	h.create(replicaSet("web", 4, "web"))
	h.settle()
	var onN1 []string
	for _, p := range h.activePods("web") {
		if p.Spec.NodeName == "n1" {
			onN1 = append(onN1, p.Name)
		}
	}
	if len(onN1) == 0 {
		t.Fatal("no pod on n1")
	}
	// n1 dies: its lease stops. Within the grace period nothing happens.
	h.down["n1"] = true
	h.advanceBy(39*time.Second, 13*time.Second)
	if c := h.node("n1").Condition(api.NodeReady); c.Status != api.ConditionTrue {
		t.Fatalf("n1 Ready=%s within the grace period", c.Status)
	}
	// It is marked at the first node monitor check (every 5s) after it.
	h.advance(6 * time.Second)
	n := h.node("n1")
	c := n.Condition(api.NodeReady)
	if c.Status != api.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
		t.Fatalf("n1 Ready = %+v", c)
	}
	if !hasTaint(n, api.TaintNodeUnreachable, api.TaintEffectNoExecute) || !hasTaint(n, api.TaintNodeUnreachable, api.TaintEffectNoSchedule) {
		t.Fatalf("n1 taints = %v", n.Spec.Taints)
	}
	if h.node("n2").Condition(api.NodeReady).Status != api.ConditionTrue {
		t.Fatal("n2 marked too")
	}
	// Its pods are marked not ready (endpoints drop them) but stay 300s.
	for _, name := range onN1 {
		p := h.get("pods", "default", name).(*api.Pod)
		if podReady(p) || p.DeletionTimestamp != nil {
			t.Fatalf("pod %s on the dead node: ready=%v deleting=%v", name, podReady(p), p.DeletionTimestamp != nil)
		}
	}
	if len(h.writes("create Event", "NodeNotReady")) != 1 {
		t.Errorf("NodeNotReady events: %v", h.writes("NodeNotReady"))
	}
	h.advanceBy(290*time.Second, 30*time.Second)
	for _, name := range onN1 {
		if h.get("pods", "default", name).(*api.Pod).DeletionTimestamp != nil {
			t.Fatalf("pod %s evicted before its 300s toleration", name)
		}
	}
	h.advance(20 * time.Second)
	for _, name := range onN1 {
		if p := h.get("pods", "default", name); p != nil && p.GetObjectMeta().DeletionTimestamp == nil {
			t.Fatalf("pod %s not evicted after 300s", name)
		}
	}
	if len(h.writes("TaintManagerEviction")) != len(onN1) {
		t.Errorf("eviction events: %v", h.writes("TaintManagerEviction"))
	}
	// Replacements run on n2.
	web := h.activePods("web")
	if len(web) != 4 {
		t.Fatalf("%d active web pods, want 4", len(web))
	}
	for _, p := range web {
		if p.Spec.NodeName != "n2" {
			t.Errorf("replacement %s on %q", p.Name, p.Spec.NodeName)
		}
	}
	// n1 comes back: its kubelet posts Ready, the taints go.
	h.down["n1"] = false
	h.mutateStatus("nodes", "", "n1", func(o api.Object) {
		n := o.(*api.Node)
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, LastHeartbeatTime: h.now}}
	})
	h.advance(time.Second)
	if n := h.node("n1"); len(n.Spec.Taints) != 0 {
		t.Errorf("n1 taints after recovery = %v", n.Spec.Taints)
	}
}

// mutateStatus updates a stored object's status with fn.
func (h *harness) mutateStatus(resource, ns, name string, fn func(o api.Object)) {
	h.t.Helper()
	o := api.CopyObject(h.get(resource, ns, name))
	fn(o)
	if err := h.reg.update(o, true); err != nil {
		h.t.Fatal(err)
	}
	h.feed()
}

func TestNodeNotReadyTaintsAndTolerations(t *testing.T) {
	h := newHarness(t, Config{Seed: 31})
	h.addNode("n1", "4", "8Gi")
	forever := barePod("forever", nil, "100m")
	forever.Spec.Tolerations = []api.Toleration{{Key: api.TaintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute}}
	short := barePod("short", nil, "100m")
	short.Spec.Tolerations = []api.Toleration{{Key: api.TaintNodeNotReady, Operator: api.TolerationOpExists,
		Effect: api.TaintEffectNoExecute, TolerationSeconds: int64p(10)}}
	h.create(forever)
	h.create(short)
	h.create(barePod("default", nil, "100m"))
	h.settle()
	// The kubelet reports NotReady (runtime down) but keeps its lease.
	h.mutateStatus("nodes", "", "n1", func(o api.Object) {
		o.(*api.Node).Status.Conditions[0].Status = api.ConditionFalse
	})
	h.down["n1"] = true // and stops finishing pods
	h.settle()
	n := h.node("n1")
	if !hasTaint(n, api.TaintNodeNotReady, api.TaintEffectNoExecute) || !hasTaint(n, api.TaintNodeNotReady, api.TaintEffectNoSchedule) {
		t.Fatalf("taints = %v", n.Spec.Taints)
	}
	deleting := func(name string) bool { return h.get("pods", "default", name).GetObjectMeta().DeletionTimestamp != nil }
	h.advance(5 * time.Second)
	if deleting("short") || deleting("forever") || deleting("default") {
		t.Fatal("evicted too early")
	}
	h.advance(6 * time.Second)
	if !deleting("short") || deleting("forever") || deleting("default") {
		t.Fatalf("after 11s: short=%v forever=%v default=%v", deleting("short"), deleting("forever"), deleting("default"))
	}
	h.advance(300 * time.Second)
	if !deleting("default") || deleting("forever") {
		t.Fatalf("after 311s: default=%v forever=%v", deleting("default"), deleting("forever"))
	}
}

func TestNoExecuteTaintEvictsAtOnce(t *testing.T) {
	h := newHarness(t, Config{Seed: 32})
	h.addNode("n1", "4", "8Gi")
	h.create(barePod("a", nil, "100m"))
	tol := barePod("b", nil, "100m")
	tol.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Operator: api.TolerationOpEqual, Value: "x", Effect: api.TaintEffectNoExecute}}
	h.create(tol)
	h.settle()
	h.down["n1"] = true
	h.mutate("nodes", "", "n1", func(o api.Object) {
		o.(*api.Node).Spec.Taints = []api.Taint{{Key: "dedicated", Value: "x", Effect: api.TaintEffectNoExecute}}
	})
	h.settle()
	if h.get("pods", "default", "a").GetObjectMeta().DeletionTimestamp == nil {
		t.Error("untolerating pod not evicted")
	}
	if h.get("pods", "default", "b").GetObjectMeta().DeletionTimestamp != nil {
		t.Error("tolerating pod evicted")
	}
}

func TestPodGCOnNodeDeleted(t *testing.T) {
	h := newHarness(t, Config{Seed: 33})
	h.addNode("n1", "4", "8Gi")
	h.addNode("n2", "4", "8Gi")
	h.create(replicaSet("web", 4, "web"))
	h.settle()
	h.down["n1"] = true
	h.del("nodes", "", "n1", "")
	h.settle()
	for _, p := range h.pods() {
		if p.Spec.NodeName == "n1" {
			t.Errorf("pod %s still bound to the deleted node", p.Name)
		}
	}
	if len(h.activePods("web")) != 4 || len(h.writes("delete Pod", "grace=0", "pod-gc")) == 0 {
		t.Errorf("active %d, gc deletes %v", len(h.activePods("web")), h.writes("pod-gc"))
	}
}

// TestNodeNotReadyRemarksPodsPeriodically: the node lifecycle controller
// marks a not-ready node's pods not ready at once when the node goes not
// ready, and a pod its agent writes ready again only at the next node
// monitor check (every NodeMonitorPeriod), as kube's periodic
// monitorNodeHealth does. It used to mark such a pod again on every event
// of it: an agent that keeps its pods ready on a node it reports
// NotReady made the two write at each other forever at one instant (the
// livelock of BUG-4).
func TestNodeNotReadyRemarksPodsPeriodically(t *testing.T) {
	h := newHarness(t, Config{Seed: 34})
	h.addNode("n1", "4", "8Gi")
	h.create(barePod("a", nil, "100m"))
	h.settle()
	// The kubelet reports NotReady but keeps its lease, and keeps writing
	// its pod ready.
	h.mutateStatus("nodes", "", "n1", func(o api.Object) {
		o.(*api.Node).Status.Conditions[0].Status = api.ConditionFalse
	})
	h.step()
	if len(h.writes("update-status Pod default/a", "node not ready")) != 1 {
		t.Fatalf("pod not marked at once when its node went not ready: %v", h.writes("Pod default/a"))
	}
	h.settle() // must come to rest: the agent's rewrite waits for the next check
	start := h.now
	h.advanceBy(30*time.Second, time.Second)
	marks := len(h.writes("update-status Pod default/a", "node not ready"))
	checks := int(h.now.Sub(start)/(5*time.Second)) + 1
	if marks < 2 || marks > checks+1 {
		t.Errorf("pod marked %d times in %s, want one per 5s monitor check (at most %d)", marks, h.now.Sub(start), checks+1)
	}
}

// TestNextTimerFollowsLeaseRenewals: NextTimer reports a node's lease
// check as the first monitor check after its last renewal plus the grace
// period, not a check armed before its renewals (which fired early, for
// nothing, and kept a simulation from skipping ahead).
func TestNextTimerFollowsLeaseRenewals(t *testing.T) {
	h := newHarness(t, Config{Seed: 35})
	h.addNode("n1", "4", "8Gi")
	h.settle()
	for range 3 {
		h.advance(10 * time.Second) // renews the lease at h.now
	}
	at, ok := h.m.NextTimer()
	period := api.Time(5 * time.Second)
	want := (h.now.Add(40*time.Second)/period + 1) * period
	if !ok || at != want {
		t.Fatalf("NextTimer = %v (%v), want the lease check at %v (%s after the last renewal)", at, ok, want, want.Sub(h.now))
	}
	// Nothing is due before it: ticking just before does nothing.
	h.now = at - 1
	h.m.Tick(h.now)
	if h.m.Pending() {
		t.Fatal("work pending before the lease check")
	}
}
