package store

import "github.com/capstan-dev/capstan/core/api"

// logEntry is one write, kept for watchers and for reads at older
// revisions until compaction: 32 bytes. The state before the write is not
// kept here but found from prevRev (Memory.prevOf): it is the state after
// the key's previous write, in the log's entry at prevRev, or for a
// version written before the log's start, in Memory.bases.
type logEntry struct {
	// obj is the state after the write, shared with the key's record;
	// for Deleted nil, or in a shared store the last state with
	// resourceVersion set to the deletion revision (what Delete returned
	// and every Deleted event carries). Never mutated.
	obj api.Object
	// prevRev is the revision of the key's previous write: the state
	// before this write's modRevision, or for Added the deletion revision
	// of the tombstone it follows; 0 if the key had no retained record
	// before.
	prevRev int64
	// rec is the key's record (its key never changes while the entry is
	// in the log: see Memory.retired).
	rec id
	typ op
}

// op is what a write did; a byte where an EventType would take 16.
type op uint8

const (
	opAdded op = iota
	opModified
	opDeleted
)

// eventTypes maps an op to its EventType.
var eventTypes = [...]EventType{opAdded: Added, opModified: Modified, opDeleted: Deleted}

// writeLog is the memory store's log of writes, kept in fixed-size chunks:
// appending never copies what is already logged (a single slice of a
// million writes would be copied whole each time it grows), and dropping
// the front (compaction) frees whole chunks.
//
//	chunks: [ ......xxxx ][ xxxxxxxxxx ][ xxxx       ]
//	               ▲ off                       len(last) < logChunk
type writeLog struct {
	chunks [][]logEntry
	// off is the index in chunks[0] of the first entry.
	// Invariant: 0 <= off < logChunk; entries before it are cleared.
	off int
	// n is the number of entries.
	n int
}

// logChunk is the number of entries in a chunk (32 bytes each: 32 KiB).
const logChunk = 1024

// len returns the number of entries.
func (l *writeLog) len() int { return l.n }

// at returns entry i (0 is the oldest kept).
func (l *writeLog) at(i int) *logEntry {
	i += l.off
	return &l.chunks[i/logChunk][i%logChunk]
}

// append adds e at the end.
func (l *writeLog) append(e logEntry) {
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == logChunk {
		l.chunks = append(l.chunks, make([]logEntry, 0, logChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, e)
	l.n++
}

// dropFront forgets the n oldest entries, clearing them so that their
// objects can be freed.
func (l *writeLog) dropFront(n int) {
	for n > 0 {
		c := l.chunks[0]
		k := min(n, len(c)-l.off)
		clear(c[l.off : l.off+k])
		l.off += k
		l.n -= k
		n -= k
		if l.off == logChunk {
			l.chunks[0] = nil
			l.chunks = l.chunks[1:]
			l.off = 0
		}
	}
}
