package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/server/etcdserver"
)

// TestUpRunsALocalAgent: `capstan up` pointed at a containerd (the test's
// own, started under a temporary directory, with the test image in the
// namespace given) runs a node agent beside the control plane and says
// so: a pod created through the kubeconfig up printed is scheduled on
// that node and runs, with an address from the pod range, and `capstan
// logs` (through the API server, TLS and the admin's token, to the
// agent's logs endpoint) prints its output, its last line with --tail 1,
// and with -f the lines it writes next, until Ctrl-C. Ctrl-C stops up
// cleanly;
// `capstan up` again on the same data dir adopts the running container
// instead of restarting it.
func TestUpRunsALocalAgent(t *testing.T) {
	const ns, nodeName, cidr, bridge = "uptest", "up-node", "10.254.20.0/24", "capup0"
	agenttest.LockBridge(t, bridge)
	d := containerdtest.Start(t)
	if err := d.ImportTestImage(ns); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Cleanup(func() { // after up stopped: the pods' networks and the bridge
		if netw, err := podnet.New(podnet.Config{PodCIDR: cidr, Bridge: bridge, DataDir: filepath.Join(dir, "agent", "net")}); err == nil {
			_ = netw.TeardownAll(context.Background())
		}
		_ = exec.Command("ip", "link", "del", bridge).Run()
		containerdtest.UnmountUnder(dir)
	})
	port, err := etcdserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// A relative --data-dir, as the README's `capstan up` has
	// (./capstan-data): containerd and the mounts need absolute paths.
	t.Chdir(filepath.Dir(dir))
	args := []string{"--data-dir", filepath.Base(dir), "--containerd-socket", d.Socket, "--containerd-namespace", ns,
		"--node-name", nodeName, "--node-ip", "127.0.0.1", "--pod-cidr", cidr, "--bridge", bridge,
		"--logs-address", fmt.Sprintf("127.0.0.1:%d", port)}
	text, kc, stop := startUp(t, args...)
	want := "Node agent  node up-node on containerd 1."
	if !strings.Contains(text, want) || !strings.Contains(text, "at "+d.Socket+", namespace uptest") {
		t.Fatalf("up's output lacks %q at %s:\n%s", want, d.Socket, text)
	}
	c := clientFor(t, kc)
	ctx := context.Background()
	pod := agenttest.Pod("hello", `echo "hello from up"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done`)
	if _, err := c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	running := waitRunning(t, c, "hello")
	if running.Spec.NodeName != nodeName || !strings.HasPrefix(running.Status.PodIP, "10.254.20.") {
		t.Fatalf("pod on %q with IP %q, want on %s in %s", running.Spec.NodeName, running.Status.PodIP, nodeName, cidr)
	}
	// capstan logs, as a user runs it, until out satisfies done (or 10s).
	logs := func(done func(out string) bool, args ...string) string {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		cmd := newRootCommand()
		out, errs := &syncBuffer{}, &syncBuffer{}
		cmd.SetOut(out)
		cmd.SetErr(errs)
		cmd.SetArgs(append([]string{"logs", "hello", "--kubeconfig", kc}, args...))
		ran := make(chan error, 1)
		go func() { ran <- cmd.ExecuteContext(lctx) }()
		for {
			select {
			case err := <-ran:
				if err != nil {
					return fmt.Sprintf("error %v: %s", err, errs)
				}
				return out.String()
			case <-time.After(20 * time.Millisecond):
				if done(out.String()) {
					cancel() // Ctrl-C
					if err := <-ran; err != nil {
						t.Errorf("capstan logs %s after Ctrl-C: %v %s", strings.Join(args, " "), err, errs)
					}
					return out.String()
				}
			}
		}
	}
	never := func(string) bool { return false }
	// The container writes as it runs: ask until what it wrote is there.
	expect := func(ok func(string) bool, what string, args ...string) {
		t.Helper()
		got := logs(never, args...)
		for deadline := time.Now().Add(10 * time.Second); !ok(got); got = logs(never, args...) {
			if time.Now().After(deadline) {
				t.Fatalf("capstan logs hello %s: %q, want %s", strings.Join(args, " "), got, what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	expect(func(got string) bool { return strings.HasPrefix(got, "hello from up\ntick 1\n") }, "its output from the start")
	expect(regexp.MustCompile(`^tick \d+\n$`).MatchString, "one tick line", "--tail", "1")
	// -f: one line that was there, then lines written since.
	followed := logs(func(out string) bool { return strings.Count(out, "\n") >= 3 }, "-f", "--tail", "1")
	ticks := regexp.MustCompile(`(?m)^tick (\d+)$`).FindAllStringSubmatch(followed, -1)
	if len(ticks) < 3 || strings.Contains(followed, "hello") {
		t.Fatalf("capstan logs hello -f --tail 1: %q, want 3 ticks or more", followed)
	}
	for i := 1; i < len(ticks); i++ {
		if a, b := ticks[i-1][1], ticks[i][1]; fmt.Sprint(atoi(t, a)+1) != b {
			t.Fatalf("capstan logs -f: tick %s then %s in %q", a, b, followed)
		}
	}
	stop()

	_, kc, stop = startUp(t, args...)
	defer stop()
	time.Sleep(2 * time.Second) // the agent adopts, or (wrongly) restarts
	again := waitRunning(t, clientFor(t, kc), "hello")
	was, is := running.Status.ContainerStatuses[0], again.Status.ContainerStatuses[0]
	if is.ContainerID != was.ContainerID || is.RestartCount != 0 {
		t.Fatalf("after up restarted: container %s (restarts %d), want %s still running", is.ContainerID, is.RestartCount, was.ContainerID)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRunning waits up to 60s for pod name in default to be Running and
// Ready, and returns it.
func waitRunning(t *testing.T, c *client.Client, name string) *api.Pod {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		o, err := c.Get(context.Background(), "Pod", "default", name)
		if err == nil {
			p := o.(*api.Pod)
			if p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready {
				return p
			}
			err = fmt.Errorf("%s %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s not running within 60s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
