package etcdstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

func cm(name string, data ...string) *api.ConfigMap {
	c := &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
	}
	if len(data) > 0 {
		c.Data = map[string]string{}
		for i := 0; i+1 < len(data); i += 2 {
			c.Data[data[i]] = data[i+1]
		}
	}
	return c
}

const cmPrefix = "/registry/configmaps/default/"

func cmKey(name string) string { return cmPrefix + name }

func rvOf(t *testing.T, obj api.Object) int64 {
	t.Helper()
	n, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writer does writes through a store and remembers the revision of each,
// as a watch must report them.
type writer struct {
	t    *testing.T
	s    storage.Backend
	revs []int64
}

func (w *writer) create(name string, data ...string) api.Object {
	w.t.Helper()
	out, err := w.s.Create(cm(name, data...))
	if err != nil {
		w.t.Fatalf("Create %s: %v", name, err)
	}
	w.revs = append(w.revs, rvOf(w.t, out))
	return out
}

func (w *writer) update(name string, data ...string) {
	w.t.Helper()
	out, err := w.s.Update(cm(name, data...))
	if err != nil {
		w.t.Fatalf("Update %s: %v", name, err)
	}
	w.revs = append(w.revs, rvOf(w.t, out))
}

func (w *writer) delete(name string) {
	w.t.Helper()
	out, err := w.s.Delete(cmKey(name), store.Preconditions{UID: "uid-" + name})
	if err != nil {
		w.t.Fatalf("Delete %s: %v", name, err)
	}
	w.revs = append(w.revs, rvOf(w.t, out))
}

// next collects n events from st, failing on an error or after 20 s.
func next(t *testing.T, st storage.Stream, n int) []store.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []store.Event
	for len(out) < n {
		evs, err := st.Next(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Next after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, evs...)
	}
	return out
}

// checkRevisions fails unless the events are exactly the writes at revs,
// in order: no gap, no repeat.
func checkRevisions(t *testing.T, evs []store.Event, revs []int64) {
	t.Helper()
	if len(evs) != len(revs) {
		t.Fatalf("%d events for %d writes", len(evs), len(revs))
	}
	for i, e := range evs {
		if e.Revision != revs[i] {
			t.Fatalf("event %d (%s) at revision %d, want %d", i, e.Describe(), e.Revision, revs[i])
		}
		if e.Object == nil || rvOf(t, e.Object) != e.Revision {
			t.Fatalf("event %s carries %v", e.Describe(), e.Object)
		}
		if e.Type != store.Added && e.PrevObject == nil {
			t.Fatalf("event %s without PrevObject", e.Describe())
		}
	}
}

func names(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = fmt.Sprintf("%s@%s", o.GetObjectMeta().Name, o.GetObjectMeta().ResourceVersion)
	}
	return out
}
