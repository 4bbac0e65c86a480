package control

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// miniRegistry is the slice of API semantics the tests need between the
// machine's writes and a store.Memory: uids, timestamps, generations,
// status kept apart from spec, graceful pod deletion, finalizers,
// namespaces, binding. core/registry is the real one.
type miniRegistry struct {
	st  *store.Memory
	uid int
}

type apiError struct {
	reason api.StatusReason
	msg    string
}

func (e *apiError) Error() string { return string(e.reason) + ": " + e.msg }

func errorf(r api.StatusReason, format string, args ...any) error {
	return &apiError{reason: r, msg: fmt.Sprintf(format, args...)}
}

func storeErr(err error) error {
	switch store.CodeOf(err) {
	case "":
		return err
	case store.NotFound:
		return errorf(api.StatusReasonNotFound, "%v", err)
	case store.AlreadyExists:
		return errorf(api.StatusReasonAlreadyExists, "%v", err)
	case store.Conflict:
		return errorf(api.StatusReasonConflict, "%v", err)
	}
	return errorf(api.StatusReasonBadRequest, "%v", err)
}

func reasonOf(err error) api.StatusReason {
	if e, ok := err.(*apiError); ok {
		return e.reason
	}
	return api.StatusReasonInternalError
}

// field returns a top-level field of an object (Spec, Status), or an
// invalid value.
func field(o api.Object, name string) reflect.Value {
	return reflect.ValueOf(o).Elem().FieldByName(name)
}

func (r *miniRegistry) create(obj api.Object, now api.Time) error {
	obj = api.CopyObject(obj)
	if info, ok := api.LookupKind(kindName(obj)); ok {
		*obj.GetTypeMeta() = api.TypeMeta{APIVersion: info.APIVersion(), Kind: info.Kind}
	}
	api.Default(obj)
	m := obj.GetObjectMeta()
	if m.Namespace != "" {
		if ns, err := r.st.Get(api.KeyFor("namespaces", "", m.Namespace)); err == nil && ns.GetObjectMeta().DeletionTimestamp != nil {
			return errorf(api.StatusReasonForbidden, "namespace %s is terminating", m.Namespace)
		}
	}
	r.uid++
	m.UID = fmt.Sprintf("uid-%04d", r.uid)
	m.CreationTimestamp = now
	m.Generation = 1
	m.ResourceVersion = ""
	if p, ok := obj.(*api.Pod); ok {
		p.Status = api.PodStatus{Phase: api.PodPending}
	}
	if ns, ok := obj.(*api.Namespace); ok && !slices.Contains(ns.Spec.Finalizers, FinalizerNamespace) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, FinalizerNamespace)
	}
	_, err := r.st.Create(obj)
	return storeErr(err)
}

func (r *miniRegistry) get(key, rv string) (api.Object, error) {
	cur, err := r.st.Get(key)
	if err != nil {
		return nil, storeErr(err)
	}
	if rv != "" && rv != cur.GetObjectMeta().ResourceVersion {
		return nil, errorf(api.StatusReasonConflict, "%s: resourceVersion %s, have %s", key, rv, cur.GetObjectMeta().ResourceVersion)
	}
	return cur, nil
}

func (r *miniRegistry) update(obj api.Object, status bool) error {
	key, _ := api.KeyOf(obj)
	cur, err := r.get(key, obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		return err
	}
	var next api.Object
	if status {
		next = api.CopyObject(cur)
		field(next, "Status").Set(field(api.CopyObject(obj), "Status"))
	} else {
		next = api.CopyObject(obj)
		api.Default(next)
		nm, cm := next.GetObjectMeta(), cur.GetObjectMeta()
		nm.UID, nm.CreationTimestamp, nm.Generation = cm.UID, cm.CreationTimestamp, cm.Generation
		nm.DeletionTimestamp, nm.DeletionGracePeriodSeconds = cm.DeletionTimestamp, cm.DeletionGracePeriodSeconds
		if f := field(next, "Status"); f.IsValid() {
			f.Set(field(cur, "Status"))
		}
		if f := field(next, "Spec"); f.IsValid() && !reflect.DeepEqual(f.Interface(), field(cur, "Spec").Interface()) {
			nm.Generation++
		}
	}
	next.GetObjectMeta().ResourceVersion = cur.GetObjectMeta().ResourceVersion
	if finalized(next) {
		_, err := r.st.Delete(key, store.Preconditions{ResourceVersion: cur.GetObjectMeta().ResourceVersion})
		return storeErr(err)
	}
	_, err = r.st.Update(next)
	return storeErr(err)
}

func finalized(o api.Object) bool {
	m := o.GetObjectMeta()
	if m.DeletionTimestamp == nil || len(m.Finalizers) > 0 {
		return false
	}
	switch o := o.(type) {
	case *api.Namespace:
		return len(o.Spec.Finalizers) == 0
	case *api.Pod:
		return o.Spec.NodeName == ""
	}
	return true
}

func (r *miniRegistry) delete(key string, pre store.Preconditions, policy string, grace *int64, now api.Time) error {
	cur, err := r.get(key, pre.ResourceVersion)
	if err != nil {
		return err
	}
	if pre.UID != "" && pre.UID != cur.GetObjectMeta().UID {
		return errorf(api.StatusReasonConflict, "%s: uid precondition", key)
	}
	next := api.CopyObject(cur)
	m := next.GetObjectMeta()
	marked := false
	add := func(f string) {
		if !slices.Contains(m.Finalizers, f) {
			m.Finalizers = append(m.Finalizers, f)
		}
		marked = true
	}
	switch policy {
	case PropagationForeground:
		add(FinalizerForeground)
	case PropagationOrphan:
		add(FinalizerOrphan)
	}
	if ns, ok := next.(*api.Namespace); ok {
		ns.Status.Phase = api.NamespaceTerminating
		marked = marked || len(ns.Spec.Finalizers) > 0
	}
	if p, ok := next.(*api.Pod); ok && p.Spec.NodeName != "" && !podFinished(p) {
		g := int64(30)
		if p.Spec.TerminationGracePeriodSeconds != nil {
			g = *p.Spec.TerminationGracePeriodSeconds
		}
		if grace != nil {
			g = *grace
		}
		if g > 0 {
			ts := now.Add(time.Duration(g) * time.Second)
			if m.DeletionTimestamp == nil || ts < *m.DeletionTimestamp {
				m.DeletionTimestamp = &ts
			}
			m.DeletionGracePeriodSeconds = &g
			marked = true
		}
	}
	if len(m.Finalizers) > 0 {
		marked = true
	}
	if !marked {
		_, err := r.st.Delete(key, store.Preconditions{ResourceVersion: cur.GetObjectMeta().ResourceVersion})
		return storeErr(err)
	}
	if m.DeletionTimestamp == nil {
		ts := now
		m.DeletionTimestamp = &ts
	}
	_, err = r.st.Update(next)
	return storeErr(err)
}

func (r *miniRegistry) bind(key, uid, node string, now api.Time) error {
	cur, err := r.get(key, "")
	if err != nil {
		return err
	}
	p := api.CopyObject(cur).(*api.Pod)
	if uid != "" && p.UID != uid {
		return errorf(api.StatusReasonConflict, "uid precondition")
	}
	if p.Spec.NodeName != "" {
		return errorf(api.StatusReasonConflict, "pod %s is already assigned to node %q", p.Name, p.Spec.NodeName)
	}
	if p.DeletionTimestamp != nil {
		return errorf(api.StatusReasonConflict, "pod %s is being deleted", p.Name)
	}
	p.Spec.NodeName = node
	p.Status.Conditions = setPodCondition(p.Status.Conditions, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: now})
	_, err = r.st.Update(p)
	return storeErr(err)
}

// apply executes one of the machine's writes.
func (r *miniRegistry) apply(w Write, now api.Time) error {
	switch w.Op {
	case OpCreate:
		return r.create(w.Object, now)
	case OpUpdate:
		return r.update(w.Object, false)
	case OpUpdateStatus:
		return r.update(w.Object, true)
	case OpDelete:
		return r.delete(w.Key, w.Preconditions, w.Propagation, w.GracePeriodSeconds, now)
	case OpBind:
		return r.bind(w.Key, w.Preconditions.UID, w.Node, now)
	}
	return fmt.Errorf("unknown op %v", w.Op)
}
