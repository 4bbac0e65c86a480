package control

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// TestRolloutProperty runs random rollouts: random sizes and bounds,
// template changes in the middle of rollouts, pods slow to become ready.
// After every step, at most replicas+maxSurge pods exist and at least
// replicas-maxUnavailable are available; in the end every pod runs the
// last template and the status says so.
func TestRolloutProperty(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			h := newHarness(t, Config{Seed: seed})
			for i := 0; i < 3; i++ {
				h.addNode(fmt.Sprint("n", i), "16", "32Gi")
			}
			replicas := int32(1 + rng.IntN(12))
			bound := func() api.IntOrString {
				if rng.IntN(2) == 0 {
					return api.FromInt(int32(rng.IntN(4)))
				}
				return api.FromString(fmt.Sprint(rng.IntN(60), "%"))
			}
			surge, unavail := bound(), bound()
			d := rolling(deployment("web", replicas, "img:0"), surge, unavail)
			h.create(d)
			h.settle()
			s, u := resolveFenceposts(h.deploymentOf("web"))
			u = min(u, replicas)
			h.check = func() {
				total, avail := 0, 0
				for _, p := range h.activePods("web") {
					total++
					if podReady(p) {
						avail++
					}
				}
				if total > int(replicas+s) {
					t.Fatalf("%d pods > %d + %d (surge %v)", total, replicas, s, surge)
				}
				if avail < int(replicas-u) {
					t.Fatalf("%d available < %d - %d (unavailable %v)", avail, replicas, u, unavail)
				}
			}
			img := ""
			for round := 1; round <= 3; round++ {
				img = fmt.Sprint("img:", round)
				// Pods of some templates take a while to become ready.
				h.readyDelay[img] = time.Duration(rng.IntN(2)) * 3 * time.Second
				h.setImage("web", img)
				// Let the rollout run for a while, or change the
				// template again in the middle of it.
				for i := rng.IntN(8); i > 0; i-- {
					h.now = h.now.Add(time.Second)
					h.renewLeases()
					h.m.Tick(h.now)
					h.step()
				}
			}
			h.advanceBy(2*time.Minute, time.Second)
			h.check = nil
			pods := h.activePods("web")
			if len(pods) != int(replicas) {
				t.Logf("surge %v unavailable %v\n%s\n%s", surge, unavail, strings.Join(h.log, "\n"), h.m.Describe())
				t.Fatalf("%d pods, want %d", len(pods), replicas)
			}
			for _, p := range pods {
				if p.Spec.Containers[0].Image != img {
					t.Errorf("pod %s runs %s, want %s", p.Name, p.Spec.Containers[0].Image, img)
				}
			}
			st := h.deploymentOf("web").Status
			if st.UpdatedReplicas != replicas || st.AvailableReplicas != replicas || st.Replicas != replicas {
				t.Errorf("status %+v", st)
			}
		})
	}
}

// TestRolloutChaos mixes rollouts with scaling, strategy changes, pauses,
// control-plane restarts, write conflicts and a watch that delays and
// reorders events, and checks
// that the deployment converges: the right number of pods, all of the
// last template, and a status that says so.
func TestRolloutChaos(t *testing.T) {
	for seed := uint64(100); seed < 140; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 9))
			cfg := Config{Seed: seed}
			h := newHarness(t, cfg)
			for i := 0; i < 4; i++ {
				h.addNode(fmt.Sprint("n", i), "16", "32Gi")
			}
			replicas := int32(1 + rng.IntN(10))
			h.create(rolling(deployment("web", replicas, "img:0"), api.FromString("25%"), api.FromString("25%")))
			h.settle()
			conflicts := false
			h.fail = func(w Write) (api.StatusReason, bool) {
				if conflicts && (w.Op == OpUpdate || w.Op == OpUpdateStatus) && rng.IntN(4) == 0 {
					return api.StatusReasonConflict, true
				}
				return "", false
			}
			img := "img:0"
			paused := false
			for round := 0; round < 12; round++ {
				switch rng.IntN(8) {
				case 0, 1, 2:
					img = fmt.Sprint("img:", round+1)
					h.readyDelay[img] = time.Duration(rng.IntN(3)) * time.Second
					h.setImage("web", img)
				case 3:
					replicas = int32(rng.IntN(12))
					h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Replicas = int32p(replicas) })
				case 4:
					paused = !paused
					h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Paused = paused })
				case 5:
					h.restart(cfg)
				case 6:
					conflicts = !conflicts
					if h.scramble == nil {
						h.scramble = rand.New(rand.NewPCG(seed, 11))
					} else {
						h.scramble = nil
					}
				case 7:
					h.mutate("deployments", "default", "web", func(o api.Object) {
						d := o.(*api.Deployment)
						if isRolling(d) {
							d.Spec.Strategy = api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}
						} else {
							d.Spec.Strategy = api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType}
						}
					})
				}
				for i := rng.IntN(6); i > 0; i-- {
					h.now = h.now.Add(500 * time.Millisecond)
					h.renewLeases()
					h.m.Tick(h.now)
					h.step()
				}
			}
			conflicts = false
			h.scramble = nil
			if paused {
				h.mutate("deployments", "default", "web", func(o api.Object) { o.(*api.Deployment).Spec.Paused = false })
			}
			h.advanceBy(3*time.Minute, time.Second)
			pods := h.activePods("web")
			bad := len(pods) != int(replicas)
			for _, p := range pods {
				bad = bad || p.Spec.Containers[0].Image != img
			}
			st := h.deploymentOf("web").Status
			bad = bad || st.UpdatedReplicas != replicas || st.AvailableReplicas != replicas || st.Replicas != replicas
			if bad {
				h.m.enqueue(qDeployment, api.KeyFor("deployments", "default", "web"))
				for w := range h.m.Ready().All() {
					t.Logf("forced: %s", w.Describe())
				}
				t.Logf("paused=%v strategy=%+v spec=%+v", paused, h.deploymentOf("web").Spec.Strategy, h.deploymentOf("web").Spec.Paused)
				for n, rs := range h.replicaSetsOf("web") {
					t.Logf("%s %v %s", n, rs.Annotations, rs.Spec.Template.Spec.Containers[0].Image)
				}
				var tail []string
				for _, l := range h.log[max(0, len(h.log)-40):] {
					if !strings.Contains(l, "Event") {
						tail = append(tail, l)
					}
				}
				t.Logf("log:\n%s", strings.Join(tail, "\n"))
				t.Fatalf("want %d pods of %s; status %+v\n%s", replicas, img, st, h.m.Describe())
			}
		})
	}
}
