package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	eventtypes "github.com/containerd/containerd/api/events"
	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/errdefs"
	"github.com/containerd/typeurl/v2"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// KillTimeout is how long a SIGKILL may take to end a task.
var KillTimeout = 10 * time.Second

// oomWait is how long an exit with code 137 waits for the OOM event that
// may trail it.
const oomWait = 200 * time.Millisecond

// podRefOf reads a container's pod, name and attempt from its labels.
func podRefOf(labels map[string]string) (node.PodRef, string, int32) {
	attempt, _ := strconv.Atoi(labels[LabelAttempt])
	return node.PodRef{Namespace: labels[LabelPodNamespace], Name: labels[LabelPodName], UID: labels[LabelPodUID]},
		labels[LabelContainer], int32(attempt)
}

// start creates the task of container id, its stdout and stderr going to
// the log file, starts it and follows its exit.
func (r *Runtime) start(ctx context.Context, id string) (time.Time, error) {
	t := time.Now()
	ctr, err := r.c.LoadContainer(ctx, id)
	if err != nil {
		return time.Time{}, fmt.Errorf("load container: %w", err)
	}
	info, err := ctr.Info(ctx, containerd.WithoutRefreshedMetadata) // as just loaded
	if err != nil {
		return time.Time{}, fmt.Errorf("container labels: %w", err)
	}
	pod, name, attempt := podRefOf(info.Labels)
	logPath := r.LogPath(pod, name, attempt)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return time.Time{}, fmt.Errorf("log directory: %w", err)
	}
	r.timed(pod.UID, "load", t)
	t = time.Now()
	task, err := ctr.NewTask(ctx, logTo(logPath))
	if err != nil {
		return time.Time{}, fmt.Errorf("create task: %w", err)
	}
	r.timed(pod.UID, "task", t)
	t = time.Now()
	exitCh, err := task.Wait(r.ctx(context.Background()))
	if err != nil {
		_, _ = task.Delete(ctx, containerd.WithProcessKill)
		return time.Time{}, fmt.Errorf("wait task: %w", err)
	}
	r.timed(pod.UID, "wait", t)
	t = time.Now()
	if err := task.Start(ctx); err != nil {
		_, _ = task.Delete(ctx, containerd.WithProcessKill)
		return time.Time{}, fmt.Errorf("start task: %w", err)
	}
	r.timed(pod.UID, "start", t)
	at := r.cfg.Now()
	// The start time is for a restarted agent's adoption (and the
	// inventory): written before the start is reported.
	t = time.Now()
	if _, err := ctr.SetLabels(ctx, map[string]string{LabelStartedAt: at.UTC().Format(time.RFC3339Nano)}); err != nil {
		r.cfg.Log.Warn("label started-at", "id", id, "err", err)
	}
	r.timed(pod.UID, "label", t)
	r.follow(id, exitCh)
	return at, nil
}

// follow waits for the exit of container id's task in the background and
// reports it, unless a kill is waiting for it.
func (r *Runtime) follow(id string, exitCh <-chan containerd.ExitStatus) *watch {
	w := &watch{done: make(chan struct{})}
	r.mu.Lock()
	if old := r.watched[id]; old != nil {
		r.mu.Unlock()
		return old
	}
	r.watched[id] = w
	r.mu.Unlock()
	go func() {
		st := <-exitCh
		code, at := int32(st.ExitCode()), st.ExitTime()
		if st.Error() != nil {
			code = 255
		}
		if at.IsZero() {
			at = r.cfg.Now()
		}
		reason := ""
		if code == 137 && r.waitOOM(id) {
			reason = "OOMKilled"
		}
		r.mu.Lock()
		w.code, w.at, w.reason = code, at, reason
		killing := w.killing
		close(w.done)
		r.mu.Unlock()
		if !killing {
			r.cfg.Observe(node.ContainerExited{ID: extID(id), ExitCode: code, Reason: reason, FinishedAt: api.Time(at.UnixNano())})
		}
	}()
	return w
}

// waitOOM reports whether container id was OOM killed, waiting a little
// for the event.
func (r *Runtime) waitOOM(id string) bool {
	deadline := time.Now().Add(oomWait)
	for {
		r.mu.Lock()
		oom := r.ooms[id]
		r.mu.Unlock()
		if oom || time.Now().After(deadline) {
			return oom
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Run follows containerd's OOM events until ctx ends.
func (r *Runtime) Run(ctx context.Context) error {
	evs, errs := r.c.Subscribe(ctx, `topic=="/tasks/oom"`, fmt.Sprintf("namespace==%q", r.cfg.Namespace))
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			if err == nil || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("runtime: events: %w", err)
		case e := <-evs:
			if e == nil || e.Event == nil || e.Namespace != r.cfg.Namespace {
				continue
			}
			v, err := typeurl.UnmarshalAny(e.Event)
			if err != nil {
				continue
			}
			if oom, ok := v.(*eventtypes.TaskOOM); ok {
				r.mu.Lock()
				r.ooms[oom.ContainerID] = true
				r.mu.Unlock()
				if ctr, err := r.c.LoadContainer(r.ctx(ctx), oom.ContainerID); err == nil {
					_, _ = ctr.SetLabels(r.ctx(ctx), map[string]string{LabelOOM: "true"})
				}
			}
		}
	}
}

// kill stops container id's task: SIGTERM, then SIGKILL to all its
// processes after grace. It returns the exit code and time.
func (r *Runtime) kill(ctx context.Context, id string, grace time.Duration) (int32, time.Time, error) {
	ctr, err := r.c.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return 137, r.cfg.Now(), nil // gone: nothing runs
	} else if err != nil {
		return 0, time.Time{}, fmt.Errorf("load container: %w", err)
	}
	task, err := ctr.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return 0, r.cfg.Now(), nil // never started
	} else if err != nil {
		return 0, time.Time{}, fmt.Errorf("task: %w", err)
	}
	r.mu.Lock()
	w := r.watched[id]
	r.mu.Unlock()
	if w == nil {
		ch, err := task.Wait(r.ctx(context.Background()))
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("wait task: %w", err)
		}
		w = r.follow(id, ch)
	}
	r.mu.Lock()
	w.killing = true
	r.mu.Unlock()
	result := func() (int32, time.Time, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return w.code, w.at, nil
	}
	if grace > 0 {
		if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
			r.cfg.Log.Warn("SIGTERM", "id", id, "err", err)
		}
		select {
		case <-w.done:
			return result()
		case <-time.After(grace):
		case <-ctx.Done():
		}
	}
	if err := task.Kill(ctx, syscall.SIGKILL, containerd.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
		r.cfg.Log.Warn("SIGKILL", "id", id, "err", err)
	}
	select {
	case <-w.done:
		return result()
	case <-time.After(KillTimeout):
	}
	r.mu.Lock()
	w.killing = false // its exit, if it ever comes, is news again
	r.mu.Unlock()
	return 0, time.Time{}, fmt.Errorf("container %s still running %s after SIGKILL", id, KillTimeout)
}

// remove deletes container id: its task, snapshot, log file, and the
// pod's network when it was the pod's last container.
func (r *Runtime) remove(ctx context.Context, id string) error {
	ctr, err := r.c.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		r.forget(id)
		return nil
	} else if err != nil {
		return fmt.Errorf("load container: %w", err)
	}
	labels, err := ctr.Labels(ctx)
	if err != nil {
		return fmt.Errorf("container labels: %w", err)
	}
	pod, name, attempt := podRefOf(labels)
	defer r.lockPod(pod.UID)()
	if task, err := ctr.Task(ctx, nil); err == nil {
		if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("delete task: %w", err)
		}
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("task: %w", err)
	}
	if err := ctr.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete container: %w", err)
	}
	r.forget(id)
	logPath := r.LogPath(pod, name, attempt)
	if err := os.Remove(logPath); err == nil {
		_ = os.Remove(filepath.Dir(logPath)) // when empty
		_ = os.Remove(filepath.Dir(filepath.Dir(logPath)))
	}
	if pod.UID != "" && labels[LabelHostNetwork] != "true" {
		if err := r.releaseNetworkIfUnused(ctx, pod.UID); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runtime) forget(id string) {
	r.mu.Lock()
	delete(r.watched, id)
	delete(r.ooms, id)
	r.mu.Unlock()
}

// Inventory lists the runtime's containers for core/node's adoption, and
// follows the exits of those still running.
func (r *Runtime) Inventory(ctx context.Context) ([]node.RuntimeContainer, error) {
	ctx = r.ctx(ctx)
	ctrs, err := r.c.Containers(ctx, fmt.Sprintf("labels.%q", LabelPodUID))
	if err != nil {
		return nil, fmt.Errorf("runtime: list containers: %w", err)
	}
	out := make([]node.RuntimeContainer, 0, len(ctrs))
	for _, ctr := range ctrs {
		labels, err := ctr.Labels(ctx)
		if errdefs.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("runtime: labels of %s: %w", ctr.ID(), err)
		}
		pod, name, attempt := podRefOf(labels)
		rc := node.RuntimeContainer{ID: extID(ctr.ID()), PodUID: pod.UID, PodNamespace: pod.Namespace, PodName: pod.Name,
			Container: name, Attempt: attempt, State: "created"}
		if t, err := time.Parse(time.RFC3339Nano, labels[LabelStartedAt]); err == nil {
			rc.StartedAt = api.Time(t.UnixNano())
		}
		task, err := ctr.Task(ctx, nil)
		switch {
		case errdefs.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("runtime: task of %s: %w", ctr.ID(), err)
		default:
			st, err := task.Status(ctx)
			if err != nil {
				return nil, fmt.Errorf("runtime: status of %s: %w", ctr.ID(), err)
			}
			switch st.Status {
			case containerd.Running, containerd.Paused, containerd.Pausing:
				rc.State = "running"
				if ch, err := task.Wait(r.ctx(context.Background())); err == nil {
					r.follow(ctr.ID(), ch)
				}
			case containerd.Stopped:
				rc.State, rc.ExitCode = "exited", int32(st.ExitStatus)
				rc.FinishedAt = api.Time(st.ExitTime.UnixNano())
				if labels[LabelOOM] == "true" {
					rc.Reason = "OOMKilled"
				}
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

// ErrProbeTimeout is Exec's error when the command outlives its timeout.
var ErrProbeTimeout = errors.New("command timed out")

// Exec runs cmd in running container id (as core/node names it), as its process runs (user,
// environment, working directory), and returns its exit code and up to
// 10 KiB of its combined output. After timeout the command is killed and
// ErrProbeTimeout returned.
func (r *Runtime) Exec(ctx context.Context, id string, cmd []string, timeout time.Duration) (int, []byte, error) {
	ctx = r.ctx(ctx)
	ctr, err := r.c.LoadContainer(ctx, intID(id))
	if err != nil {
		return 0, nil, fmt.Errorf("load container: %w", err)
	}
	spec, err := ctr.Spec(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("container spec: %w", err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("task: %w", err)
	}
	pspec := *spec.Process
	pspec.Args, pspec.Terminal = cmd, false
	execID, err := newID()
	if err != nil {
		return 0, nil, err
	}
	out := &capped{max: 10 << 10}
	proc, err := task.Exec(ctx, execID[:16], &pspec, cio.NewCreator(cio.WithStreams(nil, out, out)))
	if err != nil {
		return 0, nil, fmt.Errorf("exec: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(r.ctx(context.Background()), 5*time.Second)
		defer cancel()
		_, _ = proc.Delete(dctx, containerd.WithProcessKill)
	}()
	ch, err := proc.Wait(r.ctx(context.Background()))
	if err != nil {
		return 0, nil, fmt.Errorf("exec wait: %w", err)
	}
	if err := proc.Start(ctx); err != nil {
		return 0, nil, fmt.Errorf("exec start: %w", err)
	}
	select {
	case st := <-ch:
		proc.IO().Wait()
		return int(st.ExitCode()), out.bytes(), nil
	case <-time.After(timeout):
	case <-ctx.Done():
	}
	_ = proc.Kill(r.ctx(context.Background()), syscall.SIGKILL)
	<-ch
	return 0, out.bytes(), ErrProbeTimeout
}
