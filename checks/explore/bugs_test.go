package explore

import (
	"flag"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/model"
)

// Bugs the explorer found in core/, each pinned by a shortest path to it
// (as TestExplore printed it) followed by the canonical schedule to
// quiescence, and kept as a regression test once fixed.
//
// A bug still open is listed in knownBugs: TestExplore and TestWalks only
// log its violations, its test is skipped (-explore.bugs runs it, failing)
// and TestKnownBugsReproduce checks that it still reproduces. When it is
// fixed TestKnownBugsReproduce fails to say so: drop it from knownBugs,
// and its test becomes a regression that fails if the bug comes back.
// docs/bugs.md has the ledger.

var flagBugs = flag.Bool("explore.bugs", false, "run the tests of known (open) bugs in core/ (they fail until fixed)")

// A bug is a known bug in core/: the test that pins it, the invariant it
// breaks (and a piece of the violation's message, if two bugs break one
// invariant), the configuration and the path that leads to it (then the
// canonical schedule).
type bug struct {
	test, invariant, match string
	cfg                    func() Config
	path                   string
}

// The paths: for the volume bugs and the eviction, the shortest path the
// breadth-first search found to a state breaking the invariant; for the
// collector, the shortest prefix after which the canonical schedule broke
// it, followed by that schedule's choices. A fix changes what the control
// plane writes, so a path may stop being enabled part of the way (settle
// logs where); the eviction's was found again after the node lifecycle
// controller's lease check moved to its 5s monitor period, so that it
// still leads to the taint manager deferred by the pod write in flight.
var (
	bugStrandedVolume = bug{"TestBugStrandedVolume", "VolumesSettle", "stranded", VolumeRace,
		"cp-deliver, cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-deliver, " +
			"cp-sync, cp-deliver, cp-sync, cp-deliver, cp-deliver, advance, cp-sync"}
	bugDanglingClaimRef = bug{"TestBugDanglingClaimRef", "VolumesSettle", "which is gone", ClaimDeleted,
		"cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, user, cp-sync, cp-deliver, advance, cp-sync"}
	bugGCWaitsWriteTimeout = bug{"TestBugGCWaitsWriteTimeout", "GarbageCollected", "", DeleteDuringCreate,
		"cp-deliver, cp-sync, user, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, " +
			"deliver n1, runtime n1, cp-deliver, cp-sync, deliver n1, cp-deliver, cp-sync, deliver n1, deliver n2, runtime n2, " +
			"cp-deliver, deliver n2, cp-deliver, cp-sync, deliver n2, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, " +
			"cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, advance, cp-sync"}
	bugForegroundWaitsWriteTimeout = bug{"TestBugForegroundWaitsWriteTimeout", "GarbageCollected", "", DeleteDuringRollout,
		"user, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, deliver n1, runtime n1, " +
			"deliver n2, runtime n2, cp-deliver, cp-sync, deliver n1, deliver n2, cp-deliver, cp-sync, deliver n1, deliver n2, " +
			"cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, " +
			"cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, advance, cp-sync"}
	bugEvictionWaitsWriteTimeout = bug{"TestBugEvictionWaitsWriteTimeout", "EvictedAtOnce", "", NodeCrash,
		"fault, advance, cp-deliver, advance, cp-deliver, advance, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, " +
			"cp-deliver, cp-sync"}
)

// knownBugs are the open bugs, per configuration: TestExplore and
// TestWalks only log their violations. None is open: EXP-1 to EXP-5 are
// fixed (docs/bugs.md). An open bug is entered as, e.g.,
// "volumes": {bugStrandedVolume}.
var knownBugs = map[string][]bug{}

// open reports whether b is a known, open bug.
func (b bug) open() bool {
	for _, bs := range knownBugs {
		for _, k := range bs {
			if k.test == b.test {
				return true
			}
		}
	}
	return false
}

// known returns the known bug of configuration cfg that v is, if any.
func known(cfg string, v model.Violation) (bug, bool) {
	for _, b := range knownBugs[cfg] {
		if b.invariant == v.Invariant && strings.Contains(v.Message, b.match) {
			return b, true
		}
	}
	return bug{}, false
}

// settle replays b's path in its configuration as far as its choices are
// enabled (a fix may change what the control plane writes, and so what
// comes next), runs the canonical schedule to quiescence and returns the
// violations on the way and at the end.
func (b bug) settle(t *testing.T) []model.Violation {
	t.Helper()
	cfg := b.cfg()
	cfg.setDefaults()
	p, err := ParsePath(b.path, cfg.NodeNames())
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorld(&cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	var found []model.Violation
	for i, c := range p {
		if !enabled(w, c) {
			t.Logf("choice %d (%s) is no longer enabled: the path diverges here", i+1, c.Describe(cfg.NodeNames()))
			break
		}
		w.Step(c)
		found = append(found, w.found...)
		found = append(found, w.CheckState()...)
	}
	_, more := w.complete(10000)
	return append(found, more...)
}

// run is a bug's test: it fails while the bug is there. An open bug's
// is skipped unless -explore.bugs; a fixed bug's always runs, as its
// regression test.
func (b bug) run(t *testing.T, why string) {
	if b.open() && !*flagBugs {
		t.Skip("core/ bug: " + why + " (-explore.bugs to run)")
	}
	if found := b.settle(t); len(found) > 0 {
		t.Errorf("%s", model.Describe(dedupe(found)))
		cfg := b.cfg()
		if p, err := ParsePath(b.path, cfg.NodeNames()); err == nil {
			if tr, err := Trace(cfg, p); err == nil {
				t.Logf("trace of the path (the canonical schedule follows):\n%s", tr)
			}
		}
	}
}

// dedupe drops repeated violations, keeping the first of each.
func dedupe(vs []model.Violation) []model.Violation {
	seen := map[string]bool{}
	var out []model.Violation
	for _, v := range vs {
		if !seen[v.String()] {
			seen[v.String()] = true
			out = append(out, v)
		}
	}
	return out
}

func enabled(w *World, c Choice) bool {
	for _, e := range w.Enabled() {
		if e == c {
			return true
		}
	}
	return false
}

// TestBugStrandedVolume (EXP-1, fixed): core/control's pvc-binder
// pre-bound a second volume to a claim, and the pv-binder never released
// the one the claim did not take. Fixed at both ends: a claim waits while
// a free volume that satisfies it is being written (volumeFor), and the
// pv-binder unbinds a volume whose claim is bound to another (syncVolume,
// requeued by the claim's events through the volumes-by-claimRef index).
//
// Claim a (1Gi); volumes small (1Gi) and big (2Gi). The pv-binder marks
// both Available (transition 4). The pvc-binder syncs claim a while
// small's status write has not come back: small is busy, so volumeFor
// picks big and writes big.claimRef=a (6). Small's event arrives (7) and,
// small being free again, requeues every pending claim; claim a syncs
// while big's claimRef has not come back: big is busy and skipped as if it
// were someone else's, small is free, so the binder writes
// small.claimRef=a too (8). volumeFor does not know that the busy volume
// is being bound to this very claim. Both claimRefs land (9, 10); the
// claim takes big, the first volume volumeFor meets that names it (11),
// and both go Bound (13).
// Small stays Available with claimRef=a forever: syncVolume sees a claim
// bound to another volume and does nothing, so no claim can ever take
// small (with a second claim b, b stays Pending next to a volume nobody
// uses: see the volumes configuration). Kubernetes' binder unbinds such a
// volume in syncVolume ("the controller tried to use this volume for a
// claim but the claim was fulfilled by another volume. We did this; fix
// it") and, besides, updates its cache with its own writes, so that its
// second sync finds big pre-bound to the claim.
func TestBugStrandedVolume(t *testing.T) {
	bugStrandedVolume.run(t, "core/control pvc-binder pre-binds two volumes to one claim on a lagging view; pv-binder never unbinds the stranded one")
}

// TestBugDanglingClaimRef (EXP-2, fixed): core/control's pv-binder never
// resynced a volume pre-bound to a claim deleted before the claim's
// volumeName was written. Fixed: a claim's events requeue every volume
// whose claimRef names it.
//
// Claim a and volume small. The pvc-binder writes small.claimRef=a
// (transition 5), which lands (6); the user deletes claim a (7) before the
// binder's second step (the claim's volumeName) is written, which then
// fails NotFound (8). The claim's Deleted event (9) requeues only the
// volume the claim's volumeName
// names, and it names none: small is never synced again and stays
// Available with a claimRef to a claim that is gone, forever, instead of
// Released (or deleted, under the Delete reclaim policy: a leak).
// Kubernetes' deleteClaim has the same gap and relies on its periodic
// resync of every volume; capstan's control plane has no resync, so the
// volume would need requeueing by claimRef.
func TestBugDanglingClaimRef(t *testing.T) {
	bugDanglingClaimRef.run(t, "core/control pv-binder: a volume pre-bound to a claim deleted before its volumeName was written is never released")
}

// The three tests below pin one bug of core/control's write pacing
// (EXP-3 to EXP-5, fixed; emit.go, busy): a controller that wants to write
// an object while another write to it is in flight waits, and busy said
// "the result's event requeues it"; but the event went only to the
// controllers that dispatch routes it to, and a status write of the ReplicaSet, Deployment
// or pod controllers is not routed to the garbage collector nor to the
// taint manager. These then wait for busy's fallback timer, WriteTimeout
// (1 minute): a deletion or eviction that should happen at once happens a
// minute late, in ordinary interleavings (another controller's status
// write to the same object in flight when the deletion is decided).
// Kubernetes' controllers retry through their work queues' rate limiter
// (milliseconds). Fixed: busy registers the controller it turns away as a
// waiter on the write in flight, requeued at once when the write's event
// or its failure arrives (settled), whoever made the write.

// TestBugGCWaitsWriteTimeout: a Deployment deleted (background, transition
// 3) just after its ReplicaSet was created (2). When the garbage collector
// learns the owner is gone (8, 9), the ReplicaSet controller's status
// write to the ReplicaSet (5) is in flight: the collector waits, the
// status event (14) does not wake it, and the ReplicaSet and its pods are
// deleted a minute later: at the end of the path nothing is left to do
// before that timer, and they are there, their owner gone.
func TestBugGCWaitsWriteTimeout(t *testing.T) {
	bugGCWaitsWriteTimeout.run(t, "core/control garbage collector deferred by an in-flight write waits WriteTimeout (1m) to delete dependents")
}

// TestBugForegroundWaitsWriteTimeout: a Deployment deleted in the
// foreground (transition 1) just as its rollout starts. Its dependents go
// (5 to 21), but the foregroundDeletion finalizers of the old ReplicaSet
// and of the Deployment are removed only a minute later: when the
// collector wanted to remove the ReplicaSet's, the ReplicaSet
// controller's status write to it (23) was in flight.
func TestBugForegroundWaitsWriteTimeout(t *testing.T) {
	bugForegroundWaitsWriteTimeout.run(t, "core/control garbage collector deferred by an in-flight write waits WriteTimeout (1m) to remove a foregroundDeletion finalizer")
}

// TestBugEvictionWaitsWriteTimeout: node n2 crashes (transition 1; pods
// get no default tolerations) and is marked unknown at the first monitor
// check after its grace period (6, 7). The node lifecycle controller
// writes n2's taints and, in the same sync, the Ready=False status of
// n2's pod (9); when the taint manager sees the taint (10, 11), that pod
// write is in flight: the manager waits; the pod's event (12) used to
// leave it waiting, and the pod, which tolerates nothing, was evicted a
// minute late ("at once", says syncTaints); it is evicted at 13 now.
func TestBugEvictionWaitsWriteTimeout(t *testing.T) {
	bugEvictionWaitsWriteTimeout.run(t, "core/control taint manager deferred by an in-flight pod write waits WriteTimeout (1m) to evict")
}

// The known (open) bugs are still there: each path, then the canonical
// schedule, breaks the invariant it names. When a bug is fixed this
// fails: drop it from knownBugs, and its test becomes a regression.
func TestKnownBugsReproduce(t *testing.T) {
	var open []bug
	seen := map[string]bool{}
	for _, cfg := range slices.Sorted(maps.Keys(knownBugs)) {
		for _, b := range knownBugs[cfg] {
			if !seen[b.test] {
				seen[b.test] = true
				open = append(open, b)
			}
		}
	}
	if len(open) == 0 {
		t.Skip("no open core/ bug is known to the explorer")
	}
	for _, b := range open {
		var hit *model.Violation
		for _, v := range b.settle(t) {
			if v.Invariant == b.invariant && strings.Contains(v.Message, b.match) {
				hit = &v
				break
			}
		}
		if hit == nil {
			t.Errorf("%s: no %s violation any more: fixed? unskip %s and drop it from knownBugs", b.cfg().Name, b.invariant, b.test)
			continue
		}
		t.Logf("%s still reproduces: %s", b.test, hit)
	}
}
