// Package etcdstore is core/store's Store over etcd v3 (client/v3): the
// store of the API server, behind the storage.Backend seam. Every semantic
// of the in-memory store holds, revision for revision, and
// checks/storecontract proves it against an embedded member and a
// 3-member cluster.
//
// # Keys and values
//
//	etcd key    Options.Prefix + api.KeyFor(resource, namespace, name)
//	            e.g. "/registry/pods/default/web-1"
//	etcd value  the object's JSON (api.Encode), without resourceVersion
//	read        resourceVersion = the key's modRevision
//
// The store's revision is etcd's: one per successful write, starting at 1.
// Keeping the resourceVersion out of the value keeps it true by
// construction: it can only come from etcd.
//
// # Writes: one transaction each, no lock
//
//	Create  Txn(If CreateRevision(k) == 0, Then Put)          else AlreadyExists
//	Update  Txn(If Version(k) > 0 [&& ModRevision(k) == rv],
//	            Then Put, Else Get)    else NotFound, or Conflict
//	Delete  without preconditions: one Delete with the previous value;
//	        with them: Get, check them, Txn(If ModRevision(k) == seen,
//	        Then Delete, Else Get): when another write moved the key,
//	        check again against what the Else branch read, and retry
//
// Compare-and-swap happens inside etcd, so concurrent writers need no lock
// here: the API server's handlers call the store from as many goroutines
// as they like.
//
// # Reads
//
// GetAt and List read at a revision with etcd's WithRev; a List page asks
// for Limit keys and gets etcd's count of the whole range, from which
// RemainingItemCount follows. The continue token (core/store's encoding)
// carries the revision of the first page and the key after the last one,
// so every page reads the same snapshot. etcd's "required revision has
// been compacted" is store.Compacted (410 Gone at the API); "future
// revision" is store.BadRequest.
//
// # Watches
//
// A watcher is one etcd watch (WithRev, WithPrevKV, WithRequireLeader) and
// one goroutine that moves its responses into a buffer that Poll drains
// without blocking and Stream.Next waits on. The goroutine remembers the
// revision after the last one it buffered; when the etcd watch ends for
// any reason but compaction or Close (a member down, a lost leader), it
// watches again from there, so an event is never skipped nor repeated.
// Compaction is sticky: the events buffered before it are delivered, then
// every Poll fails with store.Compacted. So is falling behind: a consumer
// that leaves more than Options.MaxWatchBuffer events unread loses its
// watch the same way (as Kubernetes' API server drops a watcher that does
// not keep up), rather than growing the server's memory without bound. Watch(prefix, 0) reads the
// current revision r first and watches from r+1, and Watch(prefix, from)
// checks the compaction revision synchronously, so both answer as the
// in-memory store does instead of some time later.
//
// One difference from core/store cannot be hidden: etcd fetches a watch
// event's previous value at revision-1, so a Modified or Deleted event at
// exactly the compaction revision has lost it. That watcher fails with
// Compacted instead of delivering an event without its previous state.
//
// # Timeouts and metrics
//
// Each call runs under Options.Timeout, and Options.Observe hears about
// every etcd round trip (operation, duration, error) for the API server's
// metrics. A stored value that does not decode is an error naming its key.
package etcdstore
