// Package controlplane runs core/control's machine against a live store:
// the shell around the pure control plane, as core/sim's controlPlane is
// in virtual time.
//
//	         Backend (etcd, or storage.Locked)
//	List at R │   ▲ writes (compare-and-swap, through core/registry)
//	Watch R+1 │   │
//	          ▼   │
//	watch reader ──▶ owner goroutine ──▶ writers (Config.Writers goroutines,
//	goroutine        Step · Tick ·        one per hash of the object's key,
//	                 Ready · Failed ◀──── so one object's writes keep their order)
//	                      ▲   failures
//	                      │
//	                 wall clock: a Tick at Machine.NextTimer, at least
//	                 every MaxTickInterval
//
// One goroutine owns the machine. It lists every object at revision R,
// steps each in as an Added event, watches from R+1 and steps every event
// in order, ticks it with the wall clock, and hands the writes of Ready to
// the writers, which execute them through core/registry (each with its own
// registry: registries are not safe for concurrent use) and report
// failures back for Machine.Failed. A watch that falls behind a compaction
// makes a new machine from a new List (the machine rebuilds everything
// that matters from the store; see core/control); so does a store error,
// after a backoff.
//
// # Leadership
//
// Several servers may share one etcd; only one runs the machine. Elector
// campaigns through etcd's concurrency package (a Session whose lease has
// the election TTL, default 15 s, and an Election on a key under the
// server's prefix). The winner runs Run until its term ends: shutdown
// (it resigns, so another takes over at once) or a lost session (its lease
// expired: a crash, a partition or a long pause; another takes over once
// the TTL has run out).
//
// Fencing, so that a deposed leader writes nothing:
//
//   - The term's context ends as soon as the session's keep-alive fails
//     (Session.Done) or the server stops; the writers start no write after
//     that, and the guard in front of the store refuses every write made
//     after it, even one a registry call had already begun.
//   - If the store can make its writes conditional on the leader key
//     (Guarded below: the etcd store's transactions then also compare the
//     election key's create revision), a write sent after etcd deleted the
//     key (lease expired, another leader elected) fails in etcd itself,
//     which closes the gap between "the lease expired in etcd" and "this
//     process noticed": a process paused past its TTL cannot write on
//     waking.
//
// What remains without Guarded: a write sent just before the session is
// seen lost can land after the lease expired in etcd, up to one keep-alive
// interval (TTL/3) plus the write's own latency late. Such a write is a
// compare-and-swap on the version the old leader saw, so it can only
// succeed where the new leader has not yet written that object; a bind
// in particular succeeds only for a pod that is still unbound, so no pod
// is bound twice either way.
package controlplane
