package explore

import (
	"crypto/sha256"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// paths returns every path of cfg up to depth, without deduplication.
func paths(t *testing.T, cfg Config, depth int) []Path {
	t.Helper()
	out := []Path{{}}
	for i := 0; i < len(out); i++ {
		p := out[i]
		if len(p) == depth {
			continue
		}
		w, err := Replay(cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range w.Enabled() {
			out = append(out, append(p[:len(p):len(p)], c))
		}
	}
	return out
}

// The world is deterministic: replaying a path gives the same state,
// described and hashed the same.
func TestReplayIsDeterministic(t *testing.T) {
	for _, cfg := range []Config{Create(), AfterPartition()} {
		for _, p := range paths(t, cfg, 5) {
			a, err := Replay(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Replay(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			if a.Hash() != b.Hash() || a.Describe() != b.Describe() {
				t.Fatalf("%s: path %s replays differently:\n%s\n---\n%s", cfg.Name, p.Describe(cfg.NodeNames()), a.Describe(), b.Describe())
			}
		}
	}
}

// The result of an exploration does not depend on the number of workers.
func TestExploreIsDeterministic(t *testing.T) {
	cfg := RolloutTight()
	one, err := Explore(cfg, Options{Depth: 12, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	four, err := Explore(cfg, Options{Depth: 12, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	one.Elapsed, four.Elapsed = 0, 0
	if one.Summary() != four.Summary() {
		t.Fatalf("1 worker: %s\n4 workers: %s", one.Summary(), four.Summary())
	}
}

// rawHash hashes the store with resourceVersions, the queues' lengths and
// the machines: Hash without the normalisation of revisions.
func rawHash(w *World) [32]byte {
	h := sha256.New()
	for _, o := range w.Objects() {
		b, err := api.Encode(o)
		if err != nil {
			panic(err)
		}
		h.Write(b)
	}
	h.Write([]byte(w.Describe()))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Leaving resourceVersions out of the hash merges states that the same
// writes in another order reach: the paths to depth 10 of the create
// configuration reach some state under two different sets of revisions.
func TestHashMergesRevisions(t *testing.T) {
	cfg := Create()
	raw := map[StateHash]map[[32]byte]Path{}
	for _, p := range paths(t, cfg, 10) {
		w, err := Replay(cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		h := w.Hash()
		if raw[h] == nil {
			raw[h] = map[[32]byte]Path{}
		}
		raw[h][rawHash(w)] = p
	}
	for _, byRaw := range raw {
		if len(byRaw) > 1 {
			for _, p := range byRaw {
				t.Logf("merged: %s", p.Describe(cfg.NodeNames()))
			}
			return
		}
	}
	t.Fatalf("no two paths reach one state under different revisions (%d states)", len(raw))
}
