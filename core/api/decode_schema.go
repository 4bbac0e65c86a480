package api

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The schema check of decode.go: a generic JSON value is walked alongside
// the Go type it is to be decoded into, and every unknown field, duplicate
// field and type mismatch is reported with its path. What the walk returns
// (known fields only) then decodes with encoding/json without surprises.

// parseJSON parses one JSON value into maps, slices, strings, json.Numbers,
// booleans and nils, and returns the paths of the keys that repeat in an
// object (the last one wins).
func parseJSON(data []byte) (v any, dups []string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{dec: dec}
	if v, err = p.value(nil, 0); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("unexpected data after the object")
	}
	return v, p.dups, nil
}

type jsonParser struct {
	dec  *json.Decoder
	dups []string
}

func (p *jsonParser) value(path *FieldPath, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		m := map[string]any{}
		for p.dec.More() {
			kt, err := p.dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("invalid object key %v", kt)
			}
			child := path.Child(k)
			v, err := p.value(child, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := m[k]; dup {
				p.dups = append(p.dups, child.String())
			}
			m[k] = v
		}
		_, err := p.dec.Token() // '}'
		return m, err
	case '[':
		a := []any{}
		for i := 0; p.dec.More(); i++ {
			v, err := p.value(path.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := p.dec.Token() // ']'
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// schemaChecker walks a generic value and a Go type together, collecting
// problems.
type schemaChecker struct {
	strict   bool
	problems []string
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// check returns v with the fields unknown to t removed, and records every
// problem found below path.
func (c *schemaChecker) check(v any, t reflect.Type, path *FieldPath) any {
	for t.Kind() == reflect.Pointer {
		if v == nil {
			return nil
		}
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshalerType) {
		raw, err := json.Marshal(v)
		if err == nil {
			err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}
		if err != nil {
			c.fail(path, err.Error())
		}
		return v
	}
	if v == nil {
		return nil // null leaves the field at its zero value
	}
	if pt.Implements(textUnmarshalerType) {
		s, ok := v.(string)
		if !ok {
			c.mismatch(path, "string", v)
		} else if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			c.fail(path, err.Error())
		}
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			c.mismatch(path, "object", v)
			return nil
		}
		fields := fieldsOf(t)
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			ft, known := fields[k]
			if !known {
				if c.strict {
					c.problems = append(c.problems, fmt.Sprintf("unknown field %q", path.Child(k).String()))
				}
				continue
			}
			out[k] = c.check(m[k], ft, path.Child(k))
		}
		return out
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			c.mismatch(path, "object", v)
			return nil
		}
		out := make(map[string]any, len(m))
		for _, k := range sortedKeys(m) {
			out[k] = c.check(m[k], t.Elem(), path.Key(k))
		}
		return out
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				c.mismatch(path, "base64 string", v)
			} else if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				c.fail(path, "invalid base64 data")
			}
			return v
		}
		a, ok := v.([]any)
		if !ok {
			c.mismatch(path, "array", v)
			return nil
		}
		out := make([]any, len(a))
		for i := range a {
			out[i] = c.check(a[i], t.Elem(), path.Index(i))
		}
		return out
	case reflect.String:
		if _, ok := v.(string); !ok {
			c.mismatch(path, "string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			c.mismatch(path, "boolean", v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.number(path, v, t, func(s string) error { _, err := strconv.ParseInt(s, 10, t.Bits()); return err })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.number(path, v, t, func(s string) error { _, err := strconv.ParseUint(s, 10, t.Bits()); return err })
	case reflect.Float32, reflect.Float64:
		c.number(path, v, t, func(s string) error { _, err := strconv.ParseFloat(s, t.Bits()); return err })
	}
	return v
}

// number checks that v is a JSON number that parse accepts for t.
func (c *schemaChecker) number(path *FieldPath, v any, t reflect.Type, parse func(string) error) {
	want := "integer"
	if k := t.Kind(); k == reflect.Float32 || k == reflect.Float64 {
		want = "number"
	}
	n, ok := v.(json.Number)
	if !ok {
		c.mismatch(path, want, v)
		return
	}
	err := parse(n.String())
	if err == nil {
		return
	}
	if errors.Is(err, strconv.ErrRange) {
		c.fail(path, fmt.Sprintf("number %s is out of range for %s", n, t.Kind()))
		return
	}
	c.mismatch(path, want, v)
}

func (c *schemaChecker) mismatch(path *FieldPath, want string, got any) {
	c.fail(path, fmt.Sprintf("expected %s, got %s", want, describeJSON(got)))
}

func (c *schemaChecker) fail(path *FieldPath, msg string) {
	where := "(root)"
	if path != nil {
		where = path.String()
	}
	c.problems = append(c.problems, where+": "+msg)
}

// describeJSON names the JSON type of a generic value, with the value if
// it is short.
func describeJSON(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(t) > 40 {
			return "string"
		}
		return "string " + strconv.Quote(t)
	case json.Number:
		if len(t) > 40 {
			return "number"
		}
		return "number " + t.String()
	case bool:
		return "boolean " + strconv.FormatBool(t)
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldIndex maps the JSON names of a struct's fields (embedded structs'
// promoted) to their types.
type fieldIndex map[string]reflect.Type

// knownFieldIndexes holds the index of every struct reachable from the
// kinds, computed once at start-up and never changed after (so decoding is
// safe from several goroutines of a server).
var knownFieldIndexes = indexStructs(
	reflect.TypeFor[Namespace](), reflect.TypeFor[Node](), reflect.TypeFor[Pod](),
	reflect.TypeFor[Service](), reflect.TypeFor[Endpoints](), reflect.TypeFor[Secret](),
	reflect.TypeFor[ConfigMap](), reflect.TypeFor[PersistentVolume](),
	reflect.TypeFor[PersistentVolumeClaim](), reflect.TypeFor[ServiceAccount](),
	reflect.TypeFor[Event](), reflect.TypeFor[ReplicaSet](), reflect.TypeFor[Deployment](),
	reflect.TypeFor[Lease](),
)

func fieldsOf(t reflect.Type) fieldIndex {
	if f, ok := knownFieldIndexes[t]; ok {
		return f
	}
	f := fieldIndex{}
	addFields(f, t)
	return f
}

// addFields adds t's fields as encoding/json sees them: a field's own name
// wins over a promoted one.
func addFields(out fieldIndex, t reflect.Type) {
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, seen := out[name]; !seen {
			out[name] = f.Type
		}
	}
	for _, et := range embedded {
		addFields(out, et)
	}
}

// indexStructs indexes every struct type reachable from roots.
func indexStructs(roots ...reflect.Type) map[reflect.Type]fieldIndex {
	out := map[reflect.Type]fieldIndex{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
			return
		}
		if _, done := out[t]; done {
			return
		}
		f := fieldIndex{}
		addFields(f, t)
		out[t] = f
		for _, ft := range f {
			visit(ft)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return out
}

// withTypeMeta returns obj, or a shallow copy of it, whose apiVersion and
// kind are those registered for its Go type.
func withTypeMeta(obj Object) (any, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("encode: %T is not a non-nil pointer", obj)
	}
	info, ok := LookupKind(v.Elem().Type().Name())
	if !ok || reflect.TypeOf(info.New()) != v.Type() {
		return obj, nil // not a registered kind: as it is
	}
	tm := TypeMeta{APIVersion: info.APIVersion(), Kind: info.Kind}
	if *obj.GetTypeMeta() == tm {
		return obj, nil
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	c := cp.Interface().(Object)
	*c.GetTypeMeta() = tm
	return c, nil
}

// typeOfObject returns the Go type an object decodes into.
func typeOfObject(obj Object) reflect.Type { return reflect.TypeOf(obj) }
