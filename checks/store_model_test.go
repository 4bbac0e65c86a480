package checks

import (
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
	"github.com/capstan-dev/capstan/model/linearize"
)

// TestStoreLinearizable runs concurrent-looking histories (see
// store_helpers_test.go) against core/store's Memory and checks them with
// porcupine against linearize.StoreModel, and their lists with
// linearize.ListsConsistent. A failure writes porcupine's HTML visualisation
// under $CAPSTAN_ARTIFACTS (or the test's temporary directory) and prints
// its path.
func TestStoreLinearizable(t *testing.T) {
	checkN(t, 3000, func(rt *rapid.T) {
		p := genProgram.Draw(rt, "program")
		if report := checkLinearizable(t, p.run(store.NewMemory())); report != "" {
			rt.Fatalf("not linearizable:\n%s", report)
		}
	})
}

// TestLinearizabilityCheckCatches proves the check can fail: stores that
// serve stale reads or ignore compare-and-swap must be caught within a
// few hundred generated histories, and the failure must come with
// porcupine's visualisation.
func TestLinearizabilityCheckCatches(t *testing.T) {
	broken := []struct {
		name string
		wrap func(store.Store) store.Store
	}{
		{"stale reads", func(s store.Store) store.Store { return newStaleReads(s) }},
		{"ignores CAS", func(s store.Store) store.Store { return ignoresCAS{s} }},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			for seed := range 500 {
				p := genProgram.Example(seed)
				report := checkLinearizable(t, p.run(b.wrap(store.NewMemory())))
				if report == "" {
					continue
				}
				if strings.Contains(report, "porcupine: Illegal") {
					path := strings.TrimSuffix(strings.SplitN(strings.SplitN(report, "visualisation: ", 2)[1], "\n", 2)[0], "\n")
					if !fileExists(path) {
						t.Fatalf("seed %d: caught, but no visualisation at %q", seed, path)
					}
				}
				t.Logf("caught at seed %d:\n%s", seed, firstLines(report, 3))
				return
			}
			t.Fatalf("%s: 500 histories passed the linearizability check", b.name)
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// TestStoreMatchesKV drives core/store's Memory and model.KV side by side.
func TestStoreMatchesKV(t *testing.T) {
	checkN(t, 3000, storeMatchesKV(func() store.Store { return store.NewMemory() }, true))
}

// TestStoreModelByHand pins linearize.StoreModel and linearize.ListsConsistent on
// small hand-written histories.
func TestStoreModelByHand(t *testing.T) {
	const k = "/registry/configmaps/a/k"
	op := func(client int, call, ret int64, in linearize.StoreInput, out linearize.StoreOutput) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
	}
	create := op(0, 1, 2, linearize.StoreInput{Op: "create", Key: k, Value: "1"}, linearize.StoreOutput{RV: 2})
	update := op(0, 3, 4, linearize.StoreInput{Op: "update", Key: k, Value: "2", RV: 2}, linearize.StoreOutput{RV: 3})
	cases := []struct {
		name  string
		ops   []porcupine.Operation
		legal bool
	}{
		{"read your write", []porcupine.Operation{create, update, op(1, 5, 6, linearize.StoreInput{Op: "get", Key: k}, linearize.StoreOutput{Value: "2", RV: 3})}, true},
		{"stale read after the write returned", []porcupine.Operation{create, update, op(1, 5, 6, linearize.StoreInput{Op: "get", Key: k}, linearize.StoreOutput{Value: "1", RV: 2})}, false},
		{"old value while the write is in flight", []porcupine.Operation{create, update, op(1, 4, 6, linearize.StoreInput{Op: "get", Key: k}, linearize.StoreOutput{Value: "1", RV: 2})}, true},
		{"CAS with a stale resourceVersion succeeds", []porcupine.Operation{create, update, op(1, 5, 6, linearize.StoreInput{Op: "update", Key: k, Value: "3", RV: 2}, linearize.StoreOutput{RV: 4})}, false},
		{"CAS with a stale resourceVersion conflicts", []porcupine.Operation{create, update, op(1, 5, 6, linearize.StoreInput{Op: "update", Key: k, Value: "3", RV: 2}, linearize.StoreOutput{Code: model.CodeConflict})}, true},
		{"revision goes backwards", []porcupine.Operation{create, op(0, 3, 4, linearize.StoreInput{Op: "update", Key: k, Value: "2"}, linearize.StoreOutput{RV: 2})}, false},
		{"delete then create", []porcupine.Operation{create, op(0, 3, 4, linearize.StoreInput{Op: "delete", Key: k}, linearize.StoreOutput{RV: 3}),
			op(1, 5, 6, linearize.StoreInput{Op: "get", Key: k}, linearize.StoreOutput{Code: model.CodeNotFound}),
			op(1, 7, 8, linearize.StoreInput{Op: "create", Key: k, Value: "9"}, linearize.StoreOutput{RV: 4})}, true},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperations(linearize.StoreModel, c.ops); got != c.legal {
			t.Errorf("%s: linearizable = %v, want %v", c.name, got, c.legal)
		}
	}

	list := func(call, ret, rev int64, entries ...model.KVEntry) linearize.ListCall {
		return linearize.ListCall{ClientID: 2, Call: call, Return: ret, Prefix: "/registry/configmaps/", AtLatest: true, Revision: rev, Entries: entries}
	}
	ops := []porcupine.Operation{create, update}
	if vs := linearize.ListsConsistent(ops, []linearize.ListCall{list(5, 6, 3, model.KVEntry{Key: k, Value: "2", ModRevision: 3}), list(0, 1, 1)}); len(vs) > 0 {
		t.Errorf("consistent lists reported:\n%s", model.Describe(vs))
	}
	got := model.Describe(linearize.ListsConsistent(ops, []linearize.ListCall{list(5, 6, 2, model.KVEntry{Key: k, Value: "2", ModRevision: 3})}))
	want := "ListsConsistent: list /registry/configmaps/ @2 (client 2, [5, 6]): misses client 0 [3, 4] update(/registry/configmaps/a/k, \"2\", rv=2) -> ok @3, which returned before the list was called\n" +
		"ListsConsistent: list /registry/configmaps/ @2 (client 2, [5, 6]): read [/registry/configmaps/a/k=\"2\"@3], want [/registry/configmaps/a/k=\"1\"@2]\n"
	if got != want {
		t.Errorf("inconsistent list:\ngot:\n%swant:\n%s", got, want)
	}
}
