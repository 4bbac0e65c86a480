package control

import (
	"slices"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// busy reports whether the machine is waiting to see the result of an
// update of key it asked for: a controller that wants to write key again
// waits, so that two controllers never race the same resourceVersion. It
// waits for the write's outcome, whichever controller made the write and
// whichever controllers the outcome's event is routed to: q/forKey is
// registered as a waiter, requeued at once when the result's event or
// its failure arrives (settled). A write whose result never shows up
// stops blocking after WriteTimeout; q/forKey is then woken up by a
// timer, the only one busy arms.
func (m *Machine) busy(key string, q queueID, forKey string) bool {
	f, ok := m.inflight[key]
	if !ok {
		return false
	}
	e := m.objects[key]
	if e == nil || e.rev > f.rev || m.now-f.at >= api.Time(m.cfg.WriteTimeout) {
		m.settled(key)
		return false
	}
	w := timerKey{q, forKey}
	if !slices.Contains(f.waiters, w) {
		f.waiters = append(f.waiters, w)
		m.inflight[key] = f
	}
	m.after(q, forKey, f.at+api.Time(m.cfg.WriteTimeout))
	return true
}

// settled ends the wait for the write in flight to key, if any: its
// outcome arrived (an event past the revision it was based on, or its
// failure), or it timed out. The controllers busy turned away are
// requeued now, and their WriteTimeout timers disarmed: level-triggered,
// each sync re-arms what it still needs.
func (m *Machine) settled(key string) {
	f, ok := m.inflight[key]
	if !ok {
		return
	}
	delete(m.inflight, key)
	timeout := f.at + api.Time(m.cfg.WriteTimeout)
	for _, w := range f.waiters {
		m.timers.disarm(w.q, w.key, timeout)
		m.enqueue(w.q, w.key)
	}
}

// emitCreate asks for obj to be created.
func (m *Machine) emitCreate(q queueID, forKey string, obj api.Object, reason string) {
	key, err := api.KeyOf(obj)
	if err != nil {
		return
	}
	m.emit(newWrite(OpCreate, key, obj, controllerNames[q], forKey, reason))
}

// emitUpdate asks for e's object to be replaced by obj (a modified copy of
// it, carrying its resourceVersion), unless an earlier update of e is in
// flight. It reports whether it emitted.
func (m *Machine) emitUpdate(q queueID, forKey string, e *entry, obj api.Object, reason string) bool {
	return m.emitCAS(OpUpdate, q, forKey, e, obj, reason)
}

// emitStatus is emitUpdate for the status.
func (m *Machine) emitStatus(q queueID, forKey string, e *entry, obj api.Object, reason string) bool {
	return m.emitCAS(OpUpdateStatus, q, forKey, e, obj, reason)
}

func (m *Machine) emitCAS(op Op, q queueID, forKey string, e *entry, obj api.Object, reason string) bool {
	if m.busy(e.key, q, forKey) {
		return false
	}
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(e.rev, 10)
	m.emit(newWrite(op, e.key, obj, controllerNames[q], forKey, reason))
	m.inflight[e.key] = inflight{rev: e.rev, at: m.now}
	return true
}

// emitDelete asks for e's object to be deleted, with its uid (and, when
// exact, its resourceVersion) as preconditions, unless a write to it is in
// flight. It reports whether it emitted.
func (m *Machine) emitDelete(q queueID, forKey string, e *entry, exact bool, propagation string, grace *int64, reason string) bool {
	if m.busy(e.key, q, forKey) {
		return false
	}
	w := newWrite(OpDelete, e.key, e.obj, controllerNames[q], forKey, reason)
	w.Preconditions = store.Preconditions{UID: e.meta().UID}
	if exact {
		w.Preconditions.ResourceVersion = strconv.FormatInt(e.rev, 10)
	}
	w.Propagation = propagation
	w.GracePeriodSeconds = grace
	m.emit(w)
	m.inflight[e.key] = inflight{rev: e.rev, at: m.now}
	return true
}

// emitBind asks for pod e to be bound to node.
func (m *Machine) emitBind(e *entry, node, reason string) {
	w := newWrite(OpBind, e.key, e.obj, controllerNames[qScheduler], e.key, reason)
	w.Preconditions = store.Preconditions{UID: e.meta().UID}
	w.Node = node
	m.emit(w)
}

// Event components, as Kubernetes names them in event sources.
const (
	componentScheduler  = "default-scheduler"
	componentReplicaSet = "replicaset-controller"
	componentDeployment = "deployment-controller"
	componentNode       = "node-controller"
	componentTaint      = "taint-eviction-controller"
	componentEndpoints  = "endpoint-controller"
	componentVolume     = "persistentvolume-controller"
	componentGC         = "garbage-collector-controller"
)

// record creates an api.Event about obj when Config.RecordEvents is set.
func (m *Machine) record(q queueID, obj api.Object, typ, reason, message, component string) {
	if !m.cfg.RecordEvents {
		return
	}
	om := obj.GetObjectMeta()
	k := obj.GetTypeMeta().Kind
	if k == "" {
		k = kindName(obj)
	}
	apiVersion := obj.GetTypeMeta().APIVersion
	if info, ok := api.LookupKind(k); ok {
		apiVersion = info.APIVersion()
	}
	ns := om.Namespace
	if ns == "" {
		ns = api.NamespaceDefault
	}
	ev := &api.Event{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: api.ObjectMeta{Name: om.Name + "." + m.rng.hex16(), Namespace: ns},
		InvolvedObject: api.ObjectReference{
			Kind: k, Namespace: om.Namespace, Name: om.Name, UID: om.UID, APIVersion: apiVersion,
		},
		Reason:              reason,
		Message:             message,
		Source:              api.EventSource{Component: component},
		FirstTimestamp:      m.now,
		LastTimestamp:       m.now,
		Count:               1,
		Type:                typ,
		ReportingController: component,
	}
	m.emitCreate(q, "", ev, reason)
}
