package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/server/controlplane/cptest"
)

// Through the API of one server: with no nodes a Deployment's pods stay
// Pending, PodScheduled=False, reason Unschedulable, with kube-scheduler's
// words; once nodes register (and renew their leases) each is bound, once.
func TestPendingUntilNodesRegister(t *testing.T) {
	s := start(t, t.TempDir(), nil)
	c := adminClient(t, s)
	ctx := context.Background()
	rec, err := cptest.RecordBindings(s.Backend, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Stop()
	if _, err := c.Create(ctx, cptest.Deployment("web", 3)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, func() (bool, string) {
		pods, _, err := client.ListOf[*api.Pod](ctx, c, "default", client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods) != 3 {
			return false, fmt.Sprintf("%d pods, want 3", len(pods))
		}
		for _, p := range pods {
			var cond *api.PodCondition
			for i := range p.Status.Conditions {
				if p.Status.Conditions[i].Type == api.PodScheduled {
					cond = &p.Status.Conditions[i]
				}
			}
			if p.Status.Phase != api.PodPending || cond == nil || cond.Status != api.ConditionFalse || cond.Reason != "Unschedulable" {
				return false, fmt.Sprintf("pod %s: phase %s, PodScheduled %+v", p.Name, p.Status.Phase, cond)
			}
			if cond.Message != "no nodes available to schedule pods" {
				t.Fatalf("pod %s: message %q, want kube-scheduler's %q", p.Name, cond.Message, "no nodes available to schedule pods")
			}
		}
		return true, ""
	})
	if v := metricValue(t, s, "capstan_scheduler_pending_pods"); v != 3 {
		t.Errorf("capstan_scheduler_pending_pods %v, want 3", v)
	}

	reg := registry.New(s.Backend, registry.Config{Seed: 3})
	for _, n := range []string{"node-a", "node-b"} {
		if err := cptest.Register(reg, n, api.Time(time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 15*time.Second, func() (bool, string) {
		n, err := rec.Check()
		if err != nil {
			t.Fatal(err)
		}
		return n == 3, fmt.Sprintf("%d pods bound, want 3", n)
	})
	for _, n := range []string{"node-a", "node-b"} {
		if err := cptest.Renew(reg, n, api.Time(time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, func() (bool, string) {
		b, p := metricValue(t, s, "capstan_scheduler_bindings_total"), metricValue(t, s, "capstan_scheduler_pending_pods")
		return b == 3 && p == 0, fmt.Sprintf("bindings_total %v, pending %v", b, p)
	})
	// The scheduler recorded why, as kube-scheduler does.
	evs, err := c.List(ctx, "Event", "default", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, o := range evs.Items {
		reasons[o.(*api.Event).Reason]++
	}
	if reasons["FailedScheduling"] == 0 || reasons["Scheduled"] != 3 {
		t.Errorf("events by reason %v, want FailedScheduling and 3 Scheduled", reasons)
	}
}
