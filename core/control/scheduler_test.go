package control

import (
	"fmt"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func TestSchedulerUnschedulableThenNodeAdded(t *testing.T) {
	h := newHarness(t, Config{Seed: 20, RecordEvents: true})
	h.addNode("small", "500m", "1Gi")
	h.create(barePod("big", nil, "2"))
	h.settle()
	p := h.get("pods", "default", "big").(*api.Pod)
	c := podCondition(p, api.PodScheduled)
	want := "0/1 nodes are available: 1 Insufficient cpu."
	if p.Spec.NodeName != "" || c == nil || c.Status != api.ConditionFalse || c.Reason != api.PodReasonUnschedulable || c.Message != want {
		t.Fatalf("pod node=%q condition=%+v, want %q", p.Spec.NodeName, c, want)
	}
	if len(h.writes("create Event", "FailedScheduling")) != 1 {
		t.Errorf("FailedScheduling events: %v", h.writes("FailedScheduling"))
	}
	// Nothing changes: no retry, no second condition write.
	n := len(h.writes("update-status Pod default/big"))
	h.advance(time.Minute)
	if got := len(h.writes("update-status Pod default/big")); got != n {
		t.Errorf("condition rewritten without a change (%d writes)", got)
	}
	// A second node that does not fit either changes the message.
	h.addNode("small2", "500m", "1Gi")
	h.advance(5 * time.Second) // the pod's backoff
	c = podCondition(h.get("pods", "default", "big").(*api.Pod), api.PodScheduled)
	if c.Message != "0/2 nodes are available: 2 Insufficient cpu." {
		t.Errorf("message after a second node: %q", c.Message)
	}
	// A node that fits: the pod is retried and bound.
	h.addNode("large", "4", "8Gi")
	h.advance(5 * time.Second)
	p = h.get("pods", "default", "big").(*api.Pod)
	if p.Spec.NodeName != "large" {
		t.Fatalf("pod on %q, want large", p.Spec.NodeName)
	}
	if c := podCondition(p, api.PodScheduled); c.Status != api.ConditionTrue {
		t.Errorf("PodScheduled = %+v", c)
	}
	if len(h.writes("create Event", "Scheduled")) != 1 {
		t.Errorf("Scheduled events: %v", h.writes("Scheduled"))
	}
}

func TestSchedulerRetryAfterPodDeleted(t *testing.T) {
	h := newHarness(t, Config{Seed: 21})
	h.addNode("n1", "1", "1Gi")
	h.create(barePod("a", nil, "800m"))
	h.settle()
	h.create(barePod("b", nil, "800m"))
	h.settle()
	if h.get("pods", "default", "b").(*api.Pod).Spec.NodeName != "" {
		t.Fatal("b scheduled on a full node")
	}
	h.del("pods", "default", "a", "")
	h.advance(time.Second)
	if n := h.get("pods", "default", "b").(*api.Pod).Spec.NodeName; n != "n1" {
		t.Fatalf("b on %q after a was deleted, want n1", n)
	}
}

func TestSchedulerQueueOrder(t *testing.T) {
	h := newHarness(t, Config{Seed: 22})
	// Three pods, room for one: priority wins, then age, then name.
	low := barePod("low", nil, "800m")
	high := barePod("high", nil, "800m")
	high.Spec.Priority = int32p(100)
	h.create(low)
	h.now = h.now.Add(time.Second)
	h.create(barePod("newer", nil, "800m"))
	h.create(high)
	h.settle()
	h.addNode("n1", "1", "1Gi")
	h.advance(time.Second)
	if n := h.get("pods", "default", "high").(*api.Pod).Spec.NodeName; n != "n1" {
		t.Fatalf("high-priority pod on %q", n)
	}
	h.del("pods", "default", "high", "")
	h.advance(3 * time.Second)
	if n := h.get("pods", "default", "low").(*api.Pod).Spec.NodeName; n != "n1" {
		t.Fatalf("older pod on %q, want n1 before the newer one", n)
	}
}

func TestSchedulerBindFailureForgets(t *testing.T) {
	h := newHarness(t, Config{Seed: 23})
	h.addNode("n1", "1", "1Gi")
	fails := 1
	h.fail = func(w Write) (api.StatusReason, bool) {
		if w.Op == OpBind && fails > 0 {
			fails--
			return api.StatusReasonConflict, true
		}
		return "", false
	}
	h.create(barePod("a", nil, "800m"))
	h.settle()
	// Had the failed bind's assumption been kept, 800m would still be
	// counted and the retry would not fit.
	if n := h.get("pods", "default", "a").(*api.Pod).Spec.NodeName; n != "n1" {
		t.Fatalf("pod on %q after a failed bind, want n1", n)
	}
	if len(h.writes("FAIL", "bind")) != 1 || len(h.writes("bind Pod default/a")) != 2 {
		t.Errorf("writes: %v", h.log)
	}
}

func TestSchedulerIgnoresOtherSchedulers(t *testing.T) {
	h := newHarness(t, Config{Seed: 24})
	h.addNode("n1", "1", "1Gi")
	p := barePod("custom", nil, "100m")
	p.Spec.SchedulerName = "my-scheduler"
	h.create(p)
	h.settle()
	if n := h.get("pods", "default", "custom").(*api.Pod).Spec.NodeName; n != "" || len(h.writes("custom")) != 0 {
		t.Errorf("pod of another scheduler touched: node %q, writes %v", n, h.writes("custom"))
	}
}

func TestSchedulerBackoffBoundsRetries(t *testing.T) {
	h := newHarness(t, Config{Seed: 25})
	h.addNode("n1", "1", "1Gi")
	h.create(barePod("big", nil, "2"))
	h.settle()
	key := api.KeyFor("pods", "default", "big")
	// Twenty cluster events in two seconds: the pod is retried after 1s,
	// then waits 2s.
	for i := 0; i < 20; i++ {
		h.mutate("nodes", "", "n1", func(o api.Object) { o.GetObjectMeta().Labels["round"] = fmt.Sprint(i) })
		h.advance(100 * time.Millisecond)
	}
	if got := h.m.sq.attempts[key]; got != 2 {
		t.Errorf("%d attempts after 20 cluster events in 2s, want 2 (backoff 1s, then 2s)", got)
	}
}

func TestExplain(t *testing.T) {
	h := newHarness(t, Config{Seed: 26})
	h.addNode("small", "500m", "1Gi")
	h.create(barePod("big", nil, "2"))
	h.settle()
	ex, ok := h.m.Explain("default", "big")
	if !ok || ex.Result.Message() != "0/1 nodes are available: 1 Insufficient cpu." || len(ex.Nodes) != 1 {
		t.Fatalf("explain = %+v %v", ex, ok)
	}
	if _, ok := h.m.Explain("default", "nope"); ok {
		t.Error("explained a pod that does not exist")
	}
}
