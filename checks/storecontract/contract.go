// Package storecontract is the contract suite every store.Store
// implementation must pass: the in-memory store of core/store, the
// etcd-backed store of server/, and any wrapper around them.
//
// Run takes a constructor that returns a fresh, empty store with no other
// writer. The suite assumes nothing about absolute revisions beyond what
// etcd guarantees (a fresh store is at revision >= 1, every successful write
// adds exactly one). Watch delivery may be asynchronous: the suite polls
// until the events it expects arrive (up to WaitTimeout), and proves that no
// unexpected event slipped in by writing a marker object last and checking
// everything delivered before it.
package storecontract

import (
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// WaitTimeout bounds how long the suite polls a watcher for events that
// must arrive. The in-memory store delivers synchronously.
var WaitTimeout = 10 * time.Second

// Run runs the whole contract against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []contractTest
	}{
		{"crud", crudTests},
		{"list", listTests},
		{"watch", watchTests},
		{"compact", compactTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, ct := range g.tests {
				t.Run(ct.name, func(t *testing.T) { ct.run(t, newStore(t)) })
			}
		})
	}
}

// contractTest is one named test of the contract.
type contractTest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// pod returns a pod with a UID derived from its name and the given
// labels as key, value pairs.
func pod(ns, name string, labels ...string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + ns + "-" + name},
	}
	if len(labels) > 0 {
		p.Labels = map[string]string{}
		for i := 0; i+1 < len(labels); i += 2 {
			p.Labels[labels[i]] = labels[i+1]
		}
	}
	return p
}

// node returns a cluster-scoped object.
func node(name string) *api.Node {
	return &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, UID: "uid-node-" + name},
	}
}

func podKey(ns, name string) string { return api.KeyFor("pods", ns, name) }

func podPrefix(ns string) string { return api.KeyFor("pods", ns, "") }

func mustCreate(t *testing.T, s store.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Create(obj)
	if err != nil {
		t.Fatalf("Create(%s): %v", describe(obj), err)
	}
	return out
}

func mustUpdate(t *testing.T, s store.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Update(obj)
	if err != nil {
		t.Fatalf("Update(%s): %v", describe(obj), err)
	}
	return out
}

func mustDelete(t *testing.T, s store.Store, key string) api.Object {
	t.Helper()
	out, err := s.Delete(key, store.Preconditions{})
	if err != nil {
		t.Fatalf("Delete(%s): %v", key, err)
	}
	return out
}

func mustGet(t *testing.T, s store.Store, key string) api.Object {
	t.Helper()
	out, err := s.Get(key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return out
}

// revision returns the store's current revision.
func revision(t *testing.T, s store.Store) int64 {
	t.Helper()
	rev, err := s.Revision()
	if err != nil {
		t.Fatalf("Revision: %v", err)
	}
	return rev
}

// rv returns obj's resourceVersion as a revision.
func rv(t *testing.T, obj api.Object) int64 {
	t.Helper()
	n, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		t.Fatalf("%s: %v", describe(obj), err)
	}
	return n
}

// wantCode fails unless err is a store error with code want.
func wantCode(t *testing.T, what string, err error, want store.Code) {
	t.Helper()
	if got := store.CodeOf(err); got != want {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, want)
	}
}

func describe(obj api.Object) string {
	if obj == nil {
		return "<nil>"
	}
	m := obj.GetObjectMeta()
	return obj.GetTypeMeta().Kind + " " + m.Namespace + "/" + m.Name + " rv=" + m.ResourceVersion
}

// names returns "ns/name" of each object, in order.
func names(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetObjectMeta().Namespace + "/" + o.GetObjectMeta().Name
	}
	return out
}
