package control

// outBuf holds the writes of one Ready, in one array that the next Ready
// reuses: Ready's output comes in bursts (a ReplicaSet's slow start
// doubles them from one Ready to the next, tens of thousands of writes in
// a large cluster), and an array made for each Ready cost as many bytes
// again as the writes, in memory never touched before. The array doubles
// when full, and is let go once a Ready used less than a quarter of it (a
// burst is over), so that a quiet machine does not keep a burst's room.
type outBuf struct {
	w []Write
}

// Growth and shrinking of the array, in writes.
const (
	minOut = 32
	// keepOut is the room always kept, however little the Readys use.
	keepOut = 1024
)

// emit adds a write to the output of the Ready in progress.
func (m *Machine) emit(w Write) {
	b := &m.out
	if len(b.w) == cap(b.w) {
		grown := make([]Write, len(b.w), max(2*cap(b.w), minOut))
		copy(grown, b.w)
		b.w = grown
	}
	b.w = append(b.w, w)
}

// reset drops the writes of the last Ready, which its caller is done
// with, keeping their room unless they used little of it.
func (b *outBuf) reset() {
	if cap(b.w) > keepOut && 4*len(b.w) < cap(b.w) {
		b.w = nil
		return
	}
	clear(b.w) // no references kept to the objects written
	b.w = b.w[:0]
}
