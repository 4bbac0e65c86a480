package control

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// depState is the Deployment controller's memory beyond the mirror.
type depState struct {
	// created notes, per Deployment key, the ReplicaSet it asked to create
	// and when: the Deployment waits to see it (rather than create it
	// twice), and reports NewReplicaSetCreated when it does. Safe to
	// lose: a second create fails with AlreadyExists and is harmless.
	created map[string]createdRS
	// createFailed holds, per Deployment key, why its last ReplicaSet
	// create failed, for the ReplicaSetCreateError condition.
	createFailed map[string]string
}

type createdRS struct {
	name string
	at   api.Time
}

func (s *depState) init() {
	s.created = map[string]createdRS{}
	s.createFailed = map[string]string{}
}

// depWriteFailed forgets a ReplicaSet create that failed, and remembers
// why for the Progressing condition.
func (m *Machine) depWriteFailed(f WriteFailed) {
	w := f.Write
	if w.Op != OpCreate || w.Resource() != "replicasets" {
		return
	}
	if c, ok := m.dep.created[w.For]; ok && c.name == w.Name() {
		delete(m.dep.created, w.For)
	}
	if f.Reason != api.StatusReasonAlreadyExists {
		m.dep.createFailed[w.For] = "Failed to create new replica set " + strconv.Quote(w.Name()) + ": " + f.Message
	}
}

// rsView is one of a Deployment's ReplicaSets during a sync: the mirrored
// version and the version the sync wants written. The Deployment's
// decisions read the planned version, as kube's read the objects its
// synchronous updates returned.
type rsView struct {
	e    *entry          // nil for a ReplicaSet being created
	rs   *api.ReplicaSet // as mirrored, or as to be created
	next *api.ReplicaSet // the version to write; nil while unchanged
	// release: write next (without our reference) but leave the set.
	release bool
	reason  []string
}

func (v *rsView) cur() *api.ReplicaSet {
	if v.next != nil {
		return v.next
	}
	return v.rs
}

func (v *rsView) replicas() int32 { return replicasOf(v.cur().Spec.Replicas) }

// edit returns the version to write, copying the mirrored one first.
func (v *rsView) edit(reason string) *api.ReplicaSet {
	if v.next == nil {
		c := *v.rs
		c.Annotations = maps.Clone(v.rs.Annotations)
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		v.next = &c
	}
	if reason != "" {
		v.reason = append(v.reason, reason)
	}
	return v.next
}

// depPlan is one sync of one Deployment: kube's syncDeployment, with its
// synchronous writes replaced by planned versions written at the end.
type depPlan struct {
	m      *Machine
	e      *entry
	d      *api.Deployment
	all    []*rsView // controlled ReplicaSets, oldest first
	other  []*rsView // released ReplicaSets
	newRS  *rsView
	old    []*rsView
	status api.DeploymentStatus
	// preScale is the status as it was before calculateStatus, with the
	// conditions kube writes before it scales; what finish writes when the
	// plan writes ReplicaSets. Set once hasPreScale.
	preScale    api.DeploymentStatus
	hasPreScale bool
	// ann is the Deployment's annotations to write, nil if unchanged.
	ann     map[string]string
	deletes []*rsView
	synced  bool // syncRevision ran
}

// syncDeployment reconciles one Deployment.
func (m *Machine) syncDeployment(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindDeployment {
		delete(m.dep.created, key)
		delete(m.dep.createFailed, key)
		return
	}
	d := e.obj.(*api.Deployment)
	if m.busy(key, qDeployment, key) {
		return
	}
	if c, ok := m.dep.created[key]; ok && m.getKind("replicasets", d.Namespace, c.name) == nil {
		if m.now.Sub(c.at) < m.cfg.WriteTimeout {
			m.after(qDeployment, key, c.at.Add(m.cfg.WriteTimeout))
			return
		}
		delete(m.dep.created, key)
	}
	var p depPlan // on the stack: nothing keeps a plan past its sync
	if !m.planDeployment(&p, e, d) {
		return
	}
	p.run()
	p.finish()
}

// planDeployment claims the Deployment's ReplicaSets (kube's
// ClaimReplicaSets) and starts plan p; false if one of them has a write
// in flight (its event will requeue the Deployment).
func (m *Machine) planDeployment(p *depPlan, e *entry, d *api.Deployment) bool {
	*p = depPlan{m: m, e: e, d: d}
	p.status = d.Status // its conditions shared: never written into
	for r := range m.dependents[d.UID] {
		if r.kind != kindReplicaSet {
			continue
		}
		rs := r.obj.(*api.ReplicaSet)
		if ref := controllerOf(&rs.ObjectMeta); ref == nil || ref.UID != d.UID {
			continue
		}
		v := &rsView{e: r, rs: rs}
		switch {
		case d.Spec.Selector.Matches(rs.Labels):
			p.all = append(p.all, v)
		case d.DeletionTimestamp == nil && rs.DeletionTimestamp == nil:
			n := v.edit("release")
			n.OwnerReferences = withoutOwner(rs.OwnerReferences, d.UID)
			v.release = true
			p.other = append(p.other, v)
		}
	}
	if d.DeletionTimestamp == nil && !d.Spec.Selector.IsEmpty() {
		for r := range m.orphans[nsKey{kindReplicaSet, d.Namespace}] {
			rs := r.obj.(*api.ReplicaSet)
			if rs.DeletionTimestamp != nil || !d.Spec.Selector.Matches(rs.Labels) {
				continue
			}
			v := &rsView{e: r, rs: rs}
			n := v.edit("adopt")
			n.OwnerReferences = append(slices.Clip(rs.OwnerReferences), controllerRef("apps/v1", "Deployment", &d.ObjectMeta))
			p.all = append(p.all, v)
		}
	}
	for _, v := range append(slices.Clip(p.all), p.other...) {
		if m.busy(v.e.key, qDeployment, e.key) {
			return false
		}
	}
	sortByCreation(p.all)
	sortByCreation(p.other)
	id := m.templateIdentity(e)
	for _, v := range p.all {
		if p.newRS == nil && m.templateIdentity(v.e) == id {
			p.newRS = v
		} else {
			p.old = append(p.old, v)
		}
	}
	return true
}

// sortByCreation orders ReplicaSets oldest first, then by name (kube's
// ReplicaSetsByCreationTimestamp).
func sortByCreation(vs []*rsView) {
	slices.SortStableFunc(vs, func(a, b *rsView) int { return compareCreation(a.rs, b.rs) })
}

func compareCreation(a, b *api.ReplicaSet) int {
	if a.CreationTimestamp != b.CreationTimestamp {
		if a.CreationTimestamp < b.CreationTimestamp {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Name, b.Name)
}

// run is the body of kube's syncDeployment.
func (p *depPlan) run() {
	d := p.d
	if d.Spec.Selector.IsEmpty() {
		p.m.record(qDeployment, d, api.EventTypeWarning, "SelectingAll",
			"This deployment is selecting all pods. A non-empty selector is required.", componentDeployment)
		p.status.ObservedGeneration = max(p.status.ObservedGeneration, d.Generation)
		return
	}
	if d.DeletionTimestamp != nil {
		p.syncRevision(false)
		p.syncDeploymentStatus()
		return
	}
	p.checkPausedConditions()
	if d.Spec.Paused || p.isScalingEvent() {
		p.syncScale()
		return
	}
	if isRolling(d) {
		p.rolloutRolling()
	} else {
		p.rolloutRecreate()
	}
}

// finish emits the plan's writes: ReplicaSet creates and updates, oldest
// set first, deletions, then the Deployment's own write: its annotations
// first; its status on a later sync if both changed, since one object
// takes one write at a time.
//
// A sync that writes ReplicaSets writes only the status kube writes
// before it scales (preScale: the conditions of a pause, a resume, a new
// ReplicaSet found or not created, the collision count); the status that
// says what the ReplicaSets now are (observedGeneration: the scaling this
// spec asks for is done) waits until their writes have come back: their
// events requeue the Deployment, whose next sync writes it from what the
// store then holds, and a failed write requeues it to scale again. Kube's
// syncDeployment returns on a scaling error before it updates the status;
// writes here are executed after the sync, and writing both would let the
// status through when the scaling fails (BUG-3 in docs/bugs.md).
func (p *depPlan) finish() {
	m, key := p.m, p.e.key
	scaling := len(p.deletes) > 0
	for _, v := range append(slices.Clip(p.all), p.other...) {
		switch {
		case v.e == nil:
			m.emitCreate(qDeployment, key, v.rs, "new replica set")
			scaling = true
		case v.next != nil:
			m.emitUpdate(qDeployment, key, v.e, v.next, strings.Join(v.reason, ", "))
			scaling = true
		}
	}
	for _, v := range p.deletes {
		m.emitDelete(qDeployment, key, v.e, true, "", nil, "revision history limit")
	}
	if p.ann != nil {
		d := *p.d
		d.Annotations = p.ann
		m.emitUpdate(qDeployment, key, p.e, &d, "revision "+p.ann[AnnotationRevision])
		return
	}
	st := &p.status
	if scaling && p.hasPreScale {
		st = &p.preScale
	}
	if !deploymentStatusEqual(st, &p.d.Status) {
		d := *p.d
		d.Status = *st
		m.emitStatus(qDeployment, key, p.e, &d, "status")
	}
}

// deploymentStatusEqual compares two Deployment statuses field by field
// (nil and empty condition lists alike).
func deploymentStatusEqual(a, b *api.DeploymentStatus) bool {
	if a.ObservedGeneration != b.ObservedGeneration || a.Replicas != b.Replicas || a.UpdatedReplicas != b.UpdatedReplicas ||
		a.ReadyReplicas != b.ReadyReplicas || a.AvailableReplicas != b.AvailableReplicas ||
		a.UnavailableReplicas != b.UnavailableReplicas || len(a.Conditions) != len(b.Conditions) ||
		(a.CollisionCount == nil) != (b.CollisionCount == nil) ||
		(a.CollisionCount != nil && *a.CollisionCount != *b.CollisionCount) {
		return false
	}
	for i := range a.Conditions {
		if a.Conditions[i] != b.Conditions[i] {
			return false
		}
	}
	return true
}

// setRevision is kube's SetDeploymentRevision.
func (p *depPlan) setRevision(rev string) {
	cur := p.d.Annotations
	if p.ann != nil {
		cur = p.ann
	}
	if cur[AnnotationRevision] == rev {
		return
	}
	p.ann = maps.Clone(cur)
	if p.ann == nil {
		p.ann = map[string]string{}
	}
	p.ann[AnnotationRevision] = rev
}

// maxOldRevision is the highest revision among the old ReplicaSets.
func (p *depPlan) maxOldRevision() int64 {
	var r int64
	for _, v := range p.old {
		r = max(r, revisionOf(v.cur()))
	}
	return r
}

// copyAnnotations copies the Deployment's annotations onto a ReplicaSet
// (kube's copyDeploymentAnnotationsToReplicaSet); reports a change.
func (p *depPlan) copyAnnotations(v *rsView) bool {
	changed := false
	for _, k := range slices.Sorted(maps.Keys(p.d.Annotations)) {
		val := p.d.Annotations[k]
		if skipCopyAnnotation(k) {
			continue
		}
		if cur, ok := v.cur().Annotations[k]; ok && cur == val {
			continue
		}
		v.edit("annotations").Annotations[k] = val
		changed = true
	}
	return changed
}

// setReplicasAnnotations is kube's SetReplicasAnnotations.
func setReplicasAnnotations(v *rsView, desired, maxReplicas int32) {
	if !replicasAnnotationsNeedUpdate(v.cur(), desired, maxReplicas) {
		return
	}
	a := v.edit("").Annotations
	a[AnnotationDesiredReplicas] = itoa(desired)
	a[AnnotationMaxReplicas] = itoa(maxReplicas)
}

func replicasAnnotationsNeedUpdate(rs *api.ReplicaSet, desired, maxReplicas int32) bool {
	return rs.Annotations[AnnotationDesiredReplicas] != itoa(desired) ||
		rs.Annotations[AnnotationMaxReplicas] != itoa(maxReplicas)
}

// revisionString formats a revision.
func revisionString(r int64) string { return strconv.FormatInt(r, 10) }
