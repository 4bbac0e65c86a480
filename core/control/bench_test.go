package control

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// fakeAPI executes writes without a store or deep copies: the cheapest
// caller there can be, so that the benchmark measures the machine. Bound
// pods start Running and Ready at once (a kubelet in one step); deleted
// pods go at once.
type fakeAPI struct {
	rev    int64
	uid    int
	now    api.Time
	objs   map[string]api.Object
	events []store.Event
	ip     int
}

func (f *fakeAPI) emit(typ store.EventType, key string, obj, prev api.Object) {
	f.rev++
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(f.rev, 10)
	if typ == store.Deleted {
		delete(f.objs, key)
	} else {
		f.objs[key] = obj
	}
	f.events = append(f.events, store.Event{Type: typ, Key: key, Object: obj, PrevObject: prev, Revision: f.rev})
}

func (f *fakeAPI) create(obj api.Object) {
	m := obj.GetObjectMeta()
	f.uid++
	m.UID = "uid-" + strconv.Itoa(f.uid)
	m.CreationTimestamp = f.now
	m.Generation = 1
	key, _ := api.KeyOf(obj)
	switch o := obj.(type) {
	case *api.Pod:
		o.Status.Phase = api.PodPending
		if o.Spec.SchedulerName == "" {
			o.Spec.SchedulerName = api.DefaultSchedulerName
		}
	}
	f.emit(store.Added, key, obj, nil)
}

func (f *fakeAPI) apply(w Write) bool {
	cur := f.objs[w.Key]
	if w.Op != OpCreate && cur == nil {
		return false
	}
	if (w.Op == OpUpdate || w.Op == OpUpdateStatus) && w.Object.GetObjectMeta().ResourceVersion != cur.GetObjectMeta().ResourceVersion {
		return false
	}
	switch w.Op {
	case OpCreate:
		if _, ok := f.objs[w.Key]; ok {
			return false
		}
		f.create(w.Object)
	case OpUpdate:
		next := w.Object
		keepStatus(next, cur)
		nm, cm := next.GetObjectMeta(), cur.GetObjectMeta()
		nm.UID, nm.CreationTimestamp, nm.Generation = cm.UID, cm.CreationTimestamp, cm.Generation+1
		f.emit(store.Modified, w.Key, next, cur)
	case OpUpdateStatus:
		next := shallowWithStatus(cur, w.Object)
		f.emit(store.Modified, w.Key, next, cur)
	case OpDelete:
		f.emit(store.Deleted, w.Key, cur, cur)
	case OpBind:
		p := *cur.(*api.Pod)
		p.Spec.NodeName = w.Node
		p.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: f.now}}
		f.emit(store.Modified, w.Key, &p, cur)
		r := p
		f.ip++
		r.Status.Phase = api.PodRunning
		r.Status.PodIP = "10." + strconv.Itoa(f.ip>>16&255) + "." + strconv.Itoa(f.ip>>8&255) + "." + strconv.Itoa(f.ip&255)
		r.Status.Conditions = []api.PodCondition{p.Status.Conditions[0], {Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: f.now}}
		f.emit(store.Modified, w.Key, &r, &p)
	}
	return true
}

func keepStatus(next, cur api.Object) {
	switch n := next.(type) {
	case *api.Pod:
		n.Status = cur.(*api.Pod).Status
	case *api.ReplicaSet:
		n.Status = cur.(*api.ReplicaSet).Status
	case *api.Deployment:
		n.Status = cur.(*api.Deployment).Status
	case *api.Node:
		n.Status = cur.(*api.Node).Status
	case *api.Service:
		n.Status = cur.(*api.Service).Status
	}
}

func shallowWithStatus(cur, obj api.Object) api.Object {
	switch c := cur.(type) {
	case *api.Pod:
		n := *c
		n.Status = obj.(*api.Pod).Status
		return &n
	case *api.ReplicaSet:
		n := *c
		n.Status = obj.(*api.ReplicaSet).Status
		return &n
	case *api.Deployment:
		n := *c
		n.Status = obj.(*api.Deployment).Status
		return &n
	case *api.Node:
		n := *c
		n.Status = obj.(*api.Node).Status
		return &n
	}
	return obj
}

// benchCluster makes nodes (32 cpu, 110 pods) and deployments of 100
// replicas of 100m pods.
func benchCluster(f *fakeAPI, nodes, deployments int) {
	for i := 0; i < nodes; i++ {
		name := fmt.Sprintf("node-%05d", i)
		f.create(&api.Node{
			TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.LabelHostname: name, api.LabelTopologyZone: fmt.Sprint("z", i%3)}},
			Status: api.NodeStatus{
				Allocatable: api.ResourceList{api.ResourceCPU: api.MustParseQuantity("32"), api.ResourceMemory: api.MustParseQuantity("128Gi"),
					api.ResourcePods: api.MustParseQuantity("110")},
				Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, LastHeartbeatTime: f.now}},
			},
		})
	}
	for i := 0; i < deployments; i++ {
		d := deployment(fmt.Sprintf("app-%04d", i), 100, "nginx:1")
		d.TypeMeta = api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
		api.Default(d)
		f.create(d)
	}
}

// benchmarkControlPlane runs deployments of 100 pods each from nothing to
// all Running, through the controllers and the scheduler, with the writes
// executed by fakeAPI, and reports time per event and per pod, and the
// machine's memory per pod (beyond the objects, which it shares with the
// store).
func benchmarkControlPlane(b *testing.B, nodes, pods int) {
	var elapsed time.Duration
	var events, writes int
	var bytesPerPod float64
	for i := 0; i < b.N; i++ {
		f := &fakeAPI{now: t0, objs: map[string]api.Object{}}
		benchCluster(f, nodes, pods/100)
		m := New(Config{Seed: 1})
		runtime.GC()
		start := time.Now()
		m.Tick(f.now)
		for {
			for _, ev := range f.events {
				m.Step(ev)
			}
			events += len(f.events)
			f.events = f.events[:0]
			n := 0
			for w := range m.Ready().All() {
				n++
				if !f.apply(w) {
					m.Failed(WriteFailed{Write: w, Reason: api.StatusReasonConflict})
				}
			}
			if n == 0 && !m.Pending() {
				break
			}
			writes += n
		}
		elapsed += time.Since(start)
		b.StopTimer()
		running := 0
		for _, o := range f.objs {
			if p, ok := o.(*api.Pod); ok && p.Status.Phase == api.PodRunning {
				running++
			}
		}
		if running != pods {
			b.Fatalf("%d pods running, want %d", running, pods)
		}
		var withM, withoutM runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&withM)
		runtime.KeepAlive(m)
		m = nil
		runtime.GC()
		runtime.ReadMemStats(&withoutM)
		runtime.KeepAlive(f)
		bytesPerPod += float64(int64(withM.HeapAlloc)-int64(withoutM.HeapAlloc)) / float64(pods)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(events), "ns/event")
	b.ReportMetric(float64(pods)*n/elapsed.Seconds(), "pods/s")
	b.ReportMetric(float64(events)/n/float64(pods), "events/pod")
	b.ReportMetric(float64(writes)/n/float64(pods), "writes/pod")
	b.ReportMetric(bytesPerPod/n, "B/pod")
}

func BenchmarkControlPlane10kPods(b *testing.B) { benchmarkControlPlane(b, 500, 10_000) }

func BenchmarkControlPlane50kPods(b *testing.B) { benchmarkControlPlane(b, 2500, 50_000) }
