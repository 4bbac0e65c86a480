package store

import (
	"reflect"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Memory is the in-memory Store. The zero value is not usable; call
// NewMemory. It is not safe for concurrent use: its owner serialises calls.
type Memory struct {
	// rev is the revision of the last write.
	// Invariant: rev == 1 + the number of successful writes.
	rev int64
	// compacted is the compaction revision, 0 if never compacted.
	// Invariant: 0 <= compacted <= rev.
	compacted int64
	// recs holds the latest state of each key with retained history: a
	// live object, or a tombstone that a read at a retained revision can
	// still tell from an older version.
	// Invariant: holds exactly the records in index.
	recs recordTable
	// index holds the same records sorted by key, for List.
	index keyIndex
	// log holds one entry per write with revision >= logStart. Older
	// versions of a key are reached through it (see objectAt).
	// Invariant: log.at(i) is the write at revision logStart+i, and
	// logStart+log.len() == rev+1.
	log writeLog
	// logStart is the revision of log[0].
	// Invariant: logStart == max(2, compacted).
	logStart int64
	// bases holds, for each record whose first write at or after
	// logStart is an update or a delete, the state before that write,
	// which was written before logStart and so is in no log entry (see
	// prevOf). Writes add to it, compactions renew it.
	// Invariant: holds exactly those records, each with the object
	// written at that first write's prevRev.
	bases map[id]api.Object
	// retired is the record of a tombstone at the compaction revision,
	// which the last compaction took out of recs and index: the log's
	// entry at that revision still names it, so its id is reused only
	// after the next compaction. -1 if none.
	retired id
	// shared: objects are not copied in or out (MemoryOptions.Shared).
	shared bool
}

// MemoryOptions configure a Memory.
type MemoryOptions struct {
	// Shared makes the store share objects with its callers instead of
	// copying them: an object given to Create or Update becomes the
	// store's (its resourceVersion is set in place, and on Create its
	// name is pointed at the key's bytes, an equal string) and the caller
	// must not touch it again; objects returned by reads and carried by watch
	// events are the stored ones and must never be modified. Only a
	// caller that treats every object as immutable (core/sim, whose
	// components copy before they change anything) may set it; it saves
	// the deep copies that otherwise dominate the cost of a write. The
	// default copies, as the Store contract says.
	Shared bool
}

// initialRevision is the revision of an empty store, as in etcd: the first
// write gets revision 2, so no resourceVersion is ever "0" or "1".
const initialRevision = 1

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store at revision 1.
func NewMemory() *Memory { return NewMemoryWith(MemoryOptions{}) }

// NewMemoryWith returns an empty store at revision 1 with options.
func NewMemoryWith(opts MemoryOptions) *Memory {
	return &Memory{
		rev:      initialRevision,
		logStart: initialRevision + 1,
		retired:  -1,
		shared:   opts.Shared,
	}
}

// copyIn returns the object to store for obj: a copy, unless shared.
func (m *Memory) copyIn(obj api.Object) api.Object {
	if m.shared {
		return obj
	}
	return api.CopyObject(obj)
}

// copyOut returns what a caller gets for the stored obj: a copy, unless
// shared.
func (m *Memory) copyOut(obj api.Object) api.Object {
	if m.shared || obj == nil {
		return obj
	}
	return api.CopyObject(obj)
}

// Revision implements Store: the revision of the last write, 1 if none.
// The error is always nil.
func (m *Memory) Revision() (int64, error) { return m.rev, nil }

// CompactedRevision returns the revision of the last compaction, 0 if
// none. Reads below it fail with Compacted.
func (m *Memory) CompactedRevision() int64 { return m.compacted }

// Create implements Store. The key is built on the stack and becomes a
// string only for a key the store has no record of: the record keeps it.
func (m *Memory) Create(obj api.Object) (api.Object, error) { return m.create("", obj) }

// CreateKeyed implements KeyedCreator.
func (m *Memory) CreateKeyed(key string, obj api.Object) (api.Object, error) {
	return m.create(key, obj)
}

// create is Create; a new record keeps key if it is obj's.
func (m *Memory) create(key string, obj api.Object) (api.Object, error) {
	if obj == nil {
		return nil, newError(BadRequest, "", "nil object")
	}
	var buf [128]byte
	kb, err := api.AppendKeyOf(buf[:0], obj)
	if err != nil {
		return nil, newError(BadRequest, "", "%v", err)
	}
	if rv := obj.GetObjectMeta().ResourceVersion; rv != "" {
		return nil, newError(BadRequest, string(kb), "resourceVersion must not be set on create (got %q)", rv)
	}
	i := find(&m.recs, kb)
	if i >= 0 && m.recs.at(i).obj != nil {
		return nil, newError(AlreadyExists, string(kb), "already exists")
	}
	if i < 0 {
		if key != string(kb) {
			key = string(kb)
		}
		i = m.recs.add(key)
		m.index.insert(&m.recs, i)
	}
	stored := m.copyIn(obj)
	shareName(stored.GetObjectMeta(), m.recs.at(i).key)
	m.write(i, opAdded, stored)
	return m.copyOut(stored), nil
}

// shareName points the name of a new stored object (and its
// generateName, when a prefix of it) into the bytes of its key, which
// ends with the name: the store keeps the key, and the name's own bytes
// can then be freed. The values do not change, so no reader can tell.
func shareName(meta *api.ObjectMeta, key string) {
	name := key[len(key)-len(meta.Name):]
	if g := meta.GenerateName; g != "" && strings.HasPrefix(name, g) {
		meta.GenerateName = name[:len(g)]
	}
	meta.Name = name
}

// Get implements Store.
func (m *Memory) Get(key string) (api.Object, error) { return m.GetAt(key, 0) }

// GetAt implements Store.
func (m *Memory) GetAt(key string, rev int64) (api.Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	rev, err := m.readRevision(key, rev)
	if err != nil {
		return nil, err
	}
	i := find(&m.recs, key)
	if i < 0 {
		return nil, newError(NotFound, key, "not found")
	}
	obj := m.objectAt(m.recs.at(i), rev)
	if obj == nil {
		return nil, newError(NotFound, key, "not found")
	}
	return m.copyOut(obj), nil
}

// Lookup returns the latest version of the object of resource, namespace
// and name (the parts of api.KeyFor), or nil if there is none. It is Get
// for a hot path: the key is built on the stack, so a read allocates
// nothing (in shared mode).
func (m *Memory) Lookup(resource, namespace, name string) api.Object {
	var buf [128]byte
	kb := append(buf[:0], api.KeyPrefix...)
	kb = append(kb, resource...)
	kb = append(kb, '/')
	if namespace != "" {
		kb = append(kb, namespace...)
		kb = append(kb, '/')
	}
	kb = append(kb, name...)
	i := find(&m.recs, kb)
	if i < 0 {
		return nil
	}
	return m.copyOut(m.recs.at(i).obj)
}

// Update implements Store.
func (m *Memory) Update(obj api.Object) (api.Object, error) {
	if obj == nil {
		return nil, newError(BadRequest, "", "nil object")
	}
	// The key is built on the stack: the record has it as a string.
	var buf [128]byte
	kb, err := api.AppendKeyOf(buf[:0], obj)
	if err != nil {
		return nil, newError(BadRequest, "", "%v", err)
	}
	i := find(&m.recs, kb)
	if i < 0 || m.recs.at(i).obj == nil {
		return nil, newError(NotFound, string(kb), "not found")
	}
	r := m.recs.at(i)
	if err := checkResourceVersion(r.key, obj.GetObjectMeta().ResourceVersion, r.rev); err != nil {
		return nil, err
	}
	stored := m.write(i, opModified, m.copyIn(obj))
	return m.copyOut(stored), nil
}

// Delete implements Store.
func (m *Memory) Delete(key string, pre Preconditions) (api.Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	i := find(&m.recs, key)
	if i < 0 || m.recs.at(i).obj == nil {
		return nil, newError(NotFound, key, "not found")
	}
	r := m.recs.at(i)
	cur := r.obj
	if err := checkResourceVersion(key, pre.ResourceVersion, r.rev); err != nil {
		return nil, err
	}
	if pre.UID != "" && pre.UID != cur.GetObjectMeta().UID {
		return nil, newError(Conflict, key, "precondition failed: UID in precondition: %s, UID in object: %s", pre.UID, cur.GetObjectMeta().UID)
	}
	m.write(i, opDeleted, nil)
	dc := m.deletedCopy(cur, m.rev)
	if m.shared {
		// Every watcher's Deleted event carries this one copy.
		m.log.at(m.log.len() - 1).obj = dc
	}
	return dc, nil
}

// write records one write to record i at the next revision and returns
// the stored object (nil for a delete). obj must be a fresh copy owned by
// the store. The record keeps the new state; the log entry keeps the
// state before, for watchers and for reads at older revisions.
func (m *Memory) write(i id, typ op, obj api.Object) api.Object {
	m.rev++
	if obj != nil {
		obj.GetObjectMeta().ResourceVersion = FormatRevision(m.rev)
	}
	r := m.recs.at(i)
	if typ != opAdded && r.rev < m.logStart {
		// The state replaced was written before the log's start: the
		// key's first write since, whose state before is kept aside.
		if m.bases == nil {
			m.bases = map[id]api.Object{}
		}
		m.bases[i] = r.obj
	}
	m.log.append(logEntry{obj: obj, prevRev: r.rev, rec: i, typ: typ})
	r.rev, r.obj = m.rev, obj
	return obj
}

// prevOf returns the state before the write of the log entry e: nil for
// Added; otherwise the live state the key's previous write left, which
// the log's entry at e.prevRev holds, unless it was written before the
// log's start (then bases has it).
func (m *Memory) prevOf(e *logEntry) api.Object {
	switch {
	case e.typ == opAdded:
		return nil
	case e.prevRev >= m.logStart:
		return m.log.at(int(e.prevRev - m.logStart)).obj
	}
	return m.bases[e.rec]
}

// objectAt returns r's object as of revision rev (not compacted), nil if
// the key did not exist then. It walks back through the log from the
// key's last write, one entry per write to the key after rev: each entry
// holds the state before it and the revision that state was written at,
// which is in the log too when it is after rev (rev >= compacted, and the
// log starts at the compaction revision).
func (m *Memory) objectAt(r *record, rev int64) api.Object {
	if r.rev <= rev {
		return r.obj
	}
	e := m.log.at(int(r.rev - m.logStart))
	for e.prevRev > rev {
		e = m.log.at(int(e.prevRev - m.logStart))
	}
	return m.prevOf(e)
}

// readRevision resolves the revision of a read: 0 means the latest; the
// future is a BadRequest and compacted history is Compacted.
func (m *Memory) readRevision(key string, rev int64) (int64, error) {
	switch {
	case rev == 0:
		return m.rev, nil
	case rev < 0:
		return 0, newError(BadRequest, key, "negative revision %d", rev)
	case rev > m.rev:
		return 0, newError(BadRequest, key, "revision %d is a future revision (current %d)", rev, m.rev)
	case rev < m.compacted:
		return 0, newError(Compacted, key, "revision %d has been compacted (compacted at %d)", rev, m.compacted)
	}
	return rev, nil
}

// checkResourceVersion checks an optional resourceVersion precondition
// against the current modRevision.
func checkResourceVersion(key, rv string, modRev int64) error {
	if rv == "" {
		return nil
	}
	want, err := ParseResourceVersion(key, rv)
	if err != nil {
		return err
	}
	if want != modRev {
		return newError(Conflict, key, "resourceVersion %s is stale (current %d)", rv, modRev)
	}
	return nil
}

// deletedCopy returns a copy of obj's last state as a delete reports it:
// with resourceVersion set to the deletion revision. When shared, the copy
// is shallow: only the resourceVersion differs, the rest is shared.
func (m *Memory) deletedCopy(obj api.Object, rev int64) api.Object {
	var c api.Object
	if m.shared {
		c = shallowCopy(obj)
	} else {
		c = api.CopyObject(obj)
	}
	c.GetObjectMeta().ResourceVersion = FormatRevision(rev)
	return c
}

// Describe returns a stable multi-line description of the store's current
// state: its revisions, then every live key with its resourceVersion, in
// key order.
func (m *Memory) Describe() string {
	var b strings.Builder
	b.WriteString("rev=" + FormatRevision(m.rev) + " compacted=" + FormatRevision(m.compacted) + "\n")
	m.index.ascend(&m.recs, "", func(r *record) bool {
		if obj := r.obj; obj != nil {
			b.WriteString(r.key + " rv=" + obj.GetObjectMeta().ResourceVersion + "\n")
		}
		return true
	})
	return b.String()
}

// shallowCopy returns a new object whose top-level struct is a copy of
// obj's, sharing every slice, map and pointer with it.
func shallowCopy(obj api.Object) api.Object {
	v := reflect.ValueOf(obj).Elem()
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.Interface().(api.Object)
}
