package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Field errors, printed exactly as Kubernetes prints them
// (k8s.io/apimachinery/pkg/util/validation/field), so that a message from
// capstan reads like the one kubectl users already know:
//
//	spec.template.spec.containers[0].image: Required value
//	metadata.name: Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must ...
//	spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"

// FieldPath is the path from an object's root to one of its fields, built
// one step at a time: NewPath("spec").Child("containers").Index(0).Child("image")
// prints as "spec.containers[0].image". Paths are immutable; every step
// returns a new path that shares its parent.
type FieldPath struct {
	name string // a field name, or "" for an index or key step
	// more are fields below name, each a step of its own (Child's
	// variadic names): kept in one step so that building a path takes
	// one value, which the compiler can keep off the heap.
	more   []string
	index  string // the index or key of a subscript step
	parent *FieldPath
}

// NewPath returns the path of a root field and, optionally, fields below it.
func NewPath(name string, more ...string) *FieldPath {
	return &FieldPath{name: name, more: more}
}

// Child returns the path of a field (and optionally its sub-fields) of p.
func (p *FieldPath) Child(name string, more ...string) *FieldPath {
	return &FieldPath{name: name, more: more, parent: p}
}

// Index returns the path of element i of the list at p: "containers[0]".
func (p *FieldPath) Index(i int) *FieldPath {
	return &FieldPath{index: strconv.Itoa(i), parent: p}
}

// Key returns the path of key k of the map at p: "limits[cpu]".
func (p *FieldPath) Key(k string) *FieldPath {
	return &FieldPath{index: k, parent: p}
}

// String returns the path as Kubernetes prints it. It measures the path,
// then writes it from its end backwards: it keeps no pointer to a step,
// so that paths built on the way down a validation (which only an error
// turns into text) need not live on the heap.
func (p *FieldPath) String() string {
	if p == nil {
		return "<nil>"
	}
	n := 0
	for q := p; q != nil; q = q.parent {
		n += q.len()
	}
	b := make([]byte, n)
	for q := p; q != nil; q = q.parent {
		switch {
		case q.name != "":
			for i := len(q.more) - 1; i >= 0; i-- {
				n -= copy(b[n-len(q.more[i]):], q.more[i])
				n--
				b[n] = '.'
			}
			n -= copy(b[n-len(q.name):], q.name)
			if q.parent != nil {
				n--
				b[n] = '.'
			}
		default:
			n--
			b[n] = ']'
			n -= copy(b[n-len(q.index):], q.index)
			n--
			b[n] = '['
		}
	}
	return string(b)
}

// len is the length of the step's text: ".name.more" (no dot at the
// root), or "[index]".
func (q *FieldPath) len() int {
	if q.name == "" {
		return len(q.index) + 2
	}
	n := len(q.name)
	if q.parent != nil {
		n++
	}
	for _, m := range q.more {
		n += 1 + len(m)
	}
	return n
}

// ErrorType says what kind of problem a FieldError reports. Its values are
// the Kubernetes cause types ("FieldValueRequired", ...) carried in a
// Status's details.
type ErrorType string

// Field error types.
const (
	ErrorTypeNotFound     ErrorType = "FieldValueNotFound"
	ErrorTypeRequired     ErrorType = "FieldValueRequired"
	ErrorTypeDuplicate    ErrorType = "FieldValueDuplicate"
	ErrorTypeInvalid      ErrorType = "FieldValueInvalid"
	ErrorTypeNotSupported ErrorType = "FieldValueNotSupported"
	ErrorTypeForbidden    ErrorType = "FieldValueForbidden"
	ErrorTypeTooLong      ErrorType = "FieldValueTooLong"
	ErrorTypeTooMany      ErrorType = "FieldValueTooMany"
	ErrorTypeInternal     ErrorType = "InternalError"
	ErrorTypeTypeInvalid  ErrorType = "FieldValueTypeInvalid"
)

// String returns the type's text as it appears in messages.
func (t ErrorType) String() string {
	switch t {
	case ErrorTypeNotFound:
		return "Not found"
	case ErrorTypeRequired:
		return "Required value"
	case ErrorTypeDuplicate:
		return "Duplicate value"
	case ErrorTypeInvalid, ErrorTypeTypeInvalid:
		return "Invalid value"
	case ErrorTypeNotSupported:
		return "Unsupported value"
	case ErrorTypeForbidden:
		return "Forbidden"
	case ErrorTypeTooLong:
		return "Too long"
	case ErrorTypeTooMany:
		return "Too many"
	case ErrorTypeInternal:
		return "Internal error"
	}
	return string(t)
}

// FieldError is one problem with one field of an object.
type FieldError struct {
	Type     ErrorType
	Field    string // the path, e.g. "spec.containers[0].image"
	BadValue any    // the offending value; not printed for some types
	Detail   string // what is wrong, e.g. "must be no more than 63 characters"
}

// omitValue as a BadValue keeps the value out of the message.
type omitValueType struct{}

var omitValue = omitValueType{}

// Error returns "field: body", as Kubernetes prints it.
func (e *FieldError) Error() string {
	return e.Field + ": " + e.ErrorBody()
}

// ErrorBody returns the message without the field: "Invalid value: "x":
// detail". Required, Forbidden, TooLong and Internal errors never print the
// value.
func (e *FieldError) ErrorBody() string {
	var s string
	switch {
	case e.Type == ErrorTypeRequired, e.Type == ErrorTypeForbidden,
		e.Type == ErrorTypeTooLong, e.Type == ErrorTypeInternal,
		e.BadValue == omitValue:
		s = e.Type.String()
	default:
		s = e.Type.String() + ": " + formatBadValue(e.BadValue)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// formatBadValue prints a value as Kubernetes does: nil and nil pointers as
// "null" (quoted, as Kubernetes prints them), numbers and booleans plainly, strings quoted, a fmt.Stringer by its
// String. Where Kubernetes falls back to Go syntax (%#v) for structs, maps
// and slices, capstan prints JSON, which reads better and matches the wire
// format.
func formatBadValue(v any) string {
	if v == nil {
		return `"null"`
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return `"null"`
		}
		if _, ok := v.(fmt.Stringer); !ok {
			v = rv.Elem().Interface()
		}
	}
	switch t := v.(type) {
	case int, int64, int32, uint32, uint64, float64, float32, bool:
		return fmt.Sprint(t)
	case string:
		return strconv.Quote(t)
	case fmt.Stringer:
		return t.String()
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprintf("%#v", v)
}

// Required reports that the field at p is missing.
func (p *FieldPath) Required(detail string) *FieldError {
	return &FieldError{ErrorTypeRequired, p.String(), "", detail}
}

// Invalid reports that value, at p, is malformed.
func (p *FieldPath) Invalid(value any, detail string) *FieldError {
	return &FieldError{ErrorTypeInvalid, p.String(), value, detail}
}

// TypeInvalid reports that value, at p, has the wrong type.
func (p *FieldPath) TypeInvalid(value any, detail string) *FieldError {
	return &FieldError{ErrorTypeTypeInvalid, p.String(), value, detail}
}

// NotSupported reports that value, at p, is not one of supported (listed in
// the message in the order given).
func (p *FieldPath) NotSupported(value any, supported []string) *FieldError {
	detail := ""
	if len(supported) > 0 {
		q := make([]string, len(supported))
		for i, s := range supported {
			q[i] = strconv.Quote(s)
		}
		detail = "supported values: " + strings.Join(q, ", ")
	}
	return &FieldError{ErrorTypeNotSupported, p.String(), value, detail}
}

// Duplicate reports that value, at p, repeats one that must be unique.
func (p *FieldPath) Duplicate(value any) *FieldError {
	return &FieldError{ErrorTypeDuplicate, p.String(), value, ""}
}

// NotFound reports that value, at p, refers to something that does not
// exist.
func (p *FieldPath) NotFound(value any) *FieldError {
	return &FieldError{ErrorTypeNotFound, p.String(), value, ""}
}

// Forbidden reports that the field at p may not be set, or not to this.
func (p *FieldPath) Forbidden(detail string) *FieldError {
	return &FieldError{ErrorTypeForbidden, p.String(), "", detail}
}

// TooLong reports that value, at p, is longer than maxBytes (the value is
// not printed).
func (p *FieldPath) TooLong(value any, maxBytes int) *FieldError {
	return &FieldError{ErrorTypeTooLong, p.String(), value, fmt.Sprintf("must have at most %d bytes", maxBytes)}
}

// TooMany reports that the list at p has actual items, more than max.
func (p *FieldPath) TooMany(actual, max int) *FieldError {
	return &FieldError{ErrorTypeTooMany, p.String(), actual, fmt.Sprintf("must have at most %d items", max)}
}

// InternalError reports a failure that is not the user's.
func (p *FieldPath) InternalError(err error) *FieldError {
	return &FieldError{ErrorTypeInternal, p.String(), nil, err.Error()}
}

// ErrorList is every problem found in an object. Validation returns all of
// them at once, in the order of the object's fields.
type ErrorList []*FieldError

// Error joins the messages as a Kubernetes aggregate does: one message
// alone, several as "[a, b]", each distinct message once.
func (l ErrorList) Error() string {
	msgs := l.messages()
	switch len(msgs) {
	case 0:
		return ""
	case 1:
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// messages returns the distinct messages of l, in order.
func (l ErrorList) messages() []string {
	seen := make(map[string]bool, len(l))
	var out []string
	for _, e := range l {
		m := e.Error()
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// ToAggregate returns l without repeated messages as an error, or nil when
// l is empty.
func (l ErrorList) ToAggregate() error {
	if len(l) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(l))
	var out ErrorList
	for _, e := range l {
		m := e.Error()
		if !seen[m] {
			seen[m] = true
			out = append(out, e)
		}
	}
	return out
}

// Strings returns each error's message, in order (repeats included).
func (l ErrorList) Strings() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Error()
	}
	return out
}
