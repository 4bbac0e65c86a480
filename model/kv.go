package model

import (
	"slices"
	"strings"
)

// Store error codes: the strings of core/store's codes, so that a check
// compares string(store.CodeOf(err)) with them.
const (
	CodeNotFound      = "NotFound"
	CodeAlreadyExists = "AlreadyExists"
	CodeConflict      = "Conflict"
	CodeCompacted     = "Compacted"
	CodeBadRequest    = "BadRequest"
)

// KV is etcd's semantics as plainly as they can be written: a list of
// every write and, for any revision, the state obtained by replaying the
// writes up to it. It is the sequential specification the store is tested
// against (core/store's Memory, the etcd-backed store):
//
//   - one global revision; a store starts at some revision (1 for a fresh
//     etcd) and every successful write adds exactly one;
//   - Create fails with AlreadyExists if the key is present; Update and
//     Delete fail with NotFound if it is absent, and with Conflict if a
//     resourceVersion (modRevision) or uid precondition does not hold;
//   - reads at revision 0 read the latest; a revision in the future is a
//     BadRequest; one older than the compaction revision is Compacted;
//   - a watch from revision r delivers every write with revision >= r
//     (0: from the next write), and fails with Compacted if r is older
//     than the compaction revision;
//   - Compact(r) needs 0 < r <= the current revision (BadRequest) and r
//     greater than the previous compaction revision (Compacted).
//
// Values are opaque strings; each key also carries a uid, for Delete's
// uid precondition.
type KV struct {
	start     int64 // revision before the first write
	compacted int64 // 0: never compacted
	writes    []KVWrite
}

// KVWrite is one successful write.
type KVWrite struct {
	Revision int64
	Type     string // Added, Modified or Deleted
	Key      string
	// Entry is the key's state after the write; for Deleted, its last
	// state (with the deletion revision as ModRevision, as a watch event
	// carries it).
	Entry KVEntry
	// Prev is the state before the write; nil for Added.
	Prev *KVEntry
}

// KVEntry is one key's state.
type KVEntry struct {
	Key         string
	Value       string
	UID         string
	ModRevision int64
}

// NewKV returns an empty store at revision start (1 for a fresh etcd).
func NewKV(start int64) *KV { return &KV{start: start} }

// Revision returns the current revision.
func (kv *KV) Revision() int64 { return kv.start + int64(len(kv.writes)) }

// Compacted returns the compaction revision, 0 if never compacted.
func (kv *KV) Compacted() int64 { return kv.compacted }

// Writes returns every write so far, in order.
func (kv *KV) Writes() []KVWrite { return kv.writes }

// state returns the live entries at revision rev by replaying the writes.
func (kv *KV) state(rev int64) map[string]KVEntry {
	m := map[string]KVEntry{}
	for _, w := range kv.writes {
		if w.Revision > rev {
			break
		}
		if w.Type == Deleted {
			delete(m, w.Key)
		} else {
			m[w.Key] = w.Entry
		}
	}
	return m
}

// readCode returns the error code of a read at rev ("" if it can be
// served) and the revision it resolves to.
func (kv *KV) readCode(rev int64) (string, int64) {
	switch {
	case rev == 0:
		return "", kv.Revision()
	case rev < 0 || rev > kv.Revision():
		return CodeBadRequest, 0
	case rev < kv.compacted:
		return CodeCompacted, 0
	}
	return "", rev
}

func (kv *KV) write(typ, key string, e KVEntry, prev *KVEntry) int64 {
	rev := kv.Revision() + 1
	e.Key, e.ModRevision = key, rev
	kv.writes = append(kv.writes, KVWrite{Revision: rev, Type: typ, Key: key, Entry: e, Prev: prev})
	return rev
}

// Create stores a new key and returns its revision, or AlreadyExists.
func (kv *KV) Create(key, value, uid string) (int64, string) {
	if _, ok := kv.state(kv.Revision())[key]; ok {
		return 0, CodeAlreadyExists
	}
	return kv.write(Added, key, KVEntry{Value: value, UID: uid}, nil), ""
}

// Update replaces a key's value, keeping its uid. rv, when non-zero, must
// equal the key's modRevision.
func (kv *KV) Update(key, value string, rv int64) (int64, string) {
	cur, ok := kv.state(kv.Revision())[key]
	switch {
	case !ok:
		return 0, CodeNotFound
	case rv != 0 && rv != cur.ModRevision:
		return 0, CodeConflict
	}
	return kv.write(Modified, key, KVEntry{Value: value, UID: cur.UID}, &cur), ""
}

// Delete removes a key if the preconditions hold (rv: modRevision, uid;
// each checked when non-empty) and returns its last state with the
// deletion revision.
func (kv *KV) Delete(key string, rv int64, uid string) (KVEntry, string) {
	cur, ok := kv.state(kv.Revision())[key]
	switch {
	case !ok:
		return KVEntry{}, CodeNotFound
	case rv != 0 && rv != cur.ModRevision:
		return KVEntry{}, CodeConflict
	case uid != "" && uid != cur.UID:
		return KVEntry{}, CodeConflict
	}
	rev := kv.write(Deleted, key, cur, &cur)
	last := cur
	last.ModRevision = rev
	return last, ""
}

// Get returns the key's entry at revision rev (0: latest).
func (kv *KV) Get(key string, rev int64) (KVEntry, string) {
	code, rev := kv.readCode(rev)
	if code != "" {
		return KVEntry{}, code
	}
	e, ok := kv.state(rev)[key]
	if !ok {
		return KVEntry{}, CodeNotFound
	}
	return e, ""
}

// List returns the entries under prefix at revision rev (0: latest),
// sorted by key, and the revision read.
func (kv *KV) List(prefix string, rev int64) ([]KVEntry, int64, string) {
	code, rev := kv.readCode(rev)
	if code != "" {
		return nil, 0, code
	}
	var out []KVEntry
	for k, e := range kv.state(rev) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b KVEntry) int { return strings.Compare(a.Key, b.Key) })
	return out, rev, ""
}

// Watch returns the writes a watch under prefix from revision from (0:
// the next write) will deliver so far, and the resolved from, or
// Compacted.
func (kv *KV) Watch(prefix string, from int64) ([]KVWrite, int64, string) {
	switch {
	case from < 0:
		return nil, 0, CodeBadRequest
	case from == 0:
		from = kv.Revision() + 1
	case from < kv.compacted:
		return nil, 0, CodeCompacted
	}
	var out []KVWrite
	for _, w := range kv.writes {
		if w.Revision >= from && strings.HasPrefix(w.Key, prefix) {
			out = append(out, w)
		}
	}
	return out, from, ""
}

// Compact forgets history before rev.
func (kv *KV) Compact(rev int64) string {
	switch {
	case rev <= 0 || rev > kv.Revision():
		return CodeBadRequest
	case rev <= kv.compacted:
		return CodeCompacted
	}
	kv.compacted = rev
	return ""
}
