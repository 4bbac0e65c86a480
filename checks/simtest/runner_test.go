package simtest

import (
	"os"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/model"
)

// The tests here check the checker: that the wiring catches what it
// should, that the model's wording the runner relies on has not moved,
// that a shrunk scenario file replays exactly, and that the generator is
// a function of the seed.

// TestModelWording pins the text the runner tells invariant halves apart
// by: RollingUpdateBounds' availability half.
func TestModelWording(t *testing.T) {
	yes := true
	replicas, three := int32(4), int32(3)
	d := &api.Deployment{TypeMeta: api.TypeMeta{Kind: "Deployment"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web", UID: "d"},
		Spec: api.DeploymentSpec{Replicas: &replicas}}
	rs := func(name string, n *int32) *api.ReplicaSet {
		return &api.ReplicaSet{TypeMeta: api.TypeMeta{Kind: "ReplicaSet"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: name,
			OwnerReferences: []api.OwnerReference{{Kind: "Deployment", Name: "web", UID: "d", Controller: &yes}}},
			Spec: api.ReplicaSetSpec{Replicas: n, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	}
	pod := func(name, owner string) *api.Pod {
		return &api.Pod{TypeMeta: api.TypeMeta{Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: name,
			Labels: map[string]string{"app": "web"}, OwnerReferences: []api.OwnerReference{{Kind: "ReplicaSet", Name: owner, UID: owner, Controller: &yes}}}}
	}
	s := model.NewSnapshot(d, rs("old", &three), rs("new", &three), pod("a", "old"), pod("b", "new"))
	var avail, surge int
	for _, v := range model.RollingUpdateBounds(s) {
		if availabilityHalf(v) {
			avail++
		} else {
			surge++
		}
	}
	if avail != 1 || surge != 1 {
		t.Errorf("RollingUpdateBounds: %d availability and %d surge violations told apart, want 1 and 1:\n%s", avail, surge, model.Describe(model.RollingUpdateBounds(s)))
	}
}

const plantedBase = `# simtest: seed=1 calm=true liveness=false
init seed=1
----

add-node n1 cpu=2 memory=2Gi pods=8
----

add-node n2 taints=(dedicated=infra:NoSchedule)
----

apply
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {kubernetes.io/hostname: n1}
      containers: [{name: app, image: app:v1, resources: {requests: {cpu: 500m}}}]
----

tick 10s every=1s
----
`

// TestCatchesPlanted plants violations through the API (what a user may
// write) and checks that the runner's checks catch each.
func TestCatchesPlanted(t *testing.T) {
	for _, c := range []struct{ name, scenario, want string }{
		{"overcommit", `
apply
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: n1
  containers: [{name: app, image: app:v1, resources: {requests: {cpu: 1500m}}}]
----
`, "NoOvercommit"},
		{"foreign owner", `
apply
apiVersion: v1
kind: Pod
metadata:
  name: stray
  labels: {app: other}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: RSNAME, uid: RSUID, controller: true}]
spec:
  containers: [{name: app, image: app:v1}]
----
`, "ReplicaSetOwnsOnlyMatching"},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := plantedBase + c.scenario
			if strings.Contains(text, "RSNAME") {
				rs := replicaSetOf(t, plantedBase)
				text = strings.NewReplacer("RSNAME", rs.Name, "RSUID", rs.UID).Replace(text)
			}
			res, err := Replay(text, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Failure == nil || res.Failure.Invariant() != c.want {
				t.Fatalf("want a %s violation, got %v", c.want, res.Failure)
			}
		})
	}
}

// replicaSetOf runs a scenario and returns its one ReplicaSet.
func replicaSetOf(t *testing.T, text string) *api.ReplicaSet {
	cmds, err := sim.ParseScenario(text)
	if err != nil {
		t.Fatal(err)
	}
	in := sim.NewInterpreter(sim.Config{})
	for _, cmd := range cmds {
		in.Exec(cmd)
	}
	l, err := in.Cluster().Store().List(api.KeyFor("replicasets", "", ""), storeListAll)
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("want one ReplicaSet, got %v (%v)", l.Items, err)
	}
	return l.Items[0].(*api.ReplicaSet)
}

// TestCatchesBadBindings writes past the API, as a broken scheduler
// would: a binding to a node the pod does not tolerate, then a pod moved
// to another node. BindingsWereFeasible and NodeNameNeverChanges must
// catch them.
func TestCatchesBadBindings(t *testing.T) {
	res := &Result{Figures: Figures{Evals: map[string]int{}}, Coverage: Coverage{}}
	s := &Schedule{Init: "init seed=1", Calm: true}
	ss := newSession(s, res, Options{})
	for _, l := range []string{"add-node n1", "add-node n2 taints=(dedicated=infra:NoSchedule)"} {
		ss.exec(l, "")
	}
	ss.exec("cordon n1", "")
	ss.exec("apply", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: app:v1}]")
	ss.tick()
	if ss.ck.fail != nil {
		t.Fatalf("failed before the planted binding: %v", ss.ck.fail)
	}
	bind := func(node string) {
		o, err := ss.c.Store().Get(api.KeyFor("pods", "default", "p"))
		if err != nil {
			t.Fatal(err)
		}
		p := api.CopyObject(o).(*api.Pod)
		p.Spec.NodeName = node
		if _, err := ss.c.Store().Update(p); err != nil {
			t.Fatal(err)
		}
	}
	bind("n2")
	ss.ck.check(ss.now)
	if f := ss.ck.fail; f == nil || f.Invariant() != "BindingsWereFeasible" {
		t.Fatalf("binding to a tainted node: want BindingsWereFeasible, got %v", f)
	}
	ss.ck.fail = nil
	bind("n1")
	ss.ck.check(ss.now)
	if f := ss.ck.fail; f == nil || f.Invariant() != "NodeNameNeverChanges" {
		t.Fatalf("moved pod: want NodeNameNeverChanges, got %v", f)
	}
}

// TestShrinkPlanted hides a planted overcommit among a seed's items: the
// shrinker must find it, and the scenario it prints must fail the same
// way when replayed.
func TestShrinkPlanted(t *testing.T) {
	s := Generate(7)
	s.Items = append(s.Items, Item{At: 90 * Grid, Kind: Action, Line: "apply",
		Body: "apiVersion: v1\nkind: Pod\nmetadata: {name: hog}\nspec:\n  nodeName: n1\n  containers: [{name: app, image: app:v1, resources: {requests: {cpu: \"100\"}}}]"})
	s.sortItems()
	opts := Options{Transcript: true}
	res := Run(s, opts)
	if res.Failure == nil || res.Failure.Invariant() != "NoOvercommit" {
		t.Fatalf("planted overcommit: got %v", res.Failure)
	}
	small, runs := Shrink(res, 200, opts)
	if n := len(small.Schedule.Items); n > 2 {
		t.Errorf("shrunk to %d items in %d runs, want at most 2 (a node and the pod):\n%s", n, runs, small.Schedule.Describe())
	}
	again, err := Replay(ScenarioText(small, "planted"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Failure == nil || again.Failure.Invariant() != "NoOvercommit" {
		t.Errorf("the shrunk scenario replays as %v", again.Failure)
	}
}

// TestScenarioIsExact runs a seed, renders its transcript as a scenario
// file, and replays the file twice: through core/sim's interpreter alone
// (the event log must be the same bytes, every command's output as
// written) and through Replay (same writes, same verdict).
func TestScenarioIsExact(t *testing.T) {
	seed := uint64(11)
	s := Generate(seed)
	res := Run(s, Options{Transcript: true, KeepLog: true})
	text := ScenarioText(res, "exactness")
	cmds, err := sim.ParseScenario(text)
	if err != nil {
		t.Fatal(err)
	}
	in := sim.NewInterpreter(sim.Config{})
	for _, cmd := range cmds {
		if got := in.Exec(cmd); got != cmd.Expected {
			t.Fatalf("line %d: %s: got %q, want %q", cmd.Line, cmd, got, cmd.Expected)
		}
	}
	if got := in.Cluster().LogText(); got != res.Log {
		t.Errorf("core/sim's replay of the scenario: %s", compareRuns(res, &Result{Log: got, Figures: res.Figures, Failure: res.Failure}))
	}
	again, err := Replay(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Figures.Writes != res.Figures.Writes || (again.Failure == nil) != (res.Failure == nil) {
		t.Errorf("Replay: %d writes (%v), Run: %d (%v)", again.Figures.Writes, again.Failure, res.Figures.Writes, res.Failure)
	}
	if os.Getenv("SIMTEST_SHOW") != "" {
		t.Log(text)
	}
}

// TestGenerateIsAFunctionOfTheSeed: same seed, same schedule; another
// seed, another.
func TestGenerateIsAFunctionOfTheSeed(t *testing.T) {
	a, b, c := Generate(42).Describe(), Generate(42).Describe(), Generate(43).Describe()
	if a != b {
		t.Error("Generate(42) twice differs")
	}
	if a == c {
		t.Error("Generate(42) and Generate(43) are the same")
	}
}
