// Package containerdtest starts a private containerd daemon for tests:
// its root, state, socket and config live in a fresh temporary directory,
// so it shares nothing with a system containerd. Stop kills every task it
// ran, removes containers, stops the daemon, kills any shim left behind
// (found by its -address argument) and unmounts and deletes the directory.
//
// Tests that need containerd call Start; it skips the test, with a clear
// message, only when the containerd binary is not installed, and fails it
// then if CAPSTAN_REQUIRE_CONTAINERD is set (.ci/run installs containerd
// and sets it).
//
// A daemon that dies while a test runs is a failure the test must be able
// to explain: Dead reports how it ended (exit status or signal) with the
// tail of its log, Start's cleanup fails the test when the daemon died
// before it was stopped, and the errors of ImportTestImage and Client
// carry the same account (Explain adds it to any error).
package containerdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"

	"github.com/capstan-dev/capstan/nodeagent/testimage"
)

// Daemon is one running private containerd.
type Daemon struct {
	// Dir holds root/, state/, the socket and the config.
	Dir string
	// Socket is the daemon's gRPC address (a unix socket path).
	Socket string
	cmd    *exec.Cmd
	log    tailBuffer
	// exited is closed when the process has ended, with waitErr how.
	exited  chan struct{}
	waitErr error
	stopped atomic.Bool
}

// config disables the CRI plugin (its CNI setup and streaming server are
// not wanted) and keeps every address inside dir.
const config = `version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[metrics]
  address = ""
`

// RequireEnv names the environment variable that, when set (CI sets it),
// makes Start fail instead of skip on a machine without containerd, so
// that the end-to-end tests cannot pass by not running.
const RequireEnv = "CAPSTAN_REQUIRE_CONTAINERD"

// Binary is the containerd executable Start runs.
var Binary = "containerd"

// Start starts a private containerd for t and stops it at t's cleanup.
// It skips t if containerd is not installed, and fails t if it does not
// come up.
func Start(t testing.TB) *Daemon {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		const install = "apt-get install containerd runc busybox-static"
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("containerd is not installed (%v), and %s is set: the end-to-end tests must run: %s", err, RequireEnv, install)
		}
		t.Skipf("containerd is not installed (%v): %s", err, install)
	}
	d, err := StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Dead(); err != nil && !d.stopped.Load() {
			t.Errorf("containerdtest: the daemon died during the test: %v", err)
		}
		if err := d.Stop(); err != nil {
			t.Errorf("containerdtest: stop: %v", err)
		}
	})
	return d
}

// StartDaemon starts a private containerd; the caller calls Stop.
func StartDaemon() (*Daemon, error) {
	// Unix socket paths are limited to 108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "ctrd-")
	if err != nil {
		return nil, fmt.Errorf("containerdtest: %w", err)
	}
	d := &Daemon{Dir: dir, Socket: filepath.Join(dir, "c.sock"), exited: make(chan struct{})}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, d.Socket, d.Socket+".ttrpc"), 0o644); err != nil {
		return nil, fmt.Errorf("containerdtest: %w", err)
	}
	d.cmd = exec.Command(Binary, "--config", cfg, "--root", filepath.Join(dir, "root"),
		"--state", filepath.Join(dir, "state"), "--address", d.Socket, "--log-level", "warn")
	d.log.max = logTail
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("containerdtest: start containerd: %w", err)
	}
	go func() { d.waitErr = d.cmd.Wait(); close(d.exited) }()
	if err := d.waitReady(15 * time.Second); err != nil {
		_ = d.Stop()
		return nil, err
	}
	return d, nil
}

func (d *Daemon) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-d.exited:
			return d.Dead()
		default:
		}
		if c, err := containerd.New(d.Socket, containerd.WithTimeout(time.Second)); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			ok, err := c.IsServing(ctx)
			cancel()
			c.Close()
			if err == nil && ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("containerdtest: containerd not serving after %s; its log ends:\n%s", timeout, d.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client returns a new client of the daemon; the caller closes it.
func (d *Daemon) Client() (*containerd.Client, error) {
	c, err := containerd.New(d.Socket)
	if err != nil {
		return nil, d.Explain(fmt.Errorf("containerdtest: connect: %w", err))
	}
	return c, nil
}

// PID returns the daemon's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// ImportTestImage builds the busybox test image (nodeagent/testimage) and
// imports and unpacks it into namespace ns.
func (d *Daemon) ImportTestImage(ns string) error {
	c, err := d.Client()
	if err != nil {
		return err
	}
	defer c.Close()
	var buf bytes.Buffer
	if err := testimage.Build(&buf, testimage.DefaultBusybox); err != nil {
		return err
	}
	ctx := namespaces.WithNamespace(context.Background(), ns)
	imgs, err := c.Import(ctx, &buf)
	if err != nil {
		return d.Explain(fmt.Errorf("containerdtest: import: %w", err))
	}
	for _, i := range imgs {
		if err := containerd.NewImage(c, i).Unpack(ctx, "overlayfs"); err != nil {
			return d.Explain(fmt.Errorf("containerdtest: unpack %s: %w", i.Name, err))
		}
	}
	return nil
}

// Stop removes every task and container, stops the daemon, kills leftover
// shims and removes the directory. It returns the first error met but
// always does every step.
func (d *Daemon) Stop() error {
	d.stopped.Store(true)
	var errs []error
	errs = append(errs, d.cleanContainers())
	if d.cmd != nil && d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	}
	errs = append(errs, d.killShims())
	UnmountUnder(d.Dir)
	if err := os.RemoveAll(d.Dir); err != nil {
		errs = append(errs, fmt.Errorf("containerdtest: remove %s: %w", d.Dir, err))
	}
	return errors.Join(errs...)
}

// RemoveContainers kills the tasks of namespace ns and deletes its
// containers (a node's, before its directories go). Nothing to do on a
// daemon that has ended.
func (d *Daemon) RemoveContainers(ns string) error {
	return d.removeContainers([]string{ns})
}

// cleanContainers kills every task and deletes every container, in every
// namespace.
func (d *Daemon) cleanContainers() error {
	return d.removeContainers(nil)
}

// removeContainers kills the tasks and deletes the containers of
// namespaces nss (nil: all of them).
func (d *Daemon) removeContainers(nss []string) error {
	select {
	case <-d.exited:
		return nil
	default:
	}
	c, err := containerd.New(d.Socket, containerd.WithTimeout(2*time.Second))
	if err != nil {
		return nil // not up: nothing to clean through it
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if nss == nil {
		if nss, err = c.NamespaceService().List(ctx); err != nil {
			return fmt.Errorf("containerdtest: namespaces: %w", err)
		}
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for _, ns := range nss {
		nctx := namespaces.WithNamespace(ctx, ns)
		ctrs, err := c.Containers(nctx)
		if err != nil {
			fail(err)
			continue
		}
		for _, ctr := range ctrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := removeContainer(nctx, ctr); err != nil {
					fail(err)
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// removeContainer kills a container's task and deletes both.
func removeContainer(ctx context.Context, ctr containerd.Container) error {
	if task, err := ctr.Task(ctx, nil); err == nil {
		if ch, err := task.Wait(ctx); err == nil {
			if task.Kill(ctx, syscall.SIGKILL, containerd.WithKillAll) == nil {
				select {
				case <-ch:
				case <-time.After(5 * time.Second):
				}
			}
		}
		if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil {
			// The containers of one pod share a shim, which exits once
			// its last task is deleted: a delete racing with a sibling's
			// can lose its answer ("ttrpc: closed") although it was done.
			if _, terr := ctr.Task(ctx, nil); !errdefs.IsNotFound(terr) {
				return fmt.Errorf("containerdtest: delete task %s: %w", ctr.ID(), err)
			}
		}
	}
	if err := ctr.Delete(ctx, containerd.WithSnapshotCleanup); err != nil {
		return fmt.Errorf("containerdtest: delete container %s: %w", ctr.ID(), err)
	}
	return nil
}

// killShims kills the shims started for this daemon that are still alive
// (their command line names the daemon's socket).
func (d *Daemon) killShims() error {
	pids, err := ShimPIDs(d.Socket)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return nil
}

// ShimPIDs returns the pids of the containerd shims serving the daemon at
// socket, sorted.
func ShimPIDs(socket string) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("containerdtest: %w", err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) == 0 || !strings.Contains(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for i, a := range args {
			if (a == "-address" || a == "--address") && i+1 < len(args) && args[i+1] == socket {
				pids = append(pids, pid)
			}
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// UnmountUnder lazily unmounts every mount point below dir, deepest first.
func UnmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
	}
}
