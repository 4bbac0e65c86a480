package apiserver

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzParts are the pieces random requests are made of: valid ones, and
// the kinds of garbage clients send.
var (
	fuzzMethods  = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}
	fuzzPrefixes = []string{"/api/v1", "/apis/apps/v1", "/apis/coordination.k8s.io/v1", "/apis/apps", "/api", "/apis",
		"/api/v2", "/apis/batch/v1", "/api/v1/watch", "/openapi/v3", "/openapi/v3/api/v1", "/openapi/v2", "/", "/version",
		"/readyz", "/metrics"}
	fuzzSegments = []string{"namespaces", "default", "kube-system", "pods", "p", "deployments", "web", "nodes", "n1", "configmaps",
		"leases", "status", "scale", "binding", "eviction", "finalize", "%2F", "..", "", "x y", "UPPER", strings.Repeat("a", 300),
		"events", "services", "secrets", "persistentvolumes", "replicasets", "watch"}
	fuzzQueryKeys = []string{"watch", "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch",
		"dryRun", "fieldValidation", "propagationPolicy", "gracePeriodSeconds", "orphanDependents", "allowWatchBookmarks",
		"sendInitialEvents", "timeoutSeconds", "pretty"}
	fuzzQueryValues = []string{"", "1", "0", "-1", "true", "false", "All", "Strict", "Warn", "Exact", "NotOlderThan", "Orphan",
		"Foreground", "a=b", "a in (b,c)", "a notin (", "!a", "a>x", "spec.nodeName=n1", "metadata.name=p", "status.phase!=Running",
		"bogus=1", "99999999999999999999", "%zz", "abc", "a,,b", "(", "=", "x=y=z", strings.Repeat("k", 100) + "=v"}
	fuzzBodies = []string{"", "{}", "[]", "null", "1", `"s"`, "{", "a: [b", "\x00\xff", fmt.Sprintf(podJSON, "p"), deploymentJSON,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"other"}}`,
		`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","namespace":"x"}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":"many"}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","resourceVersion":"abc"}}`,
		`{"metadata":{"name":"p","generateName":"g-"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":99999}]}]}}`,
		`{"kind":"DeleteOptions","gracePeriodSeconds":-5,"propagationPolicy":"x","preconditions":{"uid":"u"}}`,
		`{"kind":"Scale","spec":{"replicas":3}}`, `{"spec":{"replicas":-3}}`, `{"target":{"kind":"Node","name":"n1"}}`,
		`[{"op":"replace","path":"/spec/replicas","value":3}]`, `{"metadata":{"labels":{"a":"b"}}}`, `{"metadata":null}`,
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}}`, strings.Repeat("[", 20000),
		`{"apiVersion":"v1","kind":"PodList","items":[]}`, `{"apiVersion":"v1","kind":"Status"}`,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n", "---\n---\n", "a: &a [*a]\n", "k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x03\x0a\x01\xff", "k8s\x00\xff\xff"}
	fuzzContentTypes = []string{"", "application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml", "text/plain", "application/json; charset=utf-8", ";;;",
		"application/vnd.kubernetes.protobuf"}
	fuzzAccepts = []string{"", "application/json", "application/yaml", "*/*", "application/vnd.kubernetes.protobuf", "text/html",
		"application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", ",,;", "application/*"}
)

// fuzzPath is mostly a resource path of the right shape (so that requests
// reach the handlers), sometimes anything.
func fuzzPath(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		path := pick(r, fuzzPrefixes)
		for range r.IntN(5) {
			path += "/" + pick(r, fuzzSegments)
		}
		return path
	}
	res := pick(r, []struct{ gv, resource, name string }{
		{"/api/v1", "pods", "p"}, {"/api/v1", "configmaps", "c"}, {"/api/v1", "nodes", "n1"}, {"/api/v1", "namespaces", "default"},
		{"/apis/apps/v1", "deployments", "web"}, {"/apis/apps/v1", "replicasets", "rs"}, {"/apis/coordination.k8s.io/v1", "leases", "l"},
		{"/api/v1", "secrets", "s"}, {"/api/v1", "events", "e"}, {"/api/v1", "persistentvolumes", "pv"},
	})
	path := res.gv
	if r.IntN(5) == 0 {
		path += "/watch"
	}
	if r.IntN(4) != 0 {
		path += "/namespaces/" + pick(r, []string{"default", "default", "other", "Bad_NS"})
	}
	path += "/" + res.resource
	if r.IntN(3) != 0 {
		path += "/" + pick(r, []string{res.name, res.name, "missing"})
		if r.IntN(3) == 0 {
			path += "/" + pick(r, []string{"status", "scale", "binding", "eviction", "log"})
		}
	}
	return path
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Random requests, well-formed and not, never get a 5xx nor panic the
// handler: bad input is a 4xx Status. The one 5xx Kubernetes itself
// answers to a client's input, 504 "Too large resource version", is
// allowed and must say so.
func TestFuzzRequestsNo5xx(t *testing.T) {
	ts := newTestServer(t)
	ts.mustDo("POST", "/api/v1/namespaces/default/pods", fmt.Sprintf(podJSON, "p"), 201)
	ts.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON, 201)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1500
	codes := map[int]int{}
	for i := range n {
		path := fuzzPath(r)
		var q []string
		for range r.IntN(4) {
			q = append(q, pick(r, fuzzQueryKeys)+"="+pick(r, fuzzQueryValues))
		}
		// A watch streams until its timeout: keep them short.
		q = append(q, "timeoutSeconds=0")
		body := pick(r, fuzzBodies)
		req := httptest.NewRequest(pick(r, fuzzMethods), "http://capstan/", strings.NewReader(body))
		// Set as sent, unescaped garbage included (ParseQuery sees it).
		req.URL.Path, req.URL.RawQuery = path, strings.Join(q, "&")
		if ct := pick(r, fuzzContentTypes); ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if a := pick(r, fuzzAccepts); a != "" {
			req.Header.Set("Accept", a)
		}
		w := httptest.NewRecorder()
		ts.h.ServeHTTP(w, req)
		codes[w.Code]++
		tooLarge := w.Code == http.StatusGatewayTimeout && strings.Contains(w.Body.String(), "Too large resource version")
		if w.Code >= 500 && !tooLarge {
			t.Fatalf("request %d: %s %s (Content-Type %q, Accept %q, body %.80q): %d %s", i, req.Method, req.URL,
				req.Header.Get("Content-Type"), req.Header.Get("Accept"), body, w.Code, w.Body.String())
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"kind":"Status"`) && req.Method != "HEAD" {
			t.Fatalf("request %d: %s %s: error %d is not a Status: %s", i, req.Method, req.URL, w.Code, w.Body.String())
		}
	}
	if codes[200]+codes[201] == 0 || len(codes) < 6 {
		t.Errorf("the requests hardly varied: %v", codes)
	}
	t.Logf("codes: %v", codes)
}
