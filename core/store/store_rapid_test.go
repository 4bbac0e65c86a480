package store

import (
	"fmt"
	"maps"
	"strconv"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
)

// The property test drives Memory and a deliberately simple model side by
// side through random operations and compares every result. The model
// keeps the whole state after every revision and a list of every event,
// so history, paging, compaction and watchers are all checked against
// plain slice lookups.

// mObj is what the model knows about a stored object.
type mObj struct {
	rev int64 // modRevision
	uid string
	val string
}

// mEvent is one write, as the model expects a watcher to see it.
type mEvent struct {
	typ  EventType
	key  string
	rev  int64
	obj  mObj  // state after; for Deleted, the last state at rev
	prev *mObj // nil for Added
}

type mWatcher struct {
	w      Watcher
	prefix string
	next   int64 // next revision to examine
	failed bool
	closed bool
}

type storeMachine struct {
	s         *Memory
	rev       int64
	compacted int64
	// states[r] is the state at revision r; states[0] is unused.
	states []map[string]mObj
	// events[i] is the write at revision i+2.
	events   []mEvent
	watchers []*mWatcher
	uids     int
}

// objects are the (namespace, name) pairs the test writes: configmaps in
// namespaces whose names are prefixes of each other, and nodes.
var objects = [][2]string{{"a", "x"}, {"a", "y"}, {"ab", "x"}, {"b", "x"}, {"", "n1"}, {"", "n2"}}

var prefixes = []string{"/registry/", "/registry/configmaps/", "/registry/configmaps/a/", "/registry/configmaps/ab/", "/registry/nodes/"}

func newObject(ns, name, uid, val string) api.Object {
	meta := api.ObjectMeta{Namespace: ns, Name: name, UID: uid, Labels: map[string]string{"v": val}}
	if ns == "" {
		return &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: meta}
	}
	return &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta}
}

func objectKeyOf(ns, name string) string {
	if ns == "" {
		return api.KeyFor("nodes", "", name)
	}
	return api.KeyFor("configmaps", ns, name)
}

func toM(t *rapid.T, obj api.Object) mObj {
	m := obj.GetObjectMeta()
	rev, err := strconv.ParseInt(m.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", m.ResourceVersion, err)
	}
	return mObj{rev: rev, uid: m.UID, val: m.Labels["v"]}
}

func (sm *storeMachine) latest() map[string]mObj { return sm.states[sm.rev] }

// apply records a successful write in the model.
func (sm *storeMachine) apply(typ EventType, key string, obj mObj) mEvent {
	next := maps.Clone(sm.latest())
	sm.rev++
	e := mEvent{typ: typ, key: key, rev: sm.rev, obj: obj}
	if old, ok := next[key]; ok {
		e.prev = &old
	}
	if typ == Deleted {
		e.obj = *e.prev
		e.obj.rev = sm.rev
		delete(next, key)
	} else {
		next[key] = obj
	}
	sm.states = append(sm.states, next)
	sm.events = append(sm.events, e)
	return e
}

// wantErr checks err against the expected code ("" for success).
func wantErr(t *rapid.T, what string, err error, want Code) {
	if got := CodeOf(err); got != want || (err != nil && want == "") {
		t.Fatalf("%s: error %v, want code %q", what, err, want)
	}
}

// readCode is the error the model expects for a read at rev.
func (sm *storeMachine) readCode(rev int64) Code {
	switch {
	case rev < 0 || rev > sm.rev:
		return BadRequest
	case rev != 0 && rev < sm.compacted:
		return Compacted
	}
	return ""
}

// rvFor returns a resourceVersion precondition of the drawn kind.
func (sm *storeMachine) rvFor(t *rapid.T, cur mObj, exists bool) (rv string, want Code) {
	switch rapid.SampledFrom([]string{"fresh", "stale", "empty", "garbage"}).Draw(t, "rvMode") {
	case "fresh":
		if exists {
			return FormatRevision(cur.rev), ""
		}
		return "2", ""
	case "stale":
		r := rapid.Int64Range(1, sm.rev+2).Draw(t, "staleRV")
		if exists && r == cur.rev {
			return FormatRevision(r), ""
		}
		return FormatRevision(r), Conflict
	case "garbage":
		return "x" + FormatRevision(sm.rev), BadRequest
	}
	return "", ""
}

func (sm *storeMachine) Create(t *rapid.T) {
	o := rapid.SampledFrom(objects).Draw(t, "object")
	val := rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "val")
	key := objectKeyOf(o[0], o[1])
	sm.uids++
	uid := fmt.Sprint("uid-", sm.uids)
	out, err := sm.s.Create(newObject(o[0], o[1], uid, val))
	if _, exists := sm.latest()[key]; exists {
		wantErr(t, "Create existing", err, AlreadyExists)
		return
	}
	wantErr(t, "Create", err, "")
	e := sm.apply(Added, key, mObj{rev: sm.rev + 1, uid: uid, val: val})
	if got := toM(t, out); got != e.obj {
		t.Fatalf("Create returned %+v, want %+v", got, e.obj)
	}
}

func (sm *storeMachine) Update(t *rapid.T) {
	o := rapid.SampledFrom(objects).Draw(t, "object")
	val := rapid.SampledFrom([]string{"1", "2", "3"}).Draw(t, "val")
	key := objectKeyOf(o[0], o[1])
	cur, exists := sm.latest()[key]
	rv, want := sm.rvFor(t, cur, exists)
	obj := newObject(o[0], o[1], cur.uid, val)
	obj.GetObjectMeta().ResourceVersion = rv
	out, err := sm.s.Update(obj)
	if !exists {
		want = NotFound
	}
	wantErr(t, "Update "+key+" rv="+rv, err, want)
	if want != "" {
		return
	}
	e := sm.apply(Modified, key, mObj{rev: sm.rev + 1, uid: cur.uid, val: val})
	if got := toM(t, out); got != e.obj {
		t.Fatalf("Update returned %+v, want %+v", got, e.obj)
	}
}

func (sm *storeMachine) Delete(t *rapid.T) {
	o := rapid.SampledFrom(objects).Draw(t, "object")
	key := objectKeyOf(o[0], o[1])
	cur, exists := sm.latest()[key]
	rv, want := sm.rvFor(t, cur, exists)
	pre := Preconditions{ResourceVersion: rv}
	switch rapid.SampledFrom([]string{"right", "wrong", "empty"}).Draw(t, "uidMode") {
	case "right":
		pre.UID = cur.uid
	case "wrong":
		pre.UID = "nobody"
		if want == "" {
			want = Conflict
		}
	}
	out, err := sm.s.Delete(key, pre)
	if !exists {
		want = NotFound
	}
	wantErr(t, fmt.Sprintf("Delete %s %+v", key, pre), err, want)
	if want != "" {
		return
	}
	e := sm.apply(Deleted, key, mObj{})
	if got := toM(t, out); got != e.obj {
		t.Fatalf("Delete returned %+v, want %+v", got, e.obj)
	}
}

func (sm *storeMachine) Get(t *rapid.T) {
	o := rapid.SampledFrom(objects).Draw(t, "object")
	key := objectKeyOf(o[0], o[1])
	rev := rapid.Int64Range(-1, sm.rev+2).Draw(t, "rev")
	out, err := sm.s.GetAt(key, rev)
	want := sm.readCode(rev)
	if rev == 0 {
		rev = sm.rev
	}
	var obj mObj
	if want == "" {
		var ok bool
		if obj, ok = sm.states[rev][key]; !ok {
			want = NotFound
		}
	}
	wantErr(t, fmt.Sprintf("GetAt(%s, %d)", key, rev), err, want)
	if want == "" && toM(t, out) != obj {
		t.Fatalf("GetAt(%s, %d) = %+v, want %+v", key, rev, toM(t, out), obj)
	}
}
