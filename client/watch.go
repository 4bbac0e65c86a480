package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// EventType is the type of a watch event.
type EventType string

// Watch event types, as Kubernetes sends them.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
	Error    EventType = "ERROR"
)

// Event is one change seen by a watch.
type Event struct {
	Type   EventType
	Object api.Object
}

// wireEvent is meta/v1 WatchEvent: one line of the watch stream.
type wireEvent struct {
	Type   EventType       `json:"type"`
	Object json.RawMessage `json:"object"`
}

// Watcher reads a watch. It resumes by itself after a dropped connection
// or a server-side timeout, from the resourceVersion of the last event (or
// bookmark) it saw, so the caller sees each change once and in order. When
// the server says that version is too old (410), Next returns that error
// (api.IsResourceExpired or api.IsGone) and the caller must list again.
//
// A Watcher is used by one goroutine; Stop may be called from any.
type Watcher struct {
	c      *Client
	info   *api.KindInfo
	ns     string
	opts   ListOptions
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex // guards body against Stop
	body io.ReadCloser
	dec  *json.Decoder
	rv   string
	err  error // sticky: the watch is over
	// empty counts the connections in a row that ended without an event.
	empty int

	// Backoff bounds the wait between reconnections.
	minBackoff, maxBackoff time.Duration
}

// Watch starts watching a kind in a namespace ("" for all). The first
// connection is made before Watch returns, so that a bad request fails
// here. The watch lasts until ctx is done or Stop is called. Pass the
// resourceVersion of a List in opts to see every change after it; without
// one the watch starts from the server's present, and a reconnection
// before the first event may miss changes.
func (c *Client) Watch(ctx context.Context, kind, namespace string, opts ListOptions) (*Watcher, error) {
	info, err := Kind(kind)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	w := &Watcher{c: c, info: info, ns: namespace, opts: opts, ctx: wctx, cancel: cancel,
		rv: opts.ResourceVersion, minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second}
	if err := w.connect(); err != nil {
		cancel()
		return nil, err
	}
	return w, nil
}

// ResourceVersion returns the version of the last event or bookmark seen:
// where a new watch would resume.
func (w *Watcher) ResourceVersion() string { return w.rv }

// Stop ends the watch; a Next blocked on it returns. Idempotent.
func (w *Watcher) Stop() {
	w.cancel()
	w.mu.Lock()
	if w.body != nil {
		w.body.Close()
	}
	w.mu.Unlock()
}

func (w *Watcher) connect() error {
	q := w.opts.query()
	q.Set("watch", "1")
	q.Set("allowWatchBookmarks", "true")
	q.Del("limit")
	q.Del("continue")
	if w.rv != "" {
		q.Set("resourceVersion", w.rv)
	}
	resp, err := w.c.send(w.ctx, &request{method: http.MethodGet, info: w.info, namespace: w.ns, query: q})
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx.Err() != nil {
		resp.Body.Close()
		return w.ctx.Err()
	}
	w.body, w.dec = resp.Body, json.NewDecoder(resp.Body)
	return nil
}

func (w *Watcher) disconnect() {
	w.mu.Lock()
	if w.body != nil {
		w.body.Close()
	}
	w.body, w.dec = nil, nil
	w.mu.Unlock()
}

// Next blocks until the next event and returns it. Bookmarks are consumed
// here (they only move ResourceVersion). It returns an error when the watch
// is over: the context's error after Stop or cancellation, or the server's
// (a 410 means list again). After an error every call returns it again.
func (w *Watcher) Next() (Event, error) {
	if w.err != nil {
		return Event{}, w.err
	}
	ev, err := w.next()
	if err != nil {
		w.err = err
		w.disconnect()
		w.cancel()
	}
	return ev, err
}

func (w *Watcher) next() (Event, error) {
	backoff := w.minBackoff
	for {
		if w.ctx.Err() != nil {
			return Event{}, w.ctx.Err()
		}
		if w.dec == nil {
			if w.empty > 0 {
				// The last connection ended without an event: do not
				// hammer a server that closes streams at once.
				if err := sleep(w.ctx, min(w.minBackoff<<min(w.empty, 6), w.maxBackoff)); err != nil {
					return Event{}, err
				}
			}
			w.empty++
			if err := w.connect(); err != nil {
				if w.ctx.Err() != nil {
					return Event{}, w.ctx.Err()
				}
				if !retriable(err) {
					return Event{}, err
				}
				if err := sleep(w.ctx, backoff); err != nil {
					return Event{}, err
				}
				backoff = min(2*backoff, w.maxBackoff)
				continue
			}
		}
		var we wireEvent
		if err := w.dec.Decode(&we); err != nil {
			var syntax *json.SyntaxError
			var typ *json.UnmarshalTypeError
			if errors.As(err, &syntax) || errors.As(err, &typ) {
				return Event{}, fmt.Errorf("watch: the server sent a malformed event: %w", err)
			}
			// The stream ended (server timeout, dropped connection, or
			// Stop): resume from the last version seen.
			w.disconnect()
			continue
		}
		backoff, w.empty = w.minBackoff, 0
		switch we.Type {
		case Error:
			var st api.Status
			if err := json.Unmarshal(we.Object, &st); err != nil {
				return Event{}, fmt.Errorf("watch error event: %w", err)
			}
			st.Status = api.StatusFailure
			return Event{}, &api.StatusError{ErrStatus: st}
		case Bookmark:
			var m struct {
				Metadata api.ObjectMeta `json:"metadata"`
			}
			if json.Unmarshal(we.Object, &m) == nil && m.Metadata.ResourceVersion != "" {
				w.rv = m.Metadata.ResourceVersion
			}
			continue
		case Added, Modified, Deleted:
		default:
			return Event{}, fmt.Errorf("watch: unknown event type %q", we.Type)
		}
		obj, err := decode(w.info, we.Object)
		if err != nil {
			return Event{}, err
		}
		if rv := obj.GetObjectMeta().ResourceVersion; rv != "" {
			w.rv = rv
		}
		return Event{Type: we.Type, Object: obj}, nil
	}
}

// retriable reports whether a failed (re)connection may succeed later:
// network errors and the server's 5xx and 429, not its other refusals.
func retriable(err error) bool {
	var se *api.StatusError
	if errors.As(err, &se) {
		code := se.ErrStatus.Code
		return code >= 500 || code == http.StatusTooManyRequests
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
