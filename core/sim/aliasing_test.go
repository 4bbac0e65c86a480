package sim

import (
	"encoding/json"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// TestSharedObjectsStayUnchanged replays every scenario with ShareObjects,
// where the store, the registry, the control plane and the node machines
// all share one copy of each object, and checks that sharing is invisible:
// the outputs are the recorded ones, and no object the store kept was
// modified afterwards (its JSON hashed when written and again at the end).
// A write into shared memory (a default appended to a template's list, a
// status built in a stored slice) fails it.
func TestSharedObjectsStayUnchanged(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := ParseScenario(string(data))
			if err != nil {
				t.Fatal(err)
			}
			type written struct {
				obj  api.Object
				hash uint64
			}
			var objs []written
			cfg := Config{Seed: 1, ShareObjects: true}
			cfg.onWrite = func(o api.Object) { objs = append(objs, written{o, hashJSON(t, o)}) }
			in := NewInterpreter(cfg)
			for _, cmd := range cmds {
				if got := in.Exec(cmd); got != cmd.Expected {
					t.Errorf("line %d: %s:\ngot:\n%s\nwant:\n%s", cmd.Line, cmd, got, cmd.Expected)
					break
				}
			}
			if len(objs) == 0 {
				t.Fatal("no writes seen")
			}
			for _, w := range objs {
				if hashJSON(t, w.obj) != w.hash {
					b, _ := json.Marshal(w.obj)
					t.Errorf("stored %s %s/%s changed after it was written; now:\n%s",
						w.obj.GetTypeMeta().Kind, w.obj.GetObjectMeta().Namespace, w.obj.GetObjectMeta().Name, b)
				}
			}
		})
	}
}

func hashJSON(t *testing.T, o api.Object) uint64 {
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
