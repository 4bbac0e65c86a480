package logs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// layout writes logs as nodeagent/runtime does.
func layout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := filepath.Join(dir, "default_web_uid1", "httpd")
	if err := os.MkdirAll(c, 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(c, "0.log"), []byte("old 1\nold 2\n"), 0o644))
	must(os.WriteFile(filepath.Join(c, "1.log"), []byte("line 1\nline 2\nline 3\n"), 0o644))
	return dir
}

func fetch(t *testing.T, srv *httptest.Server, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoint(t *testing.T) {
	dir := layout(t)
	srv := httptest.NewTLSServer(Handler(dir, "node-token"))
	defer srv.Close()
	cases := []struct {
		token, path string
		code        int
		body        string
	}{
		{"node-token", "/containerLogs/default/web/httpd", 200, "line 1\nline 2\nline 3\n"},
		{"node-token", "/containerLogs/default/web/httpd?tailLines=2", 200, "line 2\nline 3\n"},
		{"node-token", "/containerLogs/default/web/httpd?tailLines=0", 200, ""},
		{"node-token", "/containerLogs/default/web/httpd?tailLines=9", 200, "line 1\nline 2\nline 3\n"},
		{"node-token", "/containerLogs/default/web/httpd?limitBytes=8", 200, "line 1\nl"},
		{"node-token", "/containerLogs/default/web/httpd?previous=true", 200, "old 1\nold 2\n"},
		{"node-token", "/containerLogs/default/web/nope", 404, ""},
		{"node-token", "/containerLogs/default/web/httpd?tailLines=-1", 400, ""},
		{"wrong", "/containerLogs/default/web/httpd", 401, ""},
		{"", "/containerLogs/default/web/httpd", 401, ""},
	}
	for _, c := range cases {
		code, body := fetch(t, srv, c.token, c.path)
		if code != c.code || (c.code == 200 && body != c.body) {
			t.Errorf("%s (token %q): %d %q, want %d %q", c.path, c.token, code, body, c.code, c.body)
		}
	}
}

// TestFollow: follow streams what is appended and ends when a newer
// instance starts.
func TestFollow(t *testing.T) {
	dir := layout(t)
	path, err := Find(dir, "default", "web", "httpd", false)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Write(context.Background(), pw, path, Options{TailLines: 1, Follow: true})
		pw.Close()
	}()
	r := bufio.NewReader(pr)
	read := func() string {
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := read(); s != "line 3\n" {
		t.Fatalf("first line %q", s)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line 4\n")
	f.Close()
	if s := read(); s != "line 4\n" {
		t.Fatalf("followed line %q", s)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "2.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end when a newer instance started")
	}
}

// TestServeTLS: the endpoint is served over TLS with a self-signed
// certificate and refuses to start without a token.
func TestServeTLS(t *testing.T) {
	cert, err := SelfSigned("127.0.0.1", "node-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := Serve(context.Background(), "127.0.0.1:0", t.TempDir(), "", cert); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("Serve without a token: %v", err)
	}
	srv := httptest.NewUnstartedServer(Handler(layout(t), "tok"))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	code, body := fetch(t, srv, "tok", "/containerLogs/default/web/httpd?tailLines=1")
	if code != 200 || !bytes.Equal([]byte(body), []byte("line 3\n")) {
		t.Fatalf("%d %q", code, body)
	}
}
