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

// TestKeyIndex drives the index and the record table against a sorted
// slice through enough inserts and removes to split and merge blocks and
// to grow the hash table and shift its entries back on removal.
func TestKeyIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tab recordTable
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
			r := tab.add(key)
			tab.at(r).rev = 2
			ix.insert(&tab, r)
			model = slices.Insert(model, i, key)
		case found && !grow:
			r := find(&tab, key)
			ix.remove(&tab, r)
			tab.remove(r)
			tab.release(r)
			model = slices.Delete(model, i, i+1)
		}
		if step%997 == 0 || step == 19999 {
			var got []string
			for _, i := range checkIndex(t, &ix, &tab) {
				got = append(got, tab.at(i).key)
			}
			if !slices.Equal(got, model) {
				t.Fatalf("step %d: index diverged from the model", step)
			}
			checkTable(t, &tab, len(model))
		}
		// seek finds the first key >= probe; find finds exactly the
		// keys in the model.
		probe := fmt.Sprintf("/k/%05d", rng.IntN(3000))
		var got string
		ix.ascend(&tab, probe, func(r *record) bool { got = r.key; return false })
		want := ""
		j, present := slices.BinarySearch(model, probe)
		if j < len(model) {
			want = model[j]
		}
		if got != want {
			t.Fatalf("step %d: ascend(%q) starts at %q, want %q", step, probe, got, want)
		}
		if r := find(&tab, []byte(probe)); (r >= 0) != present || (present && tab.at(r).key != probe) {
			t.Fatalf("step %d: find(%q) = %d, present %v", step, probe, r, present)
		}
	}
	if len(ix.blocks) < 2 {
		t.Fatalf("test never split a block: %d blocks", len(ix.blocks))
	}
	if len(tab.free) == 0 || len(tab.slots) < 2048 {
		t.Fatalf("test never freed an id (%d free) or grew the table (%d slots)", len(tab.free), len(tab.slots))
	}
}

func cm(ns, name, val string) *api.ConfigMap {
	return &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: name},
		Data:       map[string]string{"v": val},
	}
}

// Reads at older revisions walk back through the log, and compaction
// keeps what a read at or after it can see: key x is a@2, b@4, deleted at
// 6, c@9, other keys written in between.
func TestObjectAtAndCompact(t *testing.T) {
	m := NewMemory()
	x := "/registry/configmaps/ns/x"
	set := func(val string) {
		if _, err := m.Update(cm("ns", "x", val)); IsNotFound(err) {
			m.Create(cm("ns", "x", val))
		}
	}
	other := func(name string) { m.Create(cm("ns", name, "o")) }
	set("a")                     // 2
	other("o3")                  // 3
	set("b")                     // 4
	other("o5")                  // 5
	m.Delete(x, Preconditions{}) // 6
	other("o7")                  // 7
	other("o8")                  // 8
	set("c")                     // 9
	check := func(from int64) {
		t.Helper()
		want := map[int64]string{1: "", 2: "a", 3: "a", 4: "b", 5: "b", 6: "", 7: "", 8: "", 9: "c"}
		for rev := from; rev <= m.rev; rev++ {
			got := ""
			if o, err := m.GetAt(x, rev); err == nil {
				got = o.(*api.ConfigMap).Data["v"]
			} else if !IsNotFound(err) {
				t.Fatalf("GetAt(%d): %v", rev, err)
			}
			if got != want[rev] {
				t.Errorf("after compaction at %d: GetAt(%d) = %q, want %q", m.compacted, rev, got, want[rev])
			}
		}
		checkInvariants(t, m)
	}
	revs := func() []int64 {
		var out []int64
		for _, v := range versions(m, m.recs.at(find(&m.recs, x))) {
			out = append(out, v.rev)
		}
		return out
	}
	check(1)
	if got := revs(); !slices.Equal(got, []int64{2, 4, 6, 9}) {
		t.Fatalf("versions %v", got)
	}
	for _, c := range []struct {
		rev  int64
		want []int64
	}{{3, []int64{2, 4, 6, 9}}, {5, []int64{4, 6, 9}}, {7, []int64{9}}} {
		if err := m.Compact(c.rev); err != nil {
			t.Fatal(err)
		}
		check(c.rev)
		if got := revs(); !slices.Equal(got, c.want) {
			t.Fatalf("compact(%d) kept versions %v, want %v", c.rev, got, c.want)
		}
	}
	// A key deleted at the compaction revision is gone from the table,
	// and its id is reused only once the log no longer names it.
	g := "/registry/configmaps/ns/g"
	m.Create(cm("ns", "g", "1"))
	m.Delete(g, Preconditions{})
	if err := m.Compact(m.rev); err != nil {
		t.Fatal(err)
	}
	if find(&m.recs, g) >= 0 || m.retired < 0 {
		t.Fatalf("compact at the deletion revision kept %s (retired %d)", g, m.retired)
	}
	checkInvariants(t, m)
	retired := m.retired
	m.Create(cm("ns", "g", "2"))
	if find(&m.recs, g) == retired {
		t.Fatal("retired id reused while the log names it")
	}
	if err := m.Compact(m.rev); err != nil {
		t.Fatal(err)
	}
	if m.retired != -1 || !slices.Contains(m.recs.free, retired) {
		t.Fatalf("retired id %d not freed by the next compaction (retired %d, free %v)", retired, m.retired, m.recs.free)
	}
	checkInvariants(t, m)
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
	if m.recs.len() != 100 {
		t.Fatalf("records before compaction: %d", m.recs.len())
	}
	if err := m.Compact(m.rev); err != nil {
		t.Fatal(err)
	}
	if m.recs.len() != 10 || m.index.n != 10 || m.log.len() != 1 || len(m.recs.free) != 89 {
		t.Fatalf("after compaction: %d records, %d indexed, %d log entries, %d free", m.recs.len(), m.index.n, m.log.len(), len(m.recs.free))
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
		for _, v := range versions(m, m.recs.at(find(&m.recs, key))) {
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

// boundaries.
func TestWriteLogMatchesSlice(t *testing.T) {
	var l writeLog
	var model []string
	next := 0
	for step := range 400 {
		for range (step * 37) % 97 {
			k := strconv.Itoa(next)
			l.append(logEntry{rec: id(next)})
			next++
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
			if got := strconv.Itoa(int(l.at(i).rec)); got != k {
				t.Fatalf("step %d: entry %d is %q, want %q", step, i, got, k)
			}
		}
	}
	if next < 3*logChunk {
		t.Fatalf("only %d entries written", next)
	}
}

// TestCreateKeyed checks that CreateKeyed creates as Create does, under
// the object's own key whatever key it is given.
func TestCreateKeyed(t *testing.T) {
	m := NewMemory()
	key := api.KeyFor("configmaps", "default", "a")
	if _, err := m.CreateKeyed(key, cm("default", "a", "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateKeyed(key, cm("default", "a", "2")); !IsAlreadyExists(err) {
		t.Fatalf("second create of %s: %v, want AlreadyExists", key, err)
	}
	// A key that is not the object's is not kept.
	if _, err := m.CreateKeyed(api.KeyFor("configmaps", "default", "c"), cm("default", "b", "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(api.KeyFor("configmaps", "default", "c")); !IsNotFound(err) {
		t.Fatalf("the wrong key was kept: %v", err)
	}
	for _, name := range []string{"a", "b"} {
		o, err := m.Get(api.KeyFor("configmaps", "default", name))
		if err != nil || o.GetObjectMeta().Name != name {
			t.Fatalf("get %s: %v, %v", name, o, err)
		}
	}
	checkInvariants(t, m)
}
