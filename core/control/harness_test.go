package control

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// apiLayer executes writes: miniRegistry, or core/registry.
type apiLayer interface {
	create(obj api.Object, now api.Time) error
	update(obj api.Object, status bool) error
	delete(key string, pre store.Preconditions, policy string, grace *int64, now api.Time) error
	apply(w Write, now api.Time) error
}

// newAPILayer returns the API layer the tests run against.
var newAPILayer = func(st *store.Memory) apiLayer { return &miniRegistry{st: st} }

// harness drives a Machine against a store.Memory through miniRegistry:
// each step takes the machine's writes, applies them, reports failures and
// feeds the watch events back. A fake kubelet makes bound pods Running and
// Ready and finishes terminating ones on nodes that are up.
type harness struct {
	t   testing.TB
	reg apiLayer
	st  *store.Memory
	w   store.Watcher
	m   *Machine
	now api.Time
	// log holds the description of every write applied (or failed).
	log []string
	// fail, if set, makes a write fail with the returned reason.
	fail func(w Write) (api.StatusReason, bool)
	// kubelet: run bound pods and finish terminating ones on live nodes.
	kubelet bool
	// down lists nodes whose kubelet is dead (no leases, no pod updates).
	down map[string]bool
	// notReady lists pods the fake kubelet keeps not ready.
	notReady map[string]bool
	// readyDelay makes pods of an image ready only that long after their
	// creation.
	readyDelay map[string]time.Duration
	ip         int
	// scramble, if set, shuffles and delays watch events (see feed).
	scramble *rand.Rand
	held     []store.Event
	// check, if set, runs after every step.
	check func()
}

var t0 = api.Unix(1_700_000_000, 0)

func newHarness(t testing.TB, cfg Config) *harness {
	st := store.NewMemory()
	w, err := st.Watch(api.KeyPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, reg: newAPILayer(st), st: st, w: w, m: New(cfg), now: t0, kubelet: true,
		down: map[string]bool{}, notReady: map[string]bool{}, readyDelay: map[string]time.Duration{}}
	h.m.Tick(h.now)
	if os.Getenv("SCRAMBLE") != "" {
		h.scramble = rand.New(rand.NewPCG(1, 2))
	}
	h.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}})
	h.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: leaseNamespace}})
	return h
}

// feed steps every pending watch event into the machine. With scramble
// set, each batch is shuffled and a third of it held back until the next
// feed, as a slow, reordering watch would deliver it.
func (h *harness) feed() int {
	evs, err := h.w.Poll(0)
	if err != nil {
		h.t.Fatal(err)
	}
	n := len(evs) + len(h.held)
	if h.scramble != nil {
		evs = append(h.held, evs...)
		h.held = nil
		h.scramble.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		var now []store.Event
		for _, ev := range evs {
			if h.scramble.IntN(3) == 0 {
				h.held = append(h.held, ev)
			} else {
				now = append(now, ev)
			}
		}
		evs = now
	} else {
		evs = append(h.held, evs...)
		h.held = nil
	}
	for _, ev := range evs {
		h.m.Step(ev)
	}
	return n
}

// create creates an object through the registry and feeds the events.
func (h *harness) create(obj api.Object) {
	h.t.Helper()
	if err := h.reg.create(obj, h.now); err != nil {
		h.t.Fatalf("create %s: %v", obj.GetObjectMeta().Name, err)
	}
	h.feed()
}

// get returns the stored object at (resource, ns, name), or nil.
func (h *harness) get(resource, ns, name string) api.Object {
	o, err := h.st.Get(api.KeyFor(resource, ns, name))
	if err != nil {
		return nil
	}
	return o
}

// mutate updates a stored object with fn (spec and metadata).
func (h *harness) mutate(resource, ns, name string, fn func(o api.Object)) {
	h.t.Helper()
	o := api.CopyObject(h.get(resource, ns, name))
	fn(o)
	if err := h.reg.update(o, false); err != nil {
		h.t.Fatal(err)
	}
	h.feed()
}

// del deletes an object through the registry.
func (h *harness) del(resource, ns, name, policy string) {
	h.t.Helper()
	if err := h.reg.delete(api.KeyFor(resource, ns, name), store.Preconditions{}, policy, nil, h.now); err != nil {
		h.t.Fatal(err)
	}
	h.feed()
}

// step runs one round: Ready, apply, report failures, feed events, run
// the fake kubelet. It returns how many writes and events there were.
func (h *harness) step() int {
	ws := slices.Collect(h.m.Ready().All())
	var failed []WriteFailed
	for _, w := range ws {
		if h.fail != nil {
			if r, ok := h.fail(w); ok {
				failed = append(failed, WriteFailed{Write: w, Reason: r, Message: "injected"})
				h.log = append(h.log, "FAIL "+w.Describe())
				continue
			}
		}
		if err := h.reg.apply(w, h.now); err != nil {
			failed = append(failed, WriteFailed{Write: w, Reason: reasonOf(err), Message: err.Error()})
			h.log = append(h.log, "FAIL("+string(reasonOf(err))+") "+w.Describe())
			continue
		}
		h.log = append(h.log, w.Describe())
	}
	for _, f := range failed {
		h.m.Failed(f)
	}
	n := len(ws) + h.feed()
	if h.kubelet {
		n += h.runKubelet()
	}
	if h.check != nil {
		h.check()
	}
	return n
}

// settle steps until nothing happens, following the machine's timers
// for up to 50ms (retries after failed writes back off for a few
// milliseconds).
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; i < 2000; i++ {
		if h.step() == 0 && !h.m.Pending() {
			at, ok := h.m.NextTimer()
			if !ok || at > h.now.Add(50*time.Millisecond) {
				return
			}
			h.now = max(h.now, at)
			h.m.Tick(h.now)
		}
	}
	h.t.Fatalf("no quiescence after 2000 steps; last writes:\n%s", strings.Join(h.log[max(0, len(h.log)-20):], "\n"))
}

// advance moves time forward by d, renewing the leases of live nodes,
// and settles.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.now = h.now.Add(d)
	h.renewLeases()
	h.m.Tick(h.now)
	h.settle()
}

// advanceBy moves time in steps of at most step until d has passed.
func (h *harness) advanceBy(d, step time.Duration) {
	h.t.Helper()
	for d > 0 {
		s := min(d, step)
		h.advance(s)
		d -= s
	}
}

func (h *harness) renewLeases() {
	for _, o := range h.list("leases") {
		l := o.(*api.Lease)
		if h.down[l.Name] {
			continue
		}
		c := api.CopyObject(l).(*api.Lease)
		rt := api.MicroTime(h.now)
		c.Spec.RenewTime = &rt
		if _, err := h.st.Update(c); err != nil {
			h.t.Fatal(err)
		}
	}
	h.feed()
}

// list returns the stored objects of a resource.
func (h *harness) list(resource string) []api.Object {
	res, err := h.st.List(api.KeyPrefix+resource+"/", store.ListOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return res.Items
}

func (h *harness) pods() []*api.Pod {
	var out []*api.Pod
	for _, o := range h.list("pods") {
		out = append(out, o.(*api.Pod))
	}
	return out
}

// runKubelet makes bound pods on live nodes Running and Ready with an IP,
// and removes their terminating pods.
func (h *harness) runKubelet() int {
	n := 0
	for _, p := range h.pods() {
		node := p.Spec.NodeName
		if node == "" || h.down[node] {
			continue
		}
		key := api.KeyFor("pods", p.Namespace, p.Name)
		if p.DeletionTimestamp != nil {
			if _, err := h.st.Delete(key, store.Preconditions{}); err != nil {
				h.t.Fatal(err)
			}
			n++
			continue
		}
		ready := !h.notReady[p.Name] && h.now >= p.CreationTimestamp.Add(h.readyDelay[p.Spec.Containers[0].Image])
		if p.Status.Phase == api.PodRunning && podReady(p) == ready {
			continue
		}
		c := api.CopyObject(p).(*api.Pod)
		if c.Status.PodIP == "" {
			h.ip++
			c.Status.PodIP = fmt.Sprintf("10.244.%d.%d", h.ip/250, h.ip%250+1)
		}
		c.Status.Phase = api.PodRunning
		st := api.ConditionFalse
		if ready {
			st = api.ConditionTrue
		}
		c.Status.Conditions = setPodCondition(c.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: st, LastTransitionTime: h.now})
		if _, err := h.st.Update(c); err != nil {
			h.t.Fatal(err)
		}
		n++
	}
	if n > 0 {
		h.feed()
	}
	return n
}

// addNode registers a Ready node with its Lease.
func (h *harness) addNode(name, cpu, mem string, opts ...func(*api.Node)) {
	h.t.Helper()
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.LabelHostname: name}},
		Status: api.NodeStatus{
			Allocatable: api.ResourceList{
				api.ResourceCPU: api.MustParseQuantity(cpu), api.ResourceMemory: api.MustParseQuantity(mem),
				api.ResourcePods: api.MustParseQuantity("110"),
			},
			Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady",
				LastHeartbeatTime: h.now, LastTransitionTime: h.now}},
		},
	}
	for _, o := range opts {
		o(n)
	}
	h.create(n)
	rt := api.MicroTime(h.now)
	h.create(&api.Lease{ObjectMeta: api.ObjectMeta{Name: name, Namespace: leaseNamespace}, Spec: api.LeaseSpec{RenewTime: &rt}})
}

// writes returns the log lines containing all of the given substrings.
func (h *harness) writes(subs ...string) []string {
	var out []string
next:
	for _, l := range h.log {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// Builders.

func int32p(v int32) *int32 { return &v }
func int64p(v int64) *int64 { return &v }

func container(image string, cpu string) api.Container {
	c := api.Container{Name: "app", Image: image}
	if cpu != "" {
		c.Resources.Requests = api.ResourceList{api.ResourceCPU: api.MustParseQuantity(cpu)}
	}
	return c
}

func template(app, image, cpu string) api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{Containers: []api.Container{container(image, cpu)}},
	}
}

func replicaSet(name string, replicas int32, app string) *api.ReplicaSet {
	return &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": app}},
		Spec: api.ReplicaSetSpec{Replicas: int32p(replicas), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: template(app, "nginx:1", "100m")},
	}
}

func deployment(name string, replicas int32, image string) *api.Deployment {
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DeploymentSpec{Replicas: int32p(replicas), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name, image, "100m")},
	}
}

func barePod(name string, labels map[string]string, cpu string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: labels},
		Spec:       api.PodSpec{Containers: []api.Container{container("nginx:1", cpu)}},
	}
}

// activePods returns the pods that are neither finished nor terminating,
// sorted by name, optionally only those with a label app=app.
func (h *harness) activePods(app string) []*api.Pod {
	var out []*api.Pod
	for _, p := range h.pods() {
		if podActive(p) && (app == "" || p.Labels["app"] == app) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *api.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out
}
