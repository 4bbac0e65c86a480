package etcdstore_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// benchPod is a pod as a Deployment's ReplicaSet creates it: labels, an
// owner, one container with a port and resources (about 600 bytes of
// JSON).
func benchPod(name string) *api.Pod {
	return &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			Namespace: "default", Name: name, UID: "uid-" + name,
			Labels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c8f6"},
			OwnerReferences: []api.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d4b9c8f6", UID: "uid-rs", Controller: ptr(true),
			}},
		},
		Spec: api.PodSpec{Containers: []api.Container{{
			Name: "web", Image: "nginx:1.27",
			Ports: []api.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}},
			Resources: api.ResourceRequirements{
				Requests: api.ResourceList{"cpu": api.MustParseQuantity("100m"), "memory": api.MustParseQuantity("128Mi")},
			},
		}}},
	}
}

func ptr[T any](v T) *T { return &v }

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCreate measures Store.Create of pods against an embedded
// member (fsync on, as always), from 1, 16 and 32 goroutines, through the
// in-process client and through gRPC over loopback. It reports creates/s
// the p50 and p99 latency of one Create, and the CPU time (user + system)
// the process spent per create: the member runs in the same process, so
// that is the whole cost of a write, and the one figure that does not
// depend on how loaded the machine is. Figures: docs/benchmarks.md.
func BenchmarkCreate(b *testing.B) {
	for _, client := range []string{"inprocess", "tcp"} {
		for _, workers := range []int{1, 16, 32} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", client, workers), func(b *testing.B) {
				m := etcdtest.Member(b, client == "tcp")
				s := etcdstore.New(m.Client(), etcdstore.Options{})
				if _, err := s.Create(benchPod("warm-up")); err != nil {
					b.Fatal(err)
				}
				lat := make([][]time.Duration, workers)
				var n atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				cpu0 := cpuTime(b)
				start := time.Now()
				for g := range workers {
					wg.Go(func() {
						for {
							i := n.Add(1)
							if i > int64(b.N) {
								return
							}
							t0 := time.Now()
							if _, err := s.Create(benchPod(fmt.Sprint("pod-", i))); err != nil {
								b.Error(err)
								return
							}
							lat[g] = append(lat[g], time.Since(t0))
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				cpu := cpuTime(b) - cpu0
				b.StopTimer()
				all := slices.Concat(lat...)
				slices.Sort(all)
				if len(all) == 0 {
					return
				}
				b.ReportMetric(float64(len(all))/elapsed.Seconds(), "creates/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/create")
			})
		}
	}
}
