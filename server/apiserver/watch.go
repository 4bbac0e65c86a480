package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/printers"
	"github.com/capstan-dev/capstan/server/storage"
)

// serveWatch answers ?watch=1 (and /watch/ paths) with newline-delimited
// WatchEvent JSON, flushed event by event, as Kubernetes does:
//
//   - no resourceVersion, or "0": an ADDED event for every object that
//     matches now, then the changes after that list's revision;
//   - resourceVersion N: the changes after N; an N already compacted gets
//     one ERROR event carrying a 410 Expired Status;
//   - allowWatchBookmarks=true: a BOOKMARK every BookmarkInterval carrying
//     the revision up to which every change has been sent;
//   - selectors: an object that starts matching arrives as ADDED, one that
//     stops matching as DELETED;
//   - the stream ends after timeoutSeconds (default: a random time between
//     MinWatchTimeout and twice it), or when the client goes away.
func (s *server) serveWatch(req *request) {
	ri, q := req.ri, req.query
	out, err := negotiate(req.r, tableOK(ri.kind.Kind))
	if err != nil {
		s.fail(req, err)
		return
	}
	include, err := includeParam(req)
	if err != nil {
		s.fail(req, err)
		return
	}
	labels, fields, err := parseSelectors(req)
	if err != nil {
		s.fail(req, err)
		return
	}
	rv := q.Get("resourceVersion")
	from, err := revisionParam(rv)
	if err != nil {
		s.fail(req, err)
		return
	}
	bookmarks, err := boolParam(q, "allowWatchBookmarks")
	if err != nil {
		s.fail(req, err)
		return
	}
	initialEnd, err := boolParam(q, "sendInitialEvents")
	if err != nil {
		s.fail(req, err)
		return
	}
	if initialEnd && (!bookmarks || q.Get("resourceVersionMatch") != "NotOlderThan") {
		s.fail(req, api.NewInvalid("ListOptions", "", api.ErrorList{api.NewPath("sendInitialEvents").Forbidden(
			"sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan")}))
		return
	}
	if m := q.Get("resourceVersionMatch"); m != "" && !(m == "NotOlderThan" && initialEnd) {
		s.fail(req, api.NewBadRequest(fmt.Sprintf("resourceVersionMatch %q is not allowed for a watch without sendInitialEvents=true", m)))
		return
	}
	timeout := s.cfg.MinWatchTimeout + time.Duration(rand.Int64N(int64(s.cfg.MinWatchTimeout)))
	if t, ok, err := intParam(q, "timeoutSeconds", 0); err != nil {
		s.fail(req, err)
		return
	} else if ok {
		timeout = time.Duration(t) * time.Second
	}
	ctx, cancel := context.WithTimeout(req.r.Context(), timeout)
	defer cancel()

	o := &listOptions{labels: labels, fields: fields}
	var initial []api.Object
	if from == 0 || initialEnd {
		if from != 0 {
			if err := s.checkNotOlderThan(rv); err != nil {
				s.fail(req, err)
				return
			}
		}
		res, err := s.list(ri.prefix(), ri.resource, o)
		if err != nil {
			s.fail(req, err)
			return
		}
		initial, from = res.items, res.revision
	}
	w := &watchWriter{w: req.w, enc: json.NewEncoder(req.w), kind: ri.kind, last: from, table: out.table, include: include, now: s.now}
	req.w.Header().Set("Content-Type", mediaJSON)
	req.w.Header().Set("Cache-Control", "no-cache, private")
	stream, err := s.backend.WatchStream(ctx, ri.prefix(), from+1)
	if err != nil {
		if store.IsCompacted(err) {
			req.w.WriteHeader(http.StatusOK)
			w.status(api.NewResourceExpired(fmt.Sprintf("too old resource version: %d", from)))
			return
		}
		s.fail(req, err)
		return
	}
	defer stream.Close()
	defer cancel() // before Close: pump sees the context end, not a closed stream
	req.w.WriteHeader(http.StatusOK)
	s.metrics.watchers.WithLabelValues(ri.resource).Inc()
	defer s.metrics.watchers.WithLabelValues(ri.resource).Dec()
	events := s.metrics.watchEvents.WithLabelValues(ri.resource)

	for _, obj := range initial {
		w.send("ADDED", obj)
		events.Inc()
	}
	if initialEnd {
		w.bookmark(true)
	}
	w.flush()

	batches := make(chan watchBatch)
	go pump(ctx, stream, batches)
	var tick <-chan time.Time
	if bookmarks {
		t := time.NewTicker(s.cfg.BookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			w.bookmark(false)
			w.flush()
		case b := <-batches:
			for _, ev := range b.events {
				if typ, obj := o.translate(ev, ri.resource); typ != "" {
					w.send(typ, obj)
					events.Inc()
				}
				w.last = ev.Revision
			}
			if b.err != nil {
				if ctx.Err() == nil {
					w.status(watchError(b.err))
				}
				return
			}
			w.flush()
		}
	}
}

// watchBatch is what one Next returned.
type watchBatch struct {
	events []store.Event
	err    error
}

// pump feeds a stream's batches to out until the stream fails or ctx
// ends.
func pump(ctx context.Context, stream storage.Stream, out chan<- watchBatch) {
	for {
		evs, err := stream.Next(ctx, 0)
		if err == nil && len(evs) == 0 && ctx.Err() == nil {
			continue
		}
		select {
		case out <- watchBatch{evs, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// watchError is the Status an ERROR event carries for a stream failure.
func watchError(err error) *api.StatusError {
	if store.IsCompacted(err) {
		return api.NewResourceExpired("The resourceVersion for the provided watch is too old.")
	}
	return toStatusError(err, "", "")
}

// translate maps a store event to what a watcher with these selectors
// sees: the event, ADDED or DELETED for an object entering or leaving the
// selection, or nothing ("").
func (o *listOptions) translate(ev store.Event, resource string) (string, api.Object) {
	if !o.filtered() {
		return string(ev.Type), ev.Object
	}
	now := o.matches(ev.Object, resource)
	switch ev.Type {
	case store.Added, store.Deleted:
		if now {
			return string(ev.Type), ev.Object
		}
		return "", nil
	}
	before := ev.PrevObject != nil && o.matches(ev.PrevObject, resource)
	switch {
	case now && before:
		return "MODIFIED", ev.Object
	case now:
		return "ADDED", ev.Object
	case before:
		return "DELETED", ev.Object
	}
	return "", nil
}

// watchWriter writes the events of one watch.
type watchWriter struct {
	w    http.ResponseWriter
	enc  *json.Encoder
	kind *api.KindInfo
	// last is the revision up to which every event has been sent.
	last int64
	err  error
	// table: objects go as one-row Tables, the column definitions in the
	// first only (as Kubernetes does); include is includeObject.
	table, headersSent bool
	include            string
	now                func() api.Time
}

// send writes one event of an object.
func (w *watchWriter) send(typ string, obj api.Object) {
	var v any = obj
	if w.table {
		t, err := printers.ToTable(w.kind.Kind, []api.Object{obj}, w.now(), w.include)
		if err != nil {
			w.status(api.NewInternalError(err))
			w.err = err
			return
		}
		if w.headersSent {
			t.ColumnDefinitions = nil
		}
		w.headersSent = true
		v = t
	}
	w.write(typ, v)
}

// write writes one event.
func (w *watchWriter) write(typ string, v any) {
	if w.err == nil {
		w.err = w.enc.Encode(watchEvent{Type: typ, Object: v})
	}
}

// bookmark sends a BOOKMARK at w.last; initialEnd marks the end of the
// initial events (sendInitialEvents).
func (w *watchWriter) bookmark(initialEnd bool) {
	meta := map[string]any{"resourceVersion": strconv.FormatInt(w.last, 10)}
	if initialEnd {
		meta["annotations"] = map[string]string{"k8s.io/initial-events-end": "true"}
	}
	w.write("BOOKMARK", map[string]any{"apiVersion": w.kind.APIVersion(), "kind": w.kind.Kind, "metadata": meta})
}

func (w *watchWriter) status(se *api.StatusError) {
	w.write("ERROR", se.Status())
	w.flush()
}

func (w *watchWriter) flush() {
	if f, ok := w.w.(http.Flusher); ok {
		f.Flush()
	}
}
