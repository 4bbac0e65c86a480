package patch

import (
	"sort"
)

// mergeList merges the patch's list into orig (nil when absent) for a
// field of strategy st whose elements have schema elem, then applies the
// field's $setElementOrder list if the patch has one.
func (s strategic) mergeList(orig, patch []any, elem Schema, st Strategy, order any, hasOrder bool, at *path) ([]any, error) {
	if !st.Merge {
		// Replaced whole; the patch's elements may still hold directives
		// (and nulls) of their own, which apply to nothing.
		out := make([]any, len(patch))
		for i, pv := range patch {
			v, err := s.clean(pv, elem, at.at(i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if hasOrder {
			if _, ok := order.([]any); !ok {
				return nil, s.bad(at, "%s must be a list, got %s", setElementOrderPrefix+lastName(at), describe(order))
			}
		}
		return out, nil
	}
	var merged []any
	var replaced bool
	var err error
	if st.MergeKey == "" {
		merged, replaced, err = s.mergePrimitives(orig, patch, at)
	} else {
		merged, replaced, err = s.mergeByKey(orig, patch, elem, st.MergeKey, at)
	}
	if err != nil {
		return nil, err
	}
	id := identity(st.MergeKey)
	if !replaced {
		// The patch's elements in the patch's order, as Kubernetes does.
		rank := map[string]int{}
		for _, pv := range patch {
			if _, ok := listDirective(pv); ok {
				continue
			}
			if k, ok := id(pv); ok {
				if _, dup := rank[k]; !dup {
					rank[k] = len(rank)
				}
			}
		}
		merged = arrange(orig, merged, rank, id)
	}
	if !hasOrder {
		return merged, nil
	}
	return s.setElementOrder(orig, patch, merged, order, st.MergeKey, at)
}

// clean returns a patch value that goes where nothing was: its
// directives apply to an empty value and its nulls are dropped.
func (s strategic) clean(v any, schema Schema, at *path) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		return s.mergeObject(nil, t, schema, at)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := s.clean(e, schema.Elem(), at.at(i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

// listDirective returns the $patch directive of a list element, if any.
func listDirective(e any) (any, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return nil, false
	}
	d, ok := m[directiveMarker]
	return d, ok
}

// mergePrimitives merges a list of primitives as a set: the original's
// values, then the patch's that are new, each value once, in that order.
// A {"$patch": "replace"} element makes the list the patch's other values.
func (s strategic) mergePrimitives(orig, patch []any, at *path) (merged []any, replaced bool, err error) {
	replace := false
	values := make([]any, 0, len(patch))
	for i, pv := range patch {
		if d, ok := listDirective(pv); ok {
			if d != directiveReplace {
				return nil, false, s.bad(at.at(i), "a list of primitives takes only the %s directive %q, not %s; remove values with %s", directiveMarker, directiveReplace, brief(d), deleteFromPrimitivePrefix+"<field>")
			}
			replace = true
			continue
		}
		if !isScalar(pv) {
			return nil, false, s.bad(at.at(i), "the list holds primitives (strings, numbers), not %s", describe(pv))
		}
		values = append(values, pv)
	}
	var all []any
	if !replace {
		all = append(all, orig...)
	}
	all = append(all, values...)
	out := make([]any, 0, len(all))
	seen := make(map[string]bool, len(all))
	for _, v := range all {
		k, ok := scalarKey(v)
		if !ok {
			return nil, false, s.bad(at, "the object's list of primitives holds %s", describe(v))
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, false, nil
}

// mergeByKey merges a list of objects by their merge key: a patch element
// merges into the original's element with the same key, or is appended.
func (s strategic) mergeByKey(orig, patch []any, elem Schema, key string, at *path) (merged []any, replaced bool, err error) {
	for i, ov := range orig {
		if _, ok := ov.(map[string]any); !ok {
			return nil, false, s.bad(at.at(i), "the object's list, merged by %q, holds %s, not an object", key, describe(ov))
		}
	}
	out := make([]any, 0, len(orig)+len(patch)) // never nil: an empty list stays a list
	out = append(out, orig...)
	var rest []map[string]any
	var restAt []int
	replace := false
	gone := map[string]bool{} // the keys of the elements to delete
	for i, pv := range patch {
		pm, ok := pv.(map[string]any)
		if !ok {
			return nil, false, s.bad(at.at(i), "the list is merged by %q: its elements must be objects, not %s", key, describe(pv))
		}
		d, isDirective := pm[directiveMarker]
		if !isDirective {
			rest, restAt = append(rest, pm), append(restAt, i)
			continue
		}
		switch d {
		case directiveReplace:
			replace = true
		case directiveDelete:
			kv, ok := pm[key]
			if !ok {
				return nil, false, s.bad(at.at(i), "a %s: %s element must name the element to delete by its merge key %q", directiveMarker, directiveDelete, key)
			}
			if !isScalar(kv) {
				return nil, false, s.bad(at.at(i).child(key), "a merge key must be a string or a number, not %s", describe(kv))
			}
			k, _ := scalarKey(kv)
			gone[k] = true
		case directiveMerge:
			return nil, false, s.bad(at.at(i), "%s: %s is not supported on a list element: lists merged by key merge by default", directiveMarker, directiveMerge)
		default:
			return nil, false, s.bad(at.at(i), "unknown %s directive %s in a list element: want %q or %q", directiveMarker, brief(d), directiveReplace, directiveDelete)
		}
	}
	if len(gone) > 0 {
		kept := make([]any, 0, len(out))
		for _, ov := range out {
			if k, ok := scalarKey(ov.(map[string]any)[key]); !ok || !gone[k] {
				kept = append(kept, ov)
			}
		}
		out = kept
	}
	if replace {
		out = make([]any, 0, len(rest))
		for j, pm := range rest {
			v, err := s.mergeObject(nil, pm, elem, at.at(restAt[j]))
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
		}
		return out, true, nil
	}
	// where holds the position in out of the first element of each key.
	where := make(map[string]int, len(out)+len(rest))
	for i := len(out) - 1; i >= 0; i-- {
		if k, ok := scalarKey(out[i].(map[string]any)[key]); ok {
			where[k] = i
		}
	}
	for j, pm := range rest {
		kv, ok := pm[key]
		if !ok {
			return nil, false, s.bad(at.at(restAt[j]), "element %s has no merge key %q", brief(pm), key)
		}
		if !isScalar(kv) || kv == nil {
			return nil, false, s.bad(at.at(restAt[j]).child(key), "a merge key must be a string or a number, not %s", describe(kv))
		}
		k, _ := scalarKey(kv)
		found, ok := where[k]
		if !ok {
			found = -1
		}
		var base map[string]any
		if found >= 0 {
			base = out[found].(map[string]any)
		}
		v, err := s.mergeObject(base, pm, elem, at.at(restAt[j]))
		if err != nil {
			return nil, false, err
		}
		if found >= 0 {
			out[found] = v
		} else {
			where[k] = len(out)
			out = append(out, v)
		}
	}
	return out, false, nil
}

// identity returns what identifies a list element: the value of its merge
// key, or the value itself in a list of primitives, as a scalarKey.
func identity(key string) func(any) (string, bool) {
	return func(e any) (string, bool) {
		if key == "" {
			return scalarKey(e)
		}
		m, ok := e.(map[string]any)
		if !ok {
			return "", false
		}
		v, ok := m[key]
		if !ok {
			return "", false
		}
		return scalarKey(v)
	}
}

// setElementOrder validates a $setElementOrder list against the patch's
// list, then puts merged in its order (see arrange).
func (s strategic) setElementOrder(orig, patch, merged []any, order any, key string, at *path) ([]any, error) {
	name := setElementOrderPrefix + lastName(at)
	ol, ok := order.([]any)
	if !ok {
		return nil, s.bad(at, "%s must be a list, got %s", name, describe(order))
	}
	id := identity(key)
	rank := make(map[string]int, len(ol))
	for i, e := range ol {
		k, ok := id(e)
		if !ok {
			if key == "" {
				return nil, s.bad(at, "%s must list primitive values, got %s", name, describe(e))
			}
			return nil, s.bad(at, "%s must list objects holding the merge key %q, got %s", name, key, brief(e))
		}
		if _, dup := rank[k]; !dup {
			rank[k] = i
		}
	}
	// The patch's elements (deletions and directives aside) must appear in
	// the order list, in the same relative order.
	next := 0
	for i, pv := range patch {
		if _, ok := listDirective(pv); ok {
			continue
		}
		k, ok := id(pv)
		if !ok {
			continue // refused by the merge already
		}
		pos, ok := rank[k]
		if !ok || pos < next {
			return nil, s.bad(at.at(i), "element %s is not in %s, or not in the same order", brief(pv), name)
		}
		next = pos + 1
	}
	return arrange(orig, merged, rank, id), nil
}

// arrange orders merged as Kubernetes does after a merge: the elements
// that rank names (those of the patch, or of a $setElementOrder list) in
// rank's order, the others (the server's, which the client did not send)
// in their order. Where the two meet, a server's element goes first only
// if the original list held it before the ranked element; so an element
// new to the list goes before the server's elements that follow it.
func arrange(orig, merged []any, rank map[string]int, id func(any) (string, bool)) []any {
	if len(rank) == 0 {
		return merged
	}
	origAt := make(map[string]int, len(orig))
	for i, e := range orig {
		if k, ok := id(e); ok {
			if _, dup := origAt[k]; !dup {
				origAt[k] = i
			}
		}
	}
	type item struct {
		e    any
		rank int // in rank
		orig int // in the original list, or -1
	}
	var named, others []item
	for _, e := range merged {
		k, _ := id(e)
		it := item{e: e, orig: -1}
		if p, ok := origAt[k]; ok {
			it.orig = p
		}
		if p, ok := rank[k]; ok {
			it.rank = p
			named = append(named, it)
		} else {
			others = append(others, it)
		}
	}
	sort.SliceStable(named, func(i, j int) bool { return named[i].rank < named[j].rank })
	out := make([]any, 0, len(merged))
	i, j := 0, 0
	for i < len(named) || j < len(others) {
		switch {
		case j == len(others):
			out, i = append(out, named[i].e), i+1
		case i == len(named):
			out, j = append(out, others[j].e), j+1
		case named[i].orig >= 0 && others[j].orig >= 0 && others[j].orig < named[i].orig:
			out, j = append(out, others[j].e), j+1
		default:
			out, i = append(out, named[i].e), i+1
		}
	}
	return out
}

// lastName is the field name at the end of at.
func lastName(at *path) string {
	if at == nil {
		return ""
	}
	return at.name
}
