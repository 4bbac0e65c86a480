package apiserver

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

// Tables (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) come from
// server/printers, with kubectl's columns for each kind. includeObject
// says what a row carries (None, Metadata by default, or Object).

// tableOK reports whether the handler can answer a Table of the kind.
func tableOK(kind string) bool {
	_, ok := printers.Columns(kind)
	return ok
}

// includeParam reads includeObject.
func includeParam(req *request) (string, error) {
	switch v := req.query.Get("includeObject"); v {
	case "", printers.IncludeNone, printers.IncludeMetadata, printers.IncludeObject:
		return v, nil
	default:
		return "", api.NewBadRequest(fmt.Sprintf("invalid includeObject %q: want None, Metadata or Object", v))
	}
}

// table converts one object or a list to a Table.
func (s *server) table(req *request, obj api.Object, list *objectList) (*printers.Table, error) {
	include, err := includeParam(req)
	if err != nil {
		return nil, err
	}
	objs := []api.Object{obj}
	if list != nil {
		objs = list.Items
	}
	t, err := printers.ToTable(req.ri.kind.Kind, objs, s.now(), include)
	if err != nil {
		return nil, api.NewInternalError(err)
	}
	if list != nil {
		t.ListMeta = list.Metadata
	} else {
		t.ListMeta.ResourceVersion = obj.GetObjectMeta().ResourceVersion
	}
	return t, nil
}
