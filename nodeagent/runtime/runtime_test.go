package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/nodeagent/volumes"
)

type rig struct {
	t   *testing.T
	d   *containerdtest.Daemon
	rt  *Runtime
	obs chan node.Input
	dir string
	ctx context.Context
}

const testNS = "capstan-rt"

// newRig starts containerd with the test image and a runtime on a pod
// network of the test's own (bridge captrtN, 10.252.N.0/24), and lets the
// test run in parallel with the others.
func newRig(t *testing.T, n int) *rig {
	t.Helper()
	t.Parallel()
	bridge, cidr := fmt.Sprintf("captrt%d", n), fmt.Sprintf("10.252.%d.0/24", n)
	// Cleanups run last to first: containerd stops (killing what runs),
	// then the pod networks go, then the directory.
	dir := t.TempDir()
	netw, err := podnet.New(podnet.Config{PodCIDR: cidr, Bridge: bridge, DataDir: filepath.Join(dir, "net")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = netw.TeardownAll(context.Background())
		_ = exec.Command("ip", "link", "del", bridge).Run()
		containerdtest.UnmountUnder(dir) // volumes of a test that failed midway
	})
	d := containerdtest.Start(t)
	if err := d.ImportTestImage(testNS); err != nil {
		t.Fatal(err)
	}
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rig{t: t, d: d, obs: make(chan node.Input, 64), dir: dir}
	r.rt, err = New(Config{Client: c, Namespace: testNS, DataDir: dir, Network: netw,
		Volumes: volumes.New(dir), Observe: func(in node.Input) { r.obs <- in }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r.ctx = ctx
	go func() { _ = r.rt.Run(ctx) }()
	return r
}

func (r *rig) do(a node.Action) node.Input {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 60*time.Second)
	defer cancel()
	return r.rt.Do(ctx, a)
}

// run creates and starts a container and returns its id.
func (r *rig) run(a node.CreateContainer) string {
	r.t.Helper()
	created, ok := r.do(a).(node.ContainerCreated)
	if !ok {
		r.t.Fatalf("create %s: %s", a.Container, r.do(a).Describe())
	}
	if in, ok := r.do(node.StartContainer{Pod: a.Pod, Container: a.Container, ID: created.ID}).(node.ContainerStarted); !ok {
		r.t.Fatalf("start %s: %s", a.Container, in.Describe())
	}
	return created.ID
}

func (r *rig) exited(id string) node.ContainerExited {
	r.t.Helper()
	for {
		select {
		case in := <-r.obs:
			if e, ok := in.(node.ContainerExited); ok && e.ID == id {
				return e
			}
		case <-time.After(30 * time.Second):
			r.t.Fatalf("no exit of %s", id)
		}
	}
}

func pod(name string) node.PodRef {
	return node.PodRef{Namespace: "default", Name: name, UID: "uid-" + name}
}

func sh(pod node.PodRef, name, script string) node.CreateContainer {
	return node.CreateContainer{Pod: pod, Container: name, Image: "busybox", Command: []string{"sh", "-c", script}}
}

// TestImage: a present image is ready without a registry; Never fails
// for an absent one; a bad name is InvalidImageName.
func TestImage(t *testing.T) {
	r := newRig(t, 1)
	p := pod("img")
	if in, ok := r.do(node.EnsureImage{Pod: p, Container: "c", Image: "busybox", PullPolicy: "IfNotPresent"}).(node.ImageReady); !ok ||
		!strings.HasPrefix(in.ImageRef, "docker.io/library/busybox:latest@sha256:") {
		t.Fatalf("EnsureImage busybox: %s", in.Describe())
	}
	in := r.do(node.EnsureImage{Pod: p, Container: "c", Image: "example.invalid/nothing:1", PullPolicy: "Never"})
	if f, ok := in.(node.ImagePullFailed); !ok || f.Reason != "ErrImageNeverPull" {
		t.Fatalf("EnsureImage Never of an absent image: %s", in.Describe())
	}
	in = r.do(node.EnsureImage{Pod: p, Container: "c", Image: "Not A Name", PullPolicy: "IfNotPresent"})
	if f, ok := in.(node.ImagePullFailed); !ok || f.Reason != "InvalidImageName" {
		t.Fatalf("EnsureImage of a bad name: %s", in.Describe())
	}
}

// TestRunExitLogs: command, args, env and working directory reach the
// process; its exit code comes back; its output is in the log file.
func TestRunExitLogs(t *testing.T) {
	r := newRig(t, 2)
	p := pod("exit")
	a := node.CreateContainer{Pod: p, Container: "main", Image: "busybox", Command: []string{"sh", "-c"},
		Args: []string{`echo "hello $GREETING from $(pwd)"; echo oops >&2; exit 3`},
		Env:  []node.EnvVar{{Name: "GREETING", Value: "capstan"}}, WorkingDir: "/tmp"}
	id := r.run(a)
	e := r.exited(id)
	if e.ExitCode != 3 || e.Reason != "" || e.FinishedAt == 0 {
		t.Fatalf("exit: %s, want code 3", e.Describe())
	}
	// The shim copies the output to the file on its own goroutines: the
	// exit may be reported before the last line is written.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(r.rt.LogPath(p, "main", 0))
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		if strings.Contains(got, "hello capstan from /tmp\n") && strings.Contains(got, "oops\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log = %q", got)
		}
	}
	// Inventory sees it exited, with its code.
	inv, err := r.rt.Inventory(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 1 || inv[0].ID != id || inv[0].State != "exited" || inv[0].ExitCode != 3 ||
		inv[0].PodUID != p.UID || inv[0].Container != "main" || inv[0].StartedAt == 0 {
		t.Fatalf("inventory = %+v", inv)
	}
	if in := r.do(node.RemoveContainer{Pod: p, Container: "main", ID: id}); in != (node.ContainerRemoved{ID: id}) {
		t.Fatalf("remove: %s", in.Describe())
	}
	if _, err := os.Stat(r.rt.LogPath(p, "main", 0)); !os.IsNotExist(err) {
		t.Fatalf("log file still there after remove: %v", err)
	}
	if inv, _ := r.rt.Inventory(r.ctx); len(inv) != 0 {
		t.Fatalf("inventory after remove = %+v", inv)
	}
}

// TestKillGrace: a process that ignores SIGTERM is killed after the
// grace period (137); one that honours it ends at once. A killed
// container's exit is the kill's answer, not a separate ContainerExited.
func TestKillGrace(t *testing.T) {
	r := newRig(t, 3)
	p := pod("kill")
	stubborn := r.run(sh(p, "stubborn", `trap "" TERM; echo ready; while true; do sleep 1; done`))
	polite := r.run(sh(p, "polite", `trap "exit 0" TERM; while true; do sleep 0.1; done`))
	time.Sleep(300 * time.Millisecond) // the traps are set
	start := time.Now()
	in := r.do(node.KillContainer{Pod: p, Container: "stubborn", ID: stubborn, GracePeriod: time.Second})
	if k, ok := in.(node.ContainerKilled); !ok || k.ExitCode != 137 {
		t.Fatalf("kill stubborn: %s", in.Describe())
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("stubborn killed after %s, before its grace period", d)
	}
	in = r.do(node.KillContainer{Pod: p, Container: "polite", ID: polite, GracePeriod: 30 * time.Second})
	if k, ok := in.(node.ContainerKilled); !ok || k.ExitCode != 0 {
		t.Fatalf("kill polite: %s", in.Describe())
	}
	select {
	case in := <-r.obs:
		t.Fatalf("unexpected observation after kills: %s", in.Describe())
	case <-time.After(300 * time.Millisecond):
	}
	for _, id := range []string{stubborn, polite} {
		if in := r.do(node.RemoveContainer{Pod: p, ID: id}); in != (node.ContainerRemoved{ID: id}) {
			t.Fatalf("remove: %s", in.Describe())
		}
	}
	if _, err := os.Stat(r.rt.cfg.Network.NSPath(p.UID)); !os.IsNotExist(err) {
		t.Fatalf("pod network still there after its last container went: %v", err)
	}
}

// TestOOMKilled: a process past its memory limit dies with reason
// OOMKilled.
func TestOOMKilled(t *testing.T) {
	r := newRig(t, 4)
	a := sh(pod("oom"), "hog", `x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x="$x$x"; done`)
	a.Resources.MemoryLimit = 16 << 20
	e := r.exited(r.run(a))
	if e.ExitCode != 137 || e.Reason != "OOMKilled" {
		t.Fatalf("exit: %s, want 137 OOMKilled", e.Describe())
	}
}

// TestNetworkAndExec: pods get addresses; the node reaches a pod's httpd;
// a pod reaches another by address; exec runs in the container; a second
// runtime (an agent restart) adopts the running containers.
func TestNetworkAndExec(t *testing.T) {
	r := newRig(t, 5)
	web, client := pod("web"), pod("client")
	r.run(sh(web, "httpd", `mkdir -p /www && echo "hello from web" > /www/index.html && exec httpd -f -p 8080 -h /www`))
	cid := r.run(sh(client, "sleep", `exec sleep 3600`))
	ipWeb, ok := r.rt.PodIP(web.UID)
	ipClient, ok2 := r.rt.PodIP(client.UID)
	if !ok || !ok2 || ipWeb == ipClient || !strings.HasPrefix(ipWeb, "10.252.") {
		t.Fatalf("pod IPs %q %v, %q %v", ipWeb, ok, ipClient, ok2)
	}
	url := fmt.Sprintf("http://%s:8080/", ipWeb)
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
	}
	if body != "hello from web\n" {
		t.Fatalf("GET %s from the node = %q", url, body)
	}
	code, out, err := r.rt.Exec(r.ctx, cid, []string{"wget", "-q", "-O", "-", url}, 10*time.Second)
	if err != nil || code != 0 || string(out) != "hello from web\n" {
		t.Fatalf("wget from the client pod: code %d, %q, %v", code, out, err)
	}
	code, out, err = r.rt.Exec(r.ctx, cid, []string{"hostname"}, 5*time.Second)
	if err != nil || code != 0 || strings.TrimSpace(string(out)) != "client" {
		t.Fatalf("hostname in the client pod: %d %q %v", code, out, err)
	}
	if code, _, err := r.rt.Exec(r.ctx, cid, []string{"sh", "-c", "exit 4"}, 5*time.Second); err != nil || code != 4 {
		t.Fatalf("exec exit 4: %d %v", code, err)
	}
	if _, _, err := r.rt.Exec(r.ctx, cid, []string{"sleep", "10"}, 200*time.Millisecond); err != ErrProbeTimeout {
		t.Fatalf("exec past its timeout: %v", err)
	}
	// A new runtime over the same containerd (an agent restart) adopts both.
	c2, err := r.d.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	r2, err := New(Config{Client: c2, Namespace: testNS, DataDir: r.dir, Network: r.rt.cfg.Network,
		Volumes: r.rt.cfg.Volumes, Observe: func(node.Input) {}})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := r2.Inventory(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, rc := range inv {
		if rc.State == "running" && rc.StartedAt != 0 {
			running++
		}
	}
	if running != 2 {
		t.Fatalf("inventory after restart: %+v", inv)
	}
}

// TestVolumesAndSecurity: emptyDir is writable, a secret's files are
// read-only in the container, the user and a read-only root apply.
func TestVolumesAndSecurity(t *testing.T) {
	r := newRig(t, 6)
	p := pod("vols")
	for _, v := range []node.SetupVolume{
		{Pod: p, Volume: "scratch", Kind: node.VolumeEmptyDir},
		{Pod: p, Volume: "creds", Kind: node.VolumeSecret, Files: []node.File{{Path: "password", Mode: 0o400, Data: []byte("s3cret")}}},
		{Pod: p, Volume: "data", Kind: node.VolumePVC, Source: filepath.Join(r.dir, "pv1")},
	} {
		if in := r.do(v); in != (node.VolumeReady{PodUID: p.UID, Volume: v.Volume}) {
			t.Fatalf("setup %s: %s", v.Volume, in.Describe())
		}
	}
	uid, ro := int64(1000), true
	a := sh(p, "main", `set -e
id -u > /scratch/uid
cat /creds/password > /scratch/secret
echo kept > /data/file
if echo x > /creds/password 2>/dev/null; then echo "secret writable"; exit 1; fi
if touch /rootfile 2>/dev/null; then echo "root writable"; exit 1; fi
echo ok`)
	a.Mounts = []node.Mount{
		{Volume: "scratch", Kind: node.VolumeEmptyDir, MountPath: "/scratch"},
		{Volume: "creds", Kind: node.VolumeSecret, MountPath: "/creds", ReadOnly: true},
		{Volume: "data", Kind: node.VolumePVC, Source: filepath.Join(r.dir, "pv1"), MountPath: "/data"},
	}
	a.Security.RunAsUser, a.Security.ReadOnlyRootFilesystem = &uid, &ro
	// uid 1000 may read the secret only if the mode lets it: run as root
	// for the secret, check the uid in a second container.
	a.Security.RunAsUser = nil
	if e := r.exited(r.run(a)); e.ExitCode != 0 {
		b, _ := os.ReadFile(r.rt.LogPath(p, "main", 0))
		t.Fatalf("container: %s\n%s", e.Describe(), b)
	}
	scratch := r.rt.cfg.Volumes.Dir(p.UID, node.VolumeEmptyDir, "scratch")
	if b, _ := os.ReadFile(filepath.Join(scratch, "secret")); string(b) != "s3cret" {
		t.Fatalf("secret seen in the container = %q", b)
	}
	b := sh(p, "user", `id -u > /scratch/uid2`)
	b.Mounts = a.Mounts[:1]
	b.Security.RunAsUser = &uid
	if e := r.exited(r.run(b)); e.ExitCode != 0 {
		t.Fatalf("user container: %s", e.Describe())
	}
	if got, _ := os.ReadFile(filepath.Join(scratch, "uid2")); strings.TrimSpace(string(got)) != "1000" {
		t.Fatalf("uid in the container = %q", got)
	}
	for _, v := range []node.TeardownVolume{{Pod: p, Volume: "scratch", Kind: node.VolumeEmptyDir},
		{Pod: p, Volume: "creds", Kind: node.VolumeSecret}, {Pod: p, Volume: "data", Kind: node.VolumePVC}} {
		if in := r.do(v); in != (node.VolumeTornDown{PodUID: p.UID, Volume: v.Volume}) {
			t.Fatalf("teardown %s: %s", v.Volume, in.Describe())
		}
	}
	if _, err := os.Stat(scratch); !os.IsNotExist(err) {
		t.Fatalf("emptyDir still there: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(r.dir, "pv1", "file")); string(got) != "kept\n" {
		t.Fatalf("persistent volume data after teardown = %q", got)
	}
}
