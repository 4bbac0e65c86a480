package control

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// syncReplicaSet is kube's ReplicaSetController.syncReplicaSet: claim the
// pods (adopt matching orphans, release owned pods that no longer match),
// create or delete pods to match spec.replicas unless earlier writes are
// still expected, and write the status.
func (m *Machine) syncReplicaSet(key string) {
	e := m.objects[key]
	if e == nil || e.kind != kindReplicaSet {
		m.rs.forget(key)
		return
	}
	rs := e.obj.(*api.ReplicaSet)
	pods := m.claimPods(e, rs)
	active := m.rs.scratch[:0]
	for _, pe := range pods {
		if podActive(pe.obj.(*api.Pod)) {
			active = append(active, pe)
		}
	}
	// A selector that does not select the template's pods would create
	// pods forever (validation forbids it; a stored object might not be
	// valid).
	sane := !rs.Spec.Selector.IsEmpty() && rs.Spec.Selector.Matches(rs.Spec.Template.Labels)
	if rs.DeletionTimestamp == nil && sane && m.satisfied(key) {
		m.manageReplicas(e, rs, active)
	}
	m.writeRSStatus(e, rs, active)
	clear(active)
	m.rs.scratch = active[:0]
	clear(pods)
	m.rs.claimed = pods[:0]
}

// claimPods returns the pods the ReplicaSet controls (including the
// orphans it adopts now), and releases the ones that stopped matching.
func (m *Machine) claimPods(e *entry, rs *api.ReplicaSet) []*entry {
	out := m.rs.claimed[:0]
	var release []*entry
	// A group's members share their labels and owners: it is judged
	// once for all of them.
	for g := range m.podDeps[rs.UID] {
		ref := controllerIn(g.owners)
		if ref == nil || ref.UID != rs.UID {
			continue
		}
		if rs.Spec.Selector.Matches(g.labels) {
			out = append(out, g.pods...)
			continue
		}
		for _, d := range g.pods {
			if rs.DeletionTimestamp == nil && d.obj.(*api.Pod).DeletionTimestamp == nil {
				release = append(release, d)
			}
		}
	}
	sortEntries(release)
	for _, d := range release {
		p := *d.obj.(*api.Pod)
		p.OwnerReferences = withoutOwner(p.OwnerReferences, rs.UID)
		m.emitUpdate(qReplicaSet, e.key, d, &p, "release")
	}
	if rs.DeletionTimestamp != nil || rs.Spec.Selector.IsEmpty() {
		return out
	}
	var adopt []*entry
	orphans := m.orphans[nsKey{kindPod, rs.Namespace}]
	consider := func(d *entry) {
		p := d.obj.(*api.Pod)
		if _, orphan := orphans[d]; orphan && p.DeletionTimestamp == nil && rs.Spec.Selector.Matches(p.Labels) {
			adopt = append(adopt, d)
		}
	}
	// Scan the smaller of the namespace's orphans and the pods carrying
	// the selector's rarest label.
	var rarest *pairGroups
	fewest := len(orphans)
	if ml := rs.Spec.Selector.MatchLabels; len(ml) > 0 && len(orphans) > 0 {
		for k, v := range ml {
			pg := m.podLabels[labelKey(rs.Namespace, k, v)]
			if pg == nil {
				rarest, fewest = nil, 0
				break
			}
			if pg.pods < fewest {
				rarest, fewest = pg, pg.pods
			}
		}
	}
	switch {
	case rarest != nil:
		for g := range rarest.groups {
			for _, d := range g.pods {
				consider(d)
			}
		}
	case fewest > 0:
		for d := range orphans {
			consider(d)
		}
	}
	sortEntries(adopt)
	for _, d := range adopt {
		p := *d.obj.(*api.Pod)
		p.OwnerReferences = append(slices.Clip(p.OwnerReferences), controllerRef("apps/v1", "ReplicaSet", &rs.ObjectMeta))
		// Counted as ours whether the adoption goes out now or an earlier
		// one is still on its way (kube's adoption is synchronous):
		// counting it out would create a pod too many.
		m.emitUpdate(qReplicaSet, e.key, d, &p, "adopt")
		out = append(out, d)
	}
	return out
}

// withoutOwner returns refs without the reference to uid (a new slice).
func withoutOwner(refs []api.OwnerReference, uid string) []api.OwnerReference {
	var out []api.OwnerReference
	for _, r := range refs {
		if r.UID != uid {
			out = append(out, r)
		}
	}
	return out
}

// manageReplicas creates or deletes pods so that active matches
// spec.replicas, at most a slow-start batch (creates) or BurstReplicas
// (deletes) per sync, and records what it expects to observe.
func (m *Machine) manageReplicas(e *entry, rs *api.ReplicaSet, active []*entry) {
	key := e.key
	diff := len(active) - int(replicasOf(rs.Spec.Replicas))
	switch {
	case diff < 0:
		b := m.rs.batch[key]
		if b <= 0 {
			b = 1
		}
		n := min(-diff, b, m.cfg.BurstReplicas)
		m.rs.batch[key] = min(2*b, m.cfg.BurstReplicas)
		m.rs.exp[key] = &expectation{adds: n, at: m.now}
		// The pods of one burst share their (immutable) owner reference:
		// one allocation per burst, and less state per pod.
		owners := []api.OwnerReference{controllerRef("apps/v1", "ReplicaSet", &rs.ObjectMeta)}
		for i := 0; i < n; i++ {
			pod, podKey := m.newPod(rs, owners)
			m.emit(newWrite(OpCreate, podKey, pod, controllerNames[qReplicaSet], key, ""))
			if m.cfg.RecordEvents { // the message costs an allocation
				m.record(qReplicaSet, rs, api.EventTypeNormal, "SuccessfulCreate", "Created pod: "+pod.Name, componentReplicaSet)
			}
		}
	case diff > 0:
		delete(m.rs.batch, key)
		n := min(diff, m.cfg.BurstReplicas)
		victims := podsToDelete(active, n)
		x := &expectation{dels: make(map[string]bool, n), at: m.now}
		m.rs.exp[key] = x
		for _, v := range victims {
			x.dels[v.key] = true
			m.emitDelete(qReplicaSet, key, v, false, "", nil, "")
			if m.cfg.RecordEvents { // the message costs an allocation
				m.record(qReplicaSet, rs, api.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+v.meta().Name, componentReplicaSet)
			}
		}
	default:
		delete(m.rs.batch, key)
		delete(m.rs.failure, key)
	}
}

// maxGeneratedPrefix is kube's bound on the prefix of a generated name.
const maxGeneratedPrefix = 58

// newPod returns a pod of the ReplicaSet's template, named
// "<rs-name>-<5 random characters>" (a name not in the mirror). It shares
// the template's spec and labels, and owners (its controller reference,
// shared by the pods of one burst): they are immutable. Its name is one
// allocation, its generateName a prefix of it. key is its store key.
func (m *Machine) newPod(rs *api.ReplicaSet, owners []api.OwnerReference) (pod *api.Pod, key string) {
	prefix := rs.Name
	if len(prefix) > maxGeneratedPrefix {
		prefix = prefix[:maxGeneratedPrefix]
	}
	// The name and the key are built on the stack until the key is
	// free; the name is then the end of the key's string (the store's
	// record keeps a key of its own, and points the stored name into it).
	var nameBuf [maxGeneratedPrefix + 8]byte
	var keyBuf [128]byte
	b := append(append(nameBuf[:0], prefix...), '-')
	n := len(b)
	dir := podKey(keyBuf[:0], rs.Namespace, "") // the pods' key, up to the name
	var k []byte
	for i := 0; i < 16; i++ {
		b = m.rng.appendSuffix(b[:n], 5)
		if k = append(dir, b...); m.objects[string(k)] == nil {
			break
		}
	}
	key = string(k)
	name := key[len(dir):]
	t := &rs.Spec.Template
	return &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			Name: name, GenerateName: name[:n], Namespace: rs.Namespace,
			Labels: t.Labels, Annotations: t.Annotations, Finalizers: t.Finalizers,
			OwnerReferences: owners[:1:1], // capped: an append copies
		},
		Spec: t.Spec,
	}, key
}

// podsToDelete returns the n least valuable pods, kube's ActivePods order:
// unscheduled before scheduled, Pending before Unknown before Running,
// not ready before ready, ready for less time before more, more restarts
// before fewer, newer before older; then by key.
func podsToDelete(active []*entry, n int) []*entry {
	s := slices.Clone(active)
	slices.SortFunc(s, func(a, b *entry) int {
		if lessActive(a.obj.(*api.Pod), b.obj.(*api.Pod)) {
			return -1
		}
		if lessActive(b.obj.(*api.Pod), a.obj.(*api.Pod)) {
			return 1
		}
		return strings.Compare(a.key, b.key)
	})
	return s[:n]
}

var phaseOrdinal = map[string]int{api.PodPending: 0, api.PodUnknown: 1, api.PodRunning: 2}

func lessActive(a, b *api.Pod) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseOrdinal[a.Status.Phase], phaseOrdinal[b.Status.Phase]; pa != pb {
		return pa < pb
	}
	ra, rb := podReady(a), podReady(b)
	if ra != rb {
		return !ra
	}
	if ra && rb {
		ta, tb := podCondition(a, api.PodReady).LastTransitionTime, podCondition(b, api.PodReady).LastTransitionTime
		if ta != tb {
			return afterOrZero(ta, tb)
		}
	}
	if ca, cb := maxRestarts(a), maxRestarts(b); ca != cb {
		return ca > cb
	}
	if a.CreationTimestamp != b.CreationTimestamp {
		return afterOrZero(a.CreationTimestamp, b.CreationTimestamp)
	}
	return false
}

// afterOrZero: a zero time sorts first, then later before earlier.
func afterOrZero(a, b api.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero()
	}
	return a.After(b)
}

func maxRestarts(p *api.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n = max(n, c.RestartCount)
	}
	return n
}

// podAvailable is kube's IsPodAvailable: ready for more than minReady
// seconds. When ready but not yet available it also returns when it will
// be.
func podAvailable(p *api.Pod, minReady int32, now api.Time) (bool, api.Time) {
	c := podCondition(p, api.PodReady)
	if c == nil || c.Status != api.ConditionTrue {
		return false, 0
	}
	if minReady == 0 {
		return true, 0
	}
	at := c.LastTransitionTime.Add(secondsDuration(minReady))
	if !c.LastTransitionTime.IsZero() && at.Before(now) {
		return true, 0
	}
	return false, at + 1
}

// writeRSStatus writes the ReplicaSet's status if it changed.
func (m *Machine) writeRSStatus(e *entry, rs *api.ReplicaSet, active []*entry) {
	st := api.ReplicaSetStatus{
		Replicas:           int32(len(active)),
		ObservedGeneration: rs.Generation,
		Conditions:         rs.Status.Conditions,
	}
	var wake api.Time
	var g *podGroup // the group of the last pod, and whether it is fully labeled
	var labeled bool
	for _, pe := range active {
		p := pe.obj.(*api.Pod)
		if pe.group == nil || pe.group != g {
			g, labeled = pe.group, api.MatchesSet(rs.Spec.Template.Labels, p.Labels)
		}
		if labeled {
			st.FullyLabeledReplicas++
		}
		if podReady(p) {
			st.ReadyReplicas++
		}
		ok, at := podAvailable(p, rs.Spec.MinReadySeconds, m.now)
		if ok {
			st.AvailableReplicas++
		} else if at != 0 && (wake == 0 || at < wake) {
			wake = at
		}
	}
	if wake != 0 {
		m.after(qReplicaSet, e.key, wake)
	}
	cond := findRSCondition(st.Conditions, "ReplicaFailure")
	if msg := m.rs.failure[e.key]; msg != "" && cond == nil {
		st.Conditions = append(slices.Clip(st.Conditions), api.ReplicaSetCondition{
			Type: "ReplicaFailure", Status: api.ConditionTrue, LastTransitionTime: m.now,
			Reason: "FailedCreate", Message: msg,
		})
	} else if msg == "" && cond != nil {
		var keep []api.ReplicaSetCondition
		for _, c := range st.Conditions {
			if c.Type != "ReplicaFailure" {
				keep = append(keep, c)
			}
		}
		st.Conditions = keep
	}
	if rsStatusEqual(&st, &rs.Status) {
		return
	}
	n := *rs
	n.Status = st
	m.emitStatus(qReplicaSet, e.key, e, &n, "status")
}

// rsStatusEqual compares two ReplicaSet statuses field by field (nil
// and empty condition lists alike).
func rsStatusEqual(a, b *api.ReplicaSetStatus) bool {
	if a.Replicas != b.Replicas || a.FullyLabeledReplicas != b.FullyLabeledReplicas || a.ReadyReplicas != b.ReadyReplicas ||
		a.AvailableReplicas != b.AvailableReplicas || a.ObservedGeneration != b.ObservedGeneration ||
		len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		if a.Conditions[i] != b.Conditions[i] {
			return false
		}
	}
	return true
}

func findRSCondition(cs []api.ReplicaSetCondition, t string) *api.ReplicaSetCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}
