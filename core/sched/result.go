package sched

import (
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Status is the outcome of Schedule.
type Status uint8

const (
	// Scheduled: Node was chosen and the pod is assumed there.
	Scheduled Status = iota + 1
	// Unschedulable: no node fits; Failures (or PreFilter) say why.
	Unschedulable
	// AlreadyBound: the pod has spec.nodeName set; it was not scheduled
	// and nothing was assumed (kube never queues such pods).
	AlreadyBound
)

// String returns the status' name.
func (s Status) String() string {
	switch s {
	case Scheduled:
		return "Scheduled"
	case Unschedulable:
		return "Unschedulable"
	case AlreadyBound:
		return "AlreadyBound"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Failure counts the evaluated nodes that one filter rejected for one
// reason. A node rejected for several resources counts once per resource,
// as in kube.
type Failure struct {
	Filter string // kube plugin name, e.g. "NodeResourcesFit"
	Reason string // e.g. "Insufficient cpu"
	Nodes  int
}

// Result is what Schedule decided, and why.
type Result struct {
	Namespace, Name string // the pod's
	Status          Status
	Node            string // the chosen node when Scheduled (or the preset one)
	// NumNodes is the number of nodes in the cluster; Evaluated how many
	// were filtered (fewer when sampling stopped early); Feasible how many
	// passed every filter.
	NumNodes  int
	Evaluated int
	Feasible  int
	// Failures are the filter failures among the evaluated nodes, in the
	// order Message lists them.
	Failures []Failure
	// PreFilter, when set, is a pod-level reason: no node was evaluated.
	PreFilter string
}

// Message returns the outcome in Kubernetes' words. For an unschedulable
// pod it is kube-scheduler's FitError text: "0/5 nodes are available: "
// then "count reason" pairs sorted as strings (so "2 node(s) had ..."
// comes before "3 Insufficient cpu"), then a period. capstan does not
// preempt, so kube's trailing "preemption: ..." sentence never appears.
func (r Result) Message() string {
	switch r.Status {
	case Scheduled:
		return "Successfully assigned " + r.Namespace + "/" + r.Name + " to " + r.Node
	case AlreadyBound:
		return "pod " + r.Namespace + "/" + r.Name + " is already bound to " + r.Node
	}
	if r.PreFilter == ReasonNoNodes {
		return ReasonNoNodes
	}
	var b strings.Builder
	b.WriteString("0/")
	b.WriteString(strconv.Itoa(r.NumNodes))
	b.WriteString(" nodes are available:")
	if r.PreFilter != "" {
		b.WriteString(" ")
		b.WriteString(r.PreFilter)
		b.WriteString(".")
		return b.String()
	}
	if len(r.Failures) == 0 {
		return b.String()
	}
	for i, f := range r.Failures {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(f.Nodes))
		b.WriteString(" ")
		b.WriteString(f.Reason)
	}
	b.WriteString(".")
	return b.String()
}

// Condition returns the PodScheduled condition to write on the pod:
// True when scheduled, else False with reason Unschedulable and Message.
// The caller stamps the transition time (time is an input).
func (r Result) Condition() api.PodCondition {
	if r.Status == Scheduled || r.Status == AlreadyBound {
		return api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue}
	}
	return api.PodCondition{
		Type:    api.PodScheduled,
		Status:  api.ConditionFalse,
		Reason:  api.PodReasonUnschedulable,
		Message: r.Message(),
	}
}

// failCount is a reason id and the number of nodes that failed with it.
type failCount struct {
	reason int32
	nodes  int32
}

// failures converts the histogram into Failures in kube's message order:
// the strings "count reason" sorted lexicographically.
func (s *Scheduler) failures(hist []failCount) []Failure {
	if len(hist) == 0 {
		return nil
	}
	if len(s.failSlab) < len(hist) {
		s.failSlab = make([]Failure, max(1024, len(hist)))
	}
	// Results share chunks of one slab (capped, so appends copy).
	out := s.failSlab[:len(hist):len(hist)]
	s.failSlab = s.failSlab[len(hist):]
	for i, h := range hist {
		out[i] = Failure{Filter: s.reasons.filter[h.reason], Reason: s.reasons.text[h.reason], Nodes: int(h.nodes)}
	}
	slices.SortFunc(out, compareFailures)
	return out
}

// compareFailures orders failures as kube's sort.Strings orders the text
// "<nodes> <reason>", without building it.
func compareFailures(a, b Failure) int {
	var ba, bb [24]byte
	pa := append(strconv.AppendInt(ba[:0], int64(a.Nodes), 10), ' ')
	pb := append(strconv.AppendInt(bb[:0], int64(b.Nodes), 10), ' ')
	la, lb := len(pa)+len(a.Reason), len(pb)+len(b.Reason)
	for i := 0; i < la && i < lb; i++ {
		ca, cb := byteAt(pa, a.Reason, i), byteAt(pb, b.Reason, i)
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return la - lb
}

// byteAt returns byte i of prefix+rest.
func byteAt(prefix []byte, rest string, i int) byte {
	if i < len(prefix) {
		return prefix[i]
	}
	return rest[i-len(prefix)]
}
