package sim

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// benchCluster builds a cluster of nodes nodes and applies deps
// Deployments of replicas replicas each.
func benchCluster(tb testing.TB, nodes, deps, replicas int) *Cluster {
	c := New(Config{Seed: 1, DisableLog: true, DisableEvents: true, ShareObjects: true})
	for i := 0; i < nodes; i++ {
		if err := c.AddNode(NodeSpec{Name: fmt.Sprintf("node-%05d", i), CPU: "16", Memory: "64Gi",
			Pods: 110, Zone: fmt.Sprintf("zone-%c", 'a'+i%3)}); err != nil {
			tb.Fatal(err)
		}
	}
	c.pump()
	return c
}

func benchDeployments(deps, replicas int) []api.Object {
	objs := make([]api.Object, deps)
	for i := range objs {
		r := int32(replicas)
		name := fmt.Sprintf("app-%04d", i)
		labels := map[string]string{"app": name}
		objs[i] = &api.Deployment{
			TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
			Spec: api.DeploymentSpec{
				Replicas: &r,
				Selector: &api.LabelSelector{MatchLabels: labels},
				Template: api.PodTemplateSpec{
					ObjectMeta: api.ObjectMeta{Labels: labels},
					Spec: api.PodSpec{Containers: []api.Container{{
						Name: "app", Image: "registry.local/app:1",
						Resources: api.ResourceRequirements{Requests: api.ResourceList{
							api.ResourceCPU:    api.MustParseQuantity("100m"),
							api.ResourceMemory: api.MustParseQuantity("128Mi"),
						}},
					}}},
				},
			},
		}
	}
	return objs
}

// runUntil applies the deployments and steps until count() reaches pods; it returns the wall time it took and the peak heap seen (sampled
// every 20,000 steps, which costs a stop-the-world each: a few ms in all).
func runUntil(tb testing.TB, c *Cluster, objs []api.Object, pods int, what string, count func() int) (time.Duration, uint64) {
	start := time.Now()
	var peak uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	if err := c.Apply(objs); err != nil {
		tb.Fatal(err)
	}
	for i := 0; count() < pods; i++ {
		if i%20000 == 0 {
			sample()
		}
		if !c.Step() {
			tb.Fatal("queue empty")
		}
		if c.Elapsed() > time.Hour {
			tb.Fatalf("only %d of %d pods %s after an hour", count(), pods, what)
		}
	}
	wall := time.Since(start)
	sample()
	return wall, peak
}

// benchSim runs the iterations of a benchmark: a cluster of nodes nodes,
// deps Deployments of replicas replicas applied, stepped until every pod
// runs — or, with controlPlaneOnly, with every node machine stopped once
// its Node is registered and until every pod is bound (see
// benchControlPlane).
func benchSim(b *testing.B, nodes, deps, replicas int, controlPlaneOnly bool) {
	pods := deps * replicas
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		c := benchCluster(b, nodes, deps, replicas)
		what, count := "running", c.RunningPods
		if controlPlaneOnly {
			for _, n := range c.nodes {
				if err := c.CrashNode(n.name, false); err != nil {
					b.Fatal(err)
				}
			}
			what, count = "bound", c.BoundPods
		}
		objs := benchDeployments(deps, replicas)
		m := startMeasure(b)
		wall, peak := runUntil(b, c, objs, pods, what, count)
		m.report(b, c, pods, wall, peak)
	}
}

// measure holds what a benchmark iteration reads before its timed part.
type measure struct {
	before runtime.MemStats
	ru0    usage
}

// startMeasure reads the allocation counters and the CPU time, then starts
// the timer.
func startMeasure(b *testing.B) *measure {
	m := &measure{}
	runtime.ReadMemStats(&m.before)
	m.ru0 = readUsage()
	b.StartTimer()
	return m
}

// report stops the timer and reports the metrics of one iteration that
// brought pods pods to its goal in wall time; the cluster is still alive.
func (m *measure) report(b *testing.B, c *Cluster, pods int, wall time.Duration, peak uint64) {
	b.StopTimer()
	ru := readUsage()
	cpu := ru.user + ru.sys - m.ru0.user - m.ru0.sys
	sys, faults := ru.sys-m.ru0.sys, ru.faults-m.ru0.faults
	var done runtime.MemStats
	runtime.ReadMemStats(&done)
	elapsed, writes := c.Elapsed(), c.Writes()
	// The state is what the cluster keeps once the work in flight at the
	// goal has landed (the last watch deliveries and status writes, and
	// the buffers sized by the burst, given back at the next small pass):
	// one more virtual second, then a compaction and a GC.
	c.Run(time.Second)
	c.compact()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(pods)/wall.Seconds(), "pods/s")
	b.ReportMetric(float64(pods)/cpu.Seconds(), "pods/cpu-s")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(elapsed.Seconds(), "virtual-s")
	b.ReportMetric(float64(after.HeapAlloc)/float64(pods), "state-B/pod")
	b.ReportMetric(float64(done.TotalAlloc-m.before.TotalAlloc)/float64(pods), "alloc-B/pod")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(writes)/float64(pods), "writes/pod")
	b.ReportMetric(float64(cpu.Microseconds())/float64(writes), "cpu-µs/write")
	b.ReportMetric(100*sys.Seconds()/cpu.Seconds(), "sys-cpu-%")
	b.ReportMetric(1000*float64(faults)/float64(pods), "faults/kpod")
	if path := os.Getenv("SIM_HEAP_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	reportParts(b, c, pods, after.HeapAlloc)
}

// reportParts reports what each part of the cluster keeps per pod: the
// live heap given back when the fake runtimes, then the node machines,
// then the control-plane machine are dropped, each followed by a GC. What
// two parts share (the stored pods the node machines and the control
// plane point to) counts for the part dropped last, and what is left —
// the store, the registry and the simulator's own tables — is
// "store-B/pod". It takes the cluster apart: the iteration's last step.
func reportParts(b *testing.B, c *Cluster, pods int, live uint64) {
	parts := []struct {
		metric string
		drop   func()
	}{
		{"runtime-B/pod", func() {
			for _, n := range c.nodes {
				n.rt = fakeRuntime{}
			}
		}},
		{"nodes-B/pod", func() {
			for _, n := range c.nodes {
				n.m, n.held = nil, nil
			}
		}},
		{"control-B/pod", func() { c.cp.m, c.cp.held, c.cp.buf = nil, nil, eventBuf{} }},
	}
	for _, p := range parts {
		p.drop()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric((float64(live)-float64(ms.HeapAlloc))/float64(pods), p.metric)
		live = ms.HeapAlloc
	}
	b.ReportMetric(float64(live)/float64(pods), "store-B/pod")
	runtime.KeepAlive(c)
}

// The three sizes keep the shape of the 150k cluster: 30 pods per node,
// Deployments of 100 replicas.
func BenchmarkSim10k(b *testing.B)  { benchSim(b, 334, 100, 100, false) }
func BenchmarkSim50k(b *testing.B)  { benchSim(b, 1667, 500, 100, false) }
func BenchmarkSim150k(b *testing.B) { benchSim(b, 5000, 1500, 100, false) }

// usage is what the process has used so far: CPU time in user and in
// system mode (every thread: the GC's background workers count too; on a
// shared machine CPU time is steadier than wall time) and minor page
// faults. System time is mostly those faults, the first touch of memory
// the heap has not used before: a fresh process pays it, a warm one has
// the pages already, and its cost per fault depends on the host: about
// 16 µs of CPU time in the VM of docs/benchmarks.md, 6–7 of them counted
// as system time and the rest as user time (`go run ./tools/pagecost`).
type usage struct {
	user, sys time.Duration
	faults    int64
}

func readUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano()), faults: ru.Minflt}
}
