package apiserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/storage"
)

func TestDiscovery(t *testing.T) {
	ts := newTestServer(t)
	findResource := func(r response, name string) map[string]any {
		t.Helper()
		res, _ := r.object()["resources"].([]any)
		for _, x := range res {
			if m := x.(map[string]any); m["name"] == name {
				return m
			}
		}
		t.Fatalf("no resource %q in %s", name, r.body)
		return nil
	}
	runSteps(t, ts, []step{
		{name: "api", method: "GET", path: "/api", code: 200, check: hasField([]string{"versions"}, "[v1]")},
		{name: "apis", method: "GET", path: "/apis", code: 200, check: func(t *testing.T, r response) {
			for _, g := range []string{"apps", "coordination.k8s.io"} {
				if !strings.Contains(string(r.body), `"name":"`+g+`"`) {
					t.Errorf("/apis lacks %s: %s", g, r.body)
				}
			}
			if get(r.object(), "kind") != "APIGroupList" {
				t.Errorf("kind %v", get(r.object(), "kind"))
			}
		}},
		{name: "group", method: "GET", path: "/apis/apps", code: 200, check: hasField([]string{"preferredVersion", "groupVersion"}, "apps/v1")},
		{name: "core v1", method: "GET", path: "/api/v1", code: 200, check: func(t *testing.T, r response) {
			po := findResource(r, "pods")
			if po["kind"] != "Pod" || po["namespaced"] != true || get(po, "shortNames") == nil || len(po["verbs"].([]any)) != 8 {
				t.Errorf("pods: %v", po)
			}
			for name, short := range map[string]string{"services": "svc", "namespaces": "ns", "nodes": "no", "configmaps": "cm",
				"endpoints": "ep", "events": "ev", "persistentvolumes": "pv", "persistentvolumeclaims": "pvc", "serviceaccounts": "sa"} {
				if got := findResource(r, name)["shortNames"]; len(got.([]any)) != 1 || got.([]any)[0] != short {
					t.Errorf("%s shortNames %v", name, got)
				}
			}
			if findResource(r, "nodes")["namespaced"] != false {
				t.Error("nodes namespaced")
			}
			if b := findResource(r, "pods/binding"); b["kind"] != "Binding" {
				t.Errorf("pods/binding %v", b)
			}
			findResource(r, "pods/status")
			findResource(r, "secrets")
		}},
		{name: "apps v1", method: "GET", path: "/apis/apps/v1", code: 200, check: func(t *testing.T, r response) {
			sc := findResource(r, "deployments/scale")
			if sc["group"] != "autoscaling" || sc["version"] != "v1" || sc["kind"] != "Scale" {
				t.Errorf("deployments/scale %v", sc)
			}
			findResource(r, "replicasets/scale")
		}},
		{name: "coordination", method: "GET", path: "/apis/coordination.k8s.io/v1", code: 200, check: func(t *testing.T, r response) {
			findResource(r, "leases")
		}},
		{name: "unknown group", method: "GET", path: "/apis/batch/v1", code: 404, reason: api.StatusReasonNotFound},
		{name: "version", method: "GET", path: "/version", code: 200, check: hasField([]string{"major"}, "1")},
		{name: "healthz", method: "GET", path: "/healthz", code: 200, contains: "ok"},
		{name: "livez", method: "GET", path: "/livez", code: 200, contains: "ok"},
		{name: "readyz", method: "GET", path: "/readyz?verbose", code: 200, contains: "[+]backend ok"},
		{name: "openapi v3 root", method: "GET", path: "/openapi/v3", code: 200, contains: `"apis/apps/v1"`},
		{name: "openapi v3 apps", method: "GET", path: "/openapi/v3/apis/apps/v1", code: 200, contains: "fieldValidation"},
		{name: "openapi v2", method: "GET", path: "/openapi/v2", code: 404},
		{name: "unknown path", method: "GET", path: "/nothing", code: 404, reason: api.StatusReasonNotFound},
		{name: "post to discovery", method: "POST", path: "/api/v1", body: "{}", code: 405},
		{name: "metrics", method: "GET", path: "/metrics", code: 200, contains: `apiserver_request_duration_seconds_bucket{code="200",resource="",subresource="",verb="GET"`},
	})
}

// failingBackend is a backend whose Revision fails (an unreachable etcd).
type failingBackend struct{ storage.Backend }

func (failingBackend) Revision() (int64, error) { return 0, errors.New("etcd unreachable") }

func TestReadyzFails(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.Backend = failingBackend{c.Backend}
		c.ReadyChecks = []Check{{Name: "leader", Run: func(context.Context) error { return nil }}}
	})
	r := ts.do("GET", "/readyz", "")
	if r.code != http.StatusInternalServerError || !strings.Contains(string(r.body), "[-]backend failed: etcd unreachable") ||
		!strings.Contains(string(r.body), "[+]leader ok") {
		t.Errorf("readyz: %d %s", r.code, r.body)
	}
	ts.mustDo("GET", "/livez", "", 200)
}

type tokenAuth struct{}

func (tokenAuth) Authenticate(r *http.Request) (UserInfo, error) {
	switch r.Header.Get("Authorization") {
	case "Bearer alice":
		return UserInfo{Name: "alice"}, nil
	case "Bearer bob":
		return UserInfo{Name: "bob"}, nil
	case "Bearer broken":
		return UserInfo{Name: "error"}, nil
	}
	return UserInfo{}, errors.New("invalid bearer token")
}

// onlyAlice lets alice (and the anonymous user the test server sets up
// with) do anything, bob only read pods; it fails for the user "error".
type onlyAlice struct{ seen *[]Attributes }

func (a onlyAlice) Authorize(_ context.Context, u UserInfo, at Attributes) (bool, string, error) {
	*a.seen = append(*a.seen, at)
	if u.Name == "error" {
		return false, "", errors.New("boom")
	}
	if u.Name == "alice" || u.Name == "system:anonymous" || (at.Resource == "pods" && (at.Verb == "get" || at.Verb == "list")) {
		return true, "", nil
	}
	return false, "bob may only read pods", nil
}

func TestAuth(t *testing.T) {
	if _, err := New(Config{Backend: storage.NewLocked(nil)}); err == nil {
		t.Error("New without an Authenticator and Authorizer succeeded")
	}
	var seen []Attributes
	ts := newTestServer(t, func(c *Config) {
		c.Authenticator = multiAuth{tokenAuth{}, c.Authenticator}
		c.Authorizer = onlyAlice{&seen}
	})
	runSteps(t, ts, []step{
		{name: "no token", method: "GET", path: "/api/v1/namespaces/default/pods", headers: []string{"X-No-Anon", "1"}, code: 401,
			reason: api.StatusReasonUnauthorized, contains: "invalid bearer token"},
		{name: "bob reads", method: "GET", path: "/api/v1/namespaces/default/pods", headers: []string{"Authorization", "Bearer bob"}, code: 200},
		{name: "bob writes", method: "POST", path: "/api/v1/namespaces/default/pods", body: "{}", headers: []string{"Authorization", "Bearer bob"},
			code: 403, reason: api.StatusReasonForbidden,
			contains: `User \"bob\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\": bob may only read pods`},
		{name: "bob scales", method: "GET", path: "/apis/apps/v1/namespaces/default/deployments/web/scale", headers: []string{"Authorization", "Bearer bob"},
			code: 403, contains: `deployments/scale`},
		{name: "bob metrics", method: "GET", path: "/metrics", headers: []string{"Authorization", "Bearer bob"}, code: 403, contains: `path \"/metrics\"`},
		{name: "authorizer error", method: "GET", path: "/api/v1/namespaces/default/pods", headers: []string{"Authorization", "Bearer broken"},
			code: 500, reason: api.StatusReasonInternalError, contains: "boom"},
		{name: "health needs no token", method: "GET", path: "/healthz", headers: []string{"X-No-Anon", "1"}, code: 200},
	})
	var scale *Attributes
	for i := range seen {
		if seen[i].Subresource == "scale" {
			scale = &seen[i]
		}
	}
	if scale == nil || scale.APIGroup != "apps" || scale.Resource != "deployments" || scale.Name != "web" || scale.Namespace != "default" ||
		scale.Verb != "get" || !scale.ResourceRequest {
		t.Errorf("scale attributes %+v", scale)
	}
}

// multiAuth tries a, then b unless the request says X-No-Anon.
type multiAuth struct{ a, b Authenticator }

func (m multiAuth) Authenticate(r *http.Request) (UserInfo, error) {
	u, err := m.a.Authenticate(r)
	if err == nil || r.Header.Get("X-No-Anon") != "" {
		return u, err
	}
	return m.b.Authenticate(r)
}

func TestTables(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", ns+"/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"x"}]}}`, 201)
	table := []string{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
	columns := func(t *testing.T, r response) {
		o := r.object()
		cols, _ := o["columnDefinitions"].([]any)
		rows, _ := o["rows"].([]any)
		if o["kind"] != "Table" || len(cols) < 5 || get(cols[0].(map[string]any), "name") != "Name" || len(rows) != 1 {
			t.Errorf("table: %s", r.body)
			return
		}
		if cells := get(rows[0].(map[string]any), "cells").([]any); cells[0] != "a" || cells[2] != "Pending" {
			t.Errorf("row cells %v", cells)
		}
		if get(rows[0].(map[string]any), "object", "kind") != "PartialObjectMetadata" {
			t.Errorf("row object %v", get(rows[0].(map[string]any), "object"))
		}
	}
	runSteps(t, ts, []step{
		{name: "list table", method: "GET", path: ns + "/pods", headers: table, code: 200, check: columns},
		{name: "get table", method: "GET", path: ns + "/pods/a", headers: table, code: 200, check: columns},
		{name: "include object", method: "GET", path: ns + "/pods?includeObject=Object", headers: table, code: 200,
			contains: `"object":{"apiVersion":"v1","kind":"Pod"`},
		{name: "bad include", method: "GET", path: ns + "/pods?includeObject=All", headers: table, code: 400},
		{name: "table only for reads", method: "POST", path: ns + "/pods", body: "{}",
			headers: []string{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}, code: 406},
	})
	// A watch as Tables: column definitions in the first event only.
	w := ts.watch(ns+"/pods?watch=1&timeoutSeconds=5", table...)
	first := w.expect("ADDED", "")
	ts.mustDo("POST", ns+"/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{"containers":[{"name":"c","image":"x"}]}}`, 201)
	second := w.expect("ADDED", "")
	if first.obj["kind"] != "Table" || first.obj["columnDefinitions"] == nil || second.obj["columnDefinitions"] != nil {
		t.Errorf("watch tables: %v then %v", first.obj, second.obj)
	}
	if rows, _ := second.obj["rows"].([]any); len(rows) != 1 || get(rows[0].(map[string]any), "cells").([]any)[0] != "b" {
		t.Errorf("second watch table rows %v", second.obj["rows"])
	}
}
