package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/core/store"
)

// toStatusError turns any error into the StatusError the client gets:
// store errors as core/registry maps them (so that reads fail as writes
// do), a cancelled store call as a 504, anything else as internal.
func toStatusError(err error, resource, name string) *api.StatusError {
	var se *api.StatusError
	if errors.As(err, &se) {
		return se
	}
	if store.IsCompacted(err) {
		return api.NewResourceExpired("The resourceVersion for the provided list is too old.")
	}
	if store.CodeOf(err) == "" && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return newTimeout(fmt.Sprintf("the request did not complete: %v", err), 1)
	}
	errors.As(registry.StatusError(err, resource, name), &se)
	return se
}

// newTimeout is Kubernetes' 504 Timeout.
func newTimeout(msg string, retryAfter int32) *api.StatusError {
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: http.StatusGatewayTimeout, Reason: "Timeout",
		Message: "Timeout: " + msg,
		Details: &api.StatusDetails{RetryAfterSeconds: retryAfter},
	}}
}

// newTooLargeResourceVersion is the error of a read at a resourceVersion
// the store has not reached, in kube-apiserver's words and code (504
// Timeout with cause ResourceVersionTooLarge, which client-go's reflector
// recognises): a client that saw that revision from another server of an
// etcd cluster that has not caught up retries.
func newTooLargeResourceVersion(want, current int64) *api.StatusError {
	se := newTimeout(fmt.Sprintf("Too large resource version: %d, current: %d", want, current), 1)
	se.ErrStatus.Details.Causes = []api.StatusCause{{Type: "ResourceVersionTooLarge", Message: "Too large resource version"}}
	return se
}

func newMethodNotAllowed(method, path string) *api.StatusError {
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: http.StatusMethodNotAllowed, Reason: api.StatusReasonMethodNotAllowed,
		Message: fmt.Sprintf("the server does not allow this method on the requested resource (%s %s)", method, path),
	}}
}

func newPathNotFound(path string) *api.StatusError {
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: http.StatusNotFound, Reason: api.StatusReasonNotFound,
		Message: fmt.Sprintf("the server could not find the requested resource (path %s)", path),
		Details: &api.StatusDetails{},
	}}
}

// writeError answers err as a Status. Internal errors are logged.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error, resource, name string) {
	se := toStatusError(err, resource, name)
	st := se.Status()
	if st.Code >= 500 && st.Code != http.StatusGatewayTimeout {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if st.Code == 0 {
		st.Code = http.StatusInternalServerError
	}
	writeJSON(w, int(st.Code), st, output{})
}

// successStatus is the Status of a request that returns no object.
func successStatus(code int, details *api.StatusDetails) api.Status {
	return api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusSuccess, Code: int32(code), Details: details,
	}
}
