package explore

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// The invariants are checked in two places.
//
// Over writes, as each transition makes them (checkWrite): the model's
// History invariants given the state before the write, which is all they
// read, so that checking each write once along a path checks the whole
// history, and a write into a state already explored is still checked.
//
// Over states, once per distinct state (CheckState): the Snapshot
// invariants, and at leaves the liveness property.

// checkWrite checks one write against the state before it (w.state).
func (w *World) checkWrite(wr model.Write) {
	var prev model.History
	if o := w.state[wr.Key]; o != nil {
		rev, _ := revisionOf(o)
		prev = model.History{{Revision: rev, Type: model.Added, Key: wr.Key, Object: o}}
	}
	pair := append(prev[:len(prev):len(prev)], wr)
	w.found = append(w.found, model.RevisionsIncrease(pair)...)
	p, isPod := wr.Object.(*api.Pod)
	if !isPod || p == nil {
		return
	}
	w.found = append(w.found, model.NodeNameNeverChanges(pair)...)
	old, _ := w.state[wr.Key].(*api.Pod)
	if wr.Type != model.Modified || p.Spec.NodeName == "" || old == nil || old.Spec.NodeName != "" {
		return
	}
	// A binding. On the control plane's view (plus its own bindings in
	// flight) it must have been feasible: otherwise the scheduler ignored
	// what it knew.
	if view, ok := w.view(wr.Revision); ok {
		for _, v := range model.BindingsWereFeasible(append(view, wr)) {
			v.Message = "on the control plane's view: " + v.Message
			w.found = append(w.found, v)
		}
	}
	// On the store's state: without a fault nothing makes a node less
	// feasible behind the scheduler's back, so this must hold too; with
	// one, a binding on a stale view (a node that has just been marked
	// unreachable) is expected and only counted.
	st := make(model.History, 0, len(w.state)+1)
	for _, k := range w.sortedKeys() {
		st = append(st, model.Write{Revision: 1, Type: model.Added, Key: k, Object: w.state[k]})
	}
	vs := model.BindingsWereFeasible(append(st, wr))
	if w.cfg.Fault == nil {
		w.found = append(w.found, vs...)
	} else {
		w.stale = append(w.stale, vs...)
	}
}

func (w *World) sortedKeys() []string {
	keys := make([]string, 0, len(w.state))
	for k := range w.state {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func revisionOf(o api.Object) (int64, error) {
	return store.ParseResourceVersion("", o.GetObjectMeta().ResourceVersion)
}

// CheckState checks the invariants over the current state: NoOvercommit,
// ReplicaSetOwnsOnlyMatching and PVBoundToAtMostOnePVC always;
// RollingUpdateBounds without a fault (its availability bound assumes
// nothing failed); EvictedAtOnce at quiescent states when pods get no
// default tolerations; DeploymentsAvailable, VolumesSettle and
// GarbageCollected at a leaf of a configuration that asks for liveness.
func (w *World) CheckState() []model.Violation {
	s := w.Snapshot()
	var out []model.Violation
	out = append(out, model.NoOvercommit(s)...)
	out = append(out, model.ReplicaSetOwnsOnlyMatching(s)...)
	out = append(out, model.PVBoundToAtMostOnePVC(s)...)
	if w.cfg.Fault == nil {
		for _, v := range model.RollingUpdateBounds(s) {
			// The model's two bounds share a name; the surge bound's
			// message says what the ReplicaSets ask for.
			if !w.cfg.SurgeOnly || strings.HasPrefix(v.Message, "ReplicaSets ask for") {
				out = append(out, v)
			}
		}
	}
	if w.cfg.DefaultTolerationSeconds < 0 && w.Quiescent() {
		out = append(out, EvictedAtOnce(s)...)
	}
	if w.cfg.Liveness && w.cfg.Fault == nil && len(w.Enabled()) == 0 {
		out = append(out, model.DeploymentsAvailable(s)...)
		out = append(out, VolumesSettle(s)...)
		out = append(out, GarbageCollected(w.Objects())...)
	}
	return out
}
