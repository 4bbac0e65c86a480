package control

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
)

// entry is one mirrored object.
type entry struct {
	// key is the store key. Invariant: never changes.
	key string
	// obj is the latest version seen. It is shared with the caller and
	// the other watchers: never modified.
	obj api.Object
	// rev is obj's modRevision. Invariant: only grows.
	rev  int64
	kind kind
	// A pod's place in the scheduling queue (schedQueue): inActive, in
	// the active queue; assumed, bound by a Bind not yet seen. dead: the
	// entry left the mirror (its key may have a new entry since).
	inActive, assumed, dead bool
	// at is e's position in the list of each listIndex that holds it
	// (by listIndex.slot): its namespace's, its node's; and, for a pod, in
	// its group's pods.
	at [numSlots]int32
	// group is a pod's podGroup: the pods of its namespace with labels
	// equal to its own. nil for other kinds and pods without labels.
	group *podGroup
	// sched is a pod's record in the scheduler (zero for other kinds):
	// the mirror's entry is the scheduler's index of the pods.
	sched sched.PodRecord
}

func (e *entry) meta() *api.ObjectMeta { return e.obj.GetObjectMeta() }

// set is a set of entries, keyed by the entry itself (a key and its entry
// are one to one in the mirror): hashing a pointer, not the store key.
type set map[*entry]struct{}

// mirror is the machine's indexed copy of the store: every object under
// /registry/ it has been told about, with the indexes the controllers need
// so that no event costs a scan of the cluster.
type mirror struct {
	// objects holds every live object by store key.
	objects map[string]*entry
	// byUID maps a uid to its live object, pods excepted: a pod as an
	// owner is found by its key (ownerOf), so the map is as large as the
	// cluster's controllers, not as its pods.
	byUID map[string]*entry
	// byNamespace holds the namespaced objects of each namespace but the
	// pods in a podGroup, which nsGroups finds (namespaceObjects): a
	// namespace's list is not as long as its pods.
	byNamespace listIndex
	// nsGroups holds the podGroups of each namespace.
	nsGroups map[string]map[*podGroup]struct{}
	// byKind holds the objects of the kinds that controllers iterate
	// (everything but pods, leases and other kinds).
	byKind [numKinds]set
	// dependents maps an owner uid to the objects but pods whose
	// ownerReferences name it (whether the owner exists or not); podDeps
	// to the groups of the pods that do (dependentsOf yields both).
	dependents map[string]set
	podDeps    map[string]map[*podGroup]struct{}
	// nodeByName maps a node name to its object.
	nodeByName map[string]*entry
	// svcPerNS counts, per namespace, the services with a selector.
	svcPerNS map[string]int
	// podsByNode maps a node name to the pods bound to it.
	podsByNode listIndex
	// podGroups holds the pods with labels, grouped by namespace and
	// labels (by groupKey): the pods of one template are one group, so a
	// pod costs the label index a slot in its group, not an entry per
	// label.
	podGroups map[string]*podGroup
	// podLabels maps a (namespace, key, value) label to the groups
	// carrying it: "pods of this selector" starts from its rarest pair.
	podLabels map[labelPair]*pairGroups
	// lastGroup is the group a pod last joined, tried first: the pods of
	// a burst share their template's labels map.
	lastGroup *podGroup
	groupKey  []byte   // scratch for groupKeyOf
	groupKeys []string // scratch for groupKeyOf
	// memos caches templateIdentity per ReplicaSet and Deployment entry,
	// while the object's generation does not change.
	memos map[*entry]uint64
	// orphans holds, per kind (pods and ReplicaSets) and namespace, the
	// objects without a controller: candidates for adoption.
	orphans map[nsKey]set
	// inNamespace holds, per kind and namespace, the ReplicaSets and the
	// Deployments (for adoption of orphans), indexed by nsKey.
	inNamespace map[nsKey]set
	// svcBySelector maps a (namespace, key, value) label to the services
	// whose selector contains that pair.
	svcBySelector map[labelPair]set
	// pvByClaim maps a claim's store key to the volumes whose claimRef
	// names it (whatever the uid).
	pvByClaim map[string]set
	// tombs remembers the deletion revision of recently deleted keys, so
	// that a late event for a deleted key is ignored. Bounded: the oldest
	// are forgotten first (tombOrder).
	tombs     map[string]int64
	tombOrder []string
	tombHead  int
}

// nsKey names the objects of one kind in one namespace.
type nsKey struct {
	kind kind
	ns   string
}

// maxTombs bounds the deletions remembered for stale-event detection.
const maxTombs = 1 << 16

func newMirror() mirror {
	m := mirror{
		objects:       map[string]*entry{},
		byUID:         map[string]*entry{},
		byNamespace:   newListIndex(slotNamespace),
		nsGroups:      map[string]map[*podGroup]struct{}{},
		dependents:    map[string]set{},
		podDeps:       map[string]map[*podGroup]struct{}{},
		podsByNode:    newListIndex(slotNode),
		nodeByName:    map[string]*entry{},
		svcPerNS:      map[string]int{},
		podGroups:     map[string]*podGroup{},
		podLabels:     map[labelPair]*pairGroups{},
		memos:         map[*entry]uint64{},
		orphans:       map[nsKey]set{},
		svcBySelector: map[labelPair]set{},
		inNamespace:   map[nsKey]set{},
		pvByClaim:     map[string]set{},
		tombs:         map[string]int64{},
	}
	for k := range m.byKind {
		m.byKind[k] = set{}
	}
	return m
}

// bury records that key was deleted at rev.
func (m *mirror) bury(key string, rev int64) {
	if _, ok := m.tombs[key]; !ok {
		if len(m.tombOrder)-m.tombHead >= maxTombs {
			delete(m.tombs, m.tombOrder[m.tombHead])
			m.tombOrder[m.tombHead] = ""
			m.tombHead++
			if m.tombHead > maxTombs {
				m.tombOrder = append([]string(nil), m.tombOrder[m.tombHead:]...)
				m.tombHead = 0
			}
		}
		m.tombOrder = append(m.tombOrder, key)
	}
	m.tombs[key] = rev
}

// labelPair is the index key of one label in one namespace.
type labelPair struct{ ns, k, v string }

func labelKey(ns, k, v string) labelPair { return labelPair{ns, k, v} }

func addTo[K comparable](idx map[K]set, k K, e *entry) {
	s := idx[k]
	if s == nil {
		s = set{}
		idx[k] = s
	}
	s[e] = struct{}{}
}

func removeFrom[K comparable](idx map[K]set, k K, e *entry) {
	if s := idx[k]; s != nil {
		delete(s, e)
		if len(s) == 0 {
			delete(idx, k)
		}
	}
}

// index updates every index for e, whose object changed from old to new
// (old nil: added; new nil: deleted). It touches only the indexes whose
// inputs changed.
func (m *mirror) index(e *entry, old, new api.Object) {
	var om, nm *api.ObjectMeta
	if old != nil {
		om = old.GetObjectMeta()
	}
	if new != nil {
		nm = new.GetObjectMeta()
	}
	if e.kind != kindPod && (om == nil || nm == nil || om.UID != nm.UID) {
		if om != nil && m.byUID[om.UID] == e {
			delete(m.byUID, om.UID)
		}
		if nm != nil && nm.UID != "" {
			m.byUID[nm.UID] = e
		}
	}
	// A pod is in byNamespace only while in no group (indexPod).
	if e.kind != kindPod {
		if om == nil && nm.Namespace != "" {
			m.byNamespace.add(nm.Namespace, e)
		} else if nm == nil && om.Namespace != "" {
			m.byNamespace.remove(om.Namespace, e)
		}
	}
	if e.kind != kindPod && e.kind != kindLease && e.kind != kindOther {
		if nm == nil {
			delete(m.byKind[e.kind], e)
		} else {
			m.byKind[e.kind][e] = struct{}{}
		}
	}
	if e.kind == kindNode {
		if nm == nil {
			delete(m.nodeByName, om.Name)
		} else {
			m.nodeByName[nm.Name] = e
		}
	}
	if e.kind == kindReplicaSet || e.kind == kindDeployment {
		if om == nil {
			s := m.inNamespace[nsKey{e.kind, nm.Namespace}]
			if s == nil {
				s = set{}
				m.inNamespace[nsKey{e.kind, nm.Namespace}] = s
			}
			s[e] = struct{}{}
		} else if nm == nil {
			k := nsKey{e.kind, om.Namespace}
			delete(m.inNamespace[k], e)
			if len(m.inNamespace[k]) == 0 {
				delete(m.inNamespace, k)
			}
		}
	}
	if e.kind != kindPod && (om == nil || nm == nil || !sameOwnerUIDs(om.OwnerReferences, nm.OwnerReferences)) {
		if om != nil {
			for _, r := range om.OwnerReferences {
				removeFrom(m.dependents, r.UID, e)
			}
		}
		if nm != nil {
			for _, r := range nm.OwnerReferences {
				addTo(m.dependents, r.UID, e)
			}
		}
	}
	if e.kind == kindPod || e.kind == kindReplicaSet {
		m.indexOrphan(e, om, nm)
	}
	switch e.kind {
	case kindPod:
		m.indexPod(e, old, new)
	case kindService:
		m.indexService(e, old, new)
	case kindPV:
		m.indexPV(e, old, new)
	}
}

func (m *mirror) indexPV(e *entry, old, new api.Object) {
	claimKey := func(o api.Object) string {
		if o == nil {
			return ""
		}
		if r := o.(*api.PersistentVolume).Spec.ClaimRef; r != nil {
			return api.KeyFor("persistentvolumeclaims", r.Namespace, r.Name)
		}
		return ""
	}
	if ok, nk := claimKey(old), claimKey(new); ok != nk {
		if ok != "" {
			removeFrom(m.pvByClaim, ok, e)
		}
		if nk != "" {
			addTo(m.pvByClaim, nk, e)
		}
	}
}

func (m *mirror) indexPod(e *entry, old, new api.Object) {
	var op, np *api.Pod
	if old != nil {
		op = old.(*api.Pod)
	}
	if new != nil {
		np = new.(*api.Pod)
	}
	if op == nil || np == nil || op.Spec.NodeName != np.Spec.NodeName {
		if op != nil && op.Spec.NodeName != "" {
			m.podsByNode.remove(op.Spec.NodeName, e)
		}
		if np != nil && np.Spec.NodeName != "" {
			m.podsByNode.add(np.Spec.NodeName, e)
		}
	}
	if op == nil || np == nil || !sameLabels(op.Labels, np.Labels) || !sameOwnerUIDs(op.OwnerReferences, np.OwnerReferences) {
		if op != nil {
			m.leaveGroup(e)
			if !grouped(op) {
				m.byNamespace.remove(op.Namespace, e)
			}
		}
		if np != nil && grouped(np) {
			m.joinGroup(e, np)
		} else if np != nil {
			m.byNamespace.add(np.Namespace, e)
		}
	}
}

// indexOrphan keeps e in the orphans index while it has no controller.
func (m *mirror) indexOrphan(e *entry, om, nm *api.ObjectMeta) {
	wasOrphan := om != nil && controllerOf(om) == nil
	isOrphan := nm != nil && controllerOf(nm) == nil
	if wasOrphan && !isOrphan {
		removeFrom(m.orphans, nsKey{e.kind, om.Namespace}, e)
	} else if isOrphan && !wasOrphan {
		addTo(m.orphans, nsKey{e.kind, nm.Namespace}, e)
	}
}

func (m *mirror) indexService(e *entry, old, new api.Object) {
	var os, ns *api.Service
	if old != nil {
		os = old.(*api.Service)
	}
	if new != nil {
		ns = new.(*api.Service)
	}
	if os != nil && ns != nil && sameLabels(os.Spec.Selector, ns.Spec.Selector) {
		return
	}
	if os != nil && len(os.Spec.Selector) > 0 {
		for k, v := range os.Spec.Selector {
			removeFrom(m.svcBySelector, labelKey(os.Namespace, k, v), e)
		}
		if m.svcPerNS[os.Namespace]--; m.svcPerNS[os.Namespace] == 0 {
			delete(m.svcPerNS, os.Namespace)
		}
	}
	if ns != nil && len(ns.Spec.Selector) > 0 {
		for k, v := range ns.Spec.Selector {
			addTo(m.svcBySelector, labelKey(ns.Namespace, k, v), e)
		}
		m.svcPerNS[ns.Namespace]++
	}
}

// get returns the live object at key, or nil.
func (m *mirror) get(key string) *entry { return m.objects[key] }

// getKind returns the live object of the given resource, namespace and
// name, or nil.
func (m *mirror) getKind(resource, ns, name string) *entry {
	return m.objects[api.KeyFor(resource, ns, name)]
}

// owner returns the live object a reference of a dependent in namespace
// ns points to: same uid and kind and name, or nil.
func (m *mirror) owner(r *api.OwnerReference, ns string) *entry {
	e := m.byUIDRef(r, ns)
	if e == nil || e.meta().Name != r.Name || kindName(e.obj) != r.Kind {
		return nil
	}
	return e
}

// byUIDRef returns the live object with a reference's uid: from byUID,
// or, for a reference to a Pod, the pod of that name in the dependent's
// namespace ns if it has that uid (an owner is in its dependent's
// namespace or cluster-scoped: a reference to a pod elsewhere names no
// owner, as in Kubernetes).
func (m *mirror) byUIDRef(r *api.OwnerReference, ns string) *entry {
	if e := m.byUID[r.UID]; e != nil {
		return e
	}
	if r.Kind != "Pod" || ns == "" {
		return nil
	}
	var buf [128]byte
	if e := m.objects[string(podKey(buf[:0], ns, r.Name))]; e != nil && e.meta().UID == r.UID {
		return e
	}
	return nil
}

// podKey appends a pod's store key to b.
func podKey(b []byte, ns, name string) []byte {
	return append(append(append(append(b, api.KeyPrefix+"pods/"...), ns...), '/'), name...)
}

// podsMatching returns the pods of namespace ns whose labels contain
// every pair of sel (a non-empty map), sorted by key. It starts from the
// pair that the fewest pods carry.
func (m *mirror) podsMatching(ns string, sel map[string]string) []*entry {
	var best *pairGroups
	for k, v := range sel {
		pg := m.podLabels[labelKey(ns, k, v)]
		if pg == nil {
			return nil
		}
		if best == nil || pg.pods < best.pods {
			best = pg
		}
	}
	out := make([]*entry, 0, best.pods)
	for g := range best.groups {
		if api.MatchesSet(sel, g.labels) {
			out = append(out, g.pods...)
		}
	}
	sortEntries(out)
	return out
}

// sorted returns the entries of s sorted by key.
func (s set) sorted() []*entry {
	out := make([]*entry, 0, len(s))
	for e := range s {
		out = append(out, e)
	}
	sortEntries(out)
	return out
}

func sortEntries(es []*entry) {
	slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.key, b.key) })
}
