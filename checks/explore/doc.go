// Package explore is capstan's model checker: it explores every
// interleaving of a small cluster, up to a bound, and checks the model's
// invariants in every state it reaches.
//
// The cluster is made of the real machines: core/control, two core/node
// machines, core/registry over a core/store Memory. Only the world around
// them is fake: a runtime that always succeeds, watch queues, a clock.
// Every nondeterministic choice is explicit, so that "every interleaving"
// means something precise.
//
// # The world and its transitions
//
//	             ┌──────────── registry ─ store.Memory ────────────┐
//	             │ watch (all)              watch (pods), per node │
//	             ▼                                    ▼            │
//	  cp queue [ev ev ev]                  n1 queue [ev ev]  n2 queue [ev]
//	     │ DeliverControl (one event)         │ DeliverNode n (one event)
//	     ▼                                    ▼
//	control machine ── SyncControl ──►   node machine ──► writes (at once)
//	  (Ready: its writes, in order,          │ actions
//	   as one atomic step; with              ▼
//	   WriteByWrite into an outbox,   runtime [start kill] ── Runtime n
//	   one WriteControl each)           (the oldest outstanding action)
//
//	Advance: the clock jumps to the next deadline (the control plane's
//	NextTimer, a node's periodic tick), every machine is ticked.
//	Fault: crash or partition a node, once; Heal: end the partition.
//	User: the configuration's user action (set an image, delete), once.
//
// A transition (World.Step) is one of those choices, and everything that
// follows from it without another choice happens inside it: a node's
// writes after its input, the store's events landing in the queues. Each
// watch queue is FIFO (etcd delivers in order); the interleaving is across
// consumers, the runtime and time. World.Enabled lists the choices of a
// state in a fixed order; the world is deterministic, so a state is named
// by the choices that lead to it (a Path).
//
// Granularity, and why:
//
//   - A control-plane sync and its writes are one step by default: the
//     machine's writes of one Ready are executed back to back, as core/sim
//     and the server do. What matters — the machine acting on a view that
//     lags the store — is the interleaving of deliveries with syncs, which
//     is explored in full. Config.WriteByWrite splits the writes, each
//     interleaved with everything else (a bigger space, explored less
//     deep).
//   - With Config.EagerRuntime (every configuration here) the runtime
//     answers pulls, creates, removes, volume setups and probes at once;
//     starting and killing a container are transitions. The pod statuses
//     a slow pull would show (ContainerCreating) change nothing the
//     invariants read; a start and a kill change readiness and capacity.
//   - The runtime answers a node's actions oldest first (a runtime that
//     serialises its operations).
//   - Time moves only by Advance, to the earliest deadline, never past
//     Config.Horizon after the start. Fault-free configurations keep the
//     horizon (5s) below the node monitor grace period, so time never
//     makes a healthy node look dead; the clock still moves for the
//     control plane's retries. The configurations with a fault renew
//     leases every 10s, mark a node unknown at the first node monitor
//     check (every 5s) after 20s without one, and move the clock
//     up to 45s; there a slow watch may make a healthy node look dead too,
//     which is a fault in its own right. A node's pod timers (grace
//     periods, back-off) are served by its periodic tick, as core/sim
//     serves them every second.
//
// # Setup and the canonical schedule
//
// A configuration's Setup brings the cluster where exploration should
// start (nodes registered, a Deployment created and running, its image
// just changed, a node crashed 15s ago...), so that the depth bound is
// spent on the interesting part. It runs the canonical schedule
// (World.Settle): round-robin over the actors (the control plane's watch,
// its sync, each node's watch, each node's runtime), each step the first
// enabled actor after the previous one, the clock moving only when nothing
// else is left. It is fair: an actor that stays enabled acts within one
// round. Setup is deterministic; its cost is paid by every replay.
//
// # Exploration
//
// The machines cannot be copied, so exploration is stateless: a state is
// rebuilt by replaying its path from a fresh world (Setup included).
// Explore is breadth-first, level by level: the states of the frontier are
// expanded in parallel (each choice from its own replay), then merged in
// frontier order, so that the result does not depend on the number of
// workers, and the first path found to anything is a shortest one. States
// with a violation are expanded too (each violation is reported once per
// invariant and object, with its shortest path).
//
// States are deduplicated by World.Hash, a sha256 of:
//
//   - the clock, relative to the start;
//   - the store's objects without their resourceVersion: interleavings
//     that make the same writes in another order reach the same objects
//     under other revisions, and nothing depends on a revision's value,
//     only on whether it is the latest of its key, which the queues
//     already say (a consumer's view is the store less its queue);
//   - every queue's events (type, key, object without resourceVersion),
//     the outbox's writes (with whether their expected resourceVersion is
//     the stored one) and the outstanding runtime actions;
//   - each machine's Describe and the control plane's NextTimer;
//   - the fault's and the user's progress.
//
// The machines' Describe leaves out state a restarted machine may lose:
// the control plane's ReplicaSet expectations, writes in flight, retry
// counts and name generator. Two states differing only there are merged,
// so the exploration is exhaustive up to that abstraction (most of it is
// implied by the queues: an expectation is pending while its event is
// queued). TestHashMergesRevisions shows the normalisation merging states.
//
// Options.Complete runs (some of) the states at the depth bound to
// quiescence on the canonical schedule: liveness is then checked from
// every explored prefix, not only at the leaves the bound reaches. Random
// walks (Walk) complement the bounded search: each takes random choices to
// a leaf, and needs no replay; thousands reach the ends of runs.
//
// Cost: a transition costs some 10-15µs of the machines' work, a replay
// 0.2-0.7ms of Setup plus the path; hashing a state 10-30µs (the digests
// of Setup's objects are cached across replays, those of a parent's
// objects across its children).
//
// # What is checked
//
// Over every write a transition makes, against the state before it (which
// is all the model's History invariants read, so that checking each write
// once along a path checks the whole history, and a transition into a
// state already known is still checked):
//
//   - RevisionsIncrease, NodeNameNeverChanges;
//   - BindingsWereFeasible on the control plane's view: the store at the
//     revision of the last event it was given when it computed the
//     binding, plus the pods it had bound itself since (its assumed pods).
//     A violation means the scheduler ignored what it knew;
//   - BindingsWereFeasible on the store: without a fault nothing makes a
//     node less feasible behind the scheduler's back, so it must hold;
//     with one a binding on a stale view (the node lifecycle controller
//     marks a node unreachable in the same sync the scheduler binds to
//     it) is expected: those are counted and reported (Result.Stale), not
//     failures. Overcommit that followed would fail NoOvercommit.
//
// In every new state: NoOvercommit, ReplicaSetOwnsOnlyMatching,
// PVBoundToAtMostOnePVC, and RollingUpdateBounds without a fault (its
// availability bound assumes nothing failed; only its surge bound with
// Config.SurgeOnly, for a rollout begun before the Deployment was
// available). At quiescent states when pods get no default tolerations:
// EvictedAtOnce. At leaves (no choice left) of fault-free configurations
// with capacity: DeploymentsAvailable, VolumesSettle, GarbageCollected.
// Completing a state (Options.Complete, walks): Quiescence, the canonical
// schedule must end (a state it comes back to without the clock moving
// is a livelock, since it is fair).
//
// EvictedAtOnce, VolumesSettle, GarbageCollected and Quiescence are the
// explorer's own (check_*.go, complete.go): model/ has no liveness
// property for the volume binders, the garbage collector or the taint
// manager. Like model's they are small and share no code with what they
// judge.
//
// The checker can fail: explore_broken_test.go breaks the cluster on
// purpose through Config.Mutate (a scheduler that ignores resources, a
// deployment controller that surges too far, a scheduler whose bindings
// are all refused) and the exploration finds each.
//
// # Configurations
//
//	create                 2 nodes × 2 cpu, a Deployment of 3 × 1 cpu just created
//	rollout                2 × 2 cpu running 2 × 1 cpu (maxSurge 1); image changed
//	rollout-tight          2 × 1 cpu running 2 × 1 cpu (maxSurge 0, maxUnavailable 1)
//	rollout-twice          rollout, and a second image change at any point
//	create-rollout         a Deployment of 2 just created, its image changed at any point
//	crash, partition       2 pods on 2 nodes; n2 crashes / is cut off at any point
//	                       (and may heal); leases 10s, grace 20s, no default
//	                       tolerations, clock up to 45s
//	after-crash,           the same, n2 lost 15s before the start; the clock moves
//	after-partition        only when the control plane's watch has caught up
//	partition-heal         after-partition with the default tolerations (300s)
//	delete-during-create   a Deployment deleted (background) at any point of its creation
//	delete-during-rollout  rollout, the Deployment deleted in the foreground at any point
//	volumes, volume-race   claims and volumes created together (2 and 2, 1 and 2)
//	volumes-recreate       volumes, claim a deleted and created again at any point
//	claim-deleted          1 claim, 1 volume, the claim deleted at any point
//
// Bugs found in core/ are pinned in bugs_test.go by their path. While a
// bug is open (knownBugs) its test is skipped (-explore.bugs runs it),
// TestExplore and TestWalks only log its violations, and
// TestKnownBugsReproduce fails once it is fixed, to say so; a fixed bug's
// test runs as a regression. The five found so far (EXP-1 to EXP-5 in
// docs/bugs.md) are fixed: no violation is excused.
//
// # Running
//
//	go test ./checks/explore                         # CI depths (12 to 40), 100 walks each
//	go test ./checks/explore -run TestExplore -explore.depth=100 \
//	    -explore.config='^rollout(-tight)?$' -v      # exhaust the rollouts
//	go test ./checks/explore -run TestExplore/crash -explore.depth=18 -v
//	go test ./checks/explore -run TestWalks -explore.walks=10000 -v
//	go test ./checks/explore -run TestBug -v         # the bugs' regressions
//
// A violation fails the test with the shortest path to it and a trace of
// what each transition did (Trace). A bug in core/ is pinned by its path
// as a skipped test until it is fixed.
package explore
