package apiserver

import "github.com/capstan-dev/capstan/core/api"

// Tables (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) come from
// server/printers, which another change brings; until then the handler
// offers none, and negotiate falls back to plain JSON when the client
// accepts it (kubectl does, and prints the objects itself).

// tables reports whether the handler can answer Tables.
func (s *server) tables() bool { return false }

// table converts one object or a list to a Table.
func (s *server) table(req *request, obj api.Object, list *objectList) (any, error) {
	return nil, newNotAcceptable()
}
