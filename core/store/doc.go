// Package store is capstan's single source of truth: an in-memory store
// with the semantics of etcd v3, and the Store interface that the
// etcd-backed store in server/ implements too.
//
// # The model
//
// The store maps string keys ("/registry/pods/default/web-1", from
// api.KeyOf) to objects, and keeps their history as etcd's MVCC does. One
// global revision counts the writes: an empty store is at revision 1 (as a
// fresh etcd is), and every successful Create, Update or Delete adds
// exactly one. An object's resourceVersion is the revision of its last
// write (its modRevision) in decimal; the store sets it, and reads the
// caller's value only as a compare-and-swap precondition.
//
//	revision  1        2          3          4            5
//	          ●────────●──────────●──────────●────────────●──────▶
//	write     (empty)  create a   create b   update a     delete b
//	log                ADDED a    ADDED b    MODIFIED a   DELETED b
//	                                         ▲            ▲
//	                                         compacted    a watcher's cursor
//
//	history before Compact(4)    after Compact(4)
//	  a: [a@2, a@4]                [a@4]
//	  b: [b@3, †@5]                [b@3, †@5]  (b@3 is what a read at 4 sees)
//
// († is a tombstone.) After Compact(4), reads at revisions 1..3 and
// watches from them fail with Compacted; the log keeps the writes at 4 and
// later, and the watcher above still gets DELETED b at 5.
//
// The in-memory store keeps three structures:
//
//   - records: the latest state of each key (its object, or a tombstone,
//     and the revision of its last write), in a dense array of chunks
//     with an open-addressing hash table from key to position, for O(1)
//     Get: per key, the key string, a 40-byte record and ~14 bytes of
//     table, and no allocation of its own (a created object's name is
//     made to share the key's bytes, so it costs none either);
//   - index: the same records' positions sorted by key in blocks of at
//     most 512 (a two-level B-tree), for List of a prefix in O(log n + k);
//   - log: one entry per write (32 bytes), indexed by revision, for
//     watchers. Each entry holds the state after the write and the
//     revision of the key's previous write, whose entry holds the state
//     before (a state written before the log's start is kept aside, by
//     key, while a retained write needs it), so the log is also the keys'
//     history: older versions are found by walking back from a key's
//     last write, and compaction, which drops the log's front, drops
//     them with it.
//
// Reading at revision r (GetAt, List with ListOptions.Revision) finds, for
// each key, the newest version at or before r. A List can be paged with
// Limit and Continue; the continue token is opaque (base64 of JSON holding
// the revision and the next key), so every page reads the same snapshot
// while writes go on.
//
// # Watching
//
// Core has no channels, so watches are pull-based: a Watcher is a cursor
// into the log, and Poll returns the events that have happened since,
// without blocking. A watcher sees every write under its prefix with
// revision >= fromRevision exactly once, in order. fromRevision 0 means
// "from the next write", which is what a caller that has just listed at
// revision r gets by passing r+1 explicitly. Each Event carries the object
// after the write and the object before it; a Deleted event carries the
// last state with resourceVersion set to the deletion revision. Memory's
// watchers are Appenders too: PollAppend appends to the caller's slice,
// so a caller that is done with one poll's events reuses their array.
// Lookup is Get for a hot path (the key built on the stack).
//
// # Compaction
//
// Compact(r) drops the log before r and every version no read at r or
// later can see. Afterwards reads, lists, continue tokens and watches below
// r fail with a Compacted error (Kubernetes: 410 Gone), and so does a
// watcher whose cursor is still below r: its owner must list and watch
// again. Nothing is compacted unless the owner asks; the simulator
// compacts periodically, as the API server asks etcd to.
//
// # Choices
//
//   - Initial revision 1, first write 2: as etcd, so the in-memory and the
//     etcd-backed stores agree revision for revision.
//   - An Update that changes nothing still writes a new revision, as etcd
//     does. Skipping no-op updates is the API layer's business (Kubernetes'
//     API server does it before it reaches etcd); the store stays a plain
//     compare-and-swap register so that every successful write is one
//     revision and one event, with no deep comparison on the hot path.
//   - Create rejects a non-empty resourceVersion, as Kubernetes' etcd3
//     storage does.
//   - Compact at or below the previous compaction revision is a Compacted
//     error, as in etcd.
//   - Objects go in and out as deep copies, unless the store is made with
//     MemoryOptions.Shared: then it keeps the objects it is given and hands
//     out the stored ones, for callers (the simulator) that never modify
//     an object once written.
//   - List and Watch prefixes must end in "/" (api.KeyFor(resource, ns, "")
//     does), so namespace "a" can never match namespace "ab".
//
// Memory is a deterministic state machine: no clock, no goroutines, no
// locks; no map iteration reaches an output. It is not safe for concurrent
// use.
package store
