package store

import (
	"fmt"
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
