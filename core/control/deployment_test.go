package control

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func rolling(d *api.Deployment, surge, unavailable api.IntOrString) *api.Deployment {
	d.Spec.Strategy = api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
	return d
}

func (h *harness) deploymentOf(name string) *api.Deployment {
	return h.get("deployments", "default", name).(*api.Deployment)
}

// replicaSetsOf returns the deployment's ReplicaSets by name.
func (h *harness) replicaSetsOf(name string) map[string]*api.ReplicaSet {
	out := map[string]*api.ReplicaSet{}
	for _, o := range h.list("replicasets") {
		rs := o.(*api.ReplicaSet)
		if r := controllerOf(&rs.ObjectMeta); r != nil && r.Name == name {
			out[rs.Name] = rs
		}
	}
	return out
}

func (h *harness) setImage(name, image string) {
	h.mutate("deployments", "default", name, func(o api.Object) {
		o.(*api.Deployment).Spec.Template.Spec.Containers[0].Image = image
	})
}

// checkRollout asserts, after every step, that at most replicas+surge pods
// exist and at least replicas-unavailable are available.
func (h *harness) checkRollout(app string, replicas, surge, unavailable int) *int {
	steps := 0
	h.check = func() {
		steps++
		total, avail := 0, 0
		for _, p := range h.activePods(app) {
			total++
			if podReady(p) {
				avail++
			}
		}
		if total > replicas+surge {
			h.t.Fatalf("step %d: %d pods > %d+%d", steps, total, replicas, surge)
		}
		if avail < replicas-unavailable {
			h.t.Fatalf("step %d: %d available < %d-%d", steps, avail, replicas, unavailable)
		}
	}
	return &steps
}

func TestDeploymentRollingUpdateBounds(t *testing.T) {
	for _, tc := range []struct {
		name                string
		replicas            int32
		surge, unavail      api.IntOrString
		wantSurge, wantUnav int
	}{
		{"ints", 10, api.FromInt(3), api.FromInt(2), 3, 2},
		{"percent", 10, api.FromString("25%"), api.FromString("25%"), 3, 2}, // surge rounds up, unavailable down
		{"surge-only", 5, api.FromInt(1), api.FromInt(0), 1, 0},
		{"unavailable-only", 5, api.FromInt(0), api.FromInt(2), 0, 2},
		{"both-round-to-zero", 3, api.FromString("10%"), api.FromString("10%"), 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{Seed: 10})
			for i := 0; i < 3; i++ {
				h.addNode(fmt.Sprint("n", i), "8", "16Gi")
			}
			h.create(rolling(deployment("web", tc.replicas, "nginx:1"), tc.surge, tc.unavail))
			h.settle()
			d := h.deploymentOf("web")
			if d.Status.AvailableReplicas != tc.replicas || d.Annotations[AnnotationRevision] != "1" {
				t.Fatalf("initial status %+v, annotations %v", d.Status, d.Annotations)
			}
			steps := h.checkRollout("web", int(tc.replicas), tc.wantSurge, tc.wantUnav)
			h.setImage("web", "nginx:2")
			h.settle()
			h.check = nil
			if *steps < 3 {
				t.Errorf("rollout took %d steps", *steps)
			}
			rss := h.replicaSetsOf("web")
			if len(rss) != 2 {
				t.Fatalf("replica sets: %d", len(rss))
			}
			var newRS *api.ReplicaSet
			for _, rs := range rss {
				if rs.Spec.Template.Spec.Containers[0].Image == "nginx:2" {
					newRS = rs
				} else if *rs.Spec.Replicas != 0 {
					t.Errorf("old %s still has %d replicas", rs.Name, *rs.Spec.Replicas)
				}
			}
			if newRS == nil || *newRS.Spec.Replicas != tc.replicas || newRS.Annotations[AnnotationRevision] != "2" {
				t.Fatalf("new replica set %+v", newRS)
			}
			hash := newRS.Labels[LabelPodTemplateHash]
			if newRS.Name != "web-"+hash || newRS.Spec.Selector.MatchLabels[LabelPodTemplateHash] != hash {
				t.Errorf("new RS %s hash %s selector %v", newRS.Name, hash, newRS.Spec.Selector)
			}
			for _, p := range h.activePods("web") {
				if p.Labels[LabelPodTemplateHash] != hash {
					t.Errorf("pod %s of an old template after the rollout", p.Name)
				}
			}
			d = h.deploymentOf("web")
			st := d.Status
			if st.Replicas != tc.replicas || st.UpdatedReplicas != tc.replicas || st.AvailableReplicas != tc.replicas ||
				st.UnavailableReplicas != 0 || st.ObservedGeneration != d.Generation || d.Annotations[AnnotationRevision] != "2" {
				t.Errorf("final status %+v rev %s", st, d.Annotations[AnnotationRevision])
			}
			if c := findDeploymentCondition(st.Conditions, api.DeploymentProgressing); c == nil || c.Reason != reasonNewRSAvailable ||
				c.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name) {
				t.Errorf("Progressing = %+v", c)
			}
			if c := findDeploymentCondition(st.Conditions, api.DeploymentAvailable); c == nil || c.Status != api.ConditionTrue || c.Reason != reasonMinAvailable {
				t.Errorf("Available = %+v", c)
			}
		})
	}
}

func TestDeploymentRecreate(t *testing.T) {
	h := newHarness(t, Config{Seed: 11})
	h.addNode("n1", "8", "16Gi")
	d := deployment("web", 3, "nginx:1")
	d.Spec.Strategy.Type = api.RecreateDeploymentStrategyType
	h.create(d)
	h.settle()
	// No pod of the new template may exist while an old one does.
	h.check = func() {
		old, cur := 0, 0
		for _, p := range h.pods() {
			if p.Labels["app"] != "web" {
				continue
			}
			if p.Spec.Containers[0].Image == "nginx:1" {
				old++
			} else {
				cur++
			}
		}
		if old > 0 && cur > 0 {
			t.Fatalf("%d old and %d new pods at once", old, cur)
		}
	}
	// Keep terminating pods around for a while: the new ones must wait.
	h.down["n1"] = true
	h.setImage("web", "nginx:2")
	for i := 0; i < 5; i++ {
		h.step()
	}
	if n := len(h.writes("create ReplicaSet")); n != 1 {
		t.Fatalf("created %d replica sets while old pods were terminating", n)
	}
	h.down["n1"] = false
	h.settle()
	h.check = nil
	if got := h.activePods("web"); len(got) != 3 || got[0].Spec.Containers[0].Image != "nginx:2" {
		t.Fatalf("pods after recreate: %d", len(got))
	}
	if st := h.deploymentOf("web").Status; st.UpdatedReplicas != 3 || st.AvailableReplicas != 3 {
		t.Errorf("status %+v", st)
	}
}

func TestDeploymentRollbackReusesReplicaSet(t *testing.T) {
	h := newHarness(t, Config{Seed: 12})
	h.addNode("n1", "8", "16Gi")
	h.create(deployment("web", 2, "nginx:1"))
	h.settle()
	h.setImage("web", "nginx:2")
	h.settle()
	h.setImage("web", "nginx:1") // what `rollout undo` does
	h.settle()
	rss := h.replicaSetsOf("web")
	if len(rss) != 2 {
		t.Fatalf("%d replica sets, want the first one reused", len(rss))
	}
	for _, rs := range rss {
		img := rs.Spec.Template.Spec.Containers[0].Image
		switch {
		case img == "nginx:1" && (rs.Annotations[AnnotationRevision] != "3" || rs.Annotations[AnnotationRevisionHistory] != "1" || *rs.Spec.Replicas != 2):
			t.Errorf("reused %s: replicas %d annotations %v", rs.Name, *rs.Spec.Replicas, rs.Annotations)
		case img == "nginx:2" && (rs.Annotations[AnnotationRevision] != "2" || *rs.Spec.Replicas != 0):
			t.Errorf("old %s: replicas %d annotations %v", rs.Name, *rs.Spec.Replicas, rs.Annotations)
		}
	}
	if rev := h.deploymentOf("web").Annotations[AnnotationRevision]; rev != "3" {
		t.Errorf("deployment revision %s, want 3", rev)
	}
}

func TestDeploymentPauseResume(t *testing.T) {
	h := newHarness(t, Config{Seed: 13})
	h.addNode("n1", "8", "16Gi")
	h.create(deployment("web", 4, "nginx:1"))
	h.settle()
	h.mutate("deployments", "default", "web", func(o api.Object) {
		d := o.(*api.Deployment)
		d.Spec.Paused = true
		d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	})
	h.settle()
	if n := len(h.replicaSetsOf("web")); n != 1 {
		t.Fatalf("paused deployment rolled out: %d replica sets", n)
	}
	c := findDeploymentCondition(h.deploymentOf("web").Status.Conditions, api.DeploymentProgressing)
	if c == nil || c.Status != api.ConditionUnknown || c.Reason != reasonPaused {
		t.Errorf("Progressing while paused = %+v", c)
	}
	// Scaling still works while paused.
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(6) })
	h.settle()
	if got := len(h.activePods("web")); got != 6 {
		t.Errorf("paused deployment scaled to %d pods, want 6", got)
	}
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Paused = false })
	h.settle()
	for _, p := range h.activePods("web") {
		if p.Spec.Containers[0].Image != "nginx:2" {
			t.Errorf("pod %s not rolled after resume", p.Name)
		}
	}
	if got := len(h.activePods("web")); got != 6 {
		t.Errorf("%d pods after resume, want 6", got)
	}
	if h.writes("update-status Deployment", "status") == nil {
		t.Error("no status writes")
	}
}

func TestDeploymentProportionalScaling(t *testing.T) {
	h := newHarness(t, Config{Seed: 14})
	h.addNode("n1", "32", "64Gi")
	h.create(rolling(deployment("web", 10, "nginx:1"), api.FromInt(3), api.FromInt(2)))
	h.settle()
	// A rollout stuck half way: new pods never become ready. It stops at
	// 8 old + 5 new = 13 = 10 + surge 3.
	h.notReadyTemplate("nginx:bad")
	h.setImage("web", "nginx:bad")
	h.settle()
	sizes := func() (old, cur int32) {
		for _, rs := range h.replicaSetsOf("web") {
			if rs.Spec.Template.Spec.Containers[0].Image == "nginx:bad" {
				cur = *rs.Spec.Replicas
			} else {
				old = *rs.Spec.Replicas
			}
		}
		return old, cur
	}
	if o, c := sizes(); o != 8 || c != 5 {
		t.Fatalf("stuck rollout at old=%d new=%d, want 8 and 5", o, c)
	}
	// Scaling to 20 spreads 23 - 13 = 10 more in proportion: kube's
	// round(8*23/13) = 14 and the rest, 9.
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(20) })
	h.settle()
	if o, c := sizes(); o != 14 || c != 9 {
		t.Errorf("after scaling to 20: old=%d new=%d, want 14 and 9", o, c)
	}
	// And back down to 5: 5 + 2 (25% surge) = 7 spread the other way.
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(5) })
	h.settle()
	if o, c := sizes(); o+c > 8 || o == 0 || c == 0 {
		t.Errorf("after scaling to 5: old=%d new=%d", o, c)
	}
}

// notReadyTemplate keeps the pods of an image not ready.
func (h *harness) notReadyTemplate(image string) {
	prev := h.check
	h.check = func() {
		for _, p := range h.pods() {
			if p.Spec.Containers[0].Image == image {
				h.notReady[p.Name] = true
			}
		}
		if prev != nil {
			prev()
		}
	}
}

func TestDeploymentRevisionHistoryLimit(t *testing.T) {
	h := newHarness(t, Config{Seed: 15})
	h.addNode("n1", "8", "16Gi")
	d := deployment("web", 1, "nginx:0")
	d.Spec.RevisionHistoryLimit = int32p(2)
	h.create(d)
	h.settle()
	for i := 1; i <= 5; i++ {
		h.setImage("web", fmt.Sprint("nginx:", i))
		h.settle()
	}
	rss := h.replicaSetsOf("web")
	if len(rss) != 3 {
		var names []string
		for n, rs := range rss {
			names = append(names, n+"@"+rs.Annotations[AnnotationRevision])
		}
		t.Fatalf("replica sets %v, want the current one and 2 old", names)
	}
	for _, rs := range rss {
		if r := revisionOf(rs); r < 4 {
			t.Errorf("kept revision %d", r)
		}
	}
}

func TestDeploymentProgressDeadlineExceeded(t *testing.T) {
	h := newHarness(t, Config{Seed: 16})
	h.addNode("n1", "8", "16Gi")
	d := deployment("web", 2, "nginx:1")
	d.Spec.ProgressDeadlineSeconds = int32p(60)
	h.create(d)
	h.settle()
	h.notReadyTemplate("nginx:bad")
	h.setImage("web", "nginx:bad")
	h.settle()
	c := findDeploymentCondition(h.deploymentOf("web").Status.Conditions, api.DeploymentProgressing)
	if c == nil || c.Status != api.ConditionTrue {
		t.Fatalf("Progressing = %+v", c)
	}
	h.advanceBy(59*time.Second, 20*time.Second)
	if c := findDeploymentCondition(h.deploymentOf("web").Status.Conditions, api.DeploymentProgressing); c.Reason == reasonTimedOut {
		t.Fatal("timed out early")
	}
	h.advance(2 * time.Second)
	c = findDeploymentCondition(h.deploymentOf("web").Status.Conditions, api.DeploymentProgressing)
	if c == nil || c.Status != api.ConditionFalse || c.Reason != reasonTimedOut || !strings.Contains(c.Message, "has timed out progressing") {
		t.Fatalf("Progressing after the deadline = %+v", c)
	}
}

// TestDeploymentStatusWaitsForScale is BUG-3's regression (docs/bugs.md):
// a Deployment's status must never say its spec is observed while the
// ReplicaSet scale that spec asks for has failed. After every step, a
// Deployment whose observedGeneration is its generation has ReplicaSets
// asking for no more than replicas + maxSurge pods.
func TestDeploymentStatusWaitsForScale(t *testing.T) {
	h := newHarness(t, Config{Seed: 17})
	h.addNode("n1", "8", "16Gi")
	h.create(rolling(deployment("web", 3, "nginx:1"), api.FromInt(1), api.FromInt(0)))
	h.settle()
	failures := 0
	h.fail = func(w Write) (api.StatusReason, bool) {
		if w.Op == OpUpdate && w.Kind() == "ReplicaSet" && failures < 3 {
			failures++
			return api.StatusReasonConflict, true
		}
		return "", false
	}
	h.check = func() {
		d := h.deploymentOf("web")
		if d.Status.ObservedGeneration < d.Generation {
			return
		}
		var asked int32
		for _, rs := range h.replicaSetsOf("web") {
			asked += replicasOf(rs.Spec.Replicas)
		}
		if limit := replicasOf(d.Spec.Replicas) + 1; asked > limit {
			t.Fatalf("status observes generation %d (replicas %d) while its ReplicaSets ask for %d pods", d.Generation, replicasOf(d.Spec.Replicas), asked)
		}
	}
	h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(0) })
	h.settle()
	if failures != 3 {
		t.Fatalf("%d ReplicaSet updates failed, want 3", failures)
	}
	if d := h.deploymentOf("web"); d.Status.ObservedGeneration != d.Generation || len(h.activePods("web")) != 0 {
		t.Errorf("after the retries: observedGeneration %d of %d, %d pods", d.Status.ObservedGeneration, d.Generation, len(h.activePods("web")))
	}
}
