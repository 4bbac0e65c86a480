package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/capstan-dev/capstan/core/api"
)

// The read side of the property test (see store_rapid_test.go): lists,
// compaction and watchers.

func (sm *storeMachine) List(t *rapid.T) {
	prefix := rapid.SampledFrom(prefixes).Draw(t, "prefix")
	rev := rapid.Int64Range(-1, sm.rev+1).Draw(t, "rev")
	limit := rapid.Int64Range(0, 3).Draw(t, "limit")
	res, err := sm.s.List(prefix, ListOptions{Revision: rev, Limit: limit})
	want := sm.readCode(rev)
	wantErr(t, fmt.Sprintf("List(%s, rev=%d)", prefix, rev), err, want)
	if want != "" {
		return
	}
	if rev == 0 {
		rev = sm.rev
	}
	var wantKeys []string
	for k := range sm.states[rev] {
		if strings.HasPrefix(k, prefix) {
			wantKeys = append(wantKeys, k)
		}
	}
	slices.Sort(wantKeys)

	var got []string
	for page := 0; ; page++ {
		if res.Revision != rev {
			t.Fatalf("page %d at revision %d, want %d", page, res.Revision, rev)
		}
		if limit > 0 && int64(len(res.Items)) > limit {
			t.Fatalf("page %d: %d items over limit %d", page, len(res.Items), limit)
		}
		for _, obj := range res.Items {
			key, _ := api.KeyOf(obj)
			if want := sm.states[rev][key]; toM(t, obj) != want {
				t.Fatalf("List item %s = %+v, want %+v", key, toM(t, obj), want)
			}
			got = append(got, key)
		}
		remaining := int64(len(wantKeys) - len(got))
		if res.RemainingItemCount != max(remaining, 0) || (res.Continue != "") != (remaining > 0) {
			t.Fatalf("page %d: remaining %d, continue %q; want remaining %d", page, res.RemainingItemCount, res.Continue, remaining)
		}
		if res.Continue == "" {
			break
		}
		// Sometimes write or compact between pages: a write must not show
		// through the snapshot; a compaction past it ends the paging.
		if rapid.Bool().Draw(t, "writeBetweenPages") {
			sm.Create(t)
		}
		compactCode := Code("")
		if rapid.Bool().Draw(t, "compactBetweenPages") {
			compactCode = sm.compact(t)
		}
		res, err = sm.s.List(prefix, ListOptions{Limit: limit, Continue: res.Continue})
		if compactCode == "" && rev < sm.compacted {
			wantErr(t, "List continue after compaction", err, Compacted)
			return
		}
		wantErr(t, "List continue", err, "")
	}
	if !slices.Equal(got, wantKeys) {
		t.Fatalf("List(%s, rev=%d, limit=%d) = %v, want %v", prefix, rev, limit, got, wantKeys)
	}
}

func (sm *storeMachine) Compact(t *rapid.T) { sm.compact(t) }

// compact draws a compaction revision, checks the result and returns its
// error code.
func (sm *storeMachine) compact(t *rapid.T) Code {
	rev := rapid.Int64Range(-1, sm.rev+1).Draw(t, "compactRev")
	if len(sm.watchers) > 0 && rapid.Bool().Draw(t, "compactNearWatcher") {
		// Just past a watcher's cursor is where off-by-ones hide.
		mw := sm.watchers[rapid.IntRange(0, len(sm.watchers)-1).Draw(t, "watcher")]
		rev = min(mw.next+rapid.Int64Range(0, 1).Draw(t, "offset"), sm.rev)
	}
	var want Code
	switch {
	case rev <= 0 || rev > sm.rev:
		want = BadRequest
	case rev <= sm.compacted:
		want = Compacted
	}
	wantErr(t, fmt.Sprintf("Compact(%d) at %d compacted %d", rev, sm.rev, sm.compacted), sm.s.Compact(rev), want)
	if want == "" {
		sm.compacted = rev
	}
	return want
}

func (sm *storeMachine) Watch(t *rapid.T) {
	prefix := rapid.SampledFrom(prefixes).Draw(t, "prefix")
	from := rapid.Int64Range(0, sm.rev+3).Draw(t, "from")
	if sm.compacted > 1 && rapid.Bool().Draw(t, "fromNearCompaction") {
		from = sm.compacted + rapid.Int64Range(-1, 0).Draw(t, "offset")
	}
	w, err := sm.s.Watch(prefix, from)
	if from != 0 && from < sm.compacted {
		wantErr(t, "Watch below compaction", err, Compacted)
		return
	}
	wantErr(t, "Watch", err, "")
	if from == 0 {
		from = sm.rev + 1
	}
	sm.watchers = append(sm.watchers, &mWatcher{w: w, prefix: prefix, next: from})
}

func (sm *storeMachine) Poll(t *rapid.T) {
	if len(sm.watchers) == 0 {
		t.Skip("no watchers")
	}
	mw := sm.watchers[rapid.IntRange(0, len(sm.watchers)-1).Draw(t, "watcher")]
	limit := rapid.IntRange(0, 3).Draw(t, "max")
	got, err := mw.w.Poll(limit)
	switch {
	case mw.closed:
		if len(got) != 0 || err != nil {
			t.Fatalf("Poll of a closed watcher = %d events, %v", len(got), err)
		}
		return
	case mw.failed || mw.next < sm.compacted:
		mw.failed = true
		wantErr(t, "Poll behind compaction", err, Compacted)
		if len(got) != 0 {
			t.Fatalf("Poll with an error returned %d events", len(got))
		}
		return
	}
	wantErr(t, "Poll", err, "")
	var want []mEvent
	for r := max(mw.next, 2); r <= sm.rev && (limit == 0 || len(want) < limit); r++ {
		mw.next = r + 1
		if e := sm.events[r-2]; strings.HasPrefix(e.key, mw.prefix) {
			want = append(want, e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Poll(%d) on %s returned %d events, want %d", limit, mw.prefix, len(got), len(want))
	}
	for i, e := range got {
		w := want[i]
		if e.Type != w.typ || e.Key != w.key || e.Revision != w.rev || toM(t, e.Object) != w.obj {
			t.Fatalf("event %d = %s %+v, want %s %+v", i, e.Describe(), toM(t, e.Object), Event{Type: w.typ, Key: w.key, Revision: w.rev}.Describe(), w.obj)
		}
		if (e.PrevObject == nil) != (w.prev == nil) || (w.prev != nil && toM(t, e.PrevObject) != *w.prev) {
			t.Fatalf("event %s: PrevObject %v, want %+v", e.Describe(), e.PrevObject, w.prev)
		}
	}
}

func (sm *storeMachine) Close(t *rapid.T) {
	if len(sm.watchers) == 0 {
		t.Skip("no watchers")
	}
	mw := sm.watchers[rapid.IntRange(0, len(sm.watchers)-1).Draw(t, "watcher")]
	mw.w.Close()
	mw.closed = true
}

// Check runs after every action.
func (sm *storeMachine) Check(t *rapid.T) {
	if rev, err := sm.s.Revision(); rev != sm.rev || err != nil || sm.s.CompactedRevision() != sm.compacted {
		t.Fatalf("store at %d (%v) compacted %d, model at %d compacted %d", rev, err, sm.s.CompactedRevision(), sm.rev, sm.compacted)
	}
	checkInvariants(t, sm.s)
}

func TestStoreRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sm := &storeMachine{s: NewMemory(), rev: initialRevision, states: []map[string]mObj{nil, {}}}
		t.Repeat(map[string]func(*rapid.T){
			"create":  sm.Create,
			"update":  sm.Update,
			"delete":  sm.Delete,
			"get":     sm.Get,
			"list":    sm.List,
			"compact": sm.Compact,
			"watch":   sm.Watch,
			"poll":    sm.Poll,
			"close":   sm.Close,
			"":        sm.Check,
		})
	})
}
