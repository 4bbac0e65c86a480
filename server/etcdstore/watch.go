package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// watcher is one watch: a goroutine (run) that moves etcd's watch responses
// into buf, and Poll, which drains it.
type watcher struct {
	s      *Store
	prefix string // the store prefix watched
	// ctx ends on Close or when the parent context of WatchStream ends;
	// the etcd watch runs under it.
	ctx    context.Context
	cancel context.CancelFunc
	parent context.Context
	// wake has room for one signal, sent after every change of buf or
	// err, for a Next waiting on it.
	wake chan struct{}
	// stopped is closed by Close.
	stopped chan struct{}

	mu sync.Mutex
	// buf holds the events received and not yet delivered, in revision
	// order. Events are decoded when delivered.
	// Invariant: buf holds every event under prefix from the watch's
	// first revision on, minus those delivered, with no gap and no repeat.
	buf []*clientv3.Event
	// err is sticky: once buf is drained every Poll returns it.
	err    error
	closed bool
}

// Watch implements store.Store. The Watcher may be used from any goroutine,
// one at a time; Close releases its etcd watch and goroutine.
func (s *Store) Watch(prefix string, fromRevision int64) (store.Watcher, error) {
	return s.watch(context.Background(), prefix, fromRevision)
}

// WatchStream implements storage.Backend. The stream ends when ctx does:
// Next then returns ctx's error.
func (s *Store) WatchStream(ctx context.Context, prefix string, fromRevision int64) (storage.Stream, error) {
	return s.watch(ctx, prefix, fromRevision)
}

// watch starts a watcher after checking fromRevision against etcd: one
// read at fromRevision fails if it is compacted (a future revision is
// fine: the watch waits for it), and gives the current revision that
// fromRevision 0 starts after.
func (s *Store) watch(parent context.Context, prefix string, from int64) (*watcher, error) {
	if err := store.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	if from < 0 {
		return nil, storeError(store.BadRequest, prefix, "negative revision %d", from)
	}
	err := s.call("watch", func(ctx context.Context) error {
		resp, err := s.kv.Get(ctx, s.etcdKey(prefix), clientv3.WithCountOnly(), clientv3.WithRev(from))
		if errors.Is(err, rpctypes.ErrFutureRev) {
			return nil
		}
		if err != nil {
			return etcdError("watch", prefix, err)
		}
		if from == 0 {
			from = resp.Header.Revision + 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(parent)
	w := &watcher{
		s: s, prefix: prefix, ctx: ctx, cancel: cancel, parent: parent,
		wake: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	go w.run(from)
	return w, nil
}

// run keeps an etcd watch going from revision next on, until Close, the
// end of the parent context, or a compaction. When etcd ends the watch
// for another reason (no leader, a member gone, a canceled stream), it
// watches again from the revision after the last event it buffered.
func (w *watcher) run(next int64) {
	s := w.s
	delay := s.retryDelay
	for {
		ch := s.watcher.Watch(clientv3.WithRequireLeader(w.ctx), s.etcdKey(w.prefix),
			clientv3.WithPrefix(), clientv3.WithRev(next), clientv3.WithPrevKV())
		for resp := range ch {
			if resp.CompactRevision != 0 || errors.Is(resp.Err(), rpctypes.ErrCompacted) {
				w.fail(storeError(store.Compacted, w.prefix, "watcher at revision %d fell behind compaction at %d", next, resp.CompactRevision))
				return
			}
			if resp.Err() != nil {
				// Canceled (no leader, a member stopping): the channel
				// closes next, and the loop below watches again.
				continue
			}
			evs := resp.Events
			// Never repeat an event: drop what an earlier watch delivered.
			for len(evs) > 0 && evs[0].Kv.ModRevision < next {
				evs = evs[1:]
			}
			if len(evs) > 0 {
				if !w.push(evs) {
					w.cancel()
					return
				}
				next = evs[len(evs)-1].Kv.ModRevision + 1
				delay = s.retryDelay
			}
		}
		switch {
		case w.ctx.Err() != nil:
			w.fail(w.parent.Err()) // nil after Close: nothing to report
			return
		case s.cli.Ctx().Err() != nil:
			w.fail(fmt.Errorf("etcdstore: watch %s: the etcd client is closed", w.prefix))
			return
		}
		select {
		case <-time.After(delay):
		case <-w.ctx.Done():
			w.fail(w.parent.Err())
			return
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// push appends events to buf and wakes a waiting Next. If buf would
// outgrow the store's bound it fails the watcher instead, and returns
// false.
func (w *watcher) push(evs []*clientv3.Event) bool {
	w.mu.Lock()
	if w.err != nil {
		// Failed (an event that did not decode): nothing after it may
		// be delivered.
		w.mu.Unlock()
		return false
	}
	ok := len(w.buf)+len(evs) <= w.s.maxBuffer
	if ok {
		w.buf = append(w.buf, evs...)
	} else if w.err == nil {
		w.err = storeError(store.Compacted, w.prefix,
			"watcher fell %d events behind (at most %d are kept for it): list and watch again", len(w.buf)+len(evs), w.s.maxBuffer)
	}
	w.mu.Unlock()
	w.signal()
	return ok
}

// fail makes err sticky (the first error wins) and wakes a waiting Next.
func (w *watcher) fail(err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.signal()
}

func (w *watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Poll implements store.Watcher: the buffered events, then the sticky
// error once they are all delivered.
func (w *watcher) Poll(limit int) ([]store.Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, nil
	}
	n := len(w.buf)
	if limit > 0 && n > limit {
		n = limit
	}
	if n == 0 {
		return nil, w.err
	}
	out := make([]store.Event, 0, n)
	for i, e := range w.buf[:n] {
		ev, err := w.event(e)
		if err != nil {
			// The event cannot be delivered, and skipping it would break
			// exactly-once: the watcher ends here.
			w.err = err
			w.buf = nil
			w.cancel()
			return out, nil
		}
		out = append(out, ev)
		w.buf[i] = nil
	}
	w.buf = w.buf[n:]
	if len(w.buf) == 0 {
		w.buf = nil
	}
	return out, nil
}

// event converts an etcd watch event. A Modified or Deleted event without
// its previous value (etcd could not read it: compacted) is a Compacted
// error.
func (w *watcher) event(e *clientv3.Event) (store.Event, error) {
	key := w.s.storeKey(e.Kv.Key)
	rev := e.Kv.ModRevision
	ev := store.Event{Key: key, Revision: rev}
	if e.Type == clientv3.EventTypePut && e.IsCreate() {
		ev.Type = store.Added
		obj, err := decode(key, e.Kv.Value, rev)
		ev.Object = obj
		return ev, err
	}
	if e.PrevKv == nil {
		return ev, storeError(store.Compacted, key, "the state before revision %d has been compacted", rev)
	}
	prev, err := decode(key, e.PrevKv.Value, e.PrevKv.ModRevision)
	if err != nil {
		return ev, err
	}
	ev.PrevObject = prev
	if e.Type == clientv3.EventTypeDelete {
		ev.Type = store.Deleted
		ev.Object = api.CopyObject(prev)
		ev.Object.GetObjectMeta().ResourceVersion = store.FormatRevision(rev)
		return ev, nil
	}
	ev.Type = store.Modified
	ev.Object, err = decode(key, e.Kv.Value, rev)
	return ev, err
}

// Close implements store.Watcher and storage.Stream.
func (w *watcher) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	w.buf = nil
	w.cancel()
	close(w.stopped)
}

// Next implements storage.Stream.
func (w *watcher) Next(ctx context.Context, limit int) ([]store.Event, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		evs, err := w.Poll(limit)
		if len(evs) > 0 || err != nil {
			return evs, err
		}
		select {
		case <-w.wake:
		case <-w.stopped:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
