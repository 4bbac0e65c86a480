package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// JSON documents are handled as the generic values encoding/json produces
// with UseNumber: map[string]any, []any, string, json.Number, bool and nil.
// Numbers stay as their literal text, so an int64 beyond 2^53 survives a
// patch unchanged.

// decodeJSON parses data as exactly one JSON value.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON returns v as compact JSON, map keys sorted, without escaping
// HTML characters.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// deepCopy returns a copy of v that shares no map or slice with it.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// equalJSON reports whether a and b are the same JSON value (RFC 6902
// section 4.6): objects equal member by member whatever their order, arrays
// element by element, numbers by numeric value.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalJSON(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		return ok && equalNumbers(x, y)
	case string, bool, nil:
		return a == b
	}
	return false
}

// isScalar reports whether v is a string, number, boolean or null.
func isScalar(v any) bool {
	switch v.(type) {
	case string, json.Number, bool, nil:
		return true
	}
	return false
}

// equalScalars compares two scalars; false if either is not one.
func equalScalars(a, b any) bool {
	ka, ok1 := scalarKey(a)
	kb, ok2 := scalarKey(b)
	return ok1 && ok2 && ka == kb
}

// scalarKey returns a string that identifies a scalar: two scalars have the
// same key when they are the same JSON value (numbers by value). False if v
// is not a scalar.
func scalarKey(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return "s" + t, true
	case bool:
		if t {
			return "t", true
		}
		return "f", true
	case nil:
		return "z", true
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return "n" + strconv.FormatInt(i, 10), true
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return "n" + string(t), true
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return "n" + strconv.FormatInt(int64(f), 10), true
		}
		return "n" + strconv.FormatFloat(f, 'g', -1, 64), true
	}
	return "", false
}

// equalNumbers compares two number literals by value: exactly when both
// are integers that fit an int64, as float64 otherwise.
func equalNumbers(a, b json.Number) bool {
	if a == b {
		return true
	}
	ai, aerr := strconv.ParseInt(string(a), 10, 64)
	bi, berr := strconv.ParseInt(string(b), 10, 64)
	if aerr == nil && berr == nil {
		return ai == bi
	}
	af, aerr := strconv.ParseFloat(string(a), 64)
	bf, berr := strconv.ParseFloat(string(b), 64)
	if aerr != nil || berr != nil || math.IsInf(af, 0) || math.IsInf(bf, 0) {
		return false
	}
	return af == bf
}

// describe names v's JSON type for messages: "an object", "a string", ...
func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

// brief returns v as JSON, cut to about 80 bytes, for messages.
func brief(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		return describe(v)
	}
	s := string(b)
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:77], "") + "..."
	}
	return s
}

// sizeOf estimates the encoded size of v in bytes, without encoding it.
func sizeOf(v any) int64 {
	switch t := v.(type) {
	case map[string]any:
		n := int64(2)
		for k, e := range t {
			n += int64(len(k)) + 4 + sizeOf(e)
		}
		return n
	case []any:
		n := int64(2)
		for _, e := range t {
			n += 1 + sizeOf(e)
		}
		return n
	case string:
		return int64(len(t)) + 2
	case json.Number:
		return int64(len(t))
	}
	return 5
}
