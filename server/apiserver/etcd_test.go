package apiserver

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
	"github.com/capstan-dev/capstan/server/storage"
)

// The handler's semantics over etcd (server/etcdstore on an embedded
// member) are those over the in-memory store: the table tests of the
// verbs, lists and pages, watches, subresources and errors run again over
// it, each test under a key prefix of its own.
func TestOverEtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no embedded etcd")
	}
	m := etcdtest.Member(t, false)
	var n atomic.Int64
	old := testBackend
	testBackend = func(t *testing.T) storage.Backend {
		return etcdstore.New(m.Client(), etcdstore.Options{Prefix: fmt.Sprintf("/apiserver-test-%d", n.Add(1))})
	}
	defer func() { testBackend = old }()
	for name, test := range map[string]func(*testing.T){
		"CRUD": TestCRUD, "UpdateDelete": TestUpdateDelete, "List": TestList, "ListPages": TestListPages,
		"Watch": TestWatch, "WatchExpired": TestWatchExpired, "WatchSendInitialEvents": TestWatchSendInitialEvents,
		"Subresources": TestSubresources, "PatchTypes": TestPatchTypes, "ConcurrentClients": TestConcurrentClients,
	} {
		t.Run(name, test)
	}
}
