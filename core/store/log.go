package store

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

// logChunk is the number of entries in a chunk (64 bytes each).
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
