package store

import "github.com/capstan-dev/capstan/core/api"

// Compact implements Store. It costs O(writes being compacted): only keys
// written before rev can have history to drop, and the log says which.
func (m *Memory) Compact(rev int64) error {
	switch {
	case rev <= 0:
		return newError(BadRequest, "", "invalid compaction revision %d", rev)
	case rev > m.rev:
		return newError(BadRequest, "", "compaction revision %d is a future revision (current %d)", rev, m.rev)
	case rev <= m.compacted:
		return newError(Compacted, "", "revision %d has been compacted (compacted at %d)", rev, m.compacted)
	}
	if m.retired >= 0 {
		// The log entry naming it goes now (it is at the last
		// compaction revision, below rev).
		m.recs.release(m.retired)
		m.retired = -1
	}
	if n := rev - m.logStart; n >= 0 {
		// Visit the keys written at revisions logStart..rev: every
		// tombstone that a read at rev or later can no longer tell from
		// an absent key is among them. Older versions need no visit: they
		// live in the log entries dropped below.
		for j := 0; j <= int(n); j++ {
			e := m.log.at(j)
			i := e.rec
			r := m.recs.at(i)
			if j < int(n) {
				m.renewBase(e, rev)
			}
			if r.obj != nil || r.rev == 0 || r.rev > rev {
				continue // live, already removed, or deleted after rev
			}
			m.index.remove(&m.recs, i)
			deletedAt := r.rev
			m.recs.remove(i)
			if deletedAt == rev {
				// Deleted at rev itself: the entry at rev stays in the
				// log, naming the record.
				m.retired = i
			} else {
				m.recs.release(i)
			}
		}
		// Drop the log before rev (cleared, so that the dropped objects
		// can be freed).
		m.log.dropFront(int(n))
		m.logStart = rev
	}
	m.compacted = rev
	return nil
}

// renewBase keeps bases true across a compaction at rev, given e, one of
// the entries it drops, visited oldest first: a key written again at rev
// or later gets as its base the state its last dropped write left (the
// state before its first retained write), unless that write was a delete
// (the next write is then an Added, which needs none); any other key
// needs none.
func (m *Memory) renewBase(e *logEntry, rev int64) {
	r := m.recs.at(e.rec)
	// A record removed by this compaction (a tombstone at rev, retired)
	// still has its Deleted entry at rev to serve.
	if (r.rev >= rev || e.rec == m.retired) && e.typ != opDeleted {
		if m.bases == nil {
			m.bases = map[id]api.Object{}
		}
		m.bases[e.rec] = e.obj
	} else if len(m.bases) > 0 {
		delete(m.bases, e.rec)
	}
}
