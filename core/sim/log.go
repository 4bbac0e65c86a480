package sim

import (
	"fmt"
	"strings"
)

// eventLog is the cluster's record of everything that happened, one line
// per entry: "  12.5s cp: bind Pod default/web-x -> n1 [scheduler]". Its
// bytes depend only on the Config and the calls made, so two runs with the
// same seed can be compared byte for byte.
type eventLog struct {
	off   bool
	lines []string
	// mark is where the last "describe log" stopped.
	mark int
}

// logf records one line at the current time, said by who ("cp", a node's
// name, "store", "runtime", "user").
func (c *Cluster) logf(who, format string, args ...any) {
	if c.log.off {
		return
	}
	c.logLine(who, fmt.Sprintf(format, args...))
}

// logLine records one preformatted line.
func (c *Cluster) logLine(who, text string) {
	if c.log.off {
		return
	}
	c.log.lines = append(c.log.lines, fmt.Sprintf("%8s %s: %s", formatSince(c.now, c.cfg.Epoch), who, text))
}

// logging reports whether the log is on, so callers can skip building
// lines nobody keeps.
func (c *Cluster) logging() bool { return !c.log.off }

// LogSince returns the log lines recorded since the previous call (or
// since the start), joined with newlines.
func (c *Cluster) LogSince() string {
	lines := c.log.lines[c.log.mark:]
	c.log.mark = len(c.log.lines)
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// LogText returns the whole log.
func (c *Cluster) LogText() string {
	if len(c.log.lines) == 0 {
		return ""
	}
	return strings.Join(c.log.lines, "\n") + "\n"
}
