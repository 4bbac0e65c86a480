package apiserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// testServer is the handler over a fresh backend, served by httptest.
type testServer struct {
	t       *testing.T
	srv     *httptest.Server
	backend storage.Backend
	h       http.Handler
}

// testBackend makes the backend of each test server: a Locked store,
// unless a test that runs others over etcd set it.
var testBackend = func(t *testing.T) storage.Backend { return storage.NewLocked(store.NewMemory()) }

func newTestServer(t *testing.T, mod ...func(*Config)) *testServer {
	t.Helper()
	backend := testBackend(t)
	cfg := Config{Backend: backend, Authenticator: AllowAll{}, Authorizer: AllowAll{},
		Clock: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	for _, m := range mod {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, srv: httptest.NewServer(h), backend: cfg.Backend, h: h}
	t.Cleanup(ts.srv.Close)
	ts.mustDo("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}}`, 201)
	return ts
}

// response is an answer: code, headers, body.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// status decodes the body as a Status.
func (r response) status() api.Status {
	var s api.Status
	_ = json.Unmarshal(r.body, &s)
	return s
}

// object decodes the body as a generic JSON object.
func (r response) object() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m
}

// do sends a request; headers alternate name, value.
func (ts *testServer) do(method, path, body string, headers ...string) response {
	ts.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: b}
}

func (ts *testServer) mustDo(method, path, body string, code int, headers ...string) response {
	ts.t.Helper()
	r := ts.do(method, path, body, headers...)
	if r.code != code {
		ts.t.Fatalf("%s %s: code %d, want %d: %s", method, path, r.code, code, bytes.TrimSpace(r.body))
	}
	return r
}

// get returns a nested field of a generic object, "" if absent.
func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

const podJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`

const deploymentJSON = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
  "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`
