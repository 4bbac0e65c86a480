package simapi

import (
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// invariant is one property of package model the page lights.
type invariant struct {
	name string
	// kind is "safety" (must hold at every check: red from its first
	// violation on) or "liveness" (judged now: may be red while the
	// cluster converges).
	kind string
	// note is the caveat model's documentation gives, for the page.
	note string
	snap func(*model.Snapshot) []model.Violation
	hist func(model.History) []model.Violation
	// caveat, if set, says which violations the model's own caveat allows
	// once a fault has been injected (a view lagging the store, a delayed
	// watch): after the first fault those are shown as excused, not
	// broken, as checks/simtest excuses them. Before any fault nothing is
	// excused.
	caveat func(model.Violation) bool
}

func always(model.Violation) bool { return true }

var invariants = []invariant{
	{name: "NoOvercommit", kind: "safety", snap: model.NoOvercommit,
		note: "no node holds pods requesting more than its allocatable cpu, memory and pods"},
	{name: "NodeNameNeverChanges", kind: "safety", hist: model.NodeNameNeverChanges,
		note: "a pod, once bound, stays on its node"},
	{name: "BindingsWereFeasible", kind: "safety", hist: model.BindingsWereFeasible, caveat: always,
		note: "every binding was feasible in the store's state just before it (a scheduler acting on a view one event stale, after a fault, breaks it by design)"},
	{name: "RevisionsIncrease", kind: "safety", hist: model.RevisionsIncrease,
		note: "store revisions only go forward, each write carrying its own"},
	{name: "ReplicaSetOwnsOnlyMatching", kind: "safety", snap: model.ReplicaSetOwnsOnlyMatching,
		note: "a ReplicaSet controls only pods its selector matches"},
	{name: "PVBoundToAtMostOnePVC", kind: "safety", snap: model.PVBoundToAtMostOnePVC,
		note: "a volume is bound to one claim at most"},
	{name: "EndpointsMatchSelector", kind: "safety", snap: model.EndpointsMatchSelector, caveat: always,
		note: "Endpoints list only selected pods, ready ones as ready (checked at quiescent instants; a delayed watch breaks it)"},
	{name: "RollingUpdateBounds", kind: "safety", snap: model.RollingUpdateBounds,
		// Only the availability half assumes no faults; the surge half
		// holds regardless.
		caveat: func(v model.Violation) bool { return strings.Contains(v.Message, " available during a rollout") },
		note:   "a rollout stays within maxSurge and maxUnavailable (the availability half assumes no faults, as kube does)"},
	{name: "DeploymentsAvailable", kind: "liveness", snap: model.DeploymentsAvailable,
		note: "every Deployment has its replicas available, unless no node fits a pending pod"},
	{name: "EndpointsComplete", kind: "liveness", snap: model.EndpointsComplete,
		note: "every ready selected pod is in its Service's Endpoints"},
}

// InvariantView is one invariant as the page shows it.
type InvariantView struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Note string `json:"note"`
	// OK: a safety invariant never violated so far; a liveness one
	// holding now.
	OK bool `json:"ok"`
	// FirstAt (virtual ms) and First: the first violation, for safety
	// invariants; -1 and "" if none. FirstStep is the step that broke it
	// (the number of events processed once it had fired: the exact step,
	// found by locate) and FirstBy what that step did (its log lines, or
	// the action made). FirstApprox is set if locate could not replay it:
	// then FirstAt and FirstStep are those of the check that saw it.
	FirstAt     int64  `json:"firstAt"`
	First       string `json:"first,omitempty"`
	FirstStep   uint64 `json:"firstStep,omitempty"`
	FirstBy     string `json:"firstBy,omitempty"`
	FirstApprox bool   `json:"firstApprox,omitempty"`
	// Now are the violations at the last check (at most 5).
	Now []string `json:"now,omitempty"`
	// Excused counts the checks at which the invariant was violated only
	// in ways its caveat allows after a fault; ExcusedAt and ExcusedFirst
	// are the first such (-1 and "" if none).
	Excused      int    `json:"excused,omitempty"`
	ExcusedAt    int64  `json:"excusedAt"`
	ExcusedFirst string `json:"excusedFirst,omitempty"`
	// ExcusedStep and ExcusedBy: the step of the first excused
	// violation, as FirstStep and FirstBy.
	ExcusedStep   uint64 `json:"excusedStep,omitempty"`
	ExcusedBy     string `json:"excusedBy,omitempty"`
	ExcusedApprox bool   `json:"excusedApprox,omitempty"`
}

// tracker checks the invariants along a run.
type tracker struct {
	w store.Watcher
	// objs are the nodes, pods, volumes and claims as of the last write
	// read: the state before the next writes, for the history checks.
	objs  map[string]api.Object
	views []InvariantView
	// skipped says why the last check did not run ("" if it did).
	skipped string
	// gaps counts the times the write log was lost (compacted unread).
	gaps int
}

func newTracker(c *sim.Cluster) *tracker {
	t := &tracker{views: make([]InvariantView, len(invariants))}
	for i, inv := range invariants {
		t.views[i] = InvariantView{Name: inv.name, Kind: inv.kind, Note: inv.note, OK: true, FirstAt: -1, ExcusedAt: -1}
	}
	t.resync(c)
	return t
}

// tracked are the kinds the history checks need the state of.
var tracked = map[string]bool{"nodes": true, "pods": true, "persistentvolumes": true, "persistentvolumeclaims": true}

func resourceOf(key string) string {
	res, _, _ := strings.Cut(strings.TrimPrefix(key, api.KeyPrefix), "/")
	return res
}

// resync lists the tracked kinds and watches from the next revision.
func (t *tracker) resync(c *sim.Cluster) {
	t.objs = map[string]api.Object{}
	rev := int64(0)
	for res := range tracked {
		l, err := c.Store().List(api.KeyFor(res, "", ""), store.ListOptions{})
		if err != nil {
			panic("simapi: list " + res + ": " + err.Error())
		}
		rev = l.Revision
		for _, o := range l.Items {
			key, _ := api.KeyOf(o)
			t.objs[key] = o
		}
	}
	w, err := c.Store().Watch(api.KeyPrefix, rev+1)
	if err != nil {
		panic("simapi: watch: " + err.Error())
	}
	t.w = w
}

// poll reads the writes since the last read and runs the history checks
// over them, with the state before them as a prefix.
func (t *tracker) poll(s *Session) {
	evs, err := t.w.Poll(0)
	if err != nil {
		t.gaps++
		t.resync(s.c)
		return
	}
	if len(evs) == 0 || t.skipped != "" {
		t.apply(evs)
		return
	}
	var prefix, writes model.History
	for key, o := range t.objs {
		prefix = append(prefix, model.Write{Revision: revisionOf(o), Type: model.Added, Key: key, Object: o})
	}
	slices.SortFunc(prefix, func(a, b model.Write) int { return compare(a.Revision, b.Revision) })
	all := make(model.History, 0, len(evs))
	for _, e := range evs {
		w := model.Write{Revision: e.Revision, Type: string(e.Type), Key: e.Key, Object: e.Object}
		all = append(all, w)
		if tracked[resourceOf(e.Key)] {
			writes = append(writes, w)
		}
	}
	window := append(prefix, writes...)
	for i, inv := range invariants {
		if inv.hist == nil || !s.evaluates(i) {
			continue
		}
		h := window
		if inv.name == "RevisionsIncrease" {
			h = all
		}
		t.record(s, i, inv.hist(h))
	}
	t.apply(evs)
}

func (t *tracker) apply(evs []store.Event) {
	for _, e := range evs {
		if !tracked[resourceOf(e.Key)] {
			continue
		}
		if e.Type == store.Deleted {
			delete(t.objs, e.Key)
		} else {
			t.objs[e.Key] = e.Object
		}
	}
}

func revisionOf(o api.Object) int64 {
	n, _ := strconv.ParseInt(o.GetObjectMeta().ResourceVersion, 10, 64)
	return n
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// record notes the violations of invariant i found now.
func (t *tracker) record(s *Session, i int, vs []model.Violation) {
	v := &t.views[i]
	if c := invariants[i].caveat; c != nil && s.faultAt >= 0 && len(vs) > 0 {
		var hard []model.Violation
		first := ""
		for _, x := range vs {
			if c(x) {
				if first == "" {
					first = x.Object + ": " + x.Message
				}
			} else {
				hard = append(hard, x)
			}
		}
		if first != "" {
			v.Excused++
			if v.ExcusedAt < 0 {
				v.ExcusedAt, v.ExcusedFirst = s.now(), first
				v.ExcusedStep, v.ExcusedBy = s.c.Steps(), s.by
			}
		}
		vs = hard
	}
	now := make([]string, 0, min(5, len(vs)))
	for _, x := range vs[:min(5, len(vs))] {
		now = append(now, x.Object+": "+x.Message)
	}
	if v.Kind == "liveness" {
		v.OK, v.Now = len(vs) == 0, now
		return
	}
	if len(vs) > 0 {
		v.Now = now
		if v.FirstAt < 0 {
			v.OK, v.FirstAt, v.First = false, s.now(), now[0]
			v.FirstStep, v.FirstBy = s.c.Steps(), s.by
		}
	} else if invariants[i].snap != nil {
		v.Now = nil
	}
}

// check runs every check now, unless the cluster is too big for them.
func (t *tracker) check(s *Session) {
	pods := len(s.list("pods"))
	if pods > s.maxCheckPods {
		t.skipped = "not checked: " + strconv.Itoa(pods) + " pods, more than " + strconv.Itoa(s.maxCheckPods)
		return
	}
	if t.skipped != "" {
		t.skipped = ""
		t.resync(s.c)
	}
	t.poll(s)
	snap := s.snapshot()
	for i, inv := range invariants {
		if inv.snap != nil && s.evaluates(i) {
			t.record(s, i, inv.snap(snap))
		}
	}
}

// snapshot is the store's objects of the kinds the invariants read.
func (s *Session) snapshot() *model.Snapshot {
	var objs []api.Object
	for _, res := range []string{"nodes", "pods", "replicasets", "deployments", "services", "endpoints", "persistentvolumes", "persistentvolumeclaims"} {
		objs = append(objs, s.list(res)...)
	}
	snap := model.NewSnapshot(objs...)
	snap.Now = s.c.Now()
	return snap
}

// list lists one resource of the store (objects shared: read only).
func (s *Session) list(res string) []api.Object {
	l, err := s.c.Store().List(api.KeyFor(res, "", ""), store.ListOptions{})
	if err != nil {
		panic("simapi: list " + res + ": " + err.Error())
	}
	return l.Items
}
