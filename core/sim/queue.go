package sim

import (
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
	at  api.Time
	seq uint64
	// in is an evRuntime's observation.
	in node.Input
	// node is the index in Cluster.nodes of the node an evNodeTick or
	// evRuntime is for, and gen the incarnation of that node's runtime it
	// was scheduled by: an event from before a crash is dropped when it
	// fires.
	node uint32
	gen  uint32
	// agent is the node machine's incarnation: an observation for an
	// older machine changes the runtime but is not told to the new one.
	agent uint32
	kind  evKind
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

// eventQueue is a min-heap of events by (at, seq), held by value: no
// allocation per event, and the array is given back when a burst (every
// pod's image pull at once) has drained.
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

// schedule queues ev at its time, after every event already queued for
// the same instant.
func (c *Cluster) schedule(ev event) {
	c.seq++
	ev.seq = c.seq
	if ev.at < c.now {
		ev.at = c.now
	}
	if ev.foreground() {
		c.foreground++
	}
	q := c.queue
	if len(q) == cap(q) {
		// Doubling (append grows big arrays by a quarter, each growth a
		// copy): a burst of n events leaves about n behind, not 4n.
		q = append(make(eventQueue, 0, max(2*cap(q), 64)), q...)
	}
	q = append(q, ev)
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
	c.queue = q
}

// minKeptQueue is the capacity below which the queue's array is kept
// however empty it gets.
const minKeptQueue = 1024

// pop removes the earliest event.
func (c *Cluster) pop() event {
	q := c.queue
	e := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = event{}
	q = q[:last]
	for i := 0; ; {
		small, l := i, 2*i+1
		if l < last && q.less(l, small) {
			small = l
		}
		if r := l + 1; r < last && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	if cap(q) > minKeptQueue && len(q) < cap(q)/8 {
		q = append(make(eventQueue, 0, cap(q)/4), q...)
	}
	c.queue = q
	if e.foreground() {
		c.foreground--
	}
	return e
}
