package apiserver

import (
	"net/http"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// requestInfo is what a resource path and method mean, as Kubernetes'
// RequestInfoFactory reads them.
type requestInfo struct {
	// verb is Kubernetes' verb (get, list, watch, create, update, patch,
	// delete, deletecollection).
	verb        string
	group       string
	version     string
	resource    string
	subresource string
	// namespace is the path's namespace; for the namespaces resource
	// itself it is empty and name is the namespace's name.
	namespace string
	name      string
	// kind is the kind the resource serves.
	kind *api.KindInfo
	// legacyWatch: the path started with /watch/.
	legacyWatch bool
}

// subresources each resource serves, with the methods allowed on them.
var subresources = map[string]map[string]bool{
	"pods":                   {"status": true, "binding": true, "eviction": true, "log": true},
	"nodes":                  {"status": true},
	"services":               {"status": true},
	"namespaces":             {"status": true},
	"persistentvolumes":      {"status": true},
	"persistentvolumeclaims": {"status": true},
	"deployments":            {"status": true, "scale": true},
	"replicasets":            {"status": true, "scale": true},
}

// parseResourcePath reads a path under /api/v1 or /apis/GROUP/VERSION.
// It returns ok=false when the path names no resource this server serves
// (the caller answers 404), and a *api.StatusError for a request it must
// refuse otherwise.
func parseResourcePath(method, path string, watchParam bool) (*requestInfo, bool) {
	parts := splitPath(path)
	ri := &requestInfo{}
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		ri.version, parts = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		ri.group, ri.version, parts = parts[1], parts[2], parts[3:]
	default:
		return nil, false
	}
	if len(parts) == 0 {
		return nil, false
	}
	if parts[0] == "watch" {
		ri.legacyWatch = true
		parts = parts[1:]
	}
	if len(parts) == 0 {
		return nil, false
	}
	if parts[0] == "namespaces" && len(parts) > 2 && parts[2] != "status" {
		ri.namespace = parts[1]
		parts = parts[2:]
	}
	switch len(parts) {
	case 1:
		ri.resource = parts[0]
	case 2:
		ri.resource, ri.name = parts[0], parts[1]
	case 3:
		ri.resource, ri.name, ri.subresource = parts[0], parts[1], parts[2]
	default:
		return nil, false
	}
	info, ok := api.LookupResource(ri.resource)
	if !ok || info.Group != ri.group || info.Version != ri.version {
		return nil, false
	}
	ri.kind = info
	if !info.Namespaced && ri.namespace != "" {
		return nil, false
	}
	if info.Namespaced && ri.namespace == "" && ri.name != "" {
		// A namespaced object is only reachable under its namespace.
		return nil, false
	}
	if ri.subresource != "" && !subresources[ri.resource][ri.subresource] {
		return nil, false
	}
	if ri.legacyWatch && method != http.MethodGet {
		return nil, false
	}
	for _, s := range []string{ri.namespace, ri.name} {
		if s == "." || s == ".." || strings.ContainsAny(s, "%") {
			return nil, false
		}
	}
	ri.verb = verbOf(method, ri, watchParam)
	return ri, true
}

// verbOf maps a method on a path to Kubernetes' verb; "" for a method the
// path does not serve.
func verbOf(method string, ri *requestInfo, watchParam bool) string {
	collection := ri.name == ""
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case ri.legacyWatch || watchParam:
			return "watch"
		case collection:
			return "list"
		}
		return "get"
	case http.MethodPost:
		if collection || ri.subresource == "binding" || ri.subresource == "eviction" {
			return "create"
		}
	case http.MethodPut:
		if !collection {
			return "update"
		}
	case http.MethodPatch:
		if !collection {
			return "patch"
		}
	case http.MethodDelete:
		if collection {
			return "deletecollection"
		}
		return "delete"
	}
	return ""
}

// splitPath splits a URL path into its non-empty segments.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
