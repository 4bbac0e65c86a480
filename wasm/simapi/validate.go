package simapi

import (
	"errors"

	"github.com/capstan-dev/capstan/core/api"
)

// Problem is one thing wrong with the editor's manifests: where (the
// document, its first line, the object, the field path) and what.
type Problem struct {
	Document int    `json:"document"`
	Line     int    `json:"line,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Name     string `json:"name,omitempty"`
	Field    string `json:"field,omitempty"`
	Message  string `json:"message"`
}

// Validation is the answer to validate: the problems (none: the
// manifests decode, default and validate as the API server would take
// them) and what the manifests hold.
type Validation struct {
	Problems []Problem `json:"problems"`
	Objects  []string  `json:"objects"`
}

// validate decodes manifests strictly, then defaults and validates each
// object as the registry does on create, reporting every problem at its
// field path.
func validate(yaml string) *Validation {
	v := &Validation{Problems: []Problem{}, Objects: []string{}}
	objs, err := api.DecodeManifests([]byte(yaml))
	if err != nil {
		for _, e := range flatten(err) {
			var de *api.DecodeError
			if !errors.As(e, &de) {
				v.Problems = append(v.Problems, Problem{Message: e.Error()})
				continue
			}
			p := Problem{Document: de.Document, Line: de.Line, Kind: de.Kind, Name: de.Name, Message: de.Err.Error()}
			var fe *api.FieldError
			if errors.As(de.Err, &fe) {
				p.Field, p.Message = fe.Field, fe.ErrorBody()
			}
			v.Problems = append(v.Problems, p)
		}
		return v
	}
	// Validation errors name a field: point at its line when the objects
	// are the documents one for one (no List documents).
	docs := documents(yaml)
	if len(docs) != len(objs) {
		docs = nil
	}
	for i, o := range objs {
		cp := api.CopyObject(o)
		m := cp.GetObjectMeta()
		kind := cp.GetTypeMeta().Kind
		if info, ok := api.LookupKind(kind); ok && info.Namespaced && m.Namespace == "" {
			m.Namespace = api.NamespaceDefault
		}
		v.Objects = append(v.Objects, kind+"/"+m.Name)
		api.Default(cp)
		for _, fe := range api.Validate(cp) {
			p := Problem{Document: i, Kind: kind, Name: m.Name, Field: fe.Field, Message: fe.ErrorBody()}
			if docs != nil {
				p.Line = fieldLine(docs[i], fe.Field)
			}
			v.Problems = append(v.Problems, p)
		}
	}
	return v
}

// flatten undoes errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
