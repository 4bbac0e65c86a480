package store

import (
	"errors"
	"fmt"
)

// Code classifies a store error. Each code maps to one Kubernetes Status
// reason, so the API server can translate errors without guessing.
type Code string

// The error codes.
const (
	// NotFound: the key does not exist (at the requested revision).
	// Kubernetes: 404 NotFound.
	NotFound Code = "NotFound"
	// AlreadyExists: Create found the key already present.
	// Kubernetes: 409 AlreadyExists.
	AlreadyExists Code = "AlreadyExists"
	// Conflict: a resourceVersion or UID precondition did not hold.
	// Kubernetes: 409 Conflict.
	Conflict Code = "Conflict"
	// Compacted: the requested revision is older than the compaction
	// revision, so its history is gone. Kubernetes: 410 Gone (Expired).
	Compacted Code = "Compacted"
	// BadRequest: the request itself is malformed: a bad key or prefix, a
	// malformed continue token, a future revision, a negative limit.
	// Kubernetes: 400 BadRequest.
	BadRequest Code = "BadRequest"
)

// Error is the one error type the store returns. Use errors.As, or the
// Is* helpers, to inspect it; wrapped errors are found too.
type Error struct {
	Code Code
	// Key is the key or prefix the request named; may be empty.
	Key string
	// Message says what went wrong, for people.
	Message string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("store: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("store: %s: %s: %s", e.Code, e.Key, e.Message)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &store.Error{Code: store.Conflict}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func newError(code Code, key, format string, args ...any) *Error {
	return &Error{Code: code, Key: key, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the *Error in err's chain, or "" if there is
// none.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a NotFound store error.
func IsNotFound(err error) bool { return CodeOf(err) == NotFound }

// IsAlreadyExists reports whether err is an AlreadyExists store error.
func IsAlreadyExists(err error) bool { return CodeOf(err) == AlreadyExists }

// IsConflict reports whether err is a Conflict store error.
func IsConflict(err error) bool { return CodeOf(err) == Conflict }

// IsCompacted reports whether err is a Compacted store error.
func IsCompacted(err error) bool { return CodeOf(err) == Compacted }

// IsBadRequest reports whether err is a BadRequest store error.
func IsBadRequest(err error) bool { return CodeOf(err) == BadRequest }
