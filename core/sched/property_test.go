package sched

import (
	"fmt"
	"slices"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"pgregory.net/rapid"
)

// TestAccountingProperty drives a scheduler with random node and pod
// events, Schedule and Forget calls, and after each step recomputes every
// incremental count from scratch (checkAccounting). At the end it builds a
// fresh scheduler from the surviving objects, in another order, and
// checks that both explain a set of probe pods identically.
func TestAccountingProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nodeNames := []string{"n0", "n1", "n2", "n3", "n4", "n5"}
		podNames := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}
		s := New(Config{PercentageOfNodesToScore: 100})
		nodes := map[string]*api.Node{}
		pods := map[string]*api.Pod{} // accounted, with NodeName set
		assumed := map[string]bool{}

		genNode := func(rt *rapid.T) *api.Node {
			name := rapid.SampledFrom(nodeNames).Draw(rt, "node")
			var opts []nodeOpt
			if z := rapid.IntRange(0, 3).Draw(rt, "zone"); z < 3 {
				opts = append(opts, zone(fmt.Sprint("z", z)))
			}
			if rapid.Bool().Draw(rt, "ssd") {
				opts = append(opts, nodeLabels("disk", "ssd"))
			}
			if rapid.IntRange(0, 4).Draw(rt, "tainted") == 0 {
				opts = append(opts, taint("dedicated", "gpu", api.TaintEffectNoSchedule))
			}
			if rapid.IntRange(0, 4).Draw(rt, "soft") == 0 {
				opts = append(opts, taint("spot", "", api.TaintEffectPreferNoSchedule))
			}
			if rapid.IntRange(0, 6).Draw(rt, "cordon") == 0 {
				opts = append(opts, cordoned)
			}
			if rapid.IntRange(0, 6).Draw(rt, "notready") == 0 {
				opts = append(opts, readiness(api.ConditionFalse))
			}
			if rapid.Bool().Draw(rt, "gpus") {
				opts = append(opts, allocatable("example.com/gpu", "2"))
			}
			cpu := rapid.SampledFrom([]string{"1", "2", "4"}).Draw(rt, "cpu")
			return mkNode(name, cpu, "4Gi", opts...)
		}
		genPod := func(rt *rapid.T, name string) *api.Pod {
			app := rapid.SampledFrom([]string{"web", "db", "cache"}).Draw(rt, "app")
			cpu := rapid.SampledFrom([]string{"", "100m", "500m", "1"}).Draw(rt, "podcpu")
			opts := []podOpt{podLabels("app", app)}
			if rapid.IntRange(0, 3).Draw(rt, "gpu") == 0 {
				opts = append(opts, request("example.com/gpu", "1"))
			}
			switch rapid.IntRange(0, 9).Draw(rt, "constraint") {
			case 0:
				opts = append(opts, antiAffinity(api.LabelHostname, sel("app", app)))
			case 1:
				opts = append(opts, antiAffinity(api.LabelTopologyZone, sel("app", "db")))
			case 2:
				opts = append(opts, spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", app)))
			case 3:
				opts = append(opts, spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", app)), nodeSelector("disk", "ssd"))
			case 4:
				opts = append(opts, spread(2, api.LabelHostname, api.ScheduleAnyway, sel("app", app)))
			case 5:
				opts = append(opts, podAffinity(api.LabelTopologyZone, sel("app", "cache")))
			case 6:
				opts = append(opts, preferredPodAffinity(10, api.LabelHostname, sel("app", "db")), preferredAntiAffinity(5, api.LabelTopologyZone, sel("app", "web")))
			case 7:
				opts = append(opts, tolerate("dedicated", api.TolerationOpExists, "", ""))
			}
			return mkPod(name, cpu, "", opts...)
		}

		rt.Repeat(map[string]func(*rapid.T){
			"addNode": func(rt *rapid.T) {
				n := genNode(rt)
				nodes[n.Name] = n
				s.AddNode(n)
			},
			"removeNode": func(rt *rapid.T) {
				name := rapid.SampledFrom(nodeNames).Draw(rt, "node")
				delete(nodes, name)
				s.RemoveNode(mkNode(name, "1", "1Gi"))
			},
			"addBoundPod": func(rt *rapid.T) {
				name := rapid.SampledFrom(podNames).Draw(rt, "pod")
				p := genPod(rt, name)
				if old, ok := pods[name]; ok && rapid.Bool().Draw(rt, "sameNode") {
					p.Spec.NodeName = old.Spec.NodeName // an update in place
				} else {
					p.Spec.NodeName = rapid.SampledFrom(nodeNames).Draw(rt, "on")
				}
				if rapid.IntRange(0, 5).Draw(rt, "done") == 0 {
					p.Status.Phase = api.PodSucceeded
					delete(pods, name)
				} else {
					pods[name] = p
				}
				delete(assumed, name)
				s.UpdatePod(p)
			},
			"removePod": func(rt *rapid.T) {
				name := rapid.SampledFrom(podNames).Draw(rt, "pod")
				delete(pods, name)
				delete(assumed, name)
				s.RemovePod(mkPod(name, "", ""))
			},
			"schedule": func(rt *rapid.T) {
				name := rapid.SampledFrom(podNames).Draw(rt, "pod")
				if _, ok := pods[name]; ok && !assumed[name] {
					rt.Skip("bound pods are not scheduled again")
				}
				p := genPod(rt, name)
				ex := s.Explain(p)
				r := s.Schedule(p)
				if ex.Result.Node != r.Node || ex.Result.Status != r.Status {
					rt.Fatalf("Explain chose %q (%v), Schedule %q (%v)", ex.Result.Node, ex.Result.Status, r.Node, r.Status)
				}
				delete(pods, name)
				delete(assumed, name)
				if r.Status == Scheduled {
					p.Spec.NodeName = r.Node
					pods[name] = p
					assumed[name] = true
				}
			},
			"forget": func(rt *rapid.T) {
				name := rapid.SampledFrom(podNames).Draw(rt, "pod")
				p, ok := pods[name]
				if !ok {
					p = mkPod(name, "", "")
				}
				if got := s.Forget(p); got != assumed[name] {
					rt.Fatalf("Forget(%s) = %v, assumed %v", name, got, assumed[name])
				}
				if assumed[name] {
					delete(pods, name)
					delete(assumed, name)
				}
			},
			"confirm": func(rt *rapid.T) {
				name := rapid.SampledFrom(podNames).Draw(rt, "pod")
				if !assumed[name] {
					rt.Skip("not assumed")
				}
				s.UpdatePod(pods[name])
				delete(assumed, name)
			},
			"": func(rt *rapid.T) {
				if err := checkAccounting(s); err != nil {
					rt.Fatal(err)
				}
			},
		})

		// A fresh scheduler fed the surviving objects, nodes in reverse
		// name order, must explain the probes exactly as s does.
		fresh := New(s.cfg)
		names := make([]string, 0, len(nodes))
		for name := range nodes {
			names = append(names, name)
		}
		slices.Sort(names)
		slices.Reverse(names)
		for _, name := range names {
			fresh.AddNode(nodes[name])
		}
		pnames := make([]string, 0, len(pods))
		for name := range pods {
			pnames = append(pnames, name)
		}
		slices.Sort(pnames)
		for _, name := range pnames {
			fresh.AddPod(pods[name])
		}
		if err := checkAccounting(fresh); err != nil {
			rt.Fatal(err)
		}
		s.ensureOrder()
		fresh.ensureOrder()
		fresh.next = s.next
		for i := 0; i < 10; i++ {
			probe := genPod(rt, fmt.Sprint("probe", i))
			a, b := s.Explain(probe).DescribeScores(), fresh.Explain(probe).DescribeScores()
			if a != b {
				rt.Fatalf("incremental and fresh schedulers disagree on probe %d:\n%s\nvs\n%s", i, a, b)
			}
		}
	})
}
