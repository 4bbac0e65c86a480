package agent

import (
	"container/heap"
	"sync"
)

// serial runs functions one at a time per key, in the order given, and
// different keys in parallel, at most limit at once, and at most
// heavyLimit of those queued as heavy. When more wait than may run, those
// of the lowest priority number go first, then the earliest queued.
type serial struct {
	slots *slots
	heavy *slots

	mu     sync.Mutex
	queues map[string][]queued
	wg     sync.WaitGroup
}

type queued struct {
	prio  int
	heavy bool
	f     func()
}

func newSerial(limit, heavyLimit int) *serial {
	return &serial{slots: &slots{free: limit}, heavy: &slots{free: heavyLimit}, queues: map[string][]queued{}}
}

// do queues f under key with priority 0. It never blocks.
func (s *serial) do(key string, f func()) { s.doAt(key, 0, false, f) }

// doAt queues f under key with priority prio (lower goes first), heavy
// or not. It never blocks.
func (s *serial) doAt(key string, prio int, heavy bool, f func()) {
	s.mu.Lock()
	q, busy := s.queues[key]
	s.queues[key] = append(q, queued{prio, heavy, f})
	s.mu.Unlock()
	if busy {
		return
	}
	s.wg.Add(1)
	go s.drain(key)
}

func (s *serial) drain(key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		next := q[0]
		s.queues[key] = q[1:]
		s.mu.Unlock()
		// A heavy one waits for its heavy slot first, holding no other:
		// waiting, it keeps no slot from the others.
		if next.heavy {
			s.heavy.acquire(next.prio)
		}
		s.slots.acquire(next.prio)
		next.f()
		s.slots.release()
		if next.heavy {
			s.heavy.release()
		}
	}
}

// wait waits for every queued function to have run.
func (s *serial) wait() { s.wg.Wait() }

// slots is a counting semaphore whose waiters are served by priority
// (lower first), then in the order they came.
type slots struct {
	mu      sync.Mutex
	free    int
	seq     uint64
	waiting waiters
}

type waiter struct {
	prio  int
	seq   uint64
	ready chan struct{}
}

func (s *slots) acquire(prio int) {
	s.mu.Lock()
	if s.free > 0 { // then nobody waits: release hands slots over
		s.free--
		s.mu.Unlock()
		return
	}
	w := &waiter{prio: prio, seq: s.seq, ready: make(chan struct{})}
	s.seq++
	heap.Push(&s.waiting, w)
	s.mu.Unlock()
	<-w.ready
}

func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) == 0 {
		s.free++
		return
	}
	close(heap.Pop(&s.waiting).(*waiter).ready)
}

// waiters is a heap by (prio, seq).
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio < h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waiters) Push(x any)   { *h = append(*h, x.(*waiter)) }
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}
