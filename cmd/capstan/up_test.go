package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/agent"
)

var exportLine = regexp.MustCompile(`export KUBECONFIG=(\S+)`)

// up runs `capstan up` on dir until the returned stop is called (as
// Ctrl-C would), once it has printed its instructions; it returns the
// kubeconfig path they name. Its containerd socket is a missing file: up
// must say it runs no node agent, and tests must not start one on this
// machine's containerd.
func up(t *testing.T, dir string) (kubeconfig string, stop func()) {
	t.Helper()
	sock := filepath.Join(dir, "no-containerd.sock")
	text, kc, stop := startUp(t, "--data-dir", dir, "--containerd-socket", sock)
	for _, want := range []string{"capstan is up.", "API         https://127.0.0.1:", "capstan get nodes", "kubectl get nodes",
		"Node agent  not started: containerd is not reachable at " + sock + " (stat " + sock + ": no such file or directory)",
		"Pods stay Pending until an agent joins"} {
		if !strings.Contains(text, want) {
			t.Errorf("up's output lacks %q:\n%s", want, text)
		}
	}
	return kc, stop
}

// startUp runs `capstan up` with args (and a free loopback port, warnings
// only) until the returned stop is called, as Ctrl-C would, once it has
// printed its instructions; it returns what it printed and the
// kubeconfig they name. stop fails t unless up returns nil within 30s
// and logged no error.
func startUp(t *testing.T, args ...string) (text, kubeconfig string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := newRootCommand()
	out, errs := &syncBuffer{}, &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(errs)
	cmd.SetArgs(append([]string{"up", "--listen", "127.0.0.1:0", "--log-level", "warn"}, args...))
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
	text = out.String()
	return text, exportLine.FindStringSubmatch(text)[1], func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("up after Ctrl-C: %v\n%s", err, errs)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("up did not stop 30s after Ctrl-C")
		}
		if strings.Contains(errs.String(), "level=ERROR") {
			t.Errorf("up logged errors:\n%s", errs)
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

// TestStartLocalAgentOff: with --agent=false, a missing socket, a socket
// that is a plain file, or one where something listens but does not
// answer as containerd, up starts no agent and says why.
func TestStartLocalAgentOff(t *testing.T) {
	off := func(enabled bool, socket string) (string, <-chan struct{}) {
		return startLocalAgent(context.Background(), upAgentFlags{enabled: enabled, node: agent.NodeOptions{ContainerdSocket: socket}},
			nil, t.TempDir(), nil)
	}
	line, done := off(false, "/nonexistent")
	if done != nil || !strings.Contains(line, "not started (--agent=false)") {
		t.Errorf("disabled: %q, %v", line, done)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	silent := filepath.Join(dir, "silent.sock")
	l, err := net.Listen("unix", silent)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept, and say nothing
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	for _, c := range []struct{ socket, why string }{
		{filepath.Join(dir, "missing.sock"), "no such file or directory"},
		{file, "connection refused"},
		{silent, "it does not answer as containerd: "},
	} {
		line, done := off(true, c.socket)
		want := "Node agent  not started: containerd is not reachable at " + c.socket + " ("
		if done != nil || !strings.Contains(line, want) || !strings.Contains(line, c.why) || !strings.Contains(line, "Pods stay Pending") {
			t.Errorf("%s: %q, %v; want %q ... %q", c.socket, line, done, want, c.why)
		}
	}
}
