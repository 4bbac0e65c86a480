package explore

import (
	"fmt"
	"hash/fnv"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// deliverNode gives n one event of its watch, as core/sim's hub does:
// Added when the pod was not bound before, Updated after, Deleted.
func (w *World) deliverNode(n *simNode, ev store.Event) {
	p := ev.Object.(*api.Pod)
	var in node.Input
	switch {
	case ev.Type == store.Deleted:
		in = node.PodDeleted{Pod: p}
	case ev.PrevObject == nil || ev.PrevObject.(*api.Pod).Spec.NodeName == "":
		in = node.PodAdded{Pod: p}
	default:
		in = node.PodUpdated{Pod: p}
	}
	w.nodeStep(n, in)
}

// nodeStep feeds one input to n's machine and executes what it emits:
// its writes go through the registry (failing while partitioned, fed back
// as WriteFailed), its runtime actions become outstanding. With
// EagerRuntime, the actions other than starts and kills are answered at
// once, until only those remain.
func (w *World) nodeStep(n *simNode, in node.Input) {
	if err := n.m.Step(in); err != nil {
		panic(fmt.Sprintf("explore: node %s refused %s: %v", n.name, in.Describe(), err))
	}
	for n.m != nil {
		if n.m.HasReady() {
			rd := n.m.Ready()
			for _, f := range w.execNodeReady(n, &rd) {
				must(n.m.Step(f))
			}
			continue
		}
		i := w.eagerNext(n)
		if i < 0 {
			return
		}
		a := n.rt[i]
		n.rt = append(n.rt[:i:i], n.rt[i+1:]...)
		obs := w.observe(n, a)
		if w.trace {
			w.logf("  %s runtime (eager) %s -> %s", n.name, a.Describe(), obs.Describe())
		}
		must(n.m.Step(obs))
	}
}

// eagerNext returns the index of the first outstanding action the
// runtime answers at once, or -1.
func (w *World) eagerNext(n *simNode) int {
	if !w.cfg.EagerRuntime {
		return -1
	}
	for i, a := range n.rt {
		if !explicit(a) {
			return i
		}
	}
	return -1
}

// explicit reports whether answering a is a transition of its own under
// EagerRuntime: a container starting, a container stopping.
func explicit(a node.Action) bool {
	switch a.(type) {
	case node.StartContainer, node.KillContainer:
		return true
	}
	return false
}

// runtimeNext returns the index of the action the Runtime transition
// answers, or -1 when there is none.
func (w *World) runtimeNext(n *simNode) int {
	if n.m == nil || len(n.rt) == 0 {
		return -1
	}
	return 0
}

// answer lets n's runtime answer outstanding action i.
func (w *World) answer(n *simNode, i int) {
	a := n.rt[i]
	n.rt = append(n.rt[:i:i], n.rt[i+1:]...)
	obs := w.observe(n, a)
	if w.trace {
		w.logf("runtime %s %s -> %s", n.name, a.Describe(), obs.Describe())
	}
	w.nodeStep(n, obs)
}

// observe is the fake runtime: every action succeeds, at once. Container
// ids are derived from the pod, container and attempt, so that they do
// not depend on the order containers were created in.
func (w *World) observe(n *simNode, a node.Action) node.Input {
	switch a := a.(type) {
	case node.EnsureImage:
		return node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: a.Image + "@sha256:0"}
	case node.CreateContainer:
		return node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt,
			ID: containerID(a.Pod.UID, a.Container, a.Attempt)}
	case node.StartContainer:
		return node.ContainerStarted{ID: a.ID, At: w.now}
	case node.KillContainer:
		return node.ContainerKilled{ID: a.ID, ExitCode: 0, At: w.now}
	case node.RemoveContainer:
		return node.ContainerRemoved{ID: a.ID}
	case node.SetupVolume:
		return node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume}
	case node.TeardownVolume:
		return node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume}
	case node.RunProbe:
		return node.ProbeResult{ID: a.ID, Kind: a.Kind, Success: true}
	}
	panic(fmt.Sprintf("explore: unknown action %T", a))
}

func containerID(uid, container string, attempt int32) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%d", uid, container, attempt)
	return fmt.Sprintf("%016x", h.Sum64())
}

// execNodeReady executes one Ready of n's machine in the order node.Ready
// prescribes and returns the failures to feed back. Events are dropped.
func (w *World) execNodeReady(n *simNode, rd *node.Ready) []node.Input {
	var failed []node.Input
	fail := func(what, uid string, err error) {
		w.logf("  %s write %s failed: %v", n.name, what, err)
		failed = append(failed, node.WriteFailed{What: what, PodUID: uid})
	}
	if rd.Registration != nil {
		if err := w.register(n, rd.Registration); err != nil {
			fail("node", "", err)
		}
	}
	n.rt = append(n.rt, rd.Actions...)
	for _, u := range rd.StatusUpdates {
		if err := w.writePodStatus(n, u); err != nil {
			fail("status", u.Pod.UID, err)
		}
	}
	for _, d := range rd.PodDeletions {
		if err := w.deletePod(n, d); err != nil {
			fail("delete", d.Pod.UID, err)
		}
	}
	if rd.Lease != nil {
		if err := w.renewLease(n, rd.Lease); err != nil {
			fail("lease", "", err)
		}
	}
	if rd.NodeStatus != nil {
		if err := w.writeNodeStatus(n, rd.NodeStatus); err != nil {
			fail("node", "", err)
		}
	}
	return failed
}

var errPartitioned = &store.Error{Code: store.BadRequest, Message: "partitioned"}

func (w *World) register(n *simNode, reg *api.Node) error {
	if n.partitioned {
		return errPartitioned
	}
	_, err := w.reg.Create(reg, w.now)
	if api.ReasonForError(err) == api.StatusReasonAlreadyExists {
		return nil
	}
	return err
}

// writePodStatus writes a pod's status against its latest version, as the
// kubelet's status manager does (nothing if the pod is gone).
func (w *World) writePodStatus(n *simNode, u node.StatusUpdate) error {
	if n.partitioned {
		return errPartitioned
	}
	cur, err := w.mem.Get(api.KeyFor("pods", u.Pod.Namespace, u.Pod.Name))
	if err != nil || cur.GetObjectMeta().UID != u.Pod.UID {
		return nil
	}
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, Status: u.Status}
	p.ObjectMeta = api.ObjectMeta{Namespace: u.Pod.Namespace, Name: u.Pod.Name, UID: u.Pod.UID,
		ResourceVersion: cur.GetObjectMeta().ResourceVersion}
	_, err = w.reg.UpdateStatus(p, w.now)
	if err == nil {
		w.logf("  %s status %s %s", n.name, u.Pod, u.Status.Phase)
	}
	return err
}

// deletePod is a terminated pod's final deletion (grace 0, uid
// precondition); a pod already gone is no error.
func (w *World) deletePod(n *simNode, d node.PodDeletion) error {
	if n.partitioned {
		return errPartitioned
	}
	zero := int64(0)
	_, err := w.reg.Delete("pods", d.Pod.Namespace, d.Pod.Name, registry.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: store.Preconditions{UID: d.Pod.UID}}, w.now)
	switch {
	case err == nil:
		w.logf("  %s delete pod %s", n.name, d.Pod)
	case api.ReasonForError(err) == api.StatusReasonNotFound:
		err = nil
	}
	return err
}

func (w *World) renewLease(n *simNode, l *node.LeaseRenewal) error {
	if n.partitioned {
		return errPartitioned
	}
	cur, err := w.mem.Get(api.KeyFor("leases", l.Namespace, l.Name))
	if err != nil {
		obj := &api.Lease{TypeMeta: api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
			ObjectMeta: api.ObjectMeta{Namespace: l.Namespace, Name: l.Name}, Spec: l.Spec}
		_, err = w.reg.Create(obj, w.now)
		return err
	}
	next := *cur.(*api.Lease)
	next.Spec = l.Spec
	_, err = w.reg.Update(&next, w.now)
	return err
}

func (w *World) writeNodeStatus(n *simNode, u *node.NodeStatusUpdate) error {
	if n.partitioned {
		return errPartitioned
	}
	cur, err := w.mem.Get(api.KeyFor("nodes", "", u.Name))
	if err != nil {
		return err
	}
	next := *cur.(*api.Node)
	next.Status = u.Status
	_, err = w.reg.UpdateStatus(&next, w.now)
	return err
}

// tickNode ticks n's machine to the world's clock.
func (w *World) tickNode(n *simNode) {
	n.ticked = w.now
	w.nodeStep(n, node.Tick{Now: w.now})
}
