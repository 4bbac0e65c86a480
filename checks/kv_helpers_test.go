package checks

import (
	"fmt"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// storeMatchesKV returns a state-machine property that drives a store
// made by newStore and model.KV, etcd's semantics as a plain log, through
// random creates, updates, deletes, reads at revisions, paged lists at
// revisions (with writes and compactions between pages), watches from
// revisions, polls and compactions, through the public interface only,
// and compares every answer. It assumes only what etcd guarantees about
// revisions (the store starts at some revision; every successful write
// adds one), so the etcd-backed store can run it too. synchronous says
// watch events are available as soon as the write returns (Memory);
// otherwise a poll may return fewer events than are due, and the final
// drain polls until they arrive.
//
// At the end, the writes the store reported must satisfy
// model.RevisionsIncrease, and every watcher's deliveries
// model.WatchDeliversOnceInOrder.
func storeMatchesKV(newStore func() store.Store, synchronous bool) func(*rapid.T) {
	return func(t *rapid.T) {
		s := newStore()
		start, err := s.Revision()
		if err != nil {
			t.Fatalf("Revision: %v", err)
		}
		m := &kvMachine{s: s, kv: model.NewKV(start), start: start, sync: synchronous}
		t.Repeat(map[string]func(*rapid.T){
			"create":  m.create,
			"update":  m.update,
			"delete":  m.delete,
			"get":     m.get,
			"list":    m.list,
			"watch":   m.watch,
			"poll":    m.poll,
			"compact": m.compact,
			"":        m.check,
		})
		m.finish(t)
	}
}

// kvMachine is the state of one storeMatchesKV run.
type kvMachine struct {
	s        store.Store
	kv       *model.KV
	start    int64 // the store's revision before the first write
	sync     bool
	log      model.History // the writes, as the store reported them
	watchers []*kvWatcher
	uids     int
}

type kvWatcher struct {
	w      store.Watcher
	prefix string
	from   int64 // resolved
	// next is the revision of the next write the watcher will examine:
	// it has delivered (or passed over) every write before it.
	next   int64
	got    model.History
	failed bool
}

// The objects: configmaps in namespaces whose names are prefixes of each
// other, and nodes (cluster-scoped).
var kvObjects = [][2]string{{"a", "x"}, {"a", "y"}, {"ab", "x"}, {"", "n1"}, {"", "n2"}}

var kvPrefixes = []string{"/registry/", "/registry/configmaps/", "/registry/configmaps/a/", "/registry/configmaps/ab/", "/registry/nodes/"}

func kvObject(ns, name, uid, val string) api.Object {
	meta := api.ObjectMeta{Namespace: ns, Name: name, UID: uid, Labels: map[string]string{"v": val}}
	if ns == "" {
		return &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: meta}
	}
	return &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta}
}

func kvKey(o [2]string) string {
	if o[0] == "" {
		return api.KeyFor("nodes", "", o[1])
	}
	return api.KeyFor("configmaps", o[0], o[1])
}

// entryOf is what the model knows of a stored object.
func entryOf(obj api.Object) model.KVEntry {
	if obj == nil {
		return model.KVEntry{}
	}
	k, _ := api.KeyOf(obj)
	return model.KVEntry{Key: k, Value: obj.GetObjectMeta().Labels["v"], UID: obj.GetObjectMeta().UID, ModRevision: revisionOf(obj)}
}

func wantCode(t *rapid.T, what string, err error, want string) {
	t.Helper()
	if got := string(store.CodeOf(err)); got != want || (err != nil && want == "") {
		t.Fatalf("%s: error %v, want code %q", what, err, want)
	}
}

// record adds a write the store reported to the log.
func (m *kvMachine) record(typ string, obj api.Object) {
	k, _ := api.KeyOf(obj)
	m.log = append(m.log, model.Write{Revision: revisionOf(obj), Type: typ, Key: k, Object: obj})
}

func (m *kvMachine) create(t *rapid.T) {
	o := rapid.SampledFrom(kvObjects).Draw(t, "object")
	val := rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "val")
	m.uids++
	uid := fmt.Sprint("uid-", m.uids)
	got, err := m.s.Create(kvObject(o[0], o[1], uid, val))
	rev, code := m.kv.Create(kvKey(o), val, uid)
	wantCode(t, "Create "+kvKey(o), err, code)
	if code != "" {
		return
	}
	if e := entryOf(got); e != (model.KVEntry{Key: kvKey(o), Value: val, UID: uid, ModRevision: rev}) {
		t.Fatalf("Create returned %+v, want revision %d", e, rev)
	}
	m.record(model.Added, got)
}

// precondition draws a resourceVersion precondition: the current one, an
// arbitrary (likely stale) one, none, or a malformed one.
func (m *kvMachine) precondition(t *rapid.T, key string) (rv string, n int64, malformed bool) {
	cur, _ := m.kv.Get(key, 0)
	switch rapid.SampledFrom([]string{"current", "stale", "none", "garbage"}).Draw(t, "rvMode") {
	case "current":
		if cur.ModRevision != 0 {
			return store.FormatRevision(cur.ModRevision), cur.ModRevision, false
		}
		return "2", 2, false
	case "stale":
		n := rapid.Int64Range(1, m.kv.Revision()+2).Draw(t, "staleRV")
		return store.FormatRevision(n), n, false
	case "garbage":
		return "x1", 0, true
	}
	return "", 0, false
}

func (m *kvMachine) update(t *rapid.T) {
	o := rapid.SampledFrom(kvObjects).Draw(t, "object")
	val := rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "val")
	key := kvKey(o)
	rv, n, malformed := m.precondition(t, key)
	cur, _ := m.kv.Get(key, 0)
	obj := kvObject(o[0], o[1], cur.UID, val)
	obj.GetObjectMeta().ResourceVersion = rv
	got, err := m.s.Update(obj)
	if malformed {
		if _, code := m.kv.Get(key, 0); code == "" {
			wantCode(t, "Update with a malformed resourceVersion", err, model.CodeBadRequest)
			return
		}
		// NotFound or BadRequest: which check comes first is the store's.
		if c := string(store.CodeOf(err)); c != model.CodeNotFound && c != model.CodeBadRequest {
			t.Fatalf("Update of an absent key with a malformed resourceVersion: %v", err)
		}
		return
	}
	rev, code := m.kv.Update(key, val, n)
	wantCode(t, fmt.Sprintf("Update %s rv=%q", key, rv), err, code)
	if code != "" {
		return
	}
	if e := entryOf(got); e != (model.KVEntry{Key: key, Value: val, UID: cur.UID, ModRevision: rev}) {
		t.Fatalf("Update returned %+v, want revision %d", e, rev)
	}
	m.record(model.Modified, got)
}

func (m *kvMachine) delete(t *rapid.T) {
	o := rapid.SampledFrom(kvObjects).Draw(t, "object")
	key := kvKey(o)
	rv, n, malformed := m.precondition(t, key)
	cur, _ := m.kv.Get(key, 0)
	pre := store.Preconditions{ResourceVersion: rv}
	switch rapid.SampledFrom([]string{"none", "right", "wrong"}).Draw(t, "uidMode") {
	case "right":
		pre.UID = cur.UID
	case "wrong":
		pre.UID = "nobody"
	}
	got, err := m.s.Delete(key, pre)
	if malformed {
		if c := string(store.CodeOf(err)); c != model.CodeNotFound && c != model.CodeBadRequest {
			t.Fatalf("Delete with a malformed resourceVersion: %v", err)
		}
		return
	}
	last, code := m.kv.Delete(key, n, pre.UID)
	wantCode(t, fmt.Sprintf("Delete %s %+v", key, pre), err, code)
	if code != "" {
		return
	}
	if e := entryOf(got); e != last {
		t.Fatalf("Delete returned %+v, want %+v", e, last)
	}
	m.record(model.Deleted, got)
}

func (m *kvMachine) get(t *rapid.T) {
	key := kvKey(rapid.SampledFrom(kvObjects).Draw(t, "object"))
	rev := rapid.Int64Range(-1, m.kv.Revision()+2).Draw(t, "rev")
	if rapid.Bool().Draw(t, "latest") {
		rev = 0
	}
	got, err := m.s.GetAt(key, rev)
	want, code := m.kv.Get(key, rev)
	wantCode(t, fmt.Sprintf("GetAt(%s, %d)", key, rev), err, code)
	if code == "" && entryOf(got) != want {
		t.Fatalf("GetAt(%s, %d) = %+v, want %+v", key, rev, entryOf(got), want)
	}
}

// list reads a prefix at a revision, a page at a time, sometimes writing
// or compacting between pages: a page must come from the same snapshot as
// the first, or fail with Compacted once its revision is compacted.
func (m *kvMachine) list(t *rapid.T) {
	prefix := rapid.SampledFrom(kvPrefixes).Draw(t, "prefix")
	rev := rapid.Int64Range(-1, m.kv.Revision()+1).Draw(t, "rev")
	if rapid.Bool().Draw(t, "latest") {
		rev = 0
	}
	limit := rapid.Int64Range(0, 3).Draw(t, "limit")
	want, at, code := m.kv.List(prefix, rev)
	res, err := m.s.List(prefix, store.ListOptions{Revision: rev, Limit: limit})
	wantCode(t, fmt.Sprintf("List(%s, rev=%d)", prefix, rev), err, code)
	if code != "" {
		return
	}
	var got []model.KVEntry
	for page := 0; ; page++ {
		if res.Revision != at {
			t.Fatalf("List(%s, rev=%d) page %d at revision %d, want %d", prefix, rev, page, res.Revision, at)
		}
		if limit > 0 && int64(len(res.Items)) > limit {
			t.Fatalf("page %d: %d items, limit %d", page, len(res.Items), limit)
		}
		for _, obj := range res.Items {
			got = append(got, entryOf(obj))
		}
		remaining := int64(len(want) - len(got))
		if res.RemainingItemCount != max(remaining, 0) || (res.Continue != "") != (remaining > 0) {
			t.Fatalf("page %d: remaining %d, continue %q; want %d remaining", page, res.RemainingItemCount, res.Continue, remaining)
		}
		if res.Continue == "" {
			break
		}
		if rapid.Bool().Draw(t, "writeBetweenPages") {
			m.create(t)
		}
		if rapid.IntRange(0, 3).Draw(t, "compactBetweenPages") == 3 {
			m.compact(t)
		}
		res, err = m.s.List(prefix, store.ListOptions{Limit: limit, Continue: res.Continue})
		if at < m.kv.Compacted() {
			wantCode(t, "List continue after compaction", err, model.CodeCompacted)
			return
		}
		wantCode(t, "List continue", err, "")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List(%s, rev=%d, limit=%d) = %v, want %v", prefix, rev, limit, got, want)
	}
}

func (m *kvMachine) compact(t *rapid.T) {
	rev := rapid.Int64Range(-1, m.kv.Revision()+1).Draw(t, "compactRev")
	if len(m.watchers) > 0 && rapid.Bool().Draw(t, "compactNearWatcher") {
		w := m.watchers[rapid.IntRange(0, len(m.watchers)-1).Draw(t, "watcher")]
		rev = min(w.next+rapid.Int64Range(-1, 1).Draw(t, "offset"), m.kv.Revision())
	}
	wantCode(t, fmt.Sprintf("Compact(%d)", rev), m.s.Compact(rev), m.kv.Compact(rev))
}

func (m *kvMachine) watch(t *rapid.T) {
	prefix := rapid.SampledFrom(kvPrefixes).Draw(t, "prefix")
	from := rapid.Int64Range(0, m.kv.Revision()+2).Draw(t, "from")
	if c := m.kv.Compacted(); c > 1 && rapid.Bool().Draw(t, "fromNearCompaction") {
		from = c + rapid.Int64Range(-1, 0).Draw(t, "offset")
	}
	w, err := m.s.Watch(prefix, from)
	_, resolved, code := m.kv.Watch(prefix, from)
	wantCode(t, fmt.Sprintf("Watch(%s, %d)", prefix, from), err, code)
	if code != "" {
		return
	}
	m.watchers = append(m.watchers, &kvWatcher{w: w, prefix: prefix, from: resolved, next: resolved})
}

func (m *kvMachine) poll(t *rapid.T) {
	if len(m.watchers) == 0 {
		t.Skip("no watchers")
	}
	mw := m.watchers[rapid.IntRange(0, len(m.watchers)-1).Draw(t, "watcher")]
	limit := rapid.IntRange(0, 3).Draw(t, "limit")
	m.pollOnce(t, mw, limit)
}

// pollOnce polls mw and checks what arrives against the model: the next
// events due, in order, at most limit of them (all when 0), exactly that
// many when the store is synchronous; or Compacted, allowed only when the
// watcher's cursor is below the compaction revision, and then for good.
func (m *kvMachine) pollOnce(t *rapid.T, mw *kvWatcher, limit int) int {
	evs, err := mw.w.Poll(limit)
	behind := mw.next < m.kv.Compacted()
	switch {
	case mw.failed || (err != nil && behind):
		mw.failed = true
		wantCode(t, "Poll behind compaction", err, model.CodeCompacted)
		if len(evs) > 0 {
			t.Fatalf("Poll returned %d events with an error", len(evs))
		}
		return 0
	case behind && m.sync:
		t.Fatalf("Poll of a watcher at %d behind compaction at %d: %d events, %v", mw.next, m.kv.Compacted(), len(evs), err)
	}
	wantCode(t, "Poll", err, "")
	var due []model.KVWrite
	for _, w := range m.kv.Writes() {
		if w.Revision >= mw.next && strings.HasPrefix(w.Key, mw.prefix) {
			due = append(due, w)
		}
	}
	want := due
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	if len(evs) > len(want) || (m.sync && len(evs) != len(want)) {
		t.Fatalf("Poll(%d) on %s from %d returned %d events, want %d", limit, mw.prefix, mw.next, len(evs), len(want))
	}
	for i, e := range evs {
		w := want[i]
		prev := entryOf(e.PrevObject)
		wantPrev := model.KVEntry{}
		if w.Prev != nil {
			wantPrev = *w.Prev
		}
		if string(e.Type) != w.Type || e.Key != w.Key || e.Revision != w.Revision || entryOf(e.Object) != w.Entry || prev != wantPrev {
			t.Fatalf("event %s %+v prev %+v, want %s %s rev=%d %+v prev %+v", e.Describe(), entryOf(e.Object), prev, w.Type, w.Key, w.Revision, w.Entry, wantPrev)
		}
		mw.got = append(mw.got, model.Write{Revision: e.Revision, Type: string(e.Type), Key: e.Key, Object: e.Object})
	}
	// The cursor passes every write examined: all of them, unless the
	// poll stopped at its limit or (asynchronous) ran out of events.
	switch {
	case len(evs) > 0 && (len(evs) == limit || len(evs) < len(due)):
		mw.next = evs[len(evs)-1].Revision + 1
	case len(evs) == len(due) && m.kv.Revision() >= max(mw.next, m.start+1):
		// Only a write examined moves the cursor: a watcher from the
		// initial revision stays there until the first write.
		mw.next = m.kv.Revision() + 1
	}
	return len(evs)
}

// check runs after every action.
func (m *kvMachine) check(t *rapid.T) {
	if rev, err := m.s.Revision(); err != nil || rev != m.kv.Revision() {
		t.Fatalf("store at revision %d (%v), model at %d", rev, err, m.kv.Revision())
	}
}

// finish drains every watcher and checks the logs with the invariants.
func (m *kvMachine) finish(t *rapid.T) {
	if vs := model.RevisionsIncrease(m.log); len(vs) > 0 {
		t.Fatalf("write log:\n%s", model.Describe(vs))
	}
	for _, mw := range m.watchers {
		for range 500 {
			if mw.failed || m.pollOnce(t, mw, 0) == 0 && (m.sync || mw.next > m.kv.Revision()) {
				break
			}
			if !m.sync {
				time.Sleep(10 * time.Millisecond) // asynchronous delivery
			}
		}
		if vs := model.WatchDeliversOnceInOrder(m.log, model.WatchLog{Prefix: mw.prefix, From: mw.from, Events: mw.got, CaughtUp: !mw.failed}); len(vs) > 0 {
			t.Fatalf("watcher:\n%s", model.Describe(vs))
		}
		mw.w.Close()
	}
}
