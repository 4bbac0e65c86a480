package registry

import (
	"strconv"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// benchRegistry returns a registry over a shared-object store (as the
// simulator uses it) holding n bound pods.
func benchRegistry(b *testing.B, n int) (*Registry, []*api.Pod) {
	b.Helper()
	r := New(store.NewMemoryWith(store.MemoryOptions{Shared: true}), Config{Seed: 1})
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}
	ns.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	if _, err := r.Create(ns, t0); err != nil {
		b.Fatal(err)
	}
	pods := make([]*api.Pod, n)
	for i := range pods {
		p := pod("web-" + strconv.Itoa(i))
		p.Labels = map[string]string{"app": "web", "pod-template-hash": "5d8f"}
		p.Spec.Containers[0].Resources.Requests = api.ResourceList{"cpu": api.MustParseQuantity("100m"), "memory": api.MustParseQuantity("64Mi")}
		o, err := r.Create(p, t0)
		if err != nil {
			b.Fatal(err)
		}
		o, err = r.Bind("default", p.Name, o.GetObjectMeta().UID, "n1", t0)
		if err != nil {
			b.Fatal(err)
		}
		pods[i] = o.(*api.Pod)
	}
	return r, pods
}

func BenchmarkCreatePod(b *testing.B) {
	r, _ := benchRegistry(b, 0)
	p := pod("x")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Name = "p-" + strconv.Itoa(i)
		i++
		if _, err := r.Create(p, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdatePodStatus(b *testing.B) {
	r, pods := benchRegistry(b, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := api.DeepCopy(pods[i%len(pods)])
		p.ResourceVersion = ""
		p.Status.Phase = api.PodRunning
		p.Status.PodIP = "10.244.0." + strconv.Itoa(i%250)
		i++
		o, err := r.UpdateStatus(p, t0)
		if err != nil {
			b.Fatal(err)
		}
		pods[(i-1)%len(pods)] = o.(*api.Pod)
	}
}
