// Package sched is capstan's scheduler: it chooses a node for each pending
// pod, filter then score, in the vocabulary of kube-scheduler's framework,
// but data-oriented, pure and deterministic, and it explains every
// decision.
//
// # Usage
//
// The caller (the control-plane machine) mirrors the cluster into a
// Scheduler from store events and asks it to place pending pods:
//
//	s := sched.New(sched.Config{})
//	s.AddNode(n) / UpdateNode / RemoveNode          // cheap, idempotent
//	s.AddPod(p)  / UpdatePod  / RemovePod           // bound pods are accounted
//	s.AddPV(pv), s.AddPVC(pvc), ...                 // volume node affinity
//	r := s.Schedule(pending)                        // choose and assume
//	if r.Status == sched.Scheduled { bind(p, r.Node) } else { setCondition(p, r.Condition()) }
//	// binding failed: s.Forget(p); bound pod seen again: s.UpdatePod(p) confirms
//	fmt.Print(s.Explain(pending).DescribeScores())  // why, node by node
//
// A caller that keeps a record per pod of its own can keep the scheduler's
// PodRecord in it and call UpdatePodAt, ScheduleAt, ... instead: no index
// of the pods by name then (core/control's mirror does).
//
// Schedule assumes the pod on the chosen node at once, so the next pod in
// the same pass sees its requests, labels and affinity terms (kube's
// assume, nomad's plan overlay). The Scheduler keeps references to the
// objects it is given and treats them as immutable, as store objects are.
//
// # The pipeline
//
//	                   pod
//	                    │ shapeFor: compile once per template (labels, affinity,
//	                    │ tolerations, spread) into counters, views and a
//	                    ▼ static shape; requests and volumes per pod
//	┌──────────── PreFilter ─────────────┐
//	│ claims bound? (VolumeBinding)      │── no ──▶ Unschedulable (pod-level reason)
//	└────────────────┬───────────────────┘
//	                 ▼  nodes in name order from the rotating start index
//	┌──────────── Filter (per node, kube's order, first failure wins) ──────────┐
//	│ class verdict, cached per (static shape, node class):                     │
//	│   NodeUnschedulable → TaintToleration (+ readiness) → NodeAffinity        │
//	│ NodeResourcesFit: pods, cpu, memory, extended (every shortfall counts)    │
//	│ VolumeBinding: bound PVs' node affinity                                   │
//	│ PodTopologySpread (DoNotSchedule): count in domain + self − min ≤ maxSkew │
//	│ InterPodAffinity: affinity, anti-affinity, existing pods' anti-affinity   │
//	└────────────────┬──────────────────────────────────────────────────────────┘
//	                 ▼  feasible nodes, until numFeasibleNodesToFind are found
//	                 │  (resource score and static score inputs gathered in the same pass)
//	┌──────────── Score (each normalised to 0–100, weighted sum) ───────────────┐
//	│ NodeResourcesFit: LeastAllocated | MostAllocated | BalancedAllocation ×1  │
//	│ TaintToleration: untolerated PreferNoSchedule taints (reverse)        ×3  │
//	│ NodeAffinity: preferred terms                                         ×2  │
//	│ InterPodAffinity: preferred terms, both directions                    ×2  │
//	│ PodTopologySpread (ScheduleAnyway): fewer matching pods               ×2  │
//	└────────────────┬──────────────────────────────────────────────────────────┘
//	                 ▼  best total; ties go to the node visited first
//	              assume ──▶ Result{Node, Evaluated, Feasible, Failures}
//
// # Data layout
//
// Nodes live in flat slices indexed by slot (nodeTable); the fields the
// loops read for every node share one 64-byte cache line (nodeHot). Nodes
// with the same labels (apart from kubernetes.io/hostname), taints and
// cordon form a class; a pod's static filters and static scores are
// computed once per class, as nomad caches eligibility per computed class.
// Selectors that look at the hostname or node name are evaluated per node.
//
// Topology spread and inter-pod affinity never scan pods. A counter tallies
// per node the pods matching a selector; a view sums a tally per domain of
// one topology key (interned label values), over the nodes a filter admits,
// and keeps the minimum over domains for maxSkew. Pods sharing namespace
// and labels share a label set that knows which counters count them and
// which placed pods' terms select them. Adding or removing a pod bumps its
// counters' views; adding, changing or removing a node detaches it from
// every view and attaches it again. A property test recomputes all of it
// from scratch after random event sequences.
//
// # Runs of equivalent pods
//
// The pods of one ReplicaSet share their static shape and requests, so the
// search above computes the same per-node answers for each of them until
// a pod lands on a node. For pods whose filters are only the class
// verdict and resources and whose score is the resource score alone, an
// eqIndex (kube's old equivalence cache, made exact) keeps those answers
// in a segment tree over the nodes in name order, and answers the next
// pod of the run in O(log n): the end of the window that holds
// numFeasibleNodesToFind feasible nodes, the first best score in it, and
// the failures counted over it. Only the leaf of the node that took a pod
// is recomputed. The decision, the counts and the failures are exactly
// the node-by-node search's (a property test runs both side by side);
// any change to the nodes drops the index.
//
// # Determinism
//
// Same calls in, same decisions out, whatever order nodes were added in:
// nodes are visited in name order starting at a rotating index (kube's
// nextStartNodeIndex, advanced by the number of nodes each search visited),
// ties in total score go to the first visited node, arithmetic is integer,
// and no map is iterated to produce output except for order-insensitive
// sums. kube breaks score ties at random; capstan keeps no random source.
//
// # Deviations from kube-scheduler
//
//   - Readiness: a node whose Ready condition is False or missing is treated
//     as carrying the taint node.kubernetes.io/not-ready:NoSchedule (Unknown:
//     node.kubernetes.io/unreachable:NoSchedule), which kube's node lifecycle
//     controller would add. So the reason is kube's "node(s) had untolerated
//     taint {node.kubernetes.io/not-ready: }" and a toleration lets a pod
//     (a DaemonSet's, say) onto such a node.
//   - Unbound PersistentVolumeClaims: capstan has no StorageClass, so every
//     unbound claim is treated as kube treats an Immediate one: the pod is
//     unschedulable with "pod has unbound immediate PersistentVolumeClaims"
//     until the volume controller binds it. A missing claim gives kube's
//     `persistentvolumeclaim "x" not found`. VolumeZone's legacy zone labels
//     on PVs are not read; PV node affinity is.
//   - Messages are kube's FitError text without the "preemption: ..."
//     sentence: capstan does not preempt.
//   - Pods that finished (Succeeded, Failed) free their resources; pods
//     being deleted still count, for spread too (kube skips terminating
//     pods when counting spread).
//   - PodTopologySpread scores weigh each ScheduleAnyway constraint equally
//     (kube weighs by ln(domains+2)), there are no system default spread
//     constraints, and nodeAffinityPolicy/nodeTaintsPolicy are kube's
//     defaults (Honor, Ignore) only.
//   - Pod affinity namespaceSelector: an empty one means all namespaces; a
//     non-empty one selects no namespace yet (capstan has no namespace
//     labels in the scheduler).
//   - Scores are integers throughout (BalancedAllocation in parts per
//     million), so a score may differ from kube's float64 by one point.
//   - No NodePorts, VolumeRestrictions, NodeVolumeLimits or ImageLocality.
package sched
