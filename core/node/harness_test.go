package node_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// TestScenarios runs the scenario files of testdata/. Each command feeds the
// machine one or more inputs and prints what it emitted (Ready.Describe),
// one output per line. `go test ./core/node -rewrite` regenerates them.
//
// Commands (see the handlers in cmd_*_test.go):
//
//	new [node=n1] [cpu=4] [memory=8Gi] [ip=10.0.0.5] [show-node] [no-events]
//	auto on|off [hold=(kill, pull, start, remove, create, volume)]
//	pod add|update NAME [ns=] [restart=] [containers=(name:image, ...)] [init=(...)]
//	    [grace=N] [deadline=N] [links=false]      (or a YAML pod as the body)
//	pod delete NAME [grace=N] | pod remove NAME | pod list [NAME ...]
//	secret|configmap add|update|delete NAME [ns=] KEY=VALUE ...
//	service add|delete NAME ip=IP ports=(name:port/PROTO, ...)
//	pvc add|update|delete NAME [volume=PV] [phase=Bound] | pv add|delete NAME path=P
//	observe WHAT POD/CONTAINER [code=] [reason=] [msg=] [id=] [attempt=]
//	probe POD/CONTAINER liveness|readiness|startup ok|fail [msg=]
//	inventory (body: ID POD CONTAINER ATTEMPT STATE [started=S] [code=N])
//	tick [DURATION] [step=1s]
//	node update [TYPE=STATUS ...] [reason=R] [msg=M] (the API's Node, with the
//	    last posted status and these changes) | node writes
//	describe | status POD | ready
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".txt") {
			t.Skip("not a scenario") // e.g. rapid's saved failures
		}
		h := newHarness(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			h.t = t
			return h.run(d)
		})
		h.t = t
		h.checkReplay()
	})
}

// epoch is where scenario clocks start: zero would mean "unset".
const epoch = api.Time(1000 * time.Second)

type harness struct {
	t *testing.T
	m *node.Machine
	// cfg is the machine's config (kept to build twins).
	cfg node.Config
	now api.Time

	// pods by name (all scenarios use distinct names).
	pods map[string]*api.Pod
	// ids: the current container ID of "pod/container"; attempts: the last
	// CreateContainer attempt.
	ids      map[string]string
	attempts map[string]int32
	// statuses: the last status emitted per pod name.
	statuses map[string]node.StatusUpdate
	// nodeStatus: the last node status emitted (the API's Node has it);
	// nodeWrites counts them.
	nodeStatus *node.NodeStatusUpdate
	nodeWrites int

	auto bool
	hold map[string]bool

	showNode, showEvents bool

	// inputs records every input, for the determinism check.
	inputs []node.Input
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t}
	h.reset(node.Config{NodeName: "n1"})
	return h
}

func (h *harness) reset(cfg node.Config) {
	if h.m != nil {
		h.checkReplay()
	}
	h.cfg = cfg
	h.m = node.New(cfg)
	h.now = epoch
	h.pods = map[string]*api.Pod{}
	h.ids = map[string]string{}
	h.attempts = map[string]int32{}
	h.statuses = map[string]node.StatusUpdate{}
	h.auto, h.hold = false, map[string]bool{}
	h.showEvents = true
	h.inputs = nil
	h.nodeStatus, h.nodeWrites = nil, 0
	h.step(node.Tick{Now: h.now})
	rd := h.m.Ready() // the first tick's registration, lease and node status
	h.record(&rd)
}

func (h *harness) run(d *datadriven.TestData) string {
	var out strings.Builder
	switch d.Cmd {
	case "new":
		h.cmdNew(d)
	case "auto":
		h.cmdAuto(d)
	case "pod":
		h.cmdPod(d, &out)
	case "secret", "configmap", "service", "pvc", "pv":
		h.cmdObject(d, &out)
	case "observe":
		h.cmdObserve(d, &out)
	case "probe":
		h.cmdProbe(d, &out)
	case "inventory":
		h.cmdInventory(d, &out)
	case "tick":
		h.cmdTick(d, &out)
	case "describe":
		return h.m.Describe()
	case "status":
		u, ok := h.statuses[d.CmdArgs[0].Key]
		if !ok {
			return "no status\n"
		}
		return describeFullStatus(u)
	case "ready":
		h.drain(&out)
	case "node":
		h.cmdNode(d, &out)
	default:
		d.Fatalf(h.t, "unknown command %q", d.Cmd)
	}
	return out.String()
}

// step feeds one input; errors are test failures.
func (h *harness) step(in node.Input) {
	h.t.Helper()
	h.inputs = append(h.inputs, in)
	if err := h.m.Step(in); err != nil {
		h.t.Fatalf("%s: %v", in.Describe(), err)
	}
}

// feed steps one input and prints what follows, including the cascade of
// automatic runtime answers.
func (h *harness) feed(in node.Input, out *strings.Builder) {
	h.step(in)
	h.drain(out)
}

// drain prints the machine's outputs; in auto mode it answers the runtime
// actions and keeps going until the machine is quiet.
func (h *harness) drain(out *strings.Builder) {
	for round := 0; round < 100; round++ {
		rd := h.m.Ready()
		h.record(&rd)
		out.WriteString(h.describeReady(&rd))
		answers := h.answers(&rd)
		if len(answers) == 0 {
			return
		}
		for _, a := range answers {
			h.step(a)
		}
	}
	h.t.Fatal("the machine did not settle after 100 rounds")
}

func (h *harness) describeReady(rd *node.Ready) string {
	if !h.showNode {
		rd.Registration, rd.Lease, rd.NodeStatus = nil, nil, nil
	}
	if !h.showEvents {
		rd.Events = nil
	}
	return rd.Describe()
}

// record remembers container IDs, attempts and statuses by name.
func (h *harness) record(rd *node.Ready) {
	for _, a := range rd.Actions {
		if c, ok := a.(node.CreateContainer); ok {
			h.attempts[c.Pod.Name+"/"+c.Container] = c.Attempt
		}
	}
	if rd.NodeStatus != nil {
		h.nodeStatus = rd.NodeStatus
		h.nodeWrites++
	}
	for _, u := range rd.StatusUpdates {
		h.statuses[u.Pod.Name] = u
		// The API's pod now has this status: a later update of it (pod
		// update, pod delete, pod list) carries it, as the API server's
		// would. The machine keeps the old object, so it is replaced.
		if pod, ok := h.pods[u.Pod.Name]; ok && pod.UID == u.Pod.UID {
			cp := *pod
			u.Status.DeepCopyInto(&cp.Status)
			h.pods[u.Pod.Name] = &cp
		}
	}
}

// containerID is the ID the fake runtime gives a container.
func containerID(pod, ctr string, attempt int32) string {
	return fmt.Sprintf("%s.%s.%d", pod, ctr, attempt)
}

// answers is the fake runtime: what it reports for each action, unless
// auto is off or the action's kind is held.
func (h *harness) answers(rd *node.Ready) []node.Input {
	if !h.auto {
		return nil
	}
	var in []node.Input
	for _, a := range rd.Actions {
		switch a := a.(type) {
		case node.EnsureImage:
			if !h.hold["pull"] {
				in = append(in, node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: "sha256:" + a.Image})
			}
		case node.CreateContainer:
			if !h.hold["create"] {
				id := containerID(a.Pod.Name, a.Container, a.Attempt)
				h.ids[a.Pod.Name+"/"+a.Container] = id
				in = append(in, node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: id})
			}
		case node.StartContainer:
			if !h.hold["start"] {
				in = append(in, node.ContainerStarted{ID: a.ID, At: h.now})
			}
		case node.KillContainer:
			if !h.hold["kill"] {
				in = append(in, node.ContainerKilled{ID: a.ID, ExitCode: 137, At: h.now})
			}
		case node.RemoveContainer:
			if !h.hold["remove"] {
				in = append(in, node.ContainerRemoved{ID: a.ID})
			}
		case node.SetupVolume:
			if !h.hold["volume"] {
				in = append(in, node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume})
			}
		case node.TeardownVolume:
			if !h.hold["volume"] {
				in = append(in, node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume})
			}
		}
	}
	return in
}

func (h *harness) cmdNew(d *datadriven.TestData) {
	cfg := node.Config{NodeName: "n1"}
	capacity := api.ResourceList{}
	showNode, showEvents := false, true
	for _, arg := range d.CmdArgs {
		switch arg.Key {
		case "node":
			cfg.NodeName = arg.Vals[0]
		case "cpu", "memory", "pods":
			capacity[arg.Key] = api.MustParseQuantity(arg.Vals[0])
		case "ip":
			cfg.Addresses = []api.NodeAddress{{Type: "InternalIP", Address: arg.Vals[0]}}
		case "lease":
			cfg.LeaseDuration = mustDuration(h.t, arg.Vals[0])
		case "renew":
			cfg.LeaseRenewInterval = mustDuration(h.t, arg.Vals[0])
		case "status-every":
			cfg.NodeStatusInterval = mustDuration(h.t, arg.Vals[0])
		case "show-node":
			showNode = true
		case "no-events":
			showEvents = false
		default:
			d.Fatalf(h.t, "new: unknown argument %q", arg.Key)
		}
	}
	if len(capacity) > 0 {
		cfg.Capacity = capacity
	}
	h.reset(cfg)
	h.showNode, h.showEvents = showNode, showEvents
}

func (h *harness) cmdAuto(d *datadriven.TestData) {
	h.hold = map[string]bool{}
	h.auto = d.CmdArgs[0].Key == "on"
	for _, arg := range d.CmdArgs[1:] {
		if arg.Key == "hold" {
			for _, v := range arg.Vals {
				h.hold[v] = true
			}
		}
	}
}

func (h *harness) cmdTick(d *datadriven.TestData, out *strings.Builder) {
	total, step := time.Second, time.Second
	for _, arg := range d.CmdArgs {
		switch {
		case arg.Key == "step":
			step = mustDuration(h.t, arg.Vals[0])
		case len(arg.Vals) == 0:
			total = mustDuration(h.t, arg.Key)
		}
	}
	for elapsed := time.Duration(0); elapsed < total; elapsed += step {
		h.now += api.Time(min(step, total-elapsed))
		var buf strings.Builder
		h.feed(node.Tick{Now: h.now}, &buf)
		if buf.Len() > 0 {
			fmt.Fprintf(out, "%s:\n%s", fmtAt(h.now), buf.String())
		}
	}
}

func fmtAt(t api.Time) string {
	return fmt.Sprintf("@%gs", float64(t)/1e9)
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// describeFullStatus prints a status with every field a golden test cares
// about, including condition messages and times.
func describeFullStatus(u node.StatusUpdate) string {
	var b strings.Builder
	s := u.Status
	fmt.Fprintf(&b, "phase=%s qos=%s hostIP=%s podIP=%s start=%s\n", s.Phase, s.QOSClass, s.HostIP, s.PodIP, fmtPtrTime(s.StartTime))
	if s.Reason != "" || s.Message != "" {
		fmt.Fprintf(&b, "reason=%s message=%q\n", s.Reason, s.Message)
	}
	for _, c := range s.Conditions {
		fmt.Fprintf(&b, "condition %s=%s since=%s", c.Type, c.Status, fmtAt(c.LastTransitionTime))
		if c.Reason != "" {
			fmt.Fprintf(&b, " reason=%s", c.Reason)
		}
		if c.Message != "" {
			fmt.Fprintf(&b, " message=%q", c.Message)
		}
		b.WriteByte('\n')
	}
	for _, cs := range s.InitContainerStatuses {
		fmt.Fprintf(&b, "init %s\n", describeCS(cs))
	}
	for _, cs := range s.ContainerStatuses {
		fmt.Fprintf(&b, "container %s\n", describeCS(cs))
	}
	return b.String()
}

func fmtPtrTime(t *api.Time) string {
	if t == nil {
		return "nil"
	}
	return fmtAt(*t)
}

func describeCS(cs api.ContainerStatus) string {
	started := cs.Started != nil && *cs.Started
	return fmt.Sprintf("%s image=%s imageID=%s id=%s restarts=%d ready=%t started=%t state=%s last=%s",
		cs.Name, cs.Image, cs.ImageID, cs.ContainerID, cs.RestartCount, cs.Ready, started,
		describeState(cs.State), describeState(cs.LastState))
}

func describeState(st api.ContainerState) string {
	switch {
	case st.Waiting != nil:
		return fmt.Sprintf("waiting(%s %q)", st.Waiting.Reason, st.Waiting.Message)
	case st.Running != nil:
		return "running(" + fmtAt(st.Running.StartedAt) + ")"
	case st.Terminated != nil:
		t := st.Terminated
		return fmt.Sprintf("terminated(%s code=%d %s..%s %q)", t.Reason, t.ExitCode, fmtAt(t.StartedAt), fmtAt(t.FinishedAt), t.Message)
	}
	return "none"
}

// cmdNode: node update [TYPE=STATUS ...] [reason=] [msg=] feeds the API's
// Node: the last status the machine posted, with another writer's changes
// to the conditions named (reason and msg apply to them). node writes
// prints how many node statuses the machine posted.
func (h *harness) cmdNode(d *datadriven.TestData, out *strings.Builder) {
	switch d.CmdArgs[0].Key {
	case "writes":
		fmt.Fprintf(out, "%d\n", h.nodeWrites)
		return
	case "update":
	default:
		d.Fatalf(h.t, "node: unknown verb %q", d.CmdArgs[0].Key)
	}
	n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: h.cfg.NodeName}}
	if h.nodeStatus != nil {
		h.nodeStatus.Status.DeepCopyInto(&n.Status)
	}
	var reason, msg string
	set := map[string]string{}
	for _, arg := range d.CmdArgs[1:] {
		switch arg.Key {
		case "reason":
			reason = arg.Vals[0]
		case "msg":
			msg = arg.Vals[0]
		default:
			set[arg.Key] = arg.Vals[0]
		}
	}
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		if st, ok := set[c.Type]; ok {
			c.Status, c.Reason, c.Message, c.LastTransitionTime = st, reason, msg, h.now
		}
	}
	h.feed(node.NodeUpdated{Node: n}, out)
}
