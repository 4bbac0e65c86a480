package mutants

// The checks a planted bug can meet, cheapest and most specific first.
var (
	// The scheduler against the obviously correct reference (rapid).
	schedModel = Check{Pkg: "./checks", Run: "^TestScheduler"}
	// The store against its porcupine and etcd-semantics models (rapid).
	storeModel = Check{Pkg: "./checks", Run: "^TestStore"}
	// The deterministic simulation: 300 seeds with faults, safety after
	// every write, liveness at the end (make test runs 2,000).
	simSeeds = Check{Pkg: "./checks/simtest", Run: "^TestSeeds$",
		Args: []string{"-seeds=300", "-shrink-budget=0", "-determinism-every=0", "-coverage-min-seeds=1000000"}}
	// Exhaustive small-scope exploration and random walks.
	explore = Check{Pkg: "./checks/explore", Run: "^(TestExplore|TestWalks)$"}

	// Each package's own tests: unit, property and datadriven scenarios.
	apiTests      = Check{Pkg: "./core/api"}
	storeTests    = Check{Pkg: "./core/store"}
	schedTests    = Check{Pkg: "./core/sched"}
	registryTests = Check{Pkg: "./core/registry"}
	controlTests  = Check{Pkg: "./core/control"}
	nodeTests     = Check{Pkg: "./core/node"}
	simTests      = Check{Pkg: "./core/sim"}
)

// Catalog is every planted bug. Each one is a mistake a developer could
// plausibly make; each one must be caught.
var Catalog = []Mutant{
	// ---- core/sched: filters and scores -------------------------------
	{
		ID:      "sched-noexecute-taint-ignored",
		Bug:     "the taint filter considers NoSchedule taints only, so pods land on nodes with untolerated NoExecute taints",
		File:    "core/sched/static.go",
		Find:    "if t.Effect != api.TaintEffectNoSchedule && t.Effect != api.TaintEffectNoExecute {",
		Replace: "if t.Effect != api.TaintEffectNoSchedule {",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-cordon-ignored",
		Bug:     "a cordoned (unschedulable) node is filtered only for pods that tolerate it: the condition is negated",
		File:    "core/sched/static.go",
		Find:    "if cl.unschedulable && !tolerates(st.tolerations,",
		Replace: "if cl.unschedulable && tolerates(st.tolerations,",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-fit-forgets-requested-memory",
		Bug:     "the fast fit path compares a pod's memory with the node's allocatable, forgetting what is already requested",
		File:    "core/sched/schedule.go",
		Find:    "if r.mem > 0 && r.mem > h.allocMem-h.reqMem {\n\t\t\t\thist, ok = addFailure(hist, rInsufficientMemory), false",
		Replace: "if r.mem > 0 && r.mem > h.allocMem {\n\t\t\t\thist, ok = addFailure(hist, rInsufficientMemory), false",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-pod-count-off-by-one",
		Bug:     "the fast fit path lets a node take one pod more than its allocatable pods",
		File:    "core/sched/schedule.go",
		Find:    "if int64(h.pods) >= h.allocPods {",
		Replace: "if int64(h.pods) > h.allocPods {",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-cpu-check-skipped-slow-path",
		Bug:     "the full filter (affinity, spread, volumes) path forgets the cpu check",
		File:    "core/sched/schedule.go",
		Find:    "if r.cpu > 0 && r.cpu > h.allocCPU-h.reqCPU {\n\t\tq.why = append(q.why, rInsufficientCPU)",
		Replace: "if r.cpu < 0 && r.cpu > h.allocCPU-h.reqCPU {\n\t\tq.why = append(q.why, rInsufficientCPU)",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-spread-skew-off-by-one",
		Bug:     "topology spread (DoNotSchedule) allows a skew of maxSkew+1",
		File:    "core/sched/schedule.go",
		Find:    "if c+hq.self-q.hardMin[i] > hq.maxSkew {",
		Replace: "if c+hq.self-q.hardMin[i] > hq.maxSkew+1 {",
		Checks:  []Check{schedModel, schedTests},
	},
	{
		ID:      "sched-anti-affinity-one-allowed",
		Bug:     "required pod anti-affinity tolerates one matching pod in the domain",
		File:    "core/sched/schedule.go",
		Find:    "if c, ok := v.countAt(slot); ok && c > 0 {\n\t\t\tq.why = append(q.why, rPodAntiAffinity)",
		Replace: "if c, ok := v.countAt(slot); ok && c > 1 {\n\t\t\tq.why = append(q.why, rPodAntiAffinity)",
		Checks:  []Check{schedModel, schedTests},
	},
	{
		ID:      "sched-existing-anti-affinity-ignored",
		Bug:     "the anti-affinity of pods already placed is not checked (only the incoming pod's own)",
		File:    "core/sched/schedule.go",
		Find:    "for _, g := range sh.ls.antiGroups {",
		Replace: "for _, g := range sh.ls.antiGroups[:0] {",
		Checks:  []Check{schedModel, schedTests},
	},
	{
		ID:      "sched-volume-affinity-ignored",
		Bug:     "a bound PersistentVolume's node affinity does not constrain where its pods go",
		File:    "core/sched/schedule.go",
		Find:    "for _, f := range q.vol.filters {",
		Replace: "for _, f := range q.vol.filters[:0] {",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-unknown-node-ready",
		Bug:     "a node whose Ready condition is Unknown (unreachable) counts as ready",
		File:    "core/sched/nodes.go",
		Find:    "case c != nil && c.Status == api.ConditionTrue:\n\t\treturn api.Taint{}, false",
		Replace: "case c != nil && c.Status != api.ConditionFalse:\n\t\treturn api.Taint{}, false",
		Checks:  []Check{schedModel, simSeeds, schedTests},
	},
	{
		ID:      "sched-least-allocated-inverted",
		Bug:     "the least-allocated score rewards the fullest node (bin-packing instead of spreading)",
		File:    "core/sched/score.go",
		Find:    "return (alloc - req) * maxNodeScore / alloc",
		Replace: "return req * maxNodeScore / alloc",
		Checks:  []Check{schedModel, schedTests},
	},

	// ---- core/sched: the equivalence index (eqindex.go) -----------------
	{
		ID:      "sched-eqindex-leaf-not-recomputed",
		Bug:     "accounting a pod does not mark its node's leaf in the equivalence index dirty, so a run of pods keeps seeing the node as it was before the pod landed",
		File:    "core/sched/pods.go",
		Find:    "\ts.eq.touch(slot)\n\td := int64(sign)",
		Replace: "\td := int64(sign)",
		Checks:  []Check{schedTests, schedModel, simSeeds},
	},
	{
		ID:      "sched-eqindex-tie-goes-right",
		Bug:     "the equivalence index breaks a tie between equal scores towards the later node, where the node-by-node search keeps the first",
		File:    "core/sched/eqindex.go",
		Find:    "if b.best > a.best {\n\t\tr.best, r.at = b.best, b.at",
		Replace: "if b.best >= a.best && b.best >= 0 {\n\t\tr.best, r.at = b.best, b.at",
		Checks:  []Check{schedTests, schedModel, simSeeds},
	},
	{
		ID:      "sched-eqindex-kept-on-node-change",
		Bug:     "a change to a known node (resized, relabelled, tainted, cordoned) does not drop the equivalence index, which keeps answering from the node's old allocatable and class",
		File:    "core/sched/nodes.go",
		Find:    "\ts.eq.invalidate()\n\tif t.live[slot] {\n\t\ts.detachNode(slot)",
		Replace: "\tif t.live[slot] {\n\t\ts.detachNode(slot)",
		Checks:  []Check{schedTests, schedModel, simSeeds},
	},

	// ---- core/store: etcd semantics -------------------------------------
	{
		ID:      "store-update-ignores-resource-version",
		Bug:     "Update ignores the resourceVersion precondition: compare-and-swap becomes last-writer-wins",
		File:    "core/store/memory.go",
		Find:    "if err := checkResourceVersion(r.key, obj.GetObjectMeta().ResourceVersion, r.rev); err != nil {",
		Replace: "if err := checkResourceVersion(r.key, \"\", r.rev); err != nil {",
		Checks:  []Check{storeModel, storeTests},
	},
	{
		ID:      "store-delete-ignores-uid",
		Bug:     "Delete ignores the UID precondition, so a delete aimed at an old incarnation removes its successor",
		File:    "core/store/memory.go",
		Find:    "if pre.UID != \"\" && pre.UID != cur.GetObjectMeta().UID {",
		Replace: "if pre.UID != \"\" && pre.UID == \"\" {",
		Checks:  []Check{storeModel, storeTests},
	},
	{
		ID:      "store-watch-drops-event",
		Bug:     "a watcher's Poll skips the first pending event of every batch",
		File:    "core/store/watch.go",
		Find:    "for rev := from; rev <= m.rev && (limit <= 0 || len(out)-base < limit); rev++ {",
		Replace: "for rev := from + 1; rev <= m.rev && (limit <= 0 || len(out)-base < limit); rev++ {",
		Checks:  []Check{storeModel, storeTests},
	},
	{
		ID:      "store-create-overwrites",
		Bug:     "Create's existence check is inverted: it overwrites a live object and refuses to recreate a deleted one",
		File:    "core/store/memory.go",
		Find:    "if i >= 0 && m.recs.at(i).obj != nil {\n\t\treturn nil, newError(AlreadyExists",
		Replace: "if i >= 0 && m.recs.at(i).obj == nil {\n\t\treturn nil, newError(AlreadyExists",
		Checks:  []Check{storeModel, storeTests},
	},
	{
		ID:      "store-old-read-one-write-late",
		Bug:     "a read at an older revision walks one write too far back: at the revision of a key's write it sees the state before that write",
		File:    "core/store/memory.go",
		Find:    "for e.prevRev > rev {",
		Replace: "for e.prevRev >= rev {",
		Checks:  []Check{storeModel, storeTests},
	},
	{
		ID:      "store-prev-at-log-start-lost",
		Bug:     "the state before a write is looked for aside when the key's previous write is the log's first entry, not in it: after a compaction, an update of a key last written at the compaction revision reports no previous object",
		File:    "core/store/memory.go",
		Find:    "case e.prevRev >= m.logStart:",
		Replace: "case e.prevRev > m.logStart:",
		Checks:  []Check{storeModel, storeTests},
	},

	// ---- core/control: deployments and replica sets ----------------------
	{
		ID:      "deploy-max-surge-off-by-one",
		Bug:     "a rolling update may run maxSurge+1 pods above replicas",
		File:    "core/control/deployment_rollout.go",
		Find:    "maxTotal := want + maxSurge(d)",
		Replace: "maxTotal := want + maxSurge(d) + 1",
		Checks:  []Check{simSeeds, explore, controlTests},
	},
	{
		ID:      "deploy-max-unavailable-off-by-one",
		Bug:     "a rolling update scales old ReplicaSets down one pod below replicas - maxUnavailable",
		File:    "core/control/deployment_rollout.go",
		Find:    "minAvailable := replicasOf(p.d.Spec.Replicas) - maxUnavailable(p.d)\n\tvar avail int32",
		Replace: "minAvailable := replicasOf(p.d.Spec.Replicas) - maxUnavailable(p.d) - 1\n\tvar avail int32",
		Checks:  []Check{simSeeds, explore, controlTests},
	},
	{
		ID:      "deploy-surge-rounds-down",
		Bug:     "a percentage maxSurge rounds down instead of up (kube's fenceposts round surge up)",
		File:    "core/control/deployment_util.go",
		Find:    "s, _ := ms.ScaledValue(desired, true)",
		Replace: "s, _ := ms.ScaledValue(desired, false)",
		Checks:  []Check{simSeeds, controlTests, simTests},
	},
	{
		ID:      "rs-adopts-non-matching-orphans",
		Bug:     "a ReplicaSet adopts orphan pods carrying one of its selector's labels without checking the whole selector",
		File:    "core/control/replicaset_sync.go",
		Find:    "if _, orphan := orphans[d]; orphan && p.DeletionTimestamp == nil && rs.Spec.Selector.Matches(p.Labels) {",
		Replace: "if _, orphan := orphans[d]; orphan && p.DeletionTimestamp == nil {",
		Checks:  []Check{simSeeds, controlTests},
	},
	{
		ID:      "rs-keeps-relabelled-pods",
		Bug:     "a ReplicaSet keeps counting pods whose labels no longer match its selector instead of releasing them",
		File:    "core/control/replicaset_sync.go",
		Find:    "if rs.Spec.Selector.Matches(g.labels) {\n\t\t\tout = append(out, g.pods...)",
		Replace: "if true {\n\t\t\tout = append(out, g.pods...)",
		Checks:  []Check{simSeeds, controlTests},
	},
	{
		ID:      "rs-deletes-ready-pods-first",
		Bug:     "scaling down deletes ready pods before not-ready ones",
		File:    "core/control/replicaset_sync.go",
		Find:    "if ra != rb {\n\t\treturn !ra\n\t}",
		Replace: "if ra != rb {\n\t\treturn ra\n\t}",
		Checks:  []Check{simSeeds, controlTests, simTests},
	},
	{
		ID:      "rs-creates-one-too-many",
		Bug:     "a ReplicaSet short of pods creates one more than it lacks",
		File:    "core/control/replicaset_sync.go",
		Find:    "n := min(-diff, b, m.cfg.BurstReplicas)",
		Replace: "n := min(-diff+1, b, m.cfg.BurstReplicas)",
		Checks:  []Check{simSeeds, explore, controlTests},
	},
	{
		ID:      "rs-min-ready-seconds-ignored",
		Bug:     "a ready pod counts as available at once, ignoring minReadySeconds",
		File:    "core/control/replicaset_sync.go",
		Find:    "if !c.LastTransitionTime.IsZero() && at.Before(now) {",
		Replace: "if !c.LastTransitionTime.IsZero() {",
		Checks:  []Check{simSeeds, controlTests, simTests},
	},

	// ---- core/control: endpoints, volumes, eviction, GC -----------------
	{
		ID:      "endpoints-running-is-ready",
		Bug:     "Endpoints list every running pod as a ready address, ignoring its Ready condition",
		File:    "core/control/endpoints.go",
		Find:    "a := endpointAddr{ready: publish || podReady(p)}",
		Replace: "a := endpointAddr{ready: publish || p.Status.Phase == api.PodRunning}",
		Checks:  []Check{simSeeds, controlTests, simTests},
	},
	{
		ID:      "endpoints-keep-terminating-pods",
		Bug:     "Endpoints keep pods that are being deleted",
		File:    "core/control/endpoints.go",
		Find:    "if p.Status.PodIP == \"\" || podFinished(p) || (p.DeletionTimestamp != nil && !publish) {",
		Replace: "if p.Status.PodIP == \"\" || podFinished(p) {",
		Checks:  []Check{simSeeds, controlTests, simTests},
	},
	{
		ID:      "pv-binder-picks-largest",
		Bug:     "the volume binder picks the largest matching volume instead of the smallest",
		File:    "core/control/volumes.go",
		Find:    "if c := qa.Cmp(qb); c != 0 {\n\t\treturn c < 0",
		Replace: "if c := qa.Cmp(qb); c != 0 {\n\t\treturn c > 0",
		Checks:  []Check{controlTests, simTests},
	},
	{
		ID:      "pv-binder-ignores-access-modes",
		Bug:     "the volume binder binds a claim to a volume lacking the access modes it asks for",
		File:    "core/control/volumes.go",
		Find:    "if !slices.Contains(pv.Spec.AccessModes, mode) {",
		Replace: "if mode == \"\" && !slices.Contains(pv.Spec.AccessModes, mode) {",
		Checks:  []Check{controlTests, simTests},
	},
	{
		ID:      "pv-binder-ignores-capacity",
		Bug:     "the volume binder binds a claim to a volume smaller than it requests",
		File:    "core/control/volumes.go",
		Find:    "if !ok || have.Cmp(want) < 0 {",
		Replace: "if !ok || have.Cmp(want) < -1 {",
		Checks:  []Check{controlTests, simTests},
	},
	{
		ID:      "evict-uses-longest-toleration",
		Bug:     "a pod tolerating several NoExecute taints stays for the longest tolerationSeconds instead of the shortest",
		File:    "core/control/taint.go",
		Find:    "if forever || d < least {",
		Replace: "if forever || d > least {",
		Checks:  []Check{controlTests, simTests, simSeeds},
	},
	{
		ID:      "evict-default-toleration-forever",
		Bug:     "the default not-ready/unreachable toleration has no time limit, so pods on a dead node are never evicted or replaced",
		File:    "core/control/taint.go",
		Find:    "s := m.cfg.DefaultTolerationSeconds\n\t\t\tuse(&s)",
		Replace: "_ = m.cfg.DefaultTolerationSeconds",
		Checks:  []Check{simSeeds, explore, controlTests},
	},
	{
		ID:      "gc-owner-gone-counts-as-live",
		Bug:     "the garbage collector counts an owner that is gone as alive, so a background cascade never deletes the dependents",
		File:    "core/control/gc.go",
		Find:    "case ownerGone:\n\t\t\tgone++",
		Replace: "case ownerGone:\n\t\t\tsolid++",
		Checks:  []Check{simTests, controlTests, simSeeds},
	},

	// ---- core/node: the kubelet's machine --------------------------------
	{
		ID:      "node-backoff-never-doubles",
		Bug:     "the crash-loop back-off stays at 10s instead of doubling to 5m",
		File:    "core/node/backoff.go",
		Find:    "b.delay = min(2*b.delay, max)",
		Replace: "b.delay = min(b.delay, max)",
		Checks:  []Check{nodeTests, simTests},
	},
	{
		ID:      "node-backoff-never-resets",
		Bug:     "the back-off never resets, even after a container ran fine for 10 minutes",
		File:    "core/node/backoff.go",
		Find:    "return event-b.last > api.Time(2*max)",
		Replace: "return false",
		Checks:  []Check{nodeTests, simTests},
	},
	{
		ID:      "node-liveness-threshold-off-by-one",
		Bug:     "a liveness probe restarts the container after failureThreshold+1 failures",
		File:    "core/node/probes.go",
		Find:    "if !e.Success && s.failures >= failThr {\n\t\t\tm.probeKill(p, ci, ps, \"liveness\")",
		Replace: "if !e.Success && s.failures > failThr {\n\t\t\tm.probeKill(p, ci, ps, \"liveness\")",
		Checks:  []Check{nodeTests, simTests},
	},
	{
		ID:      "node-readiness-threshold-off-by-one",
		Bug:     "a container stays ready until failureThreshold+1 readiness failures",
		File:    "core/node/probes.go",
		Find:    "} else if !e.Success && s.failures >= failThr {\n\t\t\tc.ready = false",
		Replace: "} else if !e.Success && s.failures > failThr {\n\t\t\tc.ready = false",
		Checks:  []Check{nodeTests, simTests},
	},
	{
		ID:      "node-onfailure-restarts-success",
		Bug:     "restartPolicy OnFailure restarts containers that exited 0",
		File:    "core/node/containers.go",
		Find:    "return c.term.exitCode != 0 || c.restartAfterKill",
		Replace: "return true",
		Checks:  []Check{nodeTests, simTests, simSeeds},
	},

	// ---- core/api and core/registry: the API's rules --------------------
	{
		ID:      "api-node-name-mutable",
		Bug:     "update validation lets a bound pod's spec.nodeName change to another node",
		File:    "core/api/validation_update.go",
		Find:    "if o.Spec.NodeName != \"\" && n.Spec.NodeName != o.Spec.NodeName {",
		Replace: "if o.Spec.NodeName != \"\" && n.Spec.NodeName == \"\" {",
		Checks:  []Check{apiTests, registryTests},
	},
	{
		ID:      "api-notin-requires-key",
		Bug:     "a NotIn label selector requirement fails for objects that lack the key (kube: they match)",
		File:    "core/api/labels.go",
		Find:    "\tcase LabelSelectorOpIn:\n\t\treturn ok && contains(r.Values, v)\n\tcase LabelSelectorOpNotIn:\n\t\treturn !ok || !contains(r.Values, v)\n\tcase LabelSelectorOpExists:\n\t\treturn ok\n\tcase LabelSelectorOpDoesNotExist:\n\t\treturn !ok\n\t}\n\treturn false\n}\n\n// MatchesSet",
		Replace: "\tcase LabelSelectorOpIn:\n\t\treturn ok && contains(r.Values, v)\n\tcase LabelSelectorOpNotIn:\n\t\treturn ok && !contains(r.Values, v)\n\tcase LabelSelectorOpExists:\n\t\treturn ok\n\tcase LabelSelectorOpDoesNotExist:\n\t\treturn !ok\n\t}\n\treturn false\n}\n\n// MatchesSet",
		Checks:  []Check{apiTests, schedModel},
	},
	{
		ID:      "api-toleration-effect-required",
		Bug:     "a toleration with no effect tolerates nothing (kube: it tolerates every effect)",
		File:    "core/api/scheduling.go",
		Find:    "if t.Effect != \"\" && t.Effect != taint.Effect {",
		Replace: "if t.Effect != taint.Effect {",
		Checks:  []Check{schedModel, apiTests, schedTests},
	},
	{
		ID:      "registry-rebind-allowed",
		Bug:     "binding checks only that the pod is not already on the target node, so a bound pod can be bound again elsewhere",
		File:    "core/registry/lifecycle.go",
		Find:    "if c.Spec.NodeName != \"\" {\n\t\treturn nil, api.NewConflict(\"pods\", name, fmt.Errorf(\"pod %s is already assigned",
		Replace: "if c.Spec.NodeName == node {\n\t\treturn nil, api.NewConflict(\"pods\", name, fmt.Errorf(\"pod %s is already assigned",
		Checks:  []Check{simSeeds, registryTests},
	},
}
