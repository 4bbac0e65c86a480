package etcdstore

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// List implements store.Store with one etcd range read: from the page's
// first key to the end of the prefix, at the list's revision, at most
// Limit keys. etcd also returns the number of keys in the whole range, so
// RemainingItemCount costs no second read.
func (s *Store) List(prefix string, opts store.ListOptions) (store.ListResult, error) {
	if err := store.CheckPrefix(prefix); err != nil {
		return store.ListResult{}, err
	}
	if opts.Limit < 0 {
		return store.ListResult{}, storeError(store.BadRequest, prefix, "negative limit %d", opts.Limit)
	}
	if err := checkRevision(prefix, opts.Revision); err != nil {
		return store.ListResult{}, err
	}
	rev, start := opts.Revision, prefix
	if opts.Continue != "" {
		if opts.Revision != 0 {
			return store.ListResult{}, storeError(store.BadRequest, prefix, "revision must not be set with a continue token")
		}
		var err error
		if rev, start, err = store.DecodeContinue(prefix, opts.Continue); err != nil {
			return store.ListResult{}, err
		}
	}
	end := clientv3.GetPrefixRangeEnd(s.etcdKey(prefix))
	var res store.ListResult
	err := s.call("list", func(ctx context.Context) error {
		resp, err := s.kv.Get(ctx, s.etcdKey(start),
			clientv3.WithRange(end), clientv3.WithRev(rev), clientv3.WithLimit(opts.Limit))
		if err != nil {
			return etcdError("list", prefix, err)
		}
		res.Revision = rev
		if rev == 0 {
			res.Revision = resp.Header.Revision
		}
		if len(resp.Kvs) > 0 {
			res.Items = make([]api.Object, len(resp.Kvs))
		}
		for i, kv := range resp.Kvs {
			if res.Items[i], err = s.decodeKV(kv); err != nil {
				return err
			}
		}
		if resp.More {
			last := s.storeKey(resp.Kvs[len(resp.Kvs)-1].Key)
			res.Continue = store.EncodeContinue(prefix, res.Revision, last+"\x00")
			res.RemainingItemCount = resp.Count - int64(len(resp.Kvs))
		}
		return nil
	})
	if err != nil {
		return store.ListResult{}, err
	}
	return res, nil
}
