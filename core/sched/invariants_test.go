package sched

import (
	"fmt"
	"slices"
)

// checkAccounting recomputes every incremental count of s from scratch,
// from the pod records and node labels, and returns the first difference.
func checkAccounting(s *Scheduler) error {
	t := &s.nodes
	type sums struct{ pods, cpu, mem, nzc, nzm int64 }
	want := make([]sums, len(t.hot))
	wantExt := make([]map[int32]int64, len(t.hot))
	onNode := map[*labelSet]map[int32]int32{}
	refs := map[*labelSet]int32{}
	carriers := map[*group][]int32{}
	for r := range s.pods.all() {
		w := &want[r.slot]
		w.pods++
		w.cpu += r.req.cpu
		w.mem += r.req.mem
		w.nzc += r.req.nzCPU
		w.nzm += r.req.nzMem
		for _, e := range r.req.ext {
			if wantExt[r.slot] == nil {
				wantExt[r.slot] = map[int32]int64{}
			}
			wantExt[r.slot][e.id] += e.v
		}
		if onNode[r.ls] == nil {
			onNode[r.ls] = map[int32]int32{}
		}
		onNode[r.ls][r.slot]++
		refs[r.ls]++
		for _, g := range r.carries {
			if carriers[g] == nil {
				carriers[g] = make([]int32, len(t.hot))
			}
			carriers[g][r.slot]++
		}
		if t.name[r.slot] == "" {
			return fmt.Errorf("pod on freed slot %d", r.slot)
		}
	}
	for slot, h := range t.hot {
		w := want[slot]
		if t.name[slot] == "" {
			continue
		}
		got := sums{int64(h.pods), h.reqCPU, h.reqMem, h.nzCPU, h.nzMem}
		if got != w {
			return fmt.Errorf("node %s: accounted %+v, recomputed %+v", t.name[slot], got, w)
		}
		for id := range s.ext.names {
			if g, w := getExt(t.reqExt[slot], int32(id)), wantExt[slot][int32(id)]; g != w {
				return fmt.Errorf("node %s: %s requested %d, recomputed %d", t.name[slot], s.ext.names[id], g, w)
			}
		}
		if !t.live[slot] && h.pods == 0 {
			return fmt.Errorf("ghost slot %d (%s) with no pods not freed", slot, t.name[slot])
		}
	}
	for _, sh := range s.shapes {
		refs[sh.ls]++
	}
	if err := checkProfiles(s); err != nil {
		return err
	}
	for key, ls := range s.labelSets {
		if ls.key != key || ls.refs != refs[ls] {
			return fmt.Errorf("label set %q: refs %d, recomputed %d", key, ls.refs, refs[ls])
		}
		if fmt.Sprint(ls.onNode) != fmt.Sprint(onNode[ls]) && !(len(ls.onNode) == 0 && len(onNode[ls]) == 0) {
			return fmt.Errorf("label set %q: onNode %v, recomputed %v", key, ls.onNode, onNode[ls])
		}
		var wantCounters []*counter
		for _, c := range s.counterList {
			if c.m.matches(ls.ns, ls.labels) {
				wantCounters = append(wantCounters, c)
			}
		}
		if !slices.Equal(ls.counters, wantCounters) {
			return fmt.Errorf("label set %q: %d counters, recomputed %d", key, len(ls.counters), len(wantCounters))
		}
	}
	for ls := range refs {
		if s.labelSets[ls.key] != ls {
			return fmt.Errorf("label set %q in use but not interned", ls.key)
		}
	}
	for _, c := range s.counterList {
		w := make([]int32, len(t.hot))
		for ls, per := range onNode {
			if c.m.matches(ls.ns, ls.labels) {
				for slot, n := range per {
					w[slot] += n
				}
			}
		}
		if err := checkTally(s, "counter "+c.key, &c.tally, w); err != nil {
			return err
		}
	}
	for _, g := range s.groupList {
		w := carriers[g]
		if w == nil {
			w = make([]int32, len(t.hot))
		}
		if err := checkTally(s, "group "+g.key, &g.tally, w); err != nil {
			return err
		}
	}
	for _, tp := range s.topoList {
		for slot := range t.live {
			want := int32(-1)
			if t.live[slot] {
				if v, ok := t.labels[slot][tp.key]; ok {
					want = tp.ids[v]
				}
			}
			if tp.domain(int32(slot)) != want {
				return fmt.Errorf("topology %s: slot %d in domain %d, want %d", tp.key, slot, tp.domain(int32(slot)), want)
			}
		}
	}
	s.ensureOrder()
	var names []string
	for slot, live := range t.live {
		if live {
			names = append(names, t.name[slot])
		}
	}
	slices.Sort(names)
	for i, slot := range s.order {
		if t.name[slot] != names[i] {
			return fmt.Errorf("order[%d] = %s, want %s", i, t.name[slot], names[i])
		}
	}
	return nil
}

func checkTally(s *Scheduler, what string, tl *tally, want []int32) error {
	for slot := range s.nodes.hot {
		var got int32
		if slot < len(tl.perNode) {
			got = tl.perNode[slot]
		}
		if got != want[slot] {
			return fmt.Errorf("%s: slot %d has %d, recomputed %d", what, slot, got, want[slot])
		}
	}
	for _, v := range tl.views {
		count := make([]int32, len(v.topo.ids))
		nodes := make([]int32, len(v.topo.ids))
		var total int64
		for slot, live := range s.nodes.live {
			d := v.topo.domain(int32(slot))
			adm := live && d >= 0 && (v.filter == nil || s.admits(v.filter, int32(slot)))
			if adm != v.admitted(int32(slot)) {
				return fmt.Errorf("%s view %s: slot %d admitted %v, want %v", what, v.topo.key, slot, v.admitted(int32(slot)), adm)
			}
			if adm {
				count[d] += want[slot]
				nodes[d]++
				total += int64(want[slot])
			}
		}
		var domains int32
		first, lo := true, int32(0)
		for d := range count {
			var gc, gn int32
			if d < len(v.count) {
				gc, gn = v.count[d], v.nodes[d]
			}
			if gc != count[d] || gn != nodes[d] {
				return fmt.Errorf("%s view %s: domain %d has %d pods on %d nodes, recomputed %d on %d", what, v.topo.key, d, gc, gn, count[d], nodes[d])
			}
			if nodes[d] > 0 {
				domains++
				if first || count[d] < lo {
					lo, first = count[d], false
				}
			}
		}
		if domains != v.domains || total != v.total {
			return fmt.Errorf("%s view %s: %d domains total %d, recomputed %d total %d", what, v.topo.key, v.domains, v.total, domains, total)
		}
		if domains > 0 {
			if got := v.minCount(); got != lo {
				return fmt.Errorf("%s view %s: min %d, recomputed %d", what, v.topo.key, got, lo)
			}
		}
	}
	return nil
}

// checkProfiles recomputes the profiles' references from the pod records:
// every interned profile is held by a record, under its own key, and
// every record's profile counts it.
func checkProfiles(s *Scheduler) error {
	held := map[*podProfile]int32{}
	n := 0
	for r := range s.pods.all() {
		n++
		if !r.accounted() {
			return fmt.Errorf("pod on slot %d: an empty record in the index", r.slot)
		}
		held[r.podProfile]++
		if r.key.sh != nil && s.profiles[r.key] != r.podProfile {
			return fmt.Errorf("pod on slot %d: profile %+v not interned under its key", r.slot, r.key)
		}
	}
	if s.NumPods() != n {
		return fmt.Errorf("%d pods counted, %d recorded", s.NumPods(), n)
	}
	for p, n := range held {
		if p.refs != n {
			return fmt.Errorf("profile %+v: refs %d, held by %d records", p.key, p.refs, n)
		}
	}
	for k, p := range s.profiles {
		if p.key != k || held[p] == 0 {
			return fmt.Errorf("profile %+v: interned under %+v, held by %d records", p.key, k, held[p])
		}
	}
	return nil
}
