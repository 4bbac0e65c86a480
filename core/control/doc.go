// Package control is capstan's control plane: Kubernetes'
// kube-controller-manager and kube-scheduler as one pure, deterministic
// state machine, shaped like etcd's raft.
//
// # Driving it
//
// One funnel for inputs, time as an input, outputs as data:
//
//	             store events (one watch on /registry/)      Tick(now)
//	                      │ Step(ev)                             │
//	                      ▼                                      ▼
//	┌─────────────────────────────────────────────────────────────────────┐
//	│ Machine                                                             │
//	│   mirror: every object (shared, never copied) + indexes             │
//	│     by uid (pods by key) · by namespace · pods by node ·            │
//	│     pod groups (equal labels and owners) by label and by owner ·    │
//	│     other objects by owner uid · services by selector pair          │
//	│          │ dispatch marks dirty keys, feeds the scheduler           │
//	│          ▼                                                          │
//	│   queues (sets of keys)   timers (heap: lease expiry, toleration,   │
//	│                            minReadySeconds, progress deadline ...)  │
//	│          │ Ready(): each controller syncs its keys in sorted order  │
//	│          ▼                                                          │
//	│   node-lifecycle → taint-eviction → pod-gc → garbage-collector →    │
//	│   namespace → deployment → replicaset → scheduler → endpoints →     │
//	│   service-ip → pv-binder → pvc-binder                               │
//	└─────────────────────────────────────────────────────────────────────┘
//	                      │ Writes (create, update, update-status,
//	                      ▼        delete, bind)
//	        caller executes them through the API layer (core/registry);
//	        the resulting store events come back through Step, failures
//	        through Failed(WriteFailed{...})
//
// A typical loop:
//
//	m := control.New(cfg)
//	for _, obj := range list.Items { m.Step(store.Event{Type: store.Added, ...}) }
//	m.Tick(now)
//	for {
//		for w := range m.Ready().All() {
//			if err := execute(w); err != nil {
//				m.Failed(control.WriteFailed{Write: w, Reason: api.ReasonForError(err), Message: err.Error()})
//			}
//		}
//		for _, ev := range watcher.Poll(0) { m.Step(ev) }
//		m.Tick(now)   // NextTimer says when the machine next needs one
//	}
//
// Pending reports whether Ready has work now; NextTimer when the machine
// next wants a Tick. A failed write is retried after a backoff in virtual
// time (5ms doubling to 5 minutes per key), so a write that keeps failing
// never makes the caller spin.
//
// Step only records: it updates the mirror and marks keys dirty. Ready
// does the work, so a burst of events costs one sync per dirty key. Ready
// does nothing until the first Tick (controllers judge ages), and the
// caller should feed a whole List before the first Ready (the garbage
// collector deletes objects whose owners it has not seen).
//
// # Level-triggered
//
// Every sync reads the current mirror, never the event that woke it. A
// failed write requeues the key it was for (Write.For); a conflicting
// write is simply redone from the newer version. Events whose revision is
// not newer than the mirror's for that key (duplicates, stale events, a
// late event for a deleted key) are ignored. While an update or delete the
// machine asked for has not come back, no controller writes that object
// again, so two controllers never race on one resourceVersion: each one
// turned away waits on the write, and is requeued when its event or its
// failure arrives.
//
// Restarting is New, the Added events of a List at one revision, then the
// watch from the next revision: the machine rebuilds everything from the
// store except its name generator, its ReplicaSet expectations and
// slow-start batches, its writes in flight and when it first saw each
// node, all safe to lose (a restarted control plane gives every node a
// full grace period, as kube's does).
//
// # Controllers
//
//   - scheduler (scheduler.go): pending pods in kube's queue order
//     (priority, creation, name) through core/sched; Bind, or the
//     PodScheduled=False Unschedulable condition with the scheduler's
//     message; unschedulable pods retried on cluster events.
//   - replicaset (replicaset*.go): expectations, slow start, ActivePods
//     victim order, adoption and release, status with minReadySeconds.
//   - deployment (deployment*.go): kube's rolling update and recreate,
//     proportional scaling, pause, revisions, rollback by template reuse,
//     history cleanup, progress deadline.
//   - node-lifecycle, taint-eviction, pod-gc (nodelifecycle.go, taint.go):
//     node health on kube's 5s monitor period (a node's lease check is
//     the first check after its grace period, moved by every renewal).
//   - endpoints and service-ip (endpoints.go, serviceip.go).
//   - garbage-collector and namespace (gc.go).
//   - pv-binder and pvc-binder (volumes.go).
//
// # Differences from Kubernetes
//
// Writes are asynchronous here, so where kube's controllers chain
// synchronous calls the machine plans: a Deployment sync computes the new
// versions of its ReplicaSets and writes each once; a ReplicaSet slow-starts
// one batch per sync (1, 2, 4, ... up to BurstReplicas) instead of several
// batches in one; a Deployment writes its revision annotation before its
// status. Deliberate tightenings: a Deployment counts at most
// spec.replicas available pods per ReplicaSet (a status not yet updated
// after a scale-down never counts twice); a single active ReplicaSet whose
// desired-replicas annotation is stale gets it fixed (kube would treat
// every sync as a scaling event). Left out: preemption, zone disruption
// handling in node lifecycle, EndpointSlices, the terminated-pod GC
// threshold, DaemonSets, Jobs, StatefulSets, HPA, storage classes and
// dynamic provisioning, ReplicaSet victim ranking by co-located pods.
//
// Objects received through Step are shared with the caller and never
// modified; objects in Writes share unchanged parts with them, so the
// caller must copy before modifying (core/registry does). The struct of
// a written object is the caller's: the machine keeps no reference to it
// (Write says more).
package control
