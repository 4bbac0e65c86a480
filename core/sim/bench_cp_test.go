package sim

import (
	"runtime"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// benchControlPlane measures the control plane alone: the registry, the
// store, the Deployment and ReplicaSet controllers and the scheduler, from
// the apply of deps Deployments to every pod bound. The nodes register and
// are Ready, then their machines stop (as Kubernetes' scheduler_perf runs
// without kubelets): nothing starts a container or writes a pod status, so
// the figures are those of "pods through controllers + scheduler + store"
// that the end-to-end BenchmarkSim* figures include along with the node
// machines and the fake runtime. The Nodes stay Ready: their Leases would
// expire only after the node monitor's 40 s grace, and the run lasts a
// fraction of a second of virtual time.
func benchControlPlane(b *testing.B, nodes, deps, replicas int) {
	pods := deps * replicas
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		c := benchCluster(b, nodes, deps, replicas)
		for _, n := range c.nodes {
			if err := c.CrashNode(n.name, false); err != nil {
				b.Fatal(err)
			}
		}
		w, err := c.Store().Watch(api.KeyPrefix+"pods/", 0)
		if err != nil {
			b.Fatal(err)
		}
		objs := benchDeployments(deps, replicas)
		m := startMeasure(b)
		wall, peak := runToBound(b, c, w, objs, pods)
		m.report(b, c, pods, wall, peak)
	}
}

// runToBound applies the deployments and steps until pods pods are bound,
// counting the binds on w (a watch of the pods, polled every 256 steps).
func runToBound(b *testing.B, c *Cluster, w store.Watcher, objs []api.Object, pods int) (time.Duration, uint64) {
	ap, _ := w.(store.Appender)
	var evs []store.Event
	bound := 0
	return runUntil(b, c, objs, pods, "bound", func(step int) int {
		if step%256 != 0 {
			return bound
		}
		var err error
		if ap != nil {
			evs, err = ap.PollAppend(evs[:0], 0)
		} else {
			evs, err = w.Poll(0)
		}
		if err != nil {
			b.Fatal(err)
		}
		for j := range evs {
			bound += bindsIn(&evs[j])
		}
		return bound
	})
}

// bindsIn is 1 if ev is the write that bound a pod.
func bindsIn(ev *store.Event) int {
	if ev.Type == store.Deleted {
		return 0
	}
	p := ev.Object.(*api.Pod)
	if p.Spec.NodeName == "" {
		return 0
	}
	if ev.PrevObject != nil && ev.PrevObject.(*api.Pod).Spec.NodeName != "" {
		return 0
	}
	return 1
}

// The sizes of BenchmarkSim*: 30 pods per node, Deployments of 100
// replicas.
func BenchmarkControlPlane10k(b *testing.B)  { benchControlPlane(b, 334, 100, 100) }
func BenchmarkControlPlane50k(b *testing.B)  { benchControlPlane(b, 1667, 500, 100) }
func BenchmarkControlPlane150k(b *testing.B) { benchControlPlane(b, 5000, 1500, 100) }
