package explore

import (
	"flag"
	"testing"

	"github.com/capstan-dev/capstan/model"
)

// Bugs the explorer found in core/, each pinned by the shortest path to it
// (as TestExplore printed it). The tests are skipped until the bug is
// fixed: run them with -explore.bugs to see each fail. A fixed bug makes
// its test pass (unskip it then, and give its configuration its liveness
// back in TestExplore's knownBugs).

var flagBugs = flag.Bool("explore.bugs", false, "run the tests of known bugs in core/ (they fail until fixed)")

// knownBugs are the configurations whose liveness check is off in
// TestExplore because of a known bug, and the test that pins it.
var knownBugs = map[string]string{
	"volumes":          "TestBugStrandedVolume",
	"volumes-recreate": "TestBugStrandedVolume, TestBugDanglingClaimRef",
	"volume-race":      "TestBugStrandedVolume",
	"claim-deleted":    "TestBugDanglingClaimRef",
}

// requireSettles replays path in cfg as far as its choices are enabled
// (a fix may change what the control plane writes, and so what comes
// next), runs the canonical schedule to quiescence and requires no
// violation on the way nor at the end.
func requireSettles(t *testing.T, cfg Config, path string) {
	t.Helper()
	cfg.setDefaults()
	p, err := ParsePath(path, cfg.NodeNames())
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorld(&cfg, true)
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
	}
	for {
		c, ok := w.canonical(cfg.Horizon)
		if !ok {
			break
		}
		w.Step(c)
		found = append(found, w.found...)
	}
	found = append(found, w.CheckState()...)
	if len(found) > 0 {
		t.Errorf("%s", model.Describe(found))
		if tr, err := Trace(cfg, p); err == nil {
			t.Logf("trace of the path:\n%s", tr)
		}
	}
}

func enabled(w *World, c Choice) bool {
	for _, e := range w.Enabled() {
		if e == c {
			return true
		}
	}
	return false
}

// TestBugStrandedVolume: core/control's pvc-binder pre-binds a second
// volume to a claim, and the pv-binder never releases the one the claim
// does not take.
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
// claim takes big, the first one volumeFor meets that names it (11), and
// both go Bound (13). Small stays Available with claimRef=a forever:
// syncVolume sees a claim bound to another volume and does nothing, so no
// claim can ever take small (with a second claim b, b stays Pending next
// to a free volume: see the volumes configuration). Kubernetes' binder
// unbinds such a volume in syncVolume ("the controller tried to use this
// volume for a claim but the claim was fulfilled by another volume. We did
// this; fix it") and, besides, updates its cache with its own writes so
// that the second sync finds big pre-bound to the claim.
func TestBugStrandedVolume(t *testing.T) {
	if !*flagBugs {
		t.Skip("core/control bug: pvc-binder pre-binds two volumes to one claim on a lagging view; pv-binder never unbinds the stranded one (-explore.bugs to run)")
	}
	requireSettles(t, VolumeRace(), "cp-deliver, cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, "+
		"cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-deliver, cp-sync")
}

// TestBugDanglingClaimRef: core/control's pv-binder never resyncs a
// volume pre-bound to a claim that is deleted before the claim's
// volumeName was written.
//
// Claim a and volume small. The pvc-binder writes small.claimRef=a
// (transition 5), which lands (6); the user deletes claim a (7) before the
// binder's second step (the claim's volumeName) is written, which then
// fails NotFound (8). The claim's Deleted event (9) requeues only the
// volume the claim's volumeName names, and it names none: small is never
// synced again and stays Available with a claimRef to a claim that is
// gone, forever, instead of Released (or deleted, under the Delete
// reclaim policy: a leak). Kubernetes' deleteClaim has the same gap and
// relies on its periodic resync of every volume; capstan's control plane
// has no resync, so the volume would need requeueing by claimRef.
func TestBugDanglingClaimRef(t *testing.T) {
	if !*flagBugs {
		t.Skip("core/control bug: a volume pre-bound to a claim deleted before its volumeName was written is never released (-explore.bugs to run)")
	}
	requireSettles(t, ClaimDeleted(), "cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, user, cp-sync, cp-deliver, advance, cp-sync")
}

// The known bugs are still there: their paths end in the violation they
// name (when one is fixed, this fails: unskip its test).
func TestKnownBugsReproduce(t *testing.T) {
	for _, x := range []struct {
		cfg       Config
		path, bug string
	}{
		{VolumeRace(), "cp-deliver, cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-sync, " +
			"cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, cp-deliver, cp-sync", "TestBugStrandedVolume"},
		{ClaimDeleted(), "cp-deliver, cp-deliver, cp-sync, cp-deliver, cp-sync, cp-deliver, user, cp-sync, cp-deliver, advance, cp-sync", "TestBugDanglingClaimRef"},
	} {
		p, err := ParsePath(x.path, x.cfg.NodeNames())
		if err != nil {
			t.Fatal(err)
		}
		w, err := Replay(x.cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(w.Enabled()); n != 0 {
			t.Errorf("%s: the path no longer ends at a leaf (%d choices left): fixed? unskip %s", x.cfg.Name, n, x.bug)
			continue
		}
		vs := VolumesSettle(w.Snapshot())
		if len(vs) == 0 {
			t.Errorf("%s: no VolumesSettle violation at the end of the path: fixed? unskip %s", x.cfg.Name, x.bug)
			continue
		}
		t.Logf("%s still reproduces: %s", x.bug, vs[0])
	}
}
