package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/core/api"
)

// Media types.
const (
	mediaJSON  = "application/json"
	mediaYAML  = "application/yaml"
	mediaProto = "application/vnd.kubernetes.protobuf"
)

// readBody reads the request body, at most limit bytes (413 beyond).
func readBody(r *http.Request, w http.ResponseWriter, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, api.NewRequestEntityTooLarge(fmt.Sprintf("limit is %d", limit))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, api.NewRequestEntityTooLarge(fmt.Sprintf("limit is %d", limit))
		}
		return nil, api.NewBadRequest(fmt.Sprintf("reading the request body: %v", err))
	}
	return body, nil
}

// contentType returns the request's media type without parameters, or a
// 415 UnsupportedMediaType error naming the allowed ones. An absent
// Content-Type is JSON.
func contentType(r *http.Request, allowed ...string) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return allowed[0], nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, a := range allowed {
			if mt == a {
				return mt, nil
			}
		}
	}
	return "", newUnsupportedMediaType(ct, allowed)
}

func newUnsupportedMediaType(ct string, allowed []string) *api.StatusError {
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: http.StatusUnsupportedMediaType, Reason: "UnsupportedMediaType",
		Message: fmt.Sprintf("the body of the request was in an unknown format (%q) - accepted media types include: %s",
			ct, strings.Join(allowed, ", ")),
	}}
}

func newNotAcceptable() *api.StatusError {
	return &api.StatusError{ErrStatus: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   api.StatusFailure, Code: http.StatusNotAcceptable, Reason: "NotAcceptable",
		Message: "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io",
	}}
}

// toJSON converts a JSON or YAML body to JSON.
func toJSON(body []byte, mt string) ([]byte, error) {
	if mt != mediaYAML {
		return body, nil
	}
	js, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, api.NewBadRequest(fmt.Sprintf("the body of the request is not valid YAML: %v", err))
	}
	return js, nil
}

// typeHeader is the part of a body that says what it is.
type typeHeader struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// fieldValidation is the fieldValidation query parameter: how unknown and
// duplicate fields of a body are treated.
type fieldValidation string

const (
	validationStrict fieldValidation = "Strict" // 400 BadRequest
	validationWarn   fieldValidation = "Warn"   // dropped, with a Warning header (the default)
	validationIgnore fieldValidation = "Ignore" // dropped silently
)

// decodeObject decodes a JSON body into an object of the kind, the path's
// kind filling a missing apiVersion and kind as Kubernetes does. A body of
// another kind or apiVersion is a 400.
func decodeObject(w http.ResponseWriter, js []byte, info *api.KindInfo, fv fieldValidation) (api.Object, error) {
	var th typeHeader
	if err := json.Unmarshal(js, &th); err != nil {
		return nil, api.NewBadRequest(describeJSONError(js, err))
	}
	if th.Kind == "" || th.APIVersion == "" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(js, &m); err != nil {
			return nil, api.NewBadRequest(describeJSONError(js, err))
		}
		if th.Kind == "" {
			th.Kind = info.Kind
			m["kind"], _ = json.Marshal(info.Kind)
		}
		if th.APIVersion == "" {
			th.APIVersion = info.APIVersion()
			m["apiVersion"], _ = json.Marshal(th.APIVersion)
		}
		js, _ = json.Marshal(m)
	}
	if th.Kind != info.Kind {
		return nil, api.NewBadRequest(fmt.Sprintf("the body is a %s (apiVersion %q), but %s takes a %s (apiVersion %q)",
			th.Kind, th.APIVersion, info.Resource, info.Kind, info.APIVersion()))
	}
	if th.APIVersion != info.APIVersion() {
		return nil, api.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)",
			th.APIVersion, info.APIVersion()))
	}
	obj, err := api.DecodeOptions{Strict: true}.Decode(js)
	if err == nil {
		return obj, nil
	}
	strictErr := err
	if fv == validationStrict {
		return nil, api.NewBadRequest("strict decoding error: " + decodeMessage(strictErr))
	}
	obj, err = api.DecodeOptions{}.Decode(js)
	if err != nil {
		return nil, api.NewBadRequest("the body of the request could not be decoded: " + decodeMessage(err))
	}
	if fv == validationWarn {
		w.Header().Add("Warning", `299 - "`+strings.ReplaceAll(decodeMessage(strictErr), `"`, `'`)+`"`)
	}
	return obj, nil
}

// decodeMessage strips the document framing of a core/api DecodeError,
// which means nothing for a request body.
func decodeMessage(err error) string {
	var de *api.DecodeError
	if errors.As(err, &de) {
		if de.Kind != "" {
			msg := de.Kind
			if de.Name != "" {
				msg += fmt.Sprintf(" %q", de.Name)
			}
			return msg + ": " + de.Err.Error()
		}
		return de.Err.Error()
	}
	return err.Error()
}

// describeJSONError says where a body's JSON goes wrong.
func describeJSONError(js []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("the body of the request is not valid JSON: %v (at byte %d)", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("the body of the request could not be decoded: %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("the body of the request must be a JSON object, got JSON %s", te.Value)
	}
	if len(bytes.TrimSpace(js)) == 0 {
		return "the body of the request is empty: an object is required"
	}
	return "the body of the request could not be decoded: " + err.Error()
}

// decodeStrictJSON decodes a small wire type (DeleteOptions, Scale,
// Binding) into v, refusing unknown fields.
func decodeStrictJSON(js []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return api.NewBadRequest(describeJSONError(js, err))
	}
	if dec.More() {
		return api.NewBadRequest("the body of the request holds more than one JSON value")
	}
	return nil
}

// output is how a response is encoded, from the Accept header.
type output struct {
	yaml  bool
	table bool // the client takes a meta.k8s.io/v1 Table
}

// negotiate reads the Accept header. tableOK says whether the endpoint
// can answer a Table.
func negotiate(r *http.Request, tableOK bool) (output, error) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return output{}, nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaJSON:
			switch params["as"] {
			case "":
				return output{}, nil
			case "Table":
				if tableOK && params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
					return output{table: true}, nil
				}
			}
		case mediaYAML:
			if params["as"] == "" {
				return output{yaml: true}, nil
			}
		case "*/*", "application/*":
			return output{}, nil
		}
	}
	return output{}, newNotAcceptable()
}

// writeJSON writes v with the status code, as JSON or YAML.
func writeJSON(w http.ResponseWriter, code int, v any, out output) {
	b, err := json.Marshal(v)
	if err != nil {
		// The types served all marshal; this is a bug, answered as one.
		b, _ = json.Marshal(api.NewInternalError(fmt.Errorf("encoding the response: %w", err)).Status())
		code = http.StatusInternalServerError
		out.yaml = false
	}
	if out.yaml {
		if y, err := yaml.JSONToYAML(b); err == nil {
			w.Header().Set("Content-Type", mediaYAML)
			w.WriteHeader(code)
			_, _ = w.Write(y)
			return
		}
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(code)
	b = append(b, '\n')
	_, _ = w.Write(b)
}
