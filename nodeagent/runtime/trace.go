package runtime

import (
	"context"
	"log/slog"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/containers"
)

// PhaseMessage is the message of the debug records that time the phases
// of creating and starting a container (attributes "pod", the pod's uid,
// "phase" and "took"): `capstan agent` shows them at debug level and
// BenchmarkPodStartup adds them up.
const PhaseMessage = "runtime phase"

// timed logs how long phase of pod uid's action took since start.
func (r *Runtime) timed(uid, phase string, start time.Time) {
	if r.cfg.Log.Enabled(context.Background(), slog.LevelDebug) {
		r.cfg.Log.Debug(PhaseMessage, "pod", uid, "phase", phase, "took", time.Since(start))
	}
}

// timedOpt is opt, timed as phase.
func (r *Runtime) timedOpt(uid, phase string, opt containerd.NewContainerOpts) containerd.NewContainerOpts {
	return func(ctx context.Context, c *containerd.Client, ctr *containers.Container) error {
		defer r.timed(uid, phase, time.Now())
		return opt(ctx, c, ctr)
	}
}
