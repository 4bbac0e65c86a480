package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

type fakeExec struct {
	code int
	out  string
	err  error
	got  []string
}

func (f *fakeExec) Exec(_ context.Context, _ string, cmd []string, _ time.Duration) (int, []byte, error) {
	f.got = cmd
	return f.code, []byte(f.out), f.err
}

func loopback(t *testing.T, h http.Handler) (Target, int) {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	n, _ := strconv.Atoi(p)
	return Target{PodIP: "127.0.0.1", Ports: []api.ContainerPort{{Name: "web", ContainerPort: int32(n)}}}, n
}

func run(p *Prober, h api.ProbeHandler, t Target, timeout time.Duration) node.ProbeResult {
	return p.Run(context.Background(), node.RunProbe{ID: "c1", Kind: node.Readiness, Handler: h, Timeout: timeout}, t)
}

func TestHTTP(t *testing.T) {
	tgt, n := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("X-Probe") != "yes" {
				w.WriteHeader(400)
			}
		case "/redirect":
			http.Redirect(w, r, "http://192.0.2.55/elsewhere", http.StatusFound)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			http.Error(w, "broken", 500)
		}
	}))
	p := New(nil)
	get := func(path string, port api.IntOrString) *api.HTTPGetAction {
		return &api.HTTPGetAction{Path: path, Port: port, HTTPHeaders: []api.HTTPHeader{{Name: "X-Probe", Value: "yes"}}}
	}
	cases := []struct {
		name string
		g    *api.HTTPGetAction
		ok   bool
		msg  string
	}{
		{"200 by number", get("/ok", api.FromInt(int32(n))), true, ""},
		{"200 by name", get("ok", api.FromString("web")), true, ""},
		{"a redirect is success, not followed", get("/redirect", api.FromInt(int32(n))), true, ""},
		{"500", get("/fail", api.FromInt(int32(n))), false, "statuscode: 500"},
		{"timeout", get("/slow", api.FromInt(int32(n))), false, "deadline exceeded"},
		{"unknown named port", get("/ok", api.FromString("nope")), false, `port "nope" not found`},
	}
	for _, c := range cases {
		r := run(p, api.ProbeHandler{HTTPGet: c.g}, tgt, 100*time.Millisecond)
		if r.Success != c.ok || !strings.Contains(r.Message, c.msg) || r.ID != "c1" || r.Kind != node.Readiness {
			t.Errorf("%s: %s", c.name, r.Describe())
		}
	}
	if r := run(p, api.ProbeHandler{HTTPGet: get("/ok", api.FromInt(80))}, Target{}, time.Second); r.Success ||
		!strings.Contains(r.Message, "no address") {
		t.Errorf("no pod IP: %s", r.Describe())
	}
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	p := New(nil)
	tgt := Target{PodIP: "127.0.0.1"}
	if r := run(p, api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(int32(port))}}, tgt, time.Second); !r.Success {
		t.Fatalf("open port: %s", r.Describe())
	}
	l.Close()
	if r := run(p, api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(int32(port))}}, tgt, time.Second); r.Success {
		t.Fatalf("closed port: %s", r.Describe())
	}
}

func TestExec(t *testing.T) {
	f := &fakeExec{}
	p := New(f)
	h := api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}
	if r := run(p, h, Target{}, time.Second); !r.Success || strings.Join(f.got, " ") != "cat /tmp/healthy" {
		t.Fatalf("exit 0: %s (ran %q)", r.Describe(), f.got)
	}
	f.code, f.out = 1, "cat: can't open '/tmp/healthy'\n"
	if r := run(p, h, Target{}, time.Second); r.Success || !strings.Contains(r.Message, "exited with 1: cat: can't open") {
		t.Fatalf("exit 1: %s", r.Describe())
	}
	f.code, f.err = 0, errors.New("command timed out")
	if r := run(p, h, Target{}, time.Second); r.Success || !strings.Contains(r.Message, "timed out") {
		t.Fatalf("timeout: %s", r.Describe())
	}
}
