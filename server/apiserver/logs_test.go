package apiserver

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// fakeAgent is a node agent's logs endpoint: it requires token, answers
// 404 for the container "gone", echoes the path and query otherwise, and
// with follow=true sends a line, then another once release is closed.
func fakeAgent(t *testing.T, token string, release chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/gone") {
			http.Error(w, "no such log", http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "%s?%s\n", r.URL.Path, r.URL.RawQuery)
		if r.URL.Query().Get("follow") == "true" {
			w.(http.Flusher).Flush()
			select {
			case <-release:
				fmt.Fprintln(w, "later")
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// logsServer is a test server whose node n1 runs the fake agent at
// agentAddr (host:port) and presents token to it.
func logsServer(t *testing.T, token, agentAddr string) *testServer {
	t.Helper()
	ts := newTestServer(t, func(c *Config) { c.NodeLogsToken = token })
	host, port, err := net.SplitHostPort(agentAddr)
	if err != nil {
		t.Fatal(err)
	}
	node := fmt.Sprintf(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{%q:%q}},"status":{"addresses":[{"type":"InternalIP","address":%q}]}}`, LogsPortLabel, port, host)
	ts.mustDo("POST", "/api/v1/nodes", node, 201)
	ts.mustDo("PUT", "/api/v1/nodes/n1/status", strings.Replace(node, `"name":"n1"`, `"name":"n1","resourceVersion":""`, 1), 200)
	for _, p := range []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"one"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"two"},"spec":{"nodeName":"n1","initContainers":[{"name":"init","image":"i"}],"containers":[{"name":"a","image":"i"},{"name":"gone","image":"i"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pending"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"lost"},"spec":{"nodeName":"n9","containers":[{"name":"c","image":"i"}]}}`,
	} {
		ts.mustDo("POST", "/api/v1/namespaces/default/pods", p, 201)
	}
	return ts
}

func TestPodLog(t *testing.T) {
	agent := fakeAgent(t, "node-token", nil)
	ts := logsServer(t, "node-token", agent.Listener.Addr().String())
	const base = "/api/v1/namespaces/default/pods/"
	r := ts.mustDo("GET", base+"one/log?tailLines=2&limitBytes=10&previous=true", "", 200)
	if got, want := string(r.body), "/containerLogs/default/one/c?limitBytes=10&previous=true&tailLines=2\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	r = ts.mustDo("GET", base+"two/log?container=init", "", 200)
	if got := string(r.body); got != "/containerLogs/default/two/init?\n" {
		t.Errorf("init container: body %q", got)
	}
	for _, c := range []struct {
		name, path string
		code       int
		reason     api.StatusReason
		msg        string
	}{
		{"no pod", "nope/log", 404, api.StatusReasonNotFound, `pods "nope" not found`},
		{"unbound", "pending/log", 400, api.StatusReasonBadRequest, "pod pending does not have a host assigned"},
		{"which container", "two/log", 400, api.StatusReasonBadRequest, "a container name must be specified for pod two, choose one of: [init a gone]"},
		{"bad container", "one/log?container=x", 400, api.StatusReasonBadRequest, "container x is not valid for pod one"},
		{"bad tail", "one/log?tailLines=-1", 400, api.StatusReasonBadRequest, `tailLines: must be an integer >= 0, not "-1"`},
		{"bad limit", "one/log?limitBytes=0", 400, api.StatusReasonBadRequest, `limitBytes: must be an integer >= 1, not "0"`},
		{"bad follow", "one/log?follow=maybe", 400, api.StatusReasonBadRequest, `follow: must be true or false, not "maybe"`},
		{"no log", "two/log?container=gone", 404, api.StatusReasonNotFound, "no log of container gone of pod two on node n1: no such log"},
		{"no node", "lost/log", 503, "ServiceUnavailable", "node n9 of pod lost is not registered"},
		{"post", "one/log", 405, api.StatusReasonMethodNotAllowed, ""},
	} {
		method := "GET"
		if c.name == "post" {
			method = "POST"
		}
		r := ts.do(method, base+c.path, "")
		st := r.status()
		if r.code != c.code || st.Reason != c.reason || !strings.Contains(st.Message, c.msg) {
			t.Errorf("%s: %d %s %q, want %d %s containing %q", c.name, r.code, st.Reason, st.Message, c.code, c.reason, c.msg)
		}
	}
}

func TestPodLogNodeFailures(t *testing.T) {
	agent := fakeAgent(t, "node-token", nil)
	wrong := logsServer(t, "other-token", agent.Listener.Addr().String())
	r := wrong.do("GET", "/api/v1/namespaces/default/pods/one/log", "")
	if st := r.status(); r.code != 502 || !strings.Contains(st.Message, "the logs endpoint of node n1 answered 401") {
		t.Errorf("wrong token: %d %q", r.code, st.Message)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	down := logsServer(t, "node-token", closed)
	r = down.do("GET", "/api/v1/namespaces/default/pods/one/log", "")
	if st := r.status(); r.code != 503 || st.Reason != "ServiceUnavailable" || !strings.Contains(st.Message, "node n1 is unreachable at "+closed) {
		t.Errorf("agent down: %d %s %q", r.code, st.Reason, st.Message)
	}
	none := newTestServer(t)
	none.mustDo("POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`, 201)
	r = none.do("GET", "/api/v1/namespaces/default/pods/p/log", "")
	if st := r.status(); r.code != 503 || !strings.Contains(st.Message, "no credential") {
		t.Errorf("no token: %d %q", r.code, st.Message)
	}
}

// TestPodLogFollow: a followed log reaches the client as the agent sends
// it, before the agent's answer ends.
func TestPodLogFollow(t *testing.T) {
	release := make(chan struct{})
	agent := fakeAgent(t, "node-token", release)
	ts := logsServer(t, "node-token", agent.Listener.Addr().String())
	resp, err := ts.srv.Client().Get(ts.srv.URL + "/api/v1/namespaces/default/pods/one/log?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("code %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "/containerLogs/default/one/c?follow=true\n" {
		t.Fatalf("first line %q, %v", first, err)
	}
	close(release)
	if second, err := br.ReadString('\n'); err != nil || second != "later\n" {
		t.Fatalf("second line %q, %v", second, err)
	}
}
