package simapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/sim"
)

const web = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 500m, memory: 256Mi}}}]
`

func testScript() Script {
	return Script{Seed: 7, Actions: []Action{
		{At: 0, Line: "add-node n1 n2 n3 cpu=2 memory=4Gi"},
		{At: 0, Line: "apply", Body: web},
		{At: 20_000, Line: "crash-node n2"},
		{At: 30_000, Line: "scale deployment/web 9"},
	}}
}

func call[T any](t *testing.T, s *Session, req any) T {
	t.Helper()
	b, _ := json.Marshal(req)
	out := s.Call(b)
	var e struct{ Error string }
	json.Unmarshal(out, &e)
	if e.Error != "" {
		t.Fatalf("%s: %s", b, e.Error)
	}
	var v T
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return v
}

// TestJumpEqualsPlay: the state at a time is the same whether the
// timeline jumped there, played there frame by frame, or came back to it.
func TestJumpEqualsPlay(t *testing.T) {
	sc := testScript()
	jump := New()
	a := jump.Call([]byte(mustJSON(Request{Cmd: "load", Script: &sc, T: 400_000})))

	play := New()
	call[State](t, play, Request{Cmd: "load", Script: &sc})
	for ms := int64(0); ms < 400_000; ms += 337 {
		play.Call([]byte(mustJSON(Request{Cmd: "run", T: ms})))
	}
	b := play.Call([]byte(mustJSON(Request{Cmd: "run", T: 400_000})))
	if string(a) != string(b) {
		t.Fatalf("jump and play differ:\n%s\n%s", a, b)
	}
	play.Call([]byte(mustJSON(Request{Cmd: "run", T: 500_000})))
	c := play.Call([]byte(mustJSON(Request{Cmd: "run", T: 400_000})))
	if string(a) != string(c) {
		t.Fatalf("coming back differs:\n%s\n%s", a, c)
	}
	st := call[State](t, jump, Request{Cmd: "state"})
	if len(st.Nodes) != 3 || !st.Nodes[1].Down {
		t.Fatalf("nodes: %+v", st.Nodes)
	}
	for _, inv := range st.Invariants {
		if inv.Kind == "safety" && !inv.OK {
			t.Errorf("%s violated at %d: %s", inv.Name, inv.FirstAt, inv.First)
		}
	}
	if st.Counts["R"] != 8 || st.Counts["P"] != 1 {
		t.Errorf("counts %v, want 8 running and ready, 1 pending (two nodes of 2 cpu left)", st.Counts)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestExportReplays: an exported scenario, replayed by core/sim's
// interpreter, gives the outputs it recorded.
func TestExportReplays(t *testing.T) {
	s := New()
	sc := testScript()
	call[State](t, s, Request{Cmd: "load", Script: &sc, T: 90_000})
	ex := call[map[string]string](t, s, Request{Cmd: "export"})["scenario"]
	if !strings.Contains(ex, "crash-node n2") || !strings.Contains(ex, "# strategy=LeastAllocated") {
		t.Fatalf("export:\n%s", ex)
	}
	cmds, err := sim.ParseScenario(ex)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := Config(sc)
	in := sim.NewInterpreter(cfg)
	for _, c := range cmds {
		if got := in.Exec(c); got != c.Expected {
			t.Fatalf("line %d %s:\ngot\n%s\nwant\n%s", c.Line, c, got, c.Expected)
		}
	}
	d := call[map[string]string](t, s, Request{Cmd: "describe"})
	if d["describe"] != in.Cluster().Describe() {
		t.Fatalf("session and replay differ")
	}
}

func TestPodWhy(t *testing.T) {
	s := New()
	sc := Script{Seed: 3, Actions: []Action{
		{Line: "add-node n1 n2 cpu=1"},
		{Line: "apply", Body: strings.ReplaceAll(web, "replicas: 6", "replicas: 5")},
	}}
	st := call[State](t, s, Request{Cmd: "load", Script: &sc, T: 30_000})
	if st.PendingCount != 1 {
		t.Fatalf("pending %d, want 1 (%v)", st.PendingCount, st.Counts)
	}
	p := call[PodView](t, s, Request{Cmd: "pod", Pod: st.Pending[0]})
	if p.Why == nil || p.Why.Status != "Unschedulable" || !strings.Contains(p.Why.Message, "Insufficient cpu") || len(p.Why.Nodes) != 2 {
		t.Fatalf("why: %+v", p.Why)
	}
	q := call[PodView](t, s, Request{Cmd: "pod", Node: "n1", Slot: 0})
	if q.Why == nil || q.Why.Chosen != "n1" {
		t.Fatalf("placed why: %+v", q.Why)
	}
}

func TestValidate(t *testing.T) {
	s := New()
	v := call[Validation](t, s, Request{Cmd: "validate", YAML: strings.ReplaceAll(web, "replicas: 6", "replicas: -1")})
	if len(v.Problems) != 1 || v.Problems[0].Field != "spec.replicas" {
		t.Fatalf("%+v", v)
	}
	v = call[Validation](t, s, Request{Cmd: "validate", YAML: strings.ReplaceAll(web, "replicas:", "replica:")})
	if len(v.Problems) != 1 || !strings.Contains(v.Problems[0].Message, "replica") {
		t.Fatalf("%+v", v)
	}
	v = call[Validation](t, s, Request{Cmd: "validate", YAML: web})
	if len(v.Problems) != 0 || len(v.Objects) != 1 {
		t.Fatalf("%+v", v)
	}
}
