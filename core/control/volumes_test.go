package control

import (
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func pv(name, size string, policy string, node string) *api.PersistentVolume {
	v := &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PersistentVolumeSpec{
			Capacity:                      api.ResourceList{api.ResourceStorage: api.MustParseQuantity(size)},
			AccessModes:                   []string{api.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: policy,
			HostPath:                      &api.HostPathVolumeSource{Path: "/mnt/" + name},
		},
	}
	if node != "" {
		v.Spec.HostPath, v.Spec.Local = nil, &api.LocalVolumeSource{Path: "/mnt/" + name}
		v.Spec.NodeAffinity = &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{{Key: api.LabelHostname, Operator: api.LabelSelectorOpIn, Values: []string{node}}},
		}}}}
	}
	return v
}

func pvc(name, size string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce},
			Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParseQuantity(size)}}},
	}
}

func TestVolumeBindingSmallestMatchAndNodeAffinity(t *testing.T) {
	h := newHarness(t, Config{Seed: 60})
	h.addNode("n1", "4", "8Gi")
	h.addNode("n2", "4", "8Gi")
	h.create(pv("big", "100Gi", "", "n1"))
	h.create(pv("small-b", "10Gi", "", "n2"))
	h.create(pv("small-a", "10Gi", "", "n2"))
	h.create(pv("tiny", "1Gi", "", "n1"))
	// The pod comes first and waits for its claim.
	p := barePod("db", nil, "100m")
	p.Spec.Volumes = []api.Volume{{Name: "data", PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}
	h.create(p)
	h.settle()
	if c := podCondition(h.get("pods", "default", "db").(*api.Pod), api.PodScheduled); c == nil || c.Status != api.ConditionFalse {
		t.Fatalf("pod without its claim: %+v", c)
	}
	h.create(pvc("data", "5Gi"))
	h.settle()
	h.advance(2 * time.Second) // the pod's backoff
	c := h.get("persistentvolumeclaims", "default", "data").(*api.PersistentVolumeClaim)
	if c.Spec.VolumeName != "small-a" || c.Status.Phase != api.ClaimBound || c.Annotations[annBindCompleted] != "yes" {
		t.Fatalf("claim = %+v", c)
	}
	v := h.get("persistentvolumes", "", "small-a").(*api.PersistentVolume)
	if v.Status.Phase != api.VolumeBound || v.Spec.ClaimRef == nil || v.Spec.ClaimRef.UID != c.UID {
		t.Fatalf("volume = %+v", v)
	}
	if ph := h.get("persistentvolumes", "", "tiny").(*api.PersistentVolume).Status.Phase; ph != api.VolumeAvailable {
		t.Errorf("tiny phase %s", ph)
	}
	// The pod follows its volume to n2.
	if n := h.get("pods", "default", "db").(*api.Pod).Spec.NodeName; n != "n2" {
		t.Errorf("pod on %q, want n2 (the volume's node)", n)
	}
	// Deleting the claim releases the volume (Retain).
	h.del("pods", "default", "db", "")
	h.del("persistentvolumeclaims", "default", "data", "")
	h.settle()
	if ph := h.get("persistentvolumes", "", "small-a").(*api.PersistentVolume).Status.Phase; ph != api.VolumeReleased {
		t.Errorf("after the claim was deleted: %s, want Released", ph)
	}
}

func TestVolumeReclaimDelete(t *testing.T) {
	h := newHarness(t, Config{Seed: 61})
	h.create(pv("v", "10Gi", api.PersistentVolumeReclaimDelete, ""))
	h.create(pvc("c", "1Gi"))
	h.settle()
	if h.get("persistentvolumeclaims", "default", "c").(*api.PersistentVolumeClaim).Status.Phase != api.ClaimBound {
		t.Fatal("not bound")
	}
	h.del("persistentvolumeclaims", "default", "c", "")
	h.settle()
	if h.get("persistentvolumes", "", "v") != nil {
		t.Error("Delete-policy volume kept after its claim went")
	}
}

func TestVolumeNoMatchStaysPending(t *testing.T) {
	h := newHarness(t, Config{Seed: 62})
	ro := pv("ro", "10Gi", "", "")
	ro.Spec.AccessModes = []string{api.ReadOnlyMany}
	h.create(ro)
	h.create(pv("classy", "10Gi", "", ""))
	h.mutate("persistentvolumes", "", "classy", func(o api.Object) { o.(*api.PersistentVolume).Spec.StorageClassName = "fast" })
	h.create(pvc("c", "1Gi"))
	h.settle()
	if c := h.get("persistentvolumeclaims", "default", "c").(*api.PersistentVolumeClaim); c.Spec.VolumeName != "" {
		t.Errorf("bound to %s despite access mode/class mismatch", c.Spec.VolumeName)
	}
	// Two claims, one volume: exactly one wins.
	h.create(pv("one", "10Gi", "", ""))
	h.create(pvc("d", "1Gi"))
	h.settle()
	bound := 0
	for _, n := range []string{"c", "d"} {
		if h.get("persistentvolumeclaims", "default", n).(*api.PersistentVolumeClaim).Spec.VolumeName == "one" {
			bound++
		}
	}
	if bound != 1 {
		t.Errorf("%d claims bound to one volume", bound)
	}
}

// TestVolumeStrandedIsUnbound: a volume pre-bound to a claim that took
// another volume is released (kube's unbindVolume): its claimRef cleared
// when the binder set it, only the claimRef's uid when a user did. EXP-1
// in docs/bugs.md: such a volume used to stay Available with its claimRef
// forever, taken by nobody.
func TestVolumeStrandedIsUnbound(t *testing.T) {
	h := newHarness(t, Config{Seed: 63})
	h.create(pv("small", "1Gi", "", ""))
	h.create(pv("big", "2Gi", "", ""))
	h.create(pv("user", "2Gi", "", ""))
	h.create(pvc("a", "1Gi"))
	h.settle()
	c := h.get("persistentvolumeclaims", "default", "a").(*api.PersistentVolumeClaim)
	if c.Spec.VolumeName != "small" {
		t.Fatalf("claim a bound to %q, want small", c.Spec.VolumeName)
	}
	// What a lagging view (or a restart losing the writes in flight) can
	// leave: big pre-bound to a by the binder, user pre-bound to a by a
	// user, a bound to small.
	ref := &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: "a", UID: c.UID}
	h.mutate("persistentvolumes", "", "big", func(o api.Object) {
		v := o.(*api.PersistentVolume)
		v.Spec.ClaimRef = ref
		v.Annotations = map[string]string{annBoundByController: "yes"}
	})
	h.mutate("persistentvolumes", "", "user", func(o api.Object) { o.(*api.PersistentVolume).Spec.ClaimRef = ref })
	h.settle()
	big := h.get("persistentvolumes", "", "big").(*api.PersistentVolume)
	if big.Spec.ClaimRef != nil || big.Annotations[annBoundByController] != "" || big.Status.Phase != api.VolumeAvailable {
		t.Errorf("big: claimRef %+v, annotations %v, phase %s; want unbound and Available", big.Spec.ClaimRef, big.Annotations, big.Status.Phase)
	}
	user := h.get("persistentvolumes", "", "user").(*api.PersistentVolume)
	if r := user.Spec.ClaimRef; r == nil || r.Name != "a" || r.UID != "" {
		t.Errorf("user's pre-binding: claimRef %+v, want a without uid", r)
	}
	// big is free again: a second claim takes it.
	h.create(pvc("b", "2Gi"))
	h.settle()
	if v := h.get("persistentvolumeclaims", "default", "b").(*api.PersistentVolumeClaim).Spec.VolumeName; v != "big" {
		t.Errorf("claim b bound to %q, want big", v)
	}
}

// TestVolumeDanglingClaimRefReleased: a volume pre-bound to a claim that
// is deleted before the claim's volumeName is written is released (EXP-2
// in docs/bugs.md: the claim's deletion requeued only the volume its
// volumeName named, none, and the volume stayed Available with a claimRef
// to a claim that is gone).
func TestVolumeDanglingClaimRefReleased(t *testing.T) {
	h := newHarness(t, Config{Seed: 64})
	h.create(pv("v", "1Gi", "", ""))
	h.create(pv("gone", "1Gi", api.PersistentVolumeReclaimDelete, ""))
	h.fail = func(w Write) (api.StatusReason, bool) {
		return api.StatusReasonConflict, w.Op == OpUpdate && w.Kind() == "PersistentVolumeClaim"
	}
	h.create(pvc("a", "1Gi"))
	h.create(pvc("b", "1Gi"))
	h.settle()
	for _, name := range []string{"gone", "v"} {
		if r := h.get("persistentvolumes", "", name).(*api.PersistentVolume).Spec.ClaimRef; r == nil {
			t.Fatalf("volume %s not pre-bound", name)
		}
	}
	h.del("persistentvolumeclaims", "default", "a", "")
	h.del("persistentvolumeclaims", "default", "b", "")
	h.settle()
	if ph := h.get("persistentvolumes", "", "v").(*api.PersistentVolume).Status.Phase; ph != api.VolumeReleased {
		t.Errorf("v (Retain) is %s after its claim went, want Released", ph)
	}
	if h.get("persistentvolumes", "", "gone") != nil {
		t.Error("gone (Delete) kept after its claim went")
	}
}
