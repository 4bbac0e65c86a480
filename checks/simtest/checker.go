package simtest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// Failure is the first check a run failed.
type Failure struct {
	// At is the virtual time of the check (a grid point).
	At time.Duration
	// Phase is "safety" or "liveness".
	Phase      string
	Violations []model.Violation
}

// Invariant names the invariant of the first violation.
func (f *Failure) Invariant() string { return f.Violations[0].Invariant }

func (f *Failure) String() string {
	return fmt.Sprintf("%s violation at %s:\n%s", f.Phase, fmtDur(f.At), model.Describe(f.Violations))
}

// checker watches one cluster from its first write and judges it at every
// grid point: the write log is a watch of /registry/ from revision 1, the
// state is the mirror that log builds (checked against the store's own
// List at quiescent points).
type checker struct {
	c *sim.Cluster
	s *Schedule
	// log is the watch every write comes through. hist is every write, in
	// order; Invariant: hist[i].Revision == firstRev+i (checked:
	// WriteLogComplete).
	log      store.Watcher
	hist     model.History
	histAt   []time.Duration // the grid point each write was polled at
	prevIdx  []int           // index in hist of the key's previous write, or -1
	hb       []bool          // the write is a heartbeat (see heartbeat)
	firstRev int64
	lastOf   map[string]int // key -> index in hist of its last write
	// objs are the latest objects of the kinds the invariants read.
	objs map[string]api.Object
	// nodeVersions are every version of each node, for stale-view binds.
	nodeVersions map[string][]nodeVersion

	now time.Duration // elapsed virtual time of the current check
	// lastBusy is the last grid point that polled a write other than a
	// heartbeat (leases, events, node status heartbeats).
	lastBusy time.Duration
	logLine  int // lines of the sim's log already scanned
	// dirty: the state changed since the last quiescent check;
	// lastListed is when the mirror was last compared with a List.
	dirty      bool
	lastListed time.Duration

	faults   faultState
	deps     map[string]*depTrack
	watchers []*probeWatcher

	fig  *Figures
	cov  Coverage
	fail *Failure
	// failedNow and failedBinds are the scheduler's failed bindings (pod
	// key -> node) of this grid step, and of this one and the one before.
	failedNow, failedPrev, failedBinds map[string]string
}

type nodeVersion struct {
	node *api.Node
	rev  int64
	at   time.Duration
	// lifecycleUnknown: the control plane's node lifecycle controller
	// wrote this version (Ready went to Unknown).
	lifecycleUnknown bool
}

// relevant are the resources the invariants read.
var relevant = map[string]bool{
	"nodes": true, "pods": true, "replicasets": true, "deployments": true, "services": true,
	"endpoints": true, "persistentvolumes": true, "persistentvolumeclaims": true,
}

func resourceOf(key string) string {
	rest := strings.TrimPrefix(key, api.KeyPrefix)
	res, _, _ := strings.Cut(rest, "/")
	return res
}

func newChecker(c *sim.Cluster, s *Schedule, fig *Figures) *checker {
	w, err := c.Store().Watch(api.KeyPrefix, 1)
	if err != nil {
		panic("simtest: watch from 1: " + err.Error())
	}
	ck := &checker{c: c, s: s, log: w, firstRev: 2, lastOf: map[string]int{}, objs: map[string]api.Object{},
		nodeVersions: map[string][]nodeVersion{}, deps: map[string]*depTrack{}, fig: fig, cov: Coverage{},
		failedNow: map[string]string{}, failedPrev: map[string]string{}, failedBinds: map[string]string{}}
	ck.faults.init()
	ck.watchers = newProbeWatchers(c, s.Seed)
	return ck
}

// violate records violations found now; the first batch fails the run.
func (ck *checker) violate(phase string, vs []model.Violation) {
	if len(vs) == 0 || ck.fail != nil {
		return
	}
	ck.fail = &Failure{At: ck.now, Phase: phase, Violations: vs}
}

func (ck *checker) eval(name string) { ck.fig.Evals[name]++ }

// check polls the writes since the last check and runs the safety
// checks: the log's invariants over every new write, each binding against
// the state just before it, the extra watchers against the log, and the
// snapshot invariants over the state now.
func (ck *checker) check(now time.Duration) {
	ck.now = now
	ck.fig.Checks++
	ck.failedNow, ck.failedPrev = ck.failedPrev, ck.failedNow
	clear(ck.failedNow)
	evs, err := ck.log.Poll(0)
	if err != nil {
		ck.violate("safety", []model.Violation{{Invariant: "WriteLogComplete", Object: "watch /registry/ from 1", Message: err.Error()}})
		return
	}
	ck.scanLog()
	clear(ck.failedBinds)
	for _, m := range []map[string]string{ck.failedPrev, ck.failedNow} {
		for k, v := range m {
			ck.failedBinds[k] = v
		}
	}
	if len(evs) == 0 {
		ck.snapshotChecks(false)
		return
	}
	start := len(ck.hist)
	changed := false
	for i := range evs {
		changed = ck.write(&evs[i]) || changed
	}
	ck.fig.Writes += len(evs)
	if rev, _ := ck.c.Store().Revision(); len(ck.hist) > 0 && ck.hist[len(ck.hist)-1].Revision != rev {
		ck.violate("safety", []model.Violation{{Invariant: "WriteLogComplete", Object: "watch /registry/ from 1",
			Message: fmt.Sprintf("last write delivered is revision %d, the store is at %d", ck.hist[len(ck.hist)-1].Revision, rev)}})
	}
	ck.logChecks(start)
	for _, w := range ck.watchers {
		w.check(ck)
	}
	ck.snapshotChecks(changed)
}

// write takes one event of the log: it checks the log's continuity and,
// for a binding, its feasibility against the state just before; then it
// updates the mirror. It reports whether a kind the snapshot invariants
// read changed.
func (ck *checker) write(ev *store.Event) bool {
	if want := ck.firstRev + int64(len(ck.hist)); ev.Revision != want {
		ck.violate("safety", []model.Violation{{Invariant: "WriteLogComplete", Object: ev.Key,
			Message: fmt.Sprintf("%s delivered where revision %d was due", ev.Describe(), want)}})
	}
	w := model.Write{Revision: ev.Revision, Type: string(ev.Type), Key: ev.Key, Object: ev.Object}
	res := resourceOf(ev.Key)
	hb := heartbeat(res, ev)
	if !hb {
		ck.lastBusy = ck.now
	}
	ck.hb = append(ck.hb, hb)
	ck.observe(res, ev)
	if p, ok := ev.Object.(*api.Pod); ok && ev.Type == store.Modified && p.Spec.NodeName != "" {
		if old, ok := ck.objs[ev.Key].(*api.Pod); ok && old.Spec.NodeName == "" {
			ck.checkBinding(w, old)
		}
	}
	prev, ok := ck.lastOf[ev.Key]
	if !ok {
		prev = -1
	}
	ck.prevIdx = append(ck.prevIdx, prev)
	ck.lastOf[ev.Key] = len(ck.hist)
	ck.hist = append(ck.hist, w)
	ck.histAt = append(ck.histAt, ck.now)
	if res == "nodes" && ev.Type != store.Deleted {
		n := ev.Object.(*api.Node)
		prev, _ := ck.objs[ev.Key].(*api.Node)
		ck.nodeVersions[n.Name] = append(ck.nodeVersions[n.Name], nodeVersion{node: n, rev: ev.Revision, at: ck.now,
			lifecycleUnknown: wentUnknown(prev, n)})
	}
	if !relevant[res] {
		return false
	}
	if ev.Type == store.Deleted {
		delete(ck.objs, ev.Key)
	} else {
		ck.objs[ev.Key] = ev.Object
	}
	ck.writeChecks(res, ev)
	return true
}

// wentUnknown reports whether a node write is the node lifecycle
// controller's: Ready from not Unknown to Unknown (kubelets never write
// Unknown).
func wentUnknown(prev, cur *api.Node) bool {
	c := cur.Condition(api.NodeReady)
	if c == nil || c.Status != api.ConditionUnknown {
		return false
	}
	if prev == nil {
		return true
	}
	p := prev.Condition(api.NodeReady)
	return p == nil || p.Status != api.ConditionUnknown
}

// heartbeat reports whether a write is one that goes on in a quiet
// cluster: a Lease renewal, an Event, a Node status that changes nothing
// but heartbeat times.
func heartbeat(res string, ev *store.Event) bool {
	switch res {
	case "leases", "events":
		return true
	case "nodes":
		prev, ok1 := ev.PrevObject.(*api.Node)
		cur, ok2 := ev.Object.(*api.Node)
		return ok1 && ok2 && ev.Type == store.Modified && sameButHeartbeats(prev, cur)
	}
	return false
}

// sameButHeartbeats compares two versions of a node, ignoring the
// conditions' heartbeat times.
func sameButHeartbeats(a, b *api.Node) bool {
	if !reflect.DeepEqual(a.Spec, b.Spec) || !reflect.DeepEqual(a.Labels, b.Labels) || len(a.Status.Conditions) != len(b.Status.Conditions) {
		return false
	}
	as, bs := a.Status, b.Status
	as.Conditions, bs.Conditions = nil, nil
	if !reflect.DeepEqual(as, bs) {
		return false
	}
	for i := range a.Status.Conditions {
		x, y := a.Status.Conditions[i], b.Status.Conditions[i]
		x.LastHeartbeatTime, y.LastHeartbeatTime = 0, 0
		if x != y {
			return false
		}
	}
	return true
}

// logChecks runs the write log's invariants over the writes from index
// start on, each preceded by the last earlier write of its key: exactly
// what the invariants would report over the whole log for those writes.
func (ck *checker) logChecks(start int) {
	var ctx []int
	seen := map[string]bool{}
	for j := start; j < len(ck.hist); j++ {
		k := ck.hist[j].Key
		if seen[k] {
			continue
		}
		seen[k] = true
		if i := ck.prevIdx[j]; i >= 0 {
			ctx = append(ctx, i)
		}
	}
	slices.Sort(ctx)
	if start > 0 && (len(ctx) == 0 || ctx[len(ctx)-1] != start-1) {
		ctx = append(ctx, start-1) // the revision order across the boundary
	}
	window := make(model.History, 0, len(ctx)+len(ck.hist)-start)
	for _, i := range ctx {
		window = append(window, ck.hist[i])
	}
	window = append(window, ck.hist[start:]...)
	ck.eval("RevisionsIncrease")
	ck.violate("safety", model.RevisionsIncrease(window))
	var pods model.History
	for _, w := range window {
		if resourceOf(w.Key) == "pods" {
			pods = append(pods, w)
		}
	}
	if len(pods) > 0 {
		ck.eval("NodeNameNeverChanges")
		ck.violate("safety", model.NodeNameNeverChanges(pods))
	}
}

// rollouts returns the Deployments mid-rollout: two or more ReplicaSets
// with pods asked for or active.
func (ck *checker) rollouts() map[string]bool {
	s := ck.snapshot()
	out := map[string]bool{}
	for _, d := range s.Deployments {
		if n, _, _ := depCounts(s, d); n >= 2 {
			out[d.Name] = true
		}
	}
	return out
}

// before notes, ahead of a command, what after needs to know.
func (ck *checker) before(line string) map[string]bool {
	switch name, _, _ := strings.Cut(line, " "); name {
	case "restart-control-plane", "scale":
		return ck.rollouts()
	}
	return nil
}

// after counts the situations a command made, from what it answered.
func (ck *checker) after(line, out string, rollouts map[string]bool) {
	if strings.Contains(out, "error:") {
		return
	}
	f := strings.Fields(line)
	switch f[0] {
	case "rollout-undo":
		ck.cov.hit(CovRollback)
	case "resume":
		ck.cov.hit(CovPaused)
	case "restart-control-plane":
		ck.cov.hit(CovRestart)
		if len(rollouts) > 0 {
			ck.cov.hit(CovRestartMidRollout)
		}
	case "scale":
		if rollouts[strings.TrimPrefix(f[1], "deployment/")] {
			ck.cov.hit(CovScaleMidRollout)
		}
	case "delay-watch":
		if f[1] != "0" {
			ck.cov.hit(CovDelayed)
		}
	}
}

var storeListAll = store.ListOptions{}
