package apiserver

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// registryFor returns the registry a write goes through: the shared one,
// or for dryRun=All one over a store that checks writes without making
// them.
func (s *server) registryFor(req *request) (*registry.Registry, bool, error) {
	dry, err := dryRunParam(req.query)
	if err != nil || !dry {
		return s.reg, false, err
	}
	return registry.New(dryRunStore{s.backend}, s.regCfg), true, nil
}

// writeStart is what every write handler needs first: the answer's
// encoding and the registry to write through.
type writeStart struct {
	out output
	reg *registry.Registry
	dry bool
}

// startWrite negotiates the answer and picks the registry, answering the
// error itself (ok false) when either fails.
func (s *server) startWrite(req *request) (ws writeStart, ok bool) {
	out, err := negotiate(req.r, false)
	if err == nil {
		ws.out = out
		ws.reg, ws.dry, err = s.registryFor(req)
	}
	if err != nil {
		s.fail(req, err)
		return ws, false
	}
	return ws, true
}

// readPlaced reads the body as an object of the path's kind whose
// namespace and name agree with the path; on failure it answers itself.
func (s *server) readPlaced(req *request) (api.Object, bool) {
	obj, err := s.readObject(req)
	if err == nil {
		err = checkPlacement(req.ri, obj)
	}
	if err != nil {
		s.fail(req, err)
		return nil, false
	}
	return obj, true
}

// readObject reads the request body as an object of the path's kind.
func (s *server) readObject(req *request) (api.Object, error) {
	fv, err := fieldValidationParam(req.query)
	if err != nil {
		return nil, err
	}
	js, err := s.readJSON(req)
	if err != nil {
		return nil, err
	}
	return decodeObject(req.w, js, req.ri.kind, fv)
}

// readJSON reads a JSON, YAML or protobuf body, as JSON.
func (s *server) readJSON(req *request) ([]byte, error) {
	mt, err := contentType(req.r, mediaJSON, mediaYAML, mediaProto)
	if err != nil {
		return nil, err
	}
	body, err := readBody(req.r, req.w, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	if mt == mediaProto {
		return protoToJSON(body)
	}
	return toJSON(body, mt)
}

// checkPlacement makes the body's namespace (and, for an existing object,
// name) agree with the path's, filling the namespace from the path, as
// Kubernetes' EnsureObjectNamespaceMatchesRequestNamespace does.
func checkPlacement(ri *requestInfo, obj api.Object) error {
	m := obj.GetObjectMeta()
	if ri.kind.Namespaced {
		switch m.Namespace {
		case "":
			m.Namespace = ri.namespace
		case ri.namespace:
		default:
			return api.NewBadRequest(fmt.Sprintf("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)",
				m.Namespace, ri.namespace))
		}
	} else {
		// A cluster-scoped object's namespace is cleared, as Kubernetes
		// does (manifests often carry one).
		m.Namespace = ""
	}
	if ri.name != "" && m.Name != ri.name {
		if m.Name == "" {
			m.Name = ri.name
			return nil
		}
		return api.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.Name, ri.name))
	}
	return nil
}

// serveCreate answers a POST to a collection.
func (s *server) serveCreate(req *request) {
	if req.ri.kind.Namespaced && req.ri.namespace == "" {
		s.fail(req, newMethodNotAllowed(req.r.Method, req.r.URL.Path))
		return
	}
	ws, ok := s.startWrite(req)
	if !ok {
		return
	}
	obj, ok := s.readPlaced(req)
	if !ok {
		return
	}
	m := obj.GetObjectMeta()
	if m.Name == "" && m.GenerateName == "" {
		s.fail(req, api.NewInvalid(req.ri.kind.Kind, "", api.ErrorList{
			api.NewPath("metadata", "name").Required("name or generateName is required")}))
		return
	}
	created, err := ws.reg.Create(obj, s.now())
	if err != nil {
		s.writeError(req.w, req.r, err, req.ri.resource, m.Name)
		return
	}
	writeJSON(req.w, http.StatusCreated, created, ws.out)
}

// createOnUpdate are the resources a PUT may create, as in Kubernetes.
var createOnUpdate = map[string]bool{"endpoints": true, "events": true, "leases": true}

// serveUpdate answers a PUT of an object, or of its status.
func (s *server) serveUpdate(req *request) {
	ws, ok := s.startWrite(req)
	if !ok {
		return
	}
	obj, ok := s.readPlaced(req)
	if !ok {
		return
	}
	update := ws.reg.Update
	if req.ri.subresource == "status" {
		update = ws.reg.UpdateStatus
	}
	updated, err := update(obj, s.now())
	if api.IsNotFound(err) && req.ri.subresource == "" && createOnUpdate[req.ri.resource] && obj.GetObjectMeta().ResourceVersion == "" {
		created, err := ws.reg.Create(obj, s.now())
		if err != nil {
			s.fail(req, err)
			return
		}
		writeJSON(req.w, http.StatusCreated, created, ws.out)
		return
	}
	if err != nil {
		s.fail(req, err)
		return
	}
	writeJSON(req.w, http.StatusOK, updated, ws.out)
}

// returnDeletedObject are the resources whose immediate DELETE answers
// the deleted object rather than a Success Status, as in Kubernetes.
var returnDeletedObject = map[string]bool{
	"pods": true, "services": true, "namespaces": true, "persistentvolumes": true, "persistentvolumeclaims": true,
}

// readDeleteOptions reads a DELETE's options from its body (a
// DeleteOptions) and query (gracePeriodSeconds, propagationPolicy,
// orphanDependents), the query winning as in Kubernetes.
func (s *server) readDeleteOptions(req *request, body []byte) (o registry.DeleteOptions, dry bool, err error) {
	var d deleteOptions
	if len(body) > 0 {
		if bytes.HasPrefix(body, protoMagic) {
			// client-go sends its DeleteOptions as protobuf.
			if body, err = protoToJSON(body); err != nil {
				return o, false, err
			}
		}
		if err := decodeStrictJSON(body, &d); err != nil {
			return o, false, err
		}
		if d.Kind != "" && d.Kind != "DeleteOptions" {
			return o, false, api.NewBadRequest(fmt.Sprintf("the body of a DELETE must be a DeleteOptions, not a %s", d.Kind))
		}
		for _, v := range d.DryRun {
			if v != "All" {
				return o, false, api.NewBadRequest(fmt.Sprintf("invalid dryRun value %q: the only supported value is \"All\"", v))
			}
		}
		dry = len(d.DryRun) > 0
	}
	if g, ok, err := intParam(req.query, "gracePeriodSeconds", 0); err != nil {
		return o, false, err
	} else if ok {
		d.GracePeriodSeconds = &g
	}
	if p := req.query.Get("propagationPolicy"); p != "" {
		d.PropagationPolicy = &p
	}
	if req.query.Has("orphanDependents") {
		b, err := boolParam(req.query, "orphanDependents")
		if err != nil {
			return o, false, err
		}
		d.OrphanDependents = &b
	}
	o.GracePeriodSeconds = d.GracePeriodSeconds
	if d.PropagationPolicy != nil {
		o.PropagationPolicy = *d.PropagationPolicy
	}
	if d.OrphanDependents != nil {
		if d.PropagationPolicy != nil {
			return o, false, api.NewInvalid("DeleteOptions", "", api.ErrorList{api.NewPath("propagationPolicy").Invalid(o.PropagationPolicy,
				"orphanDependents and deletionPropagation cannot be both set")})
		}
		if *d.OrphanDependents {
			o.PropagationPolicy = registry.PropagationOrphan
		} else {
			o.PropagationPolicy = registry.PropagationBackground
		}
	}
	if p := d.Preconditions; p != nil {
		if p.UID != nil {
			o.Preconditions.UID = *p.UID
		}
		if p.ResourceVersion != nil {
			o.Preconditions.ResourceVersion = *p.ResourceVersion
		}
	}
	return o, dry, nil
}

// serveDelete answers a DELETE of one object: the object as it now is
// when it is only marked (graceful deletion, finalizers), and when removed
// at once the deleted object or a Success Status, by resource.
func (s *server) serveDelete(req *request) {
	ws, opts, ok := s.startDelete(req)
	if !ok {
		return
	}
	ri := req.ri
	obj, err := ws.reg.Delete(ri.resource, ri.namespace, ri.name, opts, s.now())
	if err != nil {
		s.fail(req, err)
		return
	}
	out := ws.out
	if !ws.dry && s.stillThere(ri.objectKey(), obj) || returnDeletedObject[ri.resource] {
		writeJSON(req.w, http.StatusOK, obj, out)
		return
	}
	m := obj.GetObjectMeta()
	writeJSON(req.w, http.StatusOK, successStatus(http.StatusOK, &api.StatusDetails{
		Name: m.Name, Group: ri.group, Kind: ri.resource, UID: m.UID,
	}), out)
}

// stillThere reports whether the object a delete returned is stored (it
// was only marked for deletion).
func (s *server) stillThere(key string, obj api.Object) bool {
	cur, err := s.backend.Get(key)
	return err == nil && cur.GetObjectMeta().ResourceVersion == obj.GetObjectMeta().ResourceVersion
}

// serveDeleteCollection deletes every object a list with the same query
// would return, and answers the list of them as deleted or marked.
func (s *server) serveDeleteCollection(req *request) {
	ws, opts, ok := s.startDelete(req)
	if !ok {
		return
	}
	lo, err := s.parseListOptions(req)
	if err != nil {
		s.fail(req, err)
		return
	}
	lo.limit, lo.cont = 0, ""
	res, err := s.list(req.ri.prefix(), req.ri.resource, lo)
	if err != nil {
		s.fail(req, err)
		return
	}
	var deleted []api.Object
	for _, it := range res.items {
		m := it.GetObjectMeta()
		o, err := ws.reg.Delete(req.ri.resource, m.Namespace, m.Name, opts, s.now())
		if api.IsNotFound(err) {
			continue // deleted meanwhile
		}
		if err != nil {
			s.fail(req, err)
			return
		}
		deleted = append(deleted, o)
	}
	writeJSON(req.w, http.StatusOK, &objectList{
		TypeMeta: api.TypeMeta{APIVersion: req.ri.kind.APIVersion(), Kind: req.ri.kind.Kind + "List"},
		Metadata: api.ListMeta{ResourceVersion: fmt.Sprint(res.revision)},
		Items:    nonNil(deleted),
	}, ws.out)
}

// startDelete is startWrite for a DELETE, which also reads the
// DeleteOptions of its body and query.
func (s *server) startDelete(req *request) (writeStart, registry.DeleteOptions, bool) {
	ws, ok := s.startWrite(req)
	if !ok {
		return ws, registry.DeleteOptions{}, false
	}
	body, err := readBody(req.r, req.w, s.cfg.MaxBodyBytes)
	var opts registry.DeleteOptions
	dry := false
	if err == nil {
		opts, dry, err = s.readDeleteOptions(req, body)
	}
	if err != nil {
		s.fail(req, err)
		return ws, opts, false
	}
	if dry && !ws.dry {
		ws.reg, ws.dry = registry.New(dryRunStore{s.backend}, s.regCfg), true
	}
	return ws, opts, true
}

// dryRunStore checks writes as the store would and answers as if they
// were made, without making them (dryRun=All).
type dryRunStore struct{ store.Store }

func (d dryRunStore) Create(obj api.Object) (api.Object, error) {
	key, err := api.KeyOf(obj)
	if err != nil {
		return nil, &store.Error{Code: store.BadRequest, Message: err.Error()}
	}
	if _, err := d.Store.Get(key); err == nil {
		return nil, &store.Error{Code: store.AlreadyExists, Key: key, Message: "already exists"}
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	out := api.CopyObject(obj)
	out.GetObjectMeta().ResourceVersion = ""
	return out, nil
}

func (d dryRunStore) Update(obj api.Object) (api.Object, error) {
	key, err := api.KeyOf(obj)
	if err != nil {
		return nil, &store.Error{Code: store.BadRequest, Message: err.Error()}
	}
	cur, err := d.Store.Get(key)
	if err != nil {
		return nil, err
	}
	if rv := obj.GetObjectMeta().ResourceVersion; rv != "" && rv != cur.GetObjectMeta().ResourceVersion {
		return nil, &store.Error{Code: store.Conflict, Key: key, Message: "resourceVersion mismatch"}
	}
	out := api.CopyObject(obj)
	out.GetObjectMeta().ResourceVersion = cur.GetObjectMeta().ResourceVersion
	return out, nil
}

func (d dryRunStore) Delete(key string, pre store.Preconditions) (api.Object, error) {
	cur, err := d.Store.Get(key)
	if err != nil {
		return nil, err
	}
	m := cur.GetObjectMeta()
	if (pre.ResourceVersion != "" && pre.ResourceVersion != m.ResourceVersion) || (pre.UID != "" && pre.UID != m.UID) {
		return nil, &store.Error{Code: store.Conflict, Key: key, Message: "precondition failed"}
	}
	return cur, nil
}

func (d dryRunStore) Compact(int64) error {
	return &store.Error{Code: store.BadRequest, Message: "compaction in a dry run"}
}
