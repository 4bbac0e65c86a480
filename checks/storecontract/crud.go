package storecontract

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

var crudTests = []contractTest{
	{"CreateGet", testCreateGet},
	{"CreateAlreadyExists", testCreateAlreadyExists},
	{"CreateRejectsResourceVersion", testCreateRejectsResourceVersion},
	{"BadKeys", testBadKeys},
	{"UpdateCAS", testUpdateCAS},
	{"UpdateUnconditional", testUpdateUnconditional},
	{"UpdateNotFound", testUpdateNotFound},
	{"DeletePreconditions", testDeletePreconditions},
	{"DeleteThenRecreate", testDeleteThenRecreate},
	{"RevisionPerWrite", testRevisionPerWrite},
	{"ReturnsCopies", testReturnsCopies},
	{"GetAtRevision", testGetAtRevision},
}

func testCreateGet(t *testing.T, s store.Store) {
	r0 := revision(t, s)
	if r0 < 1 {
		t.Fatalf("fresh store at revision %d, want >= 1", r0)
	}
	if _, err := s.Get(podKey("default", "web-1")); !store.IsNotFound(err) {
		t.Fatalf("Get of absent key: %v, want NotFound", err)
	}
	created := mustCreate(t, s, pod("default", "web-1", "app", "web"))
	if got := rv(t, created); got != r0+1 {
		t.Fatalf("created resourceVersion %d, want %d", got, r0+1)
	}
	if revision(t, s) != r0+1 {
		t.Fatalf("Revision() = %d after one create, want %d", revision(t, s), r0+1)
	}
	got := mustGet(t, s, podKey("default", "web-1")).(*api.Pod)
	if got.Name != "web-1" || got.Namespace != "default" || got.Labels["app"] != "web" || got.UID != "uid-default-web-1" {
		t.Fatalf("Get returned %+v", got.ObjectMeta)
	}
	if got.ResourceVersion != created.GetObjectMeta().ResourceVersion {
		t.Fatalf("Get resourceVersion %q, Create returned %q", got.ResourceVersion, created.GetObjectMeta().ResourceVersion)
	}
	if got.Kind != "Pod" || got.APIVersion != "v1" {
		t.Fatalf("Get lost TypeMeta: %+v", got.TypeMeta)
	}
	mustCreate(t, s, node("n1"))
	if n := mustGet(t, s, api.KeyFor("nodes", "", "n1")); n.GetObjectMeta().Name != "n1" {
		t.Fatalf("cluster-scoped Get returned %s", describe(n))
	}
}

func testCreateAlreadyExists(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "web-1"))
	r := revision(t, s)
	_, err := s.Create(pod("default", "web-1", "changed", "yes"))
	wantCode(t, "second Create", err, store.AlreadyExists)
	if !store.IsAlreadyExists(err) {
		t.Fatalf("IsAlreadyExists(%v) = false", err)
	}
	if revision(t, s) != r {
		t.Fatalf("failed Create moved the revision from %d to %d", r, revision(t, s))
	}
	if got := mustGet(t, s, podKey("default", "web-1")); got.GetObjectMeta().Labels != nil {
		t.Fatalf("failed Create changed the object: %v", got.GetObjectMeta().Labels)
	}
}

func testCreateRejectsResourceVersion(t *testing.T, s store.Store) {
	p := pod("default", "web-1")
	p.ResourceVersion = "5"
	_, err := s.Create(p)
	wantCode(t, "Create with resourceVersion", err, store.BadRequest)
}

func testBadKeys(t *testing.T, s store.Store) {
	_, err := s.Create(pod("default", ""))
	wantCode(t, "Create without name", err, store.BadRequest)
	_, err = s.Create(pod("", "web-1"))
	wantCode(t, "Create namespaced pod without namespace", err, store.BadRequest)
	for _, key := range []string{"", "/registry/", "/registry/pods/default/", "pods/default/web-1", "/other/pods/default/web-1"} {
		_, err = s.Get(key)
		wantCode(t, "Get("+key+")", err, store.BadRequest)
		_, err = s.Delete(key, store.Preconditions{})
		wantCode(t, "Delete("+key+")", err, store.BadRequest)
	}
	for _, prefix := range []string{"", "/registry/pods/default", "/registry/pods", "pods/"} {
		_, err = s.List(prefix, store.ListOptions{})
		wantCode(t, "List("+prefix+")", err, store.BadRequest)
		_, err = s.Watch(prefix, 0)
		wantCode(t, "Watch("+prefix+")", err, store.BadRequest)
	}
}

func testUpdateCAS(t *testing.T, s store.Store) {
	v1 := mustCreate(t, s, pod("default", "web-1")).(*api.Pod)
	v2 := api.CopyObject(v1).(*api.Pod)
	v2.Spec.NodeName = "n1"
	out := mustUpdate(t, s, v2).(*api.Pod)
	if rv(t, out) != rv(t, v1)+1 || out.Spec.NodeName != "n1" {
		t.Fatalf("Update returned %s node %q", describe(out), out.Spec.NodeName)
	}
	// v1 is now stale: a second writer from the same base must conflict.
	stale := api.CopyObject(v1).(*api.Pod)
	stale.Spec.NodeName = "n2"
	r := revision(t, s)
	_, err := s.Update(stale)
	wantCode(t, "Update with stale resourceVersion", err, store.Conflict)
	if !store.IsConflict(err) {
		t.Fatalf("IsConflict(%v) = false", err)
	}
	if revision(t, s) != r {
		t.Fatal("failed Update moved the revision")
	}
	if got := mustGet(t, s, podKey("default", "web-1")).(*api.Pod); got.Spec.NodeName != "n1" {
		t.Fatalf("failed Update changed the object: node %q", got.Spec.NodeName)
	}
	bad := api.CopyObject(out).(*api.Pod)
	bad.ResourceVersion = "not-a-number"
	_, err = s.Update(bad)
	wantCode(t, "Update with malformed resourceVersion", err, store.BadRequest)
}

func testUpdateUnconditional(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "web-1"))
	mustUpdate(t, s, pod("default", "web-1", "v", "2"))
	p := pod("default", "web-1", "v", "3")
	p.ResourceVersion = ""
	out := mustUpdate(t, s, p)
	if rv(t, out) != revision(t, s) || out.GetObjectMeta().Labels["v"] != "3" {
		t.Fatalf("unconditional Update returned %s", describe(out))
	}
	// An update that changes nothing still writes a revision.
	same := mustGet(t, s, podKey("default", "web-1"))
	again := mustUpdate(t, s, same)
	if rv(t, again) != rv(t, same)+1 {
		t.Fatalf("no-op Update: resourceVersion %d, want %d", rv(t, again), rv(t, same)+1)
	}
}

func testUpdateNotFound(t *testing.T, s store.Store) {
	_, err := s.Update(pod("default", "ghost"))
	wantCode(t, "Update of absent key", err, store.NotFound)
	mustCreate(t, s, pod("default", "web-1"))
	mustDelete(t, s, podKey("default", "web-1"))
	_, err = s.Update(pod("default", "web-1"))
	wantCode(t, "Update of deleted key", err, store.NotFound)
}

func testDeletePreconditions(t *testing.T, s store.Store) {
	key := podKey("default", "web-1")
	_, err := s.Delete(key, store.Preconditions{})
	wantCode(t, "Delete of absent key", err, store.NotFound)

	v1 := mustCreate(t, s, pod("default", "web-1", "app", "web"))
	v2 := mustUpdate(t, s, v1)
	r := revision(t, s)
	_, err = s.Delete(key, store.Preconditions{ResourceVersion: v1.GetObjectMeta().ResourceVersion})
	wantCode(t, "Delete with stale resourceVersion", err, store.Conflict)
	_, err = s.Delete(key, store.Preconditions{UID: "someone-else"})
	wantCode(t, "Delete with wrong UID", err, store.Conflict)
	_, err = s.Delete(key, store.Preconditions{ResourceVersion: "x"})
	wantCode(t, "Delete with malformed resourceVersion", err, store.BadRequest)
	if revision(t, s) != r {
		t.Fatal("failed Delete moved the revision")
	}
	mustGet(t, s, key)

	gone, err := s.Delete(key, store.Preconditions{ResourceVersion: v2.GetObjectMeta().ResourceVersion, UID: "uid-default-web-1"})
	if err != nil {
		t.Fatalf("Delete with matching preconditions: %v", err)
	}
	if rv(t, gone) != r+1 || revision(t, s) != r+1 {
		t.Fatalf("Delete returned %s at store revision %d, want resourceVersion %d", describe(gone), revision(t, s), r+1)
	}
	if gone.GetObjectMeta().Labels["app"] != "web" {
		t.Fatalf("Delete did not return the last state: %s", describe(gone))
	}
	_, err = s.Get(key)
	wantCode(t, "Get after Delete", err, store.NotFound)
	_, err = s.Delete(key, store.Preconditions{})
	wantCode(t, "second Delete", err, store.NotFound)
}

func testDeleteThenRecreate(t *testing.T, s store.Store) {
	key := podKey("default", "web-1")
	old := mustCreate(t, s, pod("default", "web-1", "gen", "1"))
	mustDelete(t, s, key)
	p := pod("default", "web-1", "gen", "2")
	p.UID = "uid-2"
	created := mustCreate(t, s, p)
	if rv(t, created) != revision(t, s) {
		t.Fatalf("re-create returned %s", describe(created))
	}
	if got := mustGet(t, s, key); got.GetObjectMeta().UID != "uid-2" {
		t.Fatalf("Get after re-create returned UID %q", got.GetObjectMeta().UID)
	}
	if got, err := s.GetAt(key, rv(t, old)); err != nil || got.GetObjectMeta().Labels["gen"] != "1" {
		t.Fatalf("GetAt old revision after re-create: %v, %v", got, err)
	}
	_, err := s.GetAt(key, rv(t, old)+1)
	wantCode(t, "GetAt the deletion revision", err, store.NotFound)
}

func testRevisionPerWrite(t *testing.T, s store.Store) {
	want := revision(t, s)
	step := func(what string, obj api.Object) {
		t.Helper()
		want++
		if got := rv(t, obj); got != want {
			t.Fatalf("%s: resourceVersion %d, want %d", what, got, want)
		}
		if revision(t, s) != want {
			t.Fatalf("%s: Revision() = %d, want %d", what, revision(t, s), want)
		}
	}
	a := mustCreate(t, s, pod("ns1", "a"))
	step("create a", a)
	step("create b", mustCreate(t, s, pod("ns2", "b")))
	step("create node", mustCreate(t, s, node("n1")))
	step("update a", mustUpdate(t, s, a))
	_, _ = s.Update(a) // stale: fails, no revision
	_, _ = s.Create(pod("ns1", "a"))
	step("delete b", mustDelete(t, s, podKey("ns2", "b")))
	step("update a unconditionally", mustUpdate(t, s, pod("ns1", "a")))
}

func testReturnsCopies(t *testing.T, s store.Store) {
	key := podKey("default", "web-1")
	in := pod("default", "web-1", "app", "web")
	out := mustCreate(t, s, in).(*api.Pod)
	in.Labels["app"] = "mutated-input"
	out.Labels["app"] = "mutated-output"
	out.Name = "renamed"
	got := mustGet(t, s, key).(*api.Pod)
	got.Labels["app"] = "mutated-get"
	got.Finalizers = append(got.Finalizers, "x")
	upd := mustUpdate(t, s, pod("default", "web-1", "app", "web")).(*api.Pod)
	upd.Labels["app"] = "mutated-update"
	list, err := s.List(podPrefix("default"), store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list.Items[0].GetObjectMeta().Labels["app"] = "mutated-list"
	old, err := s.GetAt(key, rv(t, upd)-1)
	if err != nil {
		t.Fatal(err)
	}
	old.GetObjectMeta().Labels["app"] = "mutated-old"

	final := mustGet(t, s, key).(*api.Pod)
	if final.Labels["app"] != "web" || final.Name != "web-1" || len(final.Finalizers) != 0 {
		t.Fatalf("stored object changed through a returned copy: %+v", final.ObjectMeta)
	}
	if o, _ := s.GetAt(key, rv(t, upd)-1); o.GetObjectMeta().Labels["app"] != "web" {
		t.Fatalf("history changed through a returned copy: %v", o.GetObjectMeta().Labels)
	}
}

func testGetAtRevision(t *testing.T, s store.Store) {
	key := podKey("default", "web-1")
	before := revision(t, s)
	v1 := mustCreate(t, s, pod("default", "web-1", "v", "1"))
	mustCreate(t, s, pod("default", "other"))
	v2 := mustUpdate(t, s, pod("default", "web-1", "v", "2"))
	for _, c := range []struct {
		rev    int64
		want   string // label v, "" for NotFound
		wantRV int64
	}{
		{before, "", 0},
		{rv(t, v1), "1", rv(t, v1)},
		{rv(t, v1) + 1, "1", rv(t, v1)},
		{rv(t, v2), "2", rv(t, v2)},
		{0, "2", rv(t, v2)},
	} {
		got, err := s.GetAt(key, c.rev)
		if c.want == "" {
			wantCode(t, "GetAt before create", err, store.NotFound)
			continue
		}
		if err != nil {
			t.Fatalf("GetAt(%d): %v", c.rev, err)
		}
		if got.GetObjectMeta().Labels["v"] != c.want || rv(t, got) != c.wantRV {
			t.Fatalf("GetAt(%d) = %s v=%s; want v=%s rv=%d", c.rev, describe(got), got.GetObjectMeta().Labels["v"], c.want, c.wantRV)
		}
	}
	_, err := s.GetAt(key, revision(t, s)+1)
	wantCode(t, "GetAt future revision", err, store.BadRequest)
	_, err = s.GetAt(key, -1)
	wantCode(t, "GetAt negative revision", err, store.BadRequest)
}
