package model

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Violation is one breach of an invariant, with stable text.
type Violation struct {
	// Invariant is the name of the function that found it, e.g.
	// "NoOvercommit".
	Invariant string
	// Object names what is wrong, e.g. "Node n1" or "Pod default/web-1".
	Object string
	// Message says how, with the numbers involved.
	Message string
}

// String returns "Invariant: Object: Message".
func (v Violation) String() string { return v.Invariant + ": " + v.Object + ": " + v.Message }

// Describe returns the violations one per line, in their order; "" for
// none.
func Describe(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// sortViolations orders violations by object, then message, then
// invariant, so that results are stable whatever the input order.
func sortViolations(vs []Violation) []Violation {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if c := strings.Compare(a.Object, b.Object); c != 0 {
			return c
		}
		if c := strings.Compare(a.Message, b.Message); c != 0 {
			return c
		}
		return strings.Compare(a.Invariant, b.Invariant)
	})
	return vs
}

// Snapshot is the cluster's objects at one revision, by kind, each list
// sorted by namespace then name. Kinds the invariants do not read are
// dropped. A Snapshot is read-only: the invariants never modify it.
type Snapshot struct {
	Nodes       []*api.Node
	Pods        []*api.Pod
	ReplicaSets []*api.ReplicaSet
	Deployments []*api.Deployment
	Services    []*api.Service
	Endpoints   []*api.Endpoints
	PVs         []*api.PersistentVolume
	PVCs        []*api.PersistentVolumeClaim
	// Now is the time of the snapshot, when known. Only availability
	// reads it (a pod is available once Ready for minReadySeconds); when
	// it is zero, minReadySeconds is taken as satisfied.
	Now api.Time
}

// NewSnapshot sorts objects into a Snapshot. Nil objects and kinds the
// invariants do not read are ignored.
func NewSnapshot(objs ...api.Object) *Snapshot {
	s := &Snapshot{}
	for _, o := range objs {
		switch o := o.(type) {
		case *api.Node:
			if o != nil {
				s.Nodes = append(s.Nodes, o)
			}
		case *api.Pod:
			if o != nil {
				s.Pods = append(s.Pods, o)
			}
		case *api.ReplicaSet:
			if o != nil {
				s.ReplicaSets = append(s.ReplicaSets, o)
			}
		case *api.Deployment:
			if o != nil {
				s.Deployments = append(s.Deployments, o)
			}
		case *api.Service:
			if o != nil {
				s.Services = append(s.Services, o)
			}
		case *api.Endpoints:
			if o != nil {
				s.Endpoints = append(s.Endpoints, o)
			}
		case *api.PersistentVolume:
			if o != nil {
				s.PVs = append(s.PVs, o)
			}
		case *api.PersistentVolumeClaim:
			if o != nil {
				s.PVCs = append(s.PVCs, o)
			}
		}
	}
	sortByName(s.Nodes)
	sortByName(s.Pods)
	sortByName(s.ReplicaSets)
	sortByName(s.Deployments)
	sortByName(s.Services)
	sortByName(s.Endpoints)
	sortByName(s.PVs)
	sortByName(s.PVCs)
	return s
}

// Objects returns every object of the snapshot.
func (s *Snapshot) Objects() []api.Object {
	var out []api.Object
	for _, o := range s.Nodes {
		out = append(out, o)
	}
	for _, o := range s.Pods {
		out = append(out, o)
	}
	for _, o := range s.ReplicaSets {
		out = append(out, o)
	}
	for _, o := range s.Deployments {
		out = append(out, o)
	}
	for _, o := range s.Services {
		out = append(out, o)
	}
	for _, o := range s.Endpoints {
		out = append(out, o)
	}
	for _, o := range s.PVs {
		out = append(out, o)
	}
	for _, o := range s.PVCs {
		out = append(out, o)
	}
	return out
}

func sortByName[T api.Object](xs []T) {
	slices.SortStableFunc(xs, func(a, b T) int {
		ma, mb := a.GetObjectMeta(), b.GetObjectMeta()
		if c := strings.Compare(ma.Namespace, mb.Namespace); c != 0 {
			return c
		}
		return strings.Compare(ma.Name, mb.Name)
	})
}

// node returns the named node, or nil.
func (s *Snapshot) node(name string) *api.Node {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Write types: the store's watch event types.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
)

// Write is one successful write to the store, as a watch event reports it.
type Write struct {
	// Revision is the store revision of the write.
	Revision int64
	// Type is Added, Modified or Deleted.
	Type string
	// Key is the store key. When empty it is derived from Object.
	Key string
	// Object is the state after the write; for Deleted, the last state
	// with resourceVersion set to the deletion revision. May be nil in odd
	// logs; the invariants then skip the entry or report it.
	Object api.Object
}

// KeyOf returns w.Key, or the key of w.Object when Key is empty ("" if
// neither says).
func (w Write) KeyOf() string {
	if w.Key != "" {
		return w.Key
	}
	if w.object() == nil {
		return ""
	}
	k, err := api.KeyOf(w.Object)
	if err != nil {
		return ""
	}
	return k
}

// object returns w.Object, or nil when it is nil or a typed nil pointer
// (a nil *api.Pod in an api.Object).
func (w Write) object() api.Object {
	if w.Object == nil {
		return nil
	}
	if v := reflect.ValueOf(w.Object); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return w.Object
}

// Describe returns "TYPE key rev=N", as store.Event.Describe does.
func (w Write) Describe() string {
	return w.Type + " " + w.KeyOf() + " rev=" + itoa(w.Revision)
}

// History is a write log: every successful write, in the order the store
// made them (increasing revision).
type History []Write

// At returns the snapshot after every write with revision <= rev (all of
// them when rev is 0): the objects each key held last. Objects are shared
// with the history, not copied.
func (h History) At(rev int64) *Snapshot {
	state := map[string]api.Object{}
	var keys []string
	for _, w := range h {
		if rev != 0 && w.Revision > rev {
			break
		}
		k := w.KeyOf()
		if k == "" {
			continue
		}
		if _, ok := state[k]; !ok {
			keys = append(keys, k)
		}
		if w.Type == Deleted {
			state[k] = nil
		} else {
			state[k] = w.object()
		}
	}
	objs := make([]api.Object, 0, len(keys))
	for _, k := range keys {
		if o := state[k]; o != nil {
			objs = append(objs, o)
		}
	}
	return NewSnapshot(objs...)
}

// describeObject names an object for a Violation: "Kind ns/name" or
// "Kind name".
func describeObject(kind string, m *api.ObjectMeta) string {
	if m.Namespace == "" {
		return kind + " " + m.Name
	}
	return kind + " " + m.Namespace + "/" + m.Name
}

func podName(p *api.Pod) string { return describeObject("Pod", &p.ObjectMeta) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
