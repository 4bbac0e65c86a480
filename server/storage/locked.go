package storage

import (
	"context"
	"sync"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// Locked is a Backend over core/store's Memory: every call holds one mutex,
// and every successful write wakes the streams waiting for it. It serves
// tests, and a server started without etcd.
type Locked struct {
	mu sync.Mutex
	m  *store.Memory
	// changed is closed and replaced after every successful write (and
	// compaction), waking every Stream blocked in Next.
	changed chan struct{}
}

var _ Backend = (*Locked)(nil)

// NewLocked wraps m, which must no longer be used directly.
func NewLocked(m *store.Memory) *Locked {
	return &Locked{m: m, changed: make(chan struct{})}
}

// wake must be called with mu held.
func (l *Locked) wake() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Revision implements store.Store.
func (l *Locked) Revision() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Revision()
}

// Create implements store.Store.
func (l *Locked) Create(obj api.Object) (api.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out, err := l.m.Create(obj)
	if err == nil {
		l.wake()
	}
	return out, err
}

// Get implements store.Store.
func (l *Locked) Get(key string) (api.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Get(key)
}

// GetAt implements store.Store.
func (l *Locked) GetAt(key string, rev int64) (api.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.GetAt(key, rev)
}

// List implements store.Store.
func (l *Locked) List(prefix string, opts store.ListOptions) (store.ListResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.List(prefix, opts)
}

// Update implements store.Store.
func (l *Locked) Update(obj api.Object) (api.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out, err := l.m.Update(obj)
	if err == nil {
		l.wake()
	}
	return out, err
}

// Delete implements store.Store.
func (l *Locked) Delete(key string, pre store.Preconditions) (api.Object, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out, err := l.m.Delete(key, pre)
	if err == nil {
		l.wake()
	}
	return out, err
}

// Compact implements store.Store.
func (l *Locked) Compact(rev int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.m.Compact(rev)
	if err == nil {
		l.wake()
	}
	return err
}

// Watch implements store.Store. The Watcher it returns locks l on every
// Poll, so it may be used from any goroutine (one at a time).
func (l *Locked) Watch(prefix string, fromRevision int64) (store.Watcher, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, err := l.m.Watch(prefix, fromRevision)
	if err != nil {
		return nil, err
	}
	return &lockedWatcher{l: l, w: w}, nil
}

// WatchStream implements Backend.
func (l *Locked) WatchStream(ctx context.Context, prefix string, fromRevision int64) (Stream, error) {
	w, err := l.Watch(prefix, fromRevision)
	if err != nil {
		return nil, err
	}
	return &lockedStream{w: w.(*lockedWatcher), done: make(chan struct{})}, nil
}

type lockedWatcher struct {
	l *Locked
	w store.Watcher
}

func (w *lockedWatcher) Poll(limit int) ([]store.Event, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.w.Poll(limit)
}

func (w *lockedWatcher) Close() {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	w.w.Close()
}

type lockedStream struct {
	w    *lockedWatcher
	once sync.Once
	done chan struct{}
}

func (s *lockedStream) Next(ctx context.Context, limit int) ([]store.Event, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		select {
		case <-s.done:
			return nil, nil
		default:
		}
		l := s.w.l
		l.mu.Lock()
		evs, err := s.w.w.Poll(limit)
		changed := l.changed
		l.mu.Unlock()
		if len(evs) > 0 || err != nil {
			return evs, err
		}
		select {
		case <-changed:
		case <-s.done:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *lockedStream) Close() {
	s.once.Do(func() {
		close(s.done)
		s.w.Close()
	})
}
