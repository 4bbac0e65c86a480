package control

import (
	"maps"
	"slices"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// syncRevision is kube's getAllReplicaSetsAndSyncRevision: bring the new
// ReplicaSet's revision (and annotations, minReadySeconds) up to date, or
// create it when create is set and there is none; then the Deployment's
// revision annotation and the Progressing condition.
func (p *depPlan) syncRevision(create bool) {
	if p.synced && (p.newRS != nil || !create) {
		return
	}
	p.synced = true
	d := p.d
	newRevision := p.maxOldRevision() + 1
	if v := p.newRS; v != nil {
		p.copyAnnotations(v)
		rs := v.cur()
		oldRev, had := rs.Annotations[AnnotationRevision]
		oldRevInt, err := strconv.ParseInt(oldRev, 10, 64)
		if err != nil && oldRev != "" {
			return
		}
		if oldRevInt < newRevision {
			a := v.edit("revision " + revisionString(newRevision)).Annotations
			a[AnnotationRevision] = revisionString(newRevision)
			if had {
				a[AnnotationRevisionHistory] = appendRevisionHistory(a[AnnotationRevisionHistory], oldRev)
			}
		}
		if rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			v.edit("minReadySeconds").Spec.MinReadySeconds = d.Spec.MinReadySeconds
		}
		p.setRevision(v.cur().Annotations[AnnotationRevision])
		// The ReplicaSet this Deployment created shows up: that is when
		// kube, whose create is synchronous, reports it.
		delete(p.m.dep.createFailed, p.e.key)
		if c, ok := p.m.dep.created[p.e.key]; ok && c.name == v.rs.Name {
			if hasProgressDeadline(d) {
				p.setCondition(api.DeploymentProgressing, api.ConditionTrue, reasonNewRSCreated,
					"Created new replica set "+strconv.Quote(v.rs.Name))
			}
		} else if hasProgressDeadline(d) && p.condition(api.DeploymentProgressing) == nil {
			p.setCondition(api.DeploymentProgressing, api.ConditionTrue, reasonFoundNewRS,
				"Found new replica set "+strconv.Quote(v.rs.Name))
		}
		delete(p.m.dep.created, p.e.key)
		return
	}
	if !create {
		return
	}
	p.createNewRS(newRevision)
}

// createNewRS plans the creation of the Deployment's new ReplicaSet,
// named after the hash of its template; a name already taken by another
// template is a hash collision, resolved by bumping collisionCount.
func (p *depPlan) createNewRS(newRevision int64) {
	m, d := p.m, p.d
	if msg, ok := m.dep.createFailed[p.e.key]; ok {
		if hasProgressDeadline(d) {
			p.setCondition(api.DeploymentProgressing, api.ConditionFalse, reasonFailedRSCreate, msg)
		}
		m.record(qDeployment, d, api.EventTypeWarning, reasonFailedRSCreate, msg, componentDeployment)
	}
	hash := templateHash(&d.Spec.Template, d.Status.CollisionCount)
	name := d.Name + "-" + hash
	if m.getKind("replicasets", d.Namespace, name) != nil {
		// Not ours, or not this template (else planDeployment found it).
		c := int32(0)
		if d.Status.CollisionCount != nil {
			c = *d.Status.CollisionCount
		}
		c++
		p.status.CollisionCount = &c
		return
	}
	tmpl := d.Spec.Template
	tmpl.Labels = maps.Clone(d.Spec.Template.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[LabelPodTemplateHash] = hash
	sel := *d.Spec.Selector
	sel.MatchLabels = maps.Clone(d.Spec.Selector.MatchLabels)
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[LabelPodTemplateHash] = hash
	zero := int32(0)
	rs := &api.ReplicaSet{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{
			Name: name, Namespace: d.Namespace, Labels: tmpl.Labels, Annotations: map[string]string{},
			OwnerReferences:   []api.OwnerReference{controllerRef("apps/v1", "Deployment", &d.ObjectMeta)},
			CreationTimestamp: m.now,
		},
		Spec: api.ReplicaSetSpec{Replicas: &zero, MinReadySeconds: d.Spec.MinReadySeconds, Selector: &sel, Template: tmpl},
	}
	v := &rsView{rs: rs, next: rs}
	p.copyAnnotations(v)
	rs.Annotations[AnnotationRevision] = revisionString(newRevision)
	setReplicasAnnotations(v, replicasOf(d.Spec.Replicas), replicasOf(d.Spec.Replicas)+maxSurge(d))
	p.newRS = v
	p.all = append(p.all, v)
	n := p.newRSNewReplicas()
	rs.Spec.Replicas = &n
	m.dep.created[p.e.key] = createdRS{name: name, at: m.now}
	if n > 0 {
		m.record(qDeployment, d, api.EventTypeNormal, "ScalingReplicaSet",
			"Scaled up replica set "+name+" from 0 to "+itoa(n), componentDeployment)
	}
	p.setRevision(revisionString(newRevision))
}

// newRSNewReplicas is kube's NewRSNewReplicas: how far the new ReplicaSet
// may grow now.
func (p *depPlan) newRSNewReplicas() int32 {
	d := p.d
	want := replicasOf(d.Spec.Replicas)
	if !isRolling(d) {
		return want
	}
	cur := p.newRS.replicas()
	total := sumReplicas(p.all)
	maxTotal := want + maxSurge(d)
	if total >= maxTotal {
		return cur
	}
	return cur + min(maxTotal-total, want-cur)
}

// rolloutRolling is kube's rolloutRolling.
func (p *depPlan) rolloutRolling() {
	p.syncRevision(true)
	if p.newRS == nil {
		p.syncRolloutStatus()
		return
	}
	if p.reconcileNewRS() {
		p.syncRolloutStatus()
		return
	}
	if p.reconcileOldRSs() {
		p.syncRolloutStatus()
		return
	}
	if p.complete(p.status) {
		p.cleanup()
	}
	p.syncRolloutStatus()
}

func (p *depPlan) reconcileNewRS() bool {
	want := replicasOf(p.d.Spec.Replicas)
	n := p.newRS.replicas()
	if n == want {
		return false
	}
	if n > want {
		return p.scaleRSAndRecord(p.newRS, want)
	}
	return p.scaleRSAndRecord(p.newRS, p.newRSNewReplicas())
}

// reconcileOldRSs is kube's reconcileOldReplicaSets: scale old
// ReplicaSets down, their unhealthy pods first, never below
// replicas - maxUnavailable available pods.
func (p *depPlan) reconcileOldRSs() bool {
	old := activeOf(p.old)
	if sumReplicas(old) == 0 {
		return false
	}
	minAvailable := replicasOf(p.d.Spec.Replicas) - maxUnavailable(p.d)
	newUnavailable := p.newRS.replicas() - p.newRS.rs.Status.AvailableReplicas
	maxScaledDown := sumReplicas(p.all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false
	}
	cleaned := p.cleanupUnhealthy(old, maxScaledDown)
	scaled := p.scaleDownOldForRolling(old)
	return cleaned+scaled > 0
}

// cleanupUnhealthy scales old ReplicaSets down by their unavailable pods.
func (p *depPlan) cleanupUnhealthy(old []*rsView, maxCleanup int32) int32 {
	var total int32
	for _, v := range old {
		if total >= maxCleanup {
			break
		}
		r := v.replicas()
		avail := v.rs.Status.AvailableReplicas
		if r == 0 || r <= avail {
			continue
		}
		n := min(maxCleanup-total, r-avail)
		p.scaleRSAndRecord(v, r-n)
		total += n
	}
	return total
}

// scaleDownOldForRolling scales old ReplicaSets down, oldest first, by as
// many pods as are available beyond replicas - maxUnavailable. A
// ReplicaSet counts at most spec.replicas available pods, so that a
// status not yet updated after a scale-down never counts twice.
func (p *depPlan) scaleDownOldForRolling(old []*rsView) int32 {
	minAvailable := replicasOf(p.d.Spec.Replicas) - maxUnavailable(p.d)
	var avail int32
	for _, v := range p.all {
		avail += min(v.rs.Status.AvailableReplicas, v.replicas())
	}
	if avail <= minAvailable {
		return 0
	}
	toScale := avail - minAvailable
	var total int32
	for _, v := range old {
		if total >= toScale {
			break
		}
		r := v.replicas()
		if r == 0 {
			continue
		}
		n := min(r, toScale-total)
		p.scaleRSAndRecord(v, r-n)
		total += n
	}
	return total
}

// rolloutRecreate is kube's rolloutRecreate: scale every old ReplicaSet
// to zero, wait until none of their pods is left, then create and scale up
// the new one.
func (p *depPlan) rolloutRecreate() {
	p.syncRevision(false)
	scaled := false
	for _, v := range activeOf(p.old) {
		if p.scaleRSAndRecord(v, 0) {
			scaled = true
		}
	}
	if scaled || p.oldPodsRunning() {
		p.syncRolloutStatus()
		return
	}
	if p.newRS == nil {
		p.syncRevision(true)
		if p.newRS == nil {
			p.syncRolloutStatus()
			return
		}
	}
	p.scaleRSAndRecord(p.newRS, replicasOf(p.d.Spec.Replicas))
	if p.complete(p.status) {
		p.cleanup()
	}
	p.syncRolloutStatus()
}

// oldPodsRunning reports whether any pod of an old ReplicaSet is still
// there and not finished (terminating ones count).
func (p *depPlan) oldPodsRunning() bool {
	for _, v := range p.old {
		if v.rs.Status.Replicas > 0 {
			return true
		}
		for d := range p.m.podsOwnedBy(v.rs.UID) {
			if d.kind != kindPod {
				continue
			}
			pod := d.obj.(*api.Pod)
			if ref := controllerOf(&pod.ObjectMeta); ref != nil && ref.UID == v.rs.UID && !podFinished(pod) {
				return true
			}
		}
	}
	return false
}

// scaleRSAndRecord scales v to n if it is not there already.
func (p *depPlan) scaleRSAndRecord(v *rsView, n int32) bool {
	if v.replicas() == n {
		return false
	}
	return p.scaleRS(v, n)
}

// scaleRS is kube's scaleReplicaSet: set replicas and the replicas
// annotations; reports whether the size changed.
func (p *depPlan) scaleRS(v *rsView, n int32) bool {
	d := p.d
	desired, maxR := replicasOf(d.Spec.Replicas), replicasOf(d.Spec.Replicas)+maxSurge(d)
	from := v.replicas()
	if from == n && !replicasAnnotationsNeedUpdate(v.cur(), desired, maxR) {
		return false
	}
	setReplicasAnnotations(v, desired, maxR)
	if from == n {
		return false
	}
	verb := "up"
	if n < from {
		verb = "down"
	}
	rs := v.edit("scale " + itoa(from) + "->" + itoa(n))
	rs.Spec.Replicas = &n
	if v.e != nil {
		p.m.record(qDeployment, d, api.EventTypeNormal, "ScalingReplicaSet",
			"Scaled "+verb+" replica set "+rs.Name+" from "+itoa(from)+" to "+itoa(n), componentDeployment)
	}
	return true
}

// cleanup is kube's cleanupDeployment: delete the oldest old ReplicaSets
// beyond revisionHistoryLimit, if they are scaled to zero and settled.
func (p *depPlan) cleanup() {
	d := p.d
	if d.Spec.RevisionHistoryLimit == nil {
		return
	}
	var alive []*rsView
	for _, v := range p.old {
		if v.e != nil && v.rs.DeletionTimestamp == nil {
			alive = append(alive, v)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return
	}
	slices.SortStableFunc(alive, func(a, b *rsView) int {
		ra, rb := revisionOf(a.rs), revisionOf(b.rs)
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		return compareCreation(a.rs, b.rs)
	})
	for _, v := range alive[:diff] {
		rs := v.rs
		if rs.Status.Replicas != 0 || v.replicas() != 0 || rs.Generation > rs.Status.ObservedGeneration || v.next != nil {
			continue
		}
		p.deletes = append(p.deletes, v)
	}
}

func activeOf(vs []*rsView) []*rsView {
	var out []*rsView
	for _, v := range vs {
		if v.replicas() > 0 {
			out = append(out, v)
		}
	}
	return out
}

func sumReplicas(vs []*rsView) int32 {
	var n int32
	for _, v := range vs {
		n += v.replicas()
	}
	return n
}
