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
//   - The term's context ends as soon as the session is lost
//     (Session.Done), the server stops, or, by this process's own clock,
//     the lease may have expired in etcd (watchLease: no keep-alive
//     response for 90% of the TTL counted from the renewal before last,
//     which etcd cannot have processed earlier). That last rule stops a
//     leader that was paused or cut off from etcd before its lease can
//     expire, so before anybody else can be elected.
//   - The writers start no write after the term's context has ended, and
//     the guard in front of the store refuses every store write made after
//     it, even one a registry call had already begun (a registry Delete or
//     Bind is a read and then a write).
//   - Config.Writer may refuse writes itself for lost leadership (ErrFenced
//     in the error chain); the term then ends at the first refusal. Term
//     carries the election key and its create revision, and
//     Term.StillLeader the etcd compare that holds only during the term,
//     for a store whose transactions can carry it.
//
// What remains: a write already sent to etcd when the term ends (at most
// Config.Writers of them) may still be applied, up to the store's timeout
// later. Each is a compare-and-swap on the version the old leader saw, so
// it applies only where nobody has written that object since; a bind in
// particular applies only to a pod still unbound, so no pod is bound twice
// whichever leader's bind lands. A store that adds Term.StillLeader to its
// transactions closes this window too (etcdstore does not yet).
package controlplane
