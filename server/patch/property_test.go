package patch

import (
	"encoding/json"
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// Properties of Apply over generated objects and patches. Each runs
// rapid's default 100 cases (-rapid.checks=N for more).

// genValue draws a JSON value over a small alphabet of keys, so that
// objects and patches overlap; depth bounds the nesting.
func genValue(t *rapid.T, depth int, label string) any {
	kind := rapid.IntRange(0, 5).Draw(t, label+".kind")
	if depth <= 0 {
		kind %= 3
	}
	switch kind {
	case 0:
		return rapid.SampledFrom([]string{"a", "b", "", "x/y"}).Draw(t, label+".s")
	case 1:
		return json.Number(fmt.Sprint(rapid.IntRange(-3, 3).Draw(t, label+".n")))
	case 2:
		return rapid.Bool().Draw(t, label+".b")
	case 3:
		n := rapid.IntRange(0, 3).Draw(t, label+".len")
		l := make([]any, n)
		for i := range l {
			l[i] = genValue(t, depth-1, fmt.Sprintf("%s[%d]", label, i))
		}
		return l
	}
	return genObject(t, depth-1, label)
}

func genObject(t *rapid.T, depth int, label string) map[string]any {
	m := map[string]any{}
	n := rapid.IntRange(0, 4).Draw(t, label+".members")
	for i := 0; i < n; i++ {
		k := rapid.SampledFrom([]string{"p", "q", "r", "s"}).Draw(t, fmt.Sprintf("%s.key%d", label, i))
		m[k] = genValue(t, depth, label+"."+k)
	}
	return m
}

// mergeDiff is the simplest merge patch that turns a into b (RFC 7386
// section 3, backwards): members of b that differ, null for members b
// lacks.
func mergeDiff(a, b map[string]any) map[string]any {
	d := map[string]any{}
	for k, av := range a {
		if _, ok := b[k]; !ok {
			d[k] = nil
		} else if am, ok := av.(map[string]any); ok {
			if bm, ok := b[k].(map[string]any); ok {
				if sub := mergeDiff(am, bm); len(sub) > 0 {
					d[k] = sub
				}
				continue
			}
		}
	}
	for k, bv := range b {
		av, ok := a[k]
		_, bothObjects := av.(map[string]any)
		_, bIsObject := bv.(map[string]any)
		if bothObjects && bIsObject {
			continue // done above
		}
		if !ok || !equalJSON(av, bv) {
			d[k] = bv
		}
	}
	return d
}

// fataler is what the helpers need of a *testing.T or *rapid.T.
type fataler interface {
	Fatalf(format string, args ...any)
}

func mustJSON(t fataler, v any) []byte {
	b, err := encodeJSON(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func mustDecode(t fataler, b []byte) any {
	v, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// A merge patch computed from a and b turns a into b; so does a JSON
// patch replacing the whole document; and the strategic merge patch of
// that diff agrees with the merge patch when no list is involved (the
// objects here are of an unknown shape: ConfigMap members p..s are not in
// its schema, so lists are replaced as in a merge patch).
func TestPropertyMergeDiff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genObject(t, 3, "a"), genObject(t, 3, "b")
		d := mergeDiff(a, b)
		got, err := Apply("ConfigMap", MergePatchType, mustJSON(t, a), mustJSON(t, d))
		if err != nil {
			t.Fatalf("merge: %v", err)
		}
		if !equalJSON(mustDecode(t, got), b) {
			t.Fatalf("merge patch %s of %s gave %s, want %s", mustJSON(t, d), mustJSON(t, a), got, mustJSON(t, b))
		}
		sm, err := Apply("ConfigMap", StrategicMergePatchType, mustJSON(t, a), mustJSON(t, d))
		if err != nil {
			t.Fatalf("strategic: %v", err)
		}
		if !equalJSON(mustDecode(t, sm), b) {
			t.Fatalf("strategic merge patch %s of %s gave %s, want %s", mustJSON(t, d), mustJSON(t, a), sm, mustJSON(t, b))
		}
		jp := []any{map[string]any{"op": "replace", "path": "", "value": b}}
		got, err = Apply("ConfigMap", JSONPatchType, mustJSON(t, a), mustJSON(t, jp))
		if err != nil || !equalJSON(mustDecode(t, got), b) {
			t.Fatalf("json patch replacing the root: %s, %v", got, err)
		}
	})
}

// JSON patch: adding a member then removing it leaves the document as it
// was; a test of the value just added passes; moving a member away and
// back is the identity.
func TestPropertyJSONPatchInverses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := genObject(t, 2, "a")
		v := genValue(t, 2, "v")
		a["q"] = map[string]any{}
		ops := []any{
			map[string]any{"op": "add", "path": "/q/new", "value": v},
			map[string]any{"op": "test", "path": "/q/new", "value": v},
			map[string]any{"op": "move", "from": "/q/new", "path": "/moved"},
			map[string]any{"op": "move", "from": "/moved", "path": "/q/new"},
			map[string]any{"op": "remove", "path": "/q/new"},
		}
		got, err := Apply("ConfigMap", JSONPatchType, mustJSON(t, a), mustJSON(t, ops))
		if err != nil {
			t.Fatalf("%v", err)
		}
		if !equalJSON(mustDecode(t, got), mustDecode(t, mustJSON(t, a))) {
			t.Fatalf("got %s, want %s", got, mustJSON(t, a))
		}
	})
}

// genPod draws a Pod whose lists have keys from small sets, so that
// patches meet existing elements.
func genPod(t *rapid.T, label string) map[string]any {
	names := []string{"a", "b", "c", "d"}
	var containers []any
	for _, n := range rapid.SliceOfNDistinct(rapid.SampledFrom(names), 1, 4, rapid.ID[string]).Draw(t, label+".containers") {
		c := map[string]any{"name": n, "image": rapid.SampledFrom([]string{"x", "y"}).Draw(t, label+".image")}
		var env []any
		for _, e := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"E", "F", "G"}), 0, 3, rapid.ID[string]).Draw(t, label+"."+n+".env") {
			env = append(env, map[string]any{"name": e, "value": rapid.SampledFrom([]string{"1", "2"}).Draw(t, label+".v")})
		}
		if env != nil {
			c["env"] = env
		}
		containers = append(containers, c)
	}
	var finalizers []any
	for _, f := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"f1", "f2", "f3"}), 0, 3, rapid.ID[string]).Draw(t, label+".finalizers") {
		finalizers = append(finalizers, f)
	}
	md := map[string]any{"name": "p", "labels": map[string]any{"app": "x"}}
	if finalizers != nil {
		md["finalizers"] = finalizers
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": map[string]any{"containers": containers}}
}

// genPodPatch draws a strategic merge patch for genPod's pods, with the
// directives kubectl sends.
func genPodPatch(t *rapid.T) map[string]any {
	names := []string{"a", "b", "c", "d", "e"}
	var containers []any
	for i, n := range rapid.SliceOfNDistinct(rapid.SampledFrom(names), 0, 3, rapid.ID[string]).Draw(t, "patch.containers") {
		switch rapid.IntRange(0, 3).Draw(t, fmt.Sprint("patch.op", i)) {
		case 0:
			containers = append(containers, map[string]any{"name": n, "$patch": "delete"})
		case 1:
			containers = append(containers, map[string]any{"name": n, "image": "z"})
		case 2:
			containers = append(containers, map[string]any{"name": n, "env": []any{
				map[string]any{"name": "F", "value": "9"},
				map[string]any{"name": "E", "$patch": "delete"},
			}})
		default:
			containers = append(containers, map[string]any{"name": n, "image": nil, "env": []any{map[string]any{"$patch": "replace"}, map[string]any{"name": "H"}}})
		}
	}
	spec := map[string]any{}
	if len(containers) > 0 {
		spec["containers"] = containers
	}
	if rapid.Bool().Draw(t, "patch.order") {
		var order []any
		for _, n := range rapid.Permutation(names).Draw(t, "patch.orderlist") {
			order = append(order, map[string]any{"name": n})
		}
		spec["$setElementOrder/containers"] = order
	}
	md := map[string]any{}
	if rapid.Bool().Draw(t, "patch.fin") {
		md["finalizers"] = []any{rapid.SampledFrom([]string{"f1", "f4"}).Draw(t, "patch.addfin")}
		md["$deleteFromPrimitiveList/finalizers"] = []any{rapid.SampledFrom([]string{"f2", "f3"}).Draw(t, "patch.delfin")}
	}
	if rapid.Bool().Draw(t, "patch.label") {
		md["labels"] = map[string]any{"app": nil, "new": "1"}
	}
	return map[string]any{"metadata": md, "spec": spec}
}

// A strategic merge patch applied twice gives what it gave once; every
// container the patch sets (and does not delete) is in the result with
// the patch's image; a deleted one is not; containers the patch does not
// name keep their relative order.
func TestPropertyStrategicIdempotent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pod := genPod(t, "pod")
		p := genPodPatch(t)
		once, err := Apply("Pod", StrategicMergePatchType, mustJSON(t, pod), mustJSON(t, p))
		if err != nil {
			// Only a $setElementOrder list that contradicts the patch's
			// own order may fail.
			if _, ok := p["spec"].(map[string]any)["$setElementOrder/containers"]; !ok {
				t.Fatalf("patch %s failed: %v", mustJSON(t, p), err)
			}
			return
		}
		twice, err := Apply("Pod", StrategicMergePatchType, once, mustJSON(t, p))
		if err != nil {
			t.Fatalf("second application failed: %v", err)
		}
		if !equalJSON(mustDecode(t, once), mustDecode(t, twice)) {
			t.Fatalf("not idempotent: patch %s\nonce:  %s\ntwice: %s", mustJSON(t, p), once, twice)
		}
		got := map[string]map[string]any{}
		var order []string
		for _, c := range mustDecode(t, once).(map[string]any)["spec"].(map[string]any)["containers"].([]any) {
			cm := c.(map[string]any)
			got[cm["name"].(string)] = cm
			order = append(order, cm["name"].(string))
		}
		patched := map[string]bool{}
		pcs, _ := p["spec"].(map[string]any)["containers"].([]any)
		for _, pc := range pcs {
			pm := pc.(map[string]any)
			name := pm["name"].(string)
			patched[name] = true
			c, present := got[name]
			switch {
			case pm["$patch"] == "delete":
				if present {
					t.Fatalf("container %s deleted by the patch is still there: %s", name, once)
				}
			case !present:
				t.Fatalf("container %s set by the patch is missing: %s", name, once)
			case pm["image"] == "z" && c["image"] != "z":
				t.Fatalf("container %s has image %v, want z", name, c["image"])
			}
		}
		if _, ordered := p["spec"].(map[string]any)["$setElementOrder/containers"]; !ordered {
			var before []string
			for _, c := range pod["spec"].(map[string]any)["containers"].([]any) {
				if n := c.(map[string]any)["name"].(string); !patched[n] {
					before = append(before, n)
				}
			}
			var after []string
			for _, n := range order {
				if !patched[n] {
					after = append(after, n)
				}
			}
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("untouched containers reordered: %v became %v", before, after)
			}
		}
	})
}

// The three-way patch of kubectl apply, applied to the live object, gives
// an object that holds the new configuration (here without duplicate keys,
// which no merge can keep), and lacks the labels and containers the new
// configuration dropped from the last one.
func TestPropertyThreeWay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		original, modified, current := genPod(t, "original"), genPod(t, "modified"), genPod(t, "current")
		if rapid.Bool().Draw(t, "labels") {
			original["metadata"].(map[string]any)["labels"] = map[string]any{"app": "x", "gone": "1"}
		}
		p, err := ThreeWay("Pod", mustJSON(t, original), mustJSON(t, modified), mustJSON(t, current))
		if err != nil {
			t.Fatalf("ThreeWay: %v", err)
		}
		got, err := Apply("Pod", StrategicMergePatchType, mustJSON(t, current), p)
		if err != nil {
			t.Fatalf("Apply of %s: %v", p, err)
		}
		result := mustDecode(t, got)
		if at, ok := contains(result, mustDecode(t, mustJSON(t, modified)), ""); !ok {
			t.Fatalf("the result lacks the configuration's %s\npatch:  %s\nresult: %s", at, p, got)
		}
		if _, ok := result.(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)["gone"]; ok {
			t.Fatalf("the label the configuration dropped is still there: %s", got)
		}
		kept := map[string]bool{}
		for _, c := range modified["spec"].(map[string]any)["containers"].([]any) {
			kept[c.(map[string]any)["name"].(string)] = true
		}
		for _, c := range original["spec"].(map[string]any)["containers"].([]any) {
			name := c.(map[string]any)["name"].(string)
			if kept[name] {
				continue
			}
			for _, r := range result.(map[string]any)["spec"].(map[string]any)["containers"].([]any) {
				if r.(map[string]any)["name"] == name {
					t.Fatalf("container %s, dropped from the configuration, is still there: patch %s", name, p)
				}
			}
		}
	})
}
