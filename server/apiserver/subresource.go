package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
)

// serveStatus answers the status subresource: GET the object, PUT or
// PATCH its status (everything else is kept from the stored object).
func (s *server) serveStatus(req *request) {
	switch req.ri.verb {
	case "get":
		s.serveGet(req)
	case "patch":
		s.servePatch(req)
	case "update":
		s.serveUpdate(req)
	default:
		s.fail(req, newMethodNotAllowed(req.r.Method, req.r.URL.Path))
	}
}

// replicasOf returns the replicas field of a scalable object and the
// object's status replicas and selector.
func replicasOf(obj api.Object) (spec **int32, status int32, sel *api.LabelSelector) {
	switch o := obj.(type) {
	case *api.Deployment:
		return &o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *api.ReplicaSet:
		return &o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	}
	return nil, 0, nil
}

// scaleOf is the autoscaling/v1 Scale of a deployment or replica set.
func scaleOf(obj api.Object) *scale {
	m := obj.GetObjectMeta()
	spec, status, sel := replicasOf(obj)
	sc := &scale{TypeMeta: api.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"}}
	sc.Metadata = api.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID,
		ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp}
	sc.Spec.Replicas = new(int32)
	if *spec != nil {
		*sc.Spec.Replicas = **spec
	}
	sc.Status.Replicas = status
	sc.Status.Selector = selectorString(sel)
	return sc
}

// selectorString writes a label selector in the query syntax.
func selectorString(sel *api.LabelSelector) string {
	if sel == nil {
		return ""
	}
	var parts []string
	keys := make([]string, 0, len(sel.MatchLabels))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+sel.MatchLabels[k])
	}
	for _, r := range sel.MatchExpressions {
		switch r.Operator {
		case api.LabelSelectorOpIn:
			parts = append(parts, r.Key+" in ("+strings.Join(r.Values, ",")+")")
		case api.LabelSelectorOpNotIn:
			parts = append(parts, r.Key+" notin ("+strings.Join(r.Values, ",")+")")
		case api.LabelSelectorOpExists:
			parts = append(parts, r.Key)
		case api.LabelSelectorOpDoesNotExist:
			parts = append(parts, "!"+r.Key)
		}
	}
	return strings.Join(parts, ",")
}

// serveScale answers the scale subresource of deployments and replica
// sets: GET, PUT and PATCH of an autoscaling/v1 Scale, whose
// spec.replicas is the object's.
func (s *server) serveScale(req *request) {
	ws, ok := s.startWrite(req)
	if !ok {
		return
	}
	out, ri := ws.out, req.ri
	var err error
	var body []byte
	var pt string
	switch ri.verb {
	case "get":
		if err := s.checkNotOlderThan(req.query.Get("resourceVersion")); err != nil {
			s.fail(req, err)
			return
		}
		obj, err := s.backend.Get(ri.objectKey())
		if err != nil {
			s.fail(req, err)
			return
		}
		writeJSON(req.w, http.StatusOK, scaleOf(obj), out)
		return
	case "update":
		if body, err = s.readJSON(req); err != nil {
			s.fail(req, err)
			return
		}
	case "patch":
		if pt, err = patchContentType(req.r); err != nil {
			s.fail(req, err)
			return
		}
		if body, err = readBody(req.r, req.w, s.cfg.MaxBodyBytes); err != nil {
			s.fail(req, err)
			return
		}
	default:
		s.fail(req, newMethodNotAllowed(req.r.Method, req.r.URL.Path))
		return
	}
	for attempt := 1; ; attempt++ {
		cur, err := s.backend.Get(ri.objectKey())
		if err != nil {
			s.fail(req, err)
			return
		}
		curScale := scaleOf(cur)
		js := body
		if pt != "" {
			orig, _ := json.Marshal(curScale)
			if js, err = applyPatch("Scale", pt, orig, body); err != nil {
				s.fail(req, err)
				return
			}
		}
		var sc scale
		if err := decodeStrictJSON(js, &sc); err != nil {
			s.fail(req, err)
			return
		}
		if err := checkScale(ri, &sc); err != nil {
			s.fail(req, err)
			return
		}
		next := api.CopyObject(cur)
		spec, _, _ := replicasOf(next)
		*spec = sc.Spec.Replicas
		m := next.GetObjectMeta()
		named := sc.Metadata.ResourceVersion != "" && sc.Metadata.ResourceVersion != m.ResourceVersion
		if sc.Metadata.ResourceVersion != "" {
			m.ResourceVersion = sc.Metadata.ResourceVersion
		}
		updated, err := ws.reg.Update(next, s.now())
		if api.IsConflict(err) && !named && attempt < patchAttempts {
			continue
		}
		if err != nil {
			s.fail(req, err)
			return
		}
		writeJSON(req.w, http.StatusOK, scaleOf(updated), out)
		return
	}
}

// checkScale checks a Scale body against the path.
func checkScale(ri *requestInfo, sc *scale) error {
	if sc.Kind != "" && sc.Kind != "Scale" {
		return api.NewBadRequest(fmt.Sprintf("the body of a scale request must be a Scale, not a %s", sc.Kind))
	}
	if sc.APIVersion != "" && sc.APIVersion != "autoscaling/v1" {
		return api.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (autoscaling/v1)", sc.APIVersion))
	}
	if sc.Metadata.Name != "" && sc.Metadata.Name != ri.name {
		return api.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Metadata.Name, ri.name))
	}
	if sc.Metadata.Namespace != "" && sc.Metadata.Namespace != ri.namespace {
		return api.NewBadRequest(fmt.Sprintf("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)",
			sc.Metadata.Namespace, ri.namespace))
	}
	if sc.Spec.Replicas == nil {
		sc.Spec.Replicas = new(int32)
	}
	if *sc.Spec.Replicas < 0 {
		return api.NewInvalid("Scale", ri.name, api.ErrorList{
			api.NewPath("spec", "replicas").Invalid(*sc.Spec.Replicas, "must be greater than or equal to 0")})
	}
	return nil
}

// serveBinding answers POST pods/NAME/binding: the pod is bound to the
// Binding's target node through the registry (uid precondition, not
// already bound, not terminating).
func (s *server) serveBinding(req *request) {
	var b binding
	ws, ok := s.startPost(req, &b)
	if !ok {
		return
	}
	if (b.Kind != "" && b.Kind != "Binding") || (b.APIVersion != "" && b.APIVersion != "v1") {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("the body of a binding request must be a v1 Binding, not %s %s", b.APIVersion, b.Kind)))
		return
	}
	if b.Metadata.Name != "" && b.Metadata.Name != req.ri.name {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Metadata.Name, req.ri.name)))
		return
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		s.fail(req, api.NewInvalid("Binding", req.ri.name, api.ErrorList{
			api.NewPath("target", "kind").NotSupported(b.Target.Kind, []string{"Node"})}))
		return
	}
	if ws.dry {
		s.fail(req, api.NewBadRequest("dryRun is not supported for bindings"))
		return
	}
	if _, err := s.reg.Bind(req.ri.namespace, req.ri.name, b.Metadata.UID, b.Target.Name, s.now()); err != nil {
		s.fail(req, err)
		return
	}
	writeJSON(req.w, http.StatusCreated, successStatus(http.StatusCreated, nil), ws.out)
}

// startPost is startWrite for a POST to a subresource, which also decodes
// the body (JSON or YAML) into v.
func (s *server) startPost(req *request, v any) (writeStart, bool) {
	if req.ri.verb != "create" {
		s.fail(req, newMethodNotAllowed(req.r.Method, req.r.URL.Path))
		return writeStart{}, false
	}
	ws, ok := s.startWrite(req)
	if !ok {
		return ws, false
	}
	js, err := s.readJSON(req)
	if err == nil {
		err = decodeStrictJSON(js, v)
	}
	if err != nil {
		s.fail(req, err)
		return ws, false
	}
	return ws, true
}

// serveEviction answers POST pods/NAME/eviction: with no disruption
// budgets in capstan, an eviction is a delete with the Eviction's options.
func (s *server) serveEviction(req *request) {
	var ev eviction
	ws, ok := s.startPost(req, &ev)
	if !ok {
		return
	}
	if (ev.Kind != "" && ev.Kind != "Eviction") || (ev.APIVersion != "" && ev.APIVersion != "policy/v1" && ev.APIVersion != "policy/v1beta1") {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("the body of an eviction request must be a policy/v1 Eviction, not %s %s", ev.APIVersion, ev.Kind)))
		return
	}
	if ev.Metadata.Name != "" && ev.Metadata.Name != req.ri.name {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("name in URL does not match name in Eviction object (%s, %s)", req.ri.name, ev.Metadata.Name)))
		return
	}
	opts, dry, err := s.readDeleteOptions(req, ev.DeleteOptions)
	if err != nil {
		s.fail(req, err)
		return
	}
	if dry && !ws.dry {
		ws.reg = registry.New(dryRunStore{s.backend}, s.regCfg)
	}
	if _, err := ws.reg.Delete("pods", req.ri.namespace, req.ri.name, opts, s.now()); err != nil {
		s.fail(req, err)
		return
	}
	writeJSON(req.w, http.StatusCreated, successStatus(http.StatusCreated, nil), ws.out)
}
