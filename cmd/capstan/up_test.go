package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

var exportLine = regexp.MustCompile(`export KUBECONFIG=(\S+)`)

// up runs `capstan up` on dir until the returned stop is called (as
// Ctrl-C would), once it has printed its instructions; it returns the
// kubeconfig path they name.
func up(t *testing.T, dir string) (kubeconfig string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := newRootCommand()
	out, errs := &syncBuffer{}, &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(errs)
	// No containerd there: up must say it runs no node agent, and tests
	// must not start one on this machine's containerd.
	sock := filepath.Join(dir, "no-containerd.sock")
	cmd.SetArgs([]string{"up", "--data-dir", dir, "--listen", "127.0.0.1:0", "--log-level", "warn", "--containerd-socket", sock})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	deadline := time.After(60 * time.Second)
	for exportLine.FindStringSubmatch(out.String()) == nil {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("up returned %v before it was up:\n%s\n%s", err, out, errs)
		case <-deadline:
			cancel()
			t.Fatalf("up printed no instructions in 60s:\n%s\n%s", out, errs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	text := out.String()
	for _, want := range []string{"capstan is up.", "API         https://127.0.0.1:", "capstan get nodes", "kubectl get nodes",
		"Node agent  not started: containerd is not reachable at " + sock, "Pods stay Pending until an agent joins"} {
		if !strings.Contains(text, want) {
			t.Errorf("up's output lacks %q:\n%s", want, text)
		}
	}
	return exportLine.FindStringSubmatch(text)[1], func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("up after Ctrl-C: %v\n%s", err, errs)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("up did not stop 30s after Ctrl-C")
		}
	}
}

func clientFor(t *testing.T, kubeconfig string) *client.Client {
	t.Helper()
	cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// `capstan up`, create an object, Ctrl-C, `capstan up` again: the object is
// there with the same resourceVersion, through the kubeconfig up printed.
func TestUpRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	kc, stop := up(t, dir)
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "survives"}, Data: map[string]string{"a": "1"}}
	created, err := clientFor(t, kc).Create(ctx, cm)
	if err != nil {
		t.Fatal(err)
	}
	stop()

	kc2, stop2 := up(t, dir)
	defer stop2()
	if kc2 != kc {
		t.Errorf("kubeconfig moved from %s to %s", kc, kc2)
	}
	got, err := clientFor(t, kc2).Get(ctx, "ConfigMap", "default", "survives")
	if err != nil {
		t.Fatal(err)
	}
	if g, c := got.GetObjectMeta(), created.GetObjectMeta(); g.ResourceVersion != c.ResourceVersion || g.UID != c.UID {
		t.Fatalf("after restart rv %s uid %s, want rv %s uid %s", g.ResourceVersion, g.UID, c.ResourceVersion, c.UID)
	}
}

// TestStartLocalAgentOff: with --agent=false, or a socket that is a
// plain file (not containerd), up starts no agent and says why.
func TestStartLocalAgentOff(t *testing.T) {
	line, done := startLocalAgent(context.Background(), upAgentFlags{enabled: false, socket: "/nonexistent"}, nil, t.TempDir(), nil)
	if done != nil || !strings.Contains(line, "not started (--agent=false)") {
		t.Errorf("disabled: %q, %v", line, done)
	}
	file := filepath.Join(t.TempDir(), "sock")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	line, done = startLocalAgent(context.Background(), upAgentFlags{enabled: true, socket: file}, nil, t.TempDir(), nil)
	if done != nil || !strings.Contains(line, "containerd is not reachable at "+file+" (") {
		t.Errorf("not a socket: %q, %v", line, done)
	}
}
