package simtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/store"
)

// Coverage counts, in the style of Antithesis' "sometimes" assertions,
// how often each interesting situation happened. A full run fails if a
// required one never did: the checks would then pass for want of
// trying.
type Coverage map[string]int

func (c Coverage) hit(name string) { c[name]++ }

// Add adds o's counts to c.
func (c Coverage) Add(o Coverage) {
	for k, v := range o {
		c[k] += v
	}
}

// The situations counted. Required ones must happen in a full run.
const (
	CovEviction               = "pod evicted after a NoExecute taint"
	CovNodeUnknown            = "node went Unknown"
	CovNoExecuteTaint         = "node tainted NoExecute by the lifecycle controller"
	CovRollback               = "rollback (rollout undo)"
	CovCrashLoop              = "container in CrashLoopBackOff"
	CovOOM                    = "container OOMKilled"
	CovImagePull              = "image pull failed (ErrImagePull/ImagePullBackOff)"
	CovConflictInjected       = "write conflict injected"
	CovConflictRetried        = "control plane retried after a conflict"
	CovRestartMidRollout      = "control-plane restart mid-rollout"
	CovRestart                = "control-plane restart"
	CovUnschedulableThenBound = "pod unschedulable, then scheduled"
	CovPVBound                = "PersistentVolume bound"
	CovEndpointsReadiness     = "endpoints changed on readiness"
	CovRecreate               = "Recreate rollout"
	CovRollingUpdate          = "rolling update (new ReplicaSet)"
	CovPartitionHealed        = "partition healed"
	CovReordered              = "watch deliveries reordered"
	CovDelayed                = "watch deliveries delayed"
	CovNodeCrash              = "node crashed"
	CovAdopted                = "restarted node adopted running containers"
	CovPaused                 = "deployment paused, then resumed"
	CovScaleMidRollout        = "scaled mid-rollout"
	CovPodSucceeded           = "bare pod Succeeded"
	CovPodFailed              = "bare pod Failed"
	CovProgressDeadline       = "rollout exceeded its progress deadline"
	CovAvailabilityChecked    = "RollingUpdateBounds availability half judged mid-rollout"
	CovEndpointsAtQuiescence  = "EndpointsMatchSelector judged at quiescence"
	CovStaleBindLifecycle     = "stale-view binding excused: same-instant node lifecycle write"
	CovStaleBindDelay         = "stale-view binding excused: delayed watch"
	CovStaleBindAssumed       = "binding excused: placed against the scheduler's own failed binding"
	CovWatchRewatched         = "lagging watcher fell behind a compaction, watched again"
	CovCapacityExcused        = "Deployment short of capacity at the end (DeploymentsAvailable excuses it)"
)

// Required are the situations a full run must see at least once.
var Required = []string{
	CovEviction, CovNodeUnknown, CovNoExecuteTaint, CovRollback, CovCrashLoop, CovOOM, CovImagePull,
	CovConflictInjected, CovConflictRetried, CovRestartMidRollout, CovUnschedulableThenBound, CovPVBound,
	CovEndpointsReadiness, CovRecreate, CovRollingUpdate, CovPartitionHealed, CovReordered, CovDelayed,
	CovNodeCrash, CovAdopted, CovPaused, CovScaleMidRollout, CovPodSucceeded, CovPodFailed,
	CovAvailabilityChecked, CovEndpointsAtQuiescence, CovWatchRewatched,
}

// Table renders the counts, required ones first, with the number of seeds
// each was seen in when seen is given.
func (c Coverage) Table(seen Coverage) string {
	req := map[string]bool{}
	for _, r := range Required {
		req[r] = true
	}
	names := make([]string, 0, len(c)+len(Required))
	for _, r := range Required {
		names = append(names, r)
	}
	var extra []string
	for k := range c {
		if !req[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)
	var b strings.Builder
	fmt.Fprintf(&b, "  %-64s %9s %7s\n", "situation", "times", "seeds")
	for _, n := range names {
		mark := " "
		if req[n] {
			mark = "*"
		}
		fmt.Fprintf(&b, "%s %-64s %9d %7d\n", mark, n, c[n], seen[n])
	}
	return b.String()
}

// Missing returns the required situations c never saw.
func (c Coverage) Missing() []string {
	var out []string
	for _, r := range Required {
		if c[r] == 0 {
			out = append(out, r)
		}
	}
	return out
}

// scanLog counts the situations the sim's event log tells of.
func (ck *checker) scanLog() {
	lines := ck.c.Log()
	for _, l := range lines[ck.logLine:] {
		switch {
		case strings.Contains(l, ": taint eviction"):
			ck.cov.hit(CovEviction)
		case strings.Contains(l, "store: injected conflict"):
			ck.cov.hit(CovConflictInjected)
		case strings.Contains(l, "cp: failed ("):
			if strings.Contains(l, "cp: failed (Conflict)") {
				ck.cov.hit(CovConflictRetried)
			}
			ck.noteFailedBind(l)
		case strings.Contains(l, "events reordered"):
			ck.cov.hit(CovReordered)
		case strings.Contains(l, ": crash: the machine"):
			ck.cov.hit(CovNodeCrash)
		case strings.Contains(l, ": healed: "):
			ck.cov.hit(CovPartitionHealed)
		case strings.Contains(l, "containers to adopt") && !strings.Contains(l, " 0 containers"):
			ck.cov.hit(CovAdopted)
		}
	}
	ck.logLine = len(lines)
}

// observe counts the situations a write shows.
func (ck *checker) observe(res string, ev *store.Event) {
	switch o := ev.Object.(type) {
	case *api.Node:
		prev, _ := ev.PrevObject.(*api.Node)
		if ev.Type != store.Deleted && wentUnknown(prev, o) {
			ck.cov.hit(CovNodeUnknown)
		}
		if noExecute(o) && (prev == nil || !noExecute(prev)) {
			ck.cov.hit(CovNoExecuteTaint)
		}
	case *api.Pod:
		prev, _ := ev.PrevObject.(*api.Pod)
		for _, cs := range o.Status.ContainerStatuses {
			var was *api.ContainerStatus
			if prev != nil {
				for i := range prev.Status.ContainerStatuses {
					if prev.Status.ContainerStatuses[i].Name == cs.Name {
						was = &prev.Status.ContainerStatuses[i]
					}
				}
			}
			if w := cs.State.Waiting; w != nil && (was == nil || was.State.Waiting == nil || was.State.Waiting.Reason != w.Reason) {
				switch w.Reason {
				case "CrashLoopBackOff":
					ck.cov.hit(CovCrashLoop)
				case "ErrImagePull", "ImagePullBackOff":
					ck.cov.hit(CovImagePull)
				}
			}
			if oomKilled(&cs) && (was == nil || !oomKilled(was) || was.RestartCount != cs.RestartCount) {
				ck.cov.hit(CovOOM)
			}
		}
		if prev != nil && prev.Status.Phase != o.Status.Phase && len(o.OwnerReferences) == 0 {
			switch o.Status.Phase {
			case api.PodSucceeded:
				ck.cov.hit(CovPodSucceeded)
			case api.PodFailed:
				ck.cov.hit(CovPodFailed)
			}
		}
	case *api.PersistentVolume:
		prev, _ := ev.PrevObject.(*api.PersistentVolume)
		if o.Status.Phase == api.VolumeBound && (prev == nil || prev.Status.Phase != api.VolumeBound) {
			ck.cov.hit(CovPVBound)
		}
	case *api.Endpoints:
		if prev, ok := ev.PrevObject.(*api.Endpoints); ok && ev.Type == store.Modified && readinessMoved(prev, o) {
			ck.cov.hit(CovEndpointsReadiness)
		}
	case *api.ReplicaSet:
		if ev.Type != store.Added {
			return
		}
		rev, _ := strconv.Atoi(o.Annotations[control.AnnotationRevision])
		for _, r := range o.OwnerReferences {
			if d, ok := ck.objs[api.KeyFor("deployments", o.Namespace, r.Name)].(*api.Deployment); ok && rev >= 2 {
				if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
					ck.cov.hit(CovRecreate)
				} else {
					ck.cov.hit(CovRollingUpdate)
				}
			}
		}
	case *api.Deployment:
		prev, _ := ev.PrevObject.(*api.Deployment)
		if deadlineExceeded(o) && (prev == nil || !deadlineExceeded(prev)) {
			ck.cov.hit(CovProgressDeadline)
		}
	}
}

func oomKilled(cs *api.ContainerStatus) bool {
	for _, t := range []*api.ContainerStateTerminated{cs.State.Terminated, cs.LastState.Terminated} {
		if t != nil && t.Reason == "OOMKilled" {
			return true
		}
	}
	return false
}

func noExecute(n *api.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Effect == api.TaintEffectNoExecute && (t.Key == api.TaintNodeUnreachable || t.Key == api.TaintNodeNotReady) {
			return true
		}
	}
	return false
}

func deadlineExceeded(d *api.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
			return true
		}
	}
	return false
}

// readinessMoved reports whether an address went from ready to not ready
// or back between two versions of an Endpoints.
func readinessMoved(a, b *api.Endpoints) bool {
	state := func(e *api.Endpoints) map[string]bool {
		m := map[string]bool{}
		for _, s := range e.Subsets {
			for _, x := range s.Addresses {
				m[x.IP] = true
			}
			for _, x := range s.NotReadyAddresses {
				m[x.IP] = false
			}
		}
		return m
	}
	sa, sb := state(a), state(b)
	for ip, r := range sa {
		if r2, ok := sb[ip]; ok && r2 != r {
			return true
		}
	}
	return false
}
