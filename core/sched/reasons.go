package sched

// Filter plugin names, as kube-scheduler names them; Failure.Filter holds
// one of these.
const (
	FilterNodeUnschedulable = "NodeUnschedulable"
	FilterTaintToleration   = "TaintToleration"
	FilterNodeAffinity      = "NodeAffinity"
	FilterNodeResourcesFit  = "NodeResourcesFit"
	FilterVolumeBinding     = "VolumeBinding"
	FilterPodTopologySpread = "PodTopologySpread"
	FilterInterPodAffinity  = "InterPodAffinity"
)

// The reasons a node fails a filter, worded exactly as kube-scheduler's
// plugins word them. Taint and extended-resource reasons are built per
// taint and resource name.
const (
	ReasonUnschedulable        = "node(s) were unschedulable"
	ReasonNodeAffinity         = "node(s) didn't match Pod's node affinity/selector"
	ReasonTooManyPods          = "Too many pods"
	ReasonVolumeNodeAffinity   = "node(s) had volume node affinity conflict"
	ReasonPVNotExist           = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	ReasonSpread               = "node(s) didn't match pod topology spread constraints"
	ReasonSpreadMissingLabel   = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonPodAffinity          = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity      = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
	// Pod-level (PreFilter) reasons: no node is looked at.
	ReasonUnboundPVC = "pod has unbound immediate PersistentVolumeClaims"
	ReasonNoNodes    = "no nodes available to schedule pods"
)

// reasonTable interns reason strings to small ids so that the filter loop
// counts failures in a few int32s. Id 0 means "no failure".
type reasonTable struct {
	text   []string
	filter []string
	ids    map[string]int32
}

// Fixed reason ids, in the order init interns them.
const (
	rOK int32 = iota
	rUnschedulable
	rNodeAffinity
	rTooManyPods
	rInsufficientCPU
	rInsufficientMemory
	rVolumeNodeAffinity
	rPVNotExist
	rSpread
	rSpreadMissingLabel
	rPodAffinity
	rPodAntiAffinity
	rExistingAntiAffinity
)

func (t *reasonTable) init() {
	t.ids = map[string]int32{}
	t.intern("", "")
	t.intern(FilterNodeUnschedulable, ReasonUnschedulable)
	t.intern(FilterNodeAffinity, ReasonNodeAffinity)
	t.intern(FilterNodeResourcesFit, ReasonTooManyPods)
	t.intern(FilterNodeResourcesFit, "Insufficient cpu")
	t.intern(FilterNodeResourcesFit, "Insufficient memory")
	t.intern(FilterVolumeBinding, ReasonVolumeNodeAffinity)
	t.intern(FilterVolumeBinding, ReasonPVNotExist)
	t.intern(FilterPodTopologySpread, ReasonSpread)
	t.intern(FilterPodTopologySpread, ReasonSpreadMissingLabel)
	t.intern(FilterInterPodAffinity, ReasonPodAffinity)
	t.intern(FilterInterPodAffinity, ReasonPodAntiAffinity)
	t.intern(FilterInterPodAffinity, ReasonExistingAntiAffinity)
}

func (t *reasonTable) intern(filter, text string) int32 {
	if id, ok := t.ids[text]; ok {
		return id
	}
	id := int32(len(t.text))
	t.text = append(t.text, text)
	t.filter = append(t.filter, filter)
	t.ids[text] = id
	return id
}

// extTable interns extended resource names (everything but cpu, memory
// and pods) to ids, each with its "Insufficient <name>" reason.
type extTable struct {
	names  []string
	ids    map[string]int32
	reason []int32
}

func (e *extTable) init() { e.ids = map[string]int32{} }

func (e *extTable) id(name string) int32 {
	if id, ok := e.ids[name]; ok {
		return id
	}
	id := int32(len(e.names))
	e.names = append(e.names, name)
	e.ids[name] = id
	e.reason = append(e.reason, -1)
	return id
}

// insufficient returns the reason id of "Insufficient <ext>".
func (s *Scheduler) insufficient(id int32) int32 {
	if r := s.ext.reason[id]; r >= 0 {
		return r
	}
	r := s.reasons.intern(FilterNodeResourcesFit, "Insufficient "+s.ext.names[id])
	s.ext.reason[id] = r
	return r
}
