package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
	"github.com/capstan-dev/capstan/model/linearize"
)

// Concurrent-looking store histories for porcupine. Several logical
// clients each run a list of operations; a random schedule interleaves
// them. Every operation goes through three steps, each taken when the
// schedule picks its client: call (the logical clock ticks and stamps
// Call), execute (the store does it: its linearization point), return
// (the clock ticks and stamps Return). So operations of different clients
// overlap in time while the store, which is not safe for concurrent use,
// still sees one call at a time.

// storeKeys are the keys the clients share: two in namespace a, one in b.
var storeKeys = [][2]string{{"a", "k0"}, {"a", "k1"}, {"b", "k2"}}

// opSpec is one operation as generated, before it runs: which key, and
// how the client picks the resourceVersion precondition.
type opSpec struct {
	op     string // create, get, update, delete, list
	key    int    // index in storeKeys
	value  string
	rvMode string // none, seen (the last the client saw for the key), stale (an old one)
	stale  int64
	prefix string // list: the prefix; atSeen: at the last revision the client saw
	atSeen bool
}

// program is the clients' operations and the interleaving of their steps.
type program struct {
	// preload are the keys a setup client creates, one after the other,
	// before the others start (so that most operations find a key).
	preload  []int
	clients  [][]opSpec
	schedule []int // client indices; client c appears 3×len(clients[c]) times
}

func (p program) String() string {
	s := fmt.Sprintf("preload %v\n", p.preload)
	for c, ops := range p.clients {
		s += fmt.Sprintf("client %d: %+v\n", c, ops)
	}
	return s + fmt.Sprintf("schedule %v\n", p.schedule)
}

func genOpSpec(t *rapid.T) opSpec {
	o := opSpec{
		op:    rapid.SampledFrom([]string{"create", "update", "get", "update", "delete", "get", "list"}).Draw(t, "op"),
		key:   rapid.IntRange(0, len(storeKeys)-1).Draw(t, "key"),
		value: rapid.SampledFrom([]string{"1", "2", "3", "4"}).Draw(t, "value"),
	}
	switch o.op {
	case "update", "delete":
		o.rvMode = rapid.SampledFrom([]string{"seen", "none", "stale"}).Draw(t, "rvMode")
		o.stale = rapid.Int64Range(2, 12).Draw(t, "staleRV")
	case "list":
		o.prefix = rapid.SampledFrom([]string{"/registry/configmaps/", "/registry/configmaps/a/"}).Draw(t, "prefix")
		o.atSeen = rapid.IntRange(0, 3).Draw(t, "atSeen") == 3
	}
	return o
}

var genProgram = rapid.Custom(func(t *rapid.T) program {
	var p program
	var steps []int
	for k := range storeKeys {
		if rapid.IntRange(0, 3).Draw(t, fmt.Sprint("preload", k)) < 3 {
			p.preload = append(p.preload, k)
		}
	}
	for c := range rapid.IntRange(1, 4).Draw(t, "clients") {
		ops := rapid.SliceOfN(rapid.Custom(genOpSpec), 1, 8).Draw(t, fmt.Sprint("client", c))
		p.clients = append(p.clients, ops)
		for range 3 * len(ops) {
			steps = append(steps, c)
		}
	}
	p.schedule = rapid.Permutation(steps).Draw(t, "schedule")
	return p
})

// recorded is what running a program produced.
type recorded struct {
	ops   []porcupine.Operation // single-key operations, for StoreModel
	lists []linearize.ListCall
}

// clientState is one client's progress through its operations.
type clientState struct {
	next  int   // index of the current operation
	phase int   // 0 idle, 1 called, 2 executed
	call  int64 // the current operation's call time
	in    linearize.StoreInput
	out   linearize.StoreOutput
	list  linearize.ListCall
	// seen is the last resourceVersion the client read or wrote per key;
	// seenRev the greatest revision it has seen at all.
	seen    map[string]int64
	seenRev int64
}

// run executes a program against s and records the history.
func (p program) run(s store.Store) recorded {
	var rec recorded
	var clock int64
	cs := make([]*clientState, len(p.clients))
	for i := range cs {
		cs[i] = &clientState{seen: map[string]int64{}}
	}
	setup := &clientState{seen: map[string]int64{}}
	for _, k := range p.preload {
		in, out := executeOp(s, opSpec{op: "create", key: k, value: "0"}, setup)
		rec.ops = append(rec.ops, porcupine.Operation{ClientId: len(p.clients), Input: in, Call: clock + 1, Output: out, Return: clock + 2})
		clock += 2
	}
	for _, c := range p.schedule {
		st, spec := cs[c], p.clients[c][cs[c].next]
		switch st.phase {
		case 0:
			clock++
			st.call, st.phase = clock, 1
		case 1:
			if spec.op == "list" {
				st.list = executeList(s, spec, st)
			} else {
				st.in, st.out = executeOp(s, spec, st)
			}
			st.phase = 2
		case 2:
			clock++
			if spec.op == "list" {
				st.list.ClientID, st.list.Call, st.list.Return = c, st.call, clock
				rec.lists = append(rec.lists, st.list)
			} else {
				rec.ops = append(rec.ops, porcupine.Operation{ClientId: c, Input: st.in, Call: st.call, Output: st.out, Return: clock})
			}
			st.next++
			st.phase = 0
		}
	}
	return rec
}

func keyOf(i int) string { return api.KeyFor("configmaps", storeKeys[i][0], storeKeys[i][1]) }

func configMap(i int, value, rv string) *api.ConfigMap {
	return &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: storeKeys[i][0], Name: storeKeys[i][1], UID: "uid-" + storeKeys[i][1], ResourceVersion: rv},
		Data:       map[string]string{"v": value},
	}
}

func revisionOf(obj api.Object) int64 {
	if obj == nil {
		return 0
	}
	rv, _ := strconv.ParseInt(obj.GetObjectMeta().ResourceVersion, 10, 64)
	return rv
}

func valueOf(obj api.Object) string {
	if cm, ok := obj.(*api.ConfigMap); ok && cm != nil {
		return cm.Data["v"]
	}
	if obj != nil {
		return obj.GetObjectMeta().Labels["v"]
	}
	return ""
}

// executeOp runs one single-key operation and returns what porcupine
// sees of it.
func executeOp(s store.Store, spec opSpec, st *clientState) (linearize.StoreInput, linearize.StoreOutput) {
	key := keyOf(spec.key)
	in := linearize.StoreInput{Op: spec.op, Key: key}
	switch spec.rvMode {
	case "seen":
		in.RV = st.seen[key]
	case "stale":
		in.RV = spec.stale
	}
	var obj api.Object
	var err error
	switch spec.op {
	case "create":
		in.Value = spec.value
		obj, err = s.Create(configMap(spec.key, spec.value, ""))
	case "get":
		obj, err = s.Get(key)
	case "update":
		in.Value = spec.value
		rv := ""
		if in.RV != 0 {
			rv = store.FormatRevision(in.RV)
		}
		obj, err = s.Update(configMap(spec.key, spec.value, rv))
	case "delete":
		pre := store.Preconditions{}
		if in.RV != 0 {
			pre.ResourceVersion = store.FormatRevision(in.RV)
		}
		obj, err = s.Delete(key, pre)
	}
	out := linearize.StoreOutput{Code: string(store.CodeOf(err))}
	if err != nil && out.Code == "" {
		out.Code = err.Error()
	}
	if err == nil {
		out.RV = revisionOf(obj)
		if spec.op == "get" {
			out.Value = valueOf(obj)
		}
		st.seen[key] = out.RV
		st.seenRev = max(st.seenRev, out.RV)
	}
	return in, out
}

// executeList runs one list, a page of two at a time.
func executeList(s store.Store, spec opSpec, st *clientState) linearize.ListCall {
	l := linearize.ListCall{Prefix: spec.prefix, AtLatest: true}
	opts := store.ListOptions{Limit: 2}
	if spec.atSeen && st.seenRev > 0 {
		opts.Revision, l.AtLatest = st.seenRev, false
	}
	for {
		res, err := s.List(spec.prefix, opts)
		if err != nil {
			l.Entries = append(l.Entries, model.KVEntry{Key: "error: " + err.Error()})
			return l
		}
		l.Revision = res.Revision
		for _, obj := range res.Items {
			k, _ := api.KeyOf(obj)
			l.Entries = append(l.Entries, model.KVEntry{Key: k, Value: valueOf(obj), ModRevision: revisionOf(obj)})
		}
		if res.Continue == "" {
			break
		}
		opts = store.ListOptions{Limit: 2, Continue: res.Continue}
	}
	st.seenRev = max(st.seenRev, l.Revision)
	return l
}

// checkLinearizable checks a recorded history with porcupine and
// ListsConsistent. On failure it writes porcupine's visualisation to
// linearizability.html under artifactDir(t) and returns a report naming
// the file; "" when the history is fine.
func checkLinearizable(t testing.TB, rec recorded) string {
	res, info := porcupine.CheckOperationsVerbose(linearize.StoreModel, rec.ops, 10*time.Second)
	report := ""
	if res != porcupine.Ok {
		path := filepath.Join(artifactDir(t), "linearizability.html")
		if err := porcupine.VisualizePath(linearize.StoreModel, info, path); err != nil {
			path = "(visualisation failed: " + err.Error() + ")"
		}
		report = fmt.Sprintf("porcupine: %s; visualisation: %s\n", res, path)
	}
	if vs := linearize.ListsConsistent(rec.ops, rec.lists); len(vs) > 0 {
		report += model.Describe(vs)
	}
	if report != "" {
		report += "history:\n" + describeHistory(rec)
	}
	return report
}

func describeHistory(rec recorded) string {
	type line struct {
		call int64
		text string
	}
	var lines []line
	for _, op := range rec.ops {
		lines = append(lines, line{op.Call, fmt.Sprintf("  client %d [%d, %d] %s", op.ClientId, op.Call, op.Return,
			linearize.DescribeStoreOperation(op.Input.(linearize.StoreInput), op.Output.(linearize.StoreOutput)))})
	}
	for _, l := range rec.lists {
		lines = append(lines, line{l.Call, fmt.Sprintf("  client %d [%d, %d] list(%s) @%d -> %v", l.ClientID, l.Call, l.Return, l.Prefix, l.Revision, l.Entries)})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return int(a.call - b.call) })
	s := ""
	for _, l := range lines {
		s += l.text + "\n"
	}
	return s
}

// staleReads is a broken store: Get serves whatever it first read for a
// key, forever (a cache that is never invalidated).
type staleReads struct {
	store.Store
	cache map[string]api.Object
	errs  map[string]error
}

func newStaleReads(s store.Store) *staleReads {
	return &staleReads{Store: s, cache: map[string]api.Object{}, errs: map[string]error{}}
}

func (s *staleReads) Get(key string) (api.Object, error) {
	if obj, ok := s.cache[key]; ok {
		return api.CopyObject(obj), s.errs[key]
	}
	obj, err := s.Store.Get(key)
	s.cache[key], s.errs[key] = obj, err
	return obj, err
}

// ignoresCAS is a broken store: Update and Delete drop their
// resourceVersion preconditions.
type ignoresCAS struct{ store.Store }

func (s ignoresCAS) Update(obj api.Object) (api.Object, error) {
	c := api.CopyObject(obj)
	c.GetObjectMeta().ResourceVersion = ""
	return s.Store.Update(c)
}

func (s ignoresCAS) Delete(key string, pre store.Preconditions) (api.Object, error) {
	pre.ResourceVersion = ""
	return s.Store.Delete(key, pre)
}

// fileExists reports whether path is a non-empty file.
func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Size() > 0
}
