package etcdserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir (a "capstan.lock" file in it),
// so that a second member on the same data fails at once with a clear
// error instead of waiting forever for etcd's own file locks. The lock
// holds until the returned file is closed, or the process ends.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "capstan.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("etcdserver: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("etcdserver: data directory %s is in use by another etcd member", dir)
		}
		return nil, fmt.Errorf("etcdserver: locking %s: %w", dir, err)
	}
	return f, nil
}
