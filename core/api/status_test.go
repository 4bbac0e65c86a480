package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestNewInvalidMessage(t *testing.T) {
	image := NewPath("spec", "template", "spec").Child("containers").Index(0).Child("image").Required("")
	replicas := NewPath("spec", "replicas").Invalid(int32(-1), "must be greater than or equal to 0")

	one := NewInvalid("Deployment", "web", ErrorList{image})
	if want := `Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value`; one.Error() != want {
		t.Errorf("got  %s\nwant %s", one.Error(), want)
	}
	two := NewInvalid("Deployment", "web", ErrorList{image, replicas})
	want := `Deployment.apps "web" is invalid: [spec.template.spec.containers[0].image: Required value, spec.replicas: Invalid value: -1: must be greater than or equal to 0]`
	if two.Error() != want {
		t.Errorf("got  %s\nwant %s", two.Error(), want)
	}
	if got := NewInvalid("Pod", "p", ErrorList{image}).Error(); got != `Pod "p" is invalid: spec.template.spec.containers[0].image: Required value` {
		t.Errorf("core kind: got %s", got)
	}
	if got := NewInvalid("Pod", "p", nil).Error(); got != `Pod "p" is invalid` {
		t.Errorf("no errors: got %s", got)
	}

	s := two.Status()
	if s.Code != 422 || s.Reason != StatusReasonInvalid || s.Status != StatusFailure {
		t.Errorf("status: %+v", s)
	}
	wantDetails := &StatusDetails{Name: "web", Group: "apps", Kind: "Deployment", Causes: []StatusCause{
		{Type: ErrorTypeRequired, Message: "Required value", Field: "spec.template.spec.containers[0].image"},
		{Type: ErrorTypeInvalid, Message: "Invalid value: -1: must be greater than or equal to 0", Field: "spec.replicas"},
	}}
	if !reflect.DeepEqual(s.Details, wantDetails) {
		t.Errorf("details: %+v", s.Details)
	}
}

func TestStatusJSON(t *testing.T) {
	err := NewInvalid("Deployment", "web", ErrorList{NewPath("spec", "replicas").Required("")})
	b, jerr := json.Marshal(err.Status())
	if jerr != nil {
		t.Fatal(jerr)
	}
	want := `{"apiVersion":"v1","kind":"Status","metadata":{},"status":"Failure",` +
		`"message":"Deployment.apps \"web\" is invalid: spec.replicas: Required value","reason":"Invalid",` +
		`"details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueRequired",` +
		`"message":"Required value","field":"spec.replicas"}]},"code":422}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Status
	if uerr := json.Unmarshal(b, &back); uerr != nil || !reflect.DeepEqual(back, err.Status()) {
		t.Errorf("status does not round-trip: %v %+v", uerr, back)
	}
	if _, ok := LookupKind("Status"); ok {
		t.Error("Status must not be a registered kind")
	}
}

func TestStatusConstructors(t *testing.T) {
	cause := errors.New("the object has been modified; please apply your changes to the latest version and try again")
	for _, tc := range []struct {
		err    *StatusError
		msg    string
		code   int32
		reason StatusReason
		is     func(error) bool
	}{
		{NewNotFound("pods", "web"), `pods "web" not found`, 404, StatusReasonNotFound, IsNotFound},
		{NewNotFound("deployments", "web"), `deployments.apps "web" not found`, 404, StatusReasonNotFound, IsNotFound},
		{NewAlreadyExists("leases", "n1"), `leases.coordination.k8s.io "n1" already exists`, 409, StatusReasonAlreadyExists, IsAlreadyExists},
		{NewConflict("pods", "web", cause), `Operation cannot be fulfilled on pods "web": ` + cause.Error(), 409, StatusReasonConflict, IsConflict},
		{NewBadRequest("bad body"), "bad body", 400, StatusReasonBadRequest, IsBadRequest},
		{NewUnauthorized(""), "not authorized", 401, StatusReasonUnauthorized, IsUnauthorized},
		{NewForbidden("secrets", "db", errors.New("no")), `secrets "db" is forbidden: no`, 403, StatusReasonForbidden, IsForbidden},
		{NewForbidden("secrets", "", errors.New("no")), `secrets is forbidden: no`, 403, StatusReasonForbidden, IsForbidden},
		{NewForbidden("", "", errors.New("no")), `forbidden: no`, 403, StatusReasonForbidden, IsForbidden},
		{NewGone("gone"), "gone", 410, StatusReasonGone, IsGone},
		{NewResourceExpired("too old resource version: 1 (5)"), "too old resource version: 1 (5)", 410, StatusReasonExpired, IsResourceExpired},
		{NewMethodNotSupported("events", "watch"), `watch is not supported on resources of kind "events"`, 405, StatusReasonMethodNotAllowed, IsMethodNotSupported},
		{NewRequestEntityTooLarge("limit is 3145728"), "Request entity too large: limit is 3145728", 413, StatusReasonRequestEntityTooLarge, IsRequestEntityTooLarge},
		{NewInternalError(errors.New("etcd down")), "Internal error occurred: etcd down", 500, StatusReasonInternalError, IsInternalError},
		{NewInvalid("Pod", "p", nil), `Pod "p" is invalid`, 422, StatusReasonInvalid, IsInvalid},
	} {
		s := tc.err.Status()
		if tc.err.Error() != tc.msg || s.Message != tc.msg || s.Code != tc.code || s.Reason != tc.reason {
			t.Errorf("got %q %d %s, want %q %d %s", tc.err.Error(), s.Code, s.Reason, tc.msg, tc.code, tc.reason)
		}
		if s.Kind != "Status" || s.APIVersion != "v1" || s.Status != StatusFailure {
			t.Errorf("%s: TypeMeta %+v, status %q", tc.msg, s.TypeMeta, s.Status)
		}
		wrapped := fmt.Errorf("while creating: %w", tc.err)
		if !tc.is(tc.err) || !tc.is(wrapped) || ReasonForError(wrapped) != tc.reason {
			t.Errorf("%s: predicate does not recognise it", tc.msg)
		}
		if IsNotFound(tc.err) != (tc.reason == StatusReasonNotFound) {
			t.Errorf("%s: IsNotFound is wrong", tc.msg)
		}
	}
	if ReasonForError(errors.New("plain")) != StatusReasonUnknown || IsNotFound(nil) {
		t.Error("a plain error has a reason")
	}
	d := NewNotFound("deployments", "web").Status().Details
	if d.Name != "web" || d.Group != "apps" || d.Kind != "deployments" {
		t.Errorf("details: %+v", d)
	}
}
