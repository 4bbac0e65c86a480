package agenttest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// LockBridge holds, until t ends, a machine-wide lock on the name of a
// test's bridge (and so on its pod range, which goes with it in every
// test): two runs of one test at once on a machine (two checkouts, or go
// test -count under stress) would otherwise share a bridge and hand out
// the same addresses, and each one's cleanup would delete the other's
// bridge. The second run waits for the first; t fails if it waits more
// than 10 minutes. Start calls it; tests that run an agent otherwise
// (capstan up's) call it themselves.
func LockBridge(t testing.TB, bridge string) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "capstan-test-bridge-"+bridge+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("agenttest: lock bridge %s: %v", bridge, err)
	}
	locked := make(chan error, 1)
	go func() { locked <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err = <-locked:
	case <-time.After(10 * time.Minute):
		f.Close() // the Flock goroutine ends with an error
		t.Fatalf("agenttest: bridge %s: another test on this machine has held it for 10 minutes (%s)", bridge, path)
	}
	if err != nil {
		f.Close()
		t.Fatalf("agenttest: lock bridge %s: %v", bridge, err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}
