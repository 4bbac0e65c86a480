package control

import (
	"cmp"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sched"
)

// schedQueue is kube-scheduler's scheduling queue:
//
//	pod created ──▶ active ──Schedule──▶ Scheduled: Bind, assumed ──▶ bound (event)
//	                  ▲                  Unschedulable: condition
//	                  │                        ▼
//	                  └── cluster event ── unschedulable (or after UnschedulableFlush)
//	                      (after the pod's backoff: 1s, 2s, ... 10s per attempt)
//
// A pod is in the active queue while its entry is inActive, and bound by
// a Bind not yet seen while it is assumed (the scheduler knows the node).
// The queue is by key: a pod deleted while in the active queue keeps its
// key there (deadActive) until popped, as kube's queue holds a key.
// Invariant: a pod key is in at most one of the active queue, unsched and
// assumed.
type schedQueue struct {
	// active holds the pods waiting for a Schedule, in the order they
	// came: scheduleActive takes them all at once, in queue order.
	active []queuedPod
	// deadActive holds, by key, the entries that left the mirror while in
	// the active queue: their key is queued until they are popped.
	deadActive map[string]*entry
	// unsched maps the pods no node could take to when that was found.
	unsched map[string]api.Time
	// attempts counts each pending pod's failed attempts, for its backoff.
	attempts map[string]int32
}

func (q *schedQueue) init() {
	q.deadActive = map[string]*entry{}
	q.unsched = map[string]api.Time{}
	q.attempts = map[string]int32{}
}

// queued reports whether key is in the active queue, through e (its
// live entry) or a dead one.
func (q *schedQueue) queued(e *entry) bool {
	return e.inActive || (len(q.deadActive) > 0 && q.deadActive[e.key] != nil)
}

// markDead marks e, which just left the mirror, dead; its key stays in the
// active queue if e was there.
func (m *Machine) markDead(e *entry) {
	e.dead = true
	if e.inActive {
		m.sq.deadActive[e.key] = e
	}
}

// Kube's pod backoff: 1s after the first failed attempt, doubling up to
// 10s.
const (
	podInitialBackoff = time.Second
	podMaxBackoff     = 10 * time.Second
)

func podBackoff(attempts int32) time.Duration {
	if attempts <= 0 {
		return 0
	}
	if attempts > 8 {
		return podMaxBackoff
	}
	return min(podInitialBackoff<<(attempts-1), podMaxBackoff)
}

// queuedPod is a pending pod in the active queue, with its sort keys.
type queuedPod struct {
	e        *entry
	key      string // e's, at hand for comparisons
	priority int32
	created  api.Time
}

// comparePods orders pods as kube's PrioritySort: higher priority first,
// then older, then by key.
func comparePods(a, b queuedPod) int {
	switch {
	case a.priority != b.priority:
		return cmp.Compare(b.priority, a.priority)
	case a.created != b.created:
		return cmp.Compare(a.created, b.created)
	}
	return strings.Compare(a.key, b.key)
}

// wantsScheduling reports whether the default scheduler should place p.
func wantsScheduling(p *api.Pod) bool {
	return p.Spec.NodeName == "" && p.DeletionTimestamp == nil && !podFinished(p) &&
		(p.Spec.SchedulerName == "" || p.Spec.SchedulerName == api.DefaultSchedulerName)
}

// pushActive puts a pending pod into the active queue. A full array
// doubles (append grows a large one by a quarter, which allocates about
// five times the array over a burst's growth rather than twice).
func (m *Machine) pushActive(e *entry, p *api.Pod) {
	q := &m.sq
	if q.queued(e) {
		return
	}
	delete(q.unsched, e.key)
	var prio int32
	if p.Spec.Priority != nil {
		prio = *p.Spec.Priority
	}
	e.inActive = true
	if len(q.active) == cap(q.active) {
		q.active = slices.Grow(q.active, max(len(q.active), minActive))
	}
	q.active = append(q.active, queuedPod{e: e, key: e.key, priority: prio, created: p.CreationTimestamp})
}

// requeuePod puts a pod back into the active queue if it still waits for
// a node. The empty key is the unschedulable queue's flush timer.
func (m *Machine) requeuePod(key string) {
	if key == "" {
		m.flushUnschedulable()
		return
	}
	e := m.objects[key]
	if e == nil || e.kind != kindPod {
		return
	}
	p := e.obj.(*api.Pod)
	if e.assumed || !wantsScheduling(p) {
		return
	}
	m.pushActive(e, p)
}

// moveAllToActive retries every unschedulable pod, once its backoff has
// passed: something changed in the cluster that may let them in.
func (m *Machine) moveAllToActive() {
	for key, since := range m.sq.unsched {
		e := m.objects[key]
		if e == nil {
			delete(m.sq.unsched, key)
			continue
		}
		if due := since.Add(podBackoff(m.sq.attempts[key])); due > m.now {
			m.after(qScheduler, key, due)
			continue
		}
		m.pushActive(e, e.obj.(*api.Pod))
	}
}

// flushUnschedulable retries the pods unschedulable for longer than
// UnschedulableFlush, and arms the timer for the next.
func (m *Machine) flushUnschedulable() {
	var next api.Time
	for key, since := range m.sq.unsched {
		due := since.Add(m.cfg.UnschedulableFlush)
		if due <= m.now {
			m.requeuePodFromUnsched(key)
		} else if next == 0 || due < next {
			next = due
		}
	}
	if next != 0 {
		m.after(qScheduler, "", next)
	}
}

func (m *Machine) requeuePodFromUnsched(key string) {
	delete(m.sq.unsched, key)
	m.requeuePod(key)
}

// schedOnPod keeps the scheduler's accounting and queue in step with a pod
// change.
func (m *Machine) schedOnPod(e *entry, old, new *api.Pod) {
	q := &m.sq
	key := e.key
	if new == nil || new.Spec.NodeName != "" {
		delete(q.attempts, key)
	}
	if new == nil {
		m.sched.RemovePodAt(&e.sched) // the entry goes: nothing left accounted in it
		if old.Spec.NodeName != "" && !podFinished(old) {
			m.moveAllToActive()
		}
		e.assumed = false
		delete(q.unsched, key)
		return
	}
	if new.Spec.NodeName != "" {
		e.assumed = false
		if len(q.unsched) > 0 {
			delete(q.unsched, key)
		}
		if old == nil || old.Spec.NodeName != new.Spec.NodeName || podFinished(old) != podFinished(new) ||
			!sameLabels(old.Labels, new.Labels) {
			m.sched.UpdatePodAt(&e.sched, new)
			if old != nil && old.Spec.NodeName != "" && !podFinished(old) && podFinished(new) {
				m.moveAllToActive()
			}
		}
		return
	}
	if !wantsScheduling(new) {
		if e.assumed {
			m.sched.ForgetAt(&e.sched)
		}
		e.assumed = false
		delete(q.unsched, key)
		delete(q.attempts, key)
		return
	}
	if e.assumed {
		return
	}
	if _, ok := q.unsched[key]; ok && old != nil && !podSchedulingChanged(old, new) {
		return
	}
	m.pushActive(e, new)
}

// podSchedulingChanged reports whether an update of a pending pod can
// change where it fits: its labels or its spec (not its status).
func podSchedulingChanged(old, new *api.Pod) bool {
	return !sameLabels(old.Labels, new.Labels) || !reflect.DeepEqual(old.Spec, new.Spec)
}

// scheduleActive schedules every pod in the active queue, in queue order:
// the queue sorted once. A pod queued meanwhile (a write settled, and the
// scheduler waited on it) takes its place among those left.
func (m *Machine) scheduleActive() {
	q := &m.sq
	batch := q.active
	q.active = nil
	// sort.Slice, not slices.SortFunc: the module the playground loads
	// links it already, where SortFunc would add a sort of its own for
	// queuedPod (2 KB gzipped).
	sort.Slice(batch, func(i, j int) bool { return comparePods(batch[i], batch[j]) < 0 })
	for i := 0; ; {
		var it queuedPod
		if j := minPod(q.active); j >= 0 && (i == len(batch) || comparePods(q.active[j], batch[i]) < 0) {
			it = q.active[j]
			q.active = slices.Delete(q.active, j, j+1)
		} else if i < len(batch) {
			it = batch[i]
			i++
		} else {
			break
		}
		m.scheduleOne(it)
	}
	// The array is kept for the next pods unless this burst used little of
	// it.
	if clear(batch); q.active == nil && (cap(batch) <= keepActive || 4*len(batch) >= cap(batch)) {
		q.active = batch[:0]
	}
}

// The room of the active queue, in pods: it starts at minActive and keeps
// keepActive however little a pass uses.
const (
	minActive  = 16
	keepActive = 1024
)

// minPod returns the position of the first pod in queue order, -1 if none.
func minPod(ps []queuedPod) int {
	j := -1
	for i := range ps {
		if j < 0 || comparePods(ps[i], ps[j]) < 0 {
			j = i
		}
	}
	return j
}

// scheduleOne schedules a pod taken from the active queue, if it still
// waits for a node.
func (m *Machine) scheduleOne(it queuedPod) {
	q := &m.sq
	e := it.e
	e.inActive = false
	if e.dead {
		// Its key is what was queued: whatever pod has it now.
		delete(q.deadActive, e.key)
		if e = m.objects[e.key]; e == nil {
			return
		}
	}
	p := e.obj.(*api.Pod)
	if e.assumed || !wantsScheduling(p) {
		return
	}
	res := m.sched.ScheduleAt(&e.sched, p)
	if res.Status == sched.Scheduled {
		e.assumed = true
		m.emitBind(e, res.Node, "")
		if m.cfg.RecordEvents { // the message costs an allocation
			m.record(qScheduler, p, api.EventTypeNormal, "Scheduled", res.Message(), componentScheduler)
		}
		return
	}
	q.unsched[e.key] = m.now
	q.attempts[e.key]++
	m.after(qScheduler, "", m.now.Add(m.cfg.UnschedulableFlush))
	m.setUnschedulable(e, p, res)
}

// setUnschedulable writes the PodScheduled=False condition with the
// scheduler's message, if the pod does not carry it already.
func (m *Machine) setUnschedulable(e *entry, p *api.Pod, res sched.Result) {
	cond := res.Condition()
	cur := podCondition(p, api.PodScheduled)
	if cur != nil && cur.Status == cond.Status && cur.Reason == cond.Reason && cur.Message == cond.Message {
		return
	}
	cond.LastTransitionTime = m.now
	if cur != nil && cur.Status == cond.Status {
		cond.LastTransitionTime = cur.LastTransitionTime
	}
	np := *p
	np.Status.Conditions = setPodCondition(p.Status.Conditions, cond)
	if m.emitStatus(qScheduler, e.key, e, &np, "unschedulable") {
		m.record(qScheduler, p, api.EventTypeWarning, "FailedScheduling", cond.Message, componentScheduler)
	}
}

// setPodCondition returns conds with c set: replaced if of a type already
// present, appended otherwise. conds is not modified.
func setPodCondition(conds []api.PodCondition, c api.PodCondition) []api.PodCondition {
	out := make([]api.PodCondition, 0, len(conds)+1)
	found := false
	for _, x := range conds {
		if x.Type == c.Type {
			x, found = c, true
		}
		out = append(out, x)
	}
	if !found {
		out = append(out, c)
	}
	return out
}

// schedWriteFailed undoes the assumption of a Bind that failed.
func (m *Machine) schedWriteFailed(f WriteFailed) {
	w := f.Write
	if w.Op != OpBind {
		return
	}
	if e := m.objects[w.Key]; e != nil && e.assumed {
		e.assumed = false
		m.sched.ForgetAt(&e.sched)
	}
}

// Explain dry-runs the scheduler for a pending pod: the decision it would
// make now, each node it would visit and why it was filtered or how it
// scored ("why is my pod Pending?"). It changes nothing. ok is false if
// the pod is unknown.
func (m *Machine) Explain(namespace, name string) (ex sched.Explanation, ok bool) {
	e := m.objects[api.KeyFor("pods", namespace, name)]
	if e == nil || e.kind != kindPod {
		return sched.Explanation{}, false
	}
	return m.sched.ExplainAt(&e.sched, e.obj.(*api.Pod)), true
}
