package sched

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// Each test builds a cluster where one scorer alone decides among
// feasible nodes.

func TestScoreLeastAllocated(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "4", "4Gi"), mkNode("b", "4", "4Gi"))
	s.AddPod(mkPod("busy", "3", "3Gi", onNode("a")))
	mustSchedule(t, s, mkPod("p", "500m", "512Mi"), "b")
}

func TestScoreMostAllocated(t *testing.T) {
	s := cluster(Config{Strategy: MostAllocated}, mkNode("a", "4", "4Gi"), mkNode("b", "4", "4Gi"))
	s.AddPod(mkPod("busy", "3", "3Gi", onNode("b")))
	mustSchedule(t, s, mkPod("p", "500m", "512Mi"), "b")
	// Bin-packing: the next one goes there too while it fits.
	mustSchedule(t, s, mkPod("q", "500m", "512Mi"), "b")
	mustSchedule(t, s, mkPod("r", "500m", "512Mi"), "a")
}

func TestScoreBalancedAllocation(t *testing.T) {
	// On a, the pod leaves cpu at 50% and memory at 50%; on b cpu at 50%
	// and memory at ~6%: a is balanced.
	s := cluster(Config{Strategy: BalancedAllocation}, mkNode("a", "2", "2Gi"), mkNode("b", "2", "16Gi"))
	mustSchedule(t, s, mkPod("p", "1", "1Gi"), "a")
	// LeastAllocated would pick b, the one with more free memory.
	s2 := cluster(Config{}, mkNode("a", "2", "2Gi"), mkNode("b", "2", "16Gi"))
	mustSchedule(t, s2, mkPod("p", "1", "1Gi"), "b")
}

func TestScoreTaintToleration(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "8", "8Gi", taint("spot", "true", api.TaintEffectPreferNoSchedule)),
		mkNode("b", "4", "4Gi"))
	mustSchedule(t, s, mkPod("p", "100m", ""), "b")
	mustSchedule(t, s, mkPod("spot-ok", "100m", "",
		tolerate("spot", api.TolerationOpEqual, "true", api.TaintEffectPreferNoSchedule)), "a")
}

func TestScoreNodeAffinityPreferred(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "4", "4Gi", nodeLabels("disk", "ssd")))
	mustSchedule(t, s, mkPod("p", "100m", "", preferredNodeAffinity(50, "disk", api.LabelSelectorOpIn, "ssd")), "b")
	mustSchedule(t, s, mkPod("q", "100m", ""), "a")
}

func TestScoreInterPodAffinityPreferred(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "4", "4Gi"))
	s.AddPod(mkPod("cache", "100m", "", podLabels("app", "cache"), onNode("b")))
	mustSchedule(t, s, mkPod("near", "100m", "", preferredPodAffinity(80, api.LabelHostname, sel("app", "cache"))), "b")
	s2 := cluster(Config{}, mkNode("a", "4", "4Gi"), mkNode("b", "8", "8Gi"))
	s2.AddPod(mkPod("noisy", "100m", "", podLabels("app", "noisy"), onNode("b")))
	mustSchedule(t, s2, mkPod("far", "100m", "", preferredAntiAffinity(80, api.LabelHostname, sel("app", "noisy"))), "a")
}

func TestScoreInterPodAffinitySymmetric(t *testing.T) {
	// A placed pod's preferred affinity attracts pods it selects.
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "4", "4Gi"))
	s.AddPod(mkPod("web", "100m", "", onNode("b"), preferredPodAffinity(100, api.LabelHostname, sel("app", "cache"))))
	mustSchedule(t, s, mkPod("cache", "100m", "", podLabels("app", "cache")), "b")
	// ...and its preferred anti-affinity repels them.
	s2 := cluster(Config{}, mkNode("a", "4", "4Gi"), mkNode("b", "8", "8Gi"))
	s2.AddPod(mkPod("web", "100m", "", onNode("b"), preferredAntiAffinity(100, api.LabelHostname, sel("app", "batch"))))
	mustSchedule(t, s2, mkPod("batch", "100m", "", podLabels("app", "batch")), "a")
}

func TestScoreTopologySpreadScheduleAnyway(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "4", "4Gi", zone("z2")))
	s.AddPod(mkPod("web-0", "100m", "", podLabels("app", "web"), onNode("a")))
	c := spread(1, api.LabelTopologyZone, api.ScheduleAnyway, sel("app", "web"))
	mustSchedule(t, s, mkPod("web-1", "100m", "", podLabels("app", "web"), c), "b")
	// ScheduleAnyway never filters: with b full, the pod still goes to a.
	s.AddPod(mkPod("hog", "3800m", "", onNode("b")))
	mustSchedule(t, s, mkPod("web-2", "500m", "", podLabels("app", "web"), c), "a")
}

func TestScoreWeights(t *testing.T) {
	// With the resource scorer weighted up, it outvotes node affinity.
	pod := func() *api.Pod {
		return mkPod("p", "100m", "", preferredNodeAffinity(1, "disk", api.LabelSelectorOpIn, "ssd"))
	}
	nodes := func() []*api.Node {
		return []*api.Node{mkNode("a", "64", "64Gi"), mkNode("b", "1", "1Gi", nodeLabels("disk", "ssd"))}
	}
	mustSchedule(t, cluster(Config{}, nodes()...), pod(), "b")
	w := DefaultWeights()
	w.Resources = 20
	mustSchedule(t, cluster(Config{Weights: w}, nodes()...), pod(), "a")
}

func TestScoreNodeAffinityPreferredHostname(t *testing.T) {
	// A term on the hostname is evaluated per node, not per class.
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "4", "4Gi"), mkNode("c", "4", "4Gi"))
	mustSchedule(t, s, mkPod("p", "100m", "", preferredNodeAffinity(10, api.LabelHostname, api.LabelSelectorOpIn, "c")), "c")
}

func TestScoreExistingRequiredAffinityAttracts(t *testing.T) {
	// kube scores a placed pod's required affinity terms that select the
	// incoming pod at hardPodAffinityWeight (1).
	s := cluster(Config{}, mkNode("a", "8", "8Gi"), mkNode("b", "8", "8Gi"))
	s.AddPod(mkPod("web", "", "", onNode("b"), podAffinity(api.LabelHostname, sel("app", "cache"))))
	mustSchedule(t, s, mkPod("cache", "", "", podLabels("app", "cache")), "b")
}
