package patch

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// ThreeWay computes the strategic merge patch that client-side kubectl
// apply sends: original is the configuration applied last (the
// kubectl.kubernetes.io/last-applied-configuration annotation; nil or
// empty for none), modified the configuration applied now (with that
// annotation already set to its new value, as kubectl does), current the
// live object. The patch
//
//   - sets what modified changes in current, leaving alone what modified
//     does not mention (defaults, status, fields others manage);
//   - deletes what original had and modified dropped: null for a member,
//     {key, "$patch": "delete"} for an element of a list merged by key,
//     $deleteFromPrimitiveList for a value of a list merged as a set;
//   - merges lists by key as Apply does (Rules), with a $setElementOrder
//     list wherever a merged list changes, and $retainKeys where a
//     Strategy says RetainKeys.
//
// The patch is "{}" when there is nothing to change. As kubectl with
// --overwrite (its default), changes made by others to the fields of the
// configuration are overwritten, not reported as conflicts.
func ThreeWay(kind string, original, modified, current []byte) ([]byte, error) {
	schema, ok := SchemaFor(kind)
	if !ok {
		return nil, fmt.Errorf("three-way patch: unknown kind %q", kind)
	}
	var o, m, c map[string]any
	for _, d := range []struct {
		name string
		data []byte
		into *map[string]any
	}{{"original", original, &o}, {"modified", modified, &m}, {"current", current, &c}} {
		if len(d.data) == 0 {
			continue
		}
		v, err := decodeJSON(d.data)
		if err != nil {
			return nil, fmt.Errorf("three-way patch: decoding the %s object: %w", d.name, err)
		}
		obj, ok := v.(map[string]any)
		if !ok && v != nil {
			return nil, fmt.Errorf("three-way patch: the %s object is %s, not a JSON object", d.name, describe(v))
		}
		*d.into = obj
	}
	delta, err := diffObjects(c, m, schema, diffOptions{ignoreDeletions: true})
	if err != nil {
		return nil, err
	}
	deletions, err := diffObjects(o, m, schema, diffOptions{ignoreChanges: true})
	if err != nil {
		return nil, err
	}
	return encodeJSON(combinePatches(deletions, delta, schema))
}

// diffOptions say which differences a diff reports.
type diffOptions struct {
	ignoreDeletions bool // what the first object has and the second lacks
	ignoreChanges   bool // what the second adds or changes
	retainKeys      bool // add $retainKeys to this object's patch
}

// diffObjects returns the strategic merge patch that takes from to to,
// limited by opts.
func diffObjects(from, to map[string]any, schema Schema, opts diffOptions) (map[string]any, error) {
	patch := map[string]any{}
	var retain []any
	for _, k := range slices.Sorted(maps.Keys(to)) {
		tv := to[k]
		if opts.retainKeys && tv != nil {
			retain = append(retain, k)
		}
		fv, ok := from[k]
		if !ok {
			if !opts.ignoreChanges {
				patch[k] = tv
			}
			continue
		}
		fs, st, _ := schema.Field(k)
		if schema.Shape() == Map {
			fs = schema.Elem()
		}
		fm, fIsMap := fv.(map[string]any)
		tm, tIsMap := tv.(map[string]any)
		fl, fIsList := fv.([]any)
		tl, tIsList := tv.([]any)
		switch {
		case fIsMap && tIsMap:
			sub, err := diffObjects(fm, tm, fs, diffOptions{opts.ignoreDeletions, opts.ignoreChanges, st.RetainKeys})
			if err != nil {
				return nil, err
			}
			if len(sub) > 0 {
				patch[k] = sub
			}
		case fIsList && tIsList && st.Merge:
			if err := diffMergedList(patch, k, fl, tl, fs.Elem(), st, opts); err != nil {
				return nil, err
			}
		case !opts.ignoreChanges && !equalJSON(fv, tv):
			patch[k] = tv // a new value, a new type, or a list replaced whole
		}
	}
	if !opts.ignoreDeletions {
		for k := range from {
			if _, ok := to[k]; !ok {
				patch[k] = nil
			}
		}
	}
	if len(retain) > 0 && (len(patch) > 0 || lacksMemberOf(to, from)) {
		patch[retainKeysDirective] = retain
	}
	return patch, nil
}

// lacksMemberOf reports whether to lacks a non-null member of from.
func lacksMemberOf(to, from map[string]any) bool {
	for k, v := range from {
		if _, ok := to[k]; !ok && v != nil {
			return true
		}
	}
	return false
}

// diffMergedList adds to patch what takes the list from to to, for a list
// merged by key or as a set: the changed and new elements in to's order,
// then the deletions; and the $setElementOrder and
// $deleteFromPrimitiveList lists that go with them.
func diffMergedList(patch map[string]any, k string, from, to []any, elem Schema, st Strategy, opts diffOptions) error {
	if len(from) == 0 {
		if len(to) > 0 && !opts.ignoreChanges {
			patch[k] = to
		}
		return nil
	}
	id := identity(st.MergeKey)
	fromAt := map[string]int{}
	for i, e := range from {
		key, ok := id(e)
		if !ok {
			return fmt.Errorf("three-way patch: %s: element %s has no merge key %q", k, brief(e), st.MergeKey)
		}
		if _, dup := fromAt[key]; !dup {
			fromAt[key] = i
		}
	}
	toKeys := map[string]bool{}
	var changes []any
	for _, e := range to {
		key, ok := id(e)
		if !ok {
			return fmt.Errorf("three-way patch: %s: element %s has no merge key %q", k, brief(e), st.MergeKey)
		}
		toKeys[key] = true
		i, found := fromAt[key]
		switch {
		case !found:
			if !opts.ignoreChanges {
				changes = append(changes, e)
			}
		case st.MergeKey != "":
			fm, fok := from[i].(map[string]any)
			tm, tok := e.(map[string]any)
			if !fok || !tok {
				return fmt.Errorf("three-way patch: %s: elements must be objects", k)
			}
			sub, err := diffObjects(fm, tm, elem, diffOptions{opts.ignoreDeletions, opts.ignoreChanges, st.RetainKeys})
			if err != nil {
				return err
			}
			if len(sub) > 0 {
				sub[st.MergeKey] = tm[st.MergeKey]
				changes = append(changes, sub)
			}
		}
	}
	var gone []any // in from, not in to: sorted as Kubernetes sorts them
	if !opts.ignoreDeletions {
		for _, e := range from {
			if key, _ := id(e); !toKeys[key] {
				gone = append(gone, e)
			}
		}
		sort.SliceStable(gone, func(i, j int) bool { return mergeKeyText(gone[i], st.MergeKey) < mergeKeyText(gone[j], st.MergeKey) })
	}
	var order []any
	if st.MergeKey == "" {
		if len(changes) > 0 {
			patch[k] = changes
		}
		if len(gone) > 0 {
			patch[deleteFromPrimitivePrefix+k] = gone
		}
		// Kubernetes compares to with from sorted (its diff sorts from in
		// place first), so an unchanged list not in sorted order gets an
		// order list too: harmless, and kept to send what kubectl sends.
		// Where from is reordered into sorted order kubectl sends no order
		// list, and the new order is lost; ThreeWay sends it.
		if len(gone) > 0 || !opts.ignoreChanges && (!equalJSON(from, to) || !equalJSON(sortedByText(from), to)) {
			order = to
		}
	} else {
		for _, e := range gone {
			changes = append(changes, map[string]any{st.MergeKey: e.(map[string]any)[st.MergeKey], directiveMarker: directiveDelete})
		}
		if len(changes) > 0 {
			patch[k] = changes
		}
		if !opts.ignoreChanges && (len(changes) > 0 || !sameKeyOrder(from, to, id)) || !opts.ignoreDeletions && len(changes) > 0 {
			for _, e := range to {
				order = append(order, map[string]any{st.MergeKey: e.(map[string]any)[st.MergeKey]})
			}
		}
	}
	if order != nil {
		patch[setElementOrderPrefix+k] = order
	}
	return nil
}

// sortedByText returns a sorted copy of a list of primitives, sorted as
// Kubernetes sorts them: by their text.
func sortedByText(l []any) []any {
	out := slices.Clone(l)
	sort.SliceStable(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// mergeKeyText is how Kubernetes sorts list elements: by the text of
// their merge key (of the value itself for primitives).
func mergeKeyText(e any, key string) string {
	if key != "" {
		if m, ok := e.(map[string]any); ok {
			e = m[key]
		}
	}
	return fmt.Sprint(e)
}

// sameKeyOrder reports whether two lists hold the same keys in the same
// order.
func sameKeyOrder(a, b []any, id func(any) (string, bool)) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		ka, _ := id(a[i])
		kb, _ := id(b[i])
		if ka != kb {
			return false
		}
	}
	return true
}

// combinePatches merges the deletions patch and the changes patch of a
// three-way diff into one: members of both, objects combined member by
// member, merged lists element by element, in the order of their
// $setElementOrder list, deletions last.
func combinePatches(deletions, delta map[string]any, schema Schema) map[string]any {
	out := map[string]any{}
	for k, v := range deletions {
		out[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(delta)) {
		dv := delta[k]
		ov, ok := out[k]
		if !ok {
			out[k] = dv
			continue
		}
		fs, st, _ := schema.Field(strings.TrimPrefix(strings.TrimPrefix(k, setElementOrderPrefix), deleteFromPrimitivePrefix))
		if schema.Shape() == Map {
			fs = schema.Elem()
		}
		om, oIsMap := ov.(map[string]any)
		dm, dIsMap := dv.(map[string]any)
		ol, oIsList := ov.([]any)
		dl, dIsList := dv.([]any)
		switch {
		case oIsMap && dIsMap:
			out[k] = combinePatches(om, dm, fs)
		case oIsList && dIsList && st.Merge && !strings.HasPrefix(k, "$"):
			combined := combineLists(ol, dl, fs.Elem(), st)
			// As in Kubernetes, the combined list follows its order list,
			// deletions last.
			order, _ := delta[setElementOrderPrefix+k].([]any)
			if order == nil {
				order, _ = deletions[setElementOrderPrefix+k].([]any)
			}
			if order != nil {
				id := identity(st.MergeKey)
				rank := map[string]int{}
				for i, e := range order {
					if key, ok := id(e); ok {
						rank[key] = i
					}
				}
				combined = arrange(ol, combined, rank, id)
			}
			out[k] = combined
		default:
			out[k] = dv // equal directives, or the change wins
		}
	}
	return out
}

func combineLists(deletions, delta []any, elem Schema, st Strategy) []any {
	id := identity(st.MergeKey)
	at := map[string]int{}
	out := make([]any, 0, len(delta)+len(deletions))
	for _, e := range delta {
		if k, ok := id(e); ok {
			at[k] = len(out)
		}
		out = append(out, e)
	}
	for _, e := range deletions {
		k, ok := id(e)
		i, both := at[k]
		if !ok || !both {
			out = append(out, e)
			continue
		}
		em, eok := e.(map[string]any)
		om, ook := out[i].(map[string]any)
		if eok && ook {
			out[i] = combinePatches(em, om, elem)
		}
	}
	return out
}
