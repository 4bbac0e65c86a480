package simtest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// settleAfterFaults is how long after the last fault a Deployment must
// have been seen settled before RollingUpdateBounds' availability half
// applies to it again: longer than a node's grace period plus the default
// NoExecute toleration, so that no late consequence of a fault (a pod
// marked not ready, an eviction) can fall inside a rollout.
const settleAfterFaults = 10 * time.Minute

// depTrack is what the runner knows of one Deployment for
// RollingUpdateBounds' availability half, which holds for rollouts that
// start from a fully available Deployment with nothing failing since.
type depTrack struct {
	// checkable: seen settled (one ReplicaSet with pods, all of them
	// available, the spec observed) with no fault in force or recent, and
	// nothing since that breaks the assumption: a scale-up, a rollout to
	// an unhealthy image, a rollback while one was ever used, a pod
	// deleted by hand, any fault.
	checkable bool
	// everUnhealthy: the Deployment was set to an unhealthy image once, so
	// a rollback may bring it back.
	everUnhealthy bool
}

func (ck *checker) dep(name string) *depTrack {
	d := ck.deps[name]
	if d == nil {
		d = &depTrack{}
		ck.deps[name] = d
	}
	return d
}

// noteAction updates the Deployments' tracks before a command runs.
func (ck *checker) noteAction(it Item) {
	if it.Kind == Fault {
		for _, d := range ck.deps {
			d.checkable = false
		}
	}
	f := strings.Fields(it.Line)
	name := func(i int) string {
		if i < len(f) {
			if n, ok := strings.CutPrefix(f[i], "deployment/"); ok {
				return n
			}
		}
		return ""
	}
	switch {
	case f[0] == "scale" && name(1) != "":
		var n int
		fmt.Sscanf(f[2], "%d", &n)
		if d, ok := ck.objs[api.KeyFor("deployments", "default", name(1))].(*api.Deployment); !ok || d.Spec.Replicas == nil || int(*d.Spec.Replicas) < n {
			ck.dep(name(1)).checkable = false
		}
	case f[0] == "set-image" && name(1) != "":
		if !healthy(strings.TrimPrefix(f[2], "app=")) {
			d := ck.dep(name(1))
			d.checkable, d.everUnhealthy = false, true
		}
	case f[0] == "rollout-undo" && name(1) != "":
		if d := ck.dep(name(1)); d.everUnhealthy {
			d.checkable = false
		}
	case f[0] == "delete" && strings.HasPrefix(f[1], "pod/d"):
		app, _, _ := strings.Cut(strings.TrimPrefix(f[1], "pod/"), "-")
		ck.dep(app).checkable = false
	case f[0] == "delete" && name(1) != "":
		delete(ck.deps, name(1))
	case f[0] == "apply" && strings.Contains(it.Body, "kind: Deployment"):
		for name := range ck.deps {
			if strings.Contains(it.Body, "{name: "+name+"}") {
				delete(ck.deps, name)
			}
		}
	}
}

// depCounts counts one Deployment's pods as the model does: ReplicaSets
// it controls with pods asked for or active, and its available pods; and
// whether one of those ReplicaSets runs an unhealthy image.
func depCounts(s *model.Snapshot, d *api.Deployment) (withPods int, available int64, unhealthy bool) {
	for _, rs := range s.ReplicaSets {
		if !controlled(&rs.ObjectMeta, "Deployment", &d.ObjectMeta) {
			continue
		}
		active := 0
		for _, p := range s.Pods {
			if model.Terminated(p) || p.DeletionTimestamp != nil || !controlled(&p.ObjectMeta, "ReplicaSet", &rs.ObjectMeta) {
				continue
			}
			active++
			if available1(p, d.Spec.MinReadySeconds, s.Now) {
				available++
			}
		}
		if (rs.Spec.Replicas != nil && *rs.Spec.Replicas > 0) || active > 0 {
			withPods++
			for _, c := range rs.Spec.Template.Spec.Containers {
				unhealthy = unhealthy || !healthy(c.Image)
			}
		}
	}
	return
}

func controlled(child *api.ObjectMeta, kind string, owner *api.ObjectMeta) bool {
	for _, r := range child.OwnerReferences {
		if r.Controller != nil && *r.Controller && r.Kind == kind && r.Name == owner.Name && r.UID == owner.UID {
			return true
		}
	}
	return false
}

func available1(p *api.Pod, minReady int32, now api.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue && (minReady <= 0 || c.LastTransitionTime.Add(time.Duration(minReady)*time.Second).Before(now))
		}
	}
	return false
}

func (ck *checker) snapshot() *model.Snapshot {
	objs := make([]api.Object, 0, len(ck.objs))
	for _, o := range ck.objs {
		objs = append(objs, o)
	}
	s := model.NewSnapshot(objs...)
	s.Now = ck.c.Now()
	return s
}

// snapshotChecks runs the snapshot invariants when the state changed, and
// at quiescent points (see quiescent) those that need the control plane
// to have caught up.
func (ck *checker) snapshotChecks(changed bool) {
	if changed {
		ck.dirty = true
	}
	quiet := ck.quiescent()
	if !changed && !(quiet && ck.dirty) {
		return
	}
	s := ck.snapshot()
	if changed {
		ck.eval("NoOvercommit")
		ck.violate("safety", model.NoOvercommit(s))
		ck.eval("ReplicaSetOwnsOnlyMatching")
		ck.violate("safety", model.ReplicaSetOwnsOnlyMatching(s))
		ck.eval("PVBoundToAtMostOnePVC")
		ck.violate("safety", model.PVBoundToAtMostOnePVC(s))
		ck.rolloutChecks(s)
	}
	if quiet && ck.dirty {
		ck.dirty = false
		ck.fig.Quiescent++
		ck.eval("EndpointsMatchSelector")
		if len(s.Endpoints) > 0 {
			ck.cov.hit(CovEndpointsAtQuiescence)
		}
		ck.violate("safety", model.EndpointsMatchSelector(s))
		if ck.now-ck.lastListed >= time.Minute {
			ck.lastListed = ck.now
			ck.eval("LogMatchesStore")
			ck.violate("safety", ck.logMatchesStore())
		}
	}
}

// rolloutChecks runs RollingUpdateBounds. Its surge half holds always; its
// availability half only for the Deployments whose track says the
// rollout started settled with nothing failing since (see depTrack).
func (ck *checker) rolloutChecks(s *model.Snapshot) {
	calmNow := !ck.faults.active(ck.now) && ck.faults.quietFor(ck.now, settleAfterFaults)
	inRollout := map[string]bool{}
	for _, d := range s.Deployments {
		withPods, available, unhealthy := depCounts(s, d)
		t := ck.dep(d.Name)
		replicas := int64(1)
		if d.Spec.Replicas != nil {
			replicas = int64(*d.Spec.Replicas)
		}
		if calmNow && withPods <= 1 && !unhealthy && available >= replicas && d.Status.ObservedGeneration >= d.Generation && !d.Spec.Paused {
			t.checkable = true
		}
		if withPods >= 2 && t.checkable && d.Spec.Strategy.Type != api.RecreateDeploymentStrategyType && !d.Spec.Paused {
			inRollout[d.Name] = true
		}
	}
	ck.eval("RollingUpdateBounds")
	var kept []model.Violation
	for _, v := range model.RollingUpdateBounds(s) {
		name := strings.TrimPrefix(v.Object, "Deployment default/")
		if availabilityHalf(v) && !ck.dep(name).checkable {
			continue
		}
		kept = append(kept, v)
	}
	if len(inRollout) > 0 {
		ck.cov.hit(CovAvailabilityChecked)
	}
	ck.violate("safety", kept)
}

// availabilityHalf tells RollingUpdateBounds' two halves apart by their
// text (TestAvailabilityHalf pins it to the model's wording).
func availabilityHalf(v model.Violation) bool {
	return strings.Contains(v.Message, "available during a rollout")
}

// quiescent reports whether the control plane has caught up with the
// store: it has no work pending, its watch is not delayed (nor were
// events held back lately), and nothing but heartbeats was written for
// two grid steps, so that no controller is in a short retry backoff.
func (ck *checker) quiescent() bool {
	return !ck.c.Control().Pending() && ck.faults.delayAround(ck.now) == 0 && ck.now-ck.lastBusy >= 2*Grid
}

// logMatchesStore compares the mirror built from the write log with the
// store's own List of the same kinds: same keys, same resourceVersions.
func (ck *checker) logMatchesStore() []model.Violation {
	var out []model.Violation
	listed := map[string]bool{}
	for res := range relevant {
		l, err := ck.c.Store().List(api.KeyFor(res, "", ""), store.ListOptions{})
		if err != nil {
			return []model.Violation{{Invariant: "LogMatchesStore", Object: res, Message: err.Error()}}
		}
		for _, o := range l.Items {
			key, _ := api.KeyOf(o)
			listed[key] = true
			m, ok := ck.objs[key]
			switch {
			case !ok:
				out = append(out, model.Violation{Invariant: "LogMatchesStore", Object: key, Message: "listed by the store, absent from the write log's state"})
			case m.GetObjectMeta().ResourceVersion != o.GetObjectMeta().ResourceVersion:
				out = append(out, model.Violation{Invariant: "LogMatchesStore", Object: key,
					Message: fmt.Sprintf("resourceVersion %s in the store, %s by the write log", o.GetObjectMeta().ResourceVersion, m.GetObjectMeta().ResourceVersion)})
			}
		}
	}
	for key := range ck.objs {
		if !listed[key] {
			out = append(out, model.Violation{Invariant: "LogMatchesStore", Object: key, Message: "in the write log's state, not listed by the store"})
		}
	}
	slices.SortFunc(out, func(a, b model.Violation) int { return strings.Compare(a.Object+a.Message, b.Object+b.Message) })
	return out
}
