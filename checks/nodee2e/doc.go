// Package nodee2e holds the node agent's end-to-end tests: real agents
// (nodeagent/agenttest: a private containerd, real pod networks, the logs
// endpoint over HTTPS) against the real API server (server/apiserver's
// REST handler on loopback, storing in etcd through server/etcdstore over
// an embedded member from server/etcdserver, as `capstan server` does; the
// control-plane loop of server/controlplane: scheduler, ReplicaSet and
// Deployment controllers, node lifecycle and taint eviction) through the
// REST client, as `capstan agent` runs. What differs from the server
// process: plain HTTP without authentication between the tests and the
// API, fast lease and eviction timings, and no leader election (the
// server process's own tests cover those).
//
// A test whose containerd dies fails at once with how it died and the end
// of its log (containerdtest.Daemon.Dead), rather than timing out.
package nodee2e
