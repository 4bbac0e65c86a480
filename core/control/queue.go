package control

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// queue is one controller's set of dirty keys. Keys are processed in
// sorted order, each once per Ready however often it was added:
// level-triggered, so a sync looks at the current state, not at what
// changed.
type queue struct {
	set map[string]struct{}
	buf []string
}

func (q *queue) add(key string) {
	if q.set == nil {
		q.set = map[string]struct{}{}
	}
	q.set[key] = struct{}{}
}

func (q *queue) len() int { return len(q.set) }

// drain empties the queue and returns its keys sorted. The slice is
// reused by the next drain.
func (q *queue) drain() []string {
	q.buf = q.buf[:0]
	for k := range q.set {
		q.buf = append(q.buf, k)
	}
	clear(q.set)
	slices.Sort(q.buf)
	return q.buf
}

// timer asks for key to be added to queue q at time at.
type timer struct {
	at  api.Time
	q   queueID
	key string
}

// timers is a min-heap of timers by (at, q, key), with at most one live
// timer per (q, key): the earliest asked for. Later duplicates are dropped
// at push; superseded ones when popped.
type timers struct {
	h     timerHeap
	armed map[timerKey]api.Time
	// live: the head of h is known live (next found it armed), until the
	// timers change. The caller asks next after every step.
	live bool
}

type timerKey struct {
	q   queueID
	key string
}

// arm asks for (q, key) to be enqueued at at, unless an earlier timer for
// it is already armed.
func (t *timers) arm(q queueID, key string, at api.Time) {
	if t.armed == nil {
		t.armed = map[timerKey]api.Time{}
	}
	k := timerKey{q, key}
	if cur, ok := t.armed[k]; ok && cur <= at {
		return
	}
	t.armed[k], t.live = at, false
	heapPush(&t.h, timer{at: at, q: q, key: key}, timerLess)
}

// set arms (q, key) at at, replacing whatever it was armed for, later or
// earlier.
func (t *timers) set(q queueID, key string, at api.Time) {
	if t.armed == nil {
		t.armed = map[timerKey]api.Time{}
	}
	k := timerKey{q, key}
	if cur, ok := t.armed[k]; ok && cur == at {
		return
	}
	t.armed[k], t.live = at, false
	heapPush(&t.h, timer{at: at, q: q, key: key}, timerLess)
}

// cancel disarms (q, key).
func (t *timers) cancel(q queueID, key string) {
	delete(t.armed, timerKey{q, key})
	t.live = false
}

// disarm cancels (q, key)'s timer if it is armed for at exactly.
func (t *timers) disarm(q queueID, key string, at api.Time) {
	k := timerKey{q, key}
	if cur, ok := t.armed[k]; ok && cur == at {
		delete(t.armed, k)
		t.live = false
	}
}

// due pops the timers due at now and calls fn for each live one, in
// (at, q, key) order.
func (t *timers) due(now api.Time, fn func(q queueID, key string)) {
	for len(t.h) > 0 && t.h[0].at <= now {
		t.live = false
		tm := heapPop(&t.h, timerLess)
		k := timerKey{tm.q, tm.key}
		if at, ok := t.armed[k]; ok && at == tm.at {
			delete(t.armed, k)
			fn(tm.q, tm.key)
		}
	}
}

// next returns the time of the earliest live timer, if any.
func (t *timers) next() (api.Time, bool) {
	for len(t.h) > 0 {
		tm := t.h[0]
		if t.live {
			return tm.at, true
		}
		if at, ok := t.armed[timerKey{tm.q, tm.key}]; ok && at == tm.at {
			t.live = true
			return tm.at, true
		}
		heapPop(&t.h, timerLess)
	}
	return 0, false
}

type timerHeap []timer

// timerLess orders timers by (at, q, key).
func timerLess(a, b *timer) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.q != b.q {
		return a.q < b.q
	}
	return a.key < b.key
}
