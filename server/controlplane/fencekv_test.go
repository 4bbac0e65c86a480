package controlplane_test

import (
	"context"
	"errors"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
)

// A fenced KV writes while the term holds and refuses every write, in etcd
// itself, once the leader key is gone; a transaction whose own compares
// fail still reports that normally.
func TestFenceKV(t *testing.T) {
	cli := etcdtest.Member(t, false).Client()
	ctx := context.Background()
	s, err := concurrency.NewSession(cli, concurrency.WithTTL(5))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := concurrency.NewElection(s, "/test/leader")
	if err := e.Campaign(ctx, "me"); err != nil {
		t.Fatal(err)
	}
	kv := controlplane.Term{Key: e.Key(), Rev: e.Rev(), Session: s}.FenceKV(cli.KV)

	put, err := kv.Put(ctx, "/a", "1")
	if err != nil || put.Header == nil || put.Header.Revision == 0 {
		t.Fatalf("Put while leading: %v, %v", put, err)
	}
	resp, err := kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision("/a"), "=", put.Header.Revision)).
		Then(clientv3.OpPut("/a", "2")).Commit()
	if err != nil || !resp.Succeeded {
		t.Fatalf("CAS while leading: %v, %v", resp, err)
	}
	resp, err = kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision("/a"), "=", put.Header.Revision)).
		Then(clientv3.OpPut("/a", "3")).
		Else(clientv3.OpGet("/a")).Commit()
	if err != nil || resp.Succeeded || len(resp.Responses) != 1 || string(resp.Responses[0].GetResponseRange().Kvs[0].Value) != "2" {
		t.Fatalf("stale CAS while leading: %v, %v; want a plain failure with the Else branch's one read", resp, err)
	}
	del, err := kv.Delete(ctx, "/a", clientv3.WithPrevKV())
	if err != nil || del.Deleted != 1 || len(del.PrevKvs) != 1 || del.Header == nil {
		t.Fatalf("Delete while leading: %v, %v", del, err)
	}

	if err := e.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "/b", "1"); !errors.Is(err, controlplane.ErrFenced) {
		t.Errorf("Put after resigning: %v, want ErrFenced", err)
	}
	if _, err := kv.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision("/b"), "=", 0)).Then(clientv3.OpPut("/b", "1")).Commit(); !errors.Is(err, controlplane.ErrFenced) {
		t.Errorf("Txn after resigning: %v, want ErrFenced", err)
	}
	if _, err := kv.Delete(ctx, "/b"); !errors.Is(err, controlplane.ErrFenced) {
		t.Errorf("Delete after resigning: %v, want ErrFenced", err)
	}
	got, err := cli.Get(ctx, "/b")
	if err != nil || got.Count != 0 {
		t.Fatalf("/b exists after fenced writes: %v, %v", got, err)
	}
}
