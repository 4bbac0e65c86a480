package etcdstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/checks/storecontract"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// prefixes numbers the stores that share one etcd, so that each test
// starts with an empty store.
var prefixes atomic.Int64

// newPrefix returns a prefix no other store of the test binary uses.
func newPrefix() string { return fmt.Sprintf("/test-%d", prefixes.Add(1)) }

// newStore returns a store over cli under a new prefix.
func newStore(cli *clientv3.Client) *etcdstore.Store {
	return etcdstore.New(cli, etcdstore.Options{Prefix: newPrefix()})
}

// The contract against one member, through the in-process client.
func TestContractMember(t *testing.T) {
	m := etcdtest.Member(t, false)
	storecontract.Run(t, func(t *testing.T) store.Store { return newStore(m.Client()) })
}

// The contract against one member, through gRPC over loopback.
func TestContractMemberTCP(t *testing.T) {
	m := etcdtest.Member(t, true)
	storecontract.Run(t, func(t *testing.T) store.Store { return newStore(m.Client()) })
}

// A 3-member cluster, shared by the tests that need one (starting a
// cluster costs seconds): the contract through a client of all three
// members, then the faults.
func TestCluster(t *testing.T) {
	c := etcdtest.NewCluster(t, 3)
	cli := c.Client()
	t.Run("contract", func(t *testing.T) {
		storecontract.Run(t, func(t *testing.T) store.Store { return newStore(cli) })
	})
	t.Run("MemberKilled", func(t *testing.T) { testMemberKilled(t, c) })
	t.Run("WatchAcrossCompaction", func(t *testing.T) { testWatchAcrossCompaction(t, c) })
}
