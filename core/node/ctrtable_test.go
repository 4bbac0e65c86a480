package node

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
)

// tableString draws short strings over a small alphabet with a NUL byte,
// so that prefixes, equal first eight bytes and zero padding all occur.
func tableString(t *rapid.T, label string) string {
	return rapid.StringOfN(rapid.SampledFrom([]rune{0, 'a', 'b', 'z'}), 0, 10, -1).Draw(t, label)
}

// prefix8 never orders two strings against the strings' own order.
func TestPrefix8Order(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := tableString(t, "a"), tableString(t, "b")
		if pa, pb := prefix8(a), prefix8(b); pa < pb && strings.Compare(a, b) >= 0 {
			t.Fatalf("prefix8(%q) < prefix8(%q) but %q >= %q", a, b, a, b)
		}
	})
}

// podTable finds what a map by UID would, and stays sorted by UID.
func TestPodTableMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tab podTable
		model := map[string]*podState{}
		for range rapid.IntRange(0, 60).Draw(t, "ops") {
			uid := tableString(t, "uid")
			switch p := tab.get(uid); {
			case p != model[uid]:
				t.Fatalf("get(%q) = %p, want %p", uid, p, model[uid])
			case p == nil:
				p = &podState{pod: &api.Pod{ObjectMeta: api.ObjectMeta{UID: uid}}}
				tab.add(p)
				model[uid] = p
			case rapid.Bool().Draw(t, "remove"):
				tab.remove(uid)
				delete(model, uid)
			}
		}
		var uids []string
		for _, e := range tab {
			uids = append(uids, e.p.pod.UID)
		}
		if want := slices.Sorted(maps.Keys(model)); !slices.Equal(uids, want) {
			t.Fatalf("table holds %q, want %q", uids, want)
		}
	})
}

// ctrTable finds what a map by ID would, and lists each pod's containers
// in the order they were added.
func TestCtrTableMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tab ctrTable
		pods := []*podState{{}, {}, {}}
		owner := map[string]int{}    // id -> index in pods
		order := make([][]string, 3) // ids by pod, in the order added
		for range rapid.IntRange(0, 80).Draw(t, "ops") {
			id := tableString(t, "id")
			r := tab.find(id)
			pi, known := owner[id]
			if (r != nil) != known || (known && r.p != pods[pi]) {
				t.Fatalf("find(%q) = %+v, want pod %d (known %v)", id, r, pi, known)
			}
			if !known {
				pi = rapid.IntRange(0, 2).Draw(t, "pod")
				tab.add(pods[pi], pi, id, false)
				owner[id] = pi
				order[pi] = append(order[pi], id)
				continue
			}
			if rapid.Bool().Draw(t, "remove") {
				tab.remove(id)
				delete(owner, id)
				order[pi] = slices.DeleteFunc(order[pi], func(s string) bool { return s == id })
			}
		}
		for pi, p := range pods {
			if got := tab.ids(p); !slices.Equal(got, order[pi]) {
				t.Fatalf("pod %d lists %q, want %q", pi, got, order[pi])
			}
		}
		if len(tab.byID) != len(owner) || len(tab.byID)+len(tab.free) != len(tab.slots) {
			t.Fatalf("%d indexed, %d free of %d slots; %d containers", len(tab.byID), len(tab.free), len(tab.slots), len(owner))
		}
	})
}
