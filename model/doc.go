// Package model holds the reference specifications that the checks
// compare capstan's core against. Each is small, slow on purpose, and
// commented with the semantics it encodes; none shares code with the
// implementation it judges.
//
// # What is here
//
//	Safety invariants      functions over a Snapshot (the objects at one
//	(invariants_*.go)      revision) or a History (the write log) that
//	                       return Violations: NoOvercommit,
//	                       NodeNameNeverChanges, BindingsWereFeasible,
//	                       RollingUpdateBounds, ReplicaSetOwnsOnlyMatching,
//	                       PVBoundToAtMostOnePVC, EndpointsMatchSelector,
//	                       RevisionsIncrease, WatchDeliversOnceInOrder.
//	Liveness properties    evaluated at the end of a run, once the inputs
//	(liveness.go)          have been stable long enough: DeploymentsAvailable,
//	                       EndpointsComplete, Fixpoint.
//	Reference scheduler    Schedule: every node, every filter, every score,
//	(schedule*.go)         straight from the Kubernetes semantics that
//	                       core/sched documents, including its documented
//	                       deviations, so that a difference is a bug.
//	Store specifications   KV: etcd's semantics as a plain list of writes
//	(kv.go, linearize/)    (state at any revision by replay); package
//	                       linearize: StoreModel, a porcupine model (a
//	                       per-key register with resourceVersion
//	                       compare-and-swap), and ListsConsistent for lists
//	                       at a revision.
//
// # Conventions
//
// Every invariant returns []Violation, nil when it holds, sorted by object
// then message so that the text is stable and can be golden-tested. No
// function here panics on odd data (missing fields, dangling references,
// nil objects): odd data is either a violation or out of the invariant's
// scope, and each doc comment says which.
//
// Pods that count as "on a node" are those with spec.nodeName set whose
// phase is neither Succeeded nor Failed; pods being deleted still count,
// as core/sched counts them (see BoundPods).
//
// The package may import core/api, nothing else of capstan and no module
// outside the standard library (the playground compiles it to
// WebAssembly; porcupine stays in model/linearize):
// the store's event types are mirrored here as plain strings (Added,
// Modified, Deleted) and error codes as the strings of core/store's codes.
package model
