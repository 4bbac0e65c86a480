package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// Config configures the loop.
type Config struct {
	// Backend is the store the loop lists and watches, and, unless Writer
	// is set, writes to.
	Backend storage.Backend
	// Writer, if set, is where the writes go: a view of Backend that
	// refuses writes once this server is no longer the leader (see
	// Elector). It must be safe for concurrent use.
	Writer store.Store
	// Control configures the machine. Its Seed is ignored: every machine
	// gets a fresh random one, so that names it generates never repeat
	// those of an earlier incarnation.
	Control control.Config
	// Clock is the wall clock (default: the real one).
	Clock clockwork.Clock
	// Logger logs term starts and ends, relists and failed writes at
	// debug level (default: slog.Default()).
	Logger *slog.Logger
	// Metrics, if set, receives the loop's figures.
	Metrics *Metrics
	// Writers is how many writes may be in flight at once (default 32).
	// Writes about one object always go through the same writer, in the
	// order the machine asked for them.
	Writers int
	// MaxTickInterval bounds the time between Ticks when the machine asks
	// for none (default 1s).
	MaxTickInterval time.Duration
}

func (c *Config) setDefaults() {
	if c.Writer == nil {
		c.Writer = c.Backend
	}
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Writers <= 0 {
		c.Writers = 32
	}
	if c.MaxTickInterval <= 0 {
		c.MaxTickInterval = time.Second
	}
}

// ErrFenced is what a Writer returns (wrapped) for a write refused because
// this server is no longer the leader. The loop stops at the first one.
var ErrFenced = errors.New("not the leader any more")

// watchBatch is how many events one Next may return.
const watchBatch = 1024

// Run drives a control-plane machine over cfg.Backend until ctx ends (the
// term ends: shutdown or lost leadership), then returns nil once every
// write it started has finished. It starts no write after ctx has ended.
// A watch that falls behind a compaction makes it build a new machine from
// a new List at once; a List or watch that fails, after a backoff (0.1 s
// doubling to 5 s). It returns an error only for a misconfigured
// Config, or ErrFenced (wrapped) when a write was refused for lost
// leadership.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Backend == nil {
		return errors.New("controlplane: no Backend")
	}
	cfg.setDefaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := startWriters(ctx, cancel, cfg)
	defer w.wait()
	backoff := 100 * time.Millisecond
	for incarnation := 1; ; incarnation++ {
		err := runMachine(ctx, cfg, w, incarnation)
		switch {
		case ctx.Err() != nil:
			if w.isFenced() {
				return fmt.Errorf("controlplane: %w", ErrFenced)
			}
			return nil
		case err == nil:
			// A compaction or a broken watch: list again at once.
			backoff = 100 * time.Millisecond
			continue
		}
		cfg.Logger.Warn("control plane: store unavailable, retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
		case <-cfg.Clock.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// term is one machine's life: built from a List, fed from one watch.
type term struct {
	cfg         Config
	m           *control.Machine
	w           *writers
	incarnation int
	pending     pendingPods
}

// runMachine builds a machine from a List and drives it from a watch until
// ctx ends (nil), the watch falls behind a compaction (nil, after a log
// line: the caller lists again at once), or the List or the watch fails
// (the error: the caller lists again after a backoff).
func runMachine(ctx context.Context, cfg Config, w *writers, incarnation int) error {
	ccfg := cfg.Control
	ccfg.Seed = randomSeed()
	t := &term{cfg: cfg, m: control.New(ccfg), w: w, incarnation: incarnation}
	list, err := cfg.Backend.List(api.KeyPrefix, store.ListOptions{})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	for _, obj := range list.Items {
		key, err := api.KeyOf(obj)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		rev, err := store.ParseResourceVersion(key, obj.GetObjectMeta().ResourceVersion)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		ev := store.Event{Type: store.Added, Key: key, Object: obj, Revision: rev}
		t.m.Step(ev)
		t.pending.observe(ev)
	}
	stream, err := cfg.Backend.WatchStream(ctx, api.KeyPrefix, list.Revision+1)
	if err != nil {
		return fmt.Errorf("watch from %d: %w", list.Revision+1, err)
	}
	defer stream.Close()
	cfg.Logger.Info("control plane: machine started", "incarnation", incarnation, "revision", list.Revision, "objects", len(list.Items))
	if incarnation > 1 && cfg.Metrics != nil {
		cfg.Metrics.relists.Inc()
	}
	batches := make(chan watchResult, 4)
	go readWatch(ctx, stream, batches)
	return t.drive(ctx, batches)
}

type watchResult struct {
	evs []store.Event
	err error
}

// readWatch moves the stream's batches to out, in order, until the stream
// fails or ctx ends.
func readWatch(ctx context.Context, s storage.Stream, out chan<- watchResult) {
	for {
		evs, err := s.Next(ctx, watchBatch)
		if err == nil && len(evs) == 0 {
			if ctx.Err() != nil {
				return
			}
			err = errors.New("watch closed")
		}
		select {
		case out <- watchResult{evs, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// drive is the owner loop: feed, tick, run the controllers, hand their
// writes to the writers, wait for the next input.
func (t *term) drive(ctx context.Context, batches <-chan watchResult) error {
	clock := t.cfg.Clock
	timer := clock.NewTimer(0)
	defer timer.Stop()
	for {
		now := api.Time(clock.Now().UnixNano())
		t.m.Tick(now)
		if t.m.Pending() {
			start := clock.Now()
			writes := t.m.Ready()
			t.cfg.Metrics.observeReady(clock.Since(start))
			for wr := range writes.All() {
				if !t.w.submit(ctx, t.incarnation, wr) {
					return nil
				}
			}
		}
		t.cfg.Metrics.setPending(t.pending.count())
		wait := t.cfg.MaxTickInterval
		if at, ok := t.m.NextTimer(); ok {
			wait = min(wait, max(time.Duration(at-now), time.Millisecond))
		}
		if !timer.Stop() {
			select {
			case <-timer.Chan():
			default:
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case r := <-batches:
			if r.err != nil {
				return t.watchFailed(ctx, r.err)
			}
			t.step(r.evs)
			// Take whatever else is already there before running the
			// controllers: a burst costs one sync per dirty key.
			for more := true; more; {
				select {
				case r := <-batches:
					if r.err != nil {
						return t.watchFailed(ctx, r.err)
					}
					t.step(r.evs)
				default:
					more = false
				}
			}
		case <-t.w.failedCh():
			for _, f := range t.w.takeFailed(t.incarnation) {
				t.m.Failed(f)
			}
		case <-timer.Chan():
		}
	}
}

func (t *term) step(evs []store.Event) {
	for _, ev := range evs {
		t.m.Step(ev)
		t.pending.observe(ev)
	}
	t.cfg.Metrics.observeEvents(len(evs))
}

func (t *term) watchFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	if store.IsCompacted(err) {
		t.cfg.Logger.Info("control plane: watch fell behind a compaction; listing again", "err", err)
		return nil
	}
	return fmt.Errorf("watch: %w", err)
}

// randomSeed returns 64 random bits for a machine's name generator.
func randomSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("controlplane: crypto/rand failed: " + err.Error()) // never on Linux
	}
	return binary.LittleEndian.Uint64(b[:])
}
