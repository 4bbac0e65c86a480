package store

import (
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// memWatcher is a cursor into the Memory's write log.
type memWatcher struct {
	m      *Memory
	prefix string
	// next is the revision of the next write to examine.
	// Invariant: every matching write with revision < next (and >= the
	// watch's fromRevision) has been delivered, once, in order.
	next int64
	// err is sticky: once set, every Poll returns it.
	err    error
	closed bool
}

// Watch implements Store. A watcher costs the store nothing: it is only a
// cursor, so an abandoned watcher leaks nothing and need not be closed for
// the store's sake.
func (m *Memory) Watch(prefix string, fromRevision int64) (Watcher, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	switch {
	case fromRevision < 0:
		return nil, newError(BadRequest, prefix, "negative revision %d", fromRevision)
	case fromRevision == 0:
		fromRevision = m.rev + 1
	case fromRevision < m.compacted:
		return nil, newError(Compacted, prefix, "revision %d has been compacted (compacted at %d)", fromRevision, m.compacted)
	}
	// A fromRevision beyond the next write is allowed, as in etcd: the
	// watcher waits for it.
	return &memWatcher{m: m, prefix: prefix, next: fromRevision}, nil
}

// Poll implements Watcher.
func (w *memWatcher) Poll(limit int) ([]Event, error) { return w.PollAppend(nil, limit) }

// PollAppend implements Appender. It costs O(writes since the last Poll),
// plus a copy of each delivered object.
func (w *memWatcher) PollAppend(dst []Event, limit int) ([]Event, error) {
	if w.closed {
		return dst, nil
	}
	if w.err != nil {
		return dst, w.err
	}
	m := w.m
	if w.next < m.compacted {
		w.err = newError(Compacted, w.prefix, "watcher at revision %d fell behind compaction at %d", w.next, m.compacted)
		return dst, w.err
	}
	// The initial revision has no event: the first write is at
	// initialRevision+1. The cursor itself stays put until a write is
	// examined, so a watcher from 1 is behind a compaction at 2, as in etcd.
	from := max(w.next, initialRevision+1)
	// Count first, so the result is allocated once at its size: the
	// prefix comparisons cost less than growing the slice.
	// Every key is under KeyPrefix: a watch of it (the simulator's)
	// matches every write without reading its key.
	all := w.prefix == api.KeyPrefix
	n := 0
	if all {
		n = int(max(0, m.rev-from+1))
		if limit > 0 {
			n = min(n, limit)
		}
	} else {
		for rev := from; rev <= m.rev && (limit <= 0 || n < limit); rev++ {
			if strings.HasPrefix(m.recs.at(m.log.at(int(rev-m.logStart)).rec).key, w.prefix) {
				n++
			}
		}
	}
	if n == 0 {
		if from <= m.rev {
			w.next = m.rev + 1
		}
		return dst, nil
	}
	out := slices.Grow(dst, n)
	base := len(out)
	for rev := from; rev <= m.rev && (limit <= 0 || len(out)-base < limit); rev++ {
		e := m.log.at(int(rev - m.logStart))
		w.next = rev + 1
		if all || strings.HasPrefix(m.recs.at(e.rec).key, w.prefix) {
			out = append(out, m.event(e, rev))
		}
	}
	return out, nil
}

// Close implements Watcher.
func (w *memWatcher) Close() { w.closed = true }

// event returns the Event for the log entry e of the write at rev, with
// objects copied unless the store is shared.
func (m *Memory) event(e *logEntry, rev int64) Event {
	ev := Event{Type: eventTypes[e.typ], Key: m.recs.at(e.rec).key, Revision: rev}
	prev := m.prevOf(e)
	switch e.typ {
	case opDeleted:
		if e.obj != nil { // shared: made once by Delete
			ev.Object = e.obj
		} else {
			ev.Object = m.deletedCopy(prev, rev)
		}
	default:
		ev.Object = m.copyOut(e.obj)
	}
	ev.PrevObject = m.copyOut(prev)
	return ev
}
