package node

import (
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// backoff is one exponential back-off entry, with the semantics of the
// kubelet's flowcontrol.Backoff (one entry per container, and one per
// container image):
//
//   - next(now, event) moves to the next delay: the initial delay if there
//     is no entry yet or the entry expired (event came more than 2*max after
//     the last update), otherwise double, capped at max. It records now as
//     the last update.
//   - inBackOffSince(now, event) reports whether now is still within the
//     current delay counted from event (a container's finishedAt).
//   - inBackOffSinceUpdate(now) reports whether now is within the current
//     delay counted from the last update (image pulls).
//
// For a crashing container this yields: the first restart at once, then
// waits of 10s, 20s, 40s, ... 5m, and back to 10s after the container ran
// for 10 minutes.
type backoff struct {
	// delay is the current back-off; 0 means no entry.
	delay time.Duration
	// last is when the entry was last moved (next). Valid if delay > 0.
	last api.Time
}

func (b *backoff) expired(event api.Time, max time.Duration) bool {
	return event-b.last > api.Time(2*max)
}

func (b *backoff) next(now, event api.Time, initial, max time.Duration) {
	if b.delay == 0 || b.expired(event, max) {
		b.delay = initial
	} else {
		b.delay = min(2*b.delay, max)
	}
	b.last = now
}

func (b *backoff) inBackOffSince(now, event api.Time, max time.Duration) bool {
	if b.delay == 0 || b.expired(event, max) {
		return false
	}
	return now-event < api.Time(b.delay)
}

func (b *backoff) inBackOffSinceUpdate(now api.Time, max time.Duration) bool {
	if b.delay == 0 || b.expired(now, max) {
		return false
	}
	return now-b.last < api.Time(b.delay)
}
