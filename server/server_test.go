package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// start starts a server with an embedded etcd in dir on a free loopback
// port; it is shut down when the test ends.
func start(t *testing.T, dir string, mod func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{DataDir: dir, Listen: "127.0.0.1:0", EtcdFast: true, Logger: quiet, ElectionTTL: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// adminClient is a client from the server's kubeconfig.
func adminClient(t *testing.T, s *server.Server) *client.Client { return adminClientB(t, s) }

func adminClientB(t testing.TB, s *server.Server) *client.Client {
	t.Helper()
	cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: s.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get sends GET path with token (none if empty) over TLS trusting only the
// server's CA, and returns the code and body.
func get(t *testing.T, s *server.Server, path, token string) (int, []byte) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TLS with the generated CA; 401 Unauthorized Status without a valid
// token, 200 with the admin's; health and version public; kubectl works
// with admin.kubeconfig.
func TestTLSAndTokens(t *testing.T) {
	s := start(t, t.TempDir(), func(c *server.Config) { c.DisableControlPlane = true })
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s, want https on loopback", s.URL)
	}
	for _, token := range []string{"", "not-the-token"} {
		code, body := get(t, s, "/api/v1/namespaces", token)
		var st api.Status
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("401 body is not a Status: %v: %s", err, body)
		}
		if code != 401 || st.Kind != "Status" || st.Reason != api.StatusReasonUnauthorized || st.Code != 401 {
			t.Errorf("token %q: %d %s, want a 401 Unauthorized Status", token, code, body)
		}
	}
	code, body := get(t, s, "/api/v1/namespaces", s.AdminToken)
	if code != 200 {
		t.Fatalf("with the admin token: %d %s", code, body)
	}
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if !strings.Contains(string(body), `"name":"`+ns+`"`) {
			t.Errorf("namespace %s missing from %s", ns, body)
		}
	}
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		if code, body := get(t, s, p, ""); code != 200 {
			t.Errorf("%s without a token: %d %s", p, code, body)
		}
	}
	if code, _ := get(t, s, "/metrics", ""); code != 401 {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	code, body = get(t, s, "/metrics", s.AdminToken)
	for _, m := range []string{"capstan_etcd_request_duration_seconds", "capstan_controlplane_leader"} {
		if code != 200 || !strings.Contains(string(body), m) {
			t.Errorf("/metrics (%d) lacks %s", code, m)
		}
	}

	const kubectl = "/usr/bin/kubectl"
	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("SKIP the kubectl part: %s not installed (%v)", kubectl, err)
	}
	out, err := exec.Command(kubectl, "--kubeconfig", s.Kubeconfig, "get", "namespaces", "-o", "name").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get namespaces: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "namespace/kube-node-lease") {
		t.Errorf("kubectl get namespaces:\n%s", out)
	}
}

// A restart on the same data dir keeps every object, with the same
// resourceVersion, and the same CA and token.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	cfg := func(c *server.Config) { c.DisableControlPlane = true }
	s, err := server.Start(context.Background(), server.Config{DataDir: dir, Listen: "127.0.0.1:0", EtcdFast: true, Logger: quiet, DisableControlPlane: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "keep"}, Data: map[string]string{"k": "v"}}
	created, err := adminClient(t, s).Create(ctx, cm)
	if err != nil {
		t.Fatal(err)
	}
	token, ca := s.AdminToken, string(s.CAPEM)
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}

	s2 := start(t, dir, cfg)
	if s2.AdminToken != token || string(s2.CAPEM) != ca {
		t.Fatal("the restart changed the admin token or the CA")
	}
	got, err := adminClient(t, s2).Get(ctx, "ConfigMap", "default", "keep")
	if err != nil {
		t.Fatal(err)
	}
	g, c := got.(*api.ConfigMap), created.(*api.ConfigMap)
	if g.ResourceVersion != c.ResourceVersion || g.UID != c.UID || g.Data["k"] != "v" {
		t.Fatalf("after restart: rv %s uid %s data %v; want rv %s uid %s", g.ResourceVersion, g.UID, g.Data, c.ResourceVersion, c.UID)
	}
}

// --insecure-http serves plain HTTP without authentication, on loopback
// only unless forced.
func TestInsecureHTTP(t *testing.T) {
	_, err := server.Start(context.Background(), server.Config{DataDir: t.TempDir(), Listen: "0.0.0.0:0", InsecureHTTP: true, Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("insecure on 0.0.0.0: %v, want a refusal", err)
	}
	s := start(t, t.TempDir(), func(c *server.Config) { c.InsecureHTTP, c.DisableControlPlane = true, true })
	if !strings.HasPrefix(s.URL, "http://") {
		t.Fatalf("URL %s", s.URL)
	}
	resp, err := http.Get(s.URL + "/api/v1/namespaces/default")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET without a token over plain HTTP: %d", resp.StatusCode)
	}
	if _, err := adminClient(t, s).Get(context.Background(), "Namespace", "", "default"); err != nil {
		t.Fatalf("the client from the insecure kubeconfig: %v", err)
	}
	_ = fmt.Sprint
}
