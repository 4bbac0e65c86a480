package store

import (
	"slices"
	"sort"

	"github.com/capstan-dev/capstan/core/api"
)

// version is one write to a key.
type version struct {
	// rev is the modRevision of the write.
	rev int64
	// obj is the stored object, with resourceVersion == rev; nil is a
	// tombstone: the key was deleted at rev. Never mutated once stored.
	obj api.Object
}

// record is the retained history of one key.
type record struct {
	key string
	// versions are the writes to key that a read at a retained revision
	// can still see.
	// Invariant: non-empty; revs strictly increasing; versions[0] is not
	// a tombstone; no two tombstones in a row.
	versions []version
}

// latest returns the current object, nil if the key is deleted.
func (r *record) latest() api.Object { return r.versions[len(r.versions)-1].obj }

// modRevision returns the revision of the last write.
func (r *record) modRevision() int64 { return r.versions[len(r.versions)-1].rev }

// at returns the object as of revision rev, nil if it did not exist then.
func (r *record) at(rev int64) api.Object {
	vs := r.versions
	if last := vs[len(vs)-1]; last.rev <= rev {
		return last.obj
	}
	i := sort.Search(len(vs), func(j int) bool { return vs[j].rev > rev })
	if i == 0 {
		return nil
	}
	return vs[i-1].obj
}

// compact drops the versions that no read at revision >= rev can see:
// every version older than the newest one at or before rev, and that one
// too if it is a tombstone. It reports whether the record is now empty.
func (r *record) compact(rev int64) (empty bool) {
	vs := r.versions
	i := sort.Search(len(vs), func(j int) bool { return vs[j].rev > rev }) - 1
	if i < 0 {
		return false
	}
	if vs[i].obj == nil {
		i++
	}
	if i > 0 {
		// slices.Delete clears the tail, so dropped objects can be freed.
		r.versions = slices.Delete(vs, 0, i)
	}
	return len(r.versions) == 0
}
