// Package simtest is capstan's deterministic simulation testing: seeded
// workloads and schedules of user actions and faults, run on core/sim's
// whole simulated cluster for an hour of virtual time each, judged by the
// named invariants of model/ throughout and by its liveness properties at
// the end. A failing seed prints the command that reproduces it and a
// shrunk scenario file that core/sim replays.
//
// # A seed
//
// Generate(seed) draws, from the seed alone (a splitmix64 generator of
// its own):
//
//   - the cluster's init line: jitter, node grace period, default
//     NoExecute toleration;
//   - nodes: 2 to 8, small (2 cpu, 2Gi, 8 pods), medium or large, in 1 to
//     3 zones, some labelled disk=ssd, some tainted dedicated=infra
//     (NoSchedule or PreferNoSchedule);
//   - image behaviours: app:v1..v3 healthy (some ready only after a
//     while), app:crash, app:oom, app:unready, app:badpull unhealthy,
//     job:ok and job:fail for bare pods;
//   - 1 to 4 Deployments of 1 to 6 replicas: RollingUpdate with various
//     maxSurge/maxUnavailable, or Recreate; requests; sometimes readiness
//     probes, minReadySeconds, progress deadlines, history limits,
//     tolerations, a node selector, required or preferred anti-affinity,
//     zone spread; Services for most of them (named or numeric target
//     ports, sometimes publishing not-ready addresses); sometimes a local
//     PersistentVolume with one or two competing claims and a pod using
//     one; sometimes bare pods with restartPolicy Never or OnFailure;
//   - 4 to 14 user actions over the first 40 minutes: scale, set-image,
//     rollout undo, pause and resume, delete a pod, delete a Deployment
//     (any propagation) and apply it again, cordon and uncordon, delete a
//     Service and apply it again;
//   - on three seeds in four, 2 to 10 faults: node crash (of the host, or
//     of the agent only) and restart, partition and heal, container
//     crashes (exit codes, OOM), injected write conflicts on chosen kinds
//     and operations, control-plane restarts (half of them a few seconds
//     into a rollout), delayed and reordered watches to the control
//     plane, rollouts to an unhealthy image (crash loops through image
//     behaviours). The other seeds are calm.
//
// Everything is a core/sim scenario command (Item.Line, Item.Body), run
// through sim.Interpreter: what the runner runs is exactly what a
// scenario file replays.
//
// # A run (Run)
//
// The runner's clock moves on a grid of one second: at each grid point it
// runs the items due, then "tick 1s" (RunUntil), then checks. At 40
// minutes it heals everything (restarts crashed nodes, heals partitions,
// turns the watch delay and reordering off, lifts cordons, gives the
// unhealthy images a good build, resumes paused Deployments, rolls those
// on an unhealthy image to app:v1, deletes orphaned ReplicaSets: user
// commands meeting an injected conflict are retried), then leaves the
// cluster alone for 20 minutes and checks liveness.
//
// # What is checked, when
//
// The write log is a watch of /registry/ from revision 1, polled at every
// grid point: every revision, none skipped (WriteLogComplete), and the
// mirror of the objects it builds is compared with the store's List at
// quiescent points (LogMatchesStore). At every grid point:
//
//   - over every new write: RevisionsIncrease and NodeNameNeverChanges
//     (each write preceded by its key's previous one: exactly what they
//     would say over the whole log); BindingsWereFeasible for every
//     binding, against the state just before it (see below);
//     WatchDeliversOnceInOrder for four watchers of the runner's own
//     (pods from revision 1, deployments from a later one, nodes and
//     everything a few events per poll, so that they lag and sometimes
//     fall behind a compaction and watch again), each poll against the
//     log;
//   - after every write, on the part of the state it can affect (the
//     node a pod was bound to, a pod and its ReplicaSet, a ReplicaSet and
//     its pods, a Deployment and its ReplicaSets, the volumes and claims):
//     NoOvercommit, ReplicaSetOwnsOnlyMatching, RollingUpdateBounds' surge
//     half, PVBoundToAtMostOnePVC — these hold at every revision, so what
//     is wrong only between two grid points is caught too;
//   - over the whole state, whenever it changed: NoOvercommit,
//     ReplicaSetOwnsOnlyMatching, PVBoundToAtMostOnePVC and
//     RollingUpdateBounds. Its surge half always; its availability half
//     (which assumes no faults) for a Deployment only once it was seen
//     settled (one ReplicaSet with pods, all available, on a healthy
//     image, spec observed) with no fault in force and none in the last
//     10 minutes, and nothing since that breaks kube's assumption: a
//     scale-up, a rollout to an unhealthy image, a rollback after one, a
//     pod deleted by hand, any fault;
//   - at quiescent points (the control plane has no work pending, its
//     watch is not delayed, nothing but heartbeats was written for two
//     seconds): EndpointsMatchSelector.
//
// At the end, after the quiet period: DeploymentsAvailable (which, as
// model/ states it, excuses a Deployment that lacks the capacity: a
// pending pod of it fits no node; a rollout stuck for room keeps its old
// pods and its surge, as kube's does; counted in the coverage table),
// EndpointsComplete,
// quiescence and EndpointsMatchSelector, Fixpoint over the last three
// minutes (Leases, Events and Node heartbeats excepted), and
// GarbageCollected, the runner's own (model/ has no such property): no
// Pod or ReplicaSet refers to an owner that is gone.
//
// BindingsWereFeasible judges against the store, and the scheduler acts
// on its mirror and its own assumptions. Three excuses, each counted in
// the coverage table (a binding must fit the model in one of these
// views, never for less):
//
//   - on every seed: the binding fits once the scheduler's own bindings
//     that failed in the same or the previous grid step are taken as
//     made. The scheduler places pods one after another against the ones
//     it assumed, as kube's does; when one of those bindings fails (the
//     replicaset controller deleted the pod in the same batch), what was
//     placed against it stays (seen on a fault-free schedule: topology
//     spread broken at the binding's revision);
//   - on seeds with faults: the target node's last version is the control
//     plane's own Ready=Unknown write of the same grid point and the
//     binding fits the version before it (node lifecycle and scheduler
//     run in one batch; in kube they are two processes and race the same
//     way): stale by exactly one event;
//   - on seeds with faults, while the control plane's watch is delayed by
//     D (or events delayed are still held): the binding fits the store's
//     state as of a grid point within D (plus a grid step) before it,
//     with the scheduler's bindings since on top. A lagging view matters
//     for pods too: a pod deleted in another zone that the scheduler has
//     not seen go still counts in its topology spread.
//
// # Shrinking, scenarios, determinism, coverage
//
// A failure is reported with "go test ./checks/simtest -run TestSeeds
// -seed-start=N -seeds=1 -v". The first failing seeds are shrunk (Shrink:
// cut at the failure, then drop items one at a time while the same
// invariant still fails) and printed as a scenario file (ScenarioText)
// that core/sim's interpreter replays step for step and that Replay
// replays with every check; regressions live in testdata/regressions/.
// Every 50th seed runs twice, sharing objects and then copying them, and
// the event logs must be the same bytes. Coverage counts how often each
// interesting situation happened; a run of 1,000 seeds or more fails if
// a required one never did.
//
// # Core bugs found
//
// Each has a scenario in testdata/regressions whose expected outputs are
// kube's behaviour; one whose header names a bug ("# bug:") is skipped
// while the bug is there, the others must pass.
//
// BUG-1 (core/node, fixed by baf08c5): a pod whose Ready condition the
// node lifecycle controller set to False while its node was unreachable
// stayed not ready after the node was reachable again (the machine did
// not compare the API's status with the one it last wrote). Found by
// TestSeeds: a tenth of the seeds failed DeploymentsAvailable.
//
// BUG-2 (core/node, fixed by da938e2): a node the node lifecycle
// controller marked Unknown while it was unreachable stayed Unknown, and
// tainted NoExecute, until the agent's next five-minute status report:
// pods of a healthy, reachable node were evicted meanwhile. Found reading
// the event log of BUG-1's scenario; no invariant of model/ fails on it.
//
// BUG-3 (core/control, fixed): a Deployment's status claimed the new spec
// was observed (observedGeneration = generation) while the ReplicaSet
// scale that spec asks for had failed: the deployment controller wrote
// the ReplicaSet updates and the status of one sync together, and the
// status went through when a ReplicaSet update met a conflict, breaking
// RollingUpdateBounds' surge half until the retry (a Deployment scaled to
// 0 whose ReplicaSet still asked for its old pods). Kube returns on the
// scaling error before writing the status; the controller now writes the
// status after the ReplicaSet writes have come back. Found by the
// per-write checks (6 seeds in 2,000: an injected ReplicaSet conflict,
// then a scale-down). The runner excused it while it was open; it excuses
// no core bug now.
//
// BUG-4 (core/control with core/node, gone with BUG-2's fix): a livelock.
// A pod deleted while its node was cut off and Unknown; when the
// partition healed, the node lifecycle controller (the node still
// Unknown) marked the pod not ready, the agent killing it wrote it ready
// again, which woke the controller again, forever, at one virtual instant.
// Found by the soak (seed 2001 hung; the watchdog named it). Its cause is
// gone too: the node lifecycle controller marks a pod written ready again
// on a node that is not ready at its next 5s monitor check, as kube's
// periodic check does, never on every event of it.
package simtest
