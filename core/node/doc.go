// Package node is the kubelet's logic as a pure, deterministic state
// machine: the per-node pod lifecycle. It is fed the pods bound to its node,
// the objects they reference, runtime observations and clock ticks; it emits
// runtime actions, pod status updates, final pod deletions, events, and the
// node's Lease and status. It does no I/O, reads no clock, starts no
// goroutine. The same machine runs inside the simulated cluster (core/sim,
// against a fake runtime) and inside the node agent (nodeagent/, against
// containerd).
//
// # Shape
//
// Like etcd's raft, the caller owns all I/O and time:
//
//	      API watch (pods, secrets, configMaps,      runtime observations
//	      services, claims, volumes)                 (created, started, exited,
//	                │                                 probe results, ...)
//	                ▼                                          │
//	Tick(now) ──► Step(Input) ◄──────────────────────────────────┘
//	                │   marks pods dirty; a Tick also wakes the pods
//	                │   whose timers are due (back-off, probes, grace,
//	                │   deadlines) and does the node's heartbeats
//	                ▼
//	         syncPod, per dirty pod, in namespace/name/uid order
//	         (level-triggered: compare what the pod needs with what
//	          the runtime has, emit what closes the gap)
//	                │
//	                ▼
//	         Ready(): Actions      EnsureImage, CreateContainer, StartContainer,
//	                               KillContainer, RemoveContainer, SetupVolume,
//	                               TeardownVolume, RunProbe
//	                  StatusUpdates the full desired PodStatus, when it changed
//	                  PodDeletions  final deletion of a terminated pod
//	                  Events, Registration, Lease, NodeStatus
//	                │
//	                ▼
//	         the shell executes them; every result, success or
//	         failure, comes back in as an Input; Release(&rd) then
//	         hands the small arrays back for the next Ready (optional)
//
// One funnel, Step, takes a closed set of Input types (input.go), each with a
// stable Describe. Tick is an Input too, so a recorded input stream replays
// a machine exactly (the playground's timeline and the golden tests do).
// Step returns an error only for misuse (a nil object, time going
// backwards); stale observations are ignored.
//
// # A container's life
//
//	        EnsureImage            CreateContainer         StartContainer
//	idle ───────────────► pulling ───────────────► creating ──────────────► created
//	 ▲  ImagePullFailed:     │ ImageReady            │ ContainerCreated        │
//	 │  ErrImagePull, then   └──────► idle ──────────┘                         │ ContainerStarted
//	 │  ImagePullBackOff (10s..5m)    (config resolved: env, mounts;            ▼
//	 │                                 else CreateContainerConfigError)     running ── probes
//	 │                                                                         │
//	 │   restart policy says again: at once the first time,                    │ ContainerExited /
//	 │   then after 10s, 20s, ... 5m (CrashLoopBackOff);                       │ ContainerKilled /
//	 └── reset after the container ran 10 minutes ◄──────── exited ◄──────────┘ StartFailed
//
// A created instance becomes the container's current one only when it
// starts, so the status goes straight from waiting to running, as the
// kubelet's synchronous create+start shows it. The kubelet keeps one dead
// instance per container for its logs; so does the machine (older ones are
// removed when a new one is created).
//
// # A pod's life
//
//	added ──► volumes set up ──► init containers, one at a time ──► containers
//	                                                                  │
//	  terminal (Never/OnFailure done, init failed under Never,        │
//	  activeDeadlineSeconds) ─► kill what runs, tear down volumes ◄───┤
//	                                                                  │
//	  deletionTimestamp ─► kill with the grace period (force after it)│
//	    ─► remove containers, tear down volumes ─► final status ─► PodDeletion
//	  gone from the API (force deletion, relist) ─► kill at once, clean up, forget
//
// Phases, conditions (Initialized, Ready, ContainersReady; PodScheduled is
// kept from the API) and container statuses follow the kubelet's
// getPhase, GeneratePod*Condition and TerminatePod; see status.go.
//
// # Determinism and size
//
// Pods are synced in key order; timers live in a heap ordered by (time,
// key); nothing ranges over a map to produce output without sorting. The
// same inputs give the same outputs, byte for byte (the tests replay every
// scenario twice). Per pod the machine keeps the *api.Pod it was given (never
// copied, never modified; the pod's names are read from it) and about 240
// bytes, so that a simulated cluster can hold 150,000 pods: one 176-byte
// object for a pod and its first container (scalars: times as int64,
// phases and condition statuses in bytes and bits), a 16-byte entry in the
// pods' array sorted by UID, and per runtime container a 40-byte slot and a
// 4-byte entry of the index sorted by ID (ctrtable.go: a node has tens of
// pods, for which maps cost several times as much). What few pods need
// (more containers, volumes, a pod-level reason, failures, retries,
// restarts, kills, the instance being created) lives in side structs
// allocated on demand. The statuses it emits share
// what equals the previous one's (conditions, container states, the
// container statuses of pods started alike) rather than each holding a
// copy.
//
// # Where it differs from the kubelet
//
// There is no pod sandbox and no pod network yet: status.podIP is the
// node's address for hostNetwork pods and empty otherwise. Kills without
// grace are really without grace (the kubelet waits at least 2s). Admission
// (resource fit, OutOf* rejections), eviction, lifecycle hooks, ephemeral
// and sidecar containers, the PodReadyToStartContainers condition and
// readiness gates are not modelled. Secret and configMap volume updates are
// pushed as a new SetupVolume at once rather than on the kubelet's sync
// period.
package node
