package checks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
	"github.com/capstan-dev/capstan/model"
)

// TestSchedulerMatchesReference places the pending pods of random small
// clusters one after the other with core/sched (no sampling) and compares
// every decision with model.Schedule given the same nodes, the pods bound
// so far (the assumed ones included) and the volumes:
//
//   - Explain's verdict on every node agrees with the reference:
//     feasible or not, with the same reasons, and each scorer's 0–100
//     score on every feasible node;
//   - a pod Schedule places goes to a node the reference finds feasible,
//     with the reference's best total;
//   - a pod Schedule calls unschedulable is infeasible everywhere per the
//     reference, and the message counts the reference's reasons.
func TestSchedulerMatchesReference(t *testing.T) {
	checkN(t, 6000, func(t *rapid.T) {
		sc := genScenario(5).Draw(t, "scenario")
		compareWithReference(t, sc)
	})
}

func compareWithReference(t *rapid.T, sc *schedScenario) {
	s := sc.newScheduler(sc.nodes)
	bound := slices.Clone(sc.existing)
	opts := sc.modelOptions()
	for _, p := range sc.pending {
		feasible, reasons, scores := model.ScheduleWith(opts, sc.nodes, bound, sc.pvs, sc.pvcs, p)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("pod %s/%s: %s\n%s\nreference: feasible=%v reasons=%v scores=%v\ncore/sched:\n%s", p.Namespace, p.Name, fmt.Sprintf(format, args...),
				sc.describe(), feasible, reasons, scores, s.Explain(p).DescribeScores())
		}
		ex := s.Explain(p)
		compareExplanation(ex, feasible, reasons, scores, fail)
		r := s.Schedule(p)
		if r.Status != ex.Result.Status || r.Node != ex.Result.Node {
			fail("Explain predicted %v %q, Schedule did %v %q", ex.Result.Status, ex.Result.Node, r.Status, r.Node)
		}
		best := model.Best(scores)
		switch r.Status {
		case sched.Scheduled:
			if !feasible[r.Node] {
				fail("scheduled on %s, infeasible per the reference: %v", r.Node, reasons[r.Node])
			}
			if scores[r.Node].Total != scores[best[0]].Total {
				fail("scheduled on %s with total %d; the reference's best is %v with %d", r.Node, scores[r.Node].Total, best, scores[best[0]].Total)
			}
			bound = append(bound, bindTo(p, r.Node))
		case sched.Unschedulable:
			if len(best) > 0 {
				fail("unschedulable, the reference finds %v feasible", best)
			}
			if want := fitMessage(len(sc.nodes), reasons); r.PreFilter == "" && r.Message() != want {
				fail("message %q, want %q", r.Message(), want)
			}
		default:
			fail("status %v", r.Status)
		}
	}
}

// compareExplanation checks Explain's node-by-node verdicts against the
// reference's.
func compareExplanation(ex sched.Explanation, feasible map[string]bool, reasons map[string][]string, scores map[string]model.Scores, fail func(string, ...any)) {
	if pre := ex.Result.PreFilter; pre != "" {
		for name, ok := range feasible {
			if ok || len(reasons[name]) != 1 || reasons[name][0] != pre {
				fail("pod-level reason %q, the reference says %s: %v", pre, name, reasons[name])
			}
		}
		return
	}
	if len(ex.Nodes) != len(feasible) {
		fail("Explain visited %d nodes, the cluster has %d", len(ex.Nodes), len(feasible))
	}
	for _, n := range ex.Nodes {
		if len(n.Reasons) > 0 {
			if feasible[n.Node] {
				fail("node %s filtered (%v), feasible per the reference", n.Node, n.Reasons)
			}
			if !slices.Equal(n.Reasons, reasons[n.Node]) {
				fail("node %s filtered for %v, the reference says %v", n.Node, n.Reasons, reasons[n.Node])
			}
			continue
		}
		if !feasible[n.Node] {
			fail("node %s feasible, the reference filters it: %v", n.Node, reasons[n.Node])
		}
		want := scores[n.Node]
		got := model.Scores{Resources: n.Scores[0], TaintToleration: n.Scores[1], NodeAffinity: n.Scores[2], InterPodAffinity: n.Scores[3], TopologySpread: n.Scores[4], Total: n.Total}
		if got != want {
			fail("node %s scores %+v, the reference %+v", n.Node, got, want)
		}
	}
}

// TestSchedulerNodeOrderIrrelevant: adding the same nodes in another order,
// and the existing pods before their nodes rather than after, changes no
// decision (the search visits nodes in name order whatever the insertion
// order; pods wait on ghost nodes).
func TestSchedulerNodeOrderIrrelevant(t *testing.T) {
	checkN(t, 2000, func(t *rapid.T) {
		sc := genScenario(6).Draw(t, "scenario")
		order := rapid.Permutation(sc.nodes).Draw(t, "order")
		a, b := sc.newScheduler(sc.nodes), sc.newSchedulerPodsFirst(order, rapid.Bool().Draw(t, "podsFirst"))
		for _, p := range sc.pending {
			ra, rb := a.Schedule(p), b.Schedule(p)
			if describeResult(ra) != describeResult(rb) {
				t.Fatalf("pod %s: in order %v: %s; in order %v: %s\n%s", p.Name, nodeNames(sc.nodes), describeResult(ra), nodeNames(order), describeResult(rb), sc.describe())
			}
		}
	})
}

// TestSchedulerRenamingNodes: renaming the nodes by a bijection that keeps
// their name order (and renaming every reference to a node name: bound
// pods' nodeName, metadata.name field selectors) changes the decisions
// only by the renaming. Labels, the hostname label included, stay.
func TestSchedulerRenamingNodes(t *testing.T) {
	checkN(t, 2000, func(t *rapid.T) {
		sc := genScenario(6).Draw(t, "scenario")
		rename := genRenaming(t, nodeNamePool)
		renamed := sc.renamed(rename)
		a, b := sc.newScheduler(sc.nodes), renamed.newScheduler(renamed.nodes)
		for i, p := range sc.pending {
			ra, rb := a.Schedule(p), b.Schedule(renamed.pending[i])
			want := ra
			if want.Node != "" {
				want.Node = rename[want.Node]
			}
			if describeResult(want) != describeResult(rb) {
				t.Fatalf("pod %s: renamed by %v: want %s, got %s\n%s", p.Name, rename, describeResult(want), describeResult(rb), sc.describe())
			}
		}
	})
}

// genRenaming draws an order-preserving bijection from names to fresh
// names.
func genRenaming(t *rapid.T, names []string) map[string]string {
	fresh := map[string]bool{}
	for len(fresh) < len(names) {
		fresh[rapid.StringMatching(`[a-z][a-z0-9]{0,6}`).Draw(t, "fresh")] = true
	}
	var to []string
	for n := range fresh {
		to = append(to, n)
	}
	slices.Sort(to)
	from := slices.Sorted(slices.Values(names))
	m := map[string]string{}
	for i := range from {
		m[from[i]] = to[i]
	}
	return m
}

// renamed returns a copy of the scenario with every node name mapped.
func (sc *schedScenario) renamed(m map[string]string) *schedScenario {
	mapName := func(s string) string {
		if r, ok := m[s]; ok {
			return r
		}
		return s
	}
	mapFields := func(ns *api.NodeSelector) {
		if ns == nil {
			return
		}
		for i := range ns.NodeSelectorTerms {
			renameFields(&ns.NodeSelectorTerms[i], mapName)
		}
	}
	out := &schedScenario{strategy: sc.strategy}
	for _, n := range sc.nodes {
		c := api.DeepCopy(n)
		c.Name = mapName(c.Name)
		out.nodes = append(out.nodes, c)
	}
	for _, list := range []struct{ from, to *[]*api.Pod }{{&sc.existing, &out.existing}, {&sc.pending, &out.pending}} {
		for _, p := range *list.from {
			c := api.DeepCopy(p)
			if c.Spec.NodeName != "" {
				c.Spec.NodeName = mapName(c.Spec.NodeName)
			}
			if a := c.Spec.Affinity; a != nil && a.NodeAffinity != nil {
				mapFields(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
				for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
					renameFields(&a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i].Preference, mapName)
				}
			}
			*list.to = append(*list.to, c)
		}
	}
	for _, pv := range sc.pvs {
		c := api.DeepCopy(pv)
		if c.Spec.NodeAffinity != nil {
			mapFields(c.Spec.NodeAffinity.Required)
		}
		out.pvs = append(out.pvs, c)
	}
	out.pvcs = sc.pvcs
	return out
}

func renameFields(t *api.NodeSelectorTerm, mapName func(string) string) {
	for i := range t.MatchFields {
		for j, v := range t.MatchFields[i].Values {
			t.MatchFields[i].Values[j] = mapName(v)
		}
	}
}

func describeResult(r sched.Result) string {
	return fmt.Sprintf("%v node=%q evaluated=%d feasible=%d %q", r.Status, r.Node, r.Evaluated, r.Feasible, r.Message())
}

func nodeNames(ns []*api.Node) string {
	var names []string
	for _, n := range ns {
		names = append(names, n.Name)
	}
	return strings.Join(names, ",")
}

// TestSchedulerHostnameSpreadPerNode is SCHED-1's regression
// (docs/bugs.md): kube scores a ScheduleAnyway constraint on
// kubernetes.io/hostname by the matching pods on the node itself, not in
// every node sharing its hostname label value (PodTopologySpread's Score
// special-cases the key), while its filter counts domains by label value
// for every key. core/sched and model.Schedule both follow kube; the
// generated clusters now share hostname values too (genNode), so the
// property test compares them on such clusters as well.
func TestSchedulerHostnameSpreadPerNode(t *testing.T) {
	a, b, c := mkNode("a", "4", "8Gi", "110", true), mkNode("b", "4", "8Gi", "110", true), mkNode("c", "4", "8Gi", "110", true)
	a.Labels[api.LabelHostname], b.Labels[api.LabelHostname] = "h", "h"
	s := sched.New(sched.Config{PercentageOfNodesToScore: 100})
	for _, n := range []*api.Node{a, b, c} {
		s.AddNode(n)
	}
	e := mkPod("default", "e", onNode("b"), withLabels("app", "web"))
	s.AddPod(e)
	spreadPod := func(name, when string) *api.Pod {
		p := mkPod("default", name, withLabels("app", "web"))
		p.Spec.TopologySpreadConstraints = []api.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: api.LabelHostname,
			WhenUnsatisfiable: when, LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
		return p
	}
	p := spreadPod("p", api.ScheduleAnyway)
	// kube: a and c have no matching pod on them (100), b has one (0).
	want := map[string]int64{"a": 100, "b": 0, "c": 100}
	for _, n := range s.Explain(p).Nodes {
		if n.Scores[4] != want[n.Node] {
			t.Errorf("core/sched: node %s: PodTopologySpread score %d, kube gives %d", n.Node, n.Scores[4], want[n.Node])
		}
	}
	_, _, scores := model.Schedule([]*api.Node{a, b, c}, []*api.Pod{e}, nil, nil, p)
	for name, w := range want {
		if got := scores[name].TopologySpread; got != w {
			t.Errorf("model: node %s: PodTopologySpread score %d, kube gives %d", name, got, w)
		}
	}
	// The filter still counts the domain: with DoNotSchedule and maxSkew
	// 1, domain h (a and b) holds one pod and domain c none, so a is as
	// infeasible as b. (A new pod: the scheduler's pods are immutable.)
	p = spreadPod("q", api.DoNotSchedule)
	feasible, _, _ := model.Schedule([]*api.Node{a, b, c}, []*api.Pod{e}, nil, nil, p)
	for _, n := range s.Explain(p).Nodes {
		if ok := len(n.Reasons) == 0; ok != feasible[n.Node] {
			t.Errorf("node %s: core/sched feasible=%v, model %v", n.Node, ok, feasible[n.Node])
		}
	}
	if feasible["a"] || feasible["b"] || !feasible["c"] {
		t.Errorf("DoNotSchedule on a shared hostname value: feasible %v, want c only", feasible)
	}
}
