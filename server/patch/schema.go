package patch

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/capstan-dev/capstan/core/api"
)

// Strategy says how a strategic merge patch treats one field: what
// Kubernetes writes in its types as the patchStrategy and patchMergeKey
// struct tags. The zero Strategy is the default: objects and maps merge
// member by member, lists are replaced whole.
type Strategy struct {
	// Merge makes a list merge with the patch's list instead of being
	// replaced by it: by MergeKey for a list of objects, as a set for a
	// list of strings or numbers.
	Merge bool
	// MergeKey is the member that identifies an element of a list of
	// objects ("name" for containers); empty for a list of primitives.
	MergeKey string
	// RetainKeys marks an object (or the objects of a list) whose patches
	// kubectl apply sends with a $retainKeys list, so that setting one
	// member of a union (a Deployment's strategy, a volume's source) clears
	// the others. The server honours $retainKeys wherever it appears.
	RetainKeys bool
}

// String describes s as Kubernetes' struct tags would:
// `merge, key "name", retainKeys`.
func (s Strategy) String() string {
	var parts []string
	if s.Merge {
		parts = append(parts, "merge")
	} else {
		parts = append(parts, "replace")
	}
	if s.MergeKey != "" {
		parts = append(parts, "key "+`"`+s.MergeKey+`"`)
	}
	if s.RetainKeys {
		parts = append(parts, "retainKeys")
	}
	return strings.Join(parts, ", ")
}

// Rule is one row of the merge-key table: the Strategy of one field of one
// of core/api's Go types.
type Rule struct {
	Type  reflect.Type // a struct type of core/api, e.g. api.PodSpec
	Field string       // the field's JSON name, e.g. "containers"
	Strategy
}

// rules is the merge-key table: every field of capstan's kinds whose
// strategy is not the default, with Kubernetes' patchStrategy and
// patchMergeKey for the same field of k8s.io/api. Lists absent here
// (tolerations, taints, args, envFrom, accessModes, ...) are replaced whole,
// as in Kubernetes.
var rules = []Rule{
	{reflect.TypeFor[api.ObjectMeta](), "finalizers", Strategy{Merge: true}},
	{reflect.TypeFor[api.ObjectMeta](), "ownerReferences", Strategy{Merge: true, MergeKey: "uid"}},

	{reflect.TypeFor[api.PodSpec](), "initContainers", Strategy{Merge: true, MergeKey: "name"}},
	{reflect.TypeFor[api.PodSpec](), "containers", Strategy{Merge: true, MergeKey: "name"}},
	{reflect.TypeFor[api.PodSpec](), "volumes", Strategy{Merge: true, MergeKey: "name", RetainKeys: true}},
	{reflect.TypeFor[api.PodSpec](), "topologySpreadConstraints", Strategy{Merge: true, MergeKey: "topologyKey"}},
	{reflect.TypeFor[api.Container](), "ports", Strategy{Merge: true, MergeKey: "containerPort"}},
	{reflect.TypeFor[api.Container](), "env", Strategy{Merge: true, MergeKey: "name"}},
	{reflect.TypeFor[api.Container](), "volumeMounts", Strategy{Merge: true, MergeKey: "mountPath"}},
	{reflect.TypeFor[api.PodStatus](), "conditions", Strategy{Merge: true, MergeKey: "type"}},
	{reflect.TypeFor[api.PodStatus](), "podIPs", Strategy{Merge: true, MergeKey: "ip"}},

	{reflect.TypeFor[api.DeploymentSpec](), "strategy", Strategy{RetainKeys: true}},
	{reflect.TypeFor[api.DeploymentStatus](), "conditions", Strategy{Merge: true, MergeKey: "type"}},
	{reflect.TypeFor[api.ReplicaSetStatus](), "conditions", Strategy{Merge: true, MergeKey: "type"}},

	{reflect.TypeFor[api.ServiceSpec](), "ports", Strategy{Merge: true, MergeKey: "port"}},

	{reflect.TypeFor[api.NodeSpec](), "podCIDRs", Strategy{Merge: true}},
	{reflect.TypeFor[api.NodeStatus](), "conditions", Strategy{Merge: true, MergeKey: "type"}},
	{reflect.TypeFor[api.NodeStatus](), "addresses", Strategy{Merge: true, MergeKey: "type"}},

	{reflect.TypeFor[api.ServiceAccount](), "secrets", Strategy{Merge: true, MergeKey: "name"}},
}

// Rules returns the merge-key table, sorted by type and field: for
// documentation, and for code (such as a three-way patch for apply) that
// must treat lists as the server does. Walk a kind with SchemaFor instead
// of searching this list.
func Rules() []Rule {
	out := append([]Rule(nil), rules...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type.Name() != out[j].Type.Name() {
			return out[i].Type.Name() < out[j].Type.Name()
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// ruleIndex finds a rule by struct type and JSON field name.
var ruleIndex = func() map[reflect.Type]map[string]Strategy {
	m := map[reflect.Type]map[string]Strategy{}
	for _, r := range rules {
		if m[r.Type] == nil {
			m[r.Type] = map[string]Strategy{}
		}
		m[r.Type][r.Field] = r.Strategy
	}
	return m
}()

// SchemaShape is what a Schema describes.
type SchemaShape int

// Schema shapes.
const (
	// Unknown: a field the Go types do not have. Patches treat it
	// generically: objects merge, lists are replaced.
	Unknown SchemaShape = iota
	Object              // a struct: fixed members
	Map                 // a map: any keys, values of one schema
	List                // a slice
	Leaf                // a string, number, boolean, or a type with its own JSON form (Quantity, Time, IntOrString, bytes)
)

// Schema is a position in the Go type of a kind: what strategic merge
// patch needs to know of a value. The zero Schema is Unknown.
type Schema struct {
	t reflect.Type // nil for Unknown; never a pointer
}

// SchemaFor returns the schema of a kind ("Deployment"), or false if
// core/api has no such kind.
func SchemaFor(kind string) (Schema, bool) {
	info, ok := api.LookupKind(kind)
	if !ok {
		return Schema{}, false
	}
	return schemaOf(reflect.TypeOf(info.New())), true
}

func schemaOf(t reflect.Type) Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return Schema{t: t}
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// Shape says what s describes.
func (s Schema) Shape() SchemaShape {
	if s.t == nil {
		return Unknown
	}
	pt := reflect.PointerTo(s.t)
	if s.t.Implements(jsonMarshaler) || pt.Implements(jsonMarshaler) || s.t.Implements(textMarshaler) || pt.Implements(textMarshaler) {
		return Leaf
	}
	switch s.t.Kind() {
	case reflect.Struct:
		return Object
	case reflect.Map:
		return Map
	case reflect.Slice:
		if s.t.Elem().Kind() == reflect.Uint8 {
			return Leaf // []byte: a base64 string
		}
		return List
	case reflect.Interface:
		return Unknown
	}
	return Leaf
}

// Type returns the Go type s describes, or nil when Unknown.
func (s Schema) Type() reflect.Type { return s.t }

// Field returns the schema and strategy of an object's member by its JSON
// name, looking through inline (embedded) structs; false, with an Unknown
// schema, if s is not an Object or has no such member.
func (s Schema) Field(name string) (Schema, Strategy, bool) {
	if s.Shape() != Object {
		return Schema{}, Strategy{}, false
	}
	f, ok := fieldsOf(s.t)[name]
	if !ok {
		return Schema{}, Strategy{}, false
	}
	return f.schema, f.strategy, true
}

// Elem returns the schema of a List's elements or a Map's values; Unknown
// for any other shape.
func (s Schema) Elem() Schema {
	switch s.Shape() {
	case List, Map:
		return schemaOf(s.t.Elem())
	}
	return Schema{}
}

type fieldInfo struct {
	schema   Schema
	strategy Strategy
}

// fieldCache holds fieldsOf's answers by struct type.
var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

// fieldsOf returns the JSON members of a struct type, inline structs'
// members included.
func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	addFields(m, t)
	fieldCache.Store(t, m)
	return m
}

func addFields(m map[string]fieldInfo, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name == "" && (f.Anonymous || strings.Contains(","+opts+",", ",inline,")) && ft.Kind() == reflect.Struct {
			addFields(m, ft)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = fieldInfo{schema: schemaOf(f.Type), strategy: ruleIndex[t][name]}
	}
}
