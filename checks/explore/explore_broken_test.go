package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
)

// The checker must be able to fail: each test here breaks the cluster on
// purpose and expects the exploration to find it, with a short path.

// requireFound explores cfg and fails unless a violation of invariant is
// found within depth.
func requireFound(t *testing.T, cfg Config, depth int, invariant string) {
	t.Helper()
	res, err := Explore(cfg, Options{Depth: depth})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	for _, f := range res.Violations {
		if f.Violation.Invariant == invariant {
			t.Logf("found at depth %d: %s\n  path: %s", len(f.Path), f.Violation, f.Path.Describe(cfg.NodeNames()))
			return
		}
	}
	t.Fatalf("no %s violation found; violations:\n%s", invariant, res.Report(cfg))
}

// A scheduler that ignores resources, binding every pod to n1, is caught
// overcommitting n1 (2 cpus) with the third pod of 1 cpu.
func TestBrokenSchedulerOvercommits(t *testing.T) {
	cfg := Create()
	cfg.Name = "create/bind-all-to-n1"
	cfg.Liveness = false
	cfg.Mutate = func(w control.Write) (control.Write, bool) {
		if w.Op == control.OpBind {
			w.Node = "n1"
		}
		return w, true
	}
	requireFound(t, cfg, 14, "NoOvercommit")
}

// The same broken scheduler's bindings are infeasible on its own view.
func TestBrokenSchedulerInfeasibleOnItsView(t *testing.T) {
	cfg := Create()
	cfg.Liveness = false
	cfg.Mutate = func(w control.Write) (control.Write, bool) {
		if w.Op == control.OpBind {
			w.Node = "n1"
		}
		return w, true
	}
	res, err := Explore(cfg, Options{Depth: 14})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Violations {
		if f.Violation.Invariant == "BindingsWereFeasible" && strings.Contains(f.Violation.Message, "control plane's view") {
			t.Logf("found at depth %d: %s", len(f.Path), f.Violation)
			return
		}
	}
	t.Fatalf("no binding infeasible on the control plane's view found:\n%s", res.Report(cfg))
}

// A deployment controller that asks for one new pod more than maxSurge
// allows (as if maxSurge were forced higher) is caught by
// RollingUpdateBounds.
func TestBrokenSurgeCaught(t *testing.T) {
	cfg := Rollout()
	cfg.Name = "rollout/surge+1"
	cfg.Liveness = false
	cfg.Mutate = func(w control.Write) (control.Write, bool) {
		rs, ok := w.Object.(*api.ReplicaSet)
		if !ok || w.Controller != "deployment" || (w.Op != control.OpCreate && w.Op != control.OpUpdate) ||
			rs.Spec.Template.Spec.Containers[0].Image != "app:v2" || rs.Spec.Replicas == nil || *rs.Spec.Replicas == 0 {
			return w, true
		}
		rs = api.DeepCopy(rs)
		*rs.Spec.Replicas++
		w.Object = rs
		return w, true
	}
	requireFound(t, cfg, 12, "RollingUpdateBounds")
}

// A scheduler whose bindings are all refused leaves pods pending that
// would fit: the liveness check at the leaves catches it once the retries
// back off past the horizon.
func TestBrokenBindingsCaughtByLiveness(t *testing.T) {
	d := deployment(1, "app:v1", "1", "1", "0")
	cfg := Config{
		Name:         "one-pod/refuse-bindings",
		Seed:         9,
		Nodes:        []NodeSpec{{Name: "n1"}},
		Horizon:      time.Second,
		EagerRuntime: true,
		Liveness:     true,
		Setup: func(w *World) error {
			if _, err := w.Settle(0, 1000); err != nil {
				return err
			}
			return w.Create(d)
		},
		Mutate: func(w control.Write) (control.Write, bool) {
			return w, w.Op != control.OpBind
		},
	}
	requireFound(t, cfg, 80, "DeploymentsAvailable")
}
