package store

import (
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// Store is the interface every store implementation satisfies: the
// in-memory Memory here, the etcd-backed store in server/, and the
// fault-injecting wrapper of the simulation. checks/storecontract holds the
// tests that pin its semantics down; every implementation runs them.
//
// Keys are "/registry/<resource>/<namespace>/<name>" (see api.KeyFor);
// prefixes given to List and Watch end in "/". Revisions are etcd
// revisions; an object's resourceVersion is its modRevision in decimal.
// Objects go in and come out as deep copies.
//
// Implementations need not be safe for concurrent use; Memory is not.
type Store interface {
	// Revision returns the current revision: that of the last write, or 1
	// for a store never written (as in etcd). Like every method it may
	// fail when the store is remote; Memory's never does.
	Revision() (int64, error)

	// Create stores a new object under api.KeyOf(obj) and returns it as
	// stored, with resourceVersion set to the new revision.
	// obj's resourceVersion must be empty (BadRequest otherwise); the key
	// must not exist (AlreadyExists).
	Create(obj api.Object) (api.Object, error)

	// Get returns the latest version of the object at key, or NotFound.
	Get(key string) (api.Object, error)

	// GetAt returns the object at key as it was at revision rev (0 means
	// latest). NotFound if it did not exist then; Compacted if rev is
	// older than the compaction revision; BadRequest if rev is in the
	// future.
	GetAt(key string, rev int64) (api.Object, error)

	// List returns the objects whose keys start with prefix, sorted by key,
	// as of one revision, optionally a page at a time.
	List(prefix string, opts ListOptions) (ListResult, error)

	// Update replaces the object at api.KeyOf(obj). If obj's
	// resourceVersion is set it is a precondition: it must equal the
	// stored modRevision (Conflict otherwise). An empty resourceVersion
	// updates unconditionally. NotFound if the key does not exist. Every
	// successful update writes a new revision, even if nothing changed.
	Update(obj api.Object) (api.Object, error)

	// Delete removes the object at key if the preconditions hold
	// (Conflict otherwise; NotFound if absent). It returns the object's
	// last state with resourceVersion set to the deletion revision, as a
	// watch's Deleted event carries it.
	Delete(key string, pre Preconditions) (api.Object, error)

	// Watch returns a Watcher that delivers every event under prefix with
	// revision >= fromRevision, exactly once and in order. fromRevision 0
	// means "from the next write". A fromRevision older than the
	// compaction revision fails with Compacted.
	Watch(prefix string, fromRevision int64) (Watcher, error)

	// Compact drops the history older than rev: afterwards reads, lists
	// and watches at revisions below rev fail with Compacted, while the
	// state at rev and later stays readable. rev must not exceed the current revision
	// (BadRequest) and must be greater than the previous compaction
	// revision (Compacted otherwise, as in etcd).
	Compact(rev int64) error
}

// ListOptions selects the revision and page of a List.
type ListOptions struct {
	// Revision to read at; 0 means the latest. Must be 0 when Continue is
	// set, because the token carries its own revision.
	Revision int64
	// Limit is the maximum number of items to return; 0 means no limit.
	Limit int64
	// Continue is the token from the previous page's ListResult, or "".
	Continue string
}

// ListResult is one page of a List.
type ListResult struct {
	// Items are deep copies, sorted by key.
	Items []api.Object
	// Revision is the revision the list is consistent at. Every page of
	// one paged list has the same Revision.
	Revision int64
	// Continue is non-empty when more items remain; pass it back in
	// ListOptions.Continue to get the next page.
	Continue string
	// RemainingItemCount is the number of items after this page, 0 when
	// Continue is empty.
	RemainingItemCount int64
}

// Preconditions guard a Delete. Empty fields are not checked.
type Preconditions struct {
	// ResourceVersion, if set, must equal the object's modRevision.
	ResourceVersion string
	// UID, if set, must equal the object's UID.
	UID string
}

// Watcher delivers the events of one Watch. It is pull-based: core has no
// channels, so the caller polls when it is ready for more.
type Watcher interface {
	// Poll returns the events available now, in revision order, without
	// blocking: at most limit of them, or all when limit <= 0. An empty result
	// means nothing new yet. If the watcher has fallen behind a compaction
	// it returns a Compacted error, now and on every later call: the
	// caller must re-list and watch again. A closed watcher returns
	// nothing.
	Poll(limit int) ([]Event, error)
	// Close releases the watcher. It is idempotent.
	Close()
}

// Appender is a Watcher that can append its events to the caller's
// slice: a caller done with the events of one poll reuses their array for
// the next instead of allocating one per poll. Memory's watchers are
// Appenders.
type Appender interface {
	Watcher
	// PollAppend is Poll, appending the events to dst and returning it.
	PollAppend(dst []Event, limit int) ([]Event, error)
}

// Looker is a Store that can find an object by the parts of its key
// (api.KeyFor's), so that a caller on a hot path need not build the key
// string. Memory is a Looker.
type Looker interface {
	Store
	// Lookup returns the latest version of the object of resource,
	// namespace and name, as Get(api.KeyFor(resource, namespace, name))
	// does, or nil if there is none. name must be a valid key's last
	// part: not empty, not ending in "/".
	Lookup(resource, namespace, name string) api.Object
}

// KeyedCreator is a Store that can keep, as the key of a new record, a
// key string its caller already holds. Memory is a KeyedCreator.
type KeyedCreator interface {
	Store
	// CreateKeyed is Create for a caller that holds obj's key
	// (api.KeyOf(obj)) as a string: a new record keeps that string
	// rather than a copy. A key that is not obj's is not kept.
	CreateKeyed(key string, obj api.Object) (api.Object, error)
}

// EventType says what a write did to a key. The values are the Kubernetes
// watch event types.
type EventType string

// The event types.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
)

// Event is one write, as a watcher sees it.
type Event struct {
	Type EventType
	Key  string
	// Object is the state after the write. For Deleted it is the last
	// state, with resourceVersion set to the deletion revision.
	Object api.Object
	// PrevObject is the state before the write (its resourceVersion is
	// the previous modRevision); nil for Added.
	PrevObject api.Object
	// Revision is the revision of the write.
	// Invariant: equals Object's resourceVersion.
	Revision int64
}

// Describe returns a stable one-line description of the event, such as
// "ADDED /registry/pods/default/web-1 rev=7", for golden tests and logs.
func (e Event) Describe() string {
	return string(e.Type) + " " + e.Key + " rev=" + strconv.FormatInt(e.Revision, 10)
}
