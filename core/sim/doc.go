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
// line, YAML bodies, the expected output below "----". RunScenario and
// Interpreter run them outside of tests too (`capstan sim --scenario`).
package sim
