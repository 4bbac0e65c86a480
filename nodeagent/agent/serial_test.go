package agent

import (
	"runtime"
	"slices"
	"sync"
	"testing"
)

// TestSerialPriority: with one slot taken, waiting functions run by
// priority, then in the order queued; one key's run in order whatever
// their priority.
func TestSerialPriority(t *testing.T) {
	s := newSerial(1, 1)
	hold := make(chan struct{})
	running := make(chan struct{})
	s.do("busy", func() { close(running); <-hold })
	<-running
	var mu sync.Mutex
	var order []string
	rec := func(name string) func() {
		return func() { mu.Lock(); order = append(order, name); mu.Unlock() }
	}
	// Each key's drain goroutine must be waiting for the slot before the
	// next is queued, so that "the order queued" is defined.
	queue := func(key string, prio int, name string) {
		s.doAt(key, prio, false, rec(name))
		for {
			s.slots.mu.Lock()
			n := len(s.slots.waiting)
			s.slots.mu.Unlock()
			if n > 0 && n == waitingKeys(s) {
				return
			}
			runtime.Gosched()
		}
	}
	queue("a", 2, "a-image")
	queue("b", 1, "b-create")
	queue("c", 2, "c-image")
	queue("d", 0, "d-start")
	s.doAt("d", 2, false, rec("d-remove")) // after d-start, on d's own queue
	close(hold)
	s.wait()
	want := []string{"d-start", "b-create", "a-image", "c-image", "d-remove"}
	if !slices.Equal(order, want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
}

// waitingKeys counts the keys with something queued or running, less the
// busy one.
func waitingKeys(s *serial) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues) - 1
}

// TestSerialHeavyLimit: heavy functions run at most heavyLimit at once,
// and the others run beside them.
func TestSerialHeavyLimit(t *testing.T) {
	// Room for the four light ones and a heavy one at once: with fewer
	// slots, light ones blocked on a heavy one that waits for a slot
	// could hold them all (the test hung, 1 run in ~6).
	s := newSerial(5, 1)
	var mu sync.Mutex
	heavy, maxHeavy := 0, 0
	light := make(chan struct{})
	for i := range 4 {
		s.doAt(string(rune('a'+i)), 1, true, func() {
			mu.Lock()
			heavy++
			maxHeavy = max(maxHeavy, heavy)
			mu.Unlock()
			<-light // a light one runs while a heavy one holds its slot
			mu.Lock()
			heavy--
			mu.Unlock()
		})
	}
	for i := range 4 {
		s.doAt(string(rune('p'+i)), 2, false, func() { light <- struct{}{} })
	}
	s.wait()
	if maxHeavy != 1 {
		t.Fatalf("%d heavy ones ran at once, want 1", maxHeavy)
	}
}
