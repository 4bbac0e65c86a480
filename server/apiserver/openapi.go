package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// The OpenAPI v3 capstan serves is the minimum kubectl needs to trust the
// server's own field validation: for every kind, the object's path with a
// PATCH operation tagged with its group/version/kind and a fieldValidation
// query parameter (on the operation, where kubectl looks, and on the path,
// where Kubernetes declares it). kubectl (v1.27+) finds that parameter
// (cli-runtime's QueryParamVerifierV3), sends fieldValidation=Strict and
// skips its client-side schema validation, which would need the full
// /openapi/v2 schema. It declares no component schemas, so kubectl apply
// computes its strategic merge patches from its built-in types. /openapi/v2
// is not served (404): kubectl only falls back to it when v3 fails.

// openAPI holds the v3 documents: the root and one per group-version.
type openAPI struct {
	root []byte
	docs map[string][]byte // "api/v1" → document
}

func newOpenAPI() *openAPI {
	o := &openAPI{docs: map[string][]byte{}}
	paths := map[string]map[string]any{}
	for _, k := range api.Kinds() {
		gv := strings.TrimPrefix(gvPath(k.Group, k.Version), "/")
		if paths[gv] == nil {
			paths[gv] = map[string]any{}
		}
		item := "/" + gv + "/" + k.Resource + "/{name}"
		coll := "/" + gv + "/" + k.Resource
		params := []any{pathParam("name")}
		collParams := []any{}
		if k.Namespaced {
			item = "/" + gv + "/namespaces/{namespace}/" + k.Resource + "/{name}"
			coll = "/" + gv + "/namespaces/{namespace}/" + k.Resource
			params = append(params, pathParam("namespace"))
			collParams = append(collParams, pathParam("namespace"))
		}
		for _, q := range []string{"dryRun", "fieldManager", "fieldValidation", "pretty"} {
			params = append(params, queryParam(q))
			collParams = append(collParams, queryParam(q))
		}
		gvk := map[string]string{"group": k.Group, "version": k.Version, "kind": k.Kind}
		content := map[string]any{}
		for _, t := range patchTypes {
			content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
		}
		ok := map[string]any{"200": map[string]any{"description": "OK"}}
		paths[gv][item] = map[string]any{
			"parameters": params,
			"patch": map[string]any{
				"operationId":                     "patch" + k.Kind,
				"parameters":                      params,
				"x-kubernetes-action":             "patch",
				"x-kubernetes-group-version-kind": gvk,
				"requestBody":                     map[string]any{"content": content},
				"responses":                       ok,
			},
			"put": map[string]any{
				"operationId":                     "replace" + k.Kind,
				"x-kubernetes-action":             "put",
				"x-kubernetes-group-version-kind": gvk,
				"responses":                       ok,
			},
		}
		paths[gv][coll] = map[string]any{
			"parameters": collParams,
			"post": map[string]any{
				"operationId":                     "create" + k.Kind,
				"x-kubernetes-action":             "post",
				"x-kubernetes-group-version-kind": gvk,
				"responses":                       ok,
			},
		}
	}
	root := map[string]any{}
	for gv, p := range paths {
		doc := encodeJSON(map[string]any{
			"openapi":    "3.0.0",
			"info":       map[string]any{"title": "capstan", "version": "v1"},
			"paths":      p,
			"components": map[string]any{"schemas": map[string]any{}},
		})
		o.docs[gv] = doc
		sum := sha256.Sum256(doc)
		root[gv] = map[string]string{"serverRelativeURL": "/openapi/v3/" + gv + "?hash=" + strings.ToUpper(hex.EncodeToString(sum[:]))}
	}
	o.root = encodeJSON(map[string]any{"paths": root})
	return o
}

func pathParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
}

func queryParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "query", "schema": map[string]any{"type": "string", "uniqueItems": true}}
}

// serveOpenAPI answers /openapi/v3 and its documents; false for other
// paths.
func (s *server) serveOpenAPI(w http.ResponseWriter, r *http.Request) bool {
	path := strings.TrimSuffix(r.URL.Path, "/")
	var doc []byte
	switch {
	case path == "/openapi/v3":
		doc = s.openapi.root
	case strings.HasPrefix(path, "/openapi/v3/"):
		doc = s.openapi.docs[strings.TrimPrefix(path, "/openapi/v3/")]
	}
	if doc == nil {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeError(w, r, newMethodNotAllowed(r.Method, r.URL.Path), "", "")
		return true
	}
	w.Header().Set("Content-Type", mediaJSON)
	if r.URL.Query().Get("hash") != "" {
		w.Header().Set("Cache-Control", "public, immutable")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
	return true
}
