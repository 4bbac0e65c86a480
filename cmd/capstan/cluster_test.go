package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/storage"
)

// testCluster is a real API server (server/apiserver over an in-memory
// store) in httptest, optionally with the control plane running against
// the same store, and a kubeconfig pointing at it.
type testCluster struct {
	t          *testing.T
	url        string
	kubeconfig string
	client     *client.Client
	ctx        context.Context
}

func newTestCluster(t *testing.T, withControlPlane bool, mod ...func(*apiserver.Config)) *testCluster {
	t.Helper()
	backend := storage.NewLocked(store.NewMemory())
	cfg := apiserver.Config{Backend: backend, Authenticator: apiserver.AllowAll{}, Authorizer: apiserver.AllowAll{},
		BookmarkInterval: 200 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	h, err := apiserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		srv.Close()
	})
	if withControlPlane {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := controlplane.Run(ctx, controlplane.Config{Backend: backend, Logger: slog.New(slog.DiscardHandler),
				MaxTickInterval: 100 * time.Millisecond}); err != nil {
				t.Errorf("control plane: %v", err)
			}
		}()
	}
	dir := t.TempDir()
	kc := filepath.Join(dir, "config")
	err = os.WriteFile(kc, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster: {server: %q}
contexts:
- name: test
  context: {cluster: test, user: admin}
users:
- name: admin
  user: {token: unused}
`, srv.URL)), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(&client.Config{Server: srv.URL, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCluster{t: t, url: srv.URL, kubeconfig: kc, client: c, ctx: ctx}
	for _, ns := range []string{"default", "kube-system", "kube-node-lease"} {
		if _, err := c.Create(ctx, &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	return tc
}

// run runs the capstan CLI with args (and the cluster's kubeconfig) and
// returns its standard output and error, and its error.
func (tc *testCluster) run(stdin string, args ...string) (string, string, error) {
	return tc.runCtx(context.Background(), stdin, args...)
}

func (tc *testCluster) runCtx(ctx context.Context, stdin string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	root := newRootCommand()
	root.SetArgs(append(args, "--kubeconfig", tc.kubeconfig))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(ctx)
	if err != nil {
		errOut.WriteString(describeError(err))
	}
	return out.String(), errOut.String(), err
}

// must runs a command that must succeed and returns its output.
func (tc *testCluster) must(stdin string, args ...string) string {
	tc.t.Helper()
	out, errOut, err := tc.run(stdin, args...)
	if err != nil {
		tc.t.Fatalf("capstan %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// eventually polls cond until it holds or 20 s pass.
func (tc *testCluster) eventually(what string, cond func() bool) {
	tc.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tc.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// columns returns the whitespace-separated fields of each line of a table
// after the header, keyed by the first field.
func columns(table string) map[string][]string {
	rows := map[string][]string{}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > 0 {
			rows[f[0]] = f
		}
	}
	return rows
}
