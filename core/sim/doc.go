// Package sim is a whole capstan cluster in one deterministic value: the
// in-memory store behind the API registry, the control-plane machine
// (core/control, with the scheduler), and node machines (core/node) with
// fake container runtimes, on virtual time, driven by one discrete-event
// loop and one seeded generator. Faults are events too. The same Config
// and the same calls give the same event log, byte for byte, natively and
// in WebAssembly: the playground, `capstan sim` and the scenario tests all
// run this package.
//
// # Shape
//
//	               user: Apply, Scale, SetImage, Delete, faults ...
//	                                  │
//	                                  ▼
//	┌───────────────────────── registry (core/registry) ─────────────────────┐
//	│                          FaultStore (injected Conflicts)               │
//	│                          store.Memory (revisions, watch log)           │
//	└──────┬──────────────────────────────────────────────┬─────────────────┘
//	       │ watch /registry/ (maybe delayed, reordered)   │ watch /registry/
//	       ▼                                               ▼
//	control-plane machine                                 hub: pods by spec.nodeName,
//	Step(ev) · Tick(now) · Ready()                         objects by namespace
//	       │ []control.Write                               │ node.Input (held while
//	       └──────────► registry                           ▼  partitioned)
//	                                                node machine × N ──Actions──► fake runtime
//	                                                   │  ▲                          │
//	     statuses, deletions, leases, node status ◄────┘  └── observations ◄─────────┘
//	     (via registry; WriteFailed while partitioned)         (timed events)
//
// # The loop
//
// Everything that takes time is an event in one priority queue ordered by
// (time, sequence): node ticks (every Config.NodeTick), runtime answers
// (an image pulled after its latency, a container started, a process
// exiting), delayed watch deliveries, control-plane timers, scheduled
// faults, compactions. Step pops one, moves the clock to it, fires it,
// then pumps everything that takes no time until nothing moves: watch
// events to the control plane and (through the hub) to node machines,
// the control plane's writes through the registry (failures back through
// Failed), node machines' outputs (actions to the runtime, which answers
// with new timed events; writes through the registry). RunUntil steps up
// to a time; Stabilize steps until nothing but heartbeats has happened for
// a horizon and no work is due within it.
//
//	queue ──pop──► advance clock ──► fire ──► pump ─┐
//	  ▲                                             │ runtime answers,
//	  └──────────────── schedule ◄──────────────────┘ ticks, timers
//
// # Determinism
//
// No map is ranged over to produce output unsorted; ties in time break by
// the order events were scheduled; node outputs are drained in the order
// the nodes were added; the one generator (splitmix64, in the Cluster)
// draws jitter and shuffles, and derived seeds feed the registry (uids,
// generated names) and the control plane (pod name suffixes). The event
// log (Log, LogText) records every step; two runs with one seed produce
// identical bytes (TestSameSeedSameLog).
//
// # The fake runtime
//
// Each node's runtime keeps images, containers and pod addresses. How it
// treats a container (Behavior: pull, start and stop latency, a missing
// image, exit after T with code C or OOMKilled, probe answers that may
// flip after T) comes from Config.Runtime, per-image rules
// (SetImageBehavior) and pod annotations (AnnotationPrefix). A pod gets
// an address from its node's pod CIDR (10.244.N.0/24) when its first
// container starts; the sim adds it to the status the node machine
// writes, which has none (core/node has no pod network).
//
// # Faults
//
// Node crash (the machine is lost; the containers too, unless only the
// agent crashed), node restart (a fresh machine adopts the surviving
// containers through RuntimeInventory, then gets its pods as a PodList),
// partition (the node's writes fail, deliveries to it are held until
// Heal), container crash, store write conflicts (FaultStore), delayed and
// reordered watch delivery to the control plane, control-plane restart (a
// new machine from a List of the store at a revision and a watch from the
// next). Fault is plain data: ScheduleFault queues one for later.
//
// # Scenarios
//
// Scenario files (testdata/*.txt) are datadriven files: a command per
// line, YAML bodies, the expected output below "----"; `go test
// ./core/sim -rewrite` regenerates the outputs. ParseScenario and
// Interpreter run them outside of tests too (`capstan sim --scenario`).
// Each reads as documentation of one behaviour:
//
//	basics                 three nodes, a Deployment, addresses from pod CIDRs
//	rolling-update         maxSurge 1 / maxUnavailable 1, pod counts second by second
//	rolling-update-bounds  maxSurge 0 against maxUnavailable 0
//	recreate               no old pod left before a new one starts
//	rollback               a rollout stuck on a missing image, rollout-undo
//	pause-resume           changes while paused roll out as one revision
//	scale-during-rollout   proportional scaling of old and new ReplicaSets
//	replicaset-adoption    orphans adopted, a relabelled pod released
//	node-loss              Unknown after 40s, taint, eviction after 300s, replacement
//	cordon                 unschedulable node keeps its pods, gets no new ones
//	crashloop              back-off 10s, 20s, 40s ...; OOMKilled
//	probes                 liveness restarts, startup gating readiness
//	image-pull             ErrImagePull, ImagePullBackOff, slow pulls, Never
//	config-references      CreateContainerConfigError until ConfigMap and Secret exist
//	readiness-endpoints    only ready pods in Endpoints
//	services               ClusterIPs, NodePorts, headless, released addresses
//	pv-binding             a local volume's node affinity places the pod
//	namespace-deletion     the cascade, and no new content meanwhile
//	gc-orphan-foreground   Orphan, Foreground and Background deletion
//	unschedulable          a pod waits for a node that fits
//	affinity-spread        anti-affinity by hostname, spread over zones
//	taints                 NoSchedule taints and tolerations
//	jobs                   restartPolicy Never and OnFailure
//	write-conflicts        injected Conflicts, retried and healed
//	delayed-watch          a late, shuffled watch; the same end state
//	partition-heal         evicted while cut off; cleaned up on heal
//	restart-control-plane  a new control plane mid-rollout finishes it
//	node-restart           agent restart adopts containers; host crash restarts them
//	scheduled-faults       faults queued ahead in virtual time
package sim
