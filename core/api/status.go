package api

import (
	"errors"
	"fmt"
)

// Status is the Kubernetes Status object (kind Status, apiVersion v1): what
// the API returns instead of an object when a request fails. Its messages,
// reasons and codes are those of k8s.io/apimachinery/pkg/api/errors, so that
// kubectl and client-go recognise them. Status is not a registered kind: it
// is never stored.
type Status struct {
	TypeMeta `json:",inline"`
	ListMeta `json:"metadata"`
	// Status is "Success" or "Failure".
	Status  string       `json:"status,omitempty"`
	Message string       `json:"message,omitempty"`
	Reason  StatusReason `json:"reason,omitempty"`
	// Details names the object the error is about, and the causes.
	Details *StatusDetails `json:"details,omitempty"`
	// Code is the HTTP status code.
	Code int32 `json:"code,omitempty"`
}

// ListMeta is the metadata of a list (and of a Status).
type ListMeta struct {
	ResourceVersion    string `json:"resourceVersion,omitempty"`
	Continue           string `json:"continue,omitempty"`
	RemainingItemCount *int64 `json:"remainingItemCount,omitempty"`
}

// Status values.
const (
	StatusSuccess = "Success"
	StatusFailure = "Failure"
)

// StatusReason is the machine-readable reason of a failure.
type StatusReason string

// Status reasons, with the HTTP code each goes with.
const (
	StatusReasonUnknown               StatusReason = ""
	StatusReasonBadRequest            StatusReason = "BadRequest"            // 400
	StatusReasonUnauthorized          StatusReason = "Unauthorized"          // 401
	StatusReasonForbidden             StatusReason = "Forbidden"             // 403
	StatusReasonNotFound              StatusReason = "NotFound"              // 404
	StatusReasonMethodNotAllowed      StatusReason = "MethodNotAllowed"      // 405
	StatusReasonAlreadyExists         StatusReason = "AlreadyExists"         // 409
	StatusReasonConflict              StatusReason = "Conflict"              // 409
	StatusReasonGone                  StatusReason = "Gone"                  // 410
	StatusReasonExpired               StatusReason = "Expired"               // 410: resourceVersion compacted
	StatusReasonRequestEntityTooLarge StatusReason = "RequestEntityTooLarge" // 413
	StatusReasonInvalid               StatusReason = "Invalid"               // 422
	StatusReasonInternalError         StatusReason = "InternalError"         // 500
)

// StatusDetails names the object a Status is about.
type StatusDetails struct {
	Name  string `json:"name,omitempty"`
	Group string `json:"group,omitempty"`
	// Kind is the kind for Invalid, and the resource (plural) for the
	// errors about a resource, as in Kubernetes.
	Kind              string        `json:"kind,omitempty"`
	UID               string        `json:"uid,omitempty"`
	Causes            []StatusCause `json:"causes,omitempty"`
	RetryAfterSeconds int32         `json:"retryAfterSeconds,omitempty"`
}

// StatusCause is one cause of a failure: for Invalid, one field error.
type StatusCause struct {
	// Type is the field error type, e.g. "FieldValueRequired".
	Type    ErrorType `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Field   string    `json:"field,omitempty"`
}

// StatusError is an error that carries the Status the API answers with.
type StatusError struct {
	ErrStatus Status
}

// Error returns the Status's message.
func (e *StatusError) Error() string { return e.ErrStatus.Message }

// Status returns the Status to send, with its TypeMeta set.
func (e *StatusError) Status() Status {
	s := e.ErrStatus
	s.TypeMeta = TypeMeta{APIVersion: "v1", Kind: "Status"}
	return s
}

func newStatusError(code int32, reason StatusReason, msg string, details *StatusDetails) *StatusError {
	return &StatusError{Status{
		TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   StatusFailure,
		Code:     code,
		Reason:   reason,
		Message:  msg,
		Details:  details,
	}}
}

// qualifiedResource returns "deployments.apps" for "deployments", and the
// group, looking the resource up in the registry; a resource not registered
// is used as given.
func qualifiedResource(resource string) (qualified, group string) {
	if info, ok := LookupResource(resource); ok && info.Group != "" {
		return resource + "." + info.Group, info.Group
	}
	return resource, ""
}

// NewNotFound: `pods "web" not found` (404).
func NewNotFound(resource, name string) *StatusError {
	q, g := qualifiedResource(resource)
	return newStatusError(404, StatusReasonNotFound, fmt.Sprintf("%s %q not found", q, name),
		&StatusDetails{Name: name, Group: g, Kind: resource})
}

// NewAlreadyExists: `deployments.apps "web" already exists` (409).
func NewAlreadyExists(resource, name string) *StatusError {
	q, g := qualifiedResource(resource)
	return newStatusError(409, StatusReasonAlreadyExists, fmt.Sprintf("%s %q already exists", q, name),
		&StatusDetails{Name: name, Group: g, Kind: resource})
}

// NewConflict: `Operation cannot be fulfilled on pods "web": <err>` (409),
// for an update whose resourceVersion is stale.
func NewConflict(resource, name string, err error) *StatusError {
	q, g := qualifiedResource(resource)
	return newStatusError(409, StatusReasonConflict, fmt.Sprintf("Operation cannot be fulfilled on %s %q: %v", q, name, err),
		&StatusDetails{Name: name, Group: g, Kind: resource})
}

// NewInvalid: `Deployment.apps "web" is invalid: [a, b]` (422), with one
// cause per field error. kind is a kind name such as "Deployment"; its group
// comes from the registry.
func NewInvalid(kind, name string, errs ErrorList) *StatusError {
	qualified, group := kind, ""
	if info, ok := LookupKind(kind); ok && info.Group != "" {
		qualified, group = kind+"."+info.Group, info.Group
	}
	causes := make([]StatusCause, 0, len(errs))
	for _, e := range errs {
		causes = append(causes, StatusCause{Type: e.Type, Message: e.ErrorBody(), Field: e.Field})
	}
	msg := fmt.Sprintf("%s %q is invalid", qualified, name)
	if agg := errs.ToAggregate(); agg != nil {
		msg += ": " + agg.Error()
	}
	return newStatusError(422, StatusReasonInvalid, msg,
		&StatusDetails{Name: name, Group: group, Kind: kind, Causes: causes})
}

// NewBadRequest: the message as given (400).
func NewBadRequest(msg string) *StatusError {
	return newStatusError(400, StatusReasonBadRequest, msg, nil)
}

// NewUnauthorized: the message, or "not authorized" (401).
func NewUnauthorized(msg string) *StatusError {
	if msg == "" {
		msg = "not authorized"
	}
	return newStatusError(401, StatusReasonUnauthorized, msg, nil)
}

// NewForbidden: `secrets "db" is forbidden: <err>` (403); without a name,
// `secrets is forbidden: <err>`; without a resource, `forbidden: <err>`.
func NewForbidden(resource, name string, err error) *StatusError {
	q, g := qualifiedResource(resource)
	var msg string
	switch {
	case resource == "":
		msg = fmt.Sprintf("forbidden: %v", err)
	case name == "":
		msg = fmt.Sprintf("%s is forbidden: %v", q, err)
	default:
		msg = fmt.Sprintf("%s %q is forbidden: %v", q, name, err)
	}
	return newStatusError(403, StatusReasonForbidden, msg, &StatusDetails{Name: name, Group: g, Kind: resource})
}

// NewGone: the message as given (410).
func NewGone(msg string) *StatusError {
	return newStatusError(410, StatusReasonGone, msg, nil)
}

// NewResourceExpired: the message as given (410, reason Expired), for a
// watch or list from a compacted resourceVersion.
func NewResourceExpired(msg string) *StatusError {
	return newStatusError(410, StatusReasonExpired, msg, nil)
}

// NewMethodNotSupported: `delete is not supported on resources of kind
// "events"` (405).
func NewMethodNotSupported(resource, action string) *StatusError {
	q, g := qualifiedResource(resource)
	return newStatusError(405, StatusReasonMethodNotAllowed,
		fmt.Sprintf("%s is not supported on resources of kind %q", action, q),
		&StatusDetails{Group: g, Kind: resource})
}

// NewRequestEntityTooLarge: `Request entity too large: <msg>` (413).
func NewRequestEntityTooLarge(msg string) *StatusError {
	return newStatusError(413, StatusReasonRequestEntityTooLarge, "Request entity too large: "+msg, nil)
}

// NewInternalError: `Internal error occurred: <err>` (500).
func NewInternalError(err error) *StatusError {
	return newStatusError(500, StatusReasonInternalError, fmt.Sprintf("Internal error occurred: %v", err),
		&StatusDetails{Causes: []StatusCause{{Message: err.Error()}}})
}

// ReasonForError returns the reason of a *StatusError in err's chain, or
// StatusReasonUnknown.
func ReasonForError(err error) StatusReason {
	var se *StatusError
	if errors.As(err, &se) {
		return se.ErrStatus.Reason
	}
	return StatusReasonUnknown
}

// IsNotFound reports whether err is a NotFound StatusError.
func IsNotFound(err error) bool { return ReasonForError(err) == StatusReasonNotFound }

// IsAlreadyExists reports whether err is an AlreadyExists StatusError.
func IsAlreadyExists(err error) bool { return ReasonForError(err) == StatusReasonAlreadyExists }

// IsConflict reports whether err is a Conflict StatusError.
func IsConflict(err error) bool { return ReasonForError(err) == StatusReasonConflict }

// IsInvalid reports whether err is an Invalid StatusError.
func IsInvalid(err error) bool { return ReasonForError(err) == StatusReasonInvalid }

// IsBadRequest reports whether err is a BadRequest StatusError.
func IsBadRequest(err error) bool { return ReasonForError(err) == StatusReasonBadRequest }

// IsGone reports whether err is a Gone StatusError.
func IsGone(err error) bool { return ReasonForError(err) == StatusReasonGone }

// IsResourceExpired reports whether err is an Expired StatusError.
func IsResourceExpired(err error) bool { return ReasonForError(err) == StatusReasonExpired }

// IsUnauthorized reports whether err is an Unauthorized StatusError.
func IsUnauthorized(err error) bool { return ReasonForError(err) == StatusReasonUnauthorized }

// IsForbidden reports whether err is a Forbidden StatusError.
func IsForbidden(err error) bool { return ReasonForError(err) == StatusReasonForbidden }

// IsMethodNotSupported reports whether err is a MethodNotAllowed StatusError.
func IsMethodNotSupported(err error) bool {
	return ReasonForError(err) == StatusReasonMethodNotAllowed
}

// IsRequestEntityTooLarge reports whether err is a RequestEntityTooLarge
// StatusError.
func IsRequestEntityTooLarge(err error) bool {
	return ReasonForError(err) == StatusReasonRequestEntityTooLarge
}

// IsInternalError reports whether err is an InternalError StatusError.
func IsInternalError(err error) bool { return ReasonForError(err) == StatusReasonInternalError }
