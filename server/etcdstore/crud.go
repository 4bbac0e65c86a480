package etcdstore

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// objectKey returns the key of obj, or a BadRequest.
func objectKey(obj api.Object) (string, error) {
	if obj == nil {
		return "", storeError(store.BadRequest, "", "nil object")
	}
	key, err := api.KeyOf(obj)
	if err != nil {
		return "", storeError(store.BadRequest, "", "%v", err)
	}
	return key, nil
}

// stored returns what a write of obj at rev stored, as a read would return
// it: a deep copy with its kind's TypeMeta and resourceVersion rev.
func stored(obj api.Object, rev int64) api.Object {
	out := api.CopyObject(obj)
	if info, ok := api.LookupKind(obj.GetTypeMeta().Kind); ok {
		*out.GetTypeMeta() = api.TypeMeta{APIVersion: info.APIVersion(), Kind: info.Kind}
	}
	out.GetObjectMeta().ResourceVersion = store.FormatRevision(rev)
	return out
}

// Create implements store.Store: a Put guarded by CreateRevision == 0,
// which holds for a key never written and for a deleted one.
func (s *Store) Create(obj api.Object) (api.Object, error) {
	key, err := objectKey(obj)
	if err != nil {
		return nil, err
	}
	if rv := obj.GetObjectMeta().ResourceVersion; rv != "" {
		return nil, storeError(store.BadRequest, key, "resourceVersion must not be set on create (got %q)", rv)
	}
	val, err := encode(key, obj)
	if err != nil {
		return nil, err
	}
	k := s.etcdKey(key)
	var rev int64
	err = s.call("create", func(ctx context.Context) error {
		resp, err := s.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
			Then(clientv3.OpPut(k, string(val))).
			Commit()
		if err != nil {
			return etcdError("create", key, err)
		}
		if !resp.Succeeded {
			return storeError(store.AlreadyExists, key, "already exists")
		}
		rev = resp.Header.Revision
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored(obj, rev), nil
}

// Get implements store.Store.
func (s *Store) Get(key string) (api.Object, error) { return s.GetAt(key, 0) }

// GetAt implements store.Store.
func (s *Store) GetAt(key string, rev int64) (api.Object, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	if err := checkRevision(key, rev); err != nil {
		return nil, err
	}
	var out api.Object
	err := s.call("get", func(ctx context.Context) error {
		resp, err := s.kv.Get(ctx, s.etcdKey(key), clientv3.WithRev(rev))
		if err != nil {
			return etcdError("get", key, err)
		}
		if len(resp.Kvs) == 0 {
			return storeError(store.NotFound, key, "not found")
		}
		out, err = s.decodeKV(resp.Kvs[0])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update implements store.Store: a Put guarded by the key's existence and,
// when obj has a resourceVersion, by ModRevision == resourceVersion. On a
// failed compare the Else branch reads the key, to tell NotFound from
// Conflict in the same round trip.
func (s *Store) Update(obj api.Object) (api.Object, error) {
	key, err := objectKey(obj)
	if err != nil {
		return nil, err
	}
	k := s.etcdKey(key)
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.Version(k), ">", 0)}
	var want int64
	if rv := obj.GetObjectMeta().ResourceVersion; rv != "" {
		if want, err = store.ParseResourceVersion(key, rv); err != nil {
			// As in core/store: an absent key is NotFound first.
			if _, gerr := s.Get(key); store.IsNotFound(gerr) {
				return nil, gerr
			}
			return nil, err
		}
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", want))
	}
	val, err := encode(key, obj)
	if err != nil {
		return nil, err
	}
	var rev int64
	err = s.call("update", func(ctx context.Context) error {
		resp, err := s.kv.Txn(ctx).
			If(cmps...).
			Then(clientv3.OpPut(k, string(val))).
			Else(clientv3.OpGet(k, clientv3.WithKeysOnly())).
			Commit()
		if err != nil {
			return etcdError("update", key, err)
		}
		if !resp.Succeeded {
			kvs := resp.Responses[0].GetResponseRange().Kvs
			if len(kvs) == 0 {
				return storeError(store.NotFound, key, "not found")
			}
			return storeError(store.Conflict, key, "resourceVersion %d is stale (current %d)", want, kvs[0].ModRevision)
		}
		rev = resp.Header.Revision
		return nil
	})
	if err != nil {
		return nil, err
	}
	return stored(obj, rev), nil
}

// Delete implements store.Store. Without preconditions it is one Delete
// that returns the previous value. With them it reads the key, checks them,
// and deletes only if the key has not moved since (a compare on
// ModRevision); if it has, it checks them again against the newer value,
// which the failed transaction read, and tries again.
func (s *Store) Delete(key string, pre store.Preconditions) (api.Object, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, err
	}
	k := s.etcdKey(key)
	var out api.Object
	err := s.call("delete", func(ctx context.Context) error {
		if pre == (store.Preconditions{}) {
			resp, err := s.kv.Delete(ctx, k, clientv3.WithPrevKV())
			if err != nil {
				return etcdError("delete", key, err)
			}
			if len(resp.PrevKvs) == 0 {
				return storeError(store.NotFound, key, "not found")
			}
			if out, err = decode(key, resp.PrevKvs[0].Value, resp.Header.Revision); err != nil {
				// Deleted all the same: a corrupt value can be removed.
				return fmt.Errorf("etcdstore: %s deleted at revision %d, but its last state: %w", key, resp.Header.Revision, err)
			}
			return nil
		}
		get, err := s.kv.Get(ctx, k)
		if err != nil {
			return etcdError("delete", key, err)
		}
		kvs := get.Kvs
		for {
			if len(kvs) == 0 {
				return storeError(store.NotFound, key, "not found")
			}
			cur := kvs[0]
			if err := s.checkPreconditions(key, cur.Value, cur.ModRevision, pre); err != nil {
				return err
			}
			resp, err := s.kv.Txn(ctx).
				If(clientv3.Compare(clientv3.ModRevision(k), "=", cur.ModRevision)).
				Then(clientv3.OpDelete(k)).
				Else(clientv3.OpGet(k)).
				Commit()
			if err != nil {
				return etcdError("delete", key, err)
			}
			if resp.Succeeded {
				out, err = decode(key, cur.Value, resp.Header.Revision)
				return err
			}
			kvs = resp.Responses[0].GetResponseRange().Kvs
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkPreconditions checks a Delete's preconditions against the stored
// value at modRev, in the in-memory store's order: resourceVersion (a
// malformed one is a BadRequest), then UID.
func (s *Store) checkPreconditions(key string, value []byte, modRev int64, pre store.Preconditions) error {
	if pre.ResourceVersion != "" {
		want, err := store.ParseResourceVersion(key, pre.ResourceVersion)
		if err != nil {
			return err
		}
		if want != modRev {
			return storeError(store.Conflict, key, "resourceVersion %s is stale (current %d)", pre.ResourceVersion, modRev)
		}
	}
	if pre.UID == "" {
		return nil
	}
	obj, err := decode(key, value, modRev)
	if err != nil {
		return err
	}
	if uid := obj.GetObjectMeta().UID; uid != pre.UID {
		return storeError(store.Conflict, key, "precondition failed: UID in precondition: %s, UID in object: %s", pre.UID, uid)
	}
	return nil
}
