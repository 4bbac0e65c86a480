package etcdserver_test

import (
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func itoa(n int) string { return strconv.Itoa(n) }

// etcdPrefix reads every key.
func etcdPrefix() []clientv3.OpOption { return []clientv3.OpOption{clientv3.WithFromKey()} }
