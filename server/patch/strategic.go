package patch

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Strategic merge patch: a JSON merge patch that knows the object's
// schema. Objects and maps merge member by member and null deletes a
// member, as in a merge patch; but a list whose Strategy says Merge is
// merged with the patch's list instead of replaced by it, by its merge key
// for lists of objects, as a set for lists of primitives. Directives in the
// patch say more:
//
//	$patch: replace                  in an object: the object is the patch's, not merged
//	$patch: delete                   in an object: the object is emptied
//	$patch: merge                    in an object: the default, merge
//	{"$patch": "replace"}            as a list element: the list is the patch's other elements
//	{name: x, "$patch": "delete"}    as a list element: remove the element with that key
//	$retainKeys: [a, b]              in an object: after merging, drop every other member
//	$deleteFromPrimitiveList/f: [v]  remove the values v from the primitive list f
//	$setElementOrder/f: [...]        the order of list f after merging (elements by merge key)

// Directive names.
const (
	directiveMarker            = "$patch"
	retainKeysDirective        = "$retainKeys"
	deleteFromPrimitivePrefix  = "$deleteFromPrimitiveList/"
	setElementOrderPrefix      = "$setElementOrder/"
	directiveReplace           = "replace"
	directiveDelete            = "delete"
	directiveMerge             = "merge"
	strategicMergePatchMessage = "strategic merge patch"
)

// path is where the merge is, for messages: built one step at a time on
// the way down, printed only on error.
type path struct {
	parent *path
	name   string // a member, or "" for an index
	index  int
}

func (p *path) child(name string) *path { return &path{parent: p, name: name} }
func (p *path) at(i int) *path          { return &path{parent: p, index: i} }

// String prints p as a Kubernetes field path: "spec.containers[0].env".
func (p *path) String() string {
	if p == nil {
		return "<root>"
	}
	var steps []*path
	for q := p; q != nil; q = q.parent {
		steps = append(steps, q)
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		switch {
		case s.name == "":
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case strings.ContainsAny(s.name, "./[]"):
			b.WriteString("[" + s.name + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// strategic applies a strategic merge patch to one object.
type strategic struct {
	o *objectInfo
}

func applyStrategic(o objectInfo, patchBytes []byte) (any, error) {
	schema, ok := SchemaFor(o.kind)
	if !ok {
		return nil, NewUnsupportedMediaTypeForKind(o.kind)
	}
	p, err := decodeJSON(patchBytes)
	if err != nil {
		return nil, badPatch(strategicMergePatchMessage, "%v", err)
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return nil, badPatch(strategicMergePatchMessage, "expected a JSON object, got %s", describe(p))
	}
	doc, err := o.decodeOriginal()
	if err != nil {
		return nil, err
	}
	s := strategic{o: &o}
	return s.mergeObject(doc.(map[string]any), pm, schema, nil)
}

func (s strategic) bad(at *path, format string, args ...any) error {
	return badPatch(strategicMergePatchMessage, "%s: %s", at, fmt.Sprintf(format, args...))
}

// mergeObject merges patch into orig (nil when the member is absent),
// which it may modify, and returns the result.
func (s strategic) mergeObject(orig, patch map[string]any, schema Schema, at *path) (map[string]any, error) {
	if d, ok := patch[directiveMarker]; ok {
		switch d {
		case directiveReplace:
			rest := withoutKey(patch, directiveMarker)
			return s.mergeObject(nil, rest, schema, at)
		case directiveDelete:
			return map[string]any{}, nil
		case directiveMerge:
			patch = withoutKey(patch, directiveMarker)
		default:
			return nil, s.bad(at, "unknown %s directive %s: want %q, %q or %q", directiveMarker, brief(d), directiveReplace, directiveDelete, directiveMerge)
		}
	}
	if orig == nil {
		orig = map[string]any{}
	}
	if err := s.retainKeys(orig, patch, at); err != nil {
		return nil, err
	}
	keys := slices.Sorted(maps.Keys(patch))
	// Deletions from primitive lists first, then the members.
	for _, k := range keys {
		if field, ok := strings.CutPrefix(k, deleteFromPrimitivePrefix); ok {
			if err := s.deleteFromPrimitiveList(orig, field, patch[k], at); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "$") {
			switch {
			case k == retainKeysDirective, strings.HasPrefix(k, deleteFromPrimitivePrefix):
				continue // done above
			case strings.HasPrefix(k, setElementOrderPrefix):
				field := strings.TrimPrefix(k, setElementOrderPrefix)
				if _, inPatch := patch[field]; inPatch {
					continue // done with the field's list
				}
				if err := s.orderOnly(orig, field, patch[k], schema, at); err != nil {
					return nil, err
				}
				continue
			}
			return nil, s.bad(at, "unknown directive %q", k)
		}
		pv := patch[k]
		if pv == nil {
			delete(orig, k)
			continue
		}
		fs, st, _ := schema.Field(k)
		if schema.Shape() == Map {
			fs = schema.Elem()
		}
		ov, present := orig[k]
		var err error
		var merged any
		switch p := pv.(type) {
		case map[string]any:
			om, _ := ov.(map[string]any)
			merged, err = s.mergeObject(om, p, fs, at.child(k))
		case []any:
			var ol []any
			if present {
				ol, _ = ov.([]any)
			}
			order, hasOrder := patch[setElementOrderPrefix+k]
			merged, err = s.mergeList(ol, p, fs.Elem(), st, order, hasOrder, at.child(k))
		default:
			merged = pv
		}
		if err != nil {
			return nil, err
		}
		orig[k] = merged
	}
	return orig, nil
}

// withoutKey returns a copy of m without key k.
func withoutKey(m map[string]any, k string) map[string]any {
	out := make(map[string]any, len(m))
	for key, v := range m {
		if key != k {
			out[key] = v
		}
	}
	return out
}

// retainKeys applies $retainKeys: the patch may set only the members it
// lists, and every other member of the result goes.
func (s strategic) retainKeys(orig, patch map[string]any, at *path) error {
	rk, ok := patch[retainKeysDirective]
	if !ok {
		return nil
	}
	list, ok := rk.([]any)
	if !ok {
		return s.bad(at, "%s must be a list of member names, got %s", retainKeysDirective, describe(rk))
	}
	keep := make(map[string]bool, len(list))
	for _, e := range list {
		name, ok := e.(string)
		if !ok {
			return s.bad(at, "%s must be a list of member names, got an element that is %s", retainKeysDirective, describe(e))
		}
		keep[name] = true
	}
	var missing []string
	for k, v := range patch {
		if v == nil || strings.HasPrefix(k, "$") {
			continue
		}
		if !keep[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return s.o.invalid(at.String(), rk, fmt.Sprintf("the patch sets %s, which %s does not list: it must list every member the patch sets", quoteAll(missing), retainKeysDirective))
	}
	for k := range orig {
		if !keep[k] {
			delete(orig, k)
		}
	}
	return nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// deleteFromPrimitiveList removes the values listed by
// $deleteFromPrimitiveList/<field> from orig[field].
func (s strategic) deleteFromPrimitiveList(orig map[string]any, field string, values any, at *path) error {
	del, ok := values.([]any)
	if !ok {
		return s.bad(at, "%s%s must be a list of values, got %s", deleteFromPrimitivePrefix, field, describe(values))
	}
	for _, v := range del {
		if !isScalar(v) {
			return s.bad(at, "%s%s must be a list of primitive values, got an element that is %s", deleteFromPrimitivePrefix, field, describe(v))
		}
	}
	ov, present := orig[field]
	if !present || ov == nil {
		return nil
	}
	list, ok := ov.([]any)
	if !ok {
		return s.bad(at.child(field), "%s%s applies to a list, but the object's %s is %s", deleteFromPrimitivePrefix, field, field, describe(ov))
	}
	gone := make(map[string]bool, len(del))
	for _, v := range del {
		k, _ := scalarKey(v)
		gone[k] = true
	}
	kept := make([]any, 0, len(list))
	for _, e := range list {
		if k, ok := scalarKey(e); !ok || !gone[k] {
			kept = append(kept, e)
		}
	}
	orig[field] = kept
	return nil
}

// orderOnly applies a $setElementOrder whose list the patch does not
// change: the elements are only put in order.
func (s strategic) orderOnly(orig map[string]any, field string, order any, schema Schema, at *path) error {
	fs, st, _ := schema.Field(field)
	ov, present := orig[field]
	if !present {
		if _, ok := order.([]any); !ok {
			return s.bad(at, "%s%s must be a list, got %s", setElementOrderPrefix, field, describe(order))
		}
		return nil
	}
	ol, ok := ov.([]any)
	if !ok {
		return s.bad(at.child(field), "%s%s applies to a list, but the object's %s is %s", setElementOrderPrefix, field, field, describe(ov))
	}
	merged, err := s.mergeList(ol, nil, fs.Elem(), st, order, true, at.child(field))
	if err != nil {
		return err
	}
	orig[field] = merged
	return nil
}
