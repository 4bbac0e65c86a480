package control

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// scenario builds a small cluster with a deployment, a service, a claim
// and a pending pod.
func scenario(h *harness) {
	for i := 0; i < 3; i++ {
		h.addNode(fmt.Sprint("n", i), "2", "4Gi")
	}
	h.create(rolling(deployment("web", 4, "nginx:1"), api.FromInt(1), api.FromInt(1)))
	h.create(service("web", map[string]string{"app": "web"}, api.ServicePort{Port: 80}))
	h.create(pv("v", "10Gi", "", "n1"))
	h.create(pvc("c", "1Gi"))
	h.create(barePod("huge", nil, "16"))
	h.settle()
}

// restart builds a new machine from a List of h's store, as a restarted
// control plane does, and points h's watch at it.
func (h *harness) restart(cfg Config) *Machine {
	h.t.Helper()
	res, err := h.st.List(api.KeyPrefix, store.ListOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	m := New(cfg)
	for _, o := range res.Items {
		rev, _ := strconv.ParseInt(o.GetObjectMeta().ResourceVersion, 10, 64)
		key, _ := api.KeyOf(o)
		m.Step(store.Event{Type: store.Added, Key: key, Object: o, Revision: rev})
	}
	w, err := h.st.Watch(api.KeyPrefix, res.Revision+1)
	if err != nil {
		h.t.Fatal(err)
	}
	h.w.Close()
	h.w, h.m = w, m
	m.Tick(h.now)
	return m
}

func TestRestartFromListConverges(t *testing.T) {
	h := newHarness(t, Config{Seed: 70})
	scenario(h)
	h.setImage("web", "nginx:2")
	h.settle()
	before := h.m.Describe()
	if !strings.Contains(before, "unschedulable") || !strings.Contains(before, "pvc default/c Bound volume=v") {
		t.Fatalf("scenario not as expected:\n%s", before)
	}
	h.restart(Config{Seed: 99})
	if ws := slices.Collect(h.m.Ready().All()); len(ws) != 0 {
		var d []string
		for _, w := range ws {
			d = append(d, w.Describe())
		}
		t.Fatalf("restarted machine writes on a settled cluster:\n%s", strings.Join(d, "\n"))
	}
	if after := h.m.Describe(); after != before {
		t.Fatalf("restarted machine differs:\n--- before\n%s--- after\n%s", before, after)
	}
	// And it carries on: a scale-up and a new rollout complete.
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(6) })
	h.settle()
	if got := len(h.activePods("web")); got != 6 {
		t.Errorf("%d pods after restart and scale-up", got)
	}
}

func TestRestartMidRollout(t *testing.T) {
	h := newHarness(t, Config{Seed: 71})
	scenario(h)
	h.setImage("web", "nginx:2")
	for i := 0; i < 3; i++ {
		h.step()
	}
	h.restart(Config{Seed: 71}) // same seed: generated names collide and are redrawn
	h.settle()
	d := h.deploymentOf("web")
	if st := d.Status; st.UpdatedReplicas != 4 || st.AvailableReplicas != 4 || st.Replicas != 4 {
		t.Errorf("status after a restart mid-rollout: %+v", st)
	}
	if n := len(h.activePods("web")); n != 4 {
		t.Errorf("%d pods", n)
	}
}

func TestDuplicateAndStaleEventsIgnored(t *testing.T) {
	h := newHarness(t, Config{Seed: 72})
	h.addNode("n1", "4", "8Gi")
	h.create(replicaSet("web", 2, "web"))
	h.settle()
	desc := h.m.Describe()
	// Replay the whole history: every event is a duplicate or stale.
	w, err := h.st.Watch(api.KeyPrefix, 2)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := w.Poll(0)
	for _, ev := range evs {
		h.m.Step(ev)
	}
	if got := h.m.Describe(); got != desc {
		t.Fatalf("replayed history changed the state:\n%s\nwant\n%s", got, desc)
	}
	if ws := slices.Collect(h.m.Ready().All()); len(ws) != 0 {
		t.Fatalf("replayed history caused writes: %v", ws[0].Describe())
	}
	// A late Added for a deleted pod is ignored too.
	p := h.activePods("web")[0]
	key := api.KeyFor("pods", "default", p.Name)
	old, _ := h.st.Get(key)
	h.del("pods", "default", p.Name, "")
	h.settle()
	h.m.Step(store.Event{Type: store.Added, Key: key, Object: old, Revision: 3})
	if strings.Contains(h.m.Describe(), p.Name) {
		t.Error("a stale Added resurrected a deleted pod")
	}
}

func TestConflictsAreReconsidered(t *testing.T) {
	h := newHarness(t, Config{Seed: 73})
	h.addNode("n1", "4", "8Gi")
	h.create(deployment("web", 2, "nginx:1"))
	h.settle()
	// Someone edits the ReplicaSet between the machine's Ready and the
	// write: the scale-up conflicts and must be redone.
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(5) })
	ws := slices.Collect(h.m.Ready().All())
	var rsName string
	for _, o := range h.list("replicasets") {
		rsName = o.GetObjectMeta().Name
	}
	h.mutate("replicasets", "default", rsName, func(o api.Object) { o.GetObjectMeta().Labels["edited"] = "yes" })
	conflicts := 0
	for _, w := range ws {
		if err := h.reg.apply(w, h.now); err != nil {
			if reasonOf(err) != api.StatusReasonConflict {
				t.Fatalf("%s: %v", w.Describe(), err)
			}
			conflicts++
			h.m.Failed(WriteFailed{Write: w, Reason: reasonOf(err), Message: err.Error()})
		}
	}
	if conflicts == 0 {
		t.Fatal("no conflict provoked")
	}
	h.feed()
	h.settle()
	if got := len(h.activePods("web")); got != 5 {
		t.Errorf("%d pods after the conflict, want 5", got)
	}
	// Injected conflicts on every first attempt of every update: still
	// converges.
	seen := map[string]bool{}
	h.fail = func(w Write) (api.StatusReason, bool) {
		if w.Op != OpUpdate && w.Op != OpUpdateStatus {
			return "", false
		}
		k := w.Key + w.Op.String()
		if seen[k] {
			return "", false
		}
		seen[k] = true
		return api.StatusReasonConflict, true
	}
	h.setImage("web", "nginx:2")
	h.settle()
	if st := h.deploymentOf("web").Status; st.UpdatedReplicas != 5 || st.AvailableReplicas != 5 {
		t.Errorf("status after a rollout with conflicts: %+v", st)
	}
}

func TestDeterministic(t *testing.T) {
	run := func() string {
		h := newHarness(t, Config{Seed: 74, RecordEvents: true})
		scenario(h)
		h.setImage("web", "nginx:2")
		h.settle()
		h.down["n0"] = true
		h.advanceBy(6*time.Minute, 30*time.Second)
		return strings.Join(h.log, "\n") + "\n" + h.m.Describe()
	}
	a, b := run(), run()
	if a != b {
		t.Fatal("two runs of the same scenario differ")
	}
}

func TestWriteDescribe(t *testing.T) {
	g := int64(0)
	for _, tc := range []struct {
		w    Write
		want string
	}{
		{Write{Op: OpCreate, Key: "/registry/pods/default/web-abcde", Controller: "replicaset"}, "create Pod default/web-abcde [replicaset]"},
		{Write{Op: OpUpdate, Key: "/registry/replicasets/default/web-1", Object: &api.ReplicaSet{ObjectMeta: api.ObjectMeta{ResourceVersion: "12"}},
			Controller: "deployment", Reason: "scale 1->3"}, "update ReplicaSet default/web-1 rv=12: scale 1->3 [deployment]"},
		{Write{Op: OpDelete, Key: "/registry/pods/default/p", Propagation: PropagationBackground, GracePeriodSeconds: &g, Controller: "pod-gc"},
			"delete Pod default/p propagation=Background grace=0 [pod-gc]"},
		{Write{Op: OpBind, Key: "/registry/pods/default/p", Node: "n1", Controller: "scheduler"}, "bind Pod default/p -> n1 [scheduler]"},
		{Write{Op: OpUpdateStatus, Key: "/registry/nodes/n1", Object: &api.Node{ObjectMeta: api.ObjectMeta{ResourceVersion: "3"}}, Controller: "node-lifecycle"},
			"update-status Node n1 rv=3 [node-lifecycle]"},
	} {
		if got := tc.w.Describe(); got != tc.want {
			t.Errorf("Describe = %q, want %q", got, tc.want)
		}
	}
}

func TestFailingWritesBackOff(t *testing.T) {
	h := newHarness(t, Config{Seed: 75})
	h.addNode("n1", "4", "8Gi")
	h.fail = func(w Write) (api.StatusReason, bool) {
		return api.StatusReasonForbidden, w.Op == OpCreate && (w.Kind() == "Pod" || w.Kind() == "ReplicaSet")
	}
	h.create(replicaSet("rs", 2, "rs"))
	h.create(deployment("web", 2, "nginx:1"))
	h.settle() // must come to rest between retries
	h.advanceBy(time.Minute, 100*time.Millisecond)
	pods, sets := len(h.writes("FAIL", "create Pod")), len(h.writes("FAIL", "create ReplicaSet"))
	if pods < 5 || pods > 20 || sets < 5 || sets > 20 {
		t.Errorf("%d pod and %d replica set create attempts in a minute, want exponential backoff", pods, sets)
	}
	c := findDeploymentCondition(h.deploymentOf("web").Status.Conditions, api.DeploymentProgressing)
	if c == nil || c.Status != api.ConditionFalse || c.Reason != reasonFailedRSCreate {
		t.Errorf("Progressing = %+v, want ReplicaSetCreateError", c)
	}
	h.fail = nil
	h.advanceBy(10*time.Minute, time.Minute)
	if len(h.activePods("rs")) != 2 || len(h.activePods("web")) != 2 {
		t.Errorf("after the failures stop: %d and %d pods", len(h.activePods("rs")), len(h.activePods("web")))
	}
}
