package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// failer is what the invariant checks need of a *testing.T or *rapid.T.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkInvariants checks every Invariant: comment of Memory and its parts.
func checkInvariants(t failer, m *Memory) {
	t.Helper()
	if m.compacted < 0 || m.compacted > m.rev {
		t.Fatalf("compacted %d outside [0, %d]", m.compacted, m.rev)
	}
	if want := max(initialRevision+1, m.compacted); m.logStart != want {
		t.Fatalf("logStart %d, want %d", m.logStart, want)
	}
	if m.logStart+int64(m.log.len()) != m.rev+1 {
		t.Fatalf("log covers %d..%d, revision %d", m.logStart, m.logStart+int64(m.log.len())-1, m.rev)
	}
	checkLog(t, &m.log)
	keys := checkIndex(t, &m.index)
	if len(keys) != len(m.records) {
		t.Fatalf("index holds %d records, map %d", len(keys), len(m.records))
	}
	for _, k := range keys {
		r := m.records[k]
		if r == nil || r.key != k {
			t.Fatalf("index key %q not in the map", k)
		}
		vs := r.versions
		if len(vs) == 0 || vs[0].obj == nil {
			t.Fatalf("%s: history empty or starting with a tombstone: %v", k, vs)
		}
		for i, v := range vs {
			if v.rev > m.rev || (i > 0 && v.rev <= vs[i-1].rev) {
				t.Fatalf("%s: version revisions out of order: %v", k, vs)
			}
			if i > 0 && v.rev <= m.compacted {
				t.Fatalf("%s: version %d at %d is hidden by compaction at %d", k, i, v.rev, m.compacted)
			}
			if i > 0 && v.obj == nil && vs[i-1].obj == nil {
				t.Fatalf("%s: two tombstones in a row", k)
			}
			if v.obj != nil && v.obj.GetObjectMeta().ResourceVersion != FormatRevision(v.rev) {
				t.Fatalf("%s: stored resourceVersion %q at revision %d", k, v.obj.GetObjectMeta().ResourceVersion, v.rev)
			}
		}
	}
}

// checkIndex checks the block invariants and returns the keys in order.
func checkIndex(t failer, ix *keyIndex) []string {
	t.Helper()
	var keys []string
	for b, blk := range ix.blocks {
		if len(blk) == 0 || len(blk) > maxBlock {
			t.Fatalf("block %d has %d records", b, len(blk))
		}
		for _, r := range blk {
			if len(keys) > 0 && keys[len(keys)-1] >= r.key {
				t.Fatalf("index out of order at block %d: %q after %q", b, r.key, keys[len(keys)-1])
			}
			keys = append(keys, r.key)
		}
	}
	if len(keys) != ix.n {
		t.Fatalf("index n = %d, holds %d", ix.n, len(keys))
	}
	return keys
}

// TestKeyIndex drives the index against a sorted slice through enough
// inserts and removes to split and merge blocks.
func TestKeyIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ix keyIndex
	var model []string
	for step := range 20000 {
		key := fmt.Sprintf("/k/%05d", rng.IntN(3000))
		i, found := slices.BinarySearch(model, key)
		grow := step < 12000
		if rng.IntN(3) == 0 {
			grow = !grow
		}
		switch {
		case !found && grow:
			ix.insert(&record{key: key})
			model = slices.Insert(model, i, key)
		case found && !grow:
			ix.remove(key)
			model = slices.Delete(model, i, i+1)
		}
		if step%997 == 0 || step == 19999 {
			if got := checkIndex(t, &ix); !slices.Equal(got, model) {
				t.Fatalf("step %d: index diverged from the model", step)
			}
		}
		// seek finds the first key >= probe.
		probe := fmt.Sprintf("/k/%05d", rng.IntN(3000))
		var got string
		ix.ascend(probe, func(r *record) bool { got = r.key; return false })
		want := ""
		if j, _ := slices.BinarySearch(model, probe); j < len(model) {
			want = model[j]
		}
		if got != want {
			t.Fatalf("step %d: ascend(%q) starts at %q, want %q", step, probe, got, want)
		}
	}
	if len(ix.blocks) < 2 {
		t.Fatalf("test never split a block: %d blocks", len(ix.blocks))
	}
	ix.remove("/absent")
	checkIndex(t, &ix)
}

func cm(ns, name, val string) *api.ConfigMap {
	return &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: name},
		Data:       map[string]string{"v": val},
	}
}

func TestRecordAtAndCompact(t *testing.T) {
	v := func(rev int64, val string) version {
		if val == "" {
			return version{rev: rev}
		}
		return version{rev: rev, obj: cm("ns", "x", val)}
	}
	r := &record{key: "k", versions: []version{v(2, "a"), v(4, "b"), v(6, ""), v(9, "c")}}
	for rev, want := range map[int64]string{1: "", 2: "a", 3: "a", 4: "b", 5: "b", 6: "", 8: "", 9: "c", 20: "c"} {
		got := ""
		if o := r.at(rev); o != nil {
			got = o.(*api.ConfigMap).Data["v"]
		}
		if got != want {
			t.Errorf("at(%d) = %q, want %q", rev, got, want)
		}
	}
	if r.compact(3) || len(r.versions) != 4 || r.versions[0].rev != 2 {
		t.Fatalf("compact(3) dropped the version visible at 3: %v", r.versions)
	}
	if r.compact(5) || r.versions[0].rev != 4 {
		t.Fatalf("compact(5): %v", r.versions)
	}
	if r.compact(7) || r.versions[0].rev != 9 || len(r.versions) != 1 {
		t.Fatalf("compact(7) kept the tombstone: %v", r.versions)
	}
	gone := &record{key: "g", versions: []version{v(2, "a"), v(3, "")}}
	if !gone.compact(3) {
		t.Fatalf("compact at the deletion revision kept %v", gone.versions)
	}
}

func TestContinueToken(t *testing.T) {
	prefix := "/registry/pods/default/"
	tok := EncodeContinue(prefix, 42, prefix+"web-2")
	rev, start, err := DecodeContinue(prefix, tok)
	if err != nil || rev != 42 || start != prefix+"web-2" {
		t.Fatalf("round trip: %d %q %v", rev, start, err)
	}
	// The token is relative to the prefix: used with another prefix, it
	// cannot reach outside it.
	_, start, _ = DecodeContinue("/registry/pods/other/", tok)
	if start != "/registry/pods/other/web-2" {
		t.Fatalf("token under another prefix starts at %q", start)
	}
	if strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %q is not URL-safe", tok)
	}
}

func TestInitialRevision(t *testing.T) {
	m := NewMemory()
	if rev, err := m.Revision(); rev != 1 || err != nil || m.CompactedRevision() != 0 {
		t.Fatalf("fresh store at %d (%v), compacted %d", rev, err, m.CompactedRevision())
	}
	out, err := m.Create(cm("ns", "x", "1"))
	if err != nil || out.GetObjectMeta().ResourceVersion != "2" {
		t.Fatalf("first write: %v, %v", out, err)
	}
	if _, err := m.GetAt("/registry/configmaps/ns/x", 1); !IsNotFound(err) {
		t.Fatalf("GetAt(1): %v", err)
	}
	checkInvariants(t, m)
}

// TestWatcherBehindCompaction is stricter than the contract: the
// in-memory store always reports Compacted, even for events it could
// still have delivered, because it cannot know a watcher's intent.
func TestWatcherBehindCompaction(t *testing.T) {
	m := NewMemory()
	w, _ := m.Watch("/registry/", 0)
	m.Create(cm("ns", "x", "1"))
	m.Create(cm("ns", "y", "1"))
	m.Create(cm("ns", "z", "1"))
	if evs, err := w.Poll(1); err != nil || len(evs) != 1 {
		t.Fatalf("first Poll: %v, %v", evs, err)
	}
	if err := m.Compact(m.rev); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if evs, err := w.Poll(0); !IsCompacted(err) || len(evs) != 0 {
			t.Fatalf("Poll behind compaction = %v, %v; want Compacted", evs, err)
		}
	}
	// A watcher exactly at the compaction revision is not behind.
	w2, err := m.Watch("/registry/", m.rev)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := w2.Poll(0); err != nil || len(evs) != 1 {
		t.Fatalf("Poll at the compaction revision = %v, %v", evs, err)
	}
	checkInvariants(t, m)
}

func TestCompactFreesDeletedKeys(t *testing.T) {
	m := NewMemory()
	for i := range 100 {
		m.Create(cm("ns", fmt.Sprint("x", i), "1"))
	}
	for i := range 90 {
		m.Delete(fmt.Sprintf("/registry/configmaps/ns/x%d", i), Preconditions{})
	}
	if len(m.records) != 100 {
		t.Fatalf("records before compaction: %d", len(m.records))
	}
	if err := m.Compact(m.rev); err != nil {
		t.Fatal(err)
	}
	if len(m.records) != 10 || m.index.n != 10 || m.log.len() != 1 {
		t.Fatalf("after compaction: %d records, %d indexed, %d log entries", len(m.records), m.index.n, m.log.len())
	}
	checkInvariants(t, m)
}

func TestDescribe(t *testing.T) {
	m := NewMemory()
	w, _ := m.Watch("/registry/", 0)
	m.Create(cm("b", "y", "1"))
	m.Create(cm("a", "x", "1"))
	m.Update(cm("b", "y", "2"))
	m.Delete("/registry/configmaps/a/x", Preconditions{})
	m.Create(&api.Node{TypeMeta: api.TypeMeta{Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: "n1"}})
	evs, _ := w.Poll(0)
	m.Compact(4)
	var got []string
	for _, e := range evs {
		got = append(got, e.Describe())
	}
	got = append(got, strings.Split(strings.TrimSpace(m.Describe()), "\n")...)
	want := []string{
		"ADDED /registry/configmaps/b/y rev=2",
		"ADDED /registry/configmaps/a/x rev=3",
		"MODIFIED /registry/configmaps/b/y rev=4",
		"DELETED /registry/configmaps/a/x rev=5",
		"ADDED /registry/nodes/n1 rev=6",
		"rev=6 compacted=4",
		"/registry/configmaps/b/y rv=4",
		"/registry/nodes/n1 rv=6",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", newError(Conflict, "/k", "stale"))
	if !IsConflict(err) || IsNotFound(err) || CodeOf(err) != Conflict {
		t.Fatalf("helpers on %v", err)
	}
	if got := err.Error(); got != "wrapped: store: Conflict: /k: stale" {
		t.Fatalf("Error() = %q", got)
	}
	if CodeOf(fmt.Errorf("other")) != "" {
		t.Fatal("CodeOf of a foreign error")
	}
}

// TestDocDiagram replays the scenario drawn in doc.go.
func TestDocDiagram(t *testing.T) {
	m := NewMemory()
	a, b := "/registry/configmaps/ns/a", "/registry/configmaps/ns/b"
	m.Create(cm("ns", "a", "1"))
	m.Create(cm("ns", "b", "1"))
	w, _ := m.Watch("/registry/", 5)
	m.Update(cm("ns", "a", "2"))
	m.Delete(b, Preconditions{})
	if err := m.Compact(4); err != nil {
		t.Fatal(err)
	}
	revs := func(key string) []string {
		var out []string
		for _, v := range m.records[key].versions {
			s := FormatRevision(v.rev)
			if v.obj == nil {
				s = "†" + s
			}
			out = append(out, s)
		}
		return out
	}
	if got := revs(a); !slices.Equal(got, []string{"4"}) {
		t.Errorf("a: %v", got)
	}
	if got := revs(b); !slices.Equal(got, []string{"3", "†5"}) {
		t.Errorf("b: %v", got)
	}
	if _, err := m.GetAt(b, 3); !IsCompacted(err) {
		t.Errorf("GetAt(b, 3): %v", err)
	}
	if _, err := m.GetAt(b, 4); err != nil {
		t.Errorf("GetAt(b, 4): %v", err)
	}
	evs, err := w.Poll(0)
	if err != nil || len(evs) != 1 || evs[0].Describe() != "DELETED "+b+" rev=5" {
		t.Errorf("watcher: %v, %v", evs, err)
	}
	checkInvariants(t, m)
}

// checkLog checks writeLog's invariants: the offset within the first
// chunk, the count, full chunks but the last, cleared dropped entries.
func checkLog(t failer, l *writeLog) {
	t.Helper()
	if l.off < 0 || l.off >= logChunk {
		t.Fatalf("log offset %d", l.off)
	}
	n := -l.off
	for i, c := range l.chunks {
		if i < len(l.chunks)-1 && len(c) != logChunk {
			t.Fatalf("log chunk %d of %d holds %d", i, len(l.chunks), len(c))
		}
		n += len(c)
	}
	if len(l.chunks) == 0 {
		n = 0
	}
	if n != l.n {
		t.Fatalf("log counts %d entries, holds %d", l.n, n)
	}
	if len(l.chunks) > 0 {
		for _, e := range l.chunks[0][:l.off] {
			if e != (logEntry{}) {
				t.Fatalf("dropped log entry %+v not cleared", e)
			}
		}
	}
}

// writeLog against a slice: appends and front drops across chunk
// boundaries.
func TestWriteLogMatchesSlice(t *testing.T) {
	var l writeLog
	var model []string
	next := 0
	for step := range 400 {
		for range (step * 37) % 97 {
			k := strconv.Itoa(next)
			next++
			l.append(logEntry{key: k})
			model = append(model, k)
		}
		if step%3 == 0 {
			d := (step * 131) % (len(model) + 1)
			l.dropFront(d)
			model = model[d:]
		}
		checkLog(t, &l)
		if l.len() != len(model) {
			t.Fatalf("step %d: %d entries, want %d", step, l.len(), len(model))
		}
		for i, k := range model {
			if got := l.at(i).key; got != k {
				t.Fatalf("step %d: entry %d is %q, want %q", step, i, got, k)
			}
		}
	}
	if next < 3*logChunk {
		t.Fatalf("only %d entries written", next)
	}
}
