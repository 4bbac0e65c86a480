package etcdtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
)

// A 3-member cluster keeps serving with one member killed, and the member
// restarted on its data catches up with what it missed.
func TestClusterKillRestart(t *testing.T) {
	c := etcdtest.NewCluster(t, 3)
	cli := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, "before", "1"); err != nil {
		t.Fatal(err)
	}
	leader := c.Leader()
	if leader < 0 {
		t.Fatal("no leader")
	}
	c.Kill(leader)
	if c.Member(leader) != nil {
		t.Fatal("a killed member is still listed")
	}
	if next := c.WaitLeader(); next == leader {
		t.Fatalf("the killed member %d still leads", leader)
	}
	if _, err := cli.Put(ctx, "during", "2"); err != nil {
		t.Fatalf("Put with the leader killed: %v", err)
	}
	c.Restart(leader)
	resp, err := c.Member(leader).Client().Get(ctx, "during")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "2" {
		t.Fatalf("restarted member reads %v, %v; want the write it missed", resp, err)
	}
	if got := len(c.Endpoints()); got != 3 {
		t.Fatalf("%d endpoints", got)
	}
}
