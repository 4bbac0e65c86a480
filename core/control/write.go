package control

import (
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// Op is what a Write does.
type Op uint8

// The operations, as the API layer (core/registry) offers them.
const (
	// OpCreate creates Object (a POST).
	OpCreate Op = iota + 1
	// OpUpdate replaces Object's metadata and spec (a PUT); the status is
	// the server's. Object's resourceVersion is the expected one.
	OpUpdate
	// OpUpdateStatus replaces Object's status (a PUT to /status); the rest
	// is the server's. Object's resourceVersion is the expected one.
	OpUpdateStatus
	// OpDelete deletes the object named by the write (a DELETE), with
	// Preconditions, Propagation and GracePeriodSeconds.
	OpDelete
	// OpBind binds the pod named by the write to Node (a POST to
	// pods/binding); Preconditions.UID is the pod's uid.
	OpBind
)

// String returns the operation's name as Describe prints it.
func (o Op) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpUpdateStatus:
		return "update-status"
	case OpDelete:
		return "delete"
	case OpBind:
		return "bind"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Deletion propagation policies (DeleteOptions.propagationPolicy).
const (
	PropagationBackground = "Background"
	PropagationForeground = "Foreground"
	PropagationOrphan     = "Orphan"
)

// Write is one request the machine asks its caller to perform through the
// API layer. It is plain data: the caller may log it, serialise it, replay
// it. The caller executes it and feeds the resulting store events back
// through Step; if it fails, the caller reports that through Failed.
//
// Object is shared with the machine's mirror (a created pod's spec is its
// template's, an updated object shares every field it does not change with
// the version it was derived from): the caller must not modify it, and must
// copy it before changing it, as core/registry and core/store do. The
// Object of an OpCreate or an OpUpdateStatus itself is handed over: the
// machine keeps no reference to its struct (each write gets a struct of
// its own), so the caller may keep it as the stored object
// (registry.CreateShared, registry.UpdateStatusShared), copying only what
// it references before changing that; nor does the machine ever modify
// what the struct references.
type Write struct {
	Op Op
	// Key is the store key of the object written; Kind, Resource,
	// Namespace and Name are read from it.
	Key string
	// Object is the object to create (OpCreate) or its new version
	// (OpUpdate, OpUpdateStatus: its resourceVersion is the expected
	// one, a compare-and-swap). nil for OpDelete and OpBind.
	Object api.Object
	// Preconditions of an OpDelete (uid and resourceVersion when set), and
	// the pod's uid for an OpBind.
	Preconditions store.Preconditions
	// Propagation is an OpDelete's propagationPolicy: Background,
	// Foreground, Orphan, or "" for the server's default.
	Propagation string
	// GracePeriodSeconds of an OpDelete: nil for the object's own; 0
	// removes a pod at once.
	GracePeriodSeconds *int64
	// Node is the target of an OpBind.
	Node string
	// Controller is the controller that asked for the write, and For the
	// store key of the object it was reconciling: a failed write requeues
	// For in Controller's queue.
	Controller string
	For        string
	// Reason says in a few words why, for logs and golden tests.
	Reason string
}

// Resource returns the plural resource name of the object written
// ("pods"), from Key.
func (w Write) Resource() string {
	r, _, _ := splitKey(w.Key)
	return r
}

// Namespace returns the namespace of the object written, from Key: empty
// for a cluster-scoped kind.
func (w Write) Namespace() string {
	_, ns, _ := splitKey(w.Key)
	return ns
}

// Name returns the name of the object written, from Key.
func (w Write) Name() string {
	_, _, name := splitKey(w.Key)
	return name
}

// Kind returns the kind of the object written ("Pod"), from Key's
// resource; empty if the resource is not a known kind's.
func (w Write) Kind() string {
	if info, ok := api.LookupResource(w.Resource()); ok {
		return info.Kind
	}
	return ""
}

// splitKey splits a store key made by api.KeyFor ("/registry/pods/ns/name",
// "/registry/nodes/name") into its parts; a name holds no slash.
func splitKey(key string) (resource, namespace, name string) {
	rest, _ := strings.CutPrefix(key, api.KeyPrefix)
	resource, rest, _ = strings.Cut(rest, "/")
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		return resource, rest[:i], rest[i+1:]
	}
	return resource, "", rest
}

// Describe returns a stable one-line description of the write, such as
// "update ReplicaSet default/web-5d8f rv=12: scale 1->3 [deployment]".
func (w Write) Describe() string {
	var b strings.Builder
	b.WriteString(w.Op.String())
	b.WriteByte(' ')
	_, ns, name := splitKey(w.Key)
	b.WriteString(w.Kind())
	b.WriteByte(' ')
	if ns != "" {
		b.WriteString(ns)
		b.WriteByte('/')
	}
	b.WriteString(name)
	switch w.Op {
	case OpUpdate, OpUpdateStatus:
		b.WriteString(" rv=")
		b.WriteString(w.Object.GetObjectMeta().ResourceVersion)
	case OpDelete:
		if w.Propagation != "" {
			b.WriteString(" propagation=")
			b.WriteString(w.Propagation)
		}
		if w.GracePeriodSeconds != nil {
			b.WriteString(" grace=")
			b.WriteString(strconv.FormatInt(*w.GracePeriodSeconds, 10))
		}
	case OpBind:
		b.WriteString(" -> ")
		b.WriteString(w.Node)
	}
	if w.Reason != "" {
		b.WriteString(": ")
		b.WriteString(w.Reason)
	}
	b.WriteString(" [")
	b.WriteString(w.Controller)
	b.WriteByte(']')
	return b.String()
}

// WriteFailed reports that a Write failed. Reason is the API's status
// reason (api.ReasonForError of the error): Conflict, NotFound,
// AlreadyExists, Invalid, Forbidden, ...
type WriteFailed struct {
	Write   Write
	Reason  api.StatusReason
	Message string
}

// Describe returns a stable one-line description of the failure.
func (f WriteFailed) Describe() string {
	return "failed (" + string(f.Reason) + ") " + f.Write.Describe()
}

// newWrite makes a write of op about obj, at key.
func newWrite(op Op, key string, obj api.Object, ctl, forKey, reason string) Write {
	w := Write{Op: op, Key: key, Controller: ctl, For: forKey, Reason: reason}
	if op == OpCreate || op == OpUpdate || op == OpUpdateStatus {
		w.Object = obj
	}
	return w
}
