package storecontract

import (
	"slices"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/store"
)

var compactTests = []contractTest{
	{"Reads", testCompactReads},
	{"Errors", testCompactErrors},
	{"Continue", testCompactContinue},
	{"WatchFrom", testCompactWatchFrom},
	{"WatcherBehind", testCompactWatcherBehind},
}

func testCompactReads(t *testing.T, s store.Store) {
	a, b := podKey("default", "a"), podKey("default", "b")
	mustCreate(t, s, pod("default", "a", "v", "1"))
	r2 := rv(t, mustUpdate(t, s, pod("default", "a", "v", "2")))
	r3 := rv(t, mustCreate(t, s, pod("default", "b")))
	mustDelete(t, s, b)
	before := names(list(t, s, podPrefix(""), store.ListOptions{}).Items)
	if err := s.Compact(r3); err != nil {
		t.Fatalf("Compact(%d): %v", r3, err)
	}

	_, err := s.GetAt(a, r2)
	wantCode(t, "GetAt below the compaction revision", err, store.Compacted)
	if !store.IsCompacted(err) {
		t.Fatalf("IsCompacted(%v) = false", err)
	}
	_, err = s.List(podPrefix(""), store.ListOptions{Revision: r2})
	wantCode(t, "List below the compaction revision", err, store.Compacted)

	// The state at the compaction revision and later stays readable.
	if got, err := s.GetAt(a, r3); err != nil || got.GetObjectMeta().Labels["v"] != "2" || rv(t, got) != r2 {
		t.Fatalf("GetAt the compaction revision = %v, %v", got, err)
	}
	if _, err := s.GetAt(b, r3); err != nil {
		t.Fatalf("GetAt(%s, %d): %v", b, r3, err)
	}
	at := list(t, s, podPrefix(""), store.ListOptions{Revision: r3})
	if got := names(at.Items); !slices.Equal(got, []string{"default/a", "default/b"}) {
		t.Fatalf("List at the compaction revision = %v", got)
	}
	if got := names(list(t, s, podPrefix(""), store.ListOptions{}).Items); !slices.Equal(got, before) {
		t.Fatalf("compaction changed the latest state: %v, was %v", got, before)
	}
	_, err = s.Get(b)
	wantCode(t, "Get of a key deleted before compaction", err, store.NotFound)

	// Compacting past the delete forgets b, and a stays.
	if err := s.Compact(revision(t, s)); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetAt(b, revision(t, s))
	wantCode(t, "GetAt of a compacted-away key", err, store.NotFound)
	if got := mustGet(t, s, a); got.GetObjectMeta().Labels["v"] != "2" {
		t.Fatalf("Get after full compaction = %s", describe(got))
	}
}

func testCompactErrors(t *testing.T, s store.Store) {
	for i := range 3 {
		mustCreate(t, s, pod("default", string(rune('a'+i))))
	}
	wantCode(t, "Compact a future revision", s.Compact(revision(t, s)+1), store.BadRequest)
	c := revision(t, s) - 1
	if err := s.Compact(c); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "Compact the same revision again", s.Compact(c), store.Compacted)
	wantCode(t, "Compact backwards", s.Compact(c-1), store.Compacted)
	if err := s.Compact(revision(t, s)); err != nil {
		t.Fatalf("Compact forwards after a failed one: %v", err)
	}
}

func testCompactContinue(t *testing.T, s store.Store) {
	for i := range 4 {
		mustCreate(t, s, pod("default", string(rune('a'+i))))
	}
	res := list(t, s, podPrefix("default"), store.ListOptions{Limit: 2})
	if res.Continue == "" {
		t.Fatal("no continue token")
	}
	mustCreate(t, s, pod("default", "z"))
	if err := s.Compact(revision(t, s)); err != nil {
		t.Fatal(err)
	}
	_, err := s.List(podPrefix("default"), store.ListOptions{Limit: 2, Continue: res.Continue})
	wantCode(t, "List with a continue token older than the compaction", err, store.Compacted)
}

func testCompactWatchFrom(t *testing.T, s store.Store) {
	r1 := rv(t, mustCreate(t, s, pod("default", "a")))
	r2 := rv(t, mustCreate(t, s, pod("default", "b")))
	r3 := rv(t, mustDelete(t, s, podKey("default", "b")))
	if err := s.Compact(r2); err != nil {
		t.Fatal(err)
	}
	_, err := s.Watch(podPrefix("default"), r1)
	wantCode(t, "Watch below the compaction revision", err, store.Compacted)
	w := watch(t, s, podPrefix("default"), r2)
	m := marker(t, s, "default")
	checkEvents(t, collectUntil(t, w, m), []string{
		ev(store.Added, podKey("default", "b"), r2),
		ev(store.Deleted, podKey("default", "b"), r3),
	})
}

// testCompactWatcherBehind compacts past a watcher that has not polled. An
// implementation may have already buffered the events (as an etcd client
// does) and deliver them all, or fail with Compacted; it must never skip
// some and carry on. core/store's own tests require the Compacted error
// of the in-memory store.
func testCompactWatcherBehind(t *testing.T, s store.Store) {
	start := revision(t, s) + 1
	w := watch(t, s, podPrefix("default"), start)
	const n = 5
	for i := range n {
		mustCreate(t, s, pod("default", string(rune('a'+i))))
	}
	if err := s.Compact(revision(t, s)); err != nil {
		t.Fatal(err)
	}
	var got []store.Event
	deadline := time.Now().Add(WaitTimeout)
	for len(got) < n {
		evs, err := w.Poll(0)
		for i, e := range evs {
			if want := start + int64(len(got)+i); e.Revision != want {
				t.Fatalf("watcher behind compaction delivered revision %d, want %d: a gap", e.Revision, want)
			}
		}
		got = append(got, evs...)
		if err != nil {
			wantCode(t, "Poll behind compaction", err, store.Compacted)
			if _, err := w.Poll(0); !store.IsCompacted(err) {
				t.Fatalf("Poll after a Compacted error: %v, want Compacted again", err)
			}
			return
		}
		if len(evs) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("watcher behind compaction: %d of %d events and no error", len(got), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
