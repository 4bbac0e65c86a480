package containerdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/capstan-dev/capstan/nodeagent/testimage"
)

// TestStartImportStop: a private daemon comes up, takes the test image,
// and Stop leaves no directory and no shim behind.
func TestStartImportStop(t *testing.T) {
	d := Start(t)
	if err := d.ImportTestImage("test"); err != nil {
		t.Fatal(err)
	}
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := namespaces.WithNamespace(context.Background(), "test")
	img, err := c.GetImage(ctx, testimage.Name)
	if err != nil {
		t.Fatalf("image not present after import: %v", err)
	}
	if ok, err := img.IsUnpacked(ctx, "overlayfs"); err != nil || !ok {
		t.Fatalf("image not unpacked: %v %v", ok, err)
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Stop: %v", d.Dir, err)
	}
}

// TestDeadDaemonExplained: a daemon killed under a test is reported as
// dead, with how it ended and its log, and an import that fails because
// of it says so.
func TestDeadDaemonExplained(t *testing.T) {
	if _, err := exec.LookPath(Binary); err != nil {
		t.Skipf("containerd is not installed: %v", err)
	}
	d, err := StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if err := d.Dead(); err != nil {
		t.Fatalf("a running daemon reported dead: %v", err)
	}
	plain := errors.New("plain")
	if d.Explain(nil) != nil || d.Explain(plain) != plain {
		t.Fatal("Explain changed an error while the daemon runs")
	}
	fmt.Fprintln(&d.log, "last words")
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-d.exited
	err = d.Dead()
	if err == nil || !strings.Contains(err.Error(), "signal: killed") || !strings.Contains(err.Error(), "last words") ||
		strings.Contains(err.Error(), "stopped by the test") {
		t.Fatalf("Dead() = %v, want the signal and the log's end", err)
	}
	if err := d.Explain(plain); !errors.Is(err, plain) || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("Explain on a dead daemon: %v", err)
	}
	err = d.ImportTestImage("test")
	if err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("import on a dead daemon: %v, want it to say the daemon was killed", err)
	}
}

func TestTailBuffer(t *testing.T) {
	b := tailBuffer{max: 8}
	if b.String() != "(empty)" {
		t.Fatalf("empty: %q", b.String())
	}
	fmt.Fprint(&b, "0123")
	fmt.Fprint(&b, "456789ab")
	if got := b.String(); got != "...456789ab" {
		t.Fatalf("tail: %q", got)
	}
}

// recorder is a testing.TB that records how Start ends a test.
type recorder struct {
	testing.TB
	failed, skipped string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(f string, a ...any) {
	r.failed = fmt.Sprintf(f, a...)
	runtime.Goexit()
}
func (r *recorder) Skipf(f string, a ...any) {
	r.skipped = fmt.Sprintf(f, a...)
	runtime.Goexit()
}

// TestNoContainerd: without containerd, Start skips, unless RequireEnv
// is set (as in CI): then it fails.
func TestNoContainerd(t *testing.T) {
	defer func(b string) { Binary = b }(Binary)
	Binary = "containerd-that-is-not-installed"
	start := func() *recorder {
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); Start(r) }()
		<-done
		return r
	}
	t.Setenv(RequireEnv, "")
	if r := start(); r.failed != "" || !strings.Contains(r.skipped, "containerd is not installed") {
		t.Errorf("without %s: failed %q, skipped %q; want a skip", RequireEnv, r.failed, r.skipped)
	}
	t.Setenv(RequireEnv, "1")
	if r := start(); r.skipped != "" || !strings.Contains(r.failed, "the end-to-end tests must run") {
		t.Errorf("with %s: failed %q, skipped %q; want a failure", RequireEnv, r.failed, r.skipped)
	}
}
