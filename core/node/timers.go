package node

import (
	"container/heap"

	"github.com/capstan-dev/capstan/core/api"
)

// timer asks for pod p to be synced at time at. Timers are invalidated
// lazily: a popped timer counts only if it is still the pod's wake time.
type timer struct {
	at  api.Time
	key string
	p   *podState
}

// timerHeap is a min-heap of timers ordered by (at, pod key), so that pods
// due at the same instant are synced in a stable order.
type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].key < h[j].key
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = timer{}
	*h = old[:n-1]
	return t
}

func (h *timerHeap) push(t timer) { heap.Push(h, t) }

// popDue removes and returns the pods whose wake time is at or before now.
func (h *timerHeap) popDue(now api.Time) []*podState {
	var due []*podState
	for h.Len() > 0 && (*h)[0].at <= now {
		t := heap.Pop(h).(timer)
		p := t.p
		if p.forgotten || !p.hasWake || p.wake != t.at {
			continue // superseded
		}
		p.hasWake = false
		due = append(due, p)
	}
	return due
}
