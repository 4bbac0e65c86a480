package etcdstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// The leader is killed: the store over a client of every member keeps
// working once the others have elected a new one, and a watch through a
// client of the killed member alone picks up where it stopped when the
// member comes back, with no event lost or repeated.
func testMemberKilled(t *testing.T, c *etcdtest.Cluster) {
	prefix := newPrefix()
	all := etcdstore.New(c.Client(), etcdstore.Options{Prefix: prefix, Timeout: 20 * time.Second})
	k := c.WaitLeader()
	one := etcdstore.New(c.ClientOf(k), etcdstore.Options{Prefix: prefix, Timeout: 20 * time.Second})
	st, err := one.WatchStream(context.Background(), cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := &writer{t: t, s: all}
	for i := range 5 {
		w.create(fmt.Sprint("a", i))
	}
	evs := next(t, st, 5)

	c.Kill(k)
	if l := c.WaitLeader(); l == k {
		t.Fatalf("killed member %d still leads", k)
	}
	for i := range 5 {
		w.create(fmt.Sprint("b", i))
	}
	w.update("a0", "v", "2")
	w.delete("a1")
	res, err := all.List(cmPrefix, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 9 || res.Revision != w.revs[len(w.revs)-1] {
		t.Fatalf("List with a member down: %v at %d", names(res.Items), res.Revision)
	}
	got, err := all.Get(cmKey("a0"))
	if err != nil || got.(*api.ConfigMap).Data["v"] != "2" {
		t.Fatalf("Get with a member down: %v, %v", got, err)
	}

	c.Restart(k)
	w.create("c0")
	evs = append(evs, next(t, st, len(w.revs)-len(evs))...)
	checkRevisions(t, evs, w.revs)
}

// A watcher whose member is down while the others compact past it gets
// Compacted when it is back, after the events it had, and then on every
// call: its owner must list again.
func testWatchAcrossCompaction(t *testing.T, c *etcdtest.Cluster) {
	prefix := newPrefix()
	all := etcdstore.New(c.Client(), etcdstore.Options{Prefix: prefix, Timeout: 20 * time.Second})
	k := (c.WaitLeader() + 1) % c.Size() // a follower
	one := etcdstore.New(c.ClientOf(k), etcdstore.Options{Prefix: prefix, Timeout: 20 * time.Second})
	wt, err := one.Watch(cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wt.Close()
	st, err := one.WatchStream(context.Background(), cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := &writer{t: t, s: all}
	for i := range 3 {
		w.create(fmt.Sprint("a", i))
	}
	checkRevisions(t, next(t, st, 3), w.revs)
	var polled []store.Event
	deadline := time.Now().Add(20 * time.Second)
	for len(polled) < 3 && time.Now().Before(deadline) {
		evs, err := wt.Poll(0)
		if err != nil {
			t.Fatal(err)
		}
		polled = append(polled, evs...)
		time.Sleep(time.Millisecond)
	}
	checkRevisions(t, polled, w.revs)

	c.Kill(k)
	for i := range 5 {
		w.create(fmt.Sprint("b", i))
	}
	rev, err := all.Revision()
	if err != nil {
		t.Fatal(err)
	}
	if err := all.Compact(rev); err != nil {
		t.Fatal(err)
	}
	c.Restart(k)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	evs, err := st.Next(ctx, 0)
	if !store.IsCompacted(err) || len(evs) != 0 {
		t.Fatalf("Next across a compaction = %d events, %v; want Compacted", len(evs), err)
	}
	if _, err := st.Next(ctx, 0); !store.IsCompacted(err) {
		t.Fatalf("Next after Compacted = %v; want Compacted again", err)
	}
	for {
		evs, err := wt.Poll(0)
		if len(evs) != 0 {
			t.Fatalf("Poll across a compaction delivered %d events", len(evs))
		}
		if err != nil {
			if !store.IsCompacted(err) {
				t.Fatalf("Poll across a compaction: %v; want Compacted", err)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("Poll across a compaction: no error after 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := wt.Poll(0); !store.IsCompacted(err) {
		t.Fatalf("Poll after Compacted = %v; want Compacted again", err)
	}
	// A new watch from before the compaction is refused at once.
	if _, err := one.Watch(cmPrefix, w.revs[0]); !store.IsCompacted(err) {
		t.Fatalf("Watch from a compacted revision: %v", err)
	}
}
