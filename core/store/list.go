package store

import (
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// List implements Store. It walks the key index from the page's first key
// to the end of the prefix: O(log n) to find the start, then O(1) per key
// at the latest revision (O(w) per key for an older one, w = writes to
// that key since). Counting the remaining items walks the rest of the prefix.
func (m *Memory) List(prefix string, opts ListOptions) (ListResult, error) {
	if err := CheckPrefix(prefix); err != nil {
		return ListResult{}, err
	}
	if opts.Limit < 0 {
		return ListResult{}, newError(BadRequest, prefix, "negative limit %d", opts.Limit)
	}
	rev, start := opts.Revision, prefix
	if opts.Continue != "" {
		if opts.Revision != 0 {
			return ListResult{}, newError(BadRequest, prefix, "revision must not be set with a continue token")
		}
		var err error
		if rev, start, err = DecodeContinue(prefix, opts.Continue); err != nil {
			return ListResult{}, err
		}
	}
	rev, err := m.readRevision(prefix, rev)
	if err != nil {
		return ListResult{}, err
	}

	res := ListResult{Revision: rev}
	var items []api.Object
	m.index.ascend(&m.recs, start, func(r *record) bool {
		if !strings.HasPrefix(r.key, prefix) {
			return false
		}
		obj := m.objectAt(r, rev)
		if obj == nil {
			return true
		}
		if opts.Limit > 0 && int64(len(items)) == opts.Limit {
			if res.Continue == "" {
				res.Continue = EncodeContinue(prefix, rev, r.key)
			}
			res.RemainingItemCount++
			return true
		}
		items = append(items, m.copyOut(obj))
		return true
	})
	res.Items = items
	return res, nil
}
