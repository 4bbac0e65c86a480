package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// testWatch is an open watch stream.
type testWatch struct {
	t      *testing.T
	events chan map[string]any
	cancel context.CancelFunc
	code   int
}

type event struct {
	typ, name, rv string
	obj           map[string]any
}

// watch opens a watch; headers alternate name, value.
func (ts *testServer) watch(path string, headers ...string) *testWatch {
	ts.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	w := &testWatch{t: ts.t, events: make(chan map[string]any, 100), cancel: cancel, code: resp.StatusCode}
	ts.t.Cleanup(cancel)
	go func() {
		defer resp.Body.Close()
		defer close(w.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				w.events <- map[string]any{"type": "UNPARSABLE", "object": map[string]any{"line": sc.Text()}}
				continue
			}
			w.events <- m
		}
	}()
	return w
}

// next returns the next event, failing after a timeout.
func (w *testWatch) next() event {
	w.t.Helper()
	select {
	case m, ok := <-w.events:
		if !ok {
			w.t.Fatal("the watch ended")
		}
		obj, _ := m["object"].(map[string]any)
		return event{typ: fmt.Sprint(m["type"]), name: fmt.Sprint(get(obj, "metadata", "name")),
			rv: fmt.Sprint(get(obj, "metadata", "resourceVersion")), obj: obj}
	case <-time.After(10 * time.Second):
		w.t.Fatal("no event within 10s")
	}
	return event{}
}

func (w *testWatch) expect(typ, name string) event {
	w.t.Helper()
	e := w.next()
	if e.typ != typ || (name != "" && e.name != name) {
		w.t.Fatalf("event %s %s, want %s %s (%v)", e.typ, e.name, typ, name, e.obj)
	}
	return e
}

// ended reports whether the stream ends within d.
func (w *testWatch) ended(d time.Duration) bool {
	select {
	case _, ok := <-w.events:
		return !ok
	case <-time.After(d):
		return false
	}
}

func TestWatch(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "a"), 201)

	// No resourceVersion: the current state first, then changes.
	w := ts.watch(ns + "/pods?watch=1")
	if w.code != 200 {
		t.Fatalf("watch code %d", w.code)
	}
	w.expect("ADDED", "a")
	created := ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "b"), 201)
	e := w.expect("ADDED", "b")
	if e.rv != fmt.Sprint(get(created.object(), "metadata", "resourceVersion")) {
		t.Errorf("event rv %s", e.rv)
	}
	ts.mustDo("PATCH", ns+"/pods/b", `{"metadata":{"labels":{"x":"y"}}}`, 200, "Content-Type", "application/merge-patch+json")
	w.expect("MODIFIED", "b")
	ts.mustDo("DELETE", ns+"/pods/b", "", 200)
	del := w.expect("DELETED", "b")

	// From a resourceVersion: only what came after it.
	w2 := ts.watch(ns + "/pods?watch=true&resourceVersion=" + e.rv)
	w2.expect("MODIFIED", "b")
	w2.expect("DELETED", "b")

	// Selectors: entering the selection is ADDED, leaving it DELETED.
	w3 := ts.watch(ns + "/pods?watch=1&labelSelector=" + url.QueryEscape("tier=front") + "&resourceVersion=" + del.rv)
	ts.mustDo("PATCH", ns+"/pods/a", `{"metadata":{"labels":{"tier":"front"}}}`, 200, "Content-Type", "application/merge-patch+json")
	w3.expect("ADDED", "a")
	ts.mustDo("PATCH", ns+"/pods/a", `{"metadata":{"labels":{"tier":"back"}}}`, 200, "Content-Type", "application/merge-patch+json")
	w3.expect("DELETED", "a")

	// One object by name (legacy /watch/ path), as kubectl delete --wait does.
	w4 := ts.watch("/api/v1/watch/namespaces/default/pods/a")
	w4.expect("ADDED", "a")
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "c"), 201)
	ts.mustDo("DELETE", ns+"/pods/a", "", 200)
	w4.expect("DELETED", "a")

	// All namespaces, field selector.
	w5 := ts.watch("/api/v1/pods?watch=1&fieldSelector=" + url.QueryEscape("metadata.name=c"))
	w5.expect("ADDED", "c")
}

func TestWatchExpired(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "a"), 201)
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "b"), 201)
	cur, _ := ts.backend.Revision()
	if err := ts.backend.Compact(cur); err != nil {
		t.Fatal(err)
	}
	w := ts.watch(ns + "/pods?watch=1&resourceVersion=1")
	if w.code != 200 {
		t.Fatalf("code %d", w.code)
	}
	e := w.expect("ERROR", "")
	var st api.Status
	b, _ := json.Marshal(e.obj)
	_ = json.Unmarshal(b, &st)
	if st.Code != 410 || st.Reason != api.StatusReasonExpired || st.Kind != "Status" {
		t.Errorf("ERROR event carries %s", b)
	}
	if !w.ended(5 * time.Second) {
		t.Error("the stream goes on after the ERROR event")
	}
}

func TestWatchBookmarksAndTimeout(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.BookmarkInterval = 50 * time.Millisecond })
	ns := "/api/v1/namespaces/default"
	created := ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "a"), 201)
	rv := fmt.Sprint(get(created.object(), "metadata", "resourceVersion"))
	w := ts.watch(ns + "/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=2")
	w.expect("ADDED", "a")
	b := w.expect("BOOKMARK", "")
	if b.rv != rv || get(b.obj, "kind") != "Pod" {
		t.Errorf("bookmark %v, want resourceVersion %s", b.obj, rv)
	}
	// The stream ends at timeoutSeconds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case m, ok := <-w.events:
			if !ok {
				return
			}
			if m["type"] != "BOOKMARK" {
				t.Fatalf("unexpected event %v", m)
			}
		case <-time.After(time.Until(deadline)):
			t.Fatal("the watch did not end at timeoutSeconds")
		}
	}
}

// A client that goes away releases its watch (and the gauge counts it).
func TestWatchDisconnect(t *testing.T) {
	ts := newTestServer(t)
	w := ts.watch("/api/v1/namespaces/default/pods?watch=1")
	if w.code != 200 {
		t.Fatal(w.code)
	}
	waitFor(t, func() bool { return watcherCount(t, ts) == 1 })
	w.cancel()
	waitFor(t, func() bool { return watcherCount(t, ts) == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func watcherCount(t *testing.T, ts *testServer) int {
	t.Helper()
	r := ts.mustDo("GET", "/metrics", "", 200)
	var n int
	for _, line := range strings.Split(string(r.body), "\n") {
		if _, err := fmt.Sscanf(line, `apiserver_registered_watchers{resource="pods"} %d`, &n); err == nil {
			return n
		}
	}
	return 0
}

// sendInitialEvents (client-go's watch-list): the current state, then a
// BOOKMARK marked k8s.io/initial-events-end at the list's revision, then
// changes.
func TestWatchSendInitialEvents(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	created := ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "a"), 201)
	rv := fmt.Sprint(get(created.object(), "metadata", "resourceVersion"))
	w := ts.watch(ns + "/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
	w.expect("ADDED", "a")
	b := w.expect("BOOKMARK", "")
	if b.rv != rv || get(b.obj, "metadata", "annotations", "k8s.io/initial-events-end") != "true" {
		t.Errorf("initial-events-end bookmark %v, want resourceVersion %s", b.obj, rv)
	}
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "b"), 201)
	w.expect("ADDED", "b")
	runSteps(t, ts, []step{
		{name: "without bookmarks", method: "GET", path: ns + "/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
			code: 422, reason: api.StatusReasonInvalid},
		{name: "match without sendInitialEvents", method: "GET", path: ns + "/pods?watch=1&resourceVersionMatch=Exact&resourceVersion=1",
			code: 400, reason: api.StatusReasonBadRequest},
	})
}
