package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"
)

// Decoding manifests.
//
//	bytes ──split──▶ documents ──YAML→JSON──▶ generic JSON value
//	      ──look up apiVersion+kind──▶ schema check against the Go type
//	      (unknown fields, wrong types, each with its path)
//	      ──encoding/json──▶ typed Object
//
// Input is multi-document YAML ("---" separators, comments; empty documents
// are skipped) or JSON (one object or a stream of them). A document may be a
// "kind: List" (apiVersion v1) or a typed list such as "PodList" whose items
// are decoded in turn. The schema check runs on the generic value before
// the typed decode so that every problem of a document is reported at once,
// with its full path ("spec.template.spec.containers[0].image"), which
// encoding/json alone cannot do.
//
//	decode.go         DecodeManifests, lists, kinds, Encode, EncodeYAML
//	decode_split.go   the input split into documents, with their lines
//	decode_schema.go  the schema check

// DecodeOptions says how manifests are decoded.
type DecodeOptions struct {
	// Strict makes unknown and duplicate fields errors, like
	// `kubectl apply --validate=strict`. Otherwise they are dropped (as a
	// server must, to accept objects written by newer clients); field names
	// match case-sensitively either way, as in Kubernetes.
	Strict bool
	// MaxBytes bounds the input; 0 means DefaultMaxManifestBytes.
	MaxBytes int
}

// DefaultMaxManifestBytes bounds the size of the input of DecodeManifests.
const DefaultMaxManifestBytes = 32 << 20

// maxJSONDepth bounds the nesting of a document, as encoding/json and the
// YAML parser bound theirs.
const maxJSONDepth = 10000

// DecodeError reports what is wrong with one document of a manifest.
type DecodeError struct {
	// Document is the index of the document among the non-empty documents
	// of the input, from 0.
	Document int
	// Item is the index in the items of a List, or -1.
	Item int
	// Line is the line, from 1, where the document starts; 0 if unknown.
	Line int
	// Kind and Name are those of the object, when known.
	Kind, Name string
	Err        error
}

// Error returns e.g. `document 1 (line 12): Deployment "web": unknown field "spec.replica"`.
func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "document %d", e.Document)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Item >= 0 {
		fmt.Fprintf(&b, ", item %d", e.Item)
	}
	b.WriteString(": ")
	if e.Kind != "" {
		b.WriteString(e.Kind)
		if e.Name != "" {
			fmt.Fprintf(&b, " %q", e.Name)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// DecodeManifests decodes every object of data strictly: see DecodeOptions.
func DecodeManifests(data []byte) ([]Object, error) {
	return DecodeOptions{Strict: true}.DecodeManifests(data)
}

// DecodeManifests decodes every object of data, in order. On any error it
// returns no objects and an error that lists every bad document (each a
// *DecodeError, joined with errors.Join). It never panics.
func (o DecodeOptions) DecodeManifests(data []byte) (objs []Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			objs, err = nil, fmt.Errorf("decoding manifests: internal error: %v", r)
		}
	}()
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxManifestBytes
	}
	if len(data) > limit {
		return nil, fmt.Errorf("manifest is %d bytes, more than the limit of %d", len(data), limit)
	}
	var errs []error
	index := 0
	for _, d := range o.splitDocuments(data) {
		if d.err == nil && d.json == nil {
			continue // an empty document
		}
		d.index = index
		index++
		if d.err != nil {
			errs = append(errs, d.fail(-1, "", "", d.err))
			continue
		}
		got, derrs := o.decodeDocument(d)
		objs = append(objs, got...)
		errs = append(errs, derrs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return objs, nil
}

// Decode decodes data that must hold exactly one object (a request body).
func (o DecodeOptions) Decode(data []byte) (Object, error) {
	objs, err := o.DecodeManifests(data)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("expected exactly one object, found %d", len(objs))
	}
	return objs[0], nil
}

// document is one document of the input, converted to JSON.
type document struct {
	index int
	line  int    // where it starts, from 1; 0 if unknown
	json  []byte // nil for an empty document
	err   error  // a syntax error
}

func (d document) fail(item int, kind, name string, err error) *DecodeError {
	return &DecodeError{Document: d.index, Item: item, Line: d.line, Kind: kind, Name: name, Err: err}
}

// decodeDocument decodes one document: an object, or a list of them.
func (o DecodeOptions) decodeDocument(d document) ([]Object, []error) {
	v, dups, err := parseJSON(d.json)
	if err != nil {
		return nil, []error{d.fail(-1, "", "", err)}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []error{d.fail(-1, "", "", fmt.Errorf("expected an object, got %s", describeJSON(v)))}
	}
	kind, apiVersion, err := typeOf(m)
	if err != nil {
		return nil, []error{d.fail(-1, "", objectName(m), err)}
	}
	if isListKind(kind) {
		return o.decodeList(d, m, m["items"], kind, apiVersion, dups)
	}
	obj, err := o.decodeObject(m, kind, apiVersion, dups)
	if err != nil {
		return nil, []error{d.fail(-1, kind, objectName(m), err)}
	}
	return []Object{obj}, nil
}

// isListKind reports whether kind is "List" or a registered kind's list.
func isListKind(kind string) bool {
	if kind == "List" {
		return true
	}
	base, ok := strings.CutSuffix(kind, "List")
	if !ok {
		return false
	}
	_, ok = LookupKind(base)
	return ok
}

// decodeList decodes the items of a List or typed list ("PodList", whose
// items may omit kind and apiVersion).
func (o DecodeOptions) decodeList(d document, m map[string]any, items any, kind, apiVersion string, dups []string) ([]Object, []error) {
	itemKind, wantVersion := "", "v1"
	if kind != "List" {
		info, _ := LookupKind(strings.TrimSuffix(kind, "List"))
		itemKind, wantVersion = info.Kind, info.APIVersion()
	}
	if apiVersion != wantVersion {
		return nil, []error{d.fail(-1, kind, "", fmt.Errorf("wrong apiVersion %q for kind %s: want %q", apiVersion, kind, wantVersion))}
	}
	var problems []string
	if o.Strict {
		for _, p := range dups {
			problems = append(problems, fmt.Sprintf("duplicate field %q", p))
		}
		for _, k := range sortedKeys(m) {
			if k != "apiVersion" && k != "kind" && k != "metadata" && k != "items" {
				problems = append(problems, fmt.Sprintf("unknown field %q", k))
			}
		}
	}
	list, ok := items.([]any)
	if !ok && items != nil {
		problems = append(problems, "items: expected array, got "+describeJSON(items))
	}
	if len(problems) > 0 {
		return nil, []error{d.fail(-1, kind, "", errors.New(strings.Join(problems, ", ")))}
	}
	var objs []Object
	var errs []error
	for i, it := range list {
		im, ok := it.(map[string]any)
		if !ok {
			errs = append(errs, d.fail(i, "", "", fmt.Errorf("expected an object, got %s", describeJSON(it))))
			continue
		}
		if itemKind != "" {
			if _, has := im["kind"]; !has {
				im["kind"] = itemKind
			}
			if _, has := im["apiVersion"]; !has {
				im["apiVersion"] = wantVersion
			}
		}
		k, v, err := typeOf(im)
		if err == nil && itemKind != "" && k != itemKind {
			err = fmt.Errorf("a %s may hold only %s objects, not %s", kind, itemKind, k)
		}
		if err == nil && isListKind(k) {
			err = fmt.Errorf("nested lists are not supported")
		}
		if err != nil {
			errs = append(errs, d.fail(i, "", objectName(im), err))
			continue
		}
		obj, err := o.decodeObject(im, k, v, nil)
		if err != nil {
			errs = append(errs, d.fail(i, k, objectName(im), err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errs
}

// typeOf returns an object's kind and apiVersion, checked against the
// registry (lists excepted: their items are checked in turn).
func typeOf(m map[string]any) (kind, apiVersion string, err error) {
	kv, ok := m["kind"]
	if !ok || kv == "" {
		return "", "", errors.New(`missing "kind"`)
	}
	if kind, ok = kv.(string); !ok {
		return "", "", fmt.Errorf(`"kind" must be a string, got %s`, describeJSON(kv))
	}
	av, ok := m["apiVersion"]
	if ok {
		if apiVersion, ok = av.(string); !ok {
			return "", "", fmt.Errorf(`"apiVersion" must be a string, got %s`, describeJSON(av))
		}
	}
	if isListKind(kind) {
		return kind, apiVersion, nil
	}
	info, known := LookupKind(kind)
	if !known {
		return "", "", fmt.Errorf("unknown kind %q (apiVersion %q): known kinds are %s", kind, apiVersion, knownKinds())
	}
	if apiVersion == "" {
		return "", "", fmt.Errorf(`missing "apiVersion" (kind %s is %q)`, kind, info.APIVersion())
	}
	if apiVersion != info.APIVersion() {
		return "", "", fmt.Errorf("wrong apiVersion %q for kind %s: want %q", apiVersion, kind, info.APIVersion())
	}
	return kind, apiVersion, nil
}

func knownKinds() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Kind)
	}
	return strings.Join(names, ", ")
}

// objectName returns metadata.name of a generic object, or "".
func objectName(m map[string]any) string {
	if md, ok := m["metadata"].(map[string]any); ok {
		if n, ok := md["name"].(string); ok {
			return n
		}
	}
	return ""
}

// decodeObject checks m against its kind's Go type, then decodes it.
func (o DecodeOptions) decodeObject(m map[string]any, kind, apiVersion string, dups []string) (Object, error) {
	info, _ := LookupKind(kind)
	obj := info.New()
	c := &schemaChecker{strict: o.Strict}
	if o.Strict {
		for _, p := range dups {
			c.problems = append(c.problems, fmt.Sprintf("duplicate field %q", p))
		}
	}
	clean := c.check(m, typeOfObject(obj), nil)
	if len(c.problems) > 0 {
		return nil, errors.New(strings.Join(c.problems, ", "))
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if o.Strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(obj); err != nil {
		return nil, err
	}
	*obj.GetTypeMeta() = TypeMeta{APIVersion: apiVersion, Kind: kind}
	return obj, nil
}

// Encode returns obj as JSON, with apiVersion and kind set from its Go type
// (obj is not changed). The output is deterministic: fields in declaration
// order, map keys sorted.
func Encode(obj Object) ([]byte, error) {
	if obj == nil {
		return nil, errors.New("encode: nil object")
	}
	v, err := withTypeMeta(obj)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// EncodeYAML returns obj as YAML (keys sorted), as kubectl prints it. In
// the rare case that the YAML emitter would change a string (it mangles
// some Unicode line separators), it returns indented JSON, which is YAML
// too.
func EncodeYAML(obj Object) ([]byte, error) {
	js, err := Encode(obj)
	if err != nil {
		return nil, err
	}
	if y, err := yaml.JSONToYAML(js); err == nil && yamlMeans(y, js) {
		return y, nil
	}
	var b bytes.Buffer
	if err := json.Indent(&b, js, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// yamlMeans reports whether YAML y reads back as the JSON js.
func yamlMeans(y, js []byte) bool {
	back, err := yaml.YAMLToJSON(y)
	if err != nil {
		return false
	}
	a, _, err1 := parseJSON(back)
	b, _, err2 := parseJSON(js)
	return err1 == nil && err2 == nil && reflect.DeepEqual(a, b)
}
