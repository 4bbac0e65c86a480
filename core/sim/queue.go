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

// eventQueue is a min-heap of events by (at, seq), held by value in
// chunks of queueChunk: no allocation per event, none to copy when it
// grows, and the chunks a burst (every pod's image pull at once) needed
// are given back as it drains, but for one spare.
type eventQueue struct {
	chunks []*[queueChunk]event
	n      int
}

// queueChunk is the number of events in a chunk (12 KiB of them).
const queueChunk = 256

func (q *eventQueue) len() int { return q.n }

// at returns the i-th event of the heap's array.
func (q *eventQueue) at(i int) *event { return &q.chunks[i/queueChunk][i%queueChunk] }

// before orders events by (at, seq).
func before(a, b *event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (q *eventQueue) push(ev event) {
	if q.n == len(q.chunks)*queueChunk {
		q.chunks = append(q.chunks, new([queueChunk]event))
	}
	i := q.n
	q.n++
	for i > 0 {
		parent := (i - 1) / 2
		pe := q.at(parent)
		if !before(&ev, pe) {
			break
		}
		*q.at(i) = *pe
		i = parent
	}
	*q.at(i) = ev
}

func (q *eventQueue) pop() event {
	top := *q.at(0)
	q.n--
	last := *q.at(q.n)
	*q.at(q.n) = event{}
	if q.n > 0 {
		i := 0
		for {
			l := 2*i + 1
			if l >= q.n {
				break
			}
			child := q.at(l)
			if r := l + 1; r < q.n {
				if rc := q.at(r); before(rc, child) {
					child, l = rc, r
				}
			}
			if !before(child, &last) {
				break
			}
			*q.at(i) = *child
			i = l
		}
		*q.at(i) = last
	}
	for k := len(q.chunks); k > 1 && q.n <= (k-2)*queueChunk; k-- {
		q.chunks[k-1] = nil
		q.chunks = q.chunks[:k-1]
	}
	return top
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
	c.queue.push(ev)
}

// pop removes the earliest event.
func (c *Cluster) pop() event {
	e := c.queue.pop()
	if e.foreground() {
		c.foreground--
	}
	return e
}
