package explore

import (
	"errors"
	"slices"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// syncControl runs the control plane's controllers. Their writes are
// executed at once, in order, as one atomic step; with WriteByWrite they
// go to the outbox and each is a transition of its own.
func (w *World) syncControl() {
	writes := slices.Collect(w.cp.Ready().All())
	w.logf("cp-sync: %d writes (view at revision %d)", len(writes), w.cpSeen)
	for _, cw := range writes {
		pw := pendingWrite{w: cw, view: w.cpSeen}
		if w.cfg.WriteByWrite {
			w.outbox = append(w.outbox, pw)
			continue
		}
		w.execControl(pw)
	}
}

var errRefused = errors.New("refused by Config.Mutate")

// execControl performs one write of the control plane through the
// registry and reports a failure back to the machine, as core/sim does.
func (w *World) execControl(pw pendingWrite) {
	cw := pw.w
	var (
		obj api.Object
		err error
	)
	ok := true
	if w.cfg.Mutate != nil {
		cw, ok = w.cfg.Mutate(cw)
	}
	switch {
	case !ok:
		err = api.NewForbidden(cw.Resource(), cw.Name(), errRefused)
	case cw.Op == control.OpCreate:
		obj, err = w.reg.Create(cw.Object, w.now)
	case cw.Op == control.OpUpdate:
		obj, err = w.reg.Update(cw.Object, w.now)
	case cw.Op == control.OpUpdateStatus:
		obj, err = w.reg.UpdateStatus(cw.Object, w.now)
	case cw.Op == control.OpDelete:
		obj, err = w.reg.Delete(cw.Resource(), cw.Namespace(), cw.Name(), registry.DeleteOptions{
			GracePeriodSeconds: cw.GracePeriodSeconds,
			Preconditions:      cw.Preconditions,
			PropagationPolicy:  cw.Propagation,
		}, w.now)
	case cw.Op == control.OpBind:
		obj, err = w.reg.Bind(cw.Namespace(), cw.Name(), cw.Preconditions.UID, cw.Node, w.now)
	}
	if err != nil {
		f := control.WriteFailed{Write: cw, Reason: api.ReasonForError(err), Message: err.Error()}
		if w.trace {
			w.logf("  %s", f.Describe())
		}
		w.cp.Failed(f)
		return
	}
	if w.trace {
		w.logf("  %s", cw.Describe())
	}
	if cw.Op == control.OpBind {
		rev, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
		must(err)
		w.binds = append(w.binds, bindRecord{rev: rev, view: pw.view, node: cw.Node})
	}
}

// view returns what the control plane had seen when it computed the
// binding written at revision rev: the store at the revision of its last
// delivered event, plus the pods it had bound itself since (the
// scheduler's assumed pods: it must count its own bindings in flight).
// ok is false when rev is not a binding of the control plane.
func (w *World) view(rev int64) (model.History, bool) {
	var b *bindRecord
	for i := range w.binds {
		if w.binds[i].rev == rev {
			b = &w.binds[i]
		}
	}
	if b == nil {
		return nil, false
	}
	state := map[string]api.Object{}
	var keys []string
	set := func(key string, o api.Object) {
		if _, ok := state[key]; !ok {
			keys = append(keys, key)
		}
		state[key] = o
	}
	for _, wr := range w.hist {
		if wr.Revision > b.view {
			break
		}
		if wr.Type == model.Deleted {
			set(wr.Key, nil)
		} else {
			set(wr.Key, wr.Object)
		}
	}
	// Bindings of the control plane after its view and before rev: the
	// pod as the view has it, with the node the binding chose.
	for _, o := range w.binds {
		if o.rev <= b.view || o.rev >= rev {
			continue
		}
		for _, wr := range w.hist {
			if wr.Revision != o.rev {
				continue
			}
			if cur, ok := state[wr.Key].(*api.Pod); ok && cur != nil && cur.Spec.NodeName == "" {
				p := *cur
				p.Spec.NodeName = o.node
				set(wr.Key, &p)
			}
		}
	}
	var h model.History
	for _, k := range keys {
		if o := state[k]; o != nil {
			h = append(h, model.Write{Revision: 1, Type: model.Added, Key: k, Object: o})
		}
	}
	return h, true
}
