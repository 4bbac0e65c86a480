package simapi

import (
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// State is the picture the page draws: compact enough to send every frame
// for a thousand nodes and thirty thousand pods (a pod is one letter).
type State struct {
	// T is the cursor (virtual ms since the start); End the time of the
	// script's last action; Actions how many actions the script has and
	// Next how many of them are replayed.
	T       int64 `json:"t"`
	End     int64 `json:"end"`
	Actions int   `json:"actions"`
	Next    int   `json:"next"`
	// Steps and Writes: events processed and store writes made so far.
	Steps  uint64     `json:"steps"`
	Writes uint64     `json:"writes"`
	Nodes  []NodeView `json:"nodes"`
	// Pending are the first MaxPending unscheduled pods' names; Counts
	// the pods by status letter (see PodCode).
	Pending      []string        `json:"pending"`
	PendingCount int             `json:"pendingCount"`
	Counts       map[string]int  `json:"counts"`
	Invariants   []InvariantView `json:"invariants"`
	// InvariantsNote says why the last check was skipped, if it was.
	InvariantsNote string `json:"invariantsNote,omitempty"`
	// Log is the end of the event log (at most MaxLog lines); LogTotal
	// the number of lines in all.
	Log      []string `json:"log"`
	LogTotal int      `json:"logTotal"`
	// Partial: the call ran out of its MaxSteps before its time, and T
	// is where it stopped.
	Partial bool `json:"partial,omitempty"`
}

// MaxPending and MaxLog bound the lists of a State.
const (
	MaxPending = 100
	MaxLog     = 200
)

// NodeView is one node's box.
type NodeView struct {
	Name          string `json:"name"`
	Ready         string `json:"ready"`
	Down          bool   `json:"down,omitempty"`
	Partitioned   bool   `json:"partitioned,omitempty"`
	Unschedulable bool   `json:"unschedulable,omitempty"`
	Zone          string `json:"zone,omitempty"`
	Taints        int    `json:"taints,omitempty"`
	// CPU (millicores), Memory (MiB) and Pods: [requested, allocatable].
	CPU    [2]int64 `json:"cpu"`
	Memory [2]int64 `json:"memory"`
	Pods   [2]int64 `json:"pods"`
	// S has one letter per pod on the node (PodCode), in name order.
	S string `json:"s"`
}

// PodCode is the letter a pod is drawn as:
//
//	P  pending, not scheduled        C  scheduled, containers starting
//	R  running and ready             N  running, not ready
//	E  failing (crash loop, image pull error, config error, Failed)
//	S  succeeded                     T  terminating (being deleted)
//	U  unknown
func PodCode(p *api.Pod) byte {
	switch {
	case p.DeletionTimestamp != nil:
		return 'T'
	case p.Status.Phase == api.PodSucceeded:
		return 'S'
	case p.Status.Phase == api.PodFailed:
		return 'E'
	case p.Spec.NodeName == "":
		return 'P'
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" && w.Reason != "PodInitializing" {
			return 'E'
		}
	}
	switch p.Status.Phase {
	case api.PodRunning:
		if ready(p) {
			return 'R'
		}
		return 'N'
	case api.PodPending, "":
		return 'C'
	}
	return 'U'
}

func ready(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

func readyOf(n *api.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status
		}
	}
	return "Unknown"
}

// state draws the cluster now.
func (s *Session) state() *State {
	st := &State{
		T: s.now(), Actions: len(s.script.Actions), Next: s.next,
		Steps: s.c.Steps(), Writes: s.c.Writes(), Counts: map[string]int{},
		Pending: []string{}, Invariants: s.inv.views, InvariantsNote: s.inv.skipped,
	}
	if n := len(s.script.Actions); n > 0 {
		st.End = s.script.Actions[n-1].At
	}
	nodes := s.list("nodes")
	index := make(map[string]int, len(nodes))
	boxes := make([][]byte, len(nodes))
	st.Nodes = make([]NodeView, len(nodes))
	for i, o := range nodes {
		n := o.(*api.Node)
		a := model.NodeAllocatable(n)
		st.Nodes[i] = NodeView{
			Name: n.Name, Ready: readyOf(n), Down: s.down[n.Name], Partitioned: s.partitioned[n.Name],
			Unschedulable: n.Spec.Unschedulable, Zone: n.Labels[api.LabelTopologyZone], Taints: len(n.Spec.Taints),
			CPU: [2]int64{0, a.CPU}, Memory: [2]int64{0, a.Memory >> 20}, Pods: [2]int64{0, a.Pods},
		}
		index[n.Name] = i
	}
	mem := make([]int64, len(nodes))
	for _, o := range s.list("pods") {
		p := o.(*api.Pod)
		code := PodCode(p)
		st.Counts[string(code)]++
		if code == 'P' {
			if st.PendingCount < MaxPending {
				st.Pending = append(st.Pending, p.Namespace+"/"+p.Name)
			}
			st.PendingCount++
			continue
		}
		i, ok := index[p.Spec.NodeName]
		if !ok {
			continue
		}
		boxes[i] = append(boxes[i], code)
		if !model.Terminated(p) {
			cpu, m := requests(p)
			st.Nodes[i].CPU[0] += cpu
			mem[i] += m
			st.Nodes[i].Pods[0]++
		}
	}
	for i := range st.Nodes {
		st.Nodes[i].S = string(boxes[i])
		st.Nodes[i].Memory[0] = mem[i] >> 20
	}
	lines := s.c.Log()
	st.LogTotal = len(lines)
	st.Log = append([]string{}, lines[max(0, len(lines)-MaxLog):]...)
	return st
}

// requests sums the containers' cpu (millicores) and memory (bytes)
// requests, as DescribeNodes does: cheaper than model.PodRequests, which
// the per-frame picture cannot afford for thirty thousand pods.
func requests(p *api.Pod) (cpu, mem int64) {
	for i := range p.Spec.Containers {
		r := p.Spec.Containers[i].Resources.Requests
		if q, ok := r[api.ResourceCPU]; ok {
			cpu += q.MilliValue()
		}
		if q, ok := r[api.ResourceMemory]; ok {
			mem += q.Value()
		}
	}
	return cpu, mem
}

// PodView is everything the page shows about one pod.
type PodView struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Node      string            `json:"node"`
	Code      string            `json:"code"`
	Phase     string            `json:"phase"`
	IP        string            `json:"ip,omitempty"`
	Owner     string            `json:"owner,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	CPU       int64             `json:"cpu"`
	Memory    int64             `json:"memory"`
	// Containers and Conditions are one line each.
	Containers []string `json:"containers"`
	Conditions []string `json:"conditions"`
	// Why is the scheduler's explanation: for a pending pod, the control
	// plane's own scheduler now; for a placed one, a scheduler with the
	// same strategy over the cluster without the pod, every node scored.
	Why *Why `json:"why,omitempty"`
}

// Why is a scheduling decision explained node by node.
type Why struct {
	// Source says which scheduler answered (see PodView.Why).
	Source  string   `json:"source"`
	Status  string   `json:"status"`
	Message string   `json:"message"`
	Chosen  string   `json:"chosen,omitempty"`
	Scorers []string `json:"scorers"`
	Weights []int64  `json:"weights"`
	// Nodes are the visited nodes: reasons (filtered) or scores.
	Nodes []WhyNode `json:"nodes"`
}

// WhyNode is one node's verdict.
type WhyNode struct {
	Node    string   `json:"node"`
	Reasons []string `json:"reasons,omitempty"`
	Scores  []int64  `json:"scores,omitempty"`
	Total   int64    `json:"total"`
}

func (s *Session) findPod(r *Request) (*api.Pod, error) {
	if r.Pod != "" {
		ns, name, ok := strings.Cut(r.Pod, "/")
		if !ok {
			ns, name = "default", r.Pod
		}
		o, err := s.c.Store().Get(api.KeyFor("pods", ns, name))
		if err != nil {
			return nil, fmt.Errorf("pod %s: %w", r.Pod, err)
		}
		return o.(*api.Pod), nil
	}
	// Without a node: the Slot-th pending pod.
	k := 0
	for _, o := range s.list("pods") {
		p := o.(*api.Pod)
		if p.Spec.NodeName != r.Node || (PodCode(p) == 'P') != (r.Node == "") {
			continue
		}
		if k == r.Slot {
			return p, nil
		}
		k++
	}
	if r.Node == "" {
		return nil, fmt.Errorf("no pending pod %d", r.Slot)
	}
	return nil, fmt.Errorf("no pod %d on node %s", r.Slot, r.Node)
}

func (s *Session) pod(r *Request) (*PodView, error) {
	p, err := s.findPod(r)
	if err != nil {
		return nil, err
	}
	req := model.PodRequests(&p.Spec)
	v := &PodView{
		Name: p.Name, Namespace: p.Namespace, Node: p.Spec.NodeName, Code: string(PodCode(p)), Phase: p.Status.Phase,
		IP: p.Status.PodIP, Labels: p.Labels, CPU: req.CPU, Memory: req.Memory >> 20,
		Containers: []string{}, Conditions: []string{},
	}
	for _, r := range p.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			v.Owner = r.Kind + "/" + r.Name
		}
	}
	for _, c := range p.Spec.Containers {
		line := c.Name + " " + c.Image
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name != c.Name {
				continue
			}
			switch {
			case cs.State.Running != nil:
				line += " running"
			case cs.State.Waiting != nil:
				line += " waiting " + cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				line += fmt.Sprintf(" terminated %s (%d)", cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
			}
			if cs.Ready {
				line += ", ready"
			}
			if cs.RestartCount > 0 {
				line += fmt.Sprintf(", %d restarts", cs.RestartCount)
			}
		}
		v.Containers = append(v.Containers, line)
	}
	for _, c := range p.Status.Conditions {
		line := c.Type + "=" + c.Status
		if c.Reason != "" {
			line += " " + c.Reason
		}
		if c.Message != "" {
			line += ": " + c.Message
		}
		v.Conditions = append(v.Conditions, line)
	}
	v.Why = s.why(p)
	return v, nil
}

// NodeDetail is one node and its pods.
type NodeDetail struct {
	NodeView
	Labels     map[string]string `json:"labels"`
	Taints     []string          `json:"taintList"`
	Conditions []string          `json:"conditions"`
	PodNames   []string          `json:"podNames"`
}

func (s *Session) node(name string) (*NodeDetail, error) {
	st := s.state()
	for _, nv := range st.Nodes {
		if nv.Name != name {
			continue
		}
		o, err := s.c.Store().Get(api.KeyFor("nodes", "", name))
		if err != nil {
			return nil, err
		}
		n := o.(*api.Node)
		d := &NodeDetail{NodeView: nv, Labels: n.Labels, Taints: []string{}, Conditions: []string{}, PodNames: []string{}}
		for _, t := range n.Spec.Taints {
			d.Taints = append(d.Taints, t.Key+"="+t.Value+":"+t.Effect)
		}
		for _, c := range n.Status.Conditions {
			d.Conditions = append(d.Conditions, c.Type+"="+c.Status+" "+c.Reason)
		}
		for _, o := range s.list("pods") {
			p := o.(*api.Pod)
			if p.Spec.NodeName == name && PodCode(p) != 'P' {
				d.PodNames = append(d.PodNames, p.Namespace+"/"+p.Name+" "+string(PodCode(p)))
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("no node %s", name)
}
