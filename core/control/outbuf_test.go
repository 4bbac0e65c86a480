package control

import (
	"slices"
	"strconv"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// TestOutBuf checks that the writes of a Ready come back whole and in
// order across blocks, that the room a burst used is let go by the next
// Ready that does not need it, and that no write outlives its Ready in
// the kept room.
func TestOutBuf(t *testing.T) {
	m := &Machine{}
	pod := &api.Pod{}
	ready := func(n int) []Write {
		m.out.reset()
		for i := range n {
			m.emit(Write{Op: OpCreate, Key: strconv.Itoa(i), Object: pod})
		}
		m.out.trim()
		return slices.Collect(Writes{&m.out}.All())
	}
	for _, tc := range []struct {
		writes, blocks int
	}{
		{0, 0}, {1, 1}, {outBlock, 1}, {outBlock + 1, 2}, {5*outBlock + 3, 6},
		{2, 1},  // the next Ready lets the burst's room go
		{0, 1},  // a quiet machine keeps a block
		{40, 1}, // used again
		{3 * outBlock, 3},
	} {
		ws := ready(tc.writes)
		if len(ws) != tc.writes {
			t.Fatalf("Ready of %d writes gave %d", tc.writes, len(ws))
		}
		for i, w := range ws {
			if w.Key != strconv.Itoa(i) {
				t.Fatalf("Ready of %d writes: write %d is %q", tc.writes, i, w.Key)
			}
		}
		if len(m.out.blocks) != tc.blocks {
			t.Fatalf("after a Ready of %d writes: %d blocks, want %d", tc.writes, len(m.out.blocks), tc.blocks)
		}
	}
	// Stopping early stops the iteration.
	n := 0
	for range (Writes{&m.out}).All() {
		if n++; n == 5 {
			break
		}
	}
	m.out.reset()
	for _, b := range m.out.blocks {
		for i := range b {
			if b[i].Object != nil {
				t.Fatalf("write %d of a kept block still references its object", i)
			}
		}
	}
}
