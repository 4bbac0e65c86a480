package model

import (
	"fmt"
	"strings"
)

// RevisionsIncrease: revisions only go forward. Along a write log (or a
// watch log), revisions strictly increase; every write's object carries
// its revision as resourceVersion (for Deleted, the deletion revision);
// and per key the writes alternate sensibly: Added only when the key is
// absent, Modified and Deleted only when it is present (as far as the log
// shows: a log starting mid-history may open with any type for a key).
func RevisionsIncrease(h History) []Violation {
	var out []Violation
	present := map[string]bool{}
	var prev int64
	for i, w := range h {
		key := w.KeyOf()
		obj := key
		if obj == "" {
			obj = "write " + itoa(int64(i))
		}
		if i > 0 && w.Revision <= prev {
			out = append(out, Violation{"RevisionsIncrease", obj, fmt.Sprintf("revision %d follows %d", w.Revision, prev)})
		}
		prev = w.Revision
		if o := w.object(); o != nil {
			if rv := o.GetObjectMeta().ResourceVersion; rv != itoa(w.Revision) {
				out = append(out, Violation{"RevisionsIncrease", obj, fmt.Sprintf("%s carries resourceVersion %q", w.Describe(), rv)})
			}
		}
		if key == "" {
			continue
		}
		was, seen := present[key]
		switch {
		case w.Type == Added && seen && was:
			out = append(out, Violation{"RevisionsIncrease", obj, w.Describe() + ": added while present"})
		case (w.Type == Modified || w.Type == Deleted) && seen && !was:
			out = append(out, Violation{"RevisionsIncrease", obj, w.Describe() + ": " + strings.ToLower(w.Type) + " while absent"})
		case w.Type != Added && w.Type != Modified && w.Type != Deleted:
			out = append(out, Violation{"RevisionsIncrease", obj, w.Describe() + ": unknown type"})
		}
		present[key] = w.Type != Deleted
	}
	return sortViolations(out)
}

// WatchLog is what one watcher delivered.
type WatchLog struct {
	// Prefix is the watched key prefix.
	Prefix string
	// From is the first revision asked for, resolved: a watch "from the
	// next write" started at a store at revision r has From r+1.
	From int64
	// Events are the delivered events, in delivery order.
	Events History
	// CaughtUp says the watcher has been polled until nothing was left
	// after the last write of the log: every expected event must be there.
	// Otherwise a prefix of them is enough.
	CaughtUp bool
}

// WatchDeliversOnceInOrder: a watcher delivers every write under its
// prefix with revision >= From exactly once, in revision order, as the
// write log has it (same type and key), with nothing else in between. The
// events delivered must be a prefix of those expected (all of them when
// the watcher has caught up): no event twice, none out of order, none
// skipped while a later one arrived, none that is not such a write.
func WatchDeliversOnceInOrder(writes History, w WatchLog) []Violation {
	var out []Violation
	var expected History
	for _, e := range writes {
		if e.Revision >= w.From && strings.HasPrefix(e.KeyOf(), w.Prefix) {
			expected = append(expected, e)
		}
	}
	name := "watch " + w.Prefix + " from " + itoa(w.From)
	bad := func(format string, args ...any) {
		out = append(out, Violation{"WatchDeliversOnceInOrder", name, fmt.Sprintf(format, args...)})
	}
	byRev := map[int64]int{}
	for i, e := range expected {
		byRev[e.Revision] = i
	}
	delivered := map[int64]bool{}
	next := 0 // index in expected of the event due next
	for _, e := range w.Events {
		i, ok := byRev[e.Revision]
		switch {
		case delivered[e.Revision]:
			bad("%s delivered twice", e.Describe())
			continue
		case !ok:
			bad("%s delivered, but no such write under the prefix", e.Describe())
			continue
		}
		want := expected[i]
		if e.Type != want.Type || e.KeyOf() != want.KeyOf() {
			bad("%s delivered for the write %s", e.Describe(), want.Describe())
		}
		if o := e.object(); o != nil {
			if rv := o.GetObjectMeta().ResourceVersion; rv != itoa(e.Revision) {
				bad("%s carries resourceVersion %q", e.Describe(), rv)
			}
		}
		switch {
		case i < next:
			bad("%s delivered out of order, after %s", e.Describe(), expected[next-1].Describe())
		case i > next:
			bad("%s skipped: %s delivered next", expected[next].Describe(), e.Describe())
			next = i + 1
		default:
			next = i + 1
		}
		delivered[e.Revision] = true
	}
	if w.CaughtUp && next < len(expected) {
		bad("%d events never delivered, from %s", len(expected)-next, expected[next].Describe())
	}
	return sortViolations(out)
}
