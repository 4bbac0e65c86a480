package sched

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// Each test builds a small cluster where one filter alone decides where
// the pod goes (without the filter, LeastAllocated would pick node "a",
// the biggest).

func TestFilterNodeResourcesFit(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "1", "64Gi"), mkNode("b", "4", "8Gi"), mkNode("c", "8", "1Gi"))
	mustSchedule(t, s, mkPod("cpu", "2", "2Gi"), "b")
	mustFail(t, s, mkPod("huge", "16", "1Gi"),
		"0/3 nodes are available: 3 Insufficient cpu.")
	// Both shortfalls of a node count, as in kube.
	mustFail(t, s, mkPod("both", "16", "128Gi"),
		"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.")
}

func TestFilterTooManyPods(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", allocatable(api.ResourcePods, "1")), mkNode("b", "1", "1Gi"))
	mustSchedule(t, s, mkPod("p1", "100m", ""), "a")
	mustSchedule(t, s, mkPod("p2", "100m", ""), "b")
	s2 := cluster(Config{}, mkNode("a", "8", "8Gi", allocatable(api.ResourcePods, "0")))
	mustFail(t, s2, mkPod("p", "", ""), "0/1 nodes are available: 1 Too many pods.")
}

func TestFilterExtendedResources(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi"), mkNode("b", "1", "1Gi", allocatable("example.com/gpu", "2")))
	mustSchedule(t, s, mkPod("gpu", "100m", "", request("example.com/gpu", "2")), "b")
	mustFail(t, s, mkPod("gpu2", "100m", "", request("example.com/gpu", "1")),
		"0/2 nodes are available: 2 Insufficient example.com/gpu.")
}

func TestFilterInitContainersRequestMax(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "2", "8Gi"), mkNode("b", "4", "1Gi"))
	p := mkPod("init", "500m", "")
	// Init containers run one at a time before the app containers: the
	// pod needs max(sum(containers), max(init)) = 3 cpu.
	p.Spec.InitContainers = []api.Container{{Name: "i", Resources: api.ResourceRequirements{
		Requests: api.ResourceList{api.ResourceCPU: api.MustParseQuantity("3")}}}}
	mustSchedule(t, s, p, "b")
}

func TestFilterNodeUnschedulable(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", cordoned), mkNode("b", "2", "2Gi"))
	mustSchedule(t, s, mkPod("p", "100m", ""), "b")
	mustSchedule(t, s, mkPod("tolerant", "100m", "",
		tolerate(api.TaintNodeUnschedulable, api.TolerationOpExists, "", api.TaintEffectNoSchedule)), "a")
	s2 := cluster(Config{}, mkNode("a", "8", "8Gi", cordoned))
	mustFail(t, s2, mkPod("p", "", ""), "0/1 nodes are available: 1 node(s) were unschedulable.")
}

func TestFilterNotReady(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", readiness(api.ConditionFalse)),
		mkNode("b", "8", "8Gi", readiness(api.ConditionUnknown)),
		mkNode("c", "2", "2Gi"))
	mustSchedule(t, s, mkPod("p", "100m", ""), "c")
	s.RemoveNode(mkNode("c", "2", "2Gi"))
	mustFail(t, s, mkPod("q", "100m", ""), "0/2 nodes are available: "+
		"1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, "+
		"1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.")
	// Readiness is a taint, so it can be tolerated, as in kube.
	mustSchedule(t, s, mkPod("ds", "100m", "",
		tolerate(api.TaintNodeNotReady, api.TolerationOpExists, "", "")), "a")
}

func TestFilterNodeSelectorAndAffinity(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", nodeLabels("disk", "hdd")),
		mkNode("b", "2", "2Gi", nodeLabels("disk", "ssd", "gen", "5")),
		mkNode("c", "2", "2Gi", nodeLabels("gen", "3")))
	mustSchedule(t, s, mkPod("sel", "100m", "", nodeSelector("disk", "ssd")), "b")
	mustSchedule(t, s, mkPod("aff", "100m", "", requiredNodeAffinity("gen", api.NodeSelectorOpLt, "4")), "c")
	mustSchedule(t, s, mkPod("host", "100m", "", requiredNodeAffinity(api.LabelHostname, api.LabelSelectorOpIn, "c")), "c")
	mustFail(t, s, mkPod("none", "100m", "", nodeSelector("disk", "nvme")),
		"0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
}

func TestFilterTaintToleration(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", taint("dedicated", "gpu", api.TaintEffectNoSchedule)),
		mkNode("b", "8", "8Gi", taint("evict", "", api.TaintEffectNoExecute)),
		mkNode("c", "2", "2Gi", taint("soft", "", api.TaintEffectPreferNoSchedule)))
	mustSchedule(t, s, mkPod("p", "100m", ""), "c")
	mustSchedule(t, s, mkPod("gpu", "100m", "", tolerate("dedicated", "", "gpu", api.TaintEffectNoSchedule)), "a")
	mustSchedule(t, s, mkPod("evict", "100m", "", tolerate("evict", api.TolerationOpExists, "", "")), "b")
	// A toleration for the wrong value does not tolerate.
	mustFail(t, s, mkPod("wrong", "4", "", tolerate("dedicated", "", "fpga", "")), "0/3 nodes are available: "+
		"1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {evict: }.")
}

func TestFilterPodAntiAffinityIncoming(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z1")), mkNode("c", "2", "2Gi", zone("z2")))
	s.AddPod(mkPod("web-0", "100m", "", podLabels("app", "web"), onNode("a")))
	mustSchedule(t, s, mkPod("host", "100m", "", antiAffinity(api.LabelHostname, sel("app", "web"))), "b")
	mustSchedule(t, s, mkPod("zone", "100m", "", antiAffinity(api.LabelTopologyZone, sel("app", "web"))), "c")
	// Other namespaces do not count: the term defaults to the pod's own.
	p := mkPod("other-ns", "100m", "", antiAffinity(api.LabelHostname, sel("app", "web")))
	p.Namespace = "other"
	mustSchedule(t, s, p, "a")
}

func TestFilterPodAntiAffinityExisting(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z1")), mkNode("c", "2", "2Gi", zone("z2")))
	s.AddPod(mkPod("lonely", "100m", "", onNode("a"), antiAffinity(api.LabelTopologyZone, sel("app", "db"))))
	mustSchedule(t, s, mkPod("db", "100m", "", podLabels("app", "db")), "c")
	mustSchedule(t, s, mkPod("web", "100m", "", podLabels("app", "web")), "a")
	s.RemoveNode(mkNode("c", "2", "2Gi"))
	mustFail(t, s, mkPod("db2", "100m", "", podLabels("app", "db")),
		"0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules.")
}

func TestFilterPodAffinity(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z2")), mkNode("c", "2", "2Gi", zone("z2")))
	// No cache pod anywhere, and the pod does not match itself: nowhere.
	mustFail(t, s, mkPod("web", "100m", "", podAffinity(api.LabelTopologyZone, sel("app", "cache"))),
		"0/3 nodes are available: 3 node(s) didn't match pod affinity rules.")
	// The first pod of a self-attracting group may go anywhere.
	mustSchedule(t, s, mkPod("cache-0", "100m", "", podLabels("app", "cache"),
		podAffinity(api.LabelTopologyZone, sel("app", "cache"))), "a")
	s.RemovePod(mkPod("cache-0", "", ""))
	s.AddPod(mkPod("cache-1", "100m", "", podLabels("app", "cache"), onNode("c")))
	mustSchedule(t, s, mkPod("web2", "100m", "", podAffinity(api.LabelTopologyZone, sel("app", "cache"))), "b")
	mustSchedule(t, s, mkPod("web3", "100m", "", podAffinity(api.LabelHostname, sel("app", "cache"))), "c")
}

func TestFilterTopologySpread(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z2")), mkNode("c", "2", "2Gi", zone("z2")))
	s.AddPod(mkPod("web-0", "100m", "", podLabels("app", "web"), onNode("a")))
	c := spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", "web"))
	// z1 has 1, z2 has 0: a third pod in z1 would make skew 2.
	mustSchedule(t, s, mkPod("web-1", "100m", "", podLabels("app", "web"), c), "b")
	mustSchedule(t, s, mkPod("web-2", "100m", "", podLabels("app", "web"), c), "a")
	// A node without the key fails with kube's "missing required label".
	s.AddNode(mkNode("d", "16", "16Gi"))
	r := s.Schedule(mkPod("web-3", "100m", "", podLabels("app", "web"), c))
	if r.Node == "d" || r.Status != Scheduled {
		t.Fatalf("web-3 went to %q (%v)", r.Node, r.Status)
	}
	full := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z2")), mkNode("d", "8", "8Gi"))
	full.AddPod(mkPod("web-0", "100m", "", podLabels("app", "web"), onNode("a")))
	mustFail(t, full, mkPod("web-1", "4", "", podLabels("app", "web"), c), "0/3 nodes are available: "+
		"1 Insufficient cpu, 1 node(s) didn't match pod topology spread constraints, "+
		"1 node(s) didn't match pod topology spread constraints (missing required label).")
}

func TestFilterTopologySpreadHonoursNodeAffinity(t *testing.T) {
	// Zone z3 has no node the pod may use, so it is not a domain: the
	// minimum is over z1 and z2 only (1), as kube computes it. Counting
	// z3 (0 pods) would make every allowed node exceed maxSkew.
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", zone("z1"), nodeLabels("pool", "web")),
		mkNode("b", "2", "2Gi", zone("z2"), nodeLabels("pool", "web")),
		mkNode("c", "2", "2Gi", zone("z3")))
	s.AddPod(mkPod("web-0", "100m", "", podLabels("app", "web"), onNode("a")))
	s.AddPod(mkPod("web-1", "100m", "", podLabels("app", "web"), onNode("b")))
	c := spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", "web"))
	mustSchedule(t, s, mkPod("web-2", "100m", "", podLabels("app", "web"), nodeSelector("pool", "web"), c), "a")
	// Without the selector z3 is a domain with 0 pods: only c fits.
	mustSchedule(t, s, mkPod("web-3", "100m", "", podLabels("app", "web"), c), "c")
}

func TestFilterVolumeNodeAffinity(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "2", "2Gi"), mkNode("c", "2", "2Gi"))
	s.AddPV(&api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "pv-c"}, Spec: api.PersistentVolumeSpec{
		NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{{Key: api.LabelHostname, Operator: api.LabelSelectorOpIn, Values: []string{"c"}}},
		}}}},
	}})
	s.AddPVC(&api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: "data", Namespace: "default"}, Spec: api.PersistentVolumeClaimSpec{VolumeName: "pv-c"}})
	s.AddPVC(&api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: "pending", Namespace: "default"}})
	s.AddPVC(&api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: "lost", Namespace: "default"}, Spec: api.PersistentVolumeClaimSpec{VolumeName: "gone"}})
	mustSchedule(t, s, mkPod("db", "100m", "", claim("data")), "c")
	mustFail(t, s, mkPod("big", "4", "", claim("data")),
		"0/3 nodes are available: 1 node(s) had volume node affinity conflict, 2 Insufficient cpu.")
	mustFail(t, s, mkPod("wait", "100m", "", claim("pending")),
		"0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.")
	mustFail(t, s, mkPod("nope", "100m", "", claim("missing")),
		`0/3 nodes are available: persistentvolumeclaim "missing" not found.`)
	mustFail(t, s, mkPod("lost", "100m", "", claim("lost")),
		"0/3 nodes are available: 3 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).")
}

func TestPresetNodeNameIsNotScheduled(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi"))
	r := s.Schedule(mkPod("p", "100m", "", onNode("b")))
	if r.Status != AlreadyBound || r.Node != "b" || s.NumPods() != 0 {
		t.Fatalf("got %+v, %d pods", r, s.NumPods())
	}
}

func TestNoNodes(t *testing.T) {
	r := New(Config{}).Schedule(mkPod("p", "", ""))
	if r.Status != Unschedulable || r.Message() != "no nodes available to schedule pods" {
		t.Fatalf("got %v %q", r.Status, r.Message())
	}
}

func TestFilterTopologySpreadMinDomainsAndMatchLabelKeys(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "2", "2Gi", zone("z2")))
	s.AddPod(mkPod("w0", "100m", "", podLabels("app", "web"), onNode("a")))
	s.AddPod(mkPod("w1", "100m", "", podLabels("app", "web"), onNode("b")))
	// Two domains, minDomains 3: the global minimum counts as 0, so no
	// domain may reach 2 (skew = count + 1 - 0 > 1).
	three := int32(3)
	p := mkPod("w2", "100m", "", podLabels("app", "web"), spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", "web")))
	p.Spec.TopologySpreadConstraints[0].MinDomains = &three
	mustFail(t, s, p, "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.")
	// matchLabelKeys narrows the selector to the pod's own revision: the
	// old revision's pods no longer count.
	q := mkPod("v2-0", "100m", "", podLabels("app", "web", "rev", "2"), spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", "web")))
	q.Spec.TopologySpreadConstraints[0].MatchLabelKeys = []string{"rev"}
	s.AddPod(mkPod("w3", "100m", "", podLabels("app", "web", "rev", "1"), onNode("a")))
	mustSchedule(t, s, q, "a")
}
