package runtime

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/containerd/containerd/v2/pkg/cio"
)

// logTo has the shim append a task's stdout and stderr to the file at
// path, each through its own descriptor opened O_APPEND.
//
// cio.LogFile would do it with one "file://" URI; but then the shim
// (containerd 1.6's runc v2, Debian 12's) shares one descriptor between
// its two copying goroutines behind a closer that counts its users
// (later containerd made that count atomic), and under load a container
// that wrote to stdout and then to stderr and exited lost its stderr
// lines (TestRunExitLogs, 3 runs in 12 under CPU load). Given two plain paths, the shim
// opens each on its own; two spellings of the one path keep them apart,
// and O_APPEND keeps their writes whole and in order of arrival.
func logTo(path string) cio.Creator {
	return func(string) (cio.IO, error) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		return &logIO{cfg: cio.Config{
			Stdout: path,
			Stderr: filepath.Dir(path) + "/./" + filepath.Base(path),
		}}, nil
	}
}

// logIO is a task's IO that the shim handles alone: nothing to copy,
// wait for or close on this side.
type logIO struct{ cfg cio.Config }

func (l *logIO) Config() cio.Config { return l.cfg }
func (l *logIO) Cancel()            {}
func (l *logIO) Wait()              {}
func (l *logIO) Close() error       { return nil }
