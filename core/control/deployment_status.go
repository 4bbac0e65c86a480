package control

import (
	"math"
	"slices"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

func hasProgressDeadline(d *api.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// condition returns the plan's status condition of type t, or nil.
func (p *depPlan) condition(t string) *api.DeploymentCondition {
	return findDeploymentCondition(p.status.Conditions, t)
}

func findDeploymentCondition(cs []api.DeploymentCondition, t string) *api.DeploymentCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

// setCondition is kube's SetDeploymentCondition with a condition made
// now: nothing changes if status and reason are the same; the transition
// time is kept if the status is.
func (p *depPlan) setCondition(t, status, reason, msg string) {
	c := api.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg,
		LastUpdateTime: p.m.now, LastTransitionTime: p.m.now}
	cur := p.condition(t)
	if cur != nil && cur.Status == status && cur.Reason == reason {
		return
	}
	if cur != nil && cur.Status == status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	p.status.Conditions = withCondition(p.status.Conditions, c)
}

// The plan's conditions start as the stored Deployment's (planDeployment)
// and are never written into: withCondition and removeCondition make new
// lists (core/sim's TestSharedObjectsStayUnchanged fails when one is
// edited in place).

// withCondition returns a new list of conds without the condition of c's
// type, then c.
func withCondition(conds []api.DeploymentCondition, c api.DeploymentCondition) []api.DeploymentCondition {
	out := make([]api.DeploymentCondition, 0, len(conds)+1)
	for _, x := range conds {
		if x.Type != c.Type {
			out = append(out, x)
		}
	}
	return append(out, c)
}

func (p *depPlan) removeCondition(t string) {
	if p.condition(t) != nil {
		p.status.Conditions = slices.DeleteFunc(slices.Clone(p.status.Conditions), func(c api.DeploymentCondition) bool { return c.Type == t })
	}
}

// checkPausedConditions is kube's: Progressing=Unknown DeploymentPaused
// while paused, DeploymentResumed when resumed, so that a pause does not
// count against the progress deadline.
func (p *depPlan) checkPausedConditions() {
	if !hasProgressDeadline(p.d) {
		return
	}
	cond := p.condition(api.DeploymentProgressing)
	if cond != nil && cond.Reason == reasonTimedOut {
		return
	}
	pausedCond := cond != nil && cond.Reason == reasonPaused
	switch {
	case p.d.Spec.Paused && !pausedCond:
		p.setCondition(api.DeploymentProgressing, api.ConditionUnknown, reasonPaused, "Deployment is paused")
	case !p.d.Spec.Paused && pausedCond:
		p.setCondition(api.DeploymentProgressing, api.ConditionUnknown, reasonResumed, "Deployment is resumed")
	}
}

// isScalingEvent reports whether the Deployment's replicas changed since
// its active ReplicaSets were last scaled (their desired-replicas
// annotation).
func (p *depPlan) isScalingEvent() bool {
	p.syncRevision(false)
	want := replicasOf(p.d.Spec.Replicas)
	active := activeOf(p.all)
	if !isRolling(p.d) && len(active) > 1 {
		// scale cannot spread a Recreate deployment over several sets
		// (kube would wait here forever, after a switch from
		// RollingUpdate); its rollout scales them anyway.
		return false
	}
	for _, v := range active {
		if desired, ok := annotationInt32(v.cur().Annotations, AnnotationDesiredReplicas); ok && desired != want {
			return true
		}
	}
	return false
}

// syncScale is kube's sync: scale (proportionally during a rollout),
// clean up old ReplicaSets if paused, and write the status without
// judging progress.
func (p *depPlan) syncScale() {
	p.syncRevision(false)
	p.scale()
	if p.d.Spec.Paused {
		p.cleanup()
	}
	p.syncDeploymentStatus()
}

// scale is kube's scale: with one active ReplicaSet, scale it to the
// Deployment's size; with a saturated new one, scale the old ones to
// zero; otherwise spread the difference over the active ReplicaSets in
// proportion to their sizes.
func (p *depPlan) scale() {
	d := p.d
	want := replicasOf(d.Spec.Replicas)
	if v := p.activeOrLatest(); v != nil {
		// scaleRS, not kube's scaleReplicaSetAndRecordEvent: a set of the
		// right size whose desired-replicas annotation is stale (left by a
		// rollout interrupted by a scale and a strategy switch) gets the
		// annotation fixed, or every sync would be a scaling event again
		// and the rollout would never resume.
		p.scaleRS(v, want)
		return
	}
	if p.saturated() {
		for _, v := range activeOf(p.old) {
			p.scaleRSAndRecord(v, 0)
		}
		return
	}
	if !isRolling(d) {
		return
	}
	active := activeOf(p.all)
	allowed := int32(0)
	if want > 0 {
		allowed = want + maxSurge(d)
	}
	toAdd := allowed - sumReplicas(active)
	// Larger first; on equal size newer first when growing, older first
	// when shrinking.
	slices.SortStableFunc(active, func(a, b *rsView) int {
		if ra, rb := a.replicas(), b.replicas(); ra != rb {
			if ra > rb {
				return -1
			}
			return 1
		}
		if toAdd > 0 {
			return -compareCreation(a.rs, b.rs)
		}
		return compareCreation(a.rs, b.rs)
	})
	sizes := make([]int32, len(active))
	var added int32
	for i, v := range active {
		sizes[i] = v.replicas()
		if toAdd != 0 {
			prop := p.proportion(v, toAdd, added)
			sizes[i] += prop
			added += prop
		}
	}
	for i, v := range active {
		if i == 0 && toAdd != 0 {
			sizes[i] = max(sizes[i]+toAdd-added, 0)
		}
		p.scaleRS(v, sizes[i])
	}
}

// activeOrLatest is kube's FindActiveOrLatest: the only active ReplicaSet,
// or the newest if none is active; nil if several are.
func (p *depPlan) activeOrLatest() *rsView {
	if p.newRS == nil && len(p.old) == 0 {
		return nil
	}
	active := activeOf(p.all)
	switch len(active) {
	case 0:
		if p.newRS != nil {
			return p.newRS
		}
		return p.old[len(p.old)-1]
	case 1:
		return active[0]
	}
	return nil
}

// saturated is kube's IsSaturated for the new ReplicaSet.
func (p *depPlan) saturated() bool {
	v := p.newRS
	if v == nil {
		return false
	}
	want := replicasOf(p.d.Spec.Replicas)
	desired, ok := annotationInt32(v.cur().Annotations, AnnotationDesiredReplicas)
	return ok && v.replicas() == want && desired == want && v.rs.Status.AvailableReplicas == want
}

// proportion is kube's GetReplicaSetProportion.
func (p *depPlan) proportion(v *rsView, toAdd, added int32) int32 {
	if v.replicas() == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	frac := p.fraction(v)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(frac, allowed)
	}
	return max(frac, allowed)
}

// fraction is kube's getReplicaSetFraction: the ReplicaSet's share of the
// new size, minus its size, from the max-replicas annotation it was last
// scaled with.
func (p *depPlan) fraction(v *rsView) int32 {
	d := p.d
	r := v.replicas()
	if replicasOf(d.Spec.Replicas) == 0 {
		return -r
	}
	maxNow := replicasOf(d.Spec.Replicas) + maxSurge(d)
	before, ok := annotationInt32(v.cur().Annotations, AnnotationMaxReplicas)
	if !ok || before == 0 {
		before = d.Status.Replicas
	}
	if before == 0 {
		return 0
	}
	return int32(roundDiv(int64(r)*int64(maxNow), int64(before))) - r
}

// calculateStatus is kube's calculateStatus: counts from the ReplicaSets'
// statuses, and the Available condition.
func (p *depPlan) calculateStatus() {
	d := p.d
	st := &p.status
	if !p.hasPreScale {
		p.preScale, p.hasPreScale = *st, true
	}
	var total, actual, ready, available, updated int32
	for _, v := range p.all {
		total += v.replicas()
		actual += v.rs.Status.Replicas
		ready += v.rs.Status.ReadyReplicas
		available += v.rs.Status.AvailableReplicas
	}
	if p.newRS != nil {
		updated = p.newRS.rs.Status.Replicas
	}
	st.ObservedGeneration = d.Generation
	st.Replicas, st.UpdatedReplicas, st.ReadyReplicas, st.AvailableReplicas = actual, updated, ready, available
	st.UnavailableReplicas = max(total-available, 0)
	if available >= replicasOf(d.Spec.Replicas)-maxUnavailable(d) {
		p.setCondition(api.DeploymentAvailable, api.ConditionTrue, reasonMinAvailable, "Deployment has minimum availability.")
	} else {
		p.setCondition(api.DeploymentAvailable, api.ConditionFalse, reasonMinUnavailable, "Deployment does not have minimum availability.")
	}
}

// syncDeploymentStatus writes the counts without judging progress.
func (p *depPlan) syncDeploymentStatus() { p.calculateStatus() }

// complete is kube's DeploymentComplete.
func (p *depPlan) complete(st api.DeploymentStatus) bool {
	want := replicasOf(p.d.Spec.Replicas)
	return st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want &&
		st.ObservedGeneration >= p.d.Generation
}

// syncRolloutStatus is kube's: the counts, then the Progressing
// condition (NewReplicaSetAvailable when complete, ReplicaSetUpdated on
// progress, ProgressDeadlineExceeded after progressDeadlineSeconds
// without), and ReplicaFailure from the ReplicaSets.
func (p *depPlan) syncRolloutStatus() {
	d := p.d
	old := d.Status
	p.calculateStatus()
	st := &p.status
	if !hasProgressDeadline(d) {
		p.removeCondition(api.DeploymentProgressing)
	}
	cur := findDeploymentCondition(old.Conditions, api.DeploymentProgressing)
	completed := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == reasonNewRSAvailable
	name := strconv.Quote(d.Name)
	subject := "Deployment " + name
	if p.newRS != nil {
		subject = "ReplicaSet " + strconv.Quote(p.newRS.rs.Name)
	}
	if hasProgressDeadline(d) && !completed {
		switch {
		case p.complete(*st):
			p.setCondition(api.DeploymentProgressing, api.ConditionTrue, reasonNewRSAvailable, subject+" has successfully progressed.")
		case progressing(old, *st):
			c := api.DeploymentCondition{Type: api.DeploymentProgressing, Status: api.ConditionTrue,
				Reason: reasonRSUpdated, Message: subject + " is progressing.",
				LastUpdateTime: p.m.now, LastTransitionTime: p.m.now}
			if pc := p.condition(api.DeploymentProgressing); pc != nil && pc.Status == api.ConditionTrue {
				c.LastTransitionTime = pc.LastTransitionTime
			}
			st.Conditions = withCondition(st.Conditions, c)
		case p.timedOut():
			p.setCondition(api.DeploymentProgressing, api.ConditionFalse, reasonTimedOut, subject+" has timed out progressing.")
			p.m.record(qDeployment, d, api.EventTypeWarning, reasonTimedOut, subject+" has timed out progressing.", componentDeployment)
		}
	}
	if f := p.replicaFailure(); f != nil {
		p.setCondition(deploymentReplicaFailed, f.Status, f.Reason, f.Message)
	} else {
		p.removeCondition(deploymentReplicaFailed)
	}
	p.wakeForDeadline()
}

// progressing is kube's DeploymentProgressing: more updated, ready or
// available replicas, or fewer old ones, than the stored status says.
func progressing(old, new api.DeploymentStatus) bool {
	return new.UpdatedReplicas > old.UpdatedReplicas ||
		new.Replicas-new.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		new.ReadyReplicas > old.ReadyReplicas || new.AvailableReplicas > old.AvailableReplicas
}

// timedOut is kube's DeploymentTimedOut.
func (p *depPlan) timedOut() bool {
	c := p.condition(api.DeploymentProgressing)
	if !hasProgressDeadline(p.d) || c == nil || c.Reason == reasonNewRSAvailable {
		return false
	}
	if c.Reason == reasonTimedOut {
		return true
	}
	return c.LastUpdateTime.Add(secondsDuration(*p.d.Spec.ProgressDeadlineSeconds)).Before(p.m.now)
}

// wakeForDeadline arms a timer for when an unfinished rollout would time
// out (kube's requeueStuckDeployment).
func (p *depPlan) wakeForDeadline() {
	c := p.condition(api.DeploymentProgressing)
	if !hasProgressDeadline(p.d) || c == nil || c.Reason == reasonTimedOut || c.Reason == reasonNewRSAvailable ||
		c.Status == api.ConditionUnknown || p.complete(p.status) {
		return
	}
	at := c.LastUpdateTime.Add(secondsDuration(*p.d.Spec.ProgressDeadlineSeconds)) + 1
	p.m.after(qDeployment, p.e.key, at)
}

// replicaFailure returns the ReplicaFailure condition of the new
// ReplicaSet, or else of the first old one that has it.
func (p *depPlan) replicaFailure() *api.ReplicaSetCondition {
	if p.newRS != nil {
		if c := findRSCondition(p.newRS.rs.Status.Conditions, deploymentReplicaFailed); c != nil {
			return c
		}
	}
	for _, v := range p.old {
		if c := findRSCondition(v.rs.Status.Conditions, deploymentReplicaFailed); c != nil {
			return c
		}
	}
	return nil
}

// deploymentOnPodDeleted requeues a Recreate Deployment when one of its
// old pods goes: it may now scale its new ReplicaSet up.
func (m *Machine) deploymentOnPodDeleted(rsKey string) {
	r := m.objects[rsKey]
	if r == nil {
		return
	}
	ref := controllerOf(r.meta())
	if ref == nil || ref.Kind != "Deployment" {
		return
	}
	dk := api.KeyFor("deployments", r.meta().Namespace, ref.Name)
	if d := m.objects[dk]; d != nil && !isRolling(d.obj.(*api.Deployment)) {
		m.enqueue(qDeployment, dk)
	}
}
