package control

// outBuf collects the writes of one Ready in chunks, and hands them out
// as one slice of exactly their number. A Write is 224 bytes and Ready's
// output comes in bursts (a ReplicaSet's slow start doubles them from one
// Ready to the next), so a slice grown by append, or sized from the last
// Ready, allocated about 2.5 times the writes' bytes, most of it copied on
// the way; chunks are never copied but once, into the result, and the
// last one is kept for the next Ready.
type outBuf struct {
	cur  []Write   // the chunk being filled
	full [][]Write // the chunks filled before it, in order
	n    int       // writes in full
}

// Chunks grow from minOutChunk to maxOutChunk writes.
const (
	minOutChunk = 32
	maxOutChunk = 512
)

// emit adds a write to the output of the Ready in progress.
func (m *Machine) emit(w Write) {
	b := &m.out
	if len(b.cur) == cap(b.cur) {
		size := minOutChunk
		if b.cur != nil {
			b.full = append(b.full, b.cur)
			b.n += len(b.cur)
			size = min(2*cap(b.cur), maxOutChunk)
		}
		b.cur = make([]Write, 0, size)
	}
	b.cur = append(b.cur, w)
}

// take returns the writes collected since the last reset, in order, and
// resets.
func (b *outBuf) take() []Write {
	out := make([]Write, 0, b.n+len(b.cur))
	for _, c := range b.full {
		out = append(out, c...)
	}
	out = append(out, b.cur...)
	b.reset()
	return out
}

// reset drops the writes collected, keeping the current chunk's room.
func (b *outBuf) reset() {
	for i, c := range b.full {
		clear(c) // the chunks may outlive this call: no references kept
		b.full[i] = nil
	}
	b.full, b.n = b.full[:0], 0
	clear(b.cur)
	b.cur = b.cur[:0]
}
