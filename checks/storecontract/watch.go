package storecontract

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

var watchTests = []contractTest{
	{"FromRevision", testWatchFromRevision},
	{"FromZero", testWatchFromZero},
	{"FromFuture", testWatchFromFuture},
	{"PrefixFilter", testWatchPrefixFilter},
	{"NoGaps", testWatchNoGaps},
	{"DeletedEvent", testWatchDeletedEvent},
	{"PollMax", testWatchPollMax},
	{"Close", testWatchClose},
}

// collect polls w until it has delivered n events, failing after
// WaitTimeout or on an error.
func collect(t *testing.T, w store.Watcher, n int) []store.Event {
	t.Helper()
	var out []store.Event
	deadline := time.Now().Add(WaitTimeout)
	for len(out) < n {
		evs, err := w.Poll(n - len(out))
		if err != nil {
			t.Fatalf("Poll after %d of %d events: %v", len(out), n, err)
		}
		out = append(out, evs...)
		if len(evs) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("got %d of %d events after %v: %v", len(out), n, WaitTimeout, describeEvents(out))
			}
			time.Sleep(time.Millisecond)
		}
	}
	if len(out) > n {
		t.Fatalf("Poll(%d) returned more than asked: %v", n, describeEvents(out))
	}
	return out
}

// collectUntil polls w until the event for marker arrives and returns the
// events before it. Writing a marker last proves that nothing else was
// delivered in between, even by an asynchronous watcher.
func collectUntil(t *testing.T, w store.Watcher, marker string) []store.Event {
	t.Helper()
	var out []store.Event
	for {
		ev := collect(t, w, 1)[0]
		if ev.Key == marker {
			return out
		}
		out = append(out, ev)
	}
}

func describeEvents(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Describe()
	}
	return out
}

func ev(typ store.EventType, key string, rev int64) string {
	return store.Event{Type: typ, Key: key, Revision: rev}.Describe()
}

// checkEvents compares events to their descriptions and checks the fields
// every event must have consistent: Object's resourceVersion is the
// event's revision, its key is Key, and PrevObject is nil exactly for
// Added and older than the event otherwise.
func checkEvents(t *testing.T, got []store.Event, want []string) {
	t.Helper()
	if d := describeEvents(got); !slices.Equal(d, want) {
		t.Fatalf("events:\n  got  %q\n  want %q", d, want)
	}
	for _, e := range got {
		if e.Object == nil || rv(t, e.Object) != e.Revision {
			t.Fatalf("%s: Object %s", e.Describe(), describe(e.Object))
		}
		if k, err := api.KeyOf(e.Object); err != nil || k != e.Key {
			t.Fatalf("%s: Object key %q, %v", e.Describe(), k, err)
		}
		if (e.Type == store.Added) != (e.PrevObject == nil) {
			t.Fatalf("%s: PrevObject %s", e.Describe(), describe(e.PrevObject))
		}
		if e.PrevObject != nil && rv(t, e.PrevObject) >= e.Revision {
			t.Fatalf("%s: PrevObject %s is not older", e.Describe(), describe(e.PrevObject))
		}
	}
}

func marker(t *testing.T, s store.Store, ns string) string {
	t.Helper()
	mustCreate(t, s, pod(ns, "zz-marker"))
	return podKey(ns, "zz-marker")
}

func watch(t *testing.T, s store.Store, prefix string, from int64) store.Watcher {
	t.Helper()
	w, err := s.Watch(prefix, from)
	if err != nil {
		t.Fatalf("Watch(%s, %d): %v", prefix, from, err)
	}
	t.Cleanup(w.Close)
	return w
}

func testWatchFromRevision(t *testing.T, s store.Store) {
	a, b := podKey("default", "a"), podKey("default", "b")
	r1 := rv(t, mustCreate(t, s, pod("default", "a")))
	r2 := rv(t, mustCreate(t, s, pod("default", "b")))
	r3 := rv(t, mustUpdate(t, s, pod("default", "a", "v", "2")))
	r4 := rv(t, mustDelete(t, s, b))
	mustCreate(t, s, node("n1"))

	w := watch(t, s, podPrefix(""), r1)
	m := marker(t, s, "default")
	got := collectUntil(t, w, m)
	checkEvents(t, got, []string{ev(store.Added, a, r1), ev(store.Added, b, r2), ev(store.Modified, a, r3), ev(store.Deleted, b, r4)})
	if rv(t, got[2].PrevObject) != r1 || got[2].Object.GetObjectMeta().Labels["v"] != "2" {
		t.Fatalf("Modified event: prev %s, object %s", describe(got[2].PrevObject), describe(got[2].Object))
	}

	w2 := watch(t, s, podPrefix(""), r3)
	r6 := rv(t, mustCreate(t, s, pod("default", "c")))
	checkEvents(t, collectUntil(t, w2, podKey("default", "c")), []string{ev(store.Modified, a, r3), ev(store.Deleted, b, r4), ev(store.Added, m, r6-1)})
}

func testWatchFromZero(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "before"))
	w := watch(t, s, podPrefix("default"), 0)
	r := rv(t, mustCreate(t, s, pod("default", "after")))
	m := marker(t, s, "default")
	checkEvents(t, collectUntil(t, w, m), []string{ev(store.Added, podKey("default", "after"), r)})
}

func testWatchFromFuture(t *testing.T, s store.Store) {
	from := revision(t, s) + 3
	w := watch(t, s, podPrefix("default"), from)
	for i := range 4 {
		mustCreate(t, s, pod("default", fmt.Sprint("p", i)))
	}
	m := marker(t, s, "default")
	checkEvents(t, collectUntil(t, w, m), []string{
		ev(store.Added, podKey("default", "p2"), from),
		ev(store.Added, podKey("default", "p3"), from+1),
	})
}

func testWatchPrefixFilter(t *testing.T, s store.Store) {
	w := watch(t, s, podPrefix("a"), 0)
	var want []string
	mustCreate(t, s, pod("ab", "x"))
	want = append(want, ev(store.Added, podKey("a", "x"), rv(t, mustCreate(t, s, pod("a", "x")))))
	mustCreate(t, s, pod("a-b", "x"))
	mustCreate(t, s, node("a"))
	mustUpdate(t, s, pod("ab", "x", "v", "2"))
	want = append(want, ev(store.Modified, podKey("a", "x"), rv(t, mustUpdate(t, s, pod("a", "x", "v", "2")))))
	mustDelete(t, s, podKey("ab", "x"))
	m := marker(t, s, "a")
	checkEvents(t, collectUntil(t, w, m), want)
}

func testWatchNoGaps(t *testing.T, s store.Store) {
	start := revision(t, s) + 1
	w := watch(t, s, api.KeyPrefix, start)
	var want []string
	for i := range 20 {
		ns := fmt.Sprint("ns", i%3)
		name := fmt.Sprint("p", i%7)
		key := podKey(ns, name)
		obj, err := s.Create(pod(ns, name))
		typ := store.Added
		if store.IsAlreadyExists(err) {
			if i%2 == 0 {
				obj, err = s.Delete(key, store.Preconditions{})
				typ = store.Deleted
			} else {
				obj, err = s.Update(pod(ns, name, "i", fmt.Sprint(i)))
				typ = store.Modified
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ev(typ, key, rv(t, obj)))
	}
	m := marker(t, s, "ns0")
	got := collectUntil(t, w, m)
	checkEvents(t, got, want)
	for i, e := range got {
		if e.Revision != start+int64(i) {
			t.Fatalf("event %d at revision %d, want %d (a gap or a repeat)", i, e.Revision, start+int64(i))
		}
	}
}

func testWatchDeletedEvent(t *testing.T, s store.Store) {
	key := podKey("default", "web-1")
	mustCreate(t, s, pod("default", "web-1", "v", "1"))
	last := rv(t, mustUpdate(t, s, pod("default", "web-1", "v", "2")))
	w := watch(t, s, podPrefix("default"), 0)
	del := rv(t, mustDelete(t, s, key))
	m := marker(t, s, "default")
	got := collectUntil(t, w, m)
	checkEvents(t, got, []string{ev(store.Deleted, key, del)})
	e := got[0]
	if e.Object.GetObjectMeta().Labels["v"] != "2" || e.Object.GetObjectMeta().UID != "uid-default-web-1" {
		t.Fatalf("Deleted event does not carry the last state: %s %v", describe(e.Object), e.Object.GetObjectMeta().Labels)
	}
	if rv(t, e.PrevObject) != last || e.PrevObject.GetObjectMeta().Labels["v"] != "2" {
		t.Fatalf("Deleted event PrevObject %s, want rv %d", describe(e.PrevObject), last)
	}
}

func testWatchPollMax(t *testing.T, s store.Store) {
	w := watch(t, s, podPrefix("default"), 0)
	var want []string
	for i := range 5 {
		r := rv(t, mustCreate(t, s, pod("default", fmt.Sprint("p", i))))
		want = append(want, ev(store.Added, podKey("default", fmt.Sprint("p", i)), r))
	}
	var got []store.Event
	deadline := time.Now().Add(WaitTimeout)
	for len(got) < 5 && time.Now().Before(deadline) {
		evs, err := w.Poll(2)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 2 {
			t.Fatalf("Poll(2) returned %d events", len(evs))
		}
		got = append(got, evs...)
	}
	checkEvents(t, got, want)
}

func testWatchClose(t *testing.T, s store.Store) {
	w, err := s.Watch(podPrefix("default"), 0)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, pod("default", "a"))
	w.Close()
	w.Close()
	mustCreate(t, s, pod("default", "b"))
	if evs, err := w.Poll(0); len(evs) != 0 || err != nil {
		t.Fatalf("Poll after Close = %v, %v; want nothing", describeEvents(evs), err)
	}
}
