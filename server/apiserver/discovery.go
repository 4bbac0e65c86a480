package apiserver

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/capstan-dev/capstan/core/api"
)

// Discovery documents, in k8s.io/apimachinery's meta/v1 shapes.

type apiResource struct {
	Name         string   `json:"name"`
	SingularName string   `json:"singularName"`
	Namespaced   bool     `json:"namespaced"`
	Group        string   `json:"group,omitempty"`
	Version      string   `json:"version,omitempty"`
	Kind         string   `json:"kind"`
	Verbs        []string `json:"verbs"`
	ShortNames   []string `json:"shortNames,omitempty"`
	Categories   []string `json:"categories,omitempty"`
}

type apiResourceList struct {
	Kind         string        `json:"kind"`
	APIVersion   string        `json:"apiVersion"`
	GroupVersion string        `json:"groupVersion"`
	Resources    []apiResource `json:"resources"`
}

type groupVersion struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Kind             string         `json:"kind,omitempty"`
	APIVersion       string         `json:"apiVersion,omitempty"`
	Name             string         `json:"name"`
	Versions         []groupVersion `json:"versions"`
	PreferredVersion groupVersion   `json:"preferredVersion"`
}

type apiGroupList struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Groups     []apiGroup `json:"groups"`
}

type apiVersions struct {
	Kind                       string              `json:"kind"`
	Versions                   []string            `json:"versions"`
	ServerAddressByClientCIDRs []serverAddressCIDR `json:"serverAddressByClientCIDRs"`
}

type serverAddressCIDR struct {
	ClientCIDR    string `json:"clientCIDR"`
	ServerAddress string `json:"serverAddress"`
}

// shortNames and categories are Kubernetes'.
var shortNames = map[string][]string{
	"pods": {"po"}, "deployments": {"deploy"}, "replicasets": {"rs"}, "services": {"svc"},
	"namespaces": {"ns"}, "nodes": {"no"}, "configmaps": {"cm"}, "endpoints": {"ep"}, "events": {"ev"},
	"persistentvolumes": {"pv"}, "persistentvolumeclaims": {"pvc"}, "serviceaccounts": {"sa"},
}

var categories = map[string][]string{
	"pods": {"all"}, "deployments": {"all"}, "replicasets": {"all"}, "services": {"all"},
}

var allVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// discovery holds the discovery documents, built once from core/api's
// kinds.
type discovery struct {
	// lists maps "/api/v1", "/apis/apps/v1" to an APIResourceList.
	lists map[string]*apiResourceList
	// groups maps "/apis/apps" to an APIGroup; groupList is /apis.
	groups    map[string]*apiGroup
	groupList *apiGroupList
}

func newDiscovery() *discovery {
	d := &discovery{lists: map[string]*apiResourceList{}, groups: map[string]*apiGroup{},
		groupList: &apiGroupList{Kind: "APIGroupList", APIVersion: "v1", Groups: []apiGroup{}}}
	for _, k := range api.Kinds() {
		path := gvPath(k.Group, k.Version)
		l := d.lists[path]
		if l == nil {
			l = &apiResourceList{Kind: "APIResourceList", APIVersion: "v1", GroupVersion: k.APIVersion()}
			d.lists[path] = l
			if k.Group != "" {
				gv := groupVersion{GroupVersion: k.APIVersion(), Version: k.Version}
				g := &apiGroup{Kind: "APIGroup", APIVersion: "v1", Name: k.Group, Versions: []groupVersion{gv}, PreferredVersion: gv}
				d.groups["/apis/"+k.Group] = g
				d.groupList.Groups = append(d.groupList.Groups, apiGroup{Name: g.Name, Versions: g.Versions, PreferredVersion: gv})
			}
		}
		l.Resources = append(l.Resources, apiResource{
			Name: k.Resource, SingularName: lower(k.Kind), Namespaced: k.Namespaced, Kind: k.Kind,
			Verbs: allVerbs, ShortNames: shortNames[k.Resource], Categories: categories[k.Resource],
		})
		subs := make([]string, 0, len(subresources[k.Resource]))
		for sub := range subresources[k.Resource] {
			subs = append(subs, sub)
		}
		sort.Strings(subs)
		for _, sub := range subs {
			r := apiResource{Name: k.Resource + "/" + sub, Namespaced: k.Namespaced, Kind: k.Kind}
			switch sub {
			case "status":
				r.Verbs = []string{"get", "patch", "update"}
			case "scale":
				r.Group, r.Version, r.Kind, r.Verbs = "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}
			case "binding":
				r.Kind, r.Verbs = "Binding", []string{"create"}
			case "eviction":
				r.Group, r.Version, r.Kind, r.Verbs = "policy", "v1", "Eviction", []string{"create"}
			}
			l.Resources = append(l.Resources, r)
		}
	}
	for _, l := range d.lists {
		sort.SliceStable(l.Resources, func(i, j int) bool { return l.Resources[i].Name < l.Resources[j].Name })
	}
	sort.Slice(d.groupList.Groups, func(i, j int) bool { return d.groupList.Groups[i].Name < d.groupList.Groups[j].Name })
	return d
}

// gvPath is "/api/v1" for the core group, "/apis/GROUP/VERSION" else.
func gvPath(group, version string) string {
	if group == "" {
		return "/api/" + version
	}
	return "/apis/" + group + "/" + version
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// serveDiscovery answers the discovery paths; false if path is not one.
func (s *server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	var doc any
	switch {
	case path == "/api":
		doc = apiVersions{Kind: "APIVersions", Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []serverAddressCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}}
	case path == "/apis":
		doc = s.discovery.groupList
	case s.discovery.groups[path] != nil:
		doc = s.discovery.groups[path]
	case s.discovery.lists[path] != nil:
		doc = s.discovery.lists[path]
	default:
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeError(w, r, newMethodNotAllowed(r.Method, r.URL.Path), "", "")
		return true
	}
	out, err := negotiate(r, false)
	if err != nil {
		s.writeError(w, r, err, "", "")
		return true
	}
	writeJSON(w, http.StatusOK, doc, out)
	return true
}

// encodeJSON marshals documents built from constants; it cannot fail.
func encodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
