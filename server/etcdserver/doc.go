// Package etcdserver runs an embedded etcd member (go.etcd.io/etcd/server/v3/embed)
// inside the capstan process: the default store of `capstan up`, and the
// etcd that tests start in temporary directories.
//
//	Start(ctx, Config{Dir: "capstan-data/etcd"})
//	   │ embed.StartEtcd: client and peer listeners on 127.0.0.1 only
//	   │ wait for ReadyNotify (the member has a leader and serves)
//	   ▼
//	*Server ── Client() *clientv3.Client
//	   │         in-process (v3client: direct calls, no sockets) by default,
//	   │         or gRPC over the loopback client URL (Config.TCPClient)
//	   └─ Close(): client first, then the member; the data stays in Dir
//
// Starting again on the same Dir keeps every key and revision: etcd replays
// its write-ahead log and reads its bbolt backend; the initial cluster
// settings only matter the first time. A member holds a lock on Dir
// (capstan.lock) while it runs, so a second one fails at once instead of
// waiting on etcd's own file locks. Kill stops a member as a crash would
// (no leadership transfer), for fault tests.
//
// Every URL is on 127.0.0.1: a member never listens on another interface.
// Free ports are picked when none are given. etcd's own logs (zap) go to a
// *slog.Logger, below warn by default, so that an embedding process stays
// quiet. Config.Fast shortens the raft timings (TickMs=10, ElectionMs=100)
// for tests; production keeps etcd's defaults (100 ms, 1 s).
//
// Package etcdtest (a sub-package, for other packages' tests) starts single
// members and 3-member clusters in temporary directories and kills and
// restarts members.
package etcdserver
