package store

// The checks of Memory's invariants (every Invariant: comment of its
// types) that the package's tests, example-based and rapid, run after
// each step.

import (
	"slices"

	"github.com/capstan-dev/capstan/core/api"
)

// failer is what the invariant checks need of a *testing.T or *rapid.T.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkInvariants checks every Invariant: comment of Memory and its parts.
func checkInvariants(t failer, m *Memory) {
	t.Helper()
	if m.compacted < 0 || m.compacted > m.rev {
		t.Fatalf("compacted %d outside [0, %d]", m.compacted, m.rev)
	}
	if want := max(initialRevision+1, m.compacted); m.logStart != want {
		t.Fatalf("logStart %d, want %d", m.logStart, want)
	}
	if m.logStart+int64(m.log.len()) != m.rev+1 {
		t.Fatalf("log covers %d..%d, revision %d", m.logStart, m.logStart+int64(m.log.len())-1, m.rev)
	}
	checkLog(t, &m.log)
	ids := checkIndex(t, &m.index, &m.recs)
	checkTable(t, &m.recs, len(ids))
	for _, i := range ids {
		r := m.recs.at(i)
		k := r.key
		if find(&m.recs, k) != i {
			t.Fatalf("index key %q not in the table", k)
		}
		if r.obj == nil && r.rev <= m.compacted {
			t.Fatalf("%s: tombstone at %d kept after compaction at %d", k, r.rev, m.compacted)
		}
		vs := versions(m, r)
		if len(vs) == 0 {
			t.Fatalf("%s: no version a read can see", k)
		}
		for j, v := range vs {
			if v.rev > m.rev || (j > 0 && v.rev <= vs[j-1].rev) {
				t.Fatalf("%s: version revisions out of order: %v", k, vs)
			}
			if j > 0 && v.obj == nil && vs[j-1].obj == nil {
				t.Fatalf("%s: two tombstones in a row", k)
			}
			if v.obj != nil && v.obj.GetObjectMeta().ResourceVersion != FormatRevision(v.rev) {
				t.Fatalf("%s: stored resourceVersion %q at revision %d", k, v.obj.GetObjectMeta().ResourceVersion, v.rev)
			}
		}
	}
	for j := range m.log.len() {
		e := m.log.at(j)
		if r := m.recs.at(e.rec); r.key == "" {
			t.Fatalf("log entry at %d names free record %d", m.logStart+int64(j), e.rec)
		}
		if e.obj != nil && e.obj.GetObjectMeta().ResourceVersion != FormatRevision(m.logStart+int64(j)) {
			t.Fatalf("log entry at %d holds resourceVersion %s", m.logStart+int64(j), e.obj.GetObjectMeta().ResourceVersion)
		}
	}
	checkBases(t, m)
	if m.retired >= 0 {
		if r := m.recs.at(m.retired); r.rev != 0 || r.key == "" || m.retired != m.log.at(0).rec {
			t.Fatalf("retired record %d: %+v, not named by the log entry at the compaction revision", m.retired, r)
		}
	}
}

// checkBases checks Memory.bases: exactly the records whose first
// retained write replaced a live state written before the log's start,
// each with that state.
func checkBases(t failer, m *Memory) {
	t.Helper()
	want := map[id]int64{} // record -> the revision its base was written at
	seen := map[id]bool{}
	for j := range m.log.len() {
		e := m.log.at(j)
		if seen[e.rec] {
			continue
		}
		seen[e.rec] = true
		if e.typ != opAdded && e.prevRev < m.logStart {
			want[e.rec] = e.prevRev
		}
	}
	if len(m.bases) != len(want) {
		t.Fatalf("bases holds %d records, want %d", len(m.bases), len(want))
	}
	for i, rev := range want {
		b, ok := m.bases[i]
		if !ok || b == nil || b.GetObjectMeta().ResourceVersion != FormatRevision(rev) {
			t.Fatalf("record %d: base %v, want the version at %d", i, b, rev)
		}
	}
}

// version is one write to a key, as versions returns it.
type version struct {
	rev int64
	obj api.Object // nil: a tombstone
}

// versions returns the versions of r that a read at a retained revision
// can tell apart, oldest first, walking the log as objectAt does: the
// latest, and the state before each write after the compaction revision.
// Leading tombstones (indistinguishable from no key) are left out.
func versions(m *Memory, r *record) []version {
	vs := []version{{r.rev, r.obj}}
	for rev := r.rev; rev > m.compacted; {
		e := m.log.at(int(rev - m.logStart))
		if e.prevRev == 0 {
			break
		}
		vs = append(vs, version{e.prevRev, m.prevOf(e)})
		rev = e.prevRev
	}
	slices.Reverse(vs)
	for len(vs) > 0 && vs[0].obj == nil {
		vs = vs[1:]
	}
	return vs
}

// checkIndex checks the block invariants and returns the ids in order.
func checkIndex(t failer, ix *keyIndex, tab *recordTable) []id {
	t.Helper()
	var ids []id
	last := ""
	for b, blk := range ix.blocks {
		if len(blk) == 0 || len(blk) > maxBlock {
			t.Fatalf("block %d has %d records", b, len(blk))
		}
		for _, i := range blk {
			k := tab.at(i).key
			if len(ids) > 0 && last >= k {
				t.Fatalf("index out of order at block %d: %q after %q", b, k, last)
			}
			ids, last = append(ids, i), k
		}
	}
	if len(ids) != ix.n {
		t.Fatalf("index n = %d, holds %d", ix.n, len(ids))
	}
	return ids
}

// checkTable checks the record table's invariants: n records in the hash
// table, each reachable from its hash; free ids empty.
func checkTable(t failer, tab *recordTable, n int) {
	t.Helper()
	if tab.n != n {
		t.Fatalf("hash table holds %d records, want %d", tab.n, n)
	}
	if tab.n*maxLoadDen > len(tab.slots)*maxLoadNum {
		t.Fatalf("hash table over its load: %d in %d slots", tab.n, len(tab.slots))
	}
	occupied := 0
	for _, s := range tab.slots {
		if s == 0 {
			continue
		}
		occupied++
		r := tab.at(id(uint32(s)) - 1)
		if r.rev == 0 || r.key == "" || hashKey(r.key)&tagMask != s>>32 || find(tab, r.key) != id(uint32(s))-1 {
			t.Fatalf("slot for %q (rev %d) is not found from its hash", r.key, r.rev)
		}
	}
	if occupied != n {
		t.Fatalf("%d occupied slots, want %d", occupied, n)
	}
	for _, i := range tab.free {
		if i >= tab.next || *tab.at(i) != (record{}) {
			t.Fatalf("free id %d holds %+v", i, *tab.at(i))
		}
	}
}

// checkLog checks writeLog's invariants: the offset within the first
// chunk, the count, full chunks but the last, cleared dropped entries.
func checkLog(t failer, l *writeLog) {
	t.Helper()
	if l.off < 0 || l.off >= logChunk {
		t.Fatalf("log offset %d", l.off)
	}
	n := -l.off
	for i, c := range l.chunks {
		if i < len(l.chunks)-1 && len(c) != logChunk {
			t.Fatalf("log chunk %d of %d holds %d", i, len(l.chunks), len(c))
		}
		n += len(c)
	}
	if len(l.chunks) == 0 {
		n = 0
	}
	if n != l.n {
		t.Fatalf("log counts %d entries, holds %d", l.n, n)
	}
	if len(l.chunks) > 0 {
		for _, e := range l.chunks[0][:l.off] {
			if e != (logEntry{}) {
				t.Fatalf("dropped log entry %+v not cleared", e)
			}
		}
	}
}
