package api

import (
	"fmt"
	"reflect"
	"sort"
)

// KindInfo describes one kind: where it lives in the API and how it is
// stored.
type KindInfo struct {
	Group    string // "" for the core group
	Version  string // "v1"
	Kind     string // "Pod"
	Resource string // plural, lower case: "pods"
	// Namespaced is false for cluster-scoped kinds.
	Namespaced bool
	// New returns a new empty object of the kind, with TypeMeta set.
	New func() Object
}

// APIVersion returns "group/version", or "version" for the core group.
func (k KindInfo) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

var kinds = map[string]*KindInfo{}

func register(group, version, kind, resource string, namespaced bool, newFn func() Object) {
	info := &KindInfo{Group: group, Version: version, Kind: kind, Resource: resource, Namespaced: namespaced}
	info.New = func() Object {
		o := newFn()
		*o.GetTypeMeta() = TypeMeta{APIVersion: info.APIVersion(), Kind: kind}
		return o
	}
	kinds[kind] = info
	notePlain(reflect.TypeOf(newFn()).Elem())
}

// LookupKind returns the KindInfo for a kind name such as "Deployment".
func LookupKind(kind string) (*KindInfo, bool) {
	k, ok := kinds[kind]
	return k, ok
}

// LookupResource returns the KindInfo for a plural resource name such as
// "deployments".
func LookupResource(resource string) (*KindInfo, bool) {
	for _, k := range kinds {
		if k.Resource == resource {
			return k, true
		}
	}
	return nil, false
}

// Kinds returns every registered kind, sorted by kind name.
func Kinds() []*KindInfo {
	out := make([]*KindInfo, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// KeyPrefix is the root under which every object is stored.
const KeyPrefix = "/registry/"

// KeyFor returns the store key of an object: "/registry/pods/ns/name" for a
// namespaced resource, "/registry/nodes/name" for a cluster-scoped one.
// With an empty name it returns the prefix that lists the resource in that
// namespace (or in every namespace when namespace is empty too).
func KeyFor(resource, namespace, name string) string {
	// One concatenation each: one allocation.
	if namespace != "" {
		return KeyPrefix + resource + "/" + namespace + "/" + name
	}
	return KeyPrefix + resource + "/" + name
}

// KeyOf returns the store key of obj, from its kind, namespace and name.
func KeyOf(obj Object) (string, error) {
	resource, namespace, name, err := keyParts(obj)
	if err != nil {
		return "", err
	}
	return KeyFor(resource, namespace, name), nil
}

// AppendKeyOf appends KeyOf(obj) to dst: a caller that only looks the
// key up (a map index with string(key) does not allocate) can build it
// in a buffer of its own.
func AppendKeyOf(dst []byte, obj Object) ([]byte, error) {
	resource, namespace, name, err := keyParts(obj)
	if err != nil {
		return dst, err
	}
	dst = append(dst, KeyPrefix...)
	dst = append(dst, resource...)
	dst = append(dst, '/')
	if namespace != "" {
		dst = append(dst, namespace...)
		dst = append(dst, '/')
	}
	return append(dst, name...), nil
}

// keyParts returns what obj's key is made of, checking that its kind is
// known and its namespace fits the kind's scope.
func keyParts(obj Object) (resource, namespace, name string, err error) {
	tm, m := obj.GetTypeMeta(), obj.GetObjectMeta()
	info, ok := kinds[tm.Kind]
	if !ok {
		return "", "", "", fmt.Errorf("unknown kind %q", tm.Kind)
	}
	if m.Name == "" {
		return "", "", "", fmt.Errorf("%s has no name", tm.Kind)
	}
	if info.Namespaced && m.Namespace == "" {
		return "", "", "", fmt.Errorf("%s %q has no namespace", tm.Kind, m.Name)
	}
	if !info.Namespaced && m.Namespace != "" {
		return "", "", "", fmt.Errorf("%s %q is cluster-scoped but has namespace %q", tm.Kind, m.Name, m.Namespace)
	}
	return info.Resource, m.Namespace, m.Name, nil
}
