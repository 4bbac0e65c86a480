package registry

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// racingStore makes the next n writes to a key lose their compare-and-swap:
// just before each, another writer updates the key (its annotation "by" set
// to "other"), as a concurrent API request would.
type racingStore struct {
	store.Store
	n int
}

func (s *racingStore) race(key string) {
	if s.n == 0 {
		return
	}
	s.n--
	cur, err := s.Store.Get(key)
	if err != nil {
		return
	}
	o := api.CopyObject(cur)
	m := o.GetObjectMeta()
	m.Annotations = map[string]string{"by": "other"}
	if _, err := s.Store.Update(o); err != nil {
		panic(err)
	}
}

func (s *racingStore) Update(obj api.Object) (api.Object, error) {
	key, _ := api.KeyOf(obj)
	s.race(key)
	return s.Store.Update(obj)
}

func (s *racingStore) Delete(key string, pre store.Preconditions) (api.Object, error) {
	s.race(key)
	return s.Store.Delete(key, pre)
}

// A request whose own preconditions hold is not failed by a concurrent
// writer: the registry reads again and retries, as Kubernetes'
// GuaranteedUpdate does (found by checks' TestAPILinearizable: an
// unconditional PUT answered 409). A request with a resourceVersion
// precondition still fails once the object moved.
func TestLostCompareAndSwapIsRetried(t *testing.T) {
	rs := &racingStore{Store: store.NewMemory()}
	r := New(rs, Config{Seed: 1})
	mustCreate(t, r, &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: "default"}})
	cm := func(rv, v string) *api.ConfigMap {
		return &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "c", ResourceVersion: rv}, Data: map[string]string{"v": v}}
	}
	mustCreate(t, r, cm("", "1"))

	rs.n = 3
	out, err := r.Update(cm("", "2"), 0)
	if err != nil {
		t.Fatalf("unconditional update with 3 lost races: %v", err)
	}
	if got := out.(*api.ConfigMap); got.Data["v"] != "2" || got.Annotations != nil {
		t.Fatalf("stored %+v", got)
	}

	rs.n = 1
	if _, err := r.Update(cm(out.GetObjectMeta().ResourceVersion, "3"), 0); !api.IsConflict(err) {
		t.Fatalf("conditional update after a concurrent write: %v, want Conflict", err)
	}

	rs.n = maxCASAttempts
	if _, err := r.Update(cm("", "4"), 0); !api.IsConflict(err) {
		t.Fatalf("update losing every race: %v, want Conflict after %d attempts", err, maxCASAttempts)
	}

	rs.n = 2
	if _, err := r.Delete("configmaps", "default", "c", DeleteOptions{}, 0); err != nil {
		t.Fatalf("delete without preconditions, 2 lost races: %v", err)
	}
	if _, err := rs.Get(api.KeyFor("configmaps", "default", "c")); !store.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}
