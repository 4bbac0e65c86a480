package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// A member restarted on its data directory serves the same objects at the
// same revisions, and its history too: reads at old revisions and a watch
// from the first write still work.
func TestRestartKeepsObjectsAndRevisions(t *testing.T) {
	m, err := etcdserver.Start(context.Background(), etcdtest.Config(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	s := etcdstore.New(m.Client(), etcdstore.Options{})
	w := &writer{t: t, s: s}
	w.create("a", "v", "1")
	w.create("b")
	w.create("c")
	w.update("a", "v", "2")
	w.delete("b")
	rev, err := s.Revision()
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.List(cmPrefix, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m2, err := etcdserver.Start(context.Background(), m.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	s2 := etcdstore.New(m2.Client(), etcdstore.Options{})
	if got, err := s2.Revision(); err != nil || got != rev {
		t.Fatalf("Revision after restart = %d, %v; want %d", got, err, rev)
	}
	after, err := s2.List(cmPrefix, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(after.Items), names(before.Items)) || after.Revision != rev {
		t.Fatalf("List after restart = %v at %d; before %v at %d", names(after.Items), after.Revision, names(before.Items), rev)
	}
	old, err := s2.GetAt(cmKey("a"), w.revs[0])
	if err != nil || old.(*api.ConfigMap).Data["v"] != "1" {
		t.Fatalf("GetAt the first revision after restart = %v, %v", old, err)
	}
	st, err := s2.WatchStream(context.Background(), cmPrefix, w.revs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkRevisions(t, next(t, st, len(w.revs)), w.revs)
	// And it takes writes at the next revision.
	w.s = s2
	if out := w.create("d"); rvOf(t, out) != rev+1 {
		t.Fatalf("first write after restart at %d, want %d", rvOf(t, out), rev+1)
	}
}

// Many goroutines increment one counter with read, then compare-and-swap
// update. Every increment must win exactly once: one winner per revision,
// no two winners from the same read (a lost update), the counter equal to
// the number of wins, and a watch that sees each win as one event whose
// value is its previous value plus one.
func TestConcurrentCAS(t *testing.T) {
	m := etcdtest.Member(t, false)
	s := newStore(m.Client())
	first, err := s.Create(cm("counter", "n", "0"))
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 15
	var conflicts atomic.Int64
	type win struct{ base, rev int64 }
	wins := make([][]win, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for len(wins[g]) < each {
				cur, err := s.Get(cmKey("counter"))
				if err != nil {
					t.Error(err)
					return
				}
				c := cur.(*api.ConfigMap)
				n, _ := strconv.Atoi(c.Data["n"])
				c.Data["n"] = strconv.Itoa(n + 1)
				out, err := s.Update(c)
				if store.IsConflict(err) {
					conflicts.Add(1)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				wins[g] = append(wins[g], win{base: rvOf(t, cur), rev: rvOf(t, out)})
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	const total = workers * each
	bases, revs := map[int64]bool{}, map[int64]bool{}
	for _, ws := range wins {
		for _, w := range ws {
			if bases[w.base] {
				t.Fatalf("two updates won from the read at revision %d: a lost update", w.base)
			}
			if revs[w.rev] {
				t.Fatalf("two updates won revision %d", w.rev)
			}
			bases[w.base], revs[w.rev] = true, true
		}
	}
	start := rvOf(t, first)
	for r := start + 1; r <= start+total; r++ {
		if !revs[r] || !bases[r-1] {
			t.Fatalf("revision %d: won %v, read as a base %v; want every revision won once, from the one before", r, revs[r], bases[r-1])
		}
	}
	final, err := s.Get(cmKey("counter"))
	if err != nil {
		t.Fatal(err)
	}
	if n := final.(*api.ConfigMap).Data["n"]; n != strconv.Itoa(total) || rvOf(t, final) != start+total {
		t.Fatalf("counter = %s at %s after %d wins", n, final.GetObjectMeta().ResourceVersion, total)
	}
	st, err := s.WatchStream(context.Background(), cmPrefix, start+1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, e := range next(t, st, total) {
		n, _ := strconv.Atoi(e.Object.(*api.ConfigMap).Data["n"])
		p, _ := strconv.Atoi(e.PrevObject.(*api.ConfigMap).Data["n"])
		if e.Type != store.Modified || e.Revision != start+1+int64(i) || n != i+1 || p != i {
			t.Fatalf("event %d: %s n=%d prev n=%d", i, e.Describe(), n, p)
		}
	}
	if conflicts.Load() == 0 {
		t.Fatal("no conflict among 16 writers: the test did not exercise compare-and-swap")
	}
	t.Logf("%d wins, %d conflicts", total, conflicts.Load())
}

// A stored value that does not decode is an error naming its key, from
// every read and from a watch; never a panic, never a silent skip.
func TestUndecodableValue(t *testing.T) {
	m := etcdtest.Member(t, false)
	prefix := newPrefix()
	s := etcdstore.New(m.Client(), etcdstore.Options{Prefix: prefix})
	st, err := s.WatchStream(context.Background(), cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w := &writer{t: t, s: s}
	w.create("good")
	ctx := context.Background()
	for _, kv := range [][2]string{
		{cmKey("junk"), "{not json"},
		{cmKey("pod"), `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod","namespace":"default"}}`},
		{"/registry/widgets/default/w1", `{}`},
	} {
		key, value := kv[0], kv[1]
		if _, err := m.Client().Put(ctx, prefix+key, value); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(key); err == nil || !strings.Contains(err.Error(), key) || store.CodeOf(err) != "" {
			t.Fatalf("Get of %q stored at %s: %v; want an error naming the key", value, key, err)
		}
	}
	if _, err := s.List(cmPrefix, store.ListOptions{}); err == nil || !strings.Contains(err.Error(), cmKey("junk")) {
		t.Fatalf("List over an undecodable value: %v", err)
	}
	if _, err := s.Delete(cmKey("junk"), store.Preconditions{UID: "x"}); err == nil || !strings.Contains(err.Error(), cmKey("junk")) {
		t.Fatalf("Delete with a UID precondition of an undecodable value: %v", err)
	}
	nctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var got []store.Event
	for {
		evs, err := st.Next(nctx, 0)
		got = append(got, evs...)
		if err != nil {
			if !strings.Contains(err.Error(), cmKey("junk")) || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("watch over an undecodable value: %v", err)
			}
			break
		}
	}
	if len(got) != 1 || got[0].Revision != w.revs[0] {
		t.Fatalf("watch delivered %d events before the undecodable one, want the 1 before it", len(got))
	}
	w.create("later")
	time.Sleep(50 * time.Millisecond) // time for a wrongly kept watch to deliver it
	if evs, err := st.Next(nctx, 0); err == nil || len(evs) != 0 {
		t.Fatalf("watch went on after an undecodable event: %d events, %v", len(evs), err)
	}
	// A plain Delete still removes the value, and says it did.
	if _, err := s.Delete(cmKey("junk"), store.Preconditions{}); err == nil || !strings.Contains(err.Error(), "deleted at revision") {
		t.Fatalf("Delete of an undecodable value: %v; want an error saying it was deleted", err)
	}
	if _, err := s.Get(cmKey("junk")); !store.IsNotFound(err) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// Observe hears every round trip with its outcome.
func TestObserve(t *testing.T) {
	m := etcdtest.Member(t, false)
	var mu sync.Mutex
	seen := map[string][]error{}
	s := etcdstore.New(m.Client(), etcdstore.Options{
		Prefix: newPrefix(),
		Observe: func(op string, d time.Duration, err error) {
			if d <= 0 {
				t.Errorf("%s observed with duration %v", op, d)
			}
			mu.Lock()
			seen[op] = append(seen[op], err)
			mu.Unlock()
		},
	})
	w := &writer{t: t, s: s}
	w.create("a")
	w.update("a", "v", "2")
	if _, err := s.Get(cmKey("nope")); !store.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := s.List(cmPrefix, store.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	wt, err := s.Watch(cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	wt.Close()
	w.delete("a")
	rev, err := s.Revision()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(rev); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, op := range []string{"create", "update", "get", "list", "watch", "delete", "revision", "compact"} {
		if len(seen[op]) == 0 {
			t.Errorf("no %s observed", op)
		}
	}
	if errs := seen["get"]; len(errs) != 1 || !store.IsNotFound(errs[0]) {
		t.Errorf("get observed with %v; want the NotFound", errs)
	}
}

// Timeout bounds every call to an etcd that does not answer (here a
// listener that accepts connections and says nothing).
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://" + l.Addr().String()}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var observed atomic.Int64
	s := etcdstore.New(cli, etcdstore.Options{
		Timeout: 200 * time.Millisecond,
		Observe: func(op string, d time.Duration, err error) {
			if err != nil {
				observed.Add(1)
			}
		},
	})
	calls := map[string]func() error{
		"Create":   func() error { _, err := s.Create(cm("a")); return err },
		"Get":      func() error { _, err := s.Get(cmKey("a")); return err },
		"List":     func() error { _, err := s.List(cmPrefix, store.ListOptions{}); return err },
		"Update":   func() error { _, err := s.Update(cm("a")); return err },
		"Delete":   func() error { _, err := s.Delete(cmKey("a"), store.Preconditions{UID: "u"}); return err },
		"Watch":    func() error { _, err := s.Watch(cmPrefix, 0); return err },
		"Revision": func() error { _, err := s.Revision(); return err },
		"Compact":  func() error { return s.Compact(5) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if !errors.Is(err, context.DeadlineExceeded) || store.CodeOf(err) != "" {
			t.Errorf("%s against a silent etcd: %v; want the deadline exceeded", name, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v with a 200ms timeout", name, d)
		}
	}
	if observed.Load() != int64(len(calls)) {
		t.Errorf("%d failed calls observed, want %d", observed.Load(), len(calls))
	}
}

// A watcher whose consumer falls more than MaxWatchBuffer events behind
// delivers what it kept, in order, then fails with Compacted for good.
func TestWatchBufferBound(t *testing.T) {
	m := etcdtest.Member(t, false)
	s := etcdstore.New(m.Client(), etcdstore.Options{Prefix: newPrefix(), MaxWatchBuffer: 5})
	wt, err := s.Watch(cmPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wt.Close()
	w := &writer{t: t, s: s}
	for i := range 12 {
		w.create(fmt.Sprint("c", i))
	}
	var got []store.Event
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs, err := wt.Poll(0)
		got = append(got, evs...)
		if err != nil {
			if !store.IsCompacted(err) {
				t.Fatalf("Poll of a watcher that fell behind: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no error after %d events", len(got))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if len(got) > 5 {
		t.Fatalf("%d events delivered, at most 5 kept", len(got))
	}
	checkRevisions(t, got, w.revs[:len(got)])
	if _, err := wt.Poll(0); !store.IsCompacted(err) {
		t.Fatalf("Poll after falling behind: %v", err)
	}
}
