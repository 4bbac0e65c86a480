package node_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// TestProperties drives the machine with random pods, runtime answers
// (successes and failures, in any order), container exits, probe results,
// deletions and ticks, and checks the machine's invariants after every
// step:
//
//   - a container's restartCount never decreases;
//   - a container never has two CreateContainer outstanding, a probe
//     never two RunProbe;
//   - nothing is emitted for a pod after its final deletion;
//   - a pod's phase never leaves Succeeded or Failed;
//   - under restartPolicy Never no container is started twice;
//   - actions only name containers the runtime created;
//   - once the runtime answers everything and time passes, every deleted
//     pod is finished: final deletion emitted, no container left behind;
//   - the same inputs give the same outputs (replayed at the end).
func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := newWorld(t)
		steps := rapid.IntRange(50, 300).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			w.randomStep(t)
		}
		w.settle(t)
		w.checkDeterminism(t)
	})
}

// world is a fake cluster around one machine: the API's pods and a
// runtime that answers the machine's actions when the test says so.
type world struct {
	m      *node.Machine
	cfg    node.Config
	now    api.Time
	inputs []node.Input

	pods    map[string]*api.Pod // by UID, as the API has them
	nextPod int
	// pending actions, answered in any order.
	pending []node.Action
	// running containers in the fake runtime, by ID, with their pod UID.
	running   map[string]string
	created   map[string]bool
	createdBy map[string]string // container ID -> pod UID
	nextID    int

	// invariant state
	restarts map[string]int32 // uid/container -> last restartCount
	creating map[string]bool  // uid/container -> create outstanding
	probing  map[string]bool  // containerID/kind -> probe outstanding
	deleted  map[string]bool  // uid -> final deletion emitted
	phases   map[string]string
	never    map[string]bool // uid -> restartPolicy Never
	ran      map[string]bool // uid/container -> an instance was started
	outputs  []string
}

func newWorld(t *rapid.T) *world {
	w := &world{
		cfg:     node.Config{NodeName: "n1"},
		now:     epoch,
		pods:    map[string]*api.Pod{},
		running: map[string]string{}, created: map[string]bool{}, createdBy: map[string]string{},
		restarts: map[string]int32{}, creating: map[string]bool{}, probing: map[string]bool{}, deleted: map[string]bool{},
		phases: map[string]string{}, never: map[string]bool{}, ran: map[string]bool{},
	}
	w.m = node.New(w.cfg)
	w.step(t, node.Tick{Now: w.now})
	return w
}

func (w *world) step(t *rapid.T, in node.Input) {
	w.inputs = append(w.inputs, in)
	if err := w.m.Step(in); err != nil {
		t.Fatalf("%s: %v", in.Describe(), err)
	}
	rd := w.m.Ready()
	w.outputs = append(w.outputs, rd.Describe())
	w.check(t, &rd)
	w.pending = append(w.pending, rd.Actions...)
	// Executed: the arrays go back to the machine. checkDeterminism
	// replays without Release, so reusing them must change no output.
	w.m.Release(&rd)
}

func (w *world) randomStep(t *rapid.T) {
	switch rapid.IntRange(0, 11).Draw(t, "op") {
	case 0:
		w.addPod(t)
	case 1, 2, 3, 10:
		if len(w.pending) > 0 {
			w.answer(t, rapid.IntRange(0, len(w.pending)-1).Draw(t, "which"), rapid.Float64Range(0, 1).Draw(t, "luck") < 0.8)
		}
	case 4:
		w.step(t, node.Tick{Now: w.advance(t)})
	case 5, 11:
		if id, ok := w.pickRunning(t); ok {
			code := rapid.SampledFrom([]int32{0, 1, 137}).Draw(t, "code")
			delete(w.running, id)
			w.step(t, node.ContainerExited{ID: id, ExitCode: code, FinishedAt: w.now})
		}
	case 6:
		if uid, ok := w.pickPod(t); ok {
			pod := api.DeepCopy(w.pods[uid])
			if pod.DeletionTimestamp == nil {
				grace := rapid.Int64Range(0, 20).Draw(t, "grace")
				ts := w.now + api.Time(grace)*1e9
				pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = &ts, &grace
				w.pods[uid] = pod
				w.step(t, node.PodUpdated{Pod: pod})
			}
		}
	case 7:
		if uid, ok := w.pickPod(t); ok && rapid.Bool().Draw(t, "force") {
			pod := w.pods[uid]
			delete(w.pods, uid)
			w.step(t, node.PodDeleted{Pod: pod})
		}
	case 8:
		w.step(t, node.RuntimeStatus{Healthy: rapid.Float64Range(0, 1).Draw(t, "health") < 0.8})
	case 9:
		var list []*api.Pod
		for _, uid := range sortedUIDs(w.pods) {
			list = append(list, w.pods[uid])
		}
		w.step(t, node.PodList{Pods: list})
	}
}

func (w *world) advance(t *rapid.T) api.Time {
	w.now += api.Time(rapid.IntRange(1, 25).Draw(t, "secs")) * api.Time(time.Second)
	return w.now
}

func (w *world) addPod(t *rapid.T) {
	w.nextPod++
	name := fmt.Sprintf("p%d", w.nextPod)
	policy := rapid.SampledFrom([]string{api.RestartPolicyAlways, api.RestartPolicyOnFailure, api.RestartPolicyNever}).Draw(t, "policy")
	pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name}}
	pod.Spec.NodeName, pod.Spec.RestartPolicy = "n1", policy
	if rapid.Bool().Draw(t, "init") {
		pod.Spec.InitContainers = []api.Container{{Name: "init", Image: "tools"}}
	}
	n := rapid.IntRange(1, 2).Draw(t, "containers")
	for i := 0; i < n; i++ {
		c := api.Container{Name: fmt.Sprintf("c%d", i), Image: "busybox"}
		if rapid.Bool().Draw(t, "liveness") {
			c.LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"true"}}}, FailureThreshold: 1}
		}
		if rapid.Bool().Draw(t, "readiness") {
			c.ReadinessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"true"}}}}
		}
		pod.Spec.Containers = append(pod.Spec.Containers, c)
	}
	if rapid.Bool().Draw(t, "volume") {
		pod.Spec.Volumes = []api.Volume{{Name: "scratch", EmptyDir: &api.EmptyDirVolumeSource{}}}
	}
	if rapid.IntRange(0, 3).Draw(t, "deadline") == 0 {
		d := rapid.Int64Range(1, 120).Draw(t, "deadlineSecs")
		pod.Spec.ActiveDeadlineSeconds = &d
	}
	api.Default(pod)
	w.pods[pod.UID] = pod
	w.never[pod.UID] = policy == api.RestartPolicyNever
	w.step(t, node.PodAdded{Pod: pod})
}

func sortedUIDs(m map[string]*api.Pod) []string {
	uids := make([]string, 0, len(m))
	for uid := range m {
		uids = append(uids, uid)
	}
	sort.Strings(uids)
	return uids
}

func (w *world) pickPod(t *rapid.T) (string, bool) {
	uids := sortedUIDs(w.pods)
	if len(uids) == 0 {
		return "", false
	}
	return rapid.SampledFrom(uids).Draw(t, "pod"), true
}

func (w *world) pickRunning(t *rapid.T) (string, bool) {
	ids := make([]string, 0, len(w.running))
	for id := range w.running {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return "", false
	}
	sort.Strings(ids)
	return rapid.SampledFrom(ids).Draw(t, "container"), true
}

// settle lets the runtime answer everything, successfully, while time
// passes; then nothing of a deleted pod may remain.
func (w *world) settle(t *rapid.T) {
	for i := 0; i < 30; i++ {
		for n := 0; len(w.pending) > 0 && n < 1000; n++ {
			w.answer(t, 0, true)
		}
		w.now += api.Time(time.Minute)
		w.step(t, node.Tick{Now: w.now})
	}
	owner := map[string]bool{}
	for id := range w.created {
		owner[w.createdBy[id]] = true
	}
	for _, uid := range sortedUIDs(w.pods) {
		if w.pods[uid].DeletionTimestamp != nil {
			t.Fatalf("pod %s was deleted gracefully but never finished", uid)
		}
	}
	for uid := range owner {
		if _, exists := w.pods[uid]; !exists {
			t.Fatalf("containers of deleted pod %s are left in the runtime", uid)
		}
	}
}

// answer is the fake runtime executing pending action i.
func (w *world) answer(t *rapid.T, i int, ok bool) {
	a := w.pending[i]
	w.pending = append(w.pending[:i], w.pending[i+1:]...)
	switch a := a.(type) {
	case node.EnsureImage:
		if ok {
			w.step(t, node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: "sha256:x"})
		} else {
			w.step(t, node.ImagePullFailed{PodUID: a.Pod.UID, Container: a.Container, Message: "nope"})
		}
	case node.CreateContainer:
		w.creating[a.Pod.UID+"/"+a.Container] = false
		if ok {
			w.nextID++
			id := fmt.Sprintf("%s.%s.%d", a.Pod.UID, a.Container, w.nextID)
			w.created[id], w.createdBy[id] = true, a.Pod.UID
			w.step(t, node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: id})
		} else {
			w.step(t, node.ContainerCreateFailed{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, Message: "nope"})
		}
	case node.StartContainer:
		w.ran[a.Pod.UID+"/"+a.Container] = true
		if ok {
			w.running[a.ID] = a.Pod.UID
			w.step(t, node.ContainerStarted{ID: a.ID, At: w.now})
		} else {
			w.step(t, node.ContainerStartFailed{ID: a.ID, Message: "nope"})
		}
	case node.KillContainer:
		if ok {
			delete(w.running, a.ID)
			w.step(t, node.ContainerKilled{ID: a.ID, ExitCode: 137, At: w.now})
		} else {
			w.step(t, node.RuntimeOpFailed{Op: "kill", ID: a.ID, Message: "nope"})
		}
	case node.RemoveContainer:
		if ok {
			delete(w.running, a.ID)
			delete(w.created, a.ID)
			w.step(t, node.ContainerRemoved{ID: a.ID})
		} else {
			w.step(t, node.RuntimeOpFailed{Op: "remove", ID: a.ID, Message: "nope"})
		}
	case node.SetupVolume:
		if ok {
			w.step(t, node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume})
		} else {
			w.step(t, node.VolumeSetupFailed{PodUID: a.Pod.UID, Volume: a.Volume, Message: "nope"})
		}
	case node.TeardownVolume:
		if ok {
			w.step(t, node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume})
		} else {
			w.step(t, node.RuntimeOpFailed{Op: "teardown", PodUID: a.Pod.UID, Volume: a.Volume, Message: "nope"})
		}
	case node.RunProbe:
		w.probing[a.ID+"/"+a.Kind.String()] = false
		w.step(t, node.ProbeResult{ID: a.ID, Kind: a.Kind, Success: ok})
	}
}

// check verifies the invariants on one Ready.
func (w *world) check(t *rapid.T, rd *node.Ready) {
	for _, a := range rd.Actions {
		uid, id := actionTarget(a)
		if w.deleted[uid] {
			t.Fatalf("action after the final deletion of %s: %s", uid, a.Describe())
		}
		switch a := a.(type) {
		case node.CreateContainer:
			key := a.Pod.UID + "/" + a.Container
			if w.creating[key] {
				t.Fatalf("second create outstanding for %s: %s", key, a.Describe())
			}
			w.creating[key] = true
			if w.never[a.Pod.UID] && w.ran[key] {
				t.Fatalf("restartPolicy Never container restarted: %s", a.Describe())
			}
		case node.RunProbe:
			key := a.ID + "/" + a.Kind.String()
			if w.probing[key] {
				t.Fatalf("second probe outstanding: %s", a.Describe())
			}
			w.probing[key] = true
			if !w.created[a.ID] {
				t.Fatalf("probe of a container the runtime never created: %s", a.Describe())
			}
		case node.StartContainer, node.KillContainer, node.RemoveContainer:
			if !w.created[id] {
				t.Fatalf("action names a container the runtime never created: %s", a.Describe())
			}
		}
	}
	for _, u := range rd.StatusUpdates {
		uid := u.Pod.UID
		if w.deleted[uid] {
			t.Fatalf("status after the final deletion of %s", uid)
		}
		if old := w.phases[uid]; (old == api.PodSucceeded || old == api.PodFailed) && u.Status.Phase != old {
			t.Fatalf("pod %s left phase %s for %s", uid, old, u.Status.Phase)
		}
		w.phases[uid] = u.Status.Phase
		for _, cs := range append(u.Status.InitContainerStatuses, u.Status.ContainerStatuses...) {
			key := uid + "/" + cs.Name
			if old, ok := w.restarts[key]; ok && cs.RestartCount < old {
				t.Fatalf("restartCount of %s went from %d to %d", key, old, cs.RestartCount)
			}
			w.restarts[key] = cs.RestartCount
		}
	}
	for _, e := range rd.Events {
		if w.deleted[e.Pod.UID] {
			t.Fatalf("event after the final deletion of %s: %s", e.Pod.UID, e.Describe())
		}
	}
	for _, d := range rd.PodDeletions {
		w.deleted[d.Pod.UID] = true
		// The API server deletes it; the watch says so.
		if pod, ok := w.pods[d.Pod.UID]; ok {
			delete(w.pods, d.Pod.UID)
			defer w.step(t, node.PodDeleted{Pod: pod})
		}
	}
}

func actionTarget(a node.Action) (uid, id string) {
	switch a := a.(type) {
	case node.EnsureImage:
		return a.Pod.UID, ""
	case node.CreateContainer:
		return a.Pod.UID, ""
	case node.StartContainer:
		return a.Pod.UID, a.ID
	case node.KillContainer:
		return a.Pod.UID, a.ID
	case node.RemoveContainer:
		return a.Pod.UID, a.ID
	case node.SetupVolume:
		return a.Pod.UID, ""
	case node.TeardownVolume:
		return a.Pod.UID, ""
	case node.RunProbe:
		return a.Pod.UID, a.ID
	}
	return "", ""
}

// checkDeterminism replays the world's inputs on a fresh machine.
func (w *world) checkDeterminism(t *rapid.T) {
	m := node.New(w.cfg)
	for i, in := range w.inputs {
		if err := m.Step(in); err != nil {
			t.Fatalf("replay %s: %v", in.Describe(), err)
		}
		rd := m.Ready()
		if got := rd.Describe(); got != w.outputs[i] {
			t.Fatalf("replay of input %d (%s) differs:\n%s\nvs\n%s", i, in.Describe(), got, w.outputs[i])
		}
	}
	if m.Describe() != w.m.Describe() {
		t.Fatalf("replayed state differs")
	}
}
