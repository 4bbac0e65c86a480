package sim

import (
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// TestPodCounters checks RunningPods and BoundPods against the store
// through a scale-up, a node crash (its pods still Running in the API
// until the node lifecycle controller evicts them, then replaced on the
// other nodes) and a scale-down.
func TestPodCounters(t *testing.T) {
	c := benchCluster(t, 3, 1, 6)
	if err := c.Apply(benchDeployments(1, 6)); err != nil {
		t.Fatal(err)
	}
	ref := Ref{Resource: "deployments", Namespace: "default", Name: "app-0000"}
	check := func(when string) {
		t.Helper()
		res, err := c.Store().List(api.KeyPrefix+"pods/", store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		running, bound := 0, 0
		for _, o := range res.Items {
			p := o.(*api.Pod)
			if p.Status.Phase == api.PodRunning {
				running++
			}
			if p.Spec.NodeName != "" {
				bound++
			}
		}
		if c.RunningPods() != running || c.BoundPods() != bound {
			t.Fatalf("%s: RunningPods %d, BoundPods %d; the store has %d running, %d bound of %d",
				when, c.RunningPods(), c.BoundPods(), running, bound, len(res.Items))
		}
		t.Logf("%s: %d pods, %d bound, %d running", when, len(res.Items), bound, running)
	}
	stabilize := func(when string) {
		t.Helper()
		if err := c.Stabilize(0); err != nil {
			t.Fatal(err)
		}
		check(when)
	}
	stabilize("applied")
	if c.RunningPods() != 6 {
		t.Fatalf("RunningPods = %d after the apply, want 6", c.RunningPods())
	}
	if err := c.Scale(ref, 9); err != nil {
		t.Fatal(err)
	}
	stabilize("scaled to 9")
	if err := c.CrashNode(c.nodes[0].name, false); err != nil {
		t.Fatal(err)
	}
	stabilize("a node crashed")
	c.Run(6 * time.Minute) // the 40 s grace, then the 300 s toleration
	stabilize("its pods evicted")
	if err := c.Scale(ref, 2); err != nil {
		t.Fatal(err)
	}
	stabilize("scaled to 2")
}
