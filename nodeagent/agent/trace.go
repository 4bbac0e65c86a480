package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/node"
)

// The messages of the debug records that time a pod's way to Running
// (attributes "pod", the pod's uid, "what", the action's kind or the
// status's phase, "queued", the time from the machine's emitting it to
// its start, and "took"): `capstan agent` shows them at debug level and
// BenchmarkPodStartup adds them up, with nodeagent/runtime's
// runtime.PhaseMessage records.
const (
	ActionMessage = "action done"
	StatusMessage = "status written"
)

// timed logs an action or status write of pod uid emitted at emitted and
// started at start, which ends now.
func (a *Agent) timed(msg, uid, what string, emitted, start time.Time) {
	if a.log.Enabled(context.Background(), slog.LevelDebug) {
		a.log.Debug(msg, "pod", uid, "what", what, "queued", start.Sub(emitted), "took", time.Since(start))
	}
}

// actionKind names an action's type ("CreateContainer").
func actionKind(act node.Action) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", act), "node.")
}
