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
