package containerdtest

import (
	"errors"
	"fmt"
	"sync"
)

// logTail is how much of the daemon's log a Daemon keeps: the end, where
// a crash leaves its reason.
const logTail = 16 << 10

// Dead returns nil while the daemon runs, and once it has ended (on its
// own or by Stop) an error saying how, with the end of its log.
func (d *Daemon) Dead() error {
	select {
	case <-d.exited:
	default:
		return nil
	}
	how := "exited with status 0"
	if d.waitErr != nil {
		how = d.waitErr.Error() // "signal: killed", "exit status 2", ...
	}
	if d.stopped.Load() {
		how += " (stopped by the test)"
	}
	return fmt.Errorf("containerd at %s: %s; its log ends:\n%s", d.Socket, how, d.log.String())
}

// Explain adds to err, when the daemon has died, how it died: an import
// or a container action that fails because containerd is gone says so.
// A nil err stays nil.
func (d *Daemon) Explain(err error) error {
	if err == nil {
		return nil
	}
	if dead := d.Dead(); dead != nil {
		return errors.Join(err, dead)
	}
	return err
}

// tailBuffer is an io.Writer, safe for concurrent use, that keeps the
// last max bytes written to it.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	b       []byte
	dropped bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if t.max > 0 && len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
		t.dropped = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.b) == 0 {
		return "(empty)"
	}
	if t.dropped {
		return "..." + string(t.b)
	}
	return string(t.b)
}
