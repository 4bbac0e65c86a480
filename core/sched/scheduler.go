package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// Strategy is how the resource scorer ranks nodes by their cpu and memory
// use after placing the pod.
type Strategy uint8

const (
	// LeastAllocated prefers the emptiest node: spread (kube's default).
	LeastAllocated Strategy = iota
	// MostAllocated prefers the fullest node that still fits: bin-pack.
	MostAllocated
	// BalancedAllocation prefers the node whose cpu and memory fractions
	// are closest to each other (kube's NodeResourcesBalancedAllocation).
	BalancedAllocation
)

// String returns the strategy's Kubernetes name.
func (s Strategy) String() string {
	switch s {
	case MostAllocated:
		return "MostAllocated"
	case BalancedAllocation:
		return "BalancedAllocation"
	}
	return "LeastAllocated"
}

// Weights multiply each scorer's normalised 0–100 score in the total. The
// zero Weights means DefaultWeights.
type Weights struct {
	Resources        int64 // the Strategy's scorer
	TaintToleration  int64 // fewer untolerated PreferNoSchedule taints
	NodeAffinity     int64 // preferred node affinity terms
	InterPodAffinity int64 // preferred pod (anti-)affinity, both directions
	TopologySpread   int64 // ScheduleAnyway topology spread constraints
}

// DefaultWeights are kube-scheduler's default plugin weights.
func DefaultWeights() Weights {
	return Weights{Resources: 1, TaintToleration: 3, NodeAffinity: 2, InterPodAffinity: 2, TopologySpread: 2}
}

// Config tunes a Scheduler. The zero Config is kube-scheduler's default
// profile without image locality.
type Config struct {
	Strategy Strategy
	// PercentageOfNodesToScore bounds how many feasible nodes are looked
	// for before scoring: 0 is adaptive as in kube (50 − nodes/125 percent,
	// at least 5%, and never fewer than 100 nodes); 100 evaluates every
	// node.
	PercentageOfNodesToScore int32
	Weights                  Weights
}

// Scheduler places pods on nodes. It keeps an incremental, indexed mirror
// of the nodes, the pods bound (or assumed) to them and the volumes, fed by
// the caller with Add/Update/Remove calls that are cheap and idempotent.
// Schedule chooses a node for one pending pod and assumes the pod there, so
// the next Schedule call sees it.
//
// A Scheduler is plain data driven by one goroutine; it does no I/O and
// reads no clock. Given the same sequence of calls it makes the same
// decisions, whatever the order in which nodes were first added.
type Scheduler struct {
	cfg     Config
	weights [numScorers]int64

	nodes nodeTable
	// order holds the live node slots sorted by node name. Invariant: when
	// orderDirty is false it is exactly the live slots in name order.
	order      []int32
	orderDirty bool
	// next is the position in order where the next search starts; it
	// advances by the number of nodes each search evaluated (kube's
	// nextStartNodeIndex).
	next int

	classes    []*nodeClass
	classByKey map[string]int32

	pods        podIndex
	profiles    map[profileKey]*podProfile
	lastProfile *podProfile // the last one profileFor returned, checked first
	labelSets   map[string]*labelSet
	counters    map[string]*counter
	groups      map[string]*group
	topos       map[string]*topo
	topoList    []*topo    // creation order
	views       []*view    // every view of every tally, creation order
	counterList []*counter // creation order
	groupList   []*group   // creation order
	filters     map[string]*nodeFilter
	statics     map[string]*staticShape
	shapes      map[string]*podShape

	pvs  map[string]*api.PersistentVolume      // by name
	pvcs map[string]*api.PersistentVolumeClaim // by namespace/name

	recSlab  []PodRecord  // unused records, handed out by newRecord
	freeRecs []*PodRecord // the index's records no longer used
	numPods  int          // accounted, in records of the index or the caller's
	failSlab []Failure    // backing for Result.Failures

	reasons reasonTable
	ext     extTable

	scratch scratch
	// eq answers runs of pods of one equivalence class (eqindex.go);
	// noIndex turns it off, for the tests that compare it with the
	// node-by-node search.
	eq      eqIndex
	noIndex bool
}

// New returns an empty Scheduler.
func New(cfg Config) *Scheduler {
	w := cfg.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	s := &Scheduler{
		cfg:        cfg,
		classByKey: map[string]int32{},
		profiles:   map[profileKey]*podProfile{},
		labelSets:  map[string]*labelSet{},
		counters:   map[string]*counter{},
		groups:     map[string]*group{},
		topos:      map[string]*topo{},
		filters:    map[string]*nodeFilter{},
		statics:    map[string]*staticShape{},
		shapes:     map[string]*podShape{},
		pvs:        map[string]*api.PersistentVolume{},
		pvcs:       map[string]*api.PersistentVolumeClaim{},
	}
	s.weights = [numScorers]int64{w.Resources, w.TaintToleration, w.NodeAffinity, w.InterPodAffinity, w.TopologySpread}
	s.reasons.init()
	s.ext.init()
	return s
}

// Config returns the configuration the scheduler was made with.
func (s *Scheduler) Config() Config { return s.cfg }

// NumNodes returns the number of nodes known (added and not removed).
func (s *Scheduler) NumNodes() int { s.ensureOrder(); return len(s.order) }

// NumPods returns the number of pods accounted on nodes, bound or assumed.
func (s *Scheduler) NumPods() int { return s.numPods }

// kube-scheduler's sampling constants.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// numFeasibleNodesToFind returns how many feasible nodes a search looks for
// among n nodes, exactly as kube-scheduler computes it.
func (s *Scheduler) numFeasibleNodesToFind(n int) int {
	if n < minFeasibleNodesToFind {
		return n
	}
	pct := int(s.cfg.PercentageOfNodesToScore)
	if pct <= 0 {
		pct = 50 - n/125
		if pct < minFeasibleNodesPercentageToFind {
			pct = minFeasibleNodesPercentageToFind
		}
	}
	if pct >= 100 {
		return n
	}
	k := n * pct / 100
	if k < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return k
}
