package patch

import (
	"fmt"
	"mime"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// The patch types, by the Content-Type a client sends them with.
const (
	// JSONPatchType is RFC 6902: a list of operations on JSON pointers.
	JSONPatchType = "application/json-patch+json"
	// MergePatchType is RFC 7386: a partial object, null deleting a key,
	// lists replaced whole.
	MergePatchType = "application/merge-patch+json"
	// StrategicMergePatchType is Kubernetes' strategic merge patch: a merge
	// patch whose lists of objects merge by key, with directives.
	StrategicMergePatchType = "application/strategic-merge-patch+json"
	// ApplyPatchType is server-side apply, which capstan does not support:
	// it is named so that the answer to it can say so.
	ApplyPatchType = "application/apply-patch+yaml"
)

// ContentTypes lists the patch types Apply accepts, for discovery and for
// the message of a 415. Callers must not modify it.
var ContentTypes = []string{JSONPatchType, MergePatchType, StrategicMergePatchType}

// StatusReasonUnsupportedMediaType is the reason of a 415 answer, as in
// Kubernetes.
const StatusReasonUnsupportedMediaType api.StatusReason = "UnsupportedMediaType"

// MaxJSONPatchOperations bounds the operations of one JSON patch, as in
// Kubernetes.
const MaxJSONPatchOperations = 10000

// MaxCopyBytes bounds how much a JSON patch's copy operations may add to a
// document, so that a small patch cannot build a huge object.
const MaxCopyBytes = 4 << 20

// Apply applies patchBytes, of the given patch type (a Content-Type, whose
// parameters such as charset are ignored), to original, the JSON of an
// object of the given kind, and returns the patched object's JSON.
//
// Every error is an *api.StatusError: 415 UnsupportedMediaType for a patch
// type Apply does not know (or a strategic merge patch of a kind core/api
// does not know), 400 BadRequest for a malformed patch (or one
// that turns the object into something other than a JSON object), 409
// Conflict when a JSON patch's test operation fails, 422 Invalid when a
// JSON patch operation cannot apply (a missing path, an index out of range)
// or a $retainKeys list does not cover the patch, 413 when a JSON patch has
// too many operations or copies too much, 500 only when original is not
// a JSON object (the server's fault, not the client's). Apply never
// panics.
//
// The result is not validated against the kind's schema: the caller
// decodes it (strictly, or not) as it would a PUT body.
func Apply(kind, patchType string, original, patchBytes []byte) (result []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			result, err = nil, api.NewInternalError(fmt.Errorf("applying a %s patch: %v", patchType, r))
		}
	}()
	mediaType := patchType
	if mt, _, perr := mime.ParseMediaType(patchType); perr == nil {
		mediaType = mt
	}
	o := newObjectInfo(kind, original)
	var out any
	switch mediaType {
	case JSONPatchType:
		out, err = applyJSONPatch(o, patchBytes)
	case MergePatchType:
		out, err = applyMergePatch(o, patchBytes)
	case StrategicMergePatchType:
		out, err = applyStrategic(o, patchBytes)
	default:
		return nil, NewUnsupportedMediaType(patchType)
	}
	if err != nil {
		return nil, err
	}
	if _, ok := out.(map[string]any); !ok {
		return nil, api.NewBadRequest(fmt.Sprintf("the patch would turn the %s into %s: a patched object must be a JSON object", kindName(kind), describe(out)))
	}
	result, err = encodeJSON(out)
	if err != nil {
		return nil, api.NewInternalError(fmt.Errorf("encoding the patched %s: %w", kindName(kind), err))
	}
	return result, nil
}

// NewUnsupportedMediaType is the 415 answer to a PATCH whose Content-Type
// is not one of ContentTypes.
func NewUnsupportedMediaType(contentType string) *api.StatusError {
	msg := fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(ContentTypes, ", "))
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == ApplyPatchType {
		msg = "server-side apply (" + ApplyPatchType + ") is not supported: use kubectl apply without --server-side - accepted media types include: " + strings.Join(ContentTypes, ", ")
	}
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure,
		Code:     415,
		Reason:   StatusReasonUnsupportedMediaType,
		Message:  msg,
	}}
}

// NewUnsupportedMediaTypeForKind is the 415 answer to a strategic merge
// patch of a kind whose schema capstan does not know.
func NewUnsupportedMediaTypeForKind(kind string) *api.StatusError {
	e := NewUnsupportedMediaType(StrategicMergePatchType)
	e.ErrStatus.Message = fmt.Sprintf("strategic merge patch is not supported for kind %q: use %s or %s", kind, MergePatchType, JSONPatchType)
	return e
}

// objectInfo is what errors need to know of the object being patched.
type objectInfo struct {
	kind     string
	name     string
	resource string // the plural, for Conflict; the kind if unknown
	original []byte
}

func newObjectInfo(kind string, original []byte) objectInfo {
	o := objectInfo{kind: kind, resource: strings.ToLower(kind), original: original}
	if info, ok := api.LookupKind(kind); ok {
		o.resource = info.Resource
	}
	return o
}

// decodeOriginal parses the object being patched. It comes from the store,
// so a failure is the server's, not the client's.
func (o *objectInfo) decodeOriginal() (any, error) {
	v, err := decodeJSON(o.original)
	if err != nil {
		return nil, api.NewInternalError(fmt.Errorf("decoding the %s to patch: %w", kindName(o.kind), err))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, api.NewInternalError(fmt.Errorf("the %s to patch is %s, not a JSON object", kindName(o.kind), describe(v)))
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		if n, ok := md["name"].(string); ok {
			o.name = n
		}
	}
	return m, nil
}

func kindName(kind string) string {
	if kind == "" {
		return "object"
	}
	return kind
}

// badPatch is a 400 about a malformed patch of the given type.
func badPatch(what string, format string, args ...any) *api.StatusError {
	return api.NewBadRequest(fmt.Sprintf("invalid %s: %s", what, fmt.Sprintf(format, args...)))
}

// invalid is a 422 about the object, with one cause at field (a path such
// as "spec.template.spec.containers[0]"): "field: Invalid value: value:
// detail", value printed as JSON.
func (o *objectInfo) invalid(field string, value any, detail string) *api.StatusError {
	return api.NewInvalid(o.kind, o.name, api.ErrorList{{Type: api.ErrorTypeInvalid, Field: field, BadValue: rawValue(brief(value)), Detail: detail}})
}

// rawValue prints as itself in a FieldError's "Invalid value: <v>".
type rawValue string

func (m rawValue) String() string { return string(m) }
