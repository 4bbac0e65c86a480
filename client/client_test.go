package client

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// recorded is one request the fake server saw.
type recorded struct {
	method, path, query, contentType, auth string
	body                                   string
}

// fake is an httptest server answering with canned responses per
// "METHOD path", recording every request.
type fake struct {
	t       *testing.T
	mu      sync.Mutex
	reqs    []recorded
	answers map[string]func(w http.ResponseWriter, r *http.Request)
	srv     *httptest.Server
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, answers: map[string]func(http.ResponseWriter, *http.Request){}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(body)})
		h := f.answers[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		if h == nil {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "404 page not found")
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) on(key string, h func(http.ResponseWriter, *http.Request)) {
	f.mu.Lock()
	f.answers[key] = h
	f.mu.Unlock()
}

func (f *fake) json(key string, code int, v any) {
	f.on(key, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	})
}

func (f *fake) last() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[len(f.reqs)-1]
}

func (f *fake) client(t *testing.T) *Client {
	c, err := New(&Config{Server: f.srv.URL, Token: "tok", Namespace: "team", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pod(ns, name string) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	return p
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		kind, ns, name, sub, want string
	}{
		{"Pod", "default", "web", "", "/api/v1/namespaces/default/pods/web"},
		{"Pod", "", "", "", "/api/v1/pods"},
		{"Deployment", "a", "web", "scale", "/apis/apps/v1/namespaces/a/deployments/web/scale"},
		{"Node", "ignored", "n1", "status", "/api/v1/nodes/n1/status"},
		{"Lease", "kube-node-lease", "", "", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"},
	} {
		info, err := Kind(tc.kind)
		if err != nil {
			t.Fatal(err)
		}
		if got := Path(info, tc.ns, tc.name, tc.sub); got != tc.want {
			t.Errorf("Path(%s,%s,%s,%s) = %s, want %s", tc.kind, tc.ns, tc.name, tc.sub, got, tc.want)
		}
	}
	if _, err := Kind("deployments"); err != nil {
		t.Error(err)
	}
	if _, err := Kind("Widget"); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestGetCreateUpdatePatch(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	ctx := context.Background()
	stored := pod("team", "web")
	stored.ResourceVersion = "7"
	f.json("GET /api/v1/namespaces/team/pods/web", 200, stored)
	obj, err := c.Get(ctx, "Pod", "team", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p := obj.(*api.Pod); p.ResourceVersion != "7" || p.Kind != "Pod" || p.APIVersion != "v1" {
		t.Errorf("got %+v", p)
	}
	if r := f.last(); r.auth != "Bearer tok" {
		t.Errorf("authorization %q", r.auth)
	}

	// Create without a namespace goes to the client's namespace.
	f.json("POST /api/v1/namespaces/team/pods", 201, stored)
	if _, err := c.Create(ctx, pod("", "web")); err != nil {
		t.Fatal(err)
	}
	if r := f.last(); r.contentType != "application/json" || !strings.Contains(r.body, `"kind":"Pod"`) {
		t.Errorf("create request %+v", r)
	}

	f.json("PUT /api/v1/namespaces/team/pods/web/status", 200, stored)
	if _, err := UpdateStatus(ctx, c, stored); err != nil {
		t.Fatal(err)
	}
	if r := f.last(); !strings.Contains(r.body, `"resourceVersion":"7"`) {
		t.Errorf("update status body %s", r.body)
	}

	f.json("PATCH /apis/apps/v1/namespaces/team/deployments/web", 200, map[string]any{"metadata": map[string]any{"name": "web"}})
	obj, err = c.Patch(ctx, "Deployment", "team", "web", MergePatchType, []byte(`{"spec":{"replicas":3}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if d := obj.(*api.Deployment); d.Name != "web" || d.Kind != "Deployment" || d.APIVersion != "apps/v1" {
		t.Errorf("patched %+v", d)
	}
	if r := f.last(); r.contentType != "application/merge-patch+json" || r.body != `{"spec":{"replicas":3}}` {
		t.Errorf("patch request %+v", r)
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	ctx := context.Background()
	nf := api.NewNotFound("deployments", "web")
	f.json("GET /apis/apps/v1/namespaces/team/deployments/web", 404, nf.Status())
	_, err := c.Get(ctx, "Deployment", "team", "web")
	if !api.IsNotFound(err) || err.Error() != `deployments.apps "web" not found` {
		t.Errorf("not found: %v", err)
	}
	// A bare 404 (no Status) still is NotFound.
	_, err = c.Get(ctx, "Pod", "team", "ghost")
	if !api.IsNotFound(err) || !strings.Contains(err.Error(), "(get pods ghost)") {
		t.Errorf("bare 404: %v", err)
	}
	f.on("POST /api/v1/namespaces/team/pods", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, "boom")
	})
	_, err = c.Create(ctx, pod("team", "x"))
	if !api.IsInternalError(err) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("500: %v", err)
	}
	inv := api.NewInvalid("Pod", "x", api.ErrorList{api.NewPath("spec", "containers").Required("")})
	f.json("PUT /api/v1/namespaces/team/pods/x", 422, inv.Status())
	_, err = c.Update(ctx, pod("team", "x"))
	var se *api.StatusError
	if !api.IsInvalid(err) || !asStatus(err, &se) || len(se.ErrStatus.Details.Causes) != 1 || se.ErrStatus.Details.Causes[0].Field != "spec.containers" {
		t.Errorf("invalid: %v", err)
	}
	// A dead server is a plain error, not a StatusError.
	dead, _ := New(&Config{Server: "http://127.0.0.1:1", Timeout: time.Second})
	if _, err := dead.Get(ctx, "Pod", "a", "b"); err == nil || api.ReasonForError(err) != "" {
		t.Errorf("dead server: %v", err)
	}
	if _, err := New(&Config{Server: "ftp://x"}); err == nil {
		t.Error("ftp URL accepted")
	}
}

func asStatus(err error, se **api.StatusError) bool {
	s, ok := err.(*api.StatusError)
	*se = s
	return ok
}

func TestListPaging(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	f.on("GET /api/v1/pods", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("labelSelector") != "app=web" || q.Get("fieldSelector") != "spec.nodeName=n1" || q.Get("limit") != "1" {
			w.WriteHeader(400)
			return
		}
		// Items without TypeMeta, as servers send them.
		switch q.Get("continue") {
		case "":
			fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"p2"},"items":[{"metadata":{"name":"a","namespace":"x"},"spec":{"containers":[]}}]}`)
		case "p2":
			fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"b","namespace":"y"},"spec":{"containers":[]}}]}`)
		}
	})
	pods, rv, err := ListOf[*api.Pod](context.Background(), c, "", ListOptions{LabelSelector: "app=web", FieldSelector: "spec.nodeName=n1", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rv != "10" || len(pods) != 2 || pods[0].Name != "a" || pods[1].Name != "b" || pods[1].Kind != "Pod" {
		t.Errorf("list rv=%s pods=%v", rv, pods)
	}
}

func TestDeleteScaleBind(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	ctx := context.Background()
	f.json("DELETE /apis/apps/v1/namespaces/team/deployments/web", 200, api.Status{TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: api.StatusSuccess})
	grace := int64(0)
	uid := "u1"
	obj, err := c.Delete(ctx, "Deployment", "team", "web", DeleteOptions{PropagationPolicy: DeletePropagationForeground, GracePeriodSeconds: &grace, Preconditions: &Preconditions{UID: &uid}})
	if err != nil || obj != nil {
		t.Fatalf("delete: %v %v", obj, err)
	}
	r := f.last()
	if !strings.Contains(r.query, "propagationPolicy=Foreground") || !strings.Contains(r.query, "gracePeriodSeconds=0") ||
		!strings.Contains(r.body, `"preconditions":{"uid":"u1"}`) || !strings.Contains(r.body, `"kind":"DeleteOptions"`) {
		t.Errorf("delete request %+v", r)
	}
	// A delete pending on finalizers answers with the object.
	p := pod("team", "p")
	now := api.Unix(1000, 0)
	p.DeletionTimestamp = &now
	f.json("DELETE /api/v1/namespaces/team/pods/p", 200, p)
	obj, err = c.Delete(ctx, "Pod", "team", "p", DeleteOptions{})
	if err != nil || obj == nil || obj.GetObjectMeta().DeletionTimestamp == nil {
		t.Errorf("pending delete: %v %v", obj, err)
	}

	f.on("PUT /apis/apps/v1/namespaces/team/deployments/web/scale", func(w http.ResponseWriter, r *http.Request) {
		var s Scale
		json.NewDecoder(r.Body).Decode(&s)
		s.Status.Replicas = 1
		json.NewEncoder(w).Encode(s)
	})
	s, err := c.UpdateScale(ctx, "Deployment", "team", "web", &Scale{Spec: ScaleSpec{Replicas: 4}})
	if err != nil || s.Spec.Replicas != 4 || s.Kind != "Scale" || s.Name != "web" {
		t.Errorf("scale: %+v %v", s, err)
	}

	f.json("POST /api/v1/namespaces/team/pods/p/binding", 201, api.Status{Status: api.StatusSuccess})
	if err := c.Bind(ctx, "team", "p", "n1"); err != nil {
		t.Fatal(err)
	}
	if r := f.last(); !strings.Contains(r.body, `"kind":"Binding"`) || !strings.Contains(r.body, `"target":{"kind":"Node","name":"n1","apiVersion":"v1"}`) {
		t.Errorf("bind body %s", r.body)
	}
}

func TestTimeout(t *testing.T) {
	f := newFake(t)
	block := make(chan struct{})
	defer close(block)
	f.on("GET /api/v1/namespaces/a/pods/slow", func(http.ResponseWriter, *http.Request) { <-block })
	c, _ := New(&Config{Server: f.srv.URL, Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := c.Get(context.Background(), "Pod", "a", "slow")
	if err == nil || !strings.Contains(err.Error(), "deadline") || time.Since(start) > 5*time.Second {
		t.Errorf("timeout: %v after %v", err, time.Since(start))
	}
}

func TestTLSAndCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"major":"1","minor":"32","gitVersion":"v1.32.0-capstan"}`)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	ctx := context.Background()
	c, err := New(&Config{Server: srv.URL, CAData: ca})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.ServerVersion(ctx)
	if err != nil || v.GitVersion != "v1.32.0-capstan" {
		t.Errorf("version over TLS with CA: %+v %v", v, err)
	}
	untrusting, _ := New(&Config{Server: srv.URL})
	if _, err := untrusting.ServerVersion(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA accepted: %v", err)
	}
	insecure, _ := New(&Config{Server: srv.URL, Insecure: true})
	if _, err := insecure.ServerVersion(ctx); err != nil {
		t.Errorf("insecure: %v", err)
	}
	if _, err := New(&Config{Server: srv.URL, CAData: []byte("junk")}); err == nil {
		t.Error("junk CA accepted")
	}
}
