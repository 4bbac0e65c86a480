package store_test

import (
	"testing"

	"github.com/capstan-dev/capstan/checks/storecontract"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// copying gives a shared store's callers the copy discipline the contract
// assumes (it reuses and mutates objects), so that the contract checks
// the shared store's own logic: revisions, preconditions, events, history.
type copying struct{ *store.Memory }

func (c copying) Create(o api.Object) (api.Object, error) {
	return out(c.Memory.Create(api.CopyObject(o)))
}
func (c copying) Update(o api.Object) (api.Object, error) {
	return out(c.Memory.Update(api.CopyObject(o)))
}
func (c copying) Delete(k string, p store.Preconditions) (api.Object, error) {
	return out(c.Memory.Delete(k, p))
}
func (c copying) Get(k string) (api.Object, error) { return out(c.Memory.Get(k)) }
func (c copying) GetAt(k string, r int64) (api.Object, error) {
	return out(c.Memory.GetAt(k, r))
}
func (c copying) List(p string, o store.ListOptions) (store.ListResult, error) {
	res, err := c.Memory.List(p, o)
	for i, it := range res.Items {
		res.Items[i] = api.CopyObject(it)
	}
	return res, err
}
func (c copying) Watch(p string, from int64) (store.Watcher, error) {
	w, err := c.Memory.Watch(p, from)
	if err != nil {
		return nil, err
	}
	return copyingWatcher{w}, nil
}

type copyingWatcher struct{ store.Watcher }

func (w copyingWatcher) Poll(limit int) ([]store.Event, error) {
	evs, err := w.Watcher.Poll(limit)
	for i := range evs {
		evs[i].Object = api.CopyObject(evs[i].Object)
		if evs[i].PrevObject != nil {
			evs[i].PrevObject = api.CopyObject(evs[i].PrevObject)
		}
	}
	return evs, err
}

func out(o api.Object, err error) (api.Object, error) {
	if o == nil {
		return nil, err
	}
	return api.CopyObject(o), err
}

// TestContractShared runs the contract against a store that shares its
// objects, through callers that copy.
func TestContractShared(t *testing.T) {
	storecontract.Run(t, func(*testing.T) store.Store {
		return copying{store.NewMemoryWith(store.MemoryOptions{Shared: true})}
	})
}

// TestSharedHandsOutStoredObjects: no copies in or out.
func TestSharedHandsOutStoredObjects(t *testing.T) {
	m := store.NewMemoryWith(store.MemoryOptions{Shared: true})
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "p"}}
	stored, err := m.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if stored != api.Object(p) || p.ResourceVersion != "2" {
		t.Fatalf("create did not take the object: %p %p rv=%s", stored, p, p.ResourceVersion)
	}
	got, _ := m.Get("/registry/pods/default/p")
	if got != api.Object(p) {
		t.Fatal("get copied")
	}
	w, _ := m.Watch("/registry/pods/", 2)
	gone, err := m.Delete("/registry/pods/default/p", store.Preconditions{})
	if err != nil {
		t.Fatal(err)
	}
	if gone == api.Object(p) || gone.GetObjectMeta().ResourceVersion != "3" || p.ResourceVersion != "2" {
		t.Fatalf("delete must report a shallow copy at the deletion revision; got rv %s, stored rv %s",
			gone.GetObjectMeta().ResourceVersion, p.ResourceVersion)
	}
	evs, _ := w.Poll(0)
	if len(evs) != 2 || evs[0].Object != api.Object(p) || evs[1].PrevObject != api.Object(p) {
		t.Fatalf("events copied: %+v", evs)
	}
	// The Deleted event carries the copy Delete made, to every watcher.
	w2, _ := m.Watch("/registry/pods/", 3)
	evs2, _ := w2.Poll(0)
	if evs[1].Object != gone || len(evs2) != 1 || evs2[0].Object != gone {
		t.Fatalf("Deleted events carry new copies: %p, %+v; Delete returned %p", evs[1].Object, evs2, gone)
	}
}

// An update of a shared store builds the key it looks up on the stack.
func TestSharedUpdateAllocatesNoKey(t *testing.T) {
	m := store.NewMemoryWith(store.MemoryOptions{Shared: true})
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web"}}
	if _, err := m.Create(p); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		p = &api.Pod{TypeMeta: p.TypeMeta, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web"}}
		if _, err := m.Update(p); err != nil {
			t.Fatal(err)
		}
	})
	// The pod only (the record's versions and the log grow by chunks and
	// doublings: less than one allocation per update); not the key.
	if n > 1 {
		t.Errorf("Update allocates %v times", n)
	}
}

// Lookup finds what Get finds, namespaced or not, nothing for a deleted
// or unknown key, copies in the default mode, and allocates nothing in
// the shared one.
func TestLookup(t *testing.T) {
	for _, shared := range []bool{false, true} {
		m := store.NewMemoryWith(store.MemoryOptions{Shared: shared})
		p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web"}}
		n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: "n1"}}
		for _, o := range []api.Object{p, n} {
			if _, err := m.Create(o); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct{ res, ns, name, key string }{
			{"pods", "default", "web", "/registry/pods/default/web"},
			{"nodes", "", "n1", "/registry/nodes/n1"},
		} {
			want, _ := m.Get(c.key)
			got := m.Lookup(c.res, c.ns, c.name)
			if got == nil || got.GetObjectMeta().UID != want.GetObjectMeta().UID || got.GetObjectMeta().ResourceVersion != want.GetObjectMeta().ResourceVersion {
				t.Fatalf("shared=%v: Lookup(%s %s %s) = %v, Get = %v", shared, c.res, c.ns, c.name, got, want)
			}
			if (got == want) != shared {
				t.Errorf("shared=%v: Lookup and Get returned the same object: %v", shared, got == want)
			}
		}
		if got := m.Lookup("pods", "default", "nope"); got != nil {
			t.Errorf("unknown key: %v", got)
		}
		if _, err := m.Delete("/registry/pods/default/web", store.Preconditions{}); err != nil {
			t.Fatal(err)
		}
		if got := m.Lookup("pods", "default", "web"); got != nil {
			t.Errorf("deleted key: %v", got)
		}
		if shared {
			if a := testing.AllocsPerRun(100, func() { m.Lookup("nodes", "", "n1") }); a != 0 {
				t.Errorf("Lookup allocates %v times", a)
			}
		}
	}
}

// PollAppend appends what Poll would return, honours the limit, and
// reuses the caller's array.
func TestPollAppend(t *testing.T) {
	m := store.NewMemory()
	w1, _ := m.Watch("/registry/pods/", 0)
	w2, _ := m.Watch("/registry/pods/", 0)
	for _, name := range []string{"a", "b", "c"} {
		p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name}}
		if _, err := m.Create(p); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := w1.Poll(0)
	app := w2.(store.Appender)
	buf := make([]store.Event, 1, 8)
	got, err := app.PollAppend(buf, 2)
	if err != nil || len(got) != 3 || &got[0] != &buf[0] {
		t.Fatalf("PollAppend(limit 2) = %d events, err %v, same array %v", len(got), err, len(got) > 0 && &got[0] == &buf[0])
	}
	got, _ = app.PollAppend(got, 0)
	if len(got) != 4 {
		t.Fatalf("second PollAppend: %d events, want 4", len(got))
	}
	for i, e := range got[1:] {
		if e.Key != want[i].Key || e.Revision != want[i].Revision || e.Type != want[i].Type {
			t.Errorf("event %d: %s@%d, Poll gave %s@%d", i, e.Key, e.Revision, want[i].Key, want[i].Revision)
		}
	}
	if more, _ := app.PollAppend(got[:0], 0); len(more) != 0 {
		t.Errorf("nothing new, got %d", len(more))
	}
}
