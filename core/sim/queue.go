package sim

import (
	"container/heap"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// evKind says what a timed event does when it fires.
type evKind uint8

const (
	// evNodeTick ticks one node's machine and arms the next tick.
	evNodeTick evKind = iota + 1
	// evRuntime is a fake-runtime observation for one node (in): the
	// runtime's state changes when it fires, then the machine is told.
	evRuntime
	// evDeliver hands delayed watch events to the control plane.
	evDeliver
	// evControlTick wakes the control plane for one of its timers.
	evControlTick
	// evControlSync runs the control plane's controllers.
	evControlSync
	// evFault is a fault (or any scenario operation) scheduled ahead.
	evFault
	// evCompact compacts the store's history.
	evCompact
)

// event is one entry of the discrete-event queue. Events are ordered by
// (at, seq): seq is the order they were scheduled in, so two events at the
// same instant fire first-scheduled first, deterministically.
type event struct {
	at   api.Time
	seq  uint64
	kind evKind
	// node is the node an evNodeTick or evRuntime is for, and gen the
	// incarnation of that node's runtime it was scheduled by: an event
	// from before a crash is dropped when it fires.
	node *simNode
	gen  uint32
	// agent is the node machine's incarnation: an observation for an
	// older machine changes the runtime but is not told to the new one.
	agent uint32
	in    node.Input
	// fault is an evFault's operation (a pointer: events are many, faults
	// few, and a Fault is larger than the rest of the event).
	fault *Fault
}

// foreground reports whether the event is work rather than a heartbeat:
// Stabilize waits for foreground events only.
func (e *event) foreground() bool {
	switch e.kind {
	case evNodeTick, evControlTick, evCompact:
		return false
	case evControlSync:
		return true
	case evRuntime:
		_, probe := e.in.(node.ProbeResult)
		return !probe
	}
	return true
}

// eventQueue is a min-heap of events by (at, seq).
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	return e
}

// schedule queues ev at its time, after every event already queued for
// the same instant.
func (c *Cluster) schedule(ev event) {
	var e *event
	if n := len(c.free); n > 0 {
		e, c.free = c.free[n-1], c.free[:n-1]
	} else {
		e = new(event)
	}
	*e = ev
	c.seq++
	e.seq = c.seq
	if e.at < c.now {
		e.at = c.now
	}
	if e.foreground() {
		c.foreground++
	}
	heap.Push(&c.queue, e)
}

// recycle returns a fired event for reuse, keeping at most maxFree: a
// burst of events (every pod's image pull at once) is not kept for the
// rest of the run.
func (c *Cluster) recycle(e *event) {
	if len(c.free) >= maxFree {
		return
	}
	*e = event{}
	c.free = append(c.free, e)
}

const maxFree = 4096

// pop removes the earliest event.
func (c *Cluster) pop() *event {
	e := heap.Pop(&c.queue).(*event)
	if e.foreground() {
		c.foreground--
	}
	return e
}
