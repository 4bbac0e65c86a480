package control

import (
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// rsState is the ReplicaSet controller's memory beyond the mirror. All of
// it is safe to lose: a restarted machine starts with no expectations
// (kube's controller does too) and slow-starts again.
type rsState struct {
	// exp holds, per ReplicaSet key, the creates and deletes it asked for
	// and has not yet seen (kube's UIDTrackingControllerExpectations).
	exp map[string]*expectation
	// batch is, per ReplicaSet key, how many pods its next sync may
	// create: 1, 2, 4, ... up to BurstReplicas (kube's slow start, spread
	// over syncs because writes are asynchronous here).
	batch map[string]int
	// failure holds the message of a ReplicaSet's last failed pod create,
	// for its ReplicaFailure condition, until a create succeeds.
	failure map[string]string
	// scratch and claimed are reused for each sync's pods.
	scratch, claimed []*entry
}

// expectation is what a ReplicaSet waits to observe before it acts again.
type expectation struct {
	adds int
	dels map[string]bool // pod keys
	at   api.Time
}

func (s *rsState) init() {
	s.exp = map[string]*expectation{}
	s.batch = map[string]int{}
	s.failure = map[string]string{}
}

func (s *rsState) forget(key string) {
	delete(s.exp, key)
	delete(s.batch, key)
	delete(s.failure, key)
}

// satisfied reports whether the ReplicaSet may act: it has seen all its
// writes, or has waited long enough (kube's SatisfiedExpectations).
func (m *Machine) satisfied(key string) bool {
	x := m.rs.exp[key]
	if x == nil || (x.adds <= 0 && len(x.dels) == 0) {
		return true
	}
	if m.now.Sub(x.at) >= m.cfg.ExpectationsTimeout {
		delete(m.rs.exp, key)
		return true
	}
	m.after(qReplicaSet, key, x.at.Add(m.cfg.ExpectationsTimeout))
	return false
}

func (s *rsState) creationObserved(key string) {
	if x := s.exp[key]; x != nil && x.adds > 0 {
		x.adds--
	}
}

func (s *rsState) deletionObserved(key, pod string) {
	if x := s.exp[key]; x != nil {
		delete(x.dels, pod)
	}
}

// rsOnPod marks the ReplicaSets a pod change matters to, and counts it
// against their expectations.
func (m *Machine) rsOnPod(e *entry, old, new *api.Pod) {
	var ref, oldRef *api.OwnerReference
	if new != nil {
		ref = controllerOf(&new.ObjectMeta)
	}
	if old != nil {
		oldRef = controllerOf(&old.ObjectMeta)
	}
	if old != nil && oldRef != nil && oldRef.Kind == "ReplicaSet" && (ref == nil || ref.UID != oldRef.UID) {
		m.enqueue(qReplicaSet, m.ownerKey(oldRef, "replicasets", old.Namespace))
	}
	if new == nil {
		if oldRef != nil && oldRef.Kind == "ReplicaSet" {
			rsKey := m.ownerKey(oldRef, "replicasets", old.Namespace)
			m.rs.deletionObserved(rsKey, e.key)
			m.enqueue(qReplicaSet, rsKey)
			m.deploymentOnPodDeleted(rsKey)
		}
		return
	}
	if ref == nil {
		if old == nil || oldRef != nil || !sameLabels(old.Labels, new.Labels) {
			m.enqueueMatching(kindReplicaSet, new.Namespace, new.Labels, qReplicaSet)
		}
		return
	}
	if ref.Kind != "ReplicaSet" {
		return
	}
	if old != nil && oldRef != nil && oldRef.UID == ref.UID && !rsRelevant(old, new) {
		// Most updates (the bind, the Pending status): before the owner's
		// key is looked up in a map as large as the cluster. rsRelevant
		// is true when a deletion starts, so none is missed here.
		return
	}
	rsKey := m.rsKeyOf(e, ref, new.Namespace)
	switch {
	case old == nil && new.DeletionTimestamp != nil:
		m.rs.deletionObserved(rsKey, e.key)
	case old == nil:
		m.rs.creationObserved(rsKey)
	case old.DeletionTimestamp == nil && new.DeletionTimestamp != nil:
		m.rs.deletionObserved(rsKey, e.key)
	}
	m.enqueue(qReplicaSet, rsKey)
}

// ownerKey returns the store key of the owner a reference names: the
// mirrored owner's (no allocation), or one made from the reference.
func (m *Machine) ownerKey(r *api.OwnerReference, resource, ns string) string {
	if e := m.byUID[r.UID]; e != nil && e.meta().Name == r.Name {
		return e.key
	}
	return api.KeyFor(resource, ns, r.Name)
}

// rsKeyOf is ownerKey for pod e's controller reference ref, a
// ReplicaSet's: the pods of one group share their owners, and the group
// remembers the owner found, so that a pod's updates do not each look
// its uid up in a map as large as the cluster's controllers.
func (m *Machine) rsKeyOf(e *entry, ref *api.OwnerReference, ns string) string {
	g := e.group
	if g != nil {
		if o := g.owner; o != nil && !o.dead && o.meta().UID == ref.UID && o.meta().Name == ref.Name {
			return o.key
		}
	}
	o := m.byUID[ref.UID]
	if o == nil || o.meta().Name != ref.Name {
		return api.KeyFor("replicasets", ns, ref.Name)
	}
	if g != nil {
		g.owner = o
	}
	return o.key
}

// rsRelevant reports whether a pod update can change its ReplicaSet's
// decisions or status.
func rsRelevant(old, new *api.Pod) bool {
	if old.Status.Phase != new.Status.Phase || (old.DeletionTimestamp == nil) != (new.DeletionTimestamp == nil) ||
		!sameLabels(old.Labels, new.Labels) {
		return true
	}
	a, b := podCondition(old, api.PodReady), podCondition(new, api.PodReady)
	if (a == nil) != (b == nil) {
		return true
	}
	return a != nil && (a.Status != b.Status || a.LastTransitionTime != b.LastTransitionTime)
}

// enqueueMatching marks the ReplicaSets (or Deployments) of namespace ns
// whose selector matches labels: candidates to adopt an orphan.
func (m *Machine) enqueueMatching(k kind, ns string, labels map[string]string, q queueID) {
	for c := range m.inNamespace[nsKey{k, ns}] {
		if selectorOf(c.obj).Matches(labels) {
			m.enqueue(q, c.key)
		}
	}
}

func selectorOf(obj api.Object) *api.LabelSelector {
	switch o := obj.(type) {
	case *api.ReplicaSet:
		return o.Spec.Selector
	case *api.Deployment:
		return o.Spec.Selector
	}
	return nil
}

// onReplicaSet marks the ReplicaSet and the Deployments it matters to.
func (m *Machine) onReplicaSet(e *entry, old, new api.Object) {
	m.enqueue(qReplicaSet, e.key)
	var ref, oldRef *api.OwnerReference
	if old != nil {
		oldRef = controllerOf(old.GetObjectMeta())
		if oldRef != nil && oldRef.Kind == "Deployment" {
			m.enqueue(qDeployment, api.KeyFor("deployments", old.GetObjectMeta().Namespace, oldRef.Name))
		}
	}
	if new == nil {
		return
	}
	nm := new.GetObjectMeta()
	if ref = controllerOf(nm); ref != nil {
		if ref.Kind == "Deployment" {
			m.enqueue(qDeployment, api.KeyFor("deployments", nm.Namespace, ref.Name))
		}
	} else if old == nil || oldRef != nil || !sameLabels(old.GetObjectMeta().Labels, nm.Labels) {
		m.enqueueMatching(kindDeployment, nm.Namespace, nm.Labels, qDeployment)
	}
}

// rsWriteFailed forgets the creates and deletes that did not happen.
func (m *Machine) rsWriteFailed(f WriteFailed) {
	w := f.Write
	if w.Resource() != "pods" {
		return
	}
	switch w.Op {
	case OpCreate:
		m.rs.creationObserved(w.For)
		m.rs.batch[w.For] = 1
		if f.Reason != api.StatusReasonAlreadyExists {
			m.rs.failure[w.For] = f.Message
		}
	case OpDelete:
		m.rs.deletionObserved(w.For, w.Key)
	}
}

var trueVal = true

// controllerRef returns a controller reference to an owner.
func controllerRef(apiVersion, kind string, m *api.ObjectMeta) api.OwnerReference {
	return api.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: m.Name, UID: m.UID,
		Controller: &trueVal, BlockOwnerDeletion: &trueVal}
}

// itoa formats an int32.
func itoa(v int32) string { return strconv.Itoa(int(v)) }

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
