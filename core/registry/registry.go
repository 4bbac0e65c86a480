package registry

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// Config configures a Registry.
type Config struct {
	// Seed seeds the generator of UIDs and generated names.
	Seed uint64
	// DefaultTolerationSeconds is how long pods tolerate the not-ready and
	// unreachable NoExecute taints unless they say otherwise (Kubernetes'
	// DefaultTolerationSeconds admission plugin). 0 means 300; negative
	// disables the admission.
	DefaultTolerationSeconds int64
	// IDs, if set, draws UIDs and generated-name suffixes instead of the
	// generator seeded with Seed, and makes the Registry safe for
	// concurrent use (when IDs and the store are): it then keeps no state
	// between calls. The API server sets it; the simulator leaves it nil
	// for deterministic runs.
	IDs IDSource
}

// IDSource draws the random parts of new objects.
type IDSource interface {
	// UID returns a new version-4 UUID, in its canonical text form.
	UID() string
	// NameSuffix returns n characters of NameAlphabet, the suffix of a
	// generated name (metadata.generateName).
	NameSuffix(n int) string
}

// Registry applies API semantics to writes and performs them on a store.
//
// With Config.IDs nil it is not safe for concurrent use: one goroutine
// owns it, as it owns the store it wraps, and it draws from its seeded
// generator. With Config.IDs set it keeps no mutable state, and many
// goroutines may call it at once (store I/O is not serialized).
type Registry struct {
	st  store.Store
	cfg Config
	ids IDSource
	// defaultTolerations is the admission's tolerations of a pod that has
	// none: one slice shared by every such pod (stored objects are never
	// modified). Built by New; only read afterwards.
	defaultTolerations []api.Toleration
	// look is st as a store.Looker, nil if it is not one: reads by
	// resource, namespace and name then need no key string.
	look store.Looker
	// cache holds what the registry reuses from one call to the next to
	// save allocations. nil when the registry is shared (Config.IDs
	// set): then it has no mutable state.
	cache *cache
}

// cache is a Registry's reusable values (see Registry.cache).
type cache struct {
	// ns and nsKey are the namespace admitNamespace last looked up and
	// its store key (creates come in runs into one namespace).
	ns, nsKey string
	// scheduled is the conditions of a pod bound at scheduledAt that had
	// none: one list shared by every pod bound at that instant (stored
	// objects are never modified). Its capacity is its length, so an
	// append copies it.
	scheduled   []api.PodCondition
	scheduledAt api.Time
}

// New returns a Registry writing to st.
func New(st store.Store, cfg Config) *Registry {
	if cfg.DefaultTolerationSeconds == 0 {
		cfg.DefaultTolerationSeconds = 300
	}
	r := &Registry{st: st, cfg: cfg, ids: cfg.IDs}
	r.look, _ = st.(store.Looker)
	if r.ids == nil {
		r.ids = &splitmix{s: cfg.Seed}
		r.cache = &cache{}
	}
	if cfg.DefaultTolerationSeconds > 0 {
		r.defaultTolerations = r.tolerations(nil, []string{api.TaintNodeNotReady, api.TaintNodeUnreachable})
	}
	return r
}

// Store returns the store the registry writes to, for reads and watches.
func (r *Registry) Store() store.Store { return r.st }

// kindTypes maps each registered kind to its Go type (a pointer to the
// kind's struct). Built once; only read afterwards.
var kindTypes = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, k := range api.Kinds() {
		m[k.Kind] = reflect.TypeOf(k.New())
	}
	return m
}()

// kindOf returns the registered kind of obj, or a BadRequest error.
func kindOf(obj api.Object) (*api.KindInfo, error) {
	if obj == nil || reflect.ValueOf(obj).IsNil() {
		return nil, api.NewBadRequest("no object given")
	}
	tm := obj.GetTypeMeta()
	info, ok := api.LookupKind(tm.Kind)
	if !ok {
		return nil, api.NewBadRequest(fmt.Sprintf("unknown kind %q", tm.Kind))
	}
	if tm.APIVersion != info.APIVersion() {
		return nil, api.NewBadRequest(fmt.Sprintf("%s is served at apiVersion %q, not %q", tm.Kind, info.APIVersion(), tm.APIVersion))
	}
	if want, ok := kindTypes[tm.Kind]; !ok || reflect.TypeOf(obj) != want {
		return nil, api.NewBadRequest(fmt.Sprintf("object of type %T has kind %q", obj, tm.Kind))
	}
	return info, nil
}

// Get returns the object of the given resource, namespace and name.
func (r *Registry) Get(resource, namespace, name string) (api.Object, error) {
	o, err := r.get(resource, namespace, name)
	return o, StatusError(err, resource, name)
}

// get returns the latest object of resource, namespace and name, as
// st.Get(api.KeyFor(resource, namespace, name)) does. A store.Looker is
// asked by those parts: the key string is built only if it finds nothing
// (for Get's error) or the name is one Lookup does not take.
func (r *Registry) get(resource, namespace, name string) (api.Object, error) {
	if r.look != nil && name != "" && name[len(name)-1] != '/' {
		if o := r.look.Lookup(resource, namespace, name); o != nil {
			return o, nil
		}
	}
	return r.st.Get(api.KeyFor(resource, namespace, name))
}

// Create stores a new object, as a POST does: defaulting, a generated name
// if asked (generateName), validation, the namespace must exist and not be
// terminating, then uid, creationTimestamp and generation are set and the
// status is reset to what a new object has.
func (r *Registry) Create(obj api.Object, now api.Time) (api.Object, error) {
	info, err := kindOf(obj)
	if err != nil {
		return nil, err
	}
	return r.create(info, "", api.CopyObject(obj), now, false)
}

// CreateShared is Create for a caller that gives obj up: obj itself
// (its top-level struct) becomes the stored object, and the memory it
// references (slices, maps, pointed-to values) is kept as it is, shared
// with whatever else references it, such as the ReplicaSet whose template
// a pod was made from. The registry writes only into obj's own struct and
// copies any referenced value it changes (defaulting, admission) first.
// The caller must not use obj afterwards, nor modify anything it
// references, ever: stored objects are immutable.
//
// Pods and ReplicaSets (whose template a Deployment's shares) take this
// path; other kinds are copied as by Create. key is
// obj's store key (api.KeyOf(obj)) when the caller holds it as a string,
// for a store.KeyedCreator to keep; empty if not.
func (r *Registry) CreateShared(key string, obj api.Object, now api.Time) (api.Object, error) {
	info, err := kindOf(obj)
	if err != nil {
		return nil, err
	}
	switch obj.(type) {
	case *api.Pod, *api.ReplicaSet:
		return r.create(info, key, obj, now, true)
	}
	return r.create(info, key, api.CopyObject(obj), now, false)
}

// create creates obj, which the registry owns: its struct, and, unless
// shared, everything it references. key is obj's key if the caller has
// it, or empty.
func (r *Registry) create(info *api.KindInfo, key string, obj api.Object, now api.Time, shared bool) (api.Object, error) {
	m := obj.GetObjectMeta()
	if m.ResourceVersion != "" {
		return nil, api.NewBadRequest("resourceVersion should not be set on objects to be created")
	}
	if info.Namespaced && m.Namespace == "" {
		m.Namespace = api.NamespaceDefault
	}
	if !info.Namespaced {
		m.Namespace = ""
	}
	generated := m.Name == "" && m.GenerateName != ""
	switch o := obj.(type) {
	case *api.Pod:
		if shared {
			api.DefaultPodShared(o)
			break
		}
		api.Default(o)
	case *api.ReplicaSet:
		if shared {
			api.DefaultReplicaSetShared(o)
			break
		}
		api.Default(o)
	default:
		api.Default(obj)
	}
	r.prepareForCreate(obj, now)
	if info.Namespaced {
		if err := r.admitNamespace(m.Namespace); err != nil {
			return nil, err
		}
	}
	// A generated name that collides is drawn again, a few times, as the
	// Kubernetes API server does.
	for attempt := 0; ; attempt++ {
		if generated {
			m.Name = m.GenerateName + r.ids.NameSuffix(5)
		}
		if errs := api.Validate(obj); len(errs) > 0 {
			return nil, api.NewInvalid(info.Kind, m.Name, errs)
		}
		m.UID = r.ids.UID()
		m.CreationTimestamp = now
		m.Generation = 1
		m.DeletionTimestamp, m.DeletionGracePeriodSeconds = nil, nil
		var (
			stored api.Object
			err    error
		)
		if kc, ok := r.st.(store.KeyedCreator); ok && key != "" && !generated {
			stored, err = kc.CreateKeyed(key, obj)
		} else {
			stored, err = r.st.Create(obj)
		}
		if err == nil {
			return stored, nil
		}
		if !generated || !store.IsAlreadyExists(err) || attempt == 7 {
			return nil, StatusError(err, info.Resource, m.Name)
		}
	}
}

// admitNamespace refuses writes into a namespace that does not exist or
// is being deleted.
func (r *Registry) admitNamespace(ns string) error {
	var o api.Object
	var err error
	if c := r.cache; c != nil && r.look == nil {
		if c.ns != ns || c.nsKey == "" {
			c.ns, c.nsKey = ns, api.KeyFor("namespaces", "", ns)
		}
		o, err = r.st.Get(c.nsKey)
	} else {
		o, err = r.get("namespaces", "", ns)
	}
	if store.IsNotFound(err) {
		return api.NewNotFound("namespaces", ns)
	}
	if err != nil {
		return StatusError(err, "namespaces", ns)
	}
	if o.GetObjectMeta().DeletionTimestamp != nil {
		return api.NewForbidden("namespaces", ns,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
	}
	return nil
}

// Update replaces an object's spec and metadata, as a PUT does. The status
// is kept from the stored object (it changes only through UpdateStatus),
// and so are the system fields (uid, creationTimestamp, deletion fields).
// A set resourceVersion is a precondition (Conflict if stale); an empty one
// updates whatever is stored. The generation grows when the spec changes.
// An update that leaves a terminating object without finalizers deletes it.
func (r *Registry) Update(obj api.Object, now api.Time) (api.Object, error) {
	return r.update(obj, now, specAndMeta)
}

// UpdateStatus replaces an object's status, as a PUT to /status does:
// everything else is kept from the stored object.
func (r *Registry) UpdateStatus(obj api.Object, now api.Time) (api.Object, error) {
	return r.update(obj, now, statusCopied)
}

// UpdateStatusShared is UpdateStatus for a caller that gives obj up: its
// struct becomes the stored version (its metadata and spec replaced by
// the stored ones) and its status memory is kept as it is, not copied.
// The caller must not use obj afterwards, whatever the outcome, nor ever
// modify anything its status references.
func (r *Registry) UpdateStatusShared(obj api.Object, now api.Time) (api.Object, error) {
	return r.update(obj, now, statusShared)
}

// What an update writes.
const (
	specAndMeta  = iota // a PUT
	statusCopied        // a PUT to /status
	statusShared        // a PUT to /status whose status the caller gave up
)

func (r *Registry) update(obj api.Object, now api.Time, what int) (api.Object, error) {
	return retryLost(func() (api.Object, error, bool) { return r.updateOnce(obj, now, what) })
}

// retryLost runs once until its write did not lose a compare-and-swap to a
// concurrent writer (see updateOnce), at most maxCASAttempts times, and
// returns the last attempt's result.
func retryLost(once func() (api.Object, error, bool)) (api.Object, error) {
	for attempt := 1; ; attempt++ {
		out, err, lost := once()
		if !lost || attempt == maxCASAttempts {
			return out, err
		}
	}
}

// maxCASAttempts bounds how often a write whose compare-and-swap lost to a
// concurrent writer is tried again from a fresh read (Kubernetes'
// GuaranteedUpdate retries without a bound; a bound keeps a pathological
// contention from holding a request forever).
const maxCASAttempts = 32

// updateOnce is one attempt of update: read, check the caller's
// preconditions against what was read, compare-and-swap. lost reports that
// the write lost to a concurrent one after the caller's preconditions
// held: the caller's request may still succeed against the new state (an
// unconditional update must not fail with a Conflict it did not ask for).
// With one writer at a time, as in core/sim, it never loses; a conflict
// core/sim injects leaves the object unchanged and is returned as it is.
func (r *Registry) updateOnce(obj api.Object, now api.Time, what int) (_ api.Object, _ error, lost bool) {
	info, err := kindOf(obj)
	if err != nil {
		return nil, err, false
	}
	m := obj.GetObjectMeta()
	namespace := m.Namespace
	if info.Namespaced && namespace == "" {
		namespace = api.NamespaceDefault
	}
	if m.Name == "" {
		return nil, api.NewBadRequest("name is required to update " + info.Kind), false
	}
	if !info.Namespaced {
		namespace = ""
	}
	cur, err := r.get(info.Resource, namespace, m.Name)
	if err != nil {
		return nil, StatusError(err, info.Resource, m.Name), false
	}
	cm := cur.GetObjectMeta()
	if m.ResourceVersion != "" && m.ResourceVersion != cm.ResourceVersion {
		return nil, conflict(info.Resource, m.Name), false
	}
	if m.UID != "" && m.UID != cm.UID {
		return nil, api.NewConflict(info.Resource, m.Name,
			fmt.Errorf("Precondition failed: UID in precondition: %s, UID in object meta: %s", m.UID, cm.UID)), false
	}
	var next api.Object
	if what != specAndMeta {
		// Only the status changes: the spec and metadata stored are kept
		// (and were validated when they were written).
		next = withStatus(cur, obj, what == statusShared)
		if next == nil {
			return nil, api.NewMethodNotSupported(info.Resource, "update status"), false
		}
	} else {
		next = api.CopyObject(obj)
		next.GetObjectMeta().Namespace = namespace
		keepSystemFields(next, cur)
		if hasField(cur, "Status") {
			setField(next, cur, "Status")
		}
		api.Default(next)
		if changed(next, cur, "Spec") {
			next.GetObjectMeta().Generation = cm.Generation + 1
		}
		if errs := api.ValidateUpdate(next, cur); len(errs) > 0 {
			return nil, api.NewInvalid(info.Kind, m.Name, errs), false
		}
	}
	// The write is a compare-and-swap against what was read, so a
	// concurrent writer cannot be overwritten even by an unconditional
	// update.
	next.GetObjectMeta().ResourceVersion = cm.ResourceVersion
	if finalized(next) {
		pre := store.Preconditions{ResourceVersion: cm.ResourceVersion}
		o, err := r.st.Delete(api.KeyFor(info.Resource, namespace, m.Name), pre)
		return o, StatusError(err, info.Resource, m.Name), r.lost(err, info.Resource, namespace, m.Name, cm.ResourceVersion)
	}
	stored, err := r.st.Update(next)
	return stored, StatusError(err, info.Resource, m.Name), r.lost(err, info.Resource, namespace, m.Name, cm.ResourceVersion)
}

// lost reports whether a write that failed with err lost its
// compare-and-swap against rv to a concurrent writer: a Conflict, and the
// object of resource, namespace and name has moved on since (or is
// gone). A Conflict with the object unchanged (an injected fault in
// core/sim) is the caller's to see.
func (r *Registry) lost(err error, resource, namespace, name, rv string) bool {
	if !store.IsConflict(err) {
		return false
	}
	cur, err := r.get(resource, namespace, name)
	if err != nil {
		return store.IsNotFound(err)
	}
	return cur.GetObjectMeta().ResourceVersion != rv
}

// keepSystemFields copies the fields only the server sets from cur to next.
func keepSystemFields(next, cur api.Object) {
	n, c := next.GetObjectMeta(), cur.GetObjectMeta()
	n.UID = c.UID
	n.CreationTimestamp = c.CreationTimestamp
	n.DeletionTimestamp = c.DeletionTimestamp
	n.DeletionGracePeriodSeconds = c.DeletionGracePeriodSeconds
	n.Generation = c.Generation
	n.GenerateName = c.GenerateName
}

// finalized reports whether a terminating object has nothing left holding
// it: no finalizers (and, for a namespace, no spec finalizers either).
func finalized(o api.Object) bool {
	m := o.GetObjectMeta()
	if m.DeletionTimestamp == nil || len(m.Finalizers) > 0 {
		return false
	}
	switch o := o.(type) {
	case *api.Namespace:
		return len(o.Spec.Finalizers) == 0
	case *api.Pod:
		// A terminating pod on a node is removed by its node's final
		// delete (grace 0), not by losing its finalizers.
		return o.Spec.NodeName == ""
	}
	return true
}

// conflict is the error of a stale resourceVersion, in Kubernetes' words.
func conflict(resource, name string) error {
	return api.NewConflict(resource, name,
		errors.New("the object has been modified; please apply your changes to the latest version and try again"))
}

// StatusError translates a store error into the Status error an API client
// gets. nil stays nil; an error that already is a StatusError is kept.
// The API server uses it for its own reads, so that they fail as writes do.
func StatusError(err error, resource, name string) error {
	if err == nil {
		return nil
	}
	var se *api.StatusError
	if errors.As(err, &se) {
		return se
	}
	switch store.CodeOf(err) {
	case store.NotFound:
		return api.NewNotFound(resource, name)
	case store.AlreadyExists:
		return api.NewAlreadyExists(resource, name)
	case store.Conflict:
		return conflict(resource, name)
	case store.Compacted:
		return api.NewResourceExpired(err.Error())
	case store.BadRequest:
		return api.NewBadRequest(err.Error())
	}
	return api.NewInternalError(err)
}

// hasField reports whether the kind's struct has a top-level field name.
func hasField(o api.Object, name string) bool {
	return reflect.ValueOf(o).Elem().FieldByName(name).IsValid()
}

// setField sets dst's top-level field name to src's, sharing its memory:
// src is a stored object, which nobody modifies (see withStatus).
func setField(dst, src api.Object, name string) {
	reflect.ValueOf(dst).Elem().FieldByName(name).Set(reflect.ValueOf(src).Elem().FieldByName(name))
}

// changed reports whether the top-level field name differs between a and
// b; false if the kind has no such field. The fields are compared through
// pointers to them: boxing a field's value would copy it.
func changed(a, b api.Object, name string) bool {
	va := reflect.ValueOf(a).Elem().FieldByName(name)
	if !va.IsValid() {
		return false
	}
	return !reflect.DeepEqual(va.Addr().Interface(), reflect.ValueOf(b).Elem().FieldByName(name).Addr().Interface())
}
