package patch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// JSON patch, RFC 6902: a list of operations (add, remove, replace, move,
// copy, test), each on a JSON pointer (RFC 6901), applied in order; the
// first that fails fails the whole patch and nothing is changed.
//
// Array indices are decimal, without leading zeros; "-" names the end of an
// array for add (and as the target of move and copy). As in Kubernetes
// (not RFC 6902), a negative index counts from the end.

// operation is one decoded operation of a JSON patch.
type operation struct {
	index    int            // its position in the patch, from 0
	op       string         // add, remove, replace, move, copy, test
	path     []string       // the target, unescaped
	pathText string         // the target as written
	from     []string       // move and copy: the source
	fromText string         //
	value    any            // add, replace, test
	raw      map[string]any // the operation as sent, for messages
}

func applyJSONPatch(o objectInfo, patchBytes []byte) (any, error) {
	ops, err := decodeJSONPatch(patchBytes)
	if err != nil {
		return nil, err
	}
	doc, err := o.decodeOriginal()
	if err != nil {
		return nil, err
	}
	var copied int64
	for _, op := range ops {
		if doc, err = op.apply(&o, doc, &copied); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// decodeJSONPatch parses and checks every operation before any applies.
func decodeJSONPatch(patchBytes []byte) ([]operation, error) {
	v, err := decodeJSON(patchBytes)
	if err != nil {
		return nil, badPatch("json patch", "%v", err)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badPatch("json patch", "expected an array of operations, got %s", describe(v))
	}
	if len(list) > MaxJSONPatchOperations {
		return nil, api.NewRequestEntityTooLarge(fmt.Sprintf("the json patch has %d operations, more than the limit of %d", len(list), MaxJSONPatchOperations))
	}
	ops := make([]operation, 0, len(list))
	for i, e := range list {
		op, err := decodeOperation(i, e)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func decodeOperation(i int, e any) (operation, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return operation{}, badPatch("json patch", "operation %d: expected an object, got %s", i, describe(e))
	}
	op := operation{index: i, raw: m}
	fail := func(format string, args ...any) (operation, error) {
		return operation{}, badPatch("json patch", "operation %d (%s): %s", i, brief(m), fmt.Sprintf(format, args...))
	}
	name, ok := m["op"].(string)
	if !ok {
		return fail(`"op" must be a string: one of add, remove, replace, move, copy, test`)
	}
	op.op = name
	switch name {
	case "add", "remove", "replace", "move", "copy", "test":
	default:
		return fail("unknown op %q: want one of add, remove, replace, move, copy, test", name)
	}
	var err error
	if op.pathText, op.path, err = pointerMember(m, "path"); err != nil {
		return fail("%v", err)
	}
	switch name {
	case "add", "replace", "test":
		v, ok := m["value"]
		if !ok {
			return fail(`missing "value"`)
		}
		op.value = v
	case "move", "copy":
		if op.fromText, op.from, err = pointerMember(m, "from"); err != nil {
			return fail("%v", err)
		}
		if name == "move" && isProperPrefix(op.from, op.path) {
			return fail("cannot move %q into one of its own children", op.fromText)
		}
	}
	return op, nil
}

// pointerMember returns the JSON pointer m[key], as written and unescaped.
func pointerMember(m map[string]any, key string) (string, []string, error) {
	v, ok := m[key]
	if !ok {
		return "", nil, fmt.Errorf("missing %q", key)
	}
	s, ok := v.(string)
	if !ok {
		return "", nil, fmt.Errorf("%q must be a string (a JSON pointer), got %s", key, describe(v))
	}
	tokens, err := parsePointer(s)
	if err != nil {
		return "", nil, fmt.Errorf("%q: %w", key, err)
	}
	return s, tokens, nil
}

// apply applies op to doc and returns the new document.
func (op operation) apply(o *objectInfo, doc any, copied *int64) (any, error) {
	switch op.op {
	case "add":
		return op.add(o, doc, op.path, op.value)
	case "remove":
		doc, _, err := op.remove(o, doc, op.path)
		return doc, err
	case "replace":
		if len(op.path) == 0 {
			return op.value, nil
		}
		if _, err := op.get(o, doc, op.path); err != nil {
			return nil, err
		}
		doc, _, err := op.remove(o, doc, op.path)
		if err != nil {
			return nil, err
		}
		return op.add(o, doc, op.path, op.value)
	case "move":
		if slices.Equal(op.from, op.path) {
			_, err := op.get(o, doc, op.from)
			return doc, err
		}
		doc, v, err := op.remove(o, doc, op.from)
		if err != nil {
			return nil, err
		}
		return op.add(o, doc, op.path, v)
	case "copy":
		v, err := op.get(o, doc, op.from)
		if err != nil {
			return nil, err
		}
		*copied += sizeOf(v)
		if *copied > MaxCopyBytes {
			return nil, api.NewRequestEntityTooLarge(fmt.Sprintf("json patch operation %d: the copy operations would add more than %d bytes to the %s", op.index, MaxCopyBytes, kindName(o.kind)))
		}
		return op.add(o, doc, op.path, deepCopy(v))
	case "test":
		v, err := op.get(o, doc, op.path)
		if err != nil {
			return nil, err
		}
		if !equalJSON(v, op.value) {
			return nil, api.NewConflict(o.resource, o.name, fmt.Errorf("json patch test operation %d failed: the value at %q is %s, not %s", op.index, op.pathText, brief(v), brief(op.value)))
		}
		return doc, nil
	}
	return nil, badPatch("json patch", "operation %d: unknown op %q", op.index, op.op)
}

// missing is the 422 for an operation that needs a value where there is
// none: at is where the lookup failed (a prefix of the operation's path).
func (op operation) missing(o *objectInfo, at []string, onArray bool, detail string) error {
	return op.fail(o, api.ErrorTypeNotFound, at, onArray, pointerText(at), detail)
}

// fail is the 422 for an operation that cannot apply at at: "field:
// <type>: <value>: <detail>; in json patch operation N: op "path"".
func (op operation) fail(o *objectInfo, typ api.ErrorType, at []string, onArray bool, value, detail string) error {
	if detail != "" {
		detail += "; "
	}
	detail += fmt.Sprintf("in json patch operation %d: %s %q", op.index, op.op, op.pathText)
	if op.fromText != "" {
		detail += fmt.Sprintf(" from %q", op.fromText)
	}
	return api.NewInvalid(o.kind, o.name, api.ErrorList{{Type: typ, Field: fieldPath(at, onArray), BadValue: rawValue(strconv.Quote(value)), Detail: detail}})
}

// get returns the value at path.
func (op operation) get(o *objectInfo, doc any, path []string) (any, error) {
	cur := doc
	for i, tok := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, op.missing(o, path[:i+1], false, "")
			}
			cur = v
		case []any:
			idx, err := arrayIndex(tok, len(c), false)
			if err != nil {
				return nil, op.badIndex(o, path[:i+1], err)
			}
			cur = c[idx]
		default:
			return nil, op.fail(o, api.ErrorTypeTypeInvalid, path[:i], false, pointerText(path[:i]), fmt.Sprintf("%s has no members", describe(cur)))
		}
	}
	return cur, nil
}

// badIndex is the 422 for an array index that names no element.
func (op operation) badIndex(o *objectInfo, at []string, err error) error {
	if errors.Is(err, errOutOfRange) {
		return op.missing(o, at, true, err.Error())
	}
	return op.fail(o, api.ErrorTypeInvalid, at, true, at[len(at)-1], err.Error())
}

// add inserts v at path (RFC 6902 section 4.1) and returns the document.
func (op operation) add(o *objectInfo, doc any, path []string, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	parent, err := op.get(o, doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
		return doc, nil
	case []any:
		idx, err := arrayIndex(last, len(c), true)
		if err != nil {
			return nil, op.badIndex(o, path, err)
		}
		// In place: the document's arrays are its own (decoded for this
		// patch, copies deep), so growing one by append is safe.
		grown := slices.Insert(c, idx, v)
		return op.setAt(o, doc, path[:len(path)-1], grown)
	}
	return nil, op.fail(o, api.ErrorTypeTypeInvalid, path[:len(path)-1], false, pointerText(path[:len(path)-1]), fmt.Sprintf("%s cannot hold members", describe(parent)))
}

// remove takes the value at path out of the document (RFC 6902 section 4.2)
// and returns the document and the value.
func (op operation) remove(o *objectInfo, doc any, path []string) (any, any, error) {
	if len(path) == 0 {
		return nil, nil, op.fail(o, api.ErrorTypeForbidden, path, false, "", "the whole object cannot be removed")
	}
	v, err := op.get(o, doc, path)
	if err != nil {
		return nil, nil, err
	}
	parent, _ := op.get(o, doc, path[:len(path)-1])
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		delete(c, last)
		return doc, v, nil
	case []any:
		idx, _ := arrayIndex(last, len(c), false) // get succeeded: a valid index
		shrunk := slices.Delete(c, idx, idx+1)
		doc, err := op.setAt(o, doc, path[:len(path)-1], shrunk)
		return doc, v, err
	}
	return nil, nil, op.missing(o, path, false, "") // unreachable: get succeeded
}

// setAt replaces the value at path, which exists, by v: arrays change
// length, so a new array goes where the old one was.
func (op operation) setAt(o *objectInfo, doc any, path []string, v any) (any, error) {
	if len(path) == 0 {
		return v, nil
	}
	parent, err := op.get(o, doc, path[:len(path)-1])
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
	case []any:
		idx, err := arrayIndex(last, len(c), false)
		if err != nil {
			return nil, op.badIndex(o, path, err)
		}
		c[idx] = v
	}
	return doc, nil
}
