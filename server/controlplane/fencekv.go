package controlplane

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// FenceKV returns kv with every write made conditional on the term: each
// Put, Delete and transaction also compares the election key's create
// revision (Term.StillLeader) in the same etcd transaction, and fails with
// ErrFenced (wrapped), changing nothing, once that compare fails: the
// lease expired and etcd deleted the key, or this server resigned. Reads
// pass through. One round trip per write, as before: the guard's state
// comes back in the failure branch of the transaction itself.
//
// A store built over it (etcdstore with Options.KV) refuses the writes of
// a deposed leader in etcd itself, whatever this process believes.
func (t Term) FenceKV(kv clientv3.KV) clientv3.KV { return &fencedKV{KV: kv, term: t} }

type fencedKV struct {
	clientv3.KV
	term Term
}

func (k *fencedKV) fenced() error {
	return fmt.Errorf("election key %s (create revision %d) is gone: %w", k.term.Key, k.term.Rev, ErrFenced)
}

func (k *fencedKV) Txn(ctx context.Context) clientv3.Txn { return &fencedTxn{k: k, ctx: ctx} }

func (k *fencedKV) Put(ctx context.Context, key, val string, opts ...clientv3.OpOption) (*clientv3.PutResponse, error) {
	resp, err := k.Txn(ctx).Then(clientv3.OpPut(key, val, opts...)).Commit()
	if err != nil {
		return nil, err
	}
	r := resp.Responses[0].GetResponsePut()
	r.Header = resp.Header
	return (*clientv3.PutResponse)(r), nil
}

func (k *fencedKV) Delete(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.DeleteResponse, error) {
	resp, err := k.Txn(ctx).Then(clientv3.OpDelete(key, opts...)).Commit()
	if err != nil {
		return nil, err
	}
	r := resp.Responses[0].GetResponseDeleteRange()
	r.Header = resp.Header
	return (*clientv3.DeleteResponse)(r), nil
}

// Do passes reads through and refuses writes, which it cannot fence
// (nothing capstan uses sends writes through Do).
func (k *fencedKV) Do(ctx context.Context, op clientv3.Op) (clientv3.OpResponse, error) {
	if !op.IsGet() {
		return clientv3.OpResponse{}, fmt.Errorf("controlplane: a fenced KV sends writes through Txn, Put or Delete, not Do")
	}
	return k.KV.Do(ctx, op)
}

// Compact is refused: compaction is not the control plane's business.
func (k *fencedKV) Compact(context.Context, int64, ...clientv3.CompactOption) (*clientv3.CompactResponse, error) {
	return nil, fmt.Errorf("controlplane: the control plane does not compact")
}

// fencedTxn adds the term's compare to a transaction, and a read of the
// election key to its failure branch, to tell "not the leader" from the
// transaction's own compares failing.
type fencedTxn struct {
	k         *fencedKV
	ctx       context.Context
	cmps      []clientv3.Cmp
	then, els []clientv3.Op
}

func (t *fencedTxn) If(cs ...clientv3.Cmp) clientv3.Txn {
	t.cmps = append(t.cmps, cs...)
	return t
}

func (t *fencedTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	t.then = append(t.then, ops...)
	return t
}

func (t *fencedTxn) Else(ops ...clientv3.Op) clientv3.Txn {
	t.els = append(t.els, ops...)
	return t
}

func (t *fencedTxn) Commit() (*clientv3.TxnResponse, error) {
	term := t.k.term
	cmps := append(append([]clientv3.Cmp(nil), t.cmps...), term.StillLeader())
	els := append(append([]clientv3.Op(nil), t.els...), clientv3.OpGet(term.Key, clientv3.WithKeysOnly()))
	resp, err := t.k.KV.Txn(t.ctx).If(cmps...).Then(t.then...).Else(els...).Commit()
	if err != nil || resp.Succeeded {
		return resp, err
	}
	guard := resp.Responses[len(resp.Responses)-1].GetResponseRange()
	if guard == nil || len(guard.Kvs) == 0 || guard.Kvs[0].CreateRevision != term.Rev {
		return nil, t.k.fenced()
	}
	resp.Responses = resp.Responses[:len(resp.Responses)-1]
	return resp, nil
}
