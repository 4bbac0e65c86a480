package sched

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// benchNodes makes n nodes deterministically: four sizes, three zones,
// two instance families, 10% tainted dedicated=gpu:NoSchedule, 5% with a
// PreferNoSchedule spot taint.
func benchNodes(n int, rng *rand.Rand) []*api.Node {
	sizes := []struct{ cpu, mem string }{{"4", "16Gi"}, {"8", "32Gi"}, {"16", "64Gi"}, {"32", "128Gi"}}
	nodes := make([]*api.Node, n)
	for i := range nodes {
		sz := sizes[rng.IntN(len(sizes))]
		opts := []nodeOpt{
			zone(fmt.Sprint("zone-", i%3)),
			nodeLabels("node.kubernetes.io/instance-type", fmt.Sprint("m", sz.cpu), "family", []string{"general", "compute"}[rng.IntN(2)]),
		}
		switch r := rng.IntN(100); {
		case r < 10:
			opts = append(opts, taint("dedicated", "gpu", api.TaintEffectNoSchedule), allocatable("example.com/gpu", "4"))
		case r < 15:
			opts = append(opts, taint("spot", "true", api.TaintEffectPreferNoSchedule))
		}
		nodes[i] = mkNode(fmt.Sprintf("node-%05d", i), sz.cpu, sz.mem, opts...)
	}
	return nodes
}

// benchPods makes n pods in deployments of various kinds, in deployment
// order (as a controller creates them): 60% plain, 15% spread over zones
// (DoNotSchedule), 10% anti-affine by hostname, 2% anti-affine by zone
// (3 replicas), 5% with a node selector, 3% tolerating the gpu taint and
// requesting a gpu, 5% with ScheduleAnyway spread and preferred affinity.
func benchPods(n int, rng *rand.Rand) []*api.Pod {
	pods := make([]*api.Pod, 0, n)
	for d := 0; len(pods) < n; d++ {
		app := fmt.Sprint("app-", d)
		cpu := fmt.Sprint(50+rng.IntN(8)*50, "m")
		mem := fmt.Sprint(64+rng.IntN(8)*64, "Mi")
		opts := []podOpt{podLabels("app", app, "tier", []string{"web", "api", "batch"}[d%3])}
		replicas := 100 + rng.IntN(900)
		switch k := rng.IntN(100); {
		case k < 60:
		case k < 75:
			opts = append(opts, spread(1, api.LabelTopologyZone, api.DoNotSchedule, sel("app", app)))
		case k < 85:
			opts = append(opts, antiAffinity(api.LabelHostname, sel("app", app)))
		case k < 87:
			opts = append(opts, antiAffinity(api.LabelTopologyZone, sel("app", app)))
			replicas = 3
		case k < 92:
			opts = append(opts, nodeSelector("family", "compute"))
		case k < 95:
			opts = append(opts, tolerate("dedicated", api.TolerationOpEqual, "gpu", api.TaintEffectNoSchedule), request("example.com/gpu", "1"))
			replicas = 50
		default:
			opts = append(opts, spread(2, api.LabelTopologyZone, api.ScheduleAnyway, sel("app", app)),
				preferredPodAffinity(50, api.LabelTopologyZone, sel("tier", "api")))
		}
		tmpl := mkPod(app, cpu, mem, opts...)
		for r := 0; r < replicas && len(pods) < n; r++ {
			p := *tmpl // pods of one deployment share their spec, as read-only objects may
			p.Name = fmt.Sprint(app, "-", r)
			pods = append(pods, &p)
		}
	}
	return pods
}

// benchmarkSchedule schedules all pods into a fresh cluster per iteration
// and reports pods/s, ns/pod, B/pod and allocs/pod for the scheduling
// alone (building the cluster is not timed).
func benchmarkSchedule(b *testing.B, cfg Config, nNodes, nPods int) {
	rng := rand.New(rand.NewPCG(1, 2))
	nodes := benchNodes(nNodes, rng)
	pods := benchPods(nPods, rng)
	// The machine may be shared: besides wall time, measure the CPU time
	// of the scheduling thread itself (RUSAGE_THREAD), which contention
	// for cores does not inflate.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var elapsed, cpu time.Duration
	var bytes, allocs uint64
	var scheduled, evaluated int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := cluster(cfg, nodes...)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := threadCPU()
		b.StartTimer()
		t0 := time.Now()
		for _, p := range pods {
			r := s.Schedule(p)
			evaluated += r.Evaluated
			if r.Status == Scheduled {
				scheduled++
			}
		}
		elapsed += time.Since(t0)
		b.StopTimer()
		cpu += threadCPU() - c0
		runtime.ReadMemStats(&m1)
		bytes += m1.TotalAlloc - m0.TotalAlloc
		allocs += m1.Mallocs - m0.Mallocs
	}
	total := float64(b.N * len(pods))
	b.ReportMetric(total/elapsed.Seconds(), "pods/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/pod")
	b.ReportMetric(total/cpu.Seconds(), "pods/cpu-s")
	b.ReportMetric(float64(bytes)/total, "B/pod")
	b.ReportMetric(float64(allocs)/total, "allocs/pod")
	b.ReportMetric(float64(scheduled)/total*100, "%scheduled")
	b.ReportMetric(float64(evaluated)/total, "nodes/pod")
}

func BenchmarkSchedule5000Nodes150kPods(b *testing.B) {
	benchmarkSchedule(b, Config{}, 5000, 150_000)
}

func BenchmarkSchedule5000Nodes150kPodsMostAllocated(b *testing.B) {
	benchmarkSchedule(b, Config{Strategy: MostAllocated}, 5000, 150_000)
}

func BenchmarkSchedule500Nodes15kPods(b *testing.B) {
	benchmarkSchedule(b, Config{}, 500, 15_000)
}

// threadCPU returns the user+system CPU time of the calling OS thread.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvents measures the cost of the store events the control plane
// feeds in steady state, on a cluster of 5000 nodes holding 150k pods:
// confirming a bound pod (UpdatePod of an assumed pod), a node heartbeat
// (UpdateNode changing nothing the scheduler reads), and a pod deleted and
// re-added.
func BenchmarkEvents(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	nodes := benchNodes(5000, rng)
	pods := benchPods(150_000, rng)
	s := cluster(Config{}, nodes...)
	bound := make([]*api.Pod, 0, len(pods))
	for _, p := range pods {
		if r := s.Schedule(p); r.Status == Scheduled {
			q := *p
			q.Spec.NodeName = r.Node
			bound = append(bound, &q)
		}
	}
	b.Run("ConfirmPod", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.UpdatePod(bound[i%len(bound)])
		}
	})
	b.Run("NodeHeartbeat", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.UpdateNode(nodes[i%len(nodes)])
		}
	})
	b.Run("RemoveAddPod", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p := bound[i%len(bound)]
			s.RemovePod(p)
			s.AddPod(p)
		}
	})
	if err := checkAccounting(s); err != nil {
		b.Fatal(err)
	}
}
