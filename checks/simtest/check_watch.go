package simtest

import (
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// probeWatcher is a watcher of the runner's own, judged against the write
// log with WatchDeliversOnceInOrder after every poll. Some poll everything
// at every check, some only a few events at a time, so that they lag
// behind bursts and, now and then, fall behind a compaction: then, as an
// informer does, they watch again from the store's current revision.
type probeWatcher struct {
	prefix string
	limit  int // events per poll, 0 for all
	w      store.Watcher
	// next is the revision of the next event due: every write under the
	// prefix from next on must come, once, in order.
	next int64
}

// newProbeWatchers starts the runner's watchers: pods from revision 1,
// deployments from the next write, nodes and everything a few events at
// a time.
func newProbeWatchers(c *sim.Cluster, seed uint64) []*probeWatcher {
	r := newRNG(seed ^ 0x3a7c)
	specs := []struct {
		prefix string
		from   int64
		limit  int
	}{
		{api.KeyFor("pods", "", ""), 1, 0},
		{api.KeyFor("deployments", "", ""), 0, 0},
		{api.KeyFor("nodes", "", ""), 1, r.between(1, 8)},
		{api.KeyPrefix, 1, r.between(20, 60)},
	}
	var out []*probeWatcher
	for _, s := range specs {
		pw := &probeWatcher{prefix: s.prefix, limit: s.limit}
		pw.start(c, s.from)
		out = append(out, pw)
	}
	return out
}

func (pw *probeWatcher) start(c *sim.Cluster, from int64) {
	if from == 0 {
		rev, _ := c.Store().Revision()
		from = rev + 1
	}
	w, err := c.Store().Watch(pw.prefix, from)
	if err != nil {
		panic("simtest: watch " + pw.prefix + ": " + err.Error())
	}
	pw.w, pw.next = w, from
}

// check polls the watcher once and judges what it delivered.
func (pw *probeWatcher) check(ck *checker) {
	evs, err := pw.w.Poll(pw.limit)
	if err != nil {
		if store.IsCompacted(err) {
			ck.cov.hit(CovWatchRewatched)
			pw.start(ck.c, 0)
			return
		}
		ck.violate("safety", []model.Violation{{Invariant: "WatchDeliversOnceInOrder", Object: "watch " + pw.prefix, Message: err.Error()}})
		return
	}
	if len(evs) == 0 {
		return
	}
	caughtUp := pw.limit == 0 || len(evs) < pw.limit
	// The writes the events are judged against: from next to the last
	// delivered (to the end of the log when caught up).
	lo := max(0, int(pw.next-ck.firstRev))
	hi := len(ck.hist)
	if !caughtUp {
		hi = min(hi, max(lo, int(evs[len(evs)-1].Revision-ck.firstRev+1)))
	}
	log := model.WatchLog{Prefix: pw.prefix, From: pw.next, CaughtUp: caughtUp, Events: make(model.History, len(evs))}
	for i, e := range evs {
		log.Events[i] = model.Write{Revision: e.Revision, Type: string(e.Type), Key: e.Key, Object: e.Object}
	}
	ck.eval("WatchDeliversOnceInOrder")
	ck.violate("safety", model.WatchDeliversOnceInOrder(ck.hist[lo:hi], log))
	pw.next = evs[len(evs)-1].Revision + 1
}
