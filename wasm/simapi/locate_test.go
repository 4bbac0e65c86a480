package simapi

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// found is where a brute-force run first saw an invariant broken: the
// steps processed and the virtual time.
type found struct {
	step uint64
	at   int64
}

// bruteFirst runs sc to horizon with core/sim alone, one event at a time
// (an action when its time comes), and evaluates broken after every
// transition: the first step at which it returns true, by brute force.
// It shares nothing with the session but the invariant functions: no
// grid, no tracker, no replay. faulted says whether a fault action was
// made before (for caveats).
func bruteFirst(t *testing.T, sc Script, horizon int64, broken func(c *sim.Cluster, writes []store.Event, faulted bool) bool) (found, bool) {
	t.Helper()
	cfg, err := Config(sc)
	if err != nil {
		t.Fatal(err)
	}
	in := sim.NewInterpreter(cfg)
	c := in.Cluster()
	w, err := c.Store().Watch(api.KeyPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	faulted := false
	seen := func() (found, bool) {
		evs, err := w.Poll(0)
		if err != nil {
			t.Fatal(err)
		}
		if broken(c, evs, faulted) {
			return found{c.Steps(), int64(c.Elapsed() / time.Millisecond)}, true
		}
		return found{}, false
	}
	ms := func(t int64) api.Time { return c.Epoch() + api.Time(time.Duration(t)*time.Millisecond) }
	actions := sc.Actions
	for {
		until := horizon
		if len(actions) > 0 && actions[0].At < until {
			until = actions[0].At
		}
		// The clock runs to the action's time (every event up to it
		// included) if it is not there yet, as a session does: actions
		// at one instant come one after the other, before the events
		// they queued for that instant.
		if c.Now() < ms(until) {
			for {
				at, ok := c.NextAt()
				if !ok || at > ms(until) {
					break
				}
				c.Step()
				if f, ok := seen(); ok {
					return f, true
				}
			}
			c.RunUntil(ms(until))
			if f, ok := seen(); ok {
				return f, true
			}
		}
		if len(actions) == 0 || actions[0].At > horizon {
			return found{}, false
		}
		cmd, err := parseAction(actions[0])
		if err != nil {
			t.Fatal(err)
		}
		if out := in.Exec(cmd); strings.Contains(out, "error: ") {
			t.Fatalf("%s: %s", actions[0].Line, out)
		}
		faulted = faulted || faults[cmd.Name]
		actions = actions[1:]
		if f, ok := seen(); ok {
			return f, true
		}
	}
}

// snapshotOf is the store's objects the invariants read, now.
func snapshotOf(c *sim.Cluster) *model.Snapshot {
	var objs []api.Object
	for _, res := range []string{"nodes", "pods", "replicasets", "deployments", "services", "endpoints", "persistentvolumes", "persistentvolumeclaims"} {
		l, err := c.Store().List(api.KeyFor(res, "", ""), store.ListOptions{})
		if err != nil {
			panic(err)
		}
		objs = append(objs, l.Items...)
	}
	snap := model.NewSnapshot(objs...)
	snap.Now = c.Now()
	return snap
}

// caveatScript is the page's "a caveat at work" example: a node lost at
// 3s, a rollout at 30s that then runs below maxUnavailable (excused).
func caveatScript() Script {
	d := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 8
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        resources: {requests: {cpu: 250m, memory: 128Mi}}
`
	return Script{Seed: 32, Actions: []Action{
		{At: 0, Line: "add-node n1 n3 cpu=4 memory=8Gi zone=zone-a"},
		{At: 0, Line: "add-node n2 n4 cpu=4 memory=8Gi zone=zone-b"},
		{At: 0, Line: "apply", Body: d},
		{At: 3000, Line: "crash-node n4"},
		{At: 30000, Line: "set-image deployment/web app=nginx:1.28"},
	}}
}

// The step the page reports for a violation is the exact first step at
// which the invariant is false, as a brute-force run evaluating it after
// every event finds; whether the run was jumped to or played frame by
// frame. Three invariants: the model's RollingUpdateBounds (excused after
// the node loss), and two planted for the test, one over snapshots and
// one over the write history, whose first violations fall between grid
// points.
func TestFirstViolationIsExact(t *testing.T) {
	defer func(old []invariant) { invariants = old }(invariants)
	runningOnN2 := func(s *model.Snapshot) []model.Violation {
		var vs []model.Violation
		for _, p := range s.Pods {
			if p.Spec.NodeName == "n2" && p.Status.Phase == api.PodRunning {
				vs = append(vs, model.Violation{Invariant: "NoPodRunsOnN2", Object: "pods/" + p.Namespace + "/" + p.Name, Message: "running on n2"})
			}
		}
		return vs
	}
	boundToN3 := func(h model.History) []model.Violation {
		node := map[string]string{}
		var vs []model.Violation
		for _, w := range h {
			p, ok := w.Object.(*api.Pod)
			if !ok {
				continue
			}
			if p.Spec.NodeName == "n3" && node[w.Key] != "n3" && w.Type != model.Added {
				vs = append(vs, model.Violation{Invariant: "NoBindingToN3", Object: w.Key, Message: "bound to n3"})
			}
			node[w.Key] = p.Spec.NodeName
		}
		return vs
	}
	// Transient: a ReplicaSet's status catches up with its spec within
	// a step or two, never across a grid second.
	rsLags := func(s *model.Snapshot) []model.Violation {
		var vs []model.Violation
		for _, rs := range s.ReplicaSets {
			if rs.Status.ObservedGeneration < rs.Generation {
				vs = append(vs, model.Violation{Invariant: "ReplicaSetStatusCurrent", Object: "replicasets/" + rs.Namespace + "/" + rs.Name, Message: "status behind spec"})
			}
		}
		return vs
	}
	invariants = append(slices.Clone(invariants),
		invariant{name: "NoPodRunsOnN2", kind: "safety", snap: runningOnN2},
		invariant{name: "NoBindingToN3", kind: "safety", hist: boundToN3},
		invariant{name: "ReplicaSetStatusCurrent", kind: "safety", snap: rsLags},
	)
	sc := caveatScript()
	const horizon = 90_000

	want := map[string]found{}
	var ok bool
	if want["RollingUpdateBounds"], ok = bruteFirst(t, sc, horizon, func(c *sim.Cluster, _ []store.Event, faulted bool) bool {
		vs := model.RollingUpdateBounds(snapshotOf(c))
		return faulted && slices.ContainsFunc(vs, invariants[invariantIndex(t, "RollingUpdateBounds")].caveat)
	}); !ok {
		t.Fatal("brute force: RollingUpdateBounds never excused")
	}
	if want["NoPodRunsOnN2"], ok = bruteFirst(t, sc, horizon, func(c *sim.Cluster, _ []store.Event, _ bool) bool {
		return len(runningOnN2(snapshotOf(c))) > 0
	}); !ok {
		t.Fatal("brute force: no pod ever runs on n2")
	}
	if want["NoBindingToN3"], ok = bruteFirst(t, sc, horizon, func(_ *sim.Cluster, evs []store.Event, _ bool) bool {
		for _, e := range evs {
			if p, isPod := e.Object.(*api.Pod); isPod && e.Type == store.Modified && p.Spec.NodeName == "n3" {
				return true
			}
		}
		return false
	}); !ok {
		t.Fatal("brute force: no pod bound to n3")
	}
	transient := "ReplicaSetStatusCurrent"
	if want[transient], ok = bruteFirst(t, sc, horizon, func(c *sim.Cluster, _ []store.Event, _ bool) bool {
		return len(rsLags(snapshotOf(c))) > 0
	}); !ok {
		t.Fatal("brute force: a ReplicaSet's status never lags")
	}
	// The grid alone sees each of them later (the transient one never):
	// the test would not tell.
	grid := &Session{maxCheckPods: DefaultMaxCheckPods}
	grid.reset(sc)
	grid.runTo(horizon)
	for name, f := range want {
		v := grid.inv.views[invariantIndex(t, name)]
		step := v.FirstStep
		if name == "RollingUpdateBounds" {
			step = v.ExcusedStep
		}
		if step <= f.step && !(name == transient && v.FirstAt < 0) {
			t.Fatalf("%s: the grid alone sees it at step %d, brute force at %d: the scenario no longer tests locating", name, step, f.step)
		}
	}

	// Four sessions: checking after every step (the cluster is small)
	// or on the grid with a replay to locate (perStepPods -1), each
	// jumped to the horizon or played there in frames.
	var sessions []*Session
	for _, perStepPods := range []int{DefaultPerStepPods, -1} {
		jump := New()
		jump.perStepPods = perStepPods
		call[State](t, jump, Request{Cmd: "load", Script: &sc, T: horizon})
		played := New()
		played.perStepPods = perStepPods
		call[State](t, played, Request{Cmd: "load", Script: &sc})
		for ms := int64(0); ms <= horizon; ms += 337 {
			call[State](t, played, Request{Cmd: "run", T: ms})
		}
		call[State](t, played, Request{Cmd: "run", T: horizon})
		sessions = append(sessions, jump, played)
	}
	jump := sessions[0]
	for k, s := range sessions {
		for name, f := range want {
			if name == transient && s.perStepPods < 0 {
				continue // missed between two grid points, as documented
			}
			v := s.inv.views[invariantIndex(t, name)]
			at, step, by, approx := v.FirstAt, v.FirstStep, v.FirstBy, v.FirstApprox
			if name == "RollingUpdateBounds" {
				at, step, by, approx = v.ExcusedAt, v.ExcusedStep, v.ExcusedBy, v.ExcusedApprox
			}
			if at != f.at || step != f.step || approx || by == "" {
				t.Errorf("session %d (per-step pods %d): %s: reported step %d at %d ms (approx %v, by %q); brute force: step %d at %d ms", k, s.perStepPods, name, step, at, approx, by, f.step, f.at)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Jumping to the reported time with check shows the invariant red.
	v := jump.inv.views[invariantIndex(t, "NoPodRunsOnN2")]
	st := call[State](t, jump, Request{Cmd: "run", T: v.FirstAt, Check: true})
	for _, iv := range st.Invariants {
		if iv.Name == "NoPodRunsOnN2" && (iv.OK || iv.FirstStep != v.FirstStep) {
			t.Errorf("at its first violation (%d ms), the invariant shows %+v", v.FirstAt, iv)
		}
	}
	t.Logf("brute force and reported: %v", want)
}
