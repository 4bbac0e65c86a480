package simapi

import (
	"testing"

	"github.com/capstan-dev/capstan/model"
)

func invariantIndex(t *testing.T, name string) int {
	t.Helper()
	for i, inv := range invariants {
		if inv.name == name {
			return i
		}
	}
	t.Fatalf("no invariant %s", name)
	return -1
}

// A violation the model's caveat allows is red before any fault and
// excused (amber) after one; a violation outside the caveat (the surge
// half of RollingUpdateBounds) is red either way.
func TestCaveatsExcuseOnlyAfterAFault(t *testing.T) {
	stale := model.Violation{Invariant: "BindingsWereFeasible", Object: "pods/default/web-1", Message: "bound to n1, which had no room"}
	unavailable := model.Violation{Invariant: "RollingUpdateBounds", Object: "deployments/default/web", Message: "2 pods available during a rollout, fewer than replicas 3 - maxUnavailable 0 (...)"}
	surge := model.Violation{Invariant: "RollingUpdateBounds", Object: "deployments/default/web", Message: "ReplicaSets ask for 5 pods, more than replicas 3 + maxSurge 1 (...)"}
	for _, tc := range []struct {
		name    string
		inv     string
		v       model.Violation
		faultAt int64
		ok      bool
		excused int
	}{
		{"stale binding without a fault", "BindingsWereFeasible", stale, -1, false, 0},
		{"stale binding after a fault", "BindingsWereFeasible", stale, 0, true, 1},
		{"unavailability after a fault", "RollingUpdateBounds", unavailable, 0, true, 1},
		{"unavailability without a fault", "RollingUpdateBounds", unavailable, -1, false, 0},
		{"surge after a fault", "RollingUpdateBounds", surge, 0, false, 0},
		{"overcommit after a fault", "NoOvercommit", model.Violation{Invariant: "NoOvercommit", Object: "nodes/n1", Message: "cpu 3 > 2"}, 0, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			s.faultAt = tc.faultAt
			i := invariantIndex(t, tc.inv)
			s.inv.record(s, i, []model.Violation{tc.v})
			v := s.inv.views[i]
			if v.OK != tc.ok || v.Excused != tc.excused {
				t.Fatalf("after %q: ok=%v excused=%d, want ok=%v excused=%d", tc.v.Message, v.OK, v.Excused, tc.ok, tc.excused)
			}
			if tc.excused > 0 && (v.ExcusedFirst == "" || v.ExcusedAt < 0 || v.FirstAt >= 0) {
				t.Fatalf("excused violation recorded as %+v", v)
			}
		})
	}
}

// The session notes its first fault, and a reset forgets it.
func TestSessionNotesFirstFault(t *testing.T) {
	s := New()
	for _, line := range []string{"add-node n1 cpu=4 memory=8Gi", "add-node n2 cpu=4 memory=8Gi"} {
		if _, err := s.exec(line, ""); err != nil {
			t.Fatal(err)
		}
	}
	if s.faultAt != -1 {
		t.Fatalf("faultAt = %d before any fault", s.faultAt)
	}
	s.seek(5000)
	if _, err := s.exec("crash-node n1", ""); err != nil {
		t.Fatal(err)
	}
	if s.faultAt != 5000 {
		t.Fatalf("faultAt = %d, want 5000", s.faultAt)
	}
	s.seek(0)
	if s.faultAt != -1 {
		t.Fatalf("faultAt = %d after seeking back before the fault", s.faultAt)
	}
}

// A validation error points at the line of its field, in the right
// document, or at the nearest ancestor of a missing field.
func TestValidationPointsAtTheField(t *testing.T) {
	text := `apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: -1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
      - name: sidecar
        image: ""
`
	v := validate(text)
	want := map[string]int{"spec.replicas": 10, "spec.template.spec.containers[1].image": 21}
	if len(v.Problems) != len(want) {
		t.Fatalf("problems: %+v", v.Problems)
	}
	for _, p := range v.Problems {
		if line, ok := want[p.Field]; !ok || p.Line != line || p.Document != 1 {
			t.Errorf("problem %+v: want document 1, line %d", p, want[p.Field])
		}
	}
	doc := documents(text)[1]
	for path, line := range map[string]int{
		"metadata.name":                      8,
		"spec.template.metadata.labels[app]": 15,
		"spec.template.spec.containers[0]":   18,
		"spec.strategy.rollingUpdate":        9, // missing: its nearest ancestor, spec
		"spec.template.spec.containers[7]":   17,
	} {
		if got := fieldLine(doc, path); got != line {
			t.Errorf("fieldLine(%s) = %d, want %d", path, got, line)
		}
	}
}
