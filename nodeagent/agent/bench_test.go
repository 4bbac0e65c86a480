package agent_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
	"github.com/capstan-dev/capstan/nodeagent/apifake"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
)

// BenchmarkPodStartup measures, for 50 pods created bound to one node at
// once, the time from the pod's creation to its Running status reaching
// the API (real containerd, real pod networks, the in-memory API). It
// reports the p50 and p99 over all pods of all iterations:
//
//	go test -run '^$' -bench PodStartup -benchtime 3x ./nodeagent/agent/
func BenchmarkPodStartup(b *testing.B) {
	const pods = 50
	d := containerdtest.Start(b)
	a := apifake.New()
	timed := &timedRuntime{sum: map[string]time.Duration{}, n: map[string]int{}}
	n := agenttest.Start(b, d, a, agenttest.Options{Name: "bench", PodCIDR: "10.253.9.0/24", Bridge: "capbench",
		Wrap: func(rt agent.Runtime) agent.Runtime { timed.Runtime = rt; return timed }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu      sync.Mutex
		created = map[string]time.Time{}
		lat     []time.Duration
		done    = make(chan struct{}, pods)
	)
	w, err := a.Watch(ctx, "Pod", "default", "", "")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			ev, err := w.Next()
			if err != nil {
				return
			}
			p := ev.Object.(*api.Pod)
			if p.Status.Phase != "Running" {
				continue
			}
			mu.Lock()
			if t, ok := created[p.Name]; ok {
				lat = append(lat, time.Since(t))
				delete(created, p.Name)
				done <- struct{}{}
			}
			mu.Unlock()
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < pods; j++ {
			name := fmt.Sprintf("p%d-%d", i, j)
			p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
				Spec: api.PodSpec{NodeName: "bench", Containers: []api.Container{{Name: "c", Image: "busybox",
					ImagePullPolicy: "IfNotPresent", Command: []string{"sleep", "3600"}}}}}
			mu.Lock()
			created[name] = time.Now()
			mu.Unlock()
			if _, err := a.Create(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		for j := 0; j < pods; j++ {
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				b.Fatalf("iteration %d: only %d of %d pods Running", i, j, pods)
			}
		}
		b.StopTimer()
		zero := int64(0)
		for j := 0; j < pods; j++ {
			if err := a.Delete(ctx, "Pod", "default", fmt.Sprintf("p%d-%d", i, j), &zero, ""); err != nil {
				b.Fatal(err)
			}
		}
		// Force deletion removes the pods at once; the agent then kills
		// and removes their containers.
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			k, err := n.Containers()
			if err == nil && k == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d containers not gone: %v", k, err)
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	timed.mu.Lock()
	defer timed.mu.Unlock()
	for _, k := range []string{"EnsureImage", "CreateContainer", "StartContainer"} {
		if timed.n[k] > 0 {
			b.ReportMetric(float64(timed.sum[k])/float64(timed.n[k])/float64(time.Millisecond), k+"-ms")
		}
	}
}

// timedRuntime measures the mean duration of each kind of action.
type timedRuntime struct {
	agent.Runtime
	mu  sync.Mutex
	sum map[string]time.Duration
	n   map[string]int
}

func (t *timedRuntime) Do(ctx context.Context, a node.Action) node.Input {
	start := time.Now()
	in := t.Runtime.Do(ctx, a)
	kind := strings.TrimPrefix(fmt.Sprintf("%T", a), "node.")
	t.mu.Lock()
	t.sum[kind] += time.Since(start)
	t.n[kind]++
	t.mu.Unlock()
	return in
}
