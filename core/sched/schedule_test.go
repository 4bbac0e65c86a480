package sched

import (
	"fmt"
	"slices"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// kube-scheduler's FitError sorts the "count reason" strings, so "2 node(s)
// had untolerated taint" comes before "3 Insufficient cpu".
func TestUnschedulableMessageMixed(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "1", "1Gi"), mkNode("b", "1", "1Gi"), mkNode("c", "1", "1Gi"),
		mkNode("gpu-0", "16", "64Gi", taint("dedicated", "gpu", api.TaintEffectNoSchedule)),
		mkNode("gpu-1", "16", "64Gi", taint("dedicated", "gpu", api.TaintEffectNoSchedule)))
	r := mustFail(t, s, mkPod("p", "2", ""),
		"0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu.")
	want := []Failure{
		{FilterTaintToleration, "node(s) had untolerated taint {dedicated: gpu}", 2},
		{FilterNodeResourcesFit, "Insufficient cpu", 3},
	}
	if !slices.Equal(r.Failures, want) || r.Evaluated != 5 || r.Feasible != 0 || r.NumNodes != 5 {
		t.Fatalf("got %+v", r)
	}
	c := r.Condition()
	if c.Type != api.PodScheduled || c.Status != api.ConditionFalse || c.Reason != api.PodReasonUnschedulable || c.Message != r.Message() {
		t.Fatalf("condition %+v", c)
	}
	// Counts sort as strings too: "10 ..." before "2 ...".
	got := s.failures([]failCount{{rInsufficientCPU, 2}, {rUnschedulable, 10}})
	if got[0].Nodes != 10 {
		t.Fatalf("failures not in string order: %+v", got)
	}
}

func TestSamePassSeesEarlierPods(t *testing.T) {
	t.Run("resources", func(t *testing.T) {
		s := cluster(Config{}, mkNode("a", "2", "2Gi"))
		mustSchedule(t, s, mkPod("p1", "1500m", ""), "a")
		mustFail(t, s, mkPod("p2", "1500m", ""), "0/1 nodes are available: 1 Insufficient cpu.")
	})
	t.Run("anti-affinity", func(t *testing.T) {
		s := cluster(Config{}, mkNode("a", "4", "4Gi"), mkNode("b", "4", "4Gi"))
		web := func(name string) *api.Pod {
			return mkPod(name, "100m", "", podLabels("app", "web"), antiAffinity(api.LabelHostname, sel("app", "web")))
		}
		r1, r2 := s.Schedule(web("w1")), s.Schedule(web("w2"))
		if r1.Node == r2.Node || r1.Status != Scheduled || r2.Status != Scheduled {
			t.Fatalf("w1 on %q, w2 on %q", r1.Node, r2.Node)
		}
		mustFail(t, s, web("w3"), "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.")
	})
	t.Run("spread", func(t *testing.T) {
		s := cluster(Config{}, mkNode("a", "8", "8Gi", zone("z1")), mkNode("b", "4", "4Gi", zone("z2")), mkNode("c", "2", "2Gi", zone("z3")))
		perZone := map[string]int{}
		for i := 0; i < 6; i++ {
			r := s.Schedule(mkPod(fmt.Sprint("w", i), "100m", "", podLabels("app", "web"),
				spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", "web"))))
			perZone[r.Node]++
		}
		if perZone["a"] != 2 || perZone["b"] != 2 || perZone["c"] != 2 {
			t.Fatalf("spread %v", perZone)
		}
	})
}

// bigCluster makes n nodes in 3 zones, some tainted, in the given order.
func bigCluster(cfg Config, n int, order func([]*api.Node)) *Scheduler {
	nodes := make([]*api.Node, n)
	for i := range nodes {
		opts := []nodeOpt{zone(fmt.Sprint("z", i%3))}
		if i%10 == 0 {
			opts = append(opts, taint("dedicated", "gpu", api.TaintEffectNoSchedule))
		}
		nodes[i] = mkNode(fmt.Sprintf("node-%04d", i), fmt.Sprint(2+i%4*2), fmt.Sprint(4+i%3*4, "Gi"), opts...)
	}
	if order != nil {
		order(nodes)
	}
	return cluster(cfg, nodes...)
}

func bindings(s *Scheduler, pods int) []string {
	var out []string
	for i := 0; i < pods; i++ {
		app := fmt.Sprint("app", i%7)
		opts := []podOpt{podLabels("app", app)}
		switch i % 5 {
		case 0:
			opts = append(opts, antiAffinity(api.LabelHostname, sel("app", app)))
		case 1:
			opts = append(opts, spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", app)))
		}
		r := s.Schedule(mkPod(fmt.Sprint("p", i), fmt.Sprint(100+i%9*100, "m"), "256Mi", opts...))
		out = append(out, r.Node)
	}
	return out
}

func TestDeterminism(t *testing.T) {
	a := bindings(bigCluster(Config{}, 300, nil), 2000)
	b := bindings(bigCluster(Config{}, 300, nil), 2000)
	if !slices.Equal(a, b) {
		t.Fatal("same inputs, different bindings")
	}
	c := bindings(bigCluster(Config{}, 300, func(ns []*api.Node) {
		slices.Reverse(ns)
		for i := 0; i+7 < len(ns); i += 7 {
			ns[i], ns[i+7] = ns[i+7], ns[i]
		}
	}), 2000)
	if !slices.Equal(a, c) {
		t.Fatal("nodes inserted in another order, different bindings")
	}
}

func TestSamplingAdaptive(t *testing.T) {
	s := bigCluster(Config{}, 1000, nil)
	// 1000 nodes: 50 - 1000/125 = 42% → look for 420 feasible nodes.
	if got := s.numFeasibleNodesToFind(1000); got != 420 {
		t.Fatalf("numFeasibleNodesToFind(1000) = %d", got)
	}
	r := s.Schedule(mkPod("p0", "1", "1Gi"))
	// Every 10th node is tainted: 420 feasible need 467 evaluated.
	if r.Status != Scheduled || r.Feasible != 420 || r.Evaluated != 467 || r.Evaluated >= 1000 {
		t.Fatalf("got %+v", r)
	}
	if s.next != 467 {
		t.Fatalf("start index %d, want 467", s.next)
	}
	n := s.nodes.byName[r.Node]
	if s.nodes.hot[n].reqCPU != 1000 {
		t.Fatal("pod not assumed on its node")
	}
	r2 := s.Schedule(mkPod("p1", "1", "1Gi"))
	if s.next != (467+r2.Evaluated)%1000 {
		t.Fatalf("start index %d after %d more", s.next, r2.Evaluated)
	}
	// The second search started where the first stopped.
	if r2.Node <= "node-0466" {
		t.Fatalf("p1 on %s, before the rotated start", r2.Node)
	}
	// Small clusters, fixed percentages.
	for _, c := range []struct{ pct, n, want int }{{0, 50, 50}, {0, 5000, 500}, {0, 10000, 500}, {0, 100000, 5000}, {100, 5000, 5000}, {1, 5000, 100}, {30, 1000, 300}} {
		s := New(Config{PercentageOfNodesToScore: int32(c.pct)})
		if got := s.numFeasibleNodesToFind(c.n); got != c.want {
			t.Errorf("pct %d, %d nodes: %d, want %d", c.pct, c.n, got, c.want)
		}
	}
}

func TestForgetAndConfirm(t *testing.T) {
	s := cluster(Config{}, mkNode("a", "1", "1Gi"))
	p := mkPod("p", "800m", "")
	mustSchedule(t, s, p, "a")
	if !s.Forget(p) {
		t.Fatal("Forget of an assumed pod did nothing")
	}
	mustSchedule(t, s, p, "a")
	bound := mkPod("p", "800m", "", onNode("a"))
	s.UpdatePod(bound) // the store confirms the binding
	if s.Forget(p) {
		t.Fatal("Forget of a confirmed pod acted")
	}
	mustFail(t, s, mkPod("q", "800m", ""), "0/1 nodes are available: 1 Insufficient cpu.")
	s.UpdatePod(bound) // idempotent
	if err := checkAccounting(s); err != nil {
		t.Fatal(err)
	}
	// A finished pod frees its resources.
	done := mkPod("p", "800m", "", onNode("a"))
	done.Status.Phase = api.PodSucceeded
	s.UpdatePod(done)
	mustSchedule(t, s, mkPod("q", "800m", ""), "a")
}

func TestNodeChurnKeepsAccounting(t *testing.T) {
	s := New(Config{})
	// A pod may arrive before its node.
	s.AddPod(mkPod("early", "1", "", onNode("a")))
	s.AddNode(mkNode("a", "2", "2Gi"))
	mustFail(t, s, mkPod("big", "1500m", ""), "0/1 nodes are available: 1 Insufficient cpu.")
	// A heartbeat changes nothing; a resize does.
	s.UpdateNode(mkNode("a", "2", "2Gi"))
	s.UpdateNode(mkNode("a", "4", "2Gi"))
	mustSchedule(t, s, mkPod("big", "1500m", ""), "a")
	// Removing and re-adding the node keeps its pods accounted.
	s.RemoveNode(mkNode("a", "1", "1Gi"))
	s.AddNode(mkNode("a", "4", "2Gi"))
	mustFail(t, s, mkPod("more", "2", ""), "0/1 nodes are available: 1 Insufficient cpu.")
	if err := checkAccounting(s); err != nil {
		t.Fatal(err)
	}
}

func TestExplainPredictsSchedule(t *testing.T) {
	s := cluster(Config{},
		mkNode("a", "4", "4Gi", zone("z1")),
		mkNode("b", "4", "4Gi", zone("z2"), taint("spot", "", api.TaintEffectPreferNoSchedule)),
		mkNode("c", "1", "1Gi", zone("z2")))
	s.AddPod(mkPod("web-0", "1", "1Gi", podLabels("app", "web"), onNode("a")))
	p := mkPod("web-1", "2", "1Gi", podLabels("app", "web"),
		spread(1, api.LabelTopologyZone, api.ScheduleAnyway, sel("app", "web")),
		preferredNodeAffinity(10, api.LabelTopologyZone, api.LabelSelectorOpIn, "z1"))
	ex := s.Explain(p)
	want := `pod default/web-1: Scheduled on a (3/3 nodes evaluated, 2 feasible)
  scores (0-100, weight): NodeResourcesFit(LeastAllocated)×1 TaintToleration×3 NodeAffinity×2 InterPodAffinity×2 PodTopologySpread×2
  *a: 37 100 100 0 0 = 537
   b: 62 0 0 0 100 = 262
  filtered:
    c: Insufficient cpu
`
	if got := ex.DescribeScores(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	mustSchedule(t, s, p, "a")
	// Explaining the scheduled pod leaves it out of the state: same text.
	if got := s.Explain(p).DescribeScores(); got != want {
		t.Fatalf("after scheduling:\n%s", got)
	}
	if err := checkAccounting(s); err != nil {
		t.Fatal(err)
	}
}
