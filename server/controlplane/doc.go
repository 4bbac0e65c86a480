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
// Housekeep runs beside the loop during a term: it deletes Events past
// their TTL (one hour, as Kubernetes' --event-ttl) and, for an external
// etcd, compacts the history every five minutes, as Kubernetes' API server
// does; only the leader does either.
//
// # Leadership
//
// Several servers may share one etcd; only one runs the machine. Lead
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
//   - In etcd itself: the server's Writer is an etcdstore over
//     Term.FenceKV, so every write transaction also compares the election
//     key's create revision (Term.StillLeader). Once the lease expired or
//     another server was elected, a deposed leader's write fails in etcd,
//     whatever this process believes (a process paused past its TTL, a
//     write delayed in the network); the refusal (ErrFenced in the chain)
//     ends the term at once and Lead campaigns again.
//
// What remains: reads are not fenced (harmless: a deposed leader's reads
// lead only to writes, which are), and the local-clock rule assumes clocks
// that run at about the same rate (10% margin); the etcd compare does not.
// Nothing a deposed leader sends is applied after its key is gone. Between the key's deletion and the new leader's first write the
// old leader cannot write either; so at no time do two leaders' writes
// interleave. (Each write is also a compare-and-swap on the version the
// leader saw, and a bind applies only to a pod still unbound.)
package controlplane
