package main

import (
	"encoding/json"
	"reflect"
)

// Client-side apply, capstan's way.
//
// `capstan apply` keeps, as kubectl does, the configuration it last applied
// in the kubectl.kubernetes.io/last-applied-configuration annotation, and
// sends a JSON merge patch (RFC 7386) computed from three versions of the
// object: the last applied configuration (original), the new one
// (modified), and the live object (current). The patch
//
//   - sets every field of modified whose live value differs (fields the
//     configuration does not mention, such as defaults and status, are left
//     alone);
//   - deletes (null) every field that original had and modified dropped;
//   - for lists, which a merge patch can only replace whole, replaces the
//     list when the configuration changed it since the last apply, or when
//     the live list no longer contains it: same length, and each item's
//     fields a subset of the live item's (so defaults the server filled
//     into containers or ports do not count as differences).
//
// kubectl's strategic merge patch merges some lists item by item (containers
// by name); capstan replaces the list whenever the user changed it, which
// drops fields others set on its items (a Service port's allocated
// nodePort, say, is reallocated). An empty patch means "unchanged".

// threeWayMergePatch returns the merge patch that takes current to
// modified, given the original configuration (nil if none).
func threeWayMergePatch(original, modified, current map[string]any) map[string]any {
	patch := map[string]any{}
	for k := range original {
		if _, kept := modified[k]; kept {
			continue
		}
		if _, live := current[k]; live {
			patch[k] = nil
		}
	}
	for k, mv := range modified {
		cv, live := current[k]
		ov, hadOrig := original[k]
		switch m := mv.(type) {
		case map[string]any:
			cm, isMap := cv.(map[string]any)
			if !live || !isMap {
				patch[k] = m
				continue
			}
			om, _ := ov.(map[string]any)
			if sub := threeWayMergePatch(om, m, cm); len(sub) > 0 {
				patch[k] = sub
			}
		case []any:
			unchangedByUser := !hadOrig || reflect.DeepEqual(ov, mv)
			if !(live && unchangedByUser && subset(m, cv)) {
				patch[k] = m
			}
		default:
			if !live || !reflect.DeepEqual(cv, mv) {
				patch[k] = mv
			}
		}
	}
	return patch
}

// subset reports whether a is contained in b: equal scalars, maps whose
// every key of a is in b with a contained value, lists of the same length
// whose items are contained item by item.
func subset(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !subset(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !subset(av[i], bv[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// toMap decodes a JSON object.
func toMap(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// dropNulls removes the null values of a configuration, which in a merge
// patch would mean "delete".
func dropNulls(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(x)
		case []any:
			for _, it := range x {
				if im, ok := it.(map[string]any); ok {
					dropNulls(im)
				}
			}
		}
	}
}
