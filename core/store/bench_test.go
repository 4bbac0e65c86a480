package store

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// The simulator's target scale: 150,000 pods over 100 namespaces.
const (
	benchPods       = 150_000
	benchNamespaces = 100
)

// benchPod returns a pod of typical size: labels, an owner, one container
// with ports and env, a node name.
func benchPod(i int) *api.Pod {
	ns := fmt.Sprintf("ns-%03d", i%benchNamespaces)
	// Names in a scrambled order, so that inserts land all over the index.
	name := fmt.Sprintf("web-%08x", uint32(i)*2654435761)
	ctrl := true
	return &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			Namespace: ns, Name: name, UID: fmt.Sprint("uid-", i),
			Labels:          map[string]string{"app": "web", "pod-template-hash": "5d8f7c9b6"},
			OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d8f7c9b6", UID: "rs-uid", Controller: &ctrl}},
		},
		Spec: api.PodSpec{
			NodeName: fmt.Sprintf("node-%04d", i%5000),
			Containers: []api.Container{{
				Name: "web", Image: "registry.example/web:1.2.3",
				Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: "TCP"}},
				Env:   []api.EnvVar{{Name: "MODE", Value: "production"}},
			}},
		},
	}
}

func makeBenchPods(n int) []*api.Pod {
	pods := make([]*api.Pod, n)
	for i := range pods {
		pods[i] = benchPod(i)
	}
	return pods
}

func benchStore(b *testing.B, pods []*api.Pod) *Memory {
	b.Helper()
	m := NewMemory()
	for _, p := range pods {
		if _, err := m.Create(p); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// BenchmarkCreate150kPods fills an empty store with 150,000 pods per op.
func BenchmarkCreate150kPods(b *testing.B) {
	pods := makeBenchPods(benchPods)
	b.ReportAllocs()
	for b.Loop() {
		benchStore(b, pods)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPods), "ns/create")
}

// BenchmarkGet reads one pod from a store of 150,000.
func BenchmarkGet(b *testing.B) {
	pods := makeBenchPods(benchPods)
	m := benchStore(b, pods)
	key, _ := api.KeyOf(pods[77])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Get(key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListNamespace lists one namespace (1,500 pods) of 150,000.
func BenchmarkListNamespace(b *testing.B) {
	m := benchStore(b, makeBenchPods(benchPods))
	prefix := api.KeyFor("pods", "ns-042", "")
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.List(prefix, ListOptions{})
		if err != nil || len(res.Items) != benchPods/benchNamespaces {
			b.Fatalf("%d items, %v", len(res.Items), err)
		}
	}
}

// BenchmarkListNamespacePage lists the first 100 pods of one namespace:
// the cost of one page, including counting the rest.
func BenchmarkListNamespacePage(b *testing.B) {
	m := benchStore(b, makeBenchPods(benchPods))
	prefix := api.KeyFor("pods", "ns-042", "")
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.List(prefix, ListOptions{Limit: 100})
		if err != nil || len(res.Items) != 100 || res.RemainingItemCount != benchPods/benchNamespaces-100 {
			b.Fatalf("%d items, remaining %d, %v", len(res.Items), res.RemainingItemCount, err)
		}
	}
}

// BenchmarkListOldRevision lists one namespace as of before a round of
// updates to every pod in it.
func BenchmarkListOldRevision(b *testing.B) {
	pods := makeBenchPods(benchPods)
	m := benchStore(b, pods)
	rev := m.rev
	for i := 42; i < benchPods; i += benchNamespaces {
		m.Update(pods[i])
	}
	prefix := api.KeyFor("pods", "ns-042", "")
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.List(prefix, ListOptions{Revision: rev})
		if err != nil || len(res.Items) != benchPods/benchNamespaces {
			b.Fatalf("%d items, %v", len(res.Items), err)
		}
	}
}

// BenchmarkWatchPoll measures one update delivered to three watchers: one
// on every pod, one on the namespace written, one on another namespace.
func BenchmarkWatchPoll(b *testing.B) {
	pods := makeBenchPods(benchPods)
	m := benchStore(b, pods)
	var ws []Watcher
	for _, prefix := range []string{api.KeyFor("pods", "", ""), api.KeyFor("pods", "ns-007", ""), api.KeyFor("pods", "ns-008", "")} {
		w, _ := m.Watch(prefix, 0)
		ws = append(ws, w)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Update(pods[7+benchNamespaces*(i%1000)])
		i++
		for _, w := range ws {
			if _, err := w.Poll(0); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCompact measures compacting away one update to each of 1,500
// pods in a store of 150,000.
func BenchmarkCompact(b *testing.B) {
	pods := makeBenchPods(benchPods)
	m := benchStore(b, pods)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := 42; i < benchPods; i += benchNamespaces {
			m.Update(pods[i])
		}
		b.StartTimer()
		if err := m.Compact(m.rev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSharedPodLifecycle is the simulator's write path through a
// shared store, per pod: a create, then a read and a compare-and-swap
// update three times (the bind and two status writes), with a watcher
// of everything polled after each round, as core/sim's hub does. It
// reports the store's own bytes per pod live at the end, after a
// compaction: not counting the pods, which the benchmark allocates, but
// counting the resourceVersion strings of their four versions (32 bytes).
func BenchmarkSharedPodLifecycle(b *testing.B) {
	const pods = 10_000
	src := makeBenchPods(pods)
	b.ReportAllocs()
	var live float64
	for b.Loop() {
		b.StopTimer()
		objs := make([]*api.Pod, 4*pods) // every version, made before the clock runs
		for i, p := range src {
			for v := range 4 {
				c := *p
				objs[4*i+v] = &c
			}
		}
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		m := NewMemoryWith(MemoryOptions{Shared: true})
		w, _ := m.Watch(api.KeyPrefix, 0)
		var evs []Event
		for v := range 4 {
			for i := range pods {
				p := objs[4*i+v]
				if v == 0 {
					if _, err := m.Create(p); err != nil {
						b.Fatal(err)
					}
					continue
				}
				cur := m.Lookup("pods", p.Namespace, p.Name)
				p.ResourceVersion = cur.GetObjectMeta().ResourceVersion
				if _, err := m.Update(p); err != nil {
					b.Fatal(err)
				}
			}
			evs, _ = w.(Appender).PollAppend(evs[:0], 0)
		}
		m.Compact(m.rev)
		b.StopTimer()
		evs = nil
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / pods
		runtime.KeepAlive(m)
		runtime.KeepAlive(objs)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pods), "ns/pod")
	b.ReportMetric(live, "store-B/pod")
}
