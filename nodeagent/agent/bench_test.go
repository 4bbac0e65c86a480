package agent_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
	"github.com/capstan-dev/capstan/nodeagent/apifake"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/nodeagent/probe"
	"github.com/capstan-dev/capstan/nodeagent/runtime"
	"github.com/capstan-dev/capstan/nodeagent/volumes"
)

var (
	benchPods    = flag.Int("pods", 50, "BenchmarkPodStartup: pods per iteration")
	benchRate    = flag.Float64("podrate", 5, "BenchmarkPodStartup/paced: pods bound per second")
	benchWorkers = flag.Int("workers", 0, "BenchmarkPodStartup: the agent's Workers (0: its default)")
	benchCPU     = flag.Int("cpuworkers", 0, "BenchmarkPodStartup: the agent's CPUWorkers (0: its default)")
)

// BenchmarkPodStartup measures the time from a pod's creation, already
// bound to the node, to its Running status reaching the API, for 50
// busybox pods (real containerd, real pod networks, the in-memory API),
// created in three ways:
//
//	sequential  one at a time, each once the one before runs: the floor
//	paced       at a steady rate (-podrate, default 5/s), as Kubernetes'
//	            density test measures its pod startup SLO
//	burst       all at once
//
// Each reports the p50, p99 and max over every pod of every iteration,
// and the CPU time per pod of the agent's process, containerd and the
// shims; it logs the mean of each phase of a pod's way to Running.
//
//	go test -run '^$' -bench PodStartup -benchtime 1x ./nodeagent/agent/
func BenchmarkPodStartup(b *testing.B) {
	bn := startBenchNode(b)
	b.Run("sequential", func(b *testing.B) { bn.run(b, "seq", 0) })
	b.Run(fmt.Sprintf("paced-%gps", *benchRate), func(b *testing.B) {
		bn.run(b, "paced", time.Duration(float64(time.Second) / *benchRate))
	})
	b.Run("burst", func(b *testing.B) { bn.run(b, "burst", -1) })
}

// benchNode is an agent on a private containerd, as `capstan agent` runs
// one (default tick and workers), whose debug records are kept.
type benchNode struct {
	d     *containerdtest.Daemon
	api   *apifake.API
	trace *traceLog
	ns    string

	mu      sync.Mutex
	pending map[string]chan time.Time // by pod name: when it was seen Running
}

func startBenchNode(b *testing.B) *benchNode {
	const ns, bridge, cidr = "bench", "capbench", "10.253.9.0/24"
	agenttest.LockBridge(b, bridge)
	bn := &benchNode{d: containerdtest.Start(b), api: apifake.New(), trace: &traceLog{}, ns: ns,
		pending: map[string]chan time.Time{}}
	if err := bn.d.ImportTestImage(ns); err != nil {
		b.Fatal(err)
	}
	c, err := bn.d.Client()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	netw, err := podnet.New(podnet.Config{PodCIDR: cidr, Bridge: bridge, DataDir: filepath.Join(dir, "net")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = netw.TeardownAll(context.Background())
		_ = exec.Command("ip", "link", "del", bridge).Run()
		containerdtest.UnmountUnder(dir)
	})
	log := slog.New(bn.trace)
	var ag *agent.Agent
	rt, err := runtime.New(runtime.Config{Client: c, Namespace: ns, DataDir: dir, Network: netw, Volumes: volumes.New(dir),
		Log: log, Observe: func(in node.Input) { ag.Observe(in) }})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := agent.HostNode(node.Config{NodeName: ns}, "", "bench")
	if err != nil {
		b.Fatal(err)
	}
	ag, err = agent.New(agent.Config{Node: cfg, PodCIDR: cidr, API: bn.api, Runtime: rt, Prober: probe.New(rt),
		Workers: *benchWorkers, CPUWorkers: *benchCPU, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = rt.Run(ctx); done <- struct{}{} }()
	go func() { _ = ag.Run(ctx); done <- struct{}{} }()
	b.Cleanup(func() { cancel(); <-done; <-done; c.Close() })
	w, err := bn.api.Watch(ctx, "Pod", "default", "", "")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			ev, err := w.Next()
			if err != nil {
				return
			}
			if p := ev.Object.(*api.Pod); p.Status.Phase == "Running" {
				now := time.Now()
				bn.mu.Lock()
				if ch, ok := bn.pending[p.Name]; ok {
					ch <- now
					delete(bn.pending, p.Name)
				}
				bn.mu.Unlock()
			}
		}
	}()
	return bn
}

// run creates the pods of each iteration every interval (0: each once
// the one before runs; < 0: all at once) and reports their latencies.
func (bn *benchNode) run(b *testing.B, mode string, interval time.Duration) {
	ctx := context.Background()
	var (
		lat        []time.Duration
		timings    []podTiming
		cpu        cpuSplit
		iterations int
	)
	bn.trace.reset()
	for i := 0; i < b.N; i++ {
		iterations++
		before, err := cpuOf(bn.d)
		if err != nil {
			b.Fatal(err)
		}
		type started struct {
			name, uid string
			at        time.Time
			running   chan time.Time
		}
		var pods []started
		next := time.Now()
		for j := 0; j < *benchPods; j++ {
			if interval > 0 {
				time.Sleep(time.Until(next))
				next = next.Add(interval)
			}
			s := started{name: fmt.Sprintf("%s-%d-%d", mode, i, j), running: make(chan time.Time, 1)}
			bn.mu.Lock()
			bn.pending[s.name] = s.running
			bn.mu.Unlock()
			s.at = time.Now()
			o, err := bn.api.Create(ctx, benchPod(s.name, bn.ns))
			if err != nil {
				b.Fatal(err)
			}
			s.uid = o.(*api.Pod).UID
			pods = append(pods, s)
			if interval == 0 {
				waitRunning(b, s.name, s.running, s.at, &lat, &timings, s.uid)
			}
		}
		if interval != 0 {
			for _, s := range pods {
				waitRunning(b, s.name, s.running, s.at, &lat, &timings, s.uid)
			}
		}
		after, err := cpuOf(bn.d)
		if err != nil {
			b.Fatal(err)
		}
		cpu = cpu.add(after.since(before, bn.d))
		b.StopTimer()
		bn.deleteAll(b, fmt.Sprintf("%s-%d-", mode, i), len(pods))
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	q := func(f float64) float64 { return ms(lat[int(f*float64(len(lat)-1))]) }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	n := float64(iterations * *benchPods)
	b.ReportMetric(ms(cpu.total())/n, "cpu-ms/pod")
	// On stdout: the testing package cuts a benchmark's log to 10 lines.
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: CPU per pod: agent %.1f ms, its child processes %.1f ms, containerd (and shim start) %.1f ms, shims (and runc) %.1f ms\n",
		b.Name(), ms(cpu.agent)/n, ms(cpu.plugins)/n, ms(cpu.containerd)/n, ms(cpu.shims)/n)
	fmt.Fprintf(&sb, "mean per pod, from its creation to its Running status observed:\n")
	for _, s := range bn.trace.breakdown(timings) {
		fmt.Fprintf(&sb, "  %-36s %7.1f ms\n", s.name, ms(s.mean))
	}
	fmt.Print(sb.String())
}

func waitRunning(b *testing.B, name string, running chan time.Time, created time.Time, lat *[]time.Duration, timings *[]podTiming, uid string) {
	select {
	case at := <-running:
		*lat = append(*lat, at.Sub(created))
		*timings = append(*timings, podTiming{uid: uid, created: created, running: at})
	case <-time.After(2 * time.Minute):
		b.Fatalf("pod %s not Running after 2 minutes", name)
	}
}

func benchPod(name, nodeName string) *api.Pod {
	return &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec: api.PodSpec{NodeName: nodeName, Containers: []api.Container{{Name: "c", Image: "busybox",
			ImagePullPolicy: "IfNotPresent", Command: []string{"sleep", "3600"}}}}}
}

// deleteAll force-deletes the pods prefix0 .. prefix(n-1) and waits for
// the agent to remove their containers.
func (bn *benchNode) deleteAll(b *testing.B, prefix string, n int) {
	ctx := context.Background()
	zero := int64(0)
	for j := 0; j < n; j++ {
		if err := bn.api.Delete(ctx, "Pod", "default", fmt.Sprintf("%s%d", prefix, j), &zero, ""); err != nil {
			b.Fatal(err)
		}
	}
	c, err := bn.d.Client()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	nctx := namespaces.WithNamespace(ctx, bn.ns)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		ctrs, err := c.Containers(nctx)
		if err == nil && len(ctrs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d containers not gone: %v", len(ctrs), err)
		}
	}
}
