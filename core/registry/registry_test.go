package registry

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

var t0 = api.Unix(1767225600, 0)

func newTestRegistry(t *testing.T) *Registry {
	t.Helper()
	r := New(store.NewMemory(), Config{Seed: 1})
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}
	ns.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	if _, err := r.Create(ns, t0); err != nil {
		t.Fatal(err)
	}
	return r
}

func pod(name string) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "busybox"}}}}
	p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	return p
}

func mustCreate(t *testing.T, r *Registry, o api.Object) api.Object {
	t.Helper()
	got, err := r.Create(o, t0)
	if err != nil {
		t.Fatalf("create %s: %v", o.GetObjectMeta().Name, err)
	}
	return got
}

func TestCreateSetsSystemFields(t *testing.T) {
	r := newTestRegistry(t)
	p := pod("web")
	p.Status.Phase = api.PodRunning // a client cannot create a running pod
	p.UID = "client-chosen"
	got := mustCreate(t, r, p).(*api.Pod)
	if got.UID == "" || got.UID == "client-chosen" || len(got.UID) != 36 {
		t.Errorf("uid = %q", got.UID)
	}
	if got.CreationTimestamp != t0 || got.Generation != 1 || got.ResourceVersion == "" {
		t.Errorf("system fields: %+v", got.ObjectMeta)
	}
	if got.Status.Phase != api.PodPending || got.Status.QOSClass != "BestEffort" {
		t.Errorf("status = %+v", got.Status)
	}
	if got.Spec.RestartPolicy != api.RestartPolicyAlways {
		t.Errorf("not defaulted: restartPolicy %q", got.Spec.RestartPolicy)
	}
	var keys []string
	for _, tol := range got.Spec.Tolerations {
		keys = append(keys, tol.Key+"="+formatSeconds(tol.TolerationSeconds))
	}
	if strings.Join(keys, ",") != "node.kubernetes.io/not-ready=300,node.kubernetes.io/unreachable=300" {
		t.Errorf("default tolerations: %v", keys)
	}
	if p.UID != "client-chosen" || p.ResourceVersion != "" {
		t.Error("Create modified its argument")
	}
}

func formatSeconds(s *int64) string {
	if s == nil {
		return "forever"
	}
	return strconv.FormatInt(*s, 10)
}

func TestCreateIsDeterministic(t *testing.T) {
	uids := func() []string {
		r := newTestRegistry(t)
		var out []string
		for _, n := range []string{"a", "b", "c"} {
			out = append(out, mustCreate(t, r, pod(n)).GetObjectMeta().UID)
		}
		g := pod("")
		g.GenerateName = "web-"
		out = append(out, mustCreate(t, r, g).GetObjectMeta().Name)
		return out
	}
	a, b := uids(), uids()
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("same seed, different outputs:\n%v\n%v", a, b)
	}
	if name := a[3]; !strings.HasPrefix(name, "web-") || len(name) != 9 || strings.ContainsAny(name[4:], "aeiou01") {
		t.Errorf("generated name %q", name)
	}
}

func TestCreateErrors(t *testing.T) {
	r := newTestRegistry(t)
	mustCreate(t, r, pod("web"))
	_, err := r.Create(pod("web"), t0)
	if !api.IsAlreadyExists(err) || err.Error() != `pods "web" already exists` {
		t.Errorf("duplicate: %v", err)
	}
	p := pod("x")
	p.Namespace = "nowhere"
	if _, err := r.Create(p, t0); !api.IsNotFound(err) || err.Error() != `namespaces "nowhere" not found` {
		t.Errorf("missing namespace: %v", err)
	}
	bad := pod("Bad_Name")
	bad.Spec.Containers[0].Image = ""
	_, err = r.Create(bad, t0)
	if !api.IsInvalid(err) {
		t.Fatalf("invalid pod: %v", err)
	}
	st := err.(*api.StatusError).Status()
	if st.Code != 422 || len(st.Details.Causes) != 2 {
		t.Errorf("status: %+v", st)
	}
	withRV := pod("rv")
	withRV.ResourceVersion = "5"
	if _, err := r.Create(withRV, t0); !api.IsBadRequest(err) {
		t.Errorf("create with resourceVersion: %v", err)
	}
	wrong := pod("v")
	wrong.APIVersion = "apps/v1"
	if _, err := r.Create(wrong, t0); !api.IsBadRequest(err) {
		t.Errorf("wrong apiVersion: %v", err)
	}
}

func TestUpdateKeepsStatusAndSystemFieldsAndBumpsGeneration(t *testing.T) {
	r := newTestRegistry(t)
	created := mustCreate(t, r, deployment("web", 2)).(*api.Deployment)
	st := api.DeepCopy(created)
	st.Status.Replicas = 2
	afterStatus, err := r.UpdateStatus(st, t0)
	if err != nil {
		t.Fatal(err)
	}
	if afterStatus.GetObjectMeta().Generation != 1 {
		t.Errorf("status update changed generation to %d", afterStatus.GetObjectMeta().Generation)
	}
	// A spec update with a stale resourceVersion conflicts.
	stale := api.DeepCopy(created)
	three := int32(3)
	stale.Spec.Replicas = &three
	if _, err := r.Update(stale, t0); !api.IsConflict(err) ||
		err.Error() != `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again` {
		t.Errorf("stale update: %v", err)
	}
	// A fresh one bumps the generation and keeps status and uid.
	fresh := api.DeepCopy(afterStatus.(*api.Deployment))
	fresh.Spec.Replicas = &three
	fresh.Status.Replicas = 99 // ignored: status changes only through UpdateStatus
	forged := api.DeepCopy(fresh)
	forged.UID = "forged"
	if _, err := r.Update(forged, t0); !api.IsConflict(err) || !strings.Contains(err.Error(), "Precondition failed: UID") {
		t.Errorf("update with another uid: %v", err)
	}
	got, err := r.Update(fresh, t0)
	if err != nil {
		t.Fatal(err)
	}
	d := got.(*api.Deployment)
	if d.Generation != 2 || d.Status.Replicas != 2 || d.UID != created.UID || *d.Spec.Replicas != 3 {
		t.Errorf("after update: generation %d status.replicas %d uid %q replicas %d", d.Generation, d.Status.Replicas, d.UID, *d.Spec.Replicas)
	}
	// A metadata-only update does not bump the generation.
	lbl := api.DeepCopy(d)
	lbl.Labels = map[string]string{"tier": "front"}
	got, err = r.Update(lbl, t0)
	if err != nil || got.GetObjectMeta().Generation != 2 {
		t.Errorf("label update: %v, generation %d", err, got.GetObjectMeta().Generation)
	}
	// An unconditional update (no resourceVersion) applies to the latest.
	unc := api.DeepCopy(got.(*api.Deployment))
	unc.ResourceVersion = ""
	unc.Annotations = map[string]string{"a": "b"}
	if _, err := r.Update(unc, t0); err != nil {
		t.Errorf("unconditional update: %v", err)
	}
	// Immutable fields stay immutable.
	sel := api.DeepCopy(got.(*api.Deployment))
	sel.ResourceVersion = ""
	sel.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	sel.Spec.Template.Labels = map[string]string{"app": "other"}
	if _, err := r.Update(sel, t0); !api.IsInvalid(err) || !strings.Contains(err.Error(), "spec.selector") {
		t.Errorf("selector change: %v", err)
	}
}

func deployment(name string, replicas int32) *api.Deployment {
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Spec: api.DeploymentSpec{
		Replicas: &replicas,
		Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
		Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": name}},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "nginx:1.27"}}}},
	}}
	d.TypeMeta = api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
	return d
}

func TestBind(t *testing.T) {
	r := newTestRegistry(t)
	p := mustCreate(t, r, pod("web")).(*api.Pod)
	if _, err := r.Bind("default", "web", "wrong-uid", "n1", t0); !api.IsConflict(err) {
		t.Errorf("bind with wrong uid: %v", err)
	}
	got, err := r.Bind("default", "web", p.UID, "n1", t0)
	if err != nil {
		t.Fatal(err)
	}
	b := got.(*api.Pod)
	if b.Spec.NodeName != "n1" || len(b.Status.Conditions) != 1 || b.Status.Conditions[0].Type != api.PodScheduled || b.Status.Conditions[0].Status != api.ConditionTrue {
		t.Errorf("bound pod: node %q conditions %+v", b.Spec.NodeName, b.Status.Conditions)
	}
	if _, err := r.Bind("default", "web", p.UID, "n2", t0); !api.IsConflict(err) || !strings.Contains(err.Error(), `already assigned to node "n1"`) {
		t.Errorf("second bind: %v", err)
	}
	if _, err := r.Bind("default", "ghost", "", "n1", t0); !api.IsNotFound(err) {
		t.Errorf("bind of a missing pod: %v", err)
	}
}

func TestDeletePodGracefully(t *testing.T) {
	r := newTestRegistry(t)
	p := mustCreate(t, r, pod("web")).(*api.Pod)
	if _, err := r.Bind("default", "web", p.UID, "n1", t0); err != nil {
		t.Fatal(err)
	}
	got, err := r.Delete("pods", "default", "web", DeleteOptions{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := got.GetObjectMeta()
	if m.DeletionTimestamp == nil || *m.DeletionTimestamp != t0.Add(30*time.Second) || *m.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("marked pod: %+v", m)
	}
	// A second delete may shorten the grace period, never lengthen it.
	long := int64(100)
	got, _ = r.Delete("pods", "default", "web", DeleteOptions{GracePeriodSeconds: &long}, t0.Add(time.Second))
	if *got.GetObjectMeta().DeletionGracePeriodSeconds != 30 {
		t.Errorf("grace lengthened to %d", *got.GetObjectMeta().DeletionGracePeriodSeconds)
	}
	// The node's final delete removes it.
	zero := int64(0)
	if _, err := r.Delete("pods", "default", "web", DeleteOptions{GracePeriodSeconds: &zero}, t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("pods", "default", "web"); !api.IsNotFound(err) {
		t.Errorf("pod still there: %v", err)
	}
	// An unscheduled pod goes at once.
	mustCreate(t, r, pod("pending"))
	if _, err := r.Delete("pods", "default", "pending", DeleteOptions{}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("pods", "default", "pending"); !api.IsNotFound(err) {
		t.Errorf("unscheduled pod still there: %v", err)
	}
}

func TestDeleteWithFinalizersAndPropagation(t *testing.T) {
	r := newTestRegistry(t)
	d := mustCreate(t, r, deployment("web", 1)).(*api.Deployment)
	if _, err := r.Delete("deployments", "default", "web", DeleteOptions{Preconditions: store.Preconditions{UID: "nope"}}, t0); !api.IsConflict(err) {
		t.Errorf("uid precondition: %v", err)
	}
	got, err := r.Delete("deployments", "default", "web", DeleteOptions{PropagationPolicy: PropagationForeground}, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := got.GetObjectMeta()
	if m.DeletionTimestamp == nil || len(m.Finalizers) != 1 || m.Finalizers[0] != FinalizerForeground {
		t.Fatalf("foreground delete: %+v", m)
	}
	// Removing the last finalizer completes the deletion.
	fin := api.DeepCopy(got.(*api.Deployment))
	fin.Finalizers = nil
	if _, err := r.Update(fin, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("deployments", "default", "web"); !api.IsNotFound(err) {
		t.Errorf("finalized deployment still there: %v", err)
	}
	_ = d
	if _, err := r.Delete("deployments", "default", "web", DeleteOptions{PropagationPolicy: "Sometimes"}, t0); !api.IsNotFound(err) {
		t.Errorf("delete of a gone object: %v", err)
	}
	mustCreate(t, r, deployment("api", 1))
	if _, err := r.Delete("deployments", "default", "api", DeleteOptions{PropagationPolicy: "Sometimes"}, t0); !api.IsBadRequest(err) {
		t.Errorf("bad propagation policy: %v", err)
	}
	got, err = r.Delete("deployments", "default", "api", DeleteOptions{PropagationPolicy: PropagationOrphan}, t0)
	if err != nil || got.GetObjectMeta().Finalizers[0] != FinalizerOrphan {
		t.Errorf("orphan delete: %v %+v", err, got)
	}
}

func TestNamespaceLifecycle(t *testing.T) {
	r := newTestRegistry(t)
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "team"}}
	ns.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	created := mustCreate(t, r, ns).(*api.Namespace)
	if created.Status.Phase != api.NamespaceActive || len(created.Spec.Finalizers) != 1 {
		t.Fatalf("new namespace: %+v", created)
	}
	got, err := r.Delete("namespaces", "", "team", DeleteOptions{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	term := got.(*api.Namespace)
	if term.Status.Phase != api.NamespaceTerminating || term.DeletionTimestamp == nil {
		t.Fatalf("deleted namespace: %+v", term)
	}
	p := pod("late")
	p.Namespace = "team"
	if _, err := r.Create(p, t0); !api.IsForbidden(err) || !strings.Contains(err.Error(), "because it is being terminated") {
		t.Errorf("create in a terminating namespace: %v", err)
	}
	fin := api.DeepCopy(term)
	fin.Spec.Finalizers = nil
	if _, err := r.Update(fin, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("namespaces", "", "team"); !api.IsNotFound(err) {
		t.Errorf("finalized namespace still there: %v", err)
	}
}

func TestQOSClass(t *testing.T) {
	q := func(s string) api.Quantity { return api.MustParseQuantity(s) }
	cases := []struct {
		res  api.ResourceRequirements
		want string
	}{
		{api.ResourceRequirements{}, "BestEffort"},
		{api.ResourceRequirements{Requests: api.ResourceList{"cpu": q("100m")}}, "Burstable"},
		{api.ResourceRequirements{Limits: api.ResourceList{"cpu": q("1"), "memory": q("1Gi")}, Requests: api.ResourceList{"cpu": q("1"), "memory": q("1Gi")}}, "Guaranteed"},
		{api.ResourceRequirements{Limits: api.ResourceList{"cpu": q("1"), "memory": q("1Gi")}, Requests: api.ResourceList{"cpu": q("500m"), "memory": q("1Gi")}}, "Burstable"},
	}
	for _, c := range cases {
		spec := api.PodSpec{Containers: []api.Container{{Name: "a", Resources: c.res}}}
		if got := qosClass(&spec); got != c.want {
			t.Errorf("%+v: %s, want %s", c.res, got, c.want)
		}
	}
}

// CreateShared stores what Create stores, and writes nothing into the
// memory the given pod or ReplicaSet shares with others (here: a
// template's spec, with and without defaults and tolerations of its own).
func TestCreateSharedMatchesCreate(t *testing.T) {
	secs := int64(5)
	specs := map[string]api.PodSpec{
		"bare":        pod("x").Spec,
		"tolerations": {Containers: pod("x").Spec.Containers, Tolerations: make([]api.Toleration, 1, 4)},
		"not-ready tolerated": {Containers: pod("x").Spec.Containers, Tolerations: []api.Toleration{
			{Key: api.TaintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: &secs}}},
		"limits": {Containers: []api.Container{{Name: "app", Image: "busybox:1", Resources: api.ResourceRequirements{
			Limits: api.ResourceList{api.ResourceCPU: api.MustParseQuantity("1")}}}}},
	}
	specs["tolerations"].Tolerations[0] = api.Toleration{Key: "k", Operator: api.TolerationOpExists}
	for name, spec := range specs {
		for _, def := range []bool{false, true} {
			tmpl := &api.Pod{Spec: spec}
			if def {
				tmpl = api.CopyObject(tmpl).(*api.Pod)
				api.Default(tmpl)
			}
			before := api.CopyObject(tmpl)
			// Appending in place would write past the list's length.
			full := tmpl.Spec.Tolerations[:cap(tmpl.Spec.Tolerations)]
			fullBefore := slices.Clone(full)
			a, b := newTestRegistry(t), newTestRegistry(t)
			// check creates mk's object in a by Create and in b by
			// CreateShared, and compares what they store.
			check := func(kind string, mk func() api.Object) {
				want, err := a.Create(mk(), t0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := b.CreateShared("", mk(), t0)
				if err != nil {
					t.Fatal(err)
				}
				if !equalJSON(t, got, want) {
					t.Errorf("%s (defaulted %v): CreateShared stored\n%+v\nCreate stored\n%+v", name, def, got, want)
				}
				if !equalJSON(t, tmpl, before) || !reflect.DeepEqual(full, fullBefore) {
					t.Errorf("%s (defaulted %v): creating a %s changed the shared template:\n%+v", name, def, kind, tmpl.Spec)
				}
			}
			check("Pod", func() api.Object {
				p := pod("web")
				p.Spec = tmpl.Spec
				p.Labels = map[string]string{"app": "web"}
				return p
			})
			// A ReplicaSet shares its template's spec as a Deployment's
			// new one does.
			check("ReplicaSet", func() api.Object {
				two := int32(2)
				return &api.ReplicaSet{
					TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
					ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
					Spec: api.ReplicaSetSpec{Replicas: &two, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
						Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: tmpl.Spec}},
				}
			})
		}
	}
}

func equalJSON(t *testing.T, a, b api.Object) bool {
	t.Helper()
	ja, err := api.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := api.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

// UpdateStatusShared stores what UpdateStatus stores, whatever the given
// pod carries besides its status.
func TestUpdateStatusSharedMatchesUpdateStatus(t *testing.T) {
	var stored [2]api.Object
	for i, shared := range []bool{false, true} {
		r := newTestRegistry(t)
		cur := mustCreate(t, r, pod("web")).(*api.Pod)
		p := pod("web")
		p.Spec.NodeName = "ignored"
		p.Labels = map[string]string{"ignored": "yes"}
		p.ResourceVersion = cur.ResourceVersion
		p.Status = api.PodStatus{Phase: api.PodRunning, PodIP: "10.0.0.1", Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}
		update := r.UpdateStatus
		if shared {
			update = r.UpdateStatusShared
		}
		got, err := update(p, t0)
		if err != nil {
			t.Fatal(err)
		}
		if gp := got.(*api.Pod); gp.Spec.NodeName != "" || gp.Labels != nil || gp.Status.PodIP != "10.0.0.1" {
			t.Errorf("shared %v: stored %+v", shared, gp)
		}
		stored[i] = got
	}
	if !equalJSON(t, stored[0], stored[1]) {
		t.Errorf("UpdateStatusShared stored\n%+v\nUpdateStatus stored\n%+v", stored[1], stored[0])
	}
}

// The same for a kind other than Pod, whose struct the registry then
// stores (its spec and metadata replaced by the stored ones).
func TestUpdateStatusSharedOtherKinds(t *testing.T) {
	var stored [2]api.Object
	for i, shared := range []bool{false, true} {
		r := newTestRegistry(t)
		cur := mustCreate(t, r, deployment("web", 3)).(*api.Deployment)
		d := deployment("web", 7)
		d.Labels = map[string]string{"ignored": "yes"}
		d.ResourceVersion = cur.ResourceVersion
		d.Status = api.DeploymentStatus{Replicas: 3, ReadyReplicas: 2, ObservedGeneration: 1}
		update := r.UpdateStatus
		if shared {
			update = r.UpdateStatusShared
		}
		got, err := update(d, t0)
		if err != nil {
			t.Fatal(err)
		}
		gd := got.(*api.Deployment)
		if *gd.Spec.Replicas != 3 || gd.Labels != nil || gd.Status.ReadyReplicas != 2 {
			t.Errorf("shared %v: stored %+v", shared, gd)
		}
		stored[i] = got
	}
	if !equalJSON(t, stored[0], stored[1]) {
		t.Errorf("UpdateStatusShared stored\n%+v\nUpdateStatus stored\n%+v", stored[1], stored[0])
	}
}

// fixedIDs is an IDSource that counts its draws.
type fixedIDs struct{ uids, suffixes int }

func (f *fixedIDs) UID() string {
	f.uids++
	return "00000000-0000-4000-8000-" + strings.Repeat("0", 11) + strconv.Itoa(f.uids%10)
}

func (f *fixedIDs) NameSuffix(n int) string {
	f.suffixes++
	return strings.Repeat("x", n)
}

// A registry given an IDSource draws every UID and name suffix from it and
// keeps no state of its own between calls (what makes it safe for
// concurrent use): two of them over one store behave alike.
func TestConfigIDs(t *testing.T) {
	st := store.NewMemory()
	ids := &fixedIDs{}
	r := New(st, Config{IDs: ids})
	if r.cache != nil {
		t.Fatal("a registry with an IDSource keeps a cache")
	}
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}
	ns.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	mustCreate(t, r, ns)
	p := pod("")
	p.GenerateName = "web-"
	got := mustCreate(t, r, p).(*api.Pod)
	if got.Name != "web-xxxxx" || got.UID != "00000000-0000-4000-8000-000000000002" {
		t.Errorf("name %q uid %q: not drawn from Config.IDs", got.Name, got.UID)
	}
	if ids.uids != 2 || ids.suffixes != 1 {
		t.Errorf("draws: %d uids, %d suffixes; want 2, 1", ids.uids, ids.suffixes)
	}
	// The default tolerations exist before the first pod needs them.
	if len(r.defaultTolerations) != 2 || len(got.Spec.Tolerations) != 2 {
		t.Errorf("default tolerations %v, pod's %v", r.defaultTolerations, got.Spec.Tolerations)
	}
}
