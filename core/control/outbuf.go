package control

import "iter"

// outBuf holds the writes of one Ready in fixed-size blocks that the next
// Ready reuses. Ready's output comes in bursts (a ReplicaSet's slow start
// doubles them from one Ready to the next, tens of thousands of writes in
// a large cluster, all in one instant of virtual time): an array made for
// each Ready cost as many bytes again as the writes, in memory never
// touched before, and one array doubled when full allocated about twice
// the burst's room over its growth. Blocks are never copied: a burst
// costs the blocks it fills, once.
//
// A Ready ends by letting go of the blocks it did not fill (keeping one):
// a quiet machine does not keep a burst's room. A
// burst after a small Ready makes its blocks again, which costs what its
// writes take, never more: bursts grow (a slow start doubles them) more
// often than they repeat, and the Readys of a burst come in one instant
// of virtual time, with nothing later to let the room go by age.
type outBuf struct {
	// blocks[:used()] hold the n writes of the last Ready, in order; the
	// blocks past them are room for the next Ready.
	blocks []*[outBlock]Write
	n      int
}

// outBlock is the number of writes in a block (20 KiB, one size class).
const outBlock = 128

// emit adds a write to the output of the Ready in progress.
func (m *Machine) emit(w Write) {
	b := &m.out
	i := b.n / outBlock
	if i == len(b.blocks) {
		b.blocks = append(b.blocks, new([outBlock]Write))
	}
	b.blocks[i][b.n%outBlock] = w
	b.n++
}

// used returns how many blocks the writes of the last Ready fill.
func (b *outBuf) used() int {
	return (b.n + outBlock - 1) / outBlock
}

// reset drops the writes of the last Ready, which its caller is done
// with.
func (b *outBuf) reset() {
	for i := range b.used() {
		// No references kept to the objects written.
		clear(b.blocks[i][:min(b.n-i*outBlock, outBlock)])
	}
	b.n = 0
}

// trim lets go of the blocks past those the writes fill, but one.
func (b *outBuf) trim() {
	if keep := max(b.used(), 1); keep < len(b.blocks) {
		clear(b.blocks[keep:])
		b.blocks = b.blocks[:keep]
	}
}

// Writes is the output of one Ready: its writes in order, held by the
// machine until the next Ready.
type Writes struct{ b *outBuf }

// Len returns the number of writes.
func (ws Writes) Len() int { return ws.b.n }

// At returns write i, 0 <= i < Len().
func (ws Writes) At(i int) Write { return ws.b.blocks[i/outBlock][i%outBlock] }

// All returns the writes in order.
func (ws Writes) All() iter.Seq[Write] {
	return func(yield func(Write) bool) {
		for i := range ws.Len() {
			if !yield(ws.At(i)) {
				return
			}
		}
	}
}
