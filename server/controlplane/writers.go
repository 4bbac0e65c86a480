package controlplane

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/registry"
)

// writers execute the machine's writes through core/registry, several at
// once: each write goes to the writer its object's key hashes to, so the
// writes about one object keep the order the machine asked for them in.
// Failures go back to the owner goroutine through a list and a wake-up
// channel, so a writer never waits for the owner.
type writers struct {
	cfg    Config
	cancel context.CancelFunc
	seed   maphash.Seed
	queues []chan job
	wg     sync.WaitGroup
	fenced atomic.Bool

	mu     sync.Mutex
	failed []failure
	// notify has room for one wake-up; a writer that finds it full knows
	// the owner will look at failed anyway.
	notify chan struct{}
}

type job struct {
	incarnation int
	w           control.Write
}

type failure struct {
	incarnation int
	f           control.WriteFailed
}

// queueLen is how many writes may wait for each writer.
const queueLen = 256

func startWriters(ctx context.Context, cancel context.CancelFunc, cfg Config) *writers {
	w := &writers{cfg: cfg, cancel: cancel, seed: maphash.MakeSeed(), notify: make(chan struct{}, 1)}
	w.queues = make([]chan job, cfg.Writers)
	g := &guard{Store: cfg.Writer, ctx: ctx, w: w}
	for i := range w.queues {
		w.queues[i] = make(chan job, queueLen)
		reg := registry.New(g, registry.Config{
			Seed:                     randomSeed(),
			DefaultTolerationSeconds: cfg.Control.DefaultTolerationSeconds,
		})
		w.wg.Add(1)
		go w.run(ctx, reg, w.queues[i])
	}
	return w
}

// submit queues a write; false if ctx ended first.
func (w *writers) submit(ctx context.Context, incarnation int, wr control.Write) bool {
	q := w.queues[maphash.String(w.seed, wr.Key)%uint64(len(w.queues))]
	select {
	case q <- job{incarnation, wr}:
		w.cfg.Metrics.queued(1)
		return true
	case <-ctx.Done():
		return false
	}
}

// wait returns once every writer has stopped (after ctx ended).
func (w *writers) wait() { w.wg.Wait() }

func (w *writers) isFenced() bool { return w.fenced.Load() }

func (w *writers) failedCh() <-chan struct{} { return w.notify }

// takeFailed returns the failures of incarnation's writes and drops those
// of earlier machines.
func (w *writers) takeFailed(incarnation int) []control.WriteFailed {
	w.mu.Lock()
	fs := w.failed
	w.failed = nil
	w.mu.Unlock()
	out := make([]control.WriteFailed, 0, len(fs))
	for _, f := range fs {
		if f.incarnation == incarnation {
			out = append(out, f.f)
		}
	}
	return out
}

// run is one writer. It starts no write once ctx has ended: that is the
// fence on this side (see the package documentation for the other).
func (w *writers) run(ctx context.Context, reg *registry.Registry, q <-chan job) {
	defer w.wg.Done()
	for {
		select {
		case <-ctx.Done():
			w.cfg.Metrics.queued(-len(q))
			return
		case j := <-q:
			w.cfg.Metrics.queued(-1)
			if ctx.Err() != nil {
				return
			}
			w.exec(reg, j)
		}
	}
}

func (w *writers) exec(reg *registry.Registry, j job) {
	clock := w.cfg.Clock
	start := clock.Now()
	err := execute(reg, j.w, api.Time(start.UnixNano()))
	w.cfg.Metrics.observeWrite(j.w, err, clock.Since(start))
	if err == nil || w.fenced.Load() {
		return
	}
	f := control.WriteFailed{Write: j.w, Reason: api.ReasonForError(err), Message: err.Error()}
	w.cfg.Logger.Debug("control plane: write failed", "write", f.Describe())
	w.mu.Lock()
	w.failed = append(w.failed, failure{j.incarnation, f})
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// execute performs one write of the machine through the registry, as
// core/sim's control plane does.
func execute(reg *registry.Registry, w control.Write, now api.Time) error {
	var err error
	switch w.Op {
	case control.OpCreate:
		_, err = reg.CreateShared(w.Key, w.Object, now)
	case control.OpUpdate:
		_, err = reg.Update(w.Object, now)
	case control.OpUpdateStatus:
		_, err = reg.UpdateStatus(w.Object, now)
	case control.OpDelete:
		_, err = reg.Delete(w.Resource(), w.Namespace(), w.Name(), registry.DeleteOptions{
			GracePeriodSeconds: w.GracePeriodSeconds,
			Preconditions:      w.Preconditions,
			PropagationPolicy:  w.Propagation,
		}, now)
	case control.OpBind:
		_, err = reg.Bind(w.Namespace(), w.Name(), w.Preconditions.UID, w.Node, now)
	default:
		err = api.NewBadRequest("unknown write operation " + w.Op.String())
	}
	return err
}
