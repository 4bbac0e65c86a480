package etcdstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
)

// flakyWatcher is a clientv3.Watcher whose watches end after their first
// response with events, cut to a few events (each of our writes is one
// revision and one event), as etcd's end when a member goes away or loses
// its leader; and start again from a few revisions before the one asked
// for, so that they repeat events already delivered.
type flakyWatcher struct {
	clientv3.Watcher
	// most is the number of events a watch delivers before it ends.
	most int
	// rewind is how many revisions before the asked one a watch starts.
	// Invariant: rewind < most, or a watch would deliver nothing new.
	rewind int64
	// watches counts the watches started.
	watches atomic.Int64
}

func (f *flakyWatcher) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	f.watches.Add(1)
	rev := clientv3.OpGet(key, opts...).Rev()
	opts = append(opts, clientv3.WithRev(max(1, rev-f.rewind)))
	ctx, cancel := context.WithCancel(ctx)
	in := f.Watcher.Watch(ctx, key, opts...)
	out := make(chan clientv3.WatchResponse)
	go func() {
		defer close(out)
		defer cancel()
		for resp := range in {
			cut := len(resp.Events) > 0
			if len(resp.Events) > f.most {
				resp.Events = resp.Events[:f.most]
			}
			select {
			case out <- resp:
			case <-ctx.Done():
				return
			}
			if cut {
				return
			}
		}
	}()
	return out
}

// Watches that etcd ends again and again (each restart costs up to 100 ms:
// a watch from a past revision waits for etcd's catch-up loop), and that restart with events
// already seen, still deliver every write exactly once, in order, while
// four writers write.
func TestWatchResumesWithoutGapOrRepeat(t *testing.T) {
	m := etcdtest.Member(t, false)
	s := New(m.Client(), Options{Prefix: "/resume"})
	flaky := &flakyWatcher{Watcher: s.watcher, most: 5, rewind: 2}
	s.watcher = flaky
	s.retryDelay = time.Millisecond

	const writers, each = 4, 15
	st, err := s.WatchStream(context.Background(), "/registry/configmaps/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	revs := map[int64]string{}
	record := func(out api.Object, err error, typ store.EventType) bool {
		if err != nil {
			t.Error(err)
			return false
		}
		mu.Lock()
		revs[mustRev(t, out)] = string(typ)
		mu.Unlock()
		return true
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			ns := fmt.Sprint("ns", g)
			for i := range each {
				obj := &api.ConfigMap{
					TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
					ObjectMeta: api.ObjectMeta{Namespace: ns, Name: fmt.Sprint("c", i%5)},
					Data:       map[string]string{"i": fmt.Sprint(i)},
				}
				key := api.KeyFor("configmaps", ns, obj.Name)
				switch {
				case i < 5:
					out, err := s.Create(obj)
					if !record(out, err, store.Added) {
						return
					}
				case i%7 == 0:
					out, err := s.Delete(key, store.Preconditions{})
					if !record(out, err, store.Deleted) {
						return
					}
					out, err = s.Create(obj)
					if !record(out, err, store.Added) {
						return
					}
				default:
					out, err := s.Update(obj)
					if !record(out, err, store.Modified) {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []store.Event
	for len(got) < len(revs) {
		evs, err := st.Next(ctx, 0)
		if err != nil {
			t.Fatalf("Next after %d of %d events: %v", len(got), len(revs), err)
		}
		got = append(got, evs...)
	}
	for i, e := range got {
		if i > 0 && e.Revision <= got[i-1].Revision {
			t.Fatalf("event %d at revision %d after %d: out of order or repeated", i, e.Revision, got[i-1].Revision)
		}
		if typ, ok := revs[e.Revision]; !ok || typ != string(e.Type) {
			t.Fatalf("event %s: the write at that revision was %q", e.Describe(), typ)
		}
	}
	if len(got) != len(revs) {
		t.Fatalf("%d events for %d writes", len(got), len(revs))
	}
	if n := flaky.watches.Load(); n < int64(len(revs))/4 {
		t.Fatalf("only %d etcd watches for %d events: the watch was not cut often", n, len(revs))
	}
	t.Logf("%d events over %d etcd watches", len(got), flaky.watches.Load())
}

func mustRev(t *testing.T, obj api.Object) int64 {
	t.Helper()
	n, err := store.ParseResourceVersion("", obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
