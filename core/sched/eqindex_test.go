package sched

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"pgregory.net/rapid"
)

// TestIndexedSearchMatchesNodeByNode drives two schedulers with the same
// random calls, one answering runs of equivalent pods through its eqIndex
// and one searching node by node, and requires every Result (node,
// counts, failures) and the rotating start index to be identical. Up to
// 260 nodes, so that the search often stops before a full turn.
func TestIndexedSearchMatchesNodeByNode(t *testing.T) {
	served, partial := 0, 0
	defer func() {
		// The comparison means something only if the index answered, and
		// often for searches that stopped before a full turn.
		t.Logf("served %d, partial %d", served, partial)
		if !t.Failed() && (served == 0 || partial == 0) {
			t.Errorf("the index served %d searches, %d of them partial turns", served, partial)
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		cfg := Config{
			Strategy:                 Strategy(rapid.IntRange(0, 2).Draw(rt, "strategy")),
			PercentageOfNodesToScore: int32(rapid.SampledFrom([]int{0, 0, 10, 40, 100}).Draw(rt, "pct")),
		}
		if rapid.IntRange(0, 5).Draw(rt, "zeroResWeight") == 0 {
			cfg.Weights = Weights{TaintToleration: 3, NodeAffinity: 2}
		}
		fast, slow := New(cfg), New(cfg)
		slow.noIndex = true
		both := func(f func(s *Scheduler)) { f(fast); f(slow) }

		numNames := rapid.IntRange(1, 99).Draw(rt, "nodes")
		if rapid.Bool().Draw(rt, "big") {
			numNames = rapid.IntRange(100, 260).Draw(rt, "bigNodes")
		}
		allowSoft := rapid.IntRange(0, 3).Draw(rt, "allowSoft") == 0
		genNode := func(rt *rapid.T, i int) *api.Node {
			name := fmt.Sprintf("n%03d", i)
			cpu := []string{"500m", "1", "2", "4"}[rapid.IntRange(0, 3).Draw(rt, "cpu")]
			var opts []nodeOpt
			switch rapid.IntRange(0, 19).Draw(rt, "kind") {
			case 0:
				opts = append(opts, taint("dedicated", "gpu", api.TaintEffectNoSchedule))
			case 1:
				opts = append(opts, cordoned)
			case 2:
				opts = append(opts, allocatable(api.ResourcePods, "2"))
			case 3:
				opts = append(opts, zone("z1"))
			case 4:
				if allowSoft { // makes the index refuse (see eqIndex)
					opts = append(opts, taint("spot", "", api.TaintEffectPreferNoSchedule))
				}
			}
			return mkNode(name, cpu, "4Gi", opts...)
		}
		for i := 0; i < numNames; i++ {
			n := genNode(rt, i)
			both(func(s *Scheduler) { s.AddNode(n) })
		}
		templates := []func(name string) *api.Pod{
			func(name string) *api.Pod { return mkPod(name, "100m", "128Mi", podLabels("app", "a")) },
			func(name string) *api.Pod { return mkPod(name, "100m", "128Mi", podLabels("app", "b")) },
			func(name string) *api.Pod { return mkPod(name, "700m", "", podLabels("app", "c")) },
			func(name string) *api.Pod { return mkPod(name, "", "", podLabels("app", "d")) },
			func(name string) *api.Pod {
				return mkPod(name, "200m", "64Mi", podLabels("app", "e"),
					tolerate("dedicated", api.TolerationOpExists, "", ""))
			},
			func(name string) *api.Pod {
				return mkPod(name, "100m", "", podLabels("app", "f"), nodeSelector(api.LabelTopologyZone, "z1"))
			},
			func(name string) *api.Pod {
				return mkPod(name, "100m", "", podLabels("app", "g"),
					spread(1, api.LabelHostname, api.ScheduleAnyway, sel("app", "g")))
			},
			func(name string) *api.Pod {
				return mkPod(name, "100m", "", podLabels("app", "h"),
					preferredNodeAffinity(5, api.LabelHostname, api.LabelSelectorOpIn, "n001"))
			},
		}
		placed := []*api.Pod{} // assumed or bound, in placement order
		seq := 0

		rt.Repeat(map[string]func(*rapid.T){
			"run": func(rt *rapid.T) {
				tpl := templates[rapid.IntRange(0, len(templates)-1).Draw(rt, "template")]
				for range rapid.IntRange(1, 40).Draw(rt, "pods") {
					seq++
					p := tpl(fmt.Sprint("p", seq))
					before := fast.eq.served
					a, b := fast.Schedule(p), slow.Schedule(p)
					if fast.eq.served > before {
						served++
						if a.Evaluated < a.NumNodes {
							partial++
						}
					}
					if !reflect.DeepEqual(a, b) || fast.next != slow.next {
						rt.Fatalf("indexed %+v (next %d)\nnode by node %+v (next %d)", a, fast.next, b, slow.next)
					}
					if a.Status == Scheduled {
						p.Spec.NodeName = a.Node
						placed = append(placed, p)
					}
				}
			},
			"remove": func(rt *rapid.T) {
				if len(placed) == 0 {
					rt.Skip("no pods")
				}
				i := rapid.IntRange(0, len(placed)-1).Draw(rt, "pod")
				p := placed[i]
				placed = append(placed[:i], placed[i+1:]...)
				both(func(s *Scheduler) { s.RemovePod(p) })
			},
			"confirm": func(rt *rapid.T) {
				if len(placed) == 0 {
					rt.Skip("no pods")
				}
				p := placed[rapid.IntRange(0, len(placed)-1).Draw(rt, "pod")]
				both(func(s *Scheduler) { s.UpdatePod(p) })
			},
			"forget": func(rt *rapid.T) {
				if len(placed) == 0 {
					rt.Skip("no pods")
				}
				i := rapid.IntRange(0, len(placed)-1).Draw(rt, "pod")
				p := placed[i]
				if fast.Forget(p) != slow.Forget(p) {
					rt.Fatalf("Forget(%s) differs", p.Name)
				}
				placed = append(placed[:i], placed[i+1:]...)
			},
			"bindElsewhere": func(rt *rapid.T) {
				seq++
				p := templates[rapid.IntRange(0, 3).Draw(rt, "template")](fmt.Sprint("p", seq))
				p.Spec.NodeName = fmt.Sprintf("n%03d", rapid.IntRange(0, numNames).Draw(rt, "on"))
				placed = append(placed, p)
				both(func(s *Scheduler) { s.AddPod(p) })
			},
			"updateNode": func(rt *rapid.T) {
				i := rapid.IntRange(0, numNames).Draw(rt, "node")
				n := genNode(rt, i)
				both(func(s *Scheduler) { s.UpdateNode(n) })
			},
			"heartbeat": func(rt *rapid.T) {
				// An unchanged node: must not disturb either scheduler.
				i := rapid.IntRange(0, numNames-1).Draw(rt, "node")
				n := mkNode(fmt.Sprintf("n%03d", i), "1", "4Gi")
				both(func(s *Scheduler) {
					if slot, ok := s.nodes.byName[n.Name]; ok && s.nodes.live[slot] {
						s.UpdateNode(n)
						s.UpdateNode(n)
					}
				})
			},
			"removeNode": func(rt *rapid.T) {
				n := mkNode(fmt.Sprintf("n%03d", rapid.IntRange(0, numNames).Draw(rt, "node")), "1", "1Gi")
				both(func(s *Scheduler) { s.RemoveNode(n) })
			},
		})
		if err := checkAccounting(fast); err != nil {
			rt.Fatal(err)
		}
	})
}
